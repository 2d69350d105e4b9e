"""Digest subscriptions, claimed slots and posted parts: the scheduler's memory across crashes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Schedule, Subscription
from bot.store.database import _SCHEMA, Database

log = logging.getLogger(__name__)

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


def _subscription(r: sqlite3.Row) -> Subscription:
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


def _slot(r: sqlite3.Row) -> SlotRecord:
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


def _advance(
    tx: sqlite3.Connection, sub_id: int, slot: dt.datetime, following: dt.datetime
) -> bool:
    """Move a subscription's next run on from `slot`, only if it is still `slot`."""
    moved = tx.execute(
        "UPDATE subscriptions SET next_run = ? WHERE sub_id = ? AND next_run = ?",
        (iso(following), sub_id, iso(slot)),
    ).rowcount
    return bool(moved)


class DigestStore:
    """Subscriptions and the delivery record of every slot, written in small transactions."""

    def __init__(self, db: Database) -> None:
        self.db = db
        conn = db.connection()
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'digest_parts'"
        ).fetchone()
        if found is None:
            # A database made before the digest tables joined schema 1: every statement of the
            # schema is IF NOT EXISTS, so running it again only adds what is missing.
            conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
        columns = {r[1] for r in conn.execute("PRAGMA table_info(subscriptions)")}
        if "subscriber" not in columns:  # a development database from before /digest
            conn.execute("ALTER TABLE subscriptions ADD COLUMN subscriber TEXT")

    # -- subscriptions ---------------------------------------------------------------------

    def sync(
        self,
        subs: Sequence[Subscription],
        next_runs: Sequence[dt.datetime],
        now: dt.datetime,
        source: str = "config",
    ) -> SyncReport:
        """Make the stored subscriptions of a source match `subs` (keyed by platform+channel).

        A subscription whose schedule is unchanged keeps its next run, so slots missed while
        the bot was down are still found; a changed schedule starts from `next_runs`.
        """
        added = updated = unchanged = removed = 0
        with self.db.transaction() as tx:
            keep: set[tuple[str, str]] = set()
            for sub, first in zip(subs, next_runs, strict=True):
                keep.add((sub.platform, sub.channel))
                row = tx.execute(
                    "SELECT * FROM subscriptions WHERE platform = ? AND channel = ?",
                    (sub.platform, sub.channel),
                ).fetchone()
                at = f"{sub.schedule.hour:02d}:{sub.schedule.minute:02d}"
                values = (json.dumps(list(sub.topics)), at, sub.schedule.days, sub.schedule.tz)
                if row is None:
                    tx.execute(
                        "INSERT INTO subscriptions (platform, channel, topics, at, days, tz,"
                        " nothing_new, source, created_at, next_run)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            sub.platform,
                            sub.channel,
                            *values,
                            int(sub.nothing_new),
                            source,
                            iso(now),
                            iso(first),
                        ),
                    )
                    added += 1
                    continue
                same_schedule = (row["at"], row["days"], row["tz"]) == values[1:]
                same = same_schedule and (
                    row["topics"] == values[0]
                    and bool(row["nothing_new"]) == sub.nothing_new
                    and row["source"] == source
                )
                if same:
                    unchanged += 1
                    continue
                tx.execute(
                    "UPDATE subscriptions SET topics = ?, at = ?, days = ?, tz = ?,"
                    " nothing_new = ?, source = ?, next_run = ? WHERE sub_id = ?",
                    (
                        *values,
                        int(sub.nothing_new),
                        source,
                        row["next_run"] if same_schedule else iso(first),
                        row["sub_id"],
                    ),
                )
                updated += 1
            for row in tx.execute(
                "SELECT sub_id, platform, channel FROM subscriptions WHERE source = ?", (source,)
            ).fetchall():
                if (row["platform"], row["channel"]) not in keep:
                    tx.execute("DELETE FROM subscriptions WHERE sub_id = ?", (row["sub_id"],))
                    removed += 1
        return SyncReport(added, updated, removed, unchanged)

    def subscriptions(self) -> list[Subscription]:
        """Every stored subscription, in id order."""
        rows = self.db.connection().execute("SELECT * FROM subscriptions ORDER BY sub_id")
        return [_subscription(r) for r in rows]

    def subscription(self, sub_id: int) -> Subscription | None:
        """One subscription by id."""
        row = (
            self.db.connection()
            .execute("SELECT * FROM subscriptions WHERE sub_id = ?", (sub_id,))
            .fetchone()
        )
        return _subscription(row) if row is not None else None

    def for_channel(self, platform: str, channel: str) -> Subscription | None:
        """A channel's subscription, if it has one."""
        row = (
            self.db.connection()
            .execute(
                "SELECT * FROM subscriptions WHERE platform = ? AND channel = ?",
                (platform, channel),
            )
            .fetchone()
        )
        return _subscription(row) if row is not None else None

    def save_chat(
        self, sub: Subscription, next_run: dt.datetime, now: dt.datetime, subscriber: str | None
    ) -> Subscription:
        """Create or replace a channel's subscription made from chat or the CLI; resumes it.

        An unchanged schedule keeps its next run, so a pending slot is neither lost nor doubled.
        """
        at = f"{sub.schedule.hour:02d}:{sub.schedule.minute:02d}"
        topics = json.dumps(list(sub.topics))
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT * FROM subscriptions WHERE platform = ? AND channel = ?",
                (sub.platform, sub.channel),
            ).fetchone()
            if row is None:
                tx.execute(
                    "INSERT INTO subscriptions (platform, channel, topics, at, days, tz,"
                    " nothing_new, source, created_at, next_run, subscriber)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'chat', ?, ?, ?)",
                    (
                        sub.platform,
                        sub.channel,
                        topics,
                        at,
                        sub.schedule.days,
                        sub.schedule.tz,
                        int(sub.nothing_new),
                        iso(now),
                        iso(next_run),
                        subscriber,
                    ),
                )
            else:
                same = (row["at"], row["days"], row["tz"]) == (
                    at,
                    sub.schedule.days,
                    sub.schedule.tz,
                )
                tx.execute(
                    "UPDATE subscriptions SET topics = ?, at = ?, days = ?, tz = ?,"
                    " nothing_new = ?, source = 'chat', next_run = ?, paused = 0, failures = 0,"
                    " last_error = NULL, subscriber = coalesce(?, subscriber) WHERE sub_id = ?",
                    (
                        topics,
                        at,
                        sub.schedule.days,
                        sub.schedule.tz,
                        int(sub.nothing_new),
                        row["next_run"] if same else iso(next_run),
                        subscriber,
                        row["sub_id"],
                    ),
                )
        saved = self.for_channel(sub.platform, sub.channel)
        assert saved is not None
        return saved

    def delete(self, sub_id: int) -> None:
        """Remove a subscription and its delivery record."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM digest_parts WHERE sub_id = ?", (sub_id,))
            tx.execute("DELETE FROM digest_slots WHERE sub_id = ?", (sub_id,))
            tx.execute("DELETE FROM subscriptions WHERE sub_id = ?", (sub_id,))

    def pause(self, sub_id: int, reason: str) -> None:
        """Stop delivering a subscription after repeated failures, keeping why."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE subscriptions SET paused = 1, last_error = ? WHERE sub_id = ?",
                (reason, sub_id),
            )

    def set_paused(self, sub_id: int, paused: bool) -> None:
        """Pause or resume a subscription (issue #9 pauses after repeated failures)."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE subscriptions SET paused = ?, failures = CASE WHEN ? THEN failures"
                " ELSE 0 END WHERE sub_id = ?",
                (int(paused), int(paused), sub_id),
            )

    def next_run(self, sub_id: int) -> dt.datetime | None:
        """When a subscription's next slot is due."""
        row = (
            self.db.connection()
            .execute("SELECT next_run FROM subscriptions WHERE sub_id = ?", (sub_id,))
            .fetchone()
        )
        return instant(row[0]) if row is not None else None

    def last_until(self, sub_id: int) -> dt.datetime | None:
        """The end of the window of the subscription's last finished digest (None: never)."""
        row = (
            self.db.connection()
            .execute("SELECT last_until FROM subscriptions WHERE sub_id = ?", (sub_id,))
            .fetchone()
        )
        return instant(row[0]) if row is not None and row[0] else None

    def due(self, now: dt.datetime, platforms: Sequence[str]) -> list[int]:
        """Active subscriptions with a slot due, or with a claimed slot left unfinished."""
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        rows = self.db.connection().execute(
            "SELECT sub_id, next_run FROM subscriptions WHERE paused = 0 AND next_run <= ?"
            f" AND platform IN ({marks})"
            " UNION SELECT s.sub_id, s.next_run FROM digest_slots d JOIN subscriptions s"
            f" USING (sub_id) WHERE d.state = ? AND s.paused = 0 AND s.platform IN ({marks})"
            " ORDER BY 2, 1",
            (iso(now), *platforms, CLAIMED, *platforms),
        )
        return [int(r[0]) for r in rows]

    def upcoming(self, platforms: Sequence[str], limit: int) -> list[tuple[int, dt.datetime]]:
        """The soonest next runs of active subscriptions: (sub_id, next_run), soonest first."""
        if not platforms:
            return []
        rows = self.db.connection().execute(
            "SELECT sub_id, next_run FROM subscriptions WHERE paused = 0"
            f" AND platform IN ({','.join('?' * len(platforms))}) ORDER BY next_run LIMIT ?",
            (*platforms, limit),
        )
        return [(int(r[0]), instant(r[1])) for r in rows]

    # -- slots ---------------------------------------------------------------------------

    def claim(
        self,
        sub_id: int,
        slot: dt.datetime,
        since: dt.datetime,
        until: dt.datetime,
        following: dt.datetime,
        now: dt.datetime,
    ) -> bool:
        """Claim a due slot and move the next run on, in one transaction; False if taken."""
        with self.db.transaction() as tx:
            if not _advance(tx, sub_id, slot, following):
                return False  # someone else took the slot, or the schedule changed meanwhile
            tx.execute(
                "INSERT INTO digest_slots (sub_id, slot, state, since, until, claimed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sub_id, iso(slot), CLAIMED, iso(since), iso(until), iso(now)),
            )
        return True

    def skip(
        self, sub_id: int, slot: dt.datetime, following: dt.datetime, now: dt.datetime, why: str
    ) -> bool:
        """Record a slot as skipped (missed beyond the grace period) and move the next run on."""
        with self.db.transaction() as tx:
            if not _advance(tx, sub_id, slot, following):
                return False  # someone else took the slot, or the schedule changed meanwhile
            tx.execute(
                "INSERT INTO digest_slots (sub_id, slot, state, claimed_at, done_at, error)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sub_id, iso(slot), SKIPPED, iso(now), iso(now), why),
            )
        return True

    def unfinished(self, sub_id: int) -> list[SlotRecord]:
        """A subscription's claimed slots not yet delivered, oldest first."""
        rows = self.db.connection().execute(
            "SELECT * FROM digest_slots WHERE sub_id = ? AND state = ? ORDER BY slot",
            (sub_id, CLAIMED),
        )
        return [_slot(r) for r in rows]

    def slots(self, sub_id: int | None = None) -> list[SlotRecord]:
        """The delivery record, oldest slot first (of one subscription, or all)."""
        sql = "SELECT * FROM digest_slots"
        args: tuple[object, ...] = ()
        if sub_id is not None:
            sql += " WHERE sub_id = ?"
            args = (sub_id,)
        rows = self.db.connection().execute(sql + " ORDER BY slot, sub_id", args)
        return [_slot(r) for r in rows]

    def set_payloads(
        self, sub_id: int, slot: dt.datetime, payloads: list[dict[str, object]] | None, parts: int
    ) -> None:
        """Keep a slot's rendered messages, so a retry posts exactly the same parts."""
        try:
            text = json.dumps(payloads) if payloads is not None else None
        except (TypeError, ValueError):
            text = None  # not plain JSON: a retry renders the digest again
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE digest_slots SET payloads = ?, parts = ? WHERE sub_id = ? AND slot = ?",
                (text, parts, sub_id, iso(slot)),
            )

    def finish(self, sub_id: int, slot: dt.datetime, state: str, now: dt.datetime) -> None:
        """Mark a slot delivered or empty (the next digest starts where this one ended), or
        skipped (the next digest still covers this one's window)."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE digest_slots SET state = ?, done_at = ?, error = NULL"
                " WHERE sub_id = ? AND slot = ?",
                (state, iso(now), sub_id, iso(slot)),
            )
            if state == SKIPPED:
                return
            tx.execute(
                "UPDATE subscriptions SET failures = 0, last_error = NULL, last_until ="
                " (SELECT until FROM digest_slots WHERE sub_id = ? AND slot = ?)"
                " WHERE sub_id = ?",
                (sub_id, iso(slot), sub_id),
            )

    def fail(self, sub_id: int, slot: dt.datetime, error: str, now: dt.datetime) -> int:
        """Give a slot up after a permanent error; count it on the subscription; return count."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE digest_slots SET state = ?, done_at = ?, error = ?"
                " WHERE sub_id = ? AND slot = ?",
                (FAILED, iso(now), error, sub_id, iso(slot)),
            )
            tx.execute(
                "UPDATE subscriptions SET failures = failures + 1, last_error = ? WHERE sub_id = ?",
                (error, sub_id),
            )
            row = tx.execute("SELECT failures FROM subscriptions WHERE sub_id = ?", (sub_id,))
            return int(row.fetchone()[0])

    def note_error(self, sub_id: int, slot: dt.datetime, error: str) -> None:
        """Record a transient error on a slot still being retried."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE digest_slots SET attempts = attempts + 1, error = ?"
                " WHERE sub_id = ? AND slot = ?",
                (error, sub_id, iso(slot)),
            )
            tx.execute("UPDATE subscriptions SET last_error = ? WHERE sub_id = ?", (error, sub_id))

    # -- parts ---------------------------------------------------------------------------

    def parts(self, sub_id: int, slot: dt.datetime) -> dict[int, PartRecord]:
        """The parts of a slot that were posted or were being posted."""
        rows = self.db.connection().execute(
            "SELECT * FROM digest_parts WHERE sub_id = ? AND slot = ? ORDER BY part",
            (sub_id, iso(slot)),
        )
        return {
            int(r["part"]): PartRecord(
                int(r["part"]), r["marker"], r["state"], r["message_id"], instant(r["at"])
            )
            for r in rows
        }

    def sending(
        self, sub_id: int, slot: dt.datetime, part: int, marker: str, now: dt.datetime
    ) -> None:
        """Note that a part is about to be posted: after a crash its fate must be checked."""
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO digest_parts (sub_id, slot, part, marker, state, at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sub_id, slot, part) DO NOTHING",
                (sub_id, iso(slot), part, marker, SENDING, iso(now)),
            )

    def sent(
        self, sub_id: int, slot: dt.datetime, part: int, message_id: str | None, now: dt.datetime
    ) -> None:
        """Mark a part posted, as the platform confirmed (or as found in the channel)."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE digest_parts SET state = ?, message_id = ?, at = ?"
                " WHERE sub_id = ? AND slot = ? AND part = ?",
                (SENT, message_id, iso(now), sub_id, iso(slot), part),
            )

    def not_sent(self, sub_id: int, slot: dt.datetime, part: int) -> None:
        """Forget a `sending` part that is known not to have landed (refused, or not found)."""
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM digest_parts WHERE sub_id = ? AND slot = ? AND part = ? AND state = ?",
                (sub_id, iso(slot), part, SENDING),
            )
