"""What the digest scheduler needs from a platform: the Poster protocol the adapters implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from bot.models import Digest

# A rendered platform message: Slack {"text", "blocks"}; Discord {"content", "embeds"}.
Payload = dict[str, Any]


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
