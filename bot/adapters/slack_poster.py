"""Posting digests to Slack: the Poster protocol over the Web API, markers in message metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_blocks import USER_ID, Payload, digest_messages, escape
from bot.adapters.slack_digest import delivering
from bot.models import Digest

EVENT_TYPE = "briefbot_digest"  # message metadata type that carries a digest's marker


class SlackPoster:
    """Digest delivery through a Web API client without retries (the scheduler retries)."""

    platform = "slack"
    poster: AsyncWebClient

    def render_digest(self, digest: Digest) -> list[Payload]:
        """A digest as Block Kit messages, each within Slack's limits."""
        return digest_messages(digest)

    async def send(self, channel: str, payload: Payload, marker: str) -> str:
        """chat.postMessage carrying the marker in message metadata; returns the ts."""
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"marker": marker}}
        with delivering():
            result = await self.poster.chat_postMessage(
                channel=channel,
                text=payload.get("text", ""),
                blocks=payload.get("blocks"),
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        return str(result["ts"])

    async def find_markers(
        self, channel: str, markers: Sequence[str], oldest: dt.datetime
    ) -> set[str]:
        """The markers found in the channel's message metadata since `oldest`."""
        wanted, found = set(markers), set[str]()
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        cursor: str | None = None
        while wanted - found:
            with delivering():
                page = await self.poster.conversations_history(
                    channel=channel,
                    oldest=f"{oldest.timestamp():.6f}",
                    limit=200,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                if meta.get("event_type") == EVENT_TYPE:
                    marker = (meta.get("event_payload") or {}).get("marker")
                    if marker in wanted:
                        found.add(marker)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    async def notify(self, target: str, text: str) -> None:
        """DM a user (U.../W... id) or post in a channel; the text is escaped."""
        target = target.removeprefix("user:")  # the scheduler's alerts name users so
        with delivering():
            channel = target
            if USER_ID.match(target):
                opened = await self.poster.conversations_open(users=target)
                channel = str(opened["channel"]["id"])
            await self.poster.chat_postMessage(channel=channel, text=escape(text))
