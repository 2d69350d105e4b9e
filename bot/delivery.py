"""What the digest scheduler needs from a platform (the Poster protocol) and how it paces posts."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

from bot.models import Digest

# A rendered platform message: Slack {"text", "blocks"}; Discord {"content", "embeds"}.
Payload = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


class Poster(Protocol):
    """A platform's side of digest delivery. Raise bot.errors.DeliveryError on failure."""

    platform: str  # "slack" or "discord"

    def render_digest(self, digest: Digest) -> list[Payload]:
        """Split a digest into messages, each within the platform's limits."""
        ...

    async def send(self, channel: str, payload: Payload, marker: str) -> str:
        """Post one message carrying `marker` (Slack: metadata; Discord: nonce and footer);
        return the platform's message id."""
        ...

    async def find_markers(
        self, channel: str, markers: Sequence[str], oldest: dt.datetime
    ) -> set[str]:
        """Which of these markers the channel already shows in messages since `oldest`."""
        ...

    async def notify(self, target: str, text: str) -> None:
        """Tell a user (by DM) or a channel about broken delivery."""
        ...


class Pacer:
    """At most one message per `interval` seconds to each channel, in real (monotonic) time."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        hold_at_start: bool = True,
    ) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.sleep = sleep
        # Treat every channel as just posted to: a restarted process cannot know what its
        # predecessor posted a moment ago.
        self._start = monotonic() + interval if hold_at_start else 0.0
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Wait for a channel's turn; the next turn starts `interval` after this one ends."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            while (wait := self._next.get(key, self._start) - self.monotonic()) > 0:
                await self.sleep(wait)
            try:
                yield
            finally:
                self._next[key] = max(self._next.get(key, 0.0), self.monotonic() + self.interval)
