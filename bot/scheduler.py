"""The digest scheduler: claims due slots, posts each digest once, and recovers after crashes.

Every (subscription, slot) is claimed in a transaction before anything is posted. Each message
carries a marker (see `bot.schedule.marker`) and is noted as `sending` before the post and `sent`
after the platform confirms it; a part left `sending` (a crash, a timeout, a 5xx) is looked up
in the channel with `Poster.find_markers` before it is ever posted again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ParamSpec, Protocol, TypeVar

from bot.delivery import Pacer, Payload, Poster
from bot.errors import DeliveryError
from bot.lease import Lease
from bot.models import Digest, Subscription
from bot.schedule import marker, next_slot
from bot.store.digests import DigestStore
from bot.store.records import (
    DELIVERED,
    EMPTY,
    SENDING,
    SENT,
    SKIPPED,
    SlotRecord,
    SyncReport,
    iso,
)

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]
BuildDigest = Callable[[Subscription, dt.datetime, dt.datetime], Digest | None]
# Called after a permanent failure with the subscription, the error and the failure count.
FailureHook = Callable[[Subscription, str, int], Awaitable[None]]

P = ParamSpec("P")
T = TypeVar("T")

# How far before a doubtful post to look for it: covers clock skew between us and the platform.
LOOKBACK = dt.timedelta(minutes=10)
# Unexpected exceptions (not DeliveryError) in a row before a slot is given up as failed.
MAX_UNEXPECTED = 5


class DigestRules(Protocol):
    """The settings the scheduler follows (`bot.config.DigestSettings` has them)."""

    @property
    def grace_hours(self) -> float: ...

    @property
    def first_window_hours(self) -> float: ...


class PermanentFailure(Exception):
    """A slot cannot be delivered: the platform refused for good, or the digest cannot be built."""


class Scheduler:
    """Delivers due digests through the platforms' Posters, exactly once per slot."""

    def __init__(
        self,
        store: DigestStore,
        posters: Mapping[str, Poster],
        build_digest: BuildDigest,
        settings: DigestRules,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        pacer: Pacer | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        poll: float = 30.0,
        concurrency: int = 16,
        on_failure: FailureHook | None = None,
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.posters = dict(posters)
        self.build_digest = build_digest
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.pacer = pacer or Pacer()
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.poll = poll
        self.on_failure = on_failure
        self._active = asyncio.Semaphore(concurrency)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._resting: dict[int, float] = {}  # sub_id -> monotonic time it may run again
        # One thread for the store: SQLite takes one writer at a time, and writers that wait
        # for its lock sleep in steps of milliseconds; queueing them here is much faster.
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="digest-store")
        # Checked on every tick (at least every `poll` seconds) and renewed once half of it is
        # gone: a few ticks may be missed (a slow database) before a standby may take over.
        ttl = dt.timedelta(seconds=max(120.0, 4 * poll))
        self.lease = Lease(store, "digests", clock=clock, ttl=ttl, holder=holder)

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(hours=self.settings.grace_hours)

    @property
    def first_window(self) -> dt.timedelta:
        return dt.timedelta(hours=self.settings.first_window_hours)

    async def _db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, partial(fn, *args, **kwargs))

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempt - 1)))

    # -- running -------------------------------------------------------------------------

    def sync(self, subs: Sequence[Subscription], source: str = "config") -> SyncReport:
        """Store the hand-written subscriptions; new or changed ones start at their next slot."""
        now = self.clock()
        report = self.store.sync(subs, [next_slot(s.schedule, now) for s in subs], now, source)
        log.info(
            "digest subscriptions: %d added, %d updated, %d removed, %d unchanged",
            report.added,
            report.updated,
            report.removed,
            report.unchanged,
        )
        return report

    def _launch(self, due: Sequence[int]) -> list[asyncio.Task[None]]:
        started = []
        now = time.monotonic()
        for sub_id in due:
            if sub_id in self._tasks or self._resting.get(sub_id, 0.0) > now:
                continue  # still working on it (or backing off), or resting after a bug
            task = asyncio.create_task(self._serve(sub_id), name=f"digest-{sub_id}")
            self._tasks[sub_id] = task
            task.add_done_callback(self._forget)
            started.append(task)
        return started

    def _forget(self, task: asyncio.Task[None]) -> None:
        for sub_id, t in list(self._tasks.items()):
            if t is task:
                del self._tasks[sub_id]

    async def run_due(self) -> int:
        """Deliver everything due now, and wait for it; return how many subscriptions ran."""
        if not await self._db(self.lease.renew):
            return 0  # another process runs the digests on this database
        due = await self._db(self.store.due, self.clock(), list(self.posters))
        tasks = self._launch(due)
        await asyncio.gather(*list(self._tasks.values()))
        return len(tasks)

    async def _tick(self) -> float:
        """Launch what is due; return how long to sleep before the next tick."""
        platforms = list(self.posters)
        self._launch(await self._db(self.store.due, self.clock(), platforms))
        # Sleep until the next run of a subscription not already being worked on (one backing
        # off would otherwise keep the loop spinning).
        rested = time.monotonic()
        busy = set(self._tasks) | {s for s, t in self._resting.items() if t > rested}
        soon = await self._db(self.store.upcoming, platforms, len(busy) + 1)
        earliest = next((t for sub_id, t in soon if sub_id not in busy), None)
        if earliest is None:
            return self.poll
        return min(self.poll, max(0.0, (earliest - self.clock()).total_seconds()))

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver due digests until `stop` is set; crashes in one subscription stay there."""
        subs = await self._db(self.store.subscriptions)
        waiting = {s.platform for s in subs} - set(self.posters)
        for platform in sorted(waiting):
            log.warning("digests for %s wait: that platform is not running", platform)
        log.info("digest scheduler started")
        try:
            while not stop.is_set():
                delay = self.poll  # standing by (another process has the lease), or a failure
                try:
                    if await self._db(self.lease.renew):
                        delay = await self._tick()
                except Exception:
                    log.exception("digest scheduler tick failed")
                try:
                    await asyncio.wait_for(stop.wait(), timeout=max(delay, 0.01))
                except TimeoutError:
                    pass
        finally:
            tasks = list(self._tasks.values())
            for task in tasks:
                task.cancel()  # a cancelled post is recovered like a crash: it is `sending`
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                await self._db(self.lease.release)
            except Exception:
                log.exception("could not give the digest lease up; it expires on its own")
            log.info("digest scheduler stopped")

    # -- one subscription ------------------------------------------------------------------

    async def _serve(self, sub_id: int) -> None:
        try:
            await self._serve_subscription(sub_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug, or the database failing: rest this subscription for a while rather than
            # retrying it on every tick. Its claimed slot is recovered on the next try.
            log.exception("digest subscription %d failed; retrying in a minute", sub_id)
            self._resting[sub_id] = time.monotonic() + min(60.0, self.backoff_cap)

    async def _serve_subscription(self, sub_id: int) -> None:
        sub = await self._db(self.store.subscription, sub_id)
        if sub is None or sub.paused:
            return
        poster = self.posters.get(sub.platform)
        if poster is None:
            return  # that platform is not running: its slots wait (and follow the grace rule)
        for rec in await self._db(self.store.unfinished, sub_id):
            await self._complete(sub, poster, rec)
        while True:
            now = self.clock()
            slot = await self._db(self.store.next_run, sub_id)
            if slot is None or slot > now:
                return
            following = next_slot(sub.schedule, slot)
            if now - slot > self.grace:
                late = now - slot
                if await self._db(self.store.skip, sub_id, slot, following, now, f"late {late}"):
                    log.warning(
                        "digest %d for %s skipped: %s late, beyond the %s grace period",
                        sub_id,
                        iso(slot),
                        late,
                        self.grace,
                    )
                continue
            last = await self._db(self.store.last_until, sub_id)
            since = last if last is not None and last < slot else slot - self.first_window
            if not await self._db(self.store.claim, sub_id, slot, since, slot, following, now):
                continue
            rec = SlotRecord(sub_id, slot, "claimed", since, slot, None, None, now, 0, None)
            await self._complete(sub, poster, rec)

    async def _complete(self, sub: Subscription, poster: Poster, rec: SlotRecord) -> None:
        """Post whatever of a claimed slot is not yet in the channel, then mark it delivered."""
        try:
            known = await self._db(self.store.parts, sub.sub_id, rec.slot)
            payloads = rec.payloads
            if payloads is None:
                if not known and self.clock() - rec.slot > self.grace:
                    # Claimed just before a long outage and nothing posted: late beyond grace.
                    await self._db(self.store.finish, sub.sub_id, rec.slot, SKIPPED, self.clock())
                    return
                rendered = await self._render(sub, poster, rec)
                if rendered is None:
                    await self._db(self.store.finish, sub.sub_id, rec.slot, EMPTY, self.clock())
                    return
                payloads = rendered
                if rec.payloads is None and rec.parts is None:
                    await self._db(
                        self.store.set_payloads, sub.sub_id, rec.slot, payloads, len(payloads)
                    )
            await self._resolve_doubtful(sub, poster, rec, known)
            known = await self._db(self.store.parts, sub.sub_id, rec.slot)
            for part, payload in enumerate(payloads):
                if part in known and known[part].state == SENT:
                    continue
                await self._post(sub, poster, rec, part, payload)
            await self._db(self.store.finish, sub.sub_id, rec.slot, DELIVERED, self.clock())
            log.info("digest %d for %s delivered", sub.sub_id, iso(rec.slot))
        except PermanentFailure as exc:
            error = str(exc)
            count = await self._db(self.store.fail, sub.sub_id, rec.slot, error, self.clock())
            log.error("digest %d for %s failed: %s", sub.sub_id, iso(rec.slot), error)
            if self.on_failure is not None:
                await self.on_failure(sub, error, count)

    async def _render(
        self, sub: Subscription, poster: Poster, rec: SlotRecord
    ) -> list[Payload] | None:
        """The slot's messages, or None when there is nothing to post."""
        assert rec.since is not None and rec.until is not None
        try:
            digest = await asyncio.to_thread(self.build_digest, sub, rec.since, rec.until)
        except Exception as exc:
            log.exception("building digest %d for %s", sub.sub_id, iso(rec.slot))
            raise PermanentFailure(f"could not build the digest: {exc}") from exc
        if digest is None or not digest.sections:
            if not sub.nothing_new:
                return None
            digest = digest or Digest(
                title=f"Digest: {', '.join(sub.topics)}", since=iso(rec.since), until=iso(rec.until)
            )
        payloads = poster.render_digest(digest)
        return payloads or None

    async def _resolve_doubtful(
        self, sub: Subscription, poster: Poster, rec: SlotRecord, known: Mapping[int, Any]
    ) -> None:
        """Parts that were being posted when we stopped: look for them before re-posting."""
        doubtful = [p for p in known.values() if p.state == SENDING]
        if not doubtful:
            return
        oldest = min(p.at for p in doubtful) - LOOKBACK
        found = await self._retrying(
            sub,
            rec,
            lambda: poster.find_markers(sub.channel, [p.marker for p in doubtful], oldest),
        )
        now = self.clock()
        for p in doubtful:
            if p.marker in found:
                log.info("digest part %s was already posted; not posting it again", p.marker)
                await self._db(self.store.sent, sub.sub_id, rec.slot, p.part, None, now)
            else:
                await self._db(self.store.not_sent, sub.sub_id, rec.slot, p.part)

    async def _post(
        self, sub: Subscription, poster: Poster, rec: SlotRecord, part: int, payload: Payload
    ) -> None:
        """Post one part; a doubtful earlier attempt is looked for in the channel first."""
        mark = marker(sub.sub_id, rec.slot, part)
        key = f"{sub.platform}:{sub.channel}"
        attempt = unexpected = 0
        doubtful = False
        since = self.clock() - LOOKBACK
        while True:
            if doubtful:
                found = await self._retrying(
                    sub, rec, lambda: poster.find_markers(sub.channel, [mark], since)
                )
                if mark in found:
                    await self._db(self.store.sent, sub.sub_id, rec.slot, part, None, self.clock())
                    return
            await self._db(self.store.sending, sub.sub_id, rec.slot, part, mark, self.clock())
            try:
                async with self.pacer.turn(key), self._active:
                    message_id = await poster.send(sub.channel, payload, mark)
            except DeliveryError as exc:
                if exc.permanent:
                    await self._db(self.store.not_sent, sub.sub_id, rec.slot, part)
                    raise PermanentFailure(exc.reason) from exc
                attempt += 1
                if exc.retry_after is not None:
                    # A 429 is a refusal: nothing was posted.
                    await self._db(self.store.not_sent, sub.sub_id, rec.slot, part)
                    doubtful = False
                    await self._db(self.store.note_error, sub.sub_id, rec.slot, exc.reason)
                    await self.sleep(exc.retry_after)
                    continue
                doubtful = True  # a 5xx or a timeout: the post may have landed
                await self._db(self.store.note_error, sub.sub_id, rec.slot, exc.reason)
                await self.sleep(self._backoff(attempt))
                continue
            except Exception as exc:
                unexpected += 1
                attempt += 1
                log.exception("posting %s", mark)
                if unexpected >= MAX_UNEXPECTED:
                    raise PermanentFailure(f"posting failed: {exc!r}") from exc
                doubtful = True
                await self._db(self.store.note_error, sub.sub_id, rec.slot, repr(exc))
                await self.sleep(self._backoff(attempt))
                continue
            await self._db(self.store.sent, sub.sub_id, rec.slot, part, message_id, self.clock())
            return

    async def _retrying(
        self, sub: Subscription, rec: SlotRecord, call: Callable[[], Awaitable[set[str]]]
    ) -> set[str]:
        """Look markers up, honouring Retry-After and backing off on transient errors."""
        attempt = 0
        while True:
            try:
                async with self._active:
                    return await call()
            except DeliveryError as exc:
                if exc.permanent:
                    raise PermanentFailure(exc.reason) from exc
                attempt += 1
                await self._db(self.store.note_error, sub.sub_id, rec.slot, exc.reason)
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                await self.sleep(wait)
