"""Digest subscriptions as stored: synced from the config file, saved from chat, paused."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence

from bot.models import Subscription
from bot.store.database import _SCHEMA, Database
from bot.store.records import SyncReport, iso, subscription_from

log = logging.getLogger(__name__)


class SubscriptionStore:
    """Digest subscriptions: made by hand in the config file or from chat, paused on failure."""

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
        return [subscription_from(r) for r in rows]

    def subscription(self, sub_id: int) -> Subscription | None:
        """One subscription by id."""
        row = (
            self.db.connection()
            .execute("SELECT * FROM subscriptions WHERE sub_id = ?", (sub_id,))
            .fetchone()
        )
        return subscription_from(row) if row is not None else None

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
        return subscription_from(row) if row is not None else None

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
