"""Rows of the digest tables as records: subscriptions, claimed slots and posted parts."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from bot.models import Schedule, Subscription

# Slot states. `claimed` is the only unfinished one: a crash leaves it for recovery.
CLAIMED, DELIVERED, EMPTY, SKIPPED, FAILED = "claimed", "delivered", "empty", "skipped", "failed"
# Part states. `sending` means the post may or may not have landed: check before re-posting.
SENDING, SENT = "sending", "sent"


def iso(when: dt.datetime) -> str:
    """The one text form of an instant in the database (UTC, microseconds: sorts as text)."""
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


def instant(text: str) -> dt.datetime:
    """An instant read back from the database."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


@dataclass(frozen=True)
class SlotRecord:
    """One (subscription, slot) as claimed: its window, rendered parts and state."""

    sub_id: int
    slot: dt.datetime
    state: str
    since: dt.datetime | None
    until: dt.datetime | None
    payloads: list[dict[str, object]] | None
    parts: int | None
    claimed_at: dt.datetime
    attempts: int
    error: str | None


@dataclass(frozen=True)
class PartRecord:
    """One message of a slot's digest: its marker and whether it is known to be posted."""

    part: int
    marker: str
    state: str  # SENDING or SENT
    message_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class SyncReport:
    """What syncing the hand-written subscriptions changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


def subscription_from(r: sqlite3.Row) -> Subscription:
    """A subscription read back from its row."""
    hour, minute = (int(x) for x in str(r["at"]).split(":"))
    return Subscription(
        platform=r["platform"],
        channel=r["channel"],
        topics=tuple(json.loads(r["topics"])),
        schedule=Schedule(hour, minute, r["days"], r["tz"]),
        nothing_new=bool(r["nothing_new"]),
        sub_id=int(r["sub_id"]),
        failures=int(r["failures"]),
        last_error=r["last_error"],
        paused=bool(r["paused"]),
        subscriber=r["subscriber"],
        next_run=r["next_run"],
    )


def slot_from(r: sqlite3.Row) -> SlotRecord:
    """A claimed slot read back from its row."""
    return SlotRecord(
        sub_id=int(r["sub_id"]),
        slot=instant(r["slot"]),
        state=r["state"],
        since=instant(r["since"]) if r["since"] else None,
        until=instant(r["until"]) if r["until"] else None,
        payloads=json.loads(r["payloads"]) if r["payloads"] else None,
        parts=r["parts"],
        claimed_at=instant(r["claimed_at"]),
        attempts=int(r["attempts"]),
        error=r["error"],
    )
