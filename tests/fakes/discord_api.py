"""A loopback stand-in for Discord's REST API (v10): validates and records like the real one."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
LOADING = 1 << 7  # the "is thinking" flag of a deferred reply
NONCE_WINDOW = 300.0  # seconds: enforce_nonce dedupes within "a few minutes"

# Discord's documented limits (message resource, embed limits; create-message parameters).
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX, DESCRIPTION_MAX = 256, 4096
FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 25, 256, 1024
FOOTER_MAX, AUTHOR_MAX = 2048, 256
CHOICES_MAX = 25


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    authorization: str | None
    at: float  # time.monotonic()
    status: int = 0


@dataclass
class Callback:
    """An interaction callback (initial response): type 4, 5, 6, 7 or 8."""

    interaction_id: str
    token: str
    type: int
    data: dict[str, Any]
    at: float

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)


@dataclass
class Failure:
    """An injected failure: answer `status` to matching requests, `times` times."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float | None = None
    via: bool = True  # a real 429 from Discord carries `Via`; Cloudflare's does not


@dataclass
class Interaction:
    """What the fake knows about one interaction token: its replies and follow-ups."""

    callback: Callback | None = None
    original: dict[str, Any] | None = None  # the message the callback made (or will make)
    original_deleted: bool = False
    followups: list[dict[str, Any]] = field(default_factory=list)
    sent_at: float | None = None  # when the fake dispatched it over the gateway
    followup_at: float | None = None  # when the first follow-up arrived


@contextmanager
def running_in_thread(**options: Any) -> Iterator[DiscordAPI]:
    """The fake on its own event loop in a thread, for code that runs `asyncio.run` itself."""
    api = DiscordAPI(**options)
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(api.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="discord-fake", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the Discord fake did not start")
    try:
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def snowflake(when: float | None = None, seq: int = 0) -> int:
    """A Discord id for a time (seconds since the Unix epoch)."""
    ms = int((time.time() if when is None else when) * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (seq & 0x3FFFFF)


def embed_errors(embeds: Any) -> list[str]:
    """Why Discord would reject these embeds (empty when it would accept them)."""
    if not isinstance(embeds, list):
        return ["embeds: must be a list"]
    errors: list[str] = []
    if len(embeds) > EMBEDS_MAX:
        errors.append(f"embeds: at most {EMBEDS_MAX}, got {len(embeds)}")
    total = 0

    def check(where: str, value: Any, limit: int) -> int:
        text = "" if value is None else str(value)
        if len(text) > limit:
            errors.append(f"{where}: {len(text)} > {limit}")
        return len(text)

    for i, e in enumerate(embeds):
        total += check(f"embeds.{i}.title", e.get("title"), TITLE_MAX)
        total += check(f"embeds.{i}.description", e.get("description"), DESCRIPTION_MAX)
        fields = e.get("fields") or []
        if len(fields) > FIELDS_MAX:
            errors.append(f"embeds.{i}.fields: at most {FIELDS_MAX}, got {len(fields)}")
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if not name or not value:
                errors.append(f"embeds.{i}.fields.{j}: name and value are required")
            total += check(f"embeds.{i}.fields.{j}.name", name, FIELD_NAME_MAX)
            total += check(f"embeds.{i}.fields.{j}.value", value, FIELD_VALUE_MAX)
        total += check(f"embeds.{i}.footer.text", (e.get("footer") or {}).get("text"), FOOTER_MAX)
        total += check(f"embeds.{i}.author.name", (e.get("author") or {}).get("name"), AUTHOR_MAX)
    if total > EMBED_TOTAL_MAX:
        errors.append(f"embeds: {total} characters in total > {EMBED_TOTAL_MAX}")
    return errors


def message_errors(body: dict[str, Any]) -> list[str]:
    """Why Discord would reject this message body."""
    errors = embed_errors(body.get("embeds") or [])
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        errors.append(f"content: {len(str(content))} > {CONTENT_MAX}")
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > 25:
        errors.append("nonce: at most 25 characters")
    if not content and not body.get("embeds") and "flags" not in body:
        errors.append("Cannot send an empty message (50006)")
    return errors


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses a body as JSON only for exactly `application/json`, as Discord sends.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _bad_request(errors: list[str]) -> web.Response:
    """Discord's 50035 Invalid Form Body, errors nested by field path."""
    tree: dict[str, Any] = {}
    for e in errors:
        where, _, what = e.partition(": ")
        node = tree
        for part in where.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_BAD", "message": what or e})
    return _json({"code": 50035, "message": "Invalid Form Body", "errors": tree}, status=400)


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


class DiscordAPI:
    """The fake: `async with DiscordAPI() as api:` then point `Route.BASE` at `api.base_url`."""

    def __init__(
        self,
        token: str = "good-token",
        application_id: int = 1111111111111111111,
        bot_id: int = 2222222222222222222,
        *,
        delay: float = 0.0,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_id = bot_id
        self.delay = delay  # seconds added to every answer, like network latency
        self.requests: list[Recorded] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}  # None: global
        self.callbacks: list[Callback] = []
        self.interactions: dict[str, Interaction] = {}  # by token
        self.channels: dict[str, list[dict[str, Any]]] = {}  # messages, oldest first
        self.allowed_mentions: list[Any] = []  # of every message-making body, in order
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.failures: list[Failure] = []
        self.broken_channels: dict[str, int] = {}  # channel id -> 403 or 404
        self._ids = itertools.count(1)
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self.identified = asyncio.Event()  # set when a client sent IDENTIFY to the gateway
        self.identify: dict[str, Any] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def __aenter__(self) -> DiscordAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._dispatch)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/_fake", self._control)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    # -- test controls -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        via: bool = True,
    ) -> None:
        """Answer the next `times` requests matching METHOD and a path regex with `status`."""
        self.failures.append(Failure(method, re.compile(path), status, times, retry_after, via))

    def break_channel(self, channel_id: str, status: int) -> None:
        """403 (Missing Access) or 404 (Unknown Channel) for every request on a channel."""
        self.broken_channels[str(channel_id)] = status

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        """The recorded requests whose method matches and whose path matches a regex."""
        rx = re.compile(path)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    def add_message(
        self, channel_id: str, content: str = "", embeds: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Put a message into a channel, as if someone had posted it."""
        msg = self._message(str(channel_id), {"content": content, "embeds": embeds or []})
        self.channels.setdefault(str(channel_id), []).append(msg)
        return msg

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event (e.g. INTERACTION_CREATE) to every connected client."""
        if event == "INTERACTION_CREATE":
            self.interactions.setdefault(data["token"], Interaction()).sent_at = time.monotonic()
        for ws in self._sockets:
            self._seq += 1
            await ws.send_json({"op": 0, "t": event, "s": self._seq, "d": data})

    def report(self) -> dict[str, Any]:
        """Per interaction: when it was sent, first answered and followed up (for benchmarks)."""
        out = {}
        for token, st in self.interactions.items():
            first = st.followups[0] if st.followups else None
            out[token] = {
                "sent": st.sent_at,
                "callback": st.callback.at if st.callback else None,
                "type": st.callback.type if st.callback else None,
                "followup": st.followup_at,
                "valid": bool(first and first["embeds"] and not embed_errors(first["embeds"])),
            }
        errors = sum(1 for r in self.requests if r.status >= 400)
        return {"identified": self.identified.is_set(), "interactions": out, "errors": errors}

    async def _control(self, request: web.Request) -> web.Response:
        """Drive a fake in another process: dispatch events, read the report."""
        if request.method == "POST":
            body = await request.json()
            for data in body["items"]:
                await self.dispatch(body["event"], data)
                await asyncio.sleep(0)  # like Discord, take callbacks while sending events
            return _json({"sent": len(body["items"])})
        return _json(self.report())

    # -- plumbing ------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        """A minimal gateway: HELLO, heartbeat ACKs, READY after IDENTIFY."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for frame in ws:
                msg = json.loads(frame.data)
                if msg.get("op") == 1:
                    await ws.send_json({"op": 11})
                elif msg.get("op") == 2:
                    self.identify = msg["d"]
                    self._seq += 1
                    ready = {
                        "v": 10,
                        "user": self._user(),
                        "guilds": [],
                        "session_id": "fake-session",
                        "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                        "application": {"id": str(self.application_id), "flags": 0},
                        "shard": [0, 1],
                    }
                    await ws.send_json({"op": 0, "t": "READY", "s": self._seq, "d": ready})
                    self.identified.set()
        finally:
            self._sockets.remove(ws)
        return ws

    def _injected(self, method: str, path: str) -> web.Response | None:
        for f in self.failures:
            if f.times > 0 and f.method == method and f.path.fullmatch(path):
                f.times -= 1
                if f.status == 429:
                    retry = f.retry_after if f.retry_after is not None else 1.0
                    headers = {
                        "Retry-After": str(math.ceil(retry)),
                        "X-RateLimit-Scope": "user",
                    }
                    if f.via:
                        headers["Via"] = "1.1 google"
                    return _json(
                        {
                            "message": "You are being rate limited.",
                            "retry_after": retry,
                            "global": False,
                        },
                        status=429,
                        headers=headers,
                    )
                if f.status == 403:
                    return _error(403, 50001, "Missing Access")
                if f.status == 404:
                    return _error(404, 10003, "Unknown Channel")
                return _json({"message": "Server error", "code": 0}, status=f.status)
        return None

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    def _user(self) -> dict[str, Any]:
        return {
            "id": str(self.bot_id),
            "username": "briefbot",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "flags": 0,
            "public_flags": 0,
        }

    def _message(
        self,
        channel_id: str,
        body: dict[str, Any],
        *,
        webhook_id: str | None = None,
        flags: int = 0,
    ) -> dict[str, Any]:
        now = time.time()
        msg: dict[str, Any] = {
            "id": str(snowflake(now, next(self._ids))),
            "channel_id": channel_id,
            "author": self._user(),
            "content": body.get("content") or "",
            "timestamp": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": flags,
        }
        if webhook_id is not None:
            msg["webhook_id"] = webhook_id
            msg["application_id"] = str(self.application_id)
        return msg

    def _record_mentions(self, body: dict[str, Any]) -> None:
        self.allowed_mentions.append(body.get("allowed_mentions"))

    # -- routes --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        method, path = request.method, "/" + request.match_info.get("tail", "")
        rec = Recorded(
            method,
            path,
            dict(request.query),
            body,
            request.headers.get("Authorization"),
            time.monotonic(),
        )
        self.requests.append(rec)
        if self.delay:
            await asyncio.sleep(self.delay)
        response = self._answer(request, method, path, body)
        rec.status = response.status
        return response

    def _answer(self, request: web.Request, method: str, path: str, body: Any) -> web.Response:
        injected = self._injected(method, path)
        if injected is not None:
            return injected
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._callback(m[1], m[2], body)
        if m := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(/messages/@original)?", path):
            return self._webhook(method, m[1], m[2], bool(m[3]), body)
        # Everything else is a bot-token route.
        if not self._authorised(request):
            return _error(401, 0, "401: Unauthorized")
        if method == "GET" and path == "/users/@me":
            return _json(self._user())
        if method == "GET" and path in ("/oauth2/applications/@me", "/applications/@me"):
            return _json(self._application())
        if m := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path):
            if method == "PUT":
                return self._put_commands(m[1], m[2], body)
            return _json(self.commands.get(m[2], []))
        if method == "POST" and path == "/users/@me/channels":
            user = str(body["recipient_id"])
            channel = self.dm_channels.setdefault(user, str(snowflake(seq=next(self._ids))))
            return _json({"id": channel, "type": 1, "recipients": [{**self._user(), "id": user}]})
        if m := re.fullmatch(r"/channels/(\d+)/messages", path):
            broken = self.broken_channels.get(m[1])
            if broken == 403:
                return _error(403, 50001, "Missing Access")
            if broken == 404:
                return _error(404, 10003, "Unknown Channel")
            if method == "POST":
                return self._post_message(m[1], body)
            return self._list_messages(m[1], request.query)
        if method == "GET" and path == "/gateway/bot":
            return _json(
                {
                    "url": f"ws://127.0.0.1:{self.port}/gateway",
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 1000,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
        return _error(404, 0, f"404: Not Found ({method} {path})")

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "briefbot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": {**self._user(), "id": "3333333333333333333", "bot": False},
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
        }

    def _put_commands(self, app_id: str, guild_id: str | None, body: Any) -> web.Response:
        if app_id != str(self.application_id):
            return _error(403, 50001, "Missing Access")
        if not isinstance(body, list) or len(body) > 100:
            return _bad_request(["commands: a list of at most 100"])
        out = []
        for cmd in body:
            if not re.fullmatch(r"[-_\w]{1,32}", cmd.get("name", "")) or not (
                1 <= len(cmd.get("description", "")) <= 100
            ):
                return _bad_request([f"bad command {cmd.get('name')!r}"])
            perms = cmd.get("default_member_permissions")
            out.append(
                {
                    **cmd,
                    # Discord stores a permission bit set as a string of its integer.
                    "default_member_permissions": None if perms is None else str(int(perms)),
                    "id": str(snowflake(seq=next(self._ids))),
                    "application_id": app_id,
                    "version": "1",
                    "type": cmd.get("type", 1),
                    **({"guild_id": guild_id} if guild_id else {}),
                }
            )
        self.commands[guild_id] = out
        return _json(out)

    def _callback(self, interaction_id: str, token: str, body: Any) -> web.Response:
        state = self.interactions.setdefault(token, Interaction())
        if state.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        if kind == 8:
            choices = data.get("choices")
            if not isinstance(choices, list) or len(choices) > CHOICES_MAX:
                return _bad_request([f"choices: at most {CHOICES_MAX}"])
            for c in choices:
                if not (1 <= len(str(c.get("name", ""))) <= 100) or len(str(c["value"])) > 100:
                    return _bad_request(["choices: name 1-100, value up to 100 characters"])
        elif kind == 4:
            errors = message_errors(data)
            if errors:
                return _bad_request(errors)
        elif kind == 5:
            extra = set(data) - {"flags"}
            if extra:
                return _bad_request([f"deferred response: only flags allowed, not {extra}"])
        elif kind not in (6, 7, 9):
            return _bad_request([f"unknown callback type {kind}"])
        cb = Callback(interaction_id, token, kind, data, time.monotonic())
        self.callbacks.append(cb)
        state.callback = cb
        result: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": cb.ephemeral,
            }
        }
        if kind in (4, 5):
            if kind == 4:  # a deferral carries no text, so no allowed_mentions either
                self._record_mentions(data)
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            state.original = self._message(
                "0", data, webhook_id=str(self.application_id), flags=flags
            )
            result["interaction"]["response_message_id"] = state.original["id"]
            result["resource"] = {"type": kind, "message": state.original}
        return _json(result)

    def _webhook(
        self, method: str, app_id: str, token: str, original: bool, body: Any
    ) -> web.Response:
        state = self.interactions.get(token)
        if app_id != str(self.application_id) or state is None or state.callback is None:
            # Follow-ups before the first response fail on Discord with Unknown Webhook.
            return _error(404, 10015, "Unknown Webhook")
        if original:
            if state.original is None or state.original_deleted:
                return _error(404, 10008, "Unknown Message")
            if method == "DELETE":
                state.original_deleted = True
                return web.Response(status=204)
            if method == "PATCH":
                errors = message_errors({**body, "flags": 0})
                if errors:
                    return _bad_request(errors)
                self._record_mentions(body)
                state.original.update(
                    {k: body[k] for k in ("content", "embeds") if k in body},
                    flags=int(state.original["flags"]) & ~LOADING,
                )
                return _json(state.original)
            return _json(state.original)
        if method != "POST":
            return _error(405, 0, "405: Method Not Allowed")
        errors = message_errors(body)
        if errors:
            return _bad_request(errors)
        self._record_mentions(body)
        flags = int(body.get("flags") or 0)
        loading = (
            state.original is not None
            and not state.original_deleted
            and int(state.original["flags"]) & LOADING
        )
        if loading:
            # The first follow-up after a defer replaces the "thinking" reply; its own
            # ephemeral flag is ignored and the deferral's visibility wins.
            assert state.original is not None
            keep = int(state.original["flags"]) & EPHEMERAL
            state.original.update(
                content=body.get("content") or "", embeds=body.get("embeds") or [], flags=keep
            )
            msg = dict(state.original)
        else:
            msg = self._message("0", body, webhook_id=app_id, flags=flags & EPHEMERAL)
        state.followups.append(msg)
        if state.followup_at is None:
            state.followup_at = time.monotonic()
        return _json(msg)

    def _post_message(self, channel_id: str, body: Any) -> web.Response:
        errors = message_errors(body)
        if errors:
            return _bad_request(errors)
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None and now - seen[0] < NONCE_WINDOW:
                return _json(seen[1])
        self._record_mentions(body)
        msg = self._message(channel_id, body)
        if nonce is not None:
            msg["nonce"] = nonce
            self._nonces[(channel_id, str(nonce))] = (now, msg)
        # Like Discord, the stored message does not keep the nonce: fetching it returns none.
        self.channels.setdefault(channel_id, []).append(
            {k: v for k, v in msg.items() if k != "nonce"}
        )
        return _json(msg)

    def _list_messages(self, channel_id: str, query: Any) -> web.Response:
        limit = max(1, min(100, int(query.get("limit", 50))))
        msgs = self.channels.get(channel_id, [])
        if "after" in query:
            after = int(query["after"])
            picked = [m for m in msgs if int(m["id"]) > after][:limit]  # oldest after `after`
        elif "before" in query:
            before = int(query["before"])
            picked = [m for m in msgs if int(m["id"]) < before][-limit:]
        else:
            picked = msgs[-limit:]
        return _json(list(reversed(picked)))  # newest first, like Discord


_ids = itertools.count(1)
# An ordinary member's permissions (no Manage Channels, 1 << 4) and the bot's from its invite.
MEMBER_PERMISSIONS = 2248473465835073
MANAGE_CHANNELS = 1 << 4
BOT_PERMISSIONS = 84992 | (1 << 38)


def interaction_payload(
    name: str,
    options: Mapping[str, str | bool] | None = None,
    *,
    kind: int = 2,
    focused: str | None = None,
    application_id: int = 1111111111111111111,
    guild_id: int | None = None,
    subcommand: str | None = None,
    channel_id: str = "4444444444444444444",
    channel_type: int = 0,
    user_id: str = "5555555555555555555",
    permissions: int = MEMBER_PERMISSIONS,
    app_permissions: int = BOT_PERMISSIONS,
) -> dict[str, Any]:
    """A raw INTERACTION_CREATE payload: type 2 runs a command, type 4 asks for autocomplete.

    `subcommand` nests the options under it (`/digest subscribe`); in a server (`guild_id`),
    `permissions` are the member's and `app_permissions` the bot's in the channel."""
    n = next(_ids)
    opts = []
    for key, value in (options or {}).items():
        opt: dict[str, Any] = {
            "name": key,
            "value": value,
            "type": 5 if isinstance(value, bool) else 3,
        }
        if key == focused:
            opt["focused"] = True
        opts.append(opt)
    payload: dict[str, Any] = {
        "id": str(snowflake(seq=n)),
        "application_id": str(application_id),
        "type": kind,
        "token": f"interaction-token-{n}",
        "version": 1,
        "attachment_size_limit": 8 * 1024 * 1024,
        "locale": "en-US",
        "channel_id": channel_id,
        "user": {
            "id": user_id,
            "username": "reader",
            "discriminator": "0",
            "global_name": "Reader",
            "avatar": None,
        },
        "data": {"id": str(hash(name) & 0xFFFFFFFF), "name": name, "type": 1, "options": opts},
    }
    if subcommand is not None:
        payload["data"]["options"] = [{"name": subcommand, "type": 1, "options": opts}]
    if guild_id is not None:  # in a server: a member and a text channel instead of a DM user
        payload["guild_id"] = str(guild_id)
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["member"] = {
            "user": payload.pop("user"),
            "roles": [],
            "joined_at": "2025-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(permissions),
        }
        payload["channel"] = {
            "id": payload["channel_id"],
            "type": channel_type,  # 0: text channel, 11: public thread
            "guild_id": str(guild_id),
            "name": "newsroom",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
        }
        if channel_type in (11, 12):  # a thread: its parent channel and thread metadata
            payload["channel"].update(
                parent_id="6666666666666666666",
                owner_id=user_id,
                message_count=0,
                member_count=1,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2025-01-01T00:00:00+00:00",
                    "locked": False,
                },
            )
        payload["app_permissions"] = str(app_permissions)
        payload["context"] = 0
        payload["authorizing_integration_owners"] = {"0": str(guild_id)}
    return payload


def main() -> None:
    """Serve the fake in this process (for benchmarks): print its port, run until killed."""

    async def serve() -> None:
        async with DiscordAPI() as api:
            print(api.port, flush=True)
            await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
