"""Digests and the subscriptions that schedule them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.models.documents import Brief, TopicRef


@dataclass(frozen=True)
class DigestSection:
    """What is new on one topic since a channel's last digest."""

    topic: TopicRef
    brief: Brief
    new_documents: int


@dataclass(frozen=True)
class Digest:
    """A scheduled digest: one section per topic with something new (none: "nothing new")."""

    title: str
    since: str  # ISO 8601 UTC: covers documents ingested after this...
    until: str  # ...and up to this
    sections: tuple[DigestSection, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "since": self.since,
            "until": self.until,
            "sections": [
                {
                    "topic": s.topic.to_dict(),
                    "brief": s.brief.to_dict(),
                    "new_documents": s.new_documents,
                }
                for s in self.sections
            ],
        }


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    """When a digest is due: at HH:MM local time, daily, on weekdays or one weekday, in a zone."""

    hour: int
    minute: int
    days: str = "daily"  # "daily", "weekdays" or a day name from DAY_NAMES
    tz: str = "UTC"  # an IANA time zone name

    def describe(self) -> str:
        when = {"daily": "daily", "weekdays": "on weekdays"}.get(self.days, f"on {self.days}s")
        return f"{when} at {self.hour:02d}:{self.minute:02d} {self.tz}"

    def to_dict(self) -> dict[str, Any]:
        return {"at": f"{self.hour:02d}:{self.minute:02d}", "days": self.days, "tz": self.tz}


@dataclass(frozen=True)
class Subscription:
    """A channel's standing order for a digest of some topics on a schedule."""

    platform: str  # "slack" or "discord"
    channel: str
    topics: tuple[str, ...]
    schedule: Schedule
    nothing_new: bool = False  # post a short "nothing new" note when no topic has news
    sub_id: int = 0  # 0 until stored
    failures: int = 0  # consecutive permanent delivery failures (issue #9 pauses on these)
    last_error: str | None = None
    paused: bool = False
    subscriber: str | None = None  # who subscribed from chat: told by DM when delivery breaks
    next_run: str | None = None  # ISO 8601 UTC instant of the next slot, as stored

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.sub_id,
            "platform": self.platform,
            "channel": self.channel,
            "topics": list(self.topics),
            **self.schedule.to_dict(),
            "nothing_new": self.nothing_new,
            "failures": self.failures,
            "last_error": self.last_error,
            "paused": self.paused,
            "subscriber": self.subscriber,
            "next_run": self.next_run,
        }
