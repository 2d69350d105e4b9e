"""The Slack adapter: slash commands over HTTP or Socket Mode, and digest posting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack_blocks import (
    SHARE_ACTION,
    SORRY,
    USER_ID,
    Message,
    Payload,
    Request,
    brief_message,
    card_message,
    help_message,
    notice,
    parse,
    quotes_message,
    share_button,
    unknown_topic,
)
from bot.adapters.slack_digest import NETWORK, DigestCommands, error_code
from bot.adapters.slack_poster import SlackPoster
from bot.briefing import Briefing
from bot.config import SlackSettings
from bot.errors import BriefbotError, UnknownTopic

log = logging.getLogger(__name__)


class _UnusedTokenNotice(logging.Filter):
    """Drops bolt's start-up warning that a token is unused: bolt reads SLACK_BOT_TOKEN from the
    environment by itself even when it is given the client built from our settings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


# Bolt's own log lines, under this module's name, without that one notice.
_BOLT_LOG = log.getChild("bolt")
_BOLT_LOG.addFilter(_UnusedTokenNotice())

EVENTS_PATH = "/slack/events"
KINDS = ("brief", "card", "quotes")
# Work a listener defers until its ack has been written to Slack (HTTP body or socket frame):
# bolt only notices ack() by polling every 10 ms, so work started in the listener could answer
# before the ack leaves.
_AFTER_ACK = "briefbot_after_ack"
Work = Coroutine[Any, Any, None]
# Answers computed at once. The core is CPU-bound Python: more threads than this only fight
# the event loop for the GIL and slow the acks, without answering any sooner.
WORKERS = 2


class SlackBot(SlackPoster):
    """Serves the slash commands and posts digests, on the service's event loop."""

    def __init__(
        self, briefing: Briefing, settings: SlackSettings, *, host: str = "0.0.0.0"
    ) -> None:
        if not settings.bot_token:
            raise BriefbotError("Slack needs SLACK_BOT_TOKEN (see deploy/slack/README.md).")
        self.briefing = briefing
        self.settings = settings
        self.host = host
        base = settings.api_url or AsyncWebClient.BASE_URL
        self.client = AsyncWebClient(token=settings.bot_token, base_url=base)
        # No retry handlers for digest posts: the scheduler paces and retries on a 429 itself.
        self.poster = AsyncWebClient(token=settings.bot_token, base_url=base, retry_handlers=[])
        self.app = AsyncApp(
            client=self.client,
            logger=_BOLT_LOG,
            signing_secret=settings.signing_secret or "",
            request_verification_enabled=not settings.app_token,
            process_before_response=False,
        )
        self.kinds = {settings.commands[k]: k for k in KINDS}
        for name in self.kinds:
            self.app.command(name)(self._on_command)
        self.digest_command = settings.commands.get("digest", "/digest")
        self.app.command(self.digest_command)(self._on_command)
        self.app.action(SHARE_ACTION)(self._on_share)
        self.bot_user: str | None = None
        self.port: int | None = None  # the bound port once serving HTTP
        self._tasks: set[asyncio.Task[Any]] = set()
        self._inflight: dict[tuple[Request, bool], asyncio.Task[tuple[Payload, bool]]] = {}
        self._workers = asyncio.Semaphore(WORKERS)
        self.digests = DigestCommands(briefing, settings, self.client, self._workers)
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None  # kept-alive, for response_urls

    @property
    def command_names(self) -> list[str]:
        """The slash commands this bot answers, as registered with bolt."""
        return sorted([*self.kinds, self.digest_command])

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token, then listen (Socket Mode or HTTP); returns once listening."""
        await self._check_token()
        if self.settings.app_token:
            await self._start_socket(self.settings.app_token)
        else:
            if not self.settings.signing_secret:
                raise BriefbotError(
                    "Slack over HTTP needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN to use "
                    "Socket Mode). See deploy/slack/README.md."
                )
            await self._start_http()

    async def _check_token(self) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            error = error_code(exc)
            raise BriefbotError(
                f"Slack rejected SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token "
                "(xoxb-...) from your app's OAuth & Permissions page."
            ) from None
        except NETWORK as exc:
            raise BriefbotError(f"Cannot reach Slack at {self.client.base_url}: {exc}") from None
        self.bot_user = auth.get("user_id")
        log.info("slack: authenticated as %s in %s", auth.get("user"), auth.get("team"))

    async def _start_http(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self._events)
        web_app.router.add_get("/healthz", self._healthz)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.settings.port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise BriefbotError(f"Cannot listen on port {self.settings.port}: {exc}") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("slack: HTTP on %s:%d%s", self.host, self.port, EVENTS_PATH)

    async def _start_socket(self, app_token: str) -> None:
        # Ask for the socket URL ourselves: the SDK retries a bad app token forever.
        try:
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            error = error_code(exc)
            raise BriefbotError(
                f"Slack rejected SLACK_APP_TOKEN ({error}). Use an app-level token (xapp-...) "
                "with the connections:write scope."
            ) from None
        handler = AsyncSocketModeHandler(self.app, app_token, web_client=self.client)
        handler.client.socket_mode_request_listeners[:] = [self._socket_request]
        handler.client.wss_uri = opened["url"]
        try:
            await asyncio.wait_for(handler.connect_async(), timeout=30)  # type: ignore[no-untyped-call]
        except (TimeoutError, *NETWORK) as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]
            raise BriefbotError(f"Cannot open Slack's Socket Mode connection: {exc}") from None
        self._socket = handler
        log.info("slack: connected in Socket Mode")

    async def idle(self) -> None:
        """Wait until every answer in progress has been sent."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Stop listening, finish the answers in progress (up to 10 s), release connections."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=10)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- HTTP -------------------------------------------------------------------------------

    async def _events(self, request: web.Request) -> web.StreamResponse:
        after_ack: list[Work] = []
        try:
            bolt_request = AsyncBoltRequest(
                body=await request.text(),
                query=request.query_string,
                headers=dict(request.headers),
                context={_AFTER_ACK: after_ack},
            )
            response = await to_aiohttp_response(await self.app.async_dispatch(bolt_request))
            if after_ack:
                await response.prepare(request)
                await response.write_eof()  # the ack is on its way; now the work may start
            return response
        finally:
            self._release(after_ack)

    async def _socket_request(
        self, client: AsyncBaseSocketModeClient, req: SocketModeRequest
    ) -> None:
        after_ack: list[Work] = []
        try:
            bolt_request = AsyncBoltRequest(
                mode="socket_mode",
                body=req.payload,
                headers=build_headers(req),
                context={_AFTER_ACK: after_ack},
            )
            response = await self.app.async_dispatch(bolt_request)
            await send_async_response(client, req, response, time.time())
        finally:
            self._release(after_ack)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "platform": "slack", "mode": "http"})

    # -- commands ---------------------------------------------------------------------------

    def _release(self, works: list[Work]) -> None:
        for work in works:
            task = asyncio.get_running_loop().create_task(work)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        works.clear()

    def _after_ack(self, context: AsyncBoltContext, work: Work) -> None:
        """Run `work` once the ack has been sent (at once if this request has no such hook)."""
        queue = context.get(_AFTER_ACK)
        if isinstance(queue, list):
            queue.append(work)
        else:
            self._release([work])

    def _hook(self, url: str) -> AsyncWebhookClient:
        """A client for a response_url, sharing one kept-alive connection pool."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return AsyncWebhookClient(url, session=self._session)

    async def _on_command(
        self, ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()  # Slack wants this within 3 s; the work happens after
        kind = self.kinds.get(str(command.get("command")), "brief")
        text = str(command.get("text") or "")
        respond = self._hook(str(command.get("response_url") or ""))
        first, _, rest = text.strip().partition(" ")
        if command.get("command") == self.digest_command:  # its permission check comes after
            self._after_ack(context, self._digest(command, text, respond))
        elif kind == "brief" and first.lower() == "digest":  # `/brief digest list`
            self._after_ack(context, self._digest(command, rest, respond))
        else:
            self._after_ack(context, self._answer(parse(kind, text), respond))

    async def _digest(
        self, command: dict[str, Any], text: str, respond: AsyncWebhookClient
    ) -> None:
        channel, user = str(command.get("channel_id") or ""), str(command.get("user_id") or "")
        reply = await self.digests.answer(text, channel, user)
        kind = "in_channel" if reply.public else "ephemeral"
        for payload in reply.payloads:
            if not await self._respond(respond, payload, response_type=kind):
                break

    def _render(self, request: Request, shareable: bool) -> Payload:
        """Compute and render an answer (runs in a worker thread: the core is synchronous)."""
        message: Message
        if request.kind == "help":
            message = help_message(self.settings.commands, self.briefing.topics())
        elif request.kind == "card":
            message = card_message(self.briefing.card(request.topic))
        elif request.kind == "quotes":
            result = self.briefing.quotes(request.topic or None, request.speaker or None)
            message = quotes_message(result)
        else:
            message = brief_message(self.briefing.brief(request.topic))
        if not shareable:
            return message.payload(spare=1)  # room for the "Shared by" line
        return message.payload(share_button(request) if request.kind != "help" else [])

    async def _safe_render(self, request: Request, shareable: bool) -> tuple[Payload, bool]:
        """The answer, or the reply for a user error or a bug; and whether it is an answer.

        Identical requests in flight at the same time share one computation (a burst of
        `/brief` on the morning's topic costs one brief); nothing is kept once it is answered.
        """
        key = (request, shareable)
        shared = self._inflight.get(key)
        if shared is None:
            shared = asyncio.get_running_loop().create_task(self._compute(request, shareable))
            self._inflight[key] = shared
            self._tasks.add(shared)
            shared.add_done_callback(self._tasks.discard)
            shared.add_done_callback(lambda _: self._inflight.pop(key, None))
        payload, ok = await asyncio.shield(shared)
        return {**payload, "blocks": list(payload["blocks"])}, ok  # callers may add blocks

    async def _compute(self, request: Request, shareable: bool) -> tuple[Payload, bool]:
        try:
            async with self._workers:
                return await asyncio.to_thread(self._render, request, shareable), True
        except UnknownTopic as exc:
            return unknown_topic(exc, self.settings.commands["brief"]), False
        except BriefbotError as exc:
            return notice(str(exc)), False
        except Exception:
            log.exception("slack: failed to answer %r", request)
            return notice(SORRY), False

    async def _answer(self, request: Request, respond: AsyncWebhookClient) -> None:
        payload, _ = await self._safe_render(request, shareable=True)
        await self._respond(respond, payload, response_type="ephemeral")

    async def _respond(
        self, respond: AsyncWebhookClient, payload: Payload | None, **options: Any
    ) -> bool:
        """Post through the command's response_url; False (and logged) if Slack refused."""
        if payload is not None:
            options.update(text=payload["text"], blocks=payload["blocks"])
        try:
            result = await respond.send(**options)
        except NETWORK as exc:
            log.warning("slack: response_url unreachable: %s", exc)
            return False
        if result.status_code != 200:
            log.warning("slack: response_url refused (%s): %s", result.status_code, result.body)
            return False
        return True

    async def _on_share(
        self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        respond = self._hook(str(body.get("response_url") or ""))
        self._after_ack(context, self._share(body, respond))

    async def _share(self, body: dict[str, Any], respond: AsyncWebhookClient) -> None:
        """Post the same answer for everyone, then remove the private copy."""
        try:
            request = Request.from_value(str(body["actions"][0]["value"]))
        except (KeyError, IndexError, ValueError):
            log.warning("slack: share button with a bad value: %r", body.get("actions"))
            return
        payload, ok = await self._safe_render(request, shareable=False)
        if not ok:
            await self._respond(respond, payload, response_type="ephemeral")
            return
        user = str((body.get("user") or {}).get("id") or "")
        if USER_ID.match(user):
            shared_by = {"type": "mrkdwn", "text": f"Shared by <@{user}>"}
            payload["blocks"].insert(1, {"type": "context", "elements": [shared_by]})
        if await self._respond(
            respond, payload, response_type="in_channel", replace_original=False
        ):
            await self._respond(respond, None, delete_original=True)
            return
        # The response_url is used up (5 uses) or expired (30 min): post as the bot instead.
        channel = str((body.get("channel") or {}).get("id") or "")
        try:
            await self.client.chat_postMessage(
                channel=channel, text=payload["text"], blocks=payload["blocks"]
            )
        except (SlackApiError, *NETWORK) as exc:
            log.warning("slack: could not share in %s: %s", channel, exc)
            await self._respond(
                respond,
                notice("I could not post in this channel: invite me first (/invite)."),
                response_type="ephemeral",
                replace_original=False,
            )
