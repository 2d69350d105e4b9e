"""One digest scheduler per database: a lease in the store, renewed while its holder runs.

Two `briefbot serve` processes on one database (started twice by mistake, or old and new
side by side during a deploy) would otherwise both work on the same slot, and one could post
a part while the other is still waiting for the platform to confirm it. The process holding
the lease runs the digests; another stands by, and takes over when the holder stops (it gives
the lease up) or dies (the lease expires unrenewed).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


class LeaseStore(Protocol):
    """Where leases live (`bot.store.DigestStore`)."""

    def take_lease(
        self, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta
    ) -> tuple[str, dt.datetime]: ...

    def drop_lease(self, name: str, holder: str) -> None: ...


class Lease:
    """A named lease held by this process, with what changed logged once."""

    def __init__(
        self,
        store: LeaseStore,
        name: str,
        *,
        clock: Clock,
        ttl: dt.timedelta,
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.clock = clock
        self.ttl = ttl
        self.holder = holder or uuid.uuid4().hex
        self.held = False
        self.until: dt.datetime | None = None  # when this process's lease runs out, if held
        self._other: str | None = None  # the other holder last logged, to log it once

    def renew(self) -> bool:
        """Take or keep the lease; whether this process holds it now (blocking: a thread)."""
        now = self.clock()
        if self.held and self.until is not None and now < self.until - self.ttl / 2:
            return True  # nobody else can take it before it expires: no write every tick
        who, until = self.store.take_lease(self.name, self.holder, now, self.ttl)
        held = who == self.holder
        if held and not self.held:
            log.info("%s lease taken by %s", self.name, self.holder)
        elif not held and who != self._other:
            # Why no digests come from this process: say it once per holder, not every tick.
            log.warning(
                # After a crash the holder may be this process's own dead predecessor.
                "%s lease held by %s until %s (another process, or one that died); standing by",
                self.name,
                who,
                until.isoformat(timespec="seconds"),
            )
        self._other = None if held else who
        self.held = held
        self.until = until if held else None
        return held

    def release(self) -> None:
        """Give the lease up if held (blocking), so that a standby takes over at once."""
        if self.held:
            self.store.drop_lease(self.name, self.holder)
            self.held, self.until = False, None
            log.info("%s lease given up by %s", self.name, self.holder)
