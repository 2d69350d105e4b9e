"""A loopback stand-in for Slack's Web API, response_url and Socket Mode, for tests and benches.

It answers like Slack where it matters to briefbot: it rejects invalid or over-limit Block Kit
(`invalid_blocks`), lets a response_url be used 5 times in 30 minutes, rate-limits
conversations.history per channel, and can be told to fail the next calls to a method.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

_BLOCK_TYPES = "section header context divider actions image rich_text markdown input file video"
BLOCK_TYPES = frozenset(_BLOCK_TYPES.split())
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})
MAX_BLOCKS = 50
MESSAGE_BLOCK_CHARS = 13_200  # msg_blocks_too_long beyond about this (bolt-js#2509)
RESPONSE_URL_USES = 5
RESPONSE_URL_WINDOW = 30 * 60.0


def _text_error(obj: Any, limit: int, types: frozenset[str] = TEXT_TYPES) -> str | None:
    if not isinstance(obj, Mapping) or obj.get("type") not in types:
        return "bad text object"
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return "missing text"
    if len(text) > limit:
        return f"text longer than {limit}"
    return None


def _block_error(block: Any) -> str | None:
    if not isinstance(block, Mapping):
        return "block is not an object"
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return f"unknown block type {kind!r}"
    if len(str(block.get("block_id", ""))) > 255:
        return "block_id longer than 255"
    if kind == "section":
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            return "section without text or fields"
        if text is not None and (err := _text_error(text, 3000)):
            return f"section: {err}"
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                return "section: more than 10 fields"
            for f in fields:
                if err := _text_error(f, 2000):
                    return f"section field: {err}"
    elif kind == "header":
        if err := _text_error(block.get("text"), 150, frozenset({"plain_text"})):
            return f"header: {err}"
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            return "context: 1 to 10 elements"
        for e in elements:
            if isinstance(e, Mapping) and e.get("type") == "image":
                continue
            if err := _text_error(e, 3000):
                return f"context: {err}"
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            return "actions: 1 to 25 elements"
        for e in elements:
            if not isinstance(e, Mapping):
                return "actions: bad element"
            if e.get("type") == "button":
                if err := _text_error(e.get("text"), 75, frozenset({"plain_text"})):
                    return f"button: {err}"
                if len(str(e.get("value", ""))) > 2000 or len(str(e.get("action_id", ""))) > 255:
                    return "button: value or action_id too long"
    return None


def block_error(blocks: Any) -> str | None:
    """Why Slack would reject these blocks (`invalid_blocks`), or None when it would not."""
    if blocks is None:
        return None
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return "blocks are not JSON"
    if not isinstance(blocks, list):
        return "blocks is not a list"
    if len(blocks) > MAX_BLOCKS:
        return f"more than {MAX_BLOCKS} blocks"
    ids = [b.get("block_id") for b in blocks if isinstance(b, Mapping) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        return "duplicate block_id"
    for n, block in enumerate(blocks):
        if err := _block_error(block):
            return f"block {n}: {err}"
    return None


def _blocks(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, str):
        parsed: list[dict[str, Any]] = json.loads(value)
        return parsed
    return value if isinstance(value, list) else None


Answer = tuple[int, dict[str, Any], Mapping[str, str] | None]


@dataclass
class Call:
    """One request to the fake."""

    method: str
    params: dict[str, Any]
    status: int
    error: str | None
    at: float  # time.monotonic()


@dataclass
class ResponsePost:
    """One accepted post to a response_url."""

    url_id: str
    body: dict[str, Any]
    at: float

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return _blocks(self.body.get("blocks")) or []


@dataclass
class Failure:
    """An injected failure for the next call of a method."""

    status: int = 200
    error: str = "ratelimited"
    retry_after: int | None = None


@dataclass
class Ack:
    """A Socket Mode acknowledgement sent back by the client."""

    envelope_id: str
    payload: dict[str, Any] | None
    at: float


@dataclass
class FakeSlack:
    """Slack's Web API at http://127.0.0.1:<port>/api/, started with `await fake.start()`."""

    bot_token: str = "xoxb-good"
    app_token: str = "xapp-good"
    history_interval: float = 0.0  # conversations.history: seconds between calls per channel
    clock: Callable[[], float] = time.monotonic
    team: str = "T0001"
    bot_user: str = "UBOT"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    responses: dict[str, list[ResponsePost]] = field(default_factory=dict)
    acks: list[Ack] = field(default_factory=list)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._ts = itertools.count(1)
        self._url_uses: dict[str, list[float]] = {}
        self._history_last: dict[str, float] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{url_id}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        """The Web API base in slack_sdk's form (SLACK_API_URL)."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        """A fresh response_url, as Slack puts in a slash command or action payload."""
        return f"http://127.0.0.1:{self.port}/response/{uuid.uuid4().hex}"

    # -- test controls -----------------------------------------------------------------------

    def fail(self, method: str, times: int = 1, **failure: Any) -> None:
        """Make the next `times` calls of `method` fail: Failure(status, error, retry_after)."""
        queue = self.failures.setdefault(method, deque())
        queue.extend(Failure(**failure) for _ in range(times))

    def add_message(self, channel: str, text: str, ts: float, **extra: Any) -> dict[str, Any]:
        """Put a message in a channel's history directly (e.g. an older post)."""
        msg = {"type": "message", "text": text, "ts": f"{ts:.6f}", "channel": channel, **extra}
        self.messages.setdefault(channel, []).append(msg)
        return msg

    def posts(self, url: str) -> list[ResponsePost]:
        """What was posted to a response_url."""
        return self.responses.get(url.rsplit("/", 1)[-1], [])

    def method_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, check: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `check()` holds (re-checked after every request the fake answers)."""
        deadline = time.monotonic() + timeout
        while not check():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the fake Slack did not see what the test waited for")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.2))

    async def push_envelope(self, payload: dict[str, Any], kind: str = "slash_commands") -> str:
        """Send a Socket Mode envelope to the connected client; returns its envelope_id."""
        await self.wait_for(lambda: bool(self._sockets))
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
        }
        await self._sockets[-1].send_str(json.dumps(envelope))
        return envelope_id

    # -- handlers ----------------------------------------------------------------------------

    def _touch(self) -> None:
        self._changed.set()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        return params

    def _reply(
        self, method: str, params: dict[str, Any], body: dict[str, Any], status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:  # fmt: skip
        error = None if body.get("ok") else str(body.get("error"))
        self.calls.append(Call(method, params, status, error, self.clock()))
        self._touch()
        return web.json_response(body, status=status, headers=headers)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = auth or str(params.get("token", ""))
        want = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != want:
            return self._reply(method, params, {"ok": False, "error": "invalid_auth"})
        queue = self.failures.get(method)
        if queue:
            f = queue.popleft()
            headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else None
            if f.status == 429 and headers is None:
                headers = {"Retry-After": "1"}
            return self._reply(method, params, {"ok": False, "error": f.error}, f.status, headers)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._reply(method, params, {"ok": False, "error": "unknown_method"}, 404)
        status, body, headers = handler(params)
        return self._reply(method, params, body, status, headers)

    def _m_auth_test(self, p: dict[str, Any]) -> Answer:
        body = {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "briefbot"}
        return 200, {**body, "team_id": self.team, "user_id": self.bot_user, "bot_id": "B1"}, None

    def _m_apps_connections_open(self, p: dict[str, Any]) -> Answer:
        return 200, {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}, None

    def _next_ts(self) -> str:
        return f"{time.time():.0f}.{next(self._ts):06d}"

    def _m_chat_postMessage(self, p: dict[str, Any]) -> Answer:
        channel = str(p.get("channel") or "")
        if not channel:
            return 200, {"ok": False, "error": "channel_not_found"}, None
        text, blocks = p.get("text"), _blocks(p.get("blocks"))
        if not text and not blocks:
            return 200, {"ok": False, "error": "no_text"}, None
        if isinstance(text, str) and len(text) > 40_000:
            return 200, {"ok": False, "error": "msg_too_long"}, None
        if err := block_error(p.get("blocks")):
            return 200, {"ok": False, "error": "invalid_blocks", "detail": err}, None
        if blocks and len(json.dumps(blocks, ensure_ascii=False)) > MESSAGE_BLOCK_CHARS:
            return 200, {"ok": False, "error": "msg_blocks_too_long"}, None
        metadata = p.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata is not None and not (
            isinstance(metadata, Mapping) and metadata.get("event_type")
        ):
            return 200, {"ok": False, "error": "invalid_metadata_format"}, None
        msg: dict[str, Any] = {"type": "message", "user": self.bot_user, "text": text or ""}
        msg.update(ts=self._next_ts(), channel=channel, blocks=blocks, metadata=metadata)
        self.messages.setdefault(channel, []).append(msg)
        return 200, {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}, None

    def _m_conversations_history(self, p: dict[str, Any]) -> Answer:
        channel = str(p.get("channel") or "")
        now = self.clock()
        last = self._history_last.get(channel)
        if self.history_interval and last is not None and now - last < self.history_interval:
            wait = math.ceil(self.history_interval - (now - last))
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
        self._history_last[channel] = now
        if channel not in self.messages:
            return 200, {"ok": False, "error": "channel_not_found"}, None
        oldest = float(p.get("oldest") or 0)
        limit = min(int(p.get("limit") or 100), 999)
        start = int(p.get("cursor") or 0)
        with_meta = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        found = [m for m in self.messages[channel] if float(m["ts"]) > oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page = found[start : start + limit]
        out = [
            {k: v for k, v in m.items() if v is not None and (with_meta or k != "metadata")}
            for m in page
        ]
        more = start + limit < len(found)
        body: dict[str, Any] = {"ok": True, "messages": out, "has_more": more}
        body["response_metadata"] = {"next_cursor": str(start + limit) if more else ""}
        return 200, body, None

    def _m_conversations_open(self, p: dict[str, Any]) -> Answer:
        users = str(p.get("users") or "")
        if not users:
            return 200, {"ok": False, "error": "users_list_not_supplied"}, None
        if self.users and users not in self.users:
            return 200, {"ok": False, "error": "user_not_found"}, None
        channel = "D" + users
        self.messages.setdefault(channel, [])
        return 200, {"ok": True, "channel": {"id": channel}}, None

    def _m_users_info(self, p: dict[str, Any]) -> Answer:
        user = str(p.get("user") or "")
        if user not in self.users:
            return 200, {"ok": False, "error": "user_not_found"}, None
        info = {"id": user, "is_admin": False, "is_owner": False, **self.users[user]}
        return 200, {"ok": True, "user": info}, None

    def _m_usergroups_list(self, p: dict[str, Any]) -> Answer:
        groups = [
            {"id": gid, "handle": g.get("handle", gid), "name": g.get("name", gid)}
            for gid, g in self.usergroups.items()
        ]
        return 200, {"ok": True, "usergroups": groups}, None

    def _m_usergroups_users_list(self, p: dict[str, Any]) -> Answer:
        group = self.usergroups.get(str(p.get("usergroup") or ""))
        if group is None:
            return 200, {"ok": False, "error": "no_such_subteam"}, None
        return 200, {"ok": True, "users": list(group.get("users", []))}, None

    async def _response(self, request: web.Request) -> web.Response:
        url_id = request.match_info["url_id"]
        body = await request.json()
        now = self.clock()
        uses = [t for t in self._url_uses.get(url_id, []) if now - t < RESPONSE_URL_WINDOW]
        params = {"url_id": url_id, **body}
        if len(uses) >= RESPONSE_URL_USES:
            return self._reply("response_url", params, {"ok": False, "error": "used_url"}, 404)
        if body.get("delete_original"):
            pass  # deleting needs no blocks
        elif not body.get("text") and not body.get("blocks"):
            return self._reply("response_url", params, {"ok": False, "error": "no_text"}, 400)
        elif err := block_error(body.get("blocks")):
            reply = {"ok": False, "error": "invalid_blocks", "detail": err}
            return self._reply("response_url", params, reply, 400)
        uses.append(now)
        self._url_uses[url_id] = uses
        self.responses.setdefault(url_id, []).append(ResponsePost(url_id, body, now))
        return self._reply("response_url", params, {"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._touch()
        hello = {"type": "hello", "num_connections": len(self._sockets)}
        await ws.send_str(json.dumps({**hello, "connection_info": {"app_id": "A1"}}))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    if "envelope_id" in data:
                        self.acks.append(
                            Ack(data["envelope_id"], data.get("payload"), self.clock())
                        )
                        self._touch()
        finally:
            self._sockets.remove(ws)
        return ws


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body: signature and timestamp."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature or "",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def slash_command(
    command: str, text: str, response_url: str, user_id: str = "U0USER", channel_id: str = "C0CHAN"
) -> dict[str, str]:
    """A slash command payload with the fields Slack sends."""
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0001",
        "team_domain": "fake",
        "channel_id": channel_id,
        "channel_name": "general",
        "user_id": user_id,
        "user_name": "reader",
        "command": command,
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


def form(payload: Mapping[str, str]) -> str:
    """A payload form-encoded as Slack posts it."""
    return urlencode(payload)


def block_actions(value: str, response_url: str, user_id: str = "U0USER") -> dict[str, Any]:
    """The block_actions payload for a click on a button with this value."""
    return {
        "type": "block_actions",
        "team": {"id": "T0001", "domain": "fake"},
        "user": {"id": user_id, "username": "reader", "team_id": "T0001"},
        "api_app_id": "A1",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": "1.0", "is_ephemeral": True},
        "trigger_id": "1.2.3",
        "channel": {"id": "C0CHAN", "name": "general"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": "briefbot_share",
                "block_id": "b1",
                "value": value,
                "action_ts": "1.1",
            }
        ],
    }
