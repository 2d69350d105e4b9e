"""Posting digests to Discord: the Poster protocol over the REST API, exactly once by nonce."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.adapters.discord_embeds import CONTENT_MAX, as_content, digest_messages, trim
from bot.errors import DeliveryError
from bot.models import Digest

Payload = dict[str, Any]

NONCE_MAX = 25
MARKER_RESERVE = 40  # characters kept free in each digest message for " · ref <nonce>"


def nonce_for(marker: str) -> str:
    """A stable nonce of at most 25 characters for a delivery marker."""
    return "bb" + hashlib.sha256(marker.encode()).hexdigest()[: NONCE_MAX - 2]


def _snowflake(text: str, what: str) -> int:
    m = re.fullmatch(r"\s*(?:<[#@]!?)?(\d{1,20})>?\s*", text)
    if m is None:
        raise DeliveryError(f"{text!r} is not a Discord {what} id", permanent=True)
    return int(m[1])


def _delivery_error(exc: Exception, what: str) -> DeliveryError:
    """Map a failed REST call to a DeliveryError that says whether and when to retry."""
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(f"{what}: rate limited", retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = f"{what}: {exc.status} {exc.text or exc.response.reason}".strip()
        if exc.status == 429:  # without `Via`: Cloudflare, or a wait longer than we allow
            header = exc.response.headers.get("Retry-After")
            return DeliveryError(reason, retry_after=float(header) if header else 60.0)
        if exc.status in (401, 403, 404):  # token revoked, missing access, unknown channel
            return DeliveryError(reason, permanent=True)
        return DeliveryError(reason)
    return DeliveryError(f"{what}: {exc.__class__.__name__}: {exc}")


class DiscordPoster:
    """Digest delivery through the client's HTTP session (the bot's Poster side)."""

    platform = "discord"
    client: discord.Client

    def render_digest(self, digest: Digest) -> list[Payload]:
        """A digest as messages within Discord's limits, each with room for its marker."""
        messages = digest_messages(digest, reserve=MARKER_RESERVE)
        payloads: list[Payload] = [{"embeds": [e.to_dict() for e in m]} for m in messages]
        if payloads:
            payloads[0]["content"] = as_content(f"**{digest.title}**")
        return payloads

    async def send(self, channel: str, payload: Payload, marker: str) -> str:
        """Post once: the nonce dedupes a retry within minutes, the footer finds it later."""
        channel_id = _snowflake(channel, "channel")
        nonce = nonce_for(marker)
        body = _with_marker(payload, nonce)
        body.update(nonce=nonce, enforce_nonce=True, allowed_mentions={"parse": []})
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await self._call(
            f"post to channel {channel_id}", self.client.http.request(route, json=body)
        )
        return str(data["id"])

    async def find_markers(
        self, channel: str, markers: Sequence[str], oldest: dt.datetime
    ) -> set[str]:
        """Markers already shown in the channel since `oldest` (by nonce or footer)."""
        channel_id = _snowflake(channel, "channel")
        wanted = {nonce_for(m): m for m in markers}
        found: set[str] = set()
        after = discord.utils.time_snowflake(oldest.astimezone(dt.UTC))
        for _ in range(20):  # at most 2000 messages back: digests are few and recent
            page = await self._call(
                f"read channel {channel_id}",
                self.client.http.logs_from(channel_id, 100, after=after),
            )
            for msg in page:
                found |= {wanted[n] for n in wanted if _carries(msg, n)}
            if len(page) < 100 or found >= set(markers):
                break
            after = max(int(m["id"]) for m in page)
        return found

    async def notify(self, target: str, text: str) -> None:
        """DM a user (`user:ID`, `<@ID>`) or post to a channel (`channel:ID`, `<#ID>`, `ID`)."""
        http = self.client.http
        if target.startswith(("user:", "<@")):
            user_id = _snowflake(target.removeprefix("user:"), "user")
            dm = await self._call(f"open a DM with {user_id}", http.start_private_message(user_id))
            channel_id = int(dm["id"])
        else:
            channel_id = _snowflake(target.removeprefix("channel:"), "channel")
        body = {"content": as_content(text), "allowed_mentions": {"parse": []}}
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        await self._call(f"notify {target}", http.request(route, json=body))

    async def _call(self, what: str, call: Any) -> Any:
        try:
            return await call
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise _delivery_error(exc, what) from exc


def _carries(msg: dict[str, Any], nonce: str) -> bool:
    if str(msg.get("nonce") or "") == nonce:
        return True
    tag = f"ref {nonce}"
    texts = [str(msg.get("content") or "")]
    texts += [str((e.get("footer") or {}).get("text") or "") for e in msg.get("embeds") or []]
    return any(tag in t for t in texts)


def _with_marker(payload: Payload, nonce: str) -> Payload:
    """A copy of the payload showing `ref <nonce>` in its last footer (or its content)."""
    body = dict(payload)
    embeds = [dict(e) for e in body.get("embeds") or []]
    if embeds:
        footer = dict(embeds[-1].get("footer") or {})
        text = str(footer.get("text") or "")
        footer["text"] = f"{text} · ref {nonce}" if text else f"ref {nonce}"
        embeds[-1]["footer"] = footer
        body["embeds"] = embeds
    else:
        tag = f"-# ref {nonce}"  # Discord's subtext: small, grey, out of the way
        text = str(body.get("content") or "")
        body["content"] = f"{trim(text, CONTENT_MAX - len(tag) - 1)}\n{tag}" if text else tag
    return body
