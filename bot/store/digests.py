"""Digest subscriptions, claimed slots and posted parts: the scheduler's memory across crashes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Sequence

from bot.store.records import (
    CLAIMED,
    FAILED,
    SENDING,
    SENT,
    SKIPPED,
    PartRecord,
    SlotRecord,
    instant,
    iso,
    slot_from,
)
from bot.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)


def _advance(
    tx: sqlite3.Connection, sub_id: int, slot: dt.datetime, following: dt.datetime
) -> bool:
    """Move a subscription's next run on from `slot`, only if it is still `slot`."""
    moved = tx.execute(
        "UPDATE subscriptions SET next_run = ? WHERE sub_id = ? AND next_run = ?",
        (iso(following), sub_id, iso(slot)),
    ).rowcount
    return bool(moved)


class DigestStore(SubscriptionStore):
    """Subscriptions and the delivery record of every slot, written in small transactions."""

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
        return [slot_from(r) for r in rows]

    def slots(self, sub_id: int | None = None) -> list[SlotRecord]:
        """The delivery record, oldest slot first (of one subscription, or all)."""
        sql = "SELECT * FROM digest_slots"
        args: tuple[object, ...] = ()
        if sub_id is not None:
            sql += " WHERE sub_id = ?"
            args = (sub_id,)
        rows = self.db.connection().execute(sql + " ORDER BY slot, sub_id", args)
        return [slot_from(r) for r in rows]

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

    def take_lease(
        self, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta
    ) -> tuple[str, dt.datetime]:
        """Take or renew lease `name` for `holder` unless another holds it unexpired.

        Returns who holds it now and until when (the caller holds it if that is `holder`).
        """
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires = excluded.expires"
                " WHERE leases.holder = excluded.holder OR leases.expires <= ?",
                (name, holder, iso(now + ttl), iso(now)),
            )
            row = tx.execute("SELECT holder, expires FROM leases WHERE name = ?", (name,))
            who, until = row.fetchone()
        return str(who), instant(until)

    def drop_lease(self, name: str, holder: str) -> None:
        """Give lease `name` up, if `holder` has it, so that a standby takes over at once."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
