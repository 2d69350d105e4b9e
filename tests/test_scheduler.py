"""The digest scheduler through the real Slack adapter and the loopback Slack Web API.

Time is a controlled clock; every count comes from what the fake Slack received.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import SlackBot
from bot.briefing import Briefing
from bot.config import DigestSettings, SlackSettings
from bot.delivery import Pacer, Payload, Poster
from bot.models import Digest, Subscription
from bot.schedule import marker, parse_subscriptions
from bot.scheduler import Scheduler
from bot.service import build
from bot.store import DigestStore
from bot.store.records import CLAIMED, DELIVERED, EMPTY, FAILED, SKIPPED
from tests.conftest import BRIEFS, SEEDS
from tests.fakes.slack_api import FakeSlack

UTC = dt.UTC
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # a Monday; before the real "now" on purpose:
# the fakes stamp messages with real time, and find_markers looks back from the clock.


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> None:
        self.now = when

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Sleeps:
    """Records how long the scheduler asked to wait, and waits only a moment."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class Crash(BaseException):
    """Stands for the process dying: nothing in the scheduler catches it."""


class Crashing:
    """A Poster that dies before (or right after) posting a given marker, once."""

    def __init__(self, inner: Poster, *, after: str | None = None, before: str | None = None):
        self.inner = inner
        self.platform = inner.platform
        self.after, self.before = after, before

    def render_digest(self, digest: Digest) -> list[Payload]:
        return self.inner.render_digest(digest)

    async def send(self, channel: str, payload: Payload, marker: str) -> str:
        if marker == self.before:
            self.before = None
            raise Crash(f"killed before posting {marker}")
        message_id = await self.inner.send(channel, payload, marker)
        if marker == self.after:
            self.after = None
            raise Crash(f"killed after posting {marker}, before marking it")
        return message_id

    async def find_markers(
        self, channel: str, markers: Sequence[str], oldest: dt.datetime
    ) -> set[str]:
        return await self.inner.find_markers(channel, markers, oldest)

    async def notify(self, target: str, text: str) -> None:
        await self.inner.notify(target, text)


@dataclasses.dataclass
class Rig:
    """A briefing, its digest store, the fake Slack and a way to make schedulers."""

    app: Briefing
    store: DigestStore
    fake: FakeSlack
    bot: SlackBot
    clock: Clock
    sleeps: Sleeps
    tmp: Path

    def scheduler(
        self,
        poster: Poster | None = None,
        *,
        pacing: float = 0.0,
        grace_hours: float = 6.0,
        build_digest: Callable[[Subscription, dt.datetime, dt.datetime], Digest | None]
        | None = None,
        **kw: Any,
    ) -> Scheduler:
        poster = poster or self.bot
        # One process identity: the crash tests restart "the same" process at once. Processes
        # with different identities, and the lease between them, are tested at the end.
        kw.setdefault("holder", "rig")
        return Scheduler(
            self.store,
            {poster.platform: poster},
            build_digest or self.build,
            DigestSettings(grace_hours=grace_hours),
            clock=self.clock,
            sleep=self.sleeps,
            pacer=Pacer(pacing, hold_at_start=pacing > 0),
            backoff_base=0.01,
            backoff_cap=0.08,
            **kw,
        )

    def build(self, sub: Subscription, since: dt.datetime, until: dt.datetime) -> Digest:
        return self.app.digest(sub.topics, since, until)

    def subscribe(self, channel: str = "C100", **item: Any) -> Subscription:
        entry = {"platform": "slack", "channel": channel, "topics": ["golden-dome"], "at": "08:00"}
        entry.update(item)
        subs = [*self.store.subscriptions()]
        specs = [
            {
                "platform": s.platform,
                "channel": s.channel,
                "topics": list(s.topics),
                **s.schedule.to_dict(),
                "nothing_new": s.nothing_new,
            }
            for s in subs
            if s.channel != channel
        ]
        self.scheduler().sync(parse_subscriptions([*specs, entry], "test"))
        self.fake.add_message(channel, "channel created", ts=1.0)  # the channel exists
        return next(s for s in self.store.subscriptions() if s.channel == channel)

    def ingest(self, *texts: str) -> None:
        """Ingest small documents mentioning the Golden Dome, at the clock's time."""
        paths = []
        for text in texts:
            n = len(list(self.tmp.glob("doc-*.md")))
            p = self.tmp / f"doc-{n}.md"
            p.write_text(f"---\ntitle: Note {n}\n---\n{text}\n", encoding="utf-8")
            paths.append(p)
        report = self.app.ingest(paths)
        assert report.added, report

    def markers(self, channel: str = "C100") -> list[str]:
        """The markers of the digest messages the fake Slack holds, in posting order."""
        out = []
        for m in self.fake.messages.get(channel, []):
            meta = m.get("metadata") or {}
            if meta.get("event_payload", {}).get("marker"):
                out.append(meta["event_payload"]["marker"])
        return out


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    clock = Clock(START)
    from bot.config import Settings

    app = build(Settings(db_path=tmp_path / "t.db", briefs_dir=BRIEFS), clock=clock)
    async with FakeSlack() as fake:
        bot = SlackBot(app, SlackSettings(bot_token="xoxb-good", api_url=fake.base_url))
        yield Rig(app, DigestStore(app.db), fake, bot, clock, Sleeps(), tmp_path)
    app.db.close()


def slot(day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def seeded(rig: Rig) -> Iterator[Rig]:
    rig.clock.set(START)
    assert rig.app.ingest([SEEDS]).added
    yield rig


# -- delivery -----------------------------------------------------------------------------


async def test_a_due_digest_is_posted_once_with_its_marker(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    sched = rig.scheduler()
    assert await sched.run_due() == 0  # 06:00: nothing due yet
    rig.clock.set(slot(2, 8) + dt.timedelta(seconds=5))
    await sched.run_due()
    await sched.run_due()  # nothing left to do
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]
    [rec] = rig.store.slots(sub.sub_id)
    assert (rec.state, rec.since, rec.until) == (
        DELIVERED,
        slot(2) - dt.timedelta(hours=24),
        slot(2),
    )
    text = str(rig.fake.messages["C100"][-1]["blocks"])
    assert "Golden Dome" in text
    assert rig.store.next_run(sub.sub_id) == slot(3)


async def test_first_digest_covers_only_the_first_window(rig: Rig) -> None:
    rig.clock.set(slot(1, 0))  # 32 hours before the first slot
    rig.ingest("Old news: the Golden Dome missile defense plan was announced.")
    rig.clock.set(slot(2, 7))
    rig.ingest("Fresh news: Golden Dome space-based interception tests are planned.")
    rig.clock.set(START - dt.timedelta(days=2))
    sub = rig.subscribe()
    rig.clock.set(slot(2, 8))
    seen: list[tuple[dt.datetime, dt.datetime]] = []

    def build(s: Subscription, since: dt.datetime, until: dt.datetime) -> Digest:
        seen.append((since, until))
        return rig.app.digest(s.topics, since, until)

    sched = rig.scheduler(build_digest=build)
    # The subscription was made two days ago: its first slot (Feb 28) and the next are long
    # past the grace period; only today's runs, and it must not reach back to the archive.
    await sched.run_due()
    assert seen == [(slot(1, 8), slot(2, 8))]
    text = str(rig.fake.messages["C100"][-1]["blocks"])
    assert "Fresh news" in text and "Old news" not in text
    assert [r.state for r in rig.store.slots(sub.sub_id)] == [SKIPPED, SKIPPED, DELIVERED]


async def test_the_next_digest_starts_where_the_last_ended(rig: Rig) -> None:
    sub = rig.subscribe(nothing_new=True)
    sched = rig.scheduler()
    rig.clock.set(slot(2, 8))
    await sched.run_due()
    rig.clock.set(slot(2, 9))
    rig.ingest("Golden Dome update one.")
    rig.clock.set(slot(3, 8))
    await sched.run_due()
    recs = rig.store.slots(sub.sub_id)
    assert [(r.since, r.until) for r in recs] == [(slot(1), slot(2)), (slot(2), slot(3))]
    assert "Nothing new" in str(rig.fake.messages["C100"][-2]["blocks"])
    assert "update one" in str(rig.fake.messages["C100"][-1]["blocks"])


async def test_nothing_new_posts_nothing_unless_asked(rig: Rig) -> None:
    quiet = rig.subscribe("C100")
    noted = rig.subscribe("C200", nothing_new=True)
    rig.clock.set(slot(2, 8))
    await rig.scheduler().run_due()
    assert rig.markers("C100") == []
    assert rig.markers("C200") == [marker(noted.sub_id, slot(2), 0)]
    assert "Nothing new" in str(rig.fake.messages["C200"][-1]["blocks"])
    assert rig.store.slots(quiet.sub_id)[0].state == EMPTY
    assert rig.store.last_until(quiet.sub_id) == slot(2)


def _long(rig: Rig) -> Callable[[Subscription, dt.datetime, dt.datetime], Digest]:
    def build(sub: Subscription, since: dt.datetime, until: dt.datetime) -> Digest:
        d = rig.app.digest(sub.topics, since, until)
        assert d.sections
        return dataclasses.replace(d, sections=d.sections * 16)

    return build


async def test_a_long_digest_is_split_and_every_part_posted_in_order(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    await rig.scheduler(build_digest=_long(rig)).run_due()
    got = rig.markers()
    assert len(got) >= 2
    assert got == [marker(sub.sub_id, slot(2), i) for i in range(len(got))]
    [rec] = rig.store.slots(sub.sub_id)
    assert rec.parts == len(got) and rec.state == DELIVERED


# -- failures -----------------------------------------------------------------------------


async def test_a_429_is_retried_after_its_retry_after(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.fake.fail("chat.postMessage", times=2, status=429, retry_after=7)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]
    assert rig.sleeps.waits == [7.0, 7.0]
    # A 429 is a refusal: no lookup in the channel was needed.
    assert rig.fake.method_calls("conversations.history") == []


async def test_5xx_errors_back_off_exponentially_and_capped(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.fake.fail("chat.postMessage", times=5, status=503, error="service_unavailable")
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]
    assert rig.sleeps.waits == [0.01, 0.02, 0.04, 0.08, 0.08]
    # A 5xx may hide a post that landed: the channel is checked before each retry.
    assert len(rig.fake.method_calls("conversations.history")) == 5
    assert rig.store.subscription(sub.sub_id).failures == 0  # type: ignore[union-attr]


async def test_a_lookup_rate_limit_is_honoured_too(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.fake.fail("chat.postMessage", times=1, status=500, error="internal_error")
    rig.fake.fail("conversations.history", times=1, status=429, retry_after=3)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]
    assert 3.0 in rig.sleeps.waits


async def test_crash_between_post_and_mark_does_not_duplicate(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = marker(sub.sub_id, slot(2), 0)
    with pytest.raises(Crash):
        await rig.scheduler(Crashing(rig.bot, after=first)).run_due()
    assert rig.markers() == [first]
    assert rig.store.slots(sub.sub_id)[0].state == "claimed"
    rig.clock.advance(minutes=2)
    await rig.scheduler().run_due()  # "the restarted process"
    assert rig.markers() == [first]
    assert rig.store.slots(sub.sub_id)[0].state == DELIVERED
    # Only the unconfirmed slot was looked up, once.
    assert len(rig.fake.method_calls("conversations.history")) == 1


async def test_crash_mid_way_through_a_split_digest_reposts_only_missing_parts(
    seeded: Rig,
) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    with pytest.raises(Crash):
        poster = Crashing(rig.bot, after=marker(sub.sub_id, slot(2), 1))
        await rig.scheduler(poster, build_digest=_long(rig)).run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), i) for i in range(2)]
    rig.clock.advance(minutes=1)
    await rig.scheduler(build_digest=_long(rig)).run_due()
    got = rig.markers()
    assert len(got) > 2 and len(got) == len(set(got))
    assert got == [marker(sub.sub_id, slot(2), i) for i in range(len(got))]


async def test_crash_before_post_delivers_once(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = marker(sub.sub_id, slot(2), 0)
    with pytest.raises(Crash):
        await rig.scheduler(Crashing(rig.bot, before=first)).run_due()
    assert rig.markers() == []
    rig.clock.advance(minutes=3)
    await rig.scheduler().run_due()
    assert rig.markers() == [first]


async def test_crash_after_claim_before_render_delivers_once(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))

    def dies(s: Subscription, since: dt.datetime, until: dt.datetime) -> Digest:
        raise Crash("killed while building")

    with pytest.raises(Crash):
        await rig.scheduler(build_digest=dies).run_due()
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]
    # Nothing was ever sent, so there was nothing to look up.
    assert rig.fake.method_calls("conversations.history") == []


async def test_downtime_within_grace_delivers_late_once(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2, 13))  # five hours late
    await rig.scheduler().run_due()
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_downtime_beyond_grace_skips_and_records(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe(nothing_new=True)
    rig.clock.set(slot(5, 10))  # down since Monday 06:00; Thursday 10:00 now
    await rig.scheduler().run_due()
    recs = rig.store.slots(sub.sub_id)
    assert [(r.slot, r.state) for r in recs] == [
        (slot(2), SKIPPED),
        (slot(3), SKIPPED),
        (slot(4), SKIPPED),
        (slot(5), DELIVERED),
    ]
    assert all("late" in (r.error or "") for r in recs[:3])
    assert rig.markers() == [marker(sub.sub_id, slot(5), 0)]
    # The late digest is the first: it covers the first window, not the whole outage.
    assert recs[-1].since == slot(4)


async def test_one_message_per_second_per_channel(seeded: Rig) -> None:
    rig = seeded
    rig.subscribe("C100")
    rig.subscribe("C200")
    rig.clock.set(slot(2))
    sched = rig.scheduler(pacing=1.0, build_digest=_long(rig))
    await sched.run_due()
    posts = [c for c in rig.fake.method_calls("chat.postMessage") if c.error is None]
    for channel in ("C100", "C200"):
        times = [c.at for c in posts if c.params.get("channel") == channel]
        assert len(times) >= 2
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 1.0, gaps
    # Two channels are paced separately: the second's first post did not wait for the first's.
    firsts = sorted(
        next(c.at for c in posts if c.params.get("channel") == ch) for ch in ("C100", "C200")
    )
    assert firsts[1] - firsts[0] < 0.5


async def test_permanent_error_counts_a_failure_and_calls_the_hook(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe(nothing_new=True)
    failures: list[tuple[int, str, int]] = []

    async def hook(s: Subscription, error: str, count: int) -> None:
        failures.append((s.sub_id, error, count))

    rig.fake.fail("chat.postMessage", times=2, error="not_in_channel")
    rig.clock.set(slot(2))
    await rig.scheduler(on_failure=hook).run_due()
    rig.clock.set(slot(3))
    await rig.scheduler(on_failure=hook).run_due()
    assert [c for _, _, c in failures] == [1, 2]
    stored = rig.store.subscription(sub.sub_id)
    assert (
        stored is not None
        and stored.failures == 2
        and "not_in_channel" in (stored.last_error or "")
    )
    assert [r.state for r in rig.store.slots(sub.sub_id)] == [FAILED, FAILED]
    rig.clock.set(slot(4))
    await rig.scheduler(on_failure=hook).run_due()
    stored = rig.store.subscription(sub.sub_id)
    assert stored is not None and stored.failures == 0 and stored.last_error is None
    assert rig.markers() == [marker(sub.sub_id, slot(4), 0)]


async def test_a_paused_subscription_waits(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.store.set_paused(sub.sub_id, True)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.markers() == []
    rig.store.set_paused(sub.sub_id, False)
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_a_platform_that_is_not_running_keeps_its_slots(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    sched = rig.scheduler()
    sched.posters = {}
    await sched.run_due()
    assert rig.store.slots(sub.sub_id) == []
    rig.clock.advance(hours=1)
    await rig.scheduler().run_due()
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_run_loop_delivers_and_stops(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    stop = asyncio.Event()
    sched = rig.scheduler(poll=0.01)
    runner = asyncio.create_task(sched.run(stop))
    await rig.fake.wait_for(lambda: bool(rig.markers()))
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_run_loop_does_not_spin_on_work_it_cannot_do(seeded: Rig) -> None:
    rig = seeded
    rig.subscribe()
    rig.clock.set(slot(2))  # due, but the loop below has no Slack poster
    sched = rig.scheduler(poll=0.05)
    sched.posters = {}
    calls = 0
    due = rig.store.due

    def counting(*args: Any) -> list[int]:
        nonlocal calls
        calls += 1
        return due(*args)

    rig.store.due = counting  # type: ignore[method-assign]
    stop = asyncio.Event()
    runner = asyncio.create_task(sched.run(stop))
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert calls <= 12  # about one per poll, not one per millisecond
    assert rig.markers() == []


async def test_a_failing_subscription_rests_instead_of_retrying_every_tick(
    seeded: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    sched = rig.scheduler()
    real = rig.store.unfinished

    def broken(sub_id: int) -> Any:
        raise RuntimeError("disk I/O error")

    rig.store.unfinished = broken  # type: ignore[method-assign]
    assert await sched.run_due() == 1
    assert "retrying in a minute" in caplog.text
    assert await sched.run_due() == 0  # resting: not launched again at once
    rig.store.unfinished = real  # type: ignore[method-assign]
    sched._resting.clear()  # a minute later
    assert await sched.run_due() == 1
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_a_slot_claimed_before_a_long_outage_is_skipped_if_nothing_was_posted(
    seeded: Rig,
) -> None:
    rig = seeded
    sub = rig.subscribe(nothing_new=True)
    rig.clock.set(slot(2))

    def dies(s: Subscription, since: dt.datetime, until: dt.datetime) -> Digest:
        raise Crash("killed while building")

    with pytest.raises(Crash):
        await rig.scheduler(build_digest=dies).run_due()
    rig.clock.set(slot(3, 9))  # back 25 hours later
    await rig.scheduler().run_due()
    recs = rig.store.slots(sub.sub_id)
    assert [(r.slot, r.state) for r in recs] == [(slot(2), SKIPPED), (slot(3), DELIVERED)]
    # Skipping does not move the window on: the next digest starts where the last one ended
    # (here: none yet, so it is a first digest).
    assert recs[1].since == slot(2)
    assert rig.markers() == [marker(sub.sub_id, slot(3), 0)]


# -- two processes on one database: one runs the digests, the other stands by --------------
# Each Scheduler below stands for a process with its own lease holder.


class Slow(Crashing):
    """A Poster whose posts take a while: the window in which a second process would strike."""

    async def send(self, channel: str, payload: Payload, marker: str) -> str:
        await asyncio.sleep(0.2)
        return await super().send(channel, payload, marker)


async def test_two_processes_post_a_digest_once(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = rig.scheduler(Slow(rig.bot), holder="a")
    second = rig.scheduler(holder="b")

    async def while_the_first_posts() -> int:
        await asyncio.sleep(0.1)  # the first has claimed the slot and is posting
        return await second.run_due()

    # Without the lease the second took the claimed slot for a crashed one and posted it too.
    ran = await asyncio.gather(first.run_due(), while_the_first_posts())
    assert ran == [1, 0]
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0)]


async def test_a_standby_takes_over_when_the_holder_stops(
    seeded: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    rig = seeded
    sub = rig.subscribe(nothing_new=True)  # every slot posts
    rig.clock.set(slot(2))
    first, second = rig.scheduler(holder="a", poll=0.02), rig.scheduler(holder="b", poll=0.02)
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    running_first = asyncio.create_task(first.run(stop_first))
    await rig.fake.wait_for(lambda: bool(rig.markers()))
    running_second = asyncio.create_task(second.run(stop_second))
    await asyncio.sleep(0.1)  # a few ticks of standing by
    assert "digests lease held by a until" in caplog.text
    assert caplog.text.count("standing by") == 1  # said once, not every tick
    stop_first.set()  # the first gives the lease up as it stops
    await asyncio.wait_for(running_first, 5)
    rig.clock.set(slot(3))
    await rig.fake.wait_for(lambda: len(rig.markers()) == 2)
    stop_second.set()
    await asyncio.wait_for(running_second, 5)
    assert rig.markers() == [marker(sub.sub_id, slot(2), 0), marker(sub.sub_id, slot(3), 0)]
    assert "digests lease taken by b" in caplog.text


async def test_a_dead_holders_lease_expires_and_its_slot_is_recovered_once(seeded: Rig) -> None:
    rig = seeded
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = marker(sub.sub_id, slot(2), 0)
    with pytest.raises(Crash):  # dies between the post and its mark, holding the lease
        await rig.scheduler(Crashing(rig.bot, after=first), holder="a").run_due()
    restarted = rig.scheduler(holder="b")  # a new process: a new identity
    rig.clock.advance(minutes=1)
    assert await restarted.run_due() == 0  # the dead holder's lease has not expired yet
    assert rig.store.slots(sub.sub_id)[0].state == CLAIMED
    rig.clock.advance(minutes=2)
    assert await restarted.run_due() == 1
    assert rig.markers() == [first]
    assert rig.store.slots(sub.sub_id)[0].state == DELIVERED


async def test_the_holder_renews_its_lease_and_keeps_it(seeded: Rig) -> None:
    rig = seeded
    rig.subscribe()
    rig.clock.set(slot(2))
    holder, other = rig.scheduler(holder="a"), rig.scheduler(holder="b")
    for _ in range(5):  # ticks a minute apart: each renews the two-minute lease
        await holder.run_due()
        rig.clock.advance(minutes=1)
        await other.run_due()
        assert holder.lease.held and not other.lease.held
    who, until = rig.store.take_lease("digests", "c", rig.clock(), dt.timedelta(minutes=2))
    assert who == "a" and until > rig.clock()
