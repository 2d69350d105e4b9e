"""Digests through the real Discord adapter and the loopback Discord REST API."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord.http import Route

from bot.adapters.discord import DiscordBot, nonce_for
from bot.config import DigestSettings, DiscordSettings, Settings
from bot.delivery import Pacer
from bot.models import Subscription
from bot.schedule import marker, parse_subscriptions
from bot.scheduler import Scheduler
from bot.service import build
from bot.store import DigestStore
from bot.store.records import DELIVERED, SKIPPED
from tests.conftest import BRIEFS, SEEDS
from tests.fakes import discord_api
from tests.fakes.discord_api import DiscordAPI
from tests.test_scheduler import Clock, Crash, Crashing, Sleeps

CHANNEL = "123456789012345678"
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def slot(day: int, hour: int = 8) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


class DiscordRig:
    def __init__(self, tmp: Path, fake: DiscordAPI, clock: Clock) -> None:
        self.fake = fake
        self.clock = clock
        self.app = build(Settings(db_path=tmp / "t.db", briefs_dir=BRIEFS), clock=clock)
        assert self.app.ingest([SEEDS]).added
        self.store = DigestStore(self.app.db)
        self.sleeps = Sleeps()
        self.bot = DiscordBot(self.app, DiscordSettings(token=fake.token, api_url=fake.base_url))

    def scheduler(self, poster: object = None, **kw: object) -> Scheduler:
        return Scheduler(
            self.store,
            {"discord": poster or self.bot},  # type: ignore[dict-item]
            lambda s, a, b: self.app.digest(s.topics, a, b),
            DigestSettings(),
            clock=self.clock,
            sleep=self.sleeps,
            pacer=Pacer(0.0, hold_at_start=False),
            backoff_base=0.01,
            backoff_cap=0.08,
            **{"holder": "rig", **kw},  # type: ignore[arg-type]  # one process, restarted
        )

    def subscribe(self, **extra: object) -> Subscription:
        item = {"platform": "discord", "channel": CHANNEL, "topics": ["golden-dome"]}
        item.update({"at": "08:00", **extra})
        self.scheduler().sync(parse_subscriptions([item], "test"))
        [sub] = self.store.subscriptions()
        return sub

    def nonces(self) -> list[str]:
        posts = self.fake.requests_to("POST", rf"/channels/{CHANNEL}/messages")
        return [str(r.body.get("nonce")) for r in posts if r.status == 200]

    def shown(self) -> list[str]:
        """The `ref <nonce>` tags shown in the channel's stored messages, in order."""
        out = []
        for m in self.fake.channels.get(CHANNEL, []):
            for e in m.get("embeds") or []:
                text = str((e.get("footer") or {}).get("text") or "")
                if "ref " in text:
                    out.append(text.rsplit("ref ", 1)[1])
        return out


@pytest.fixture
async def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordRig]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    async with DiscordAPI() as fake:
        r = DiscordRig(tmp_path, fake, Clock(START))
        await r.bot.login()
        yield r
        await r.bot.close()
        r.app.db.close()


async def test_discord_digest_is_posted_once_with_nonce_and_footer(rig: DiscordRig) -> None:
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    await rig.scheduler().run_due()
    want = nonce_for(marker(sub.sub_id, slot(2), 0))
    assert rig.nonces() == [want]
    assert rig.shown() == [want]
    [post] = rig.fake.requests_to("POST", rf"/channels/{CHANNEL}/messages")
    assert post.body["enforce_nonce"] is True
    assert post.body["allowed_mentions"] == {"parse": []}


async def test_discord_crash_between_post_and_mark_after_the_nonce_window(
    rig: DiscordRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The nonce dedupes for a few minutes only; after that the channel lookup must catch it.
    monkeypatch.setattr(discord_api, "NONCE_WINDOW", 0.0)
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = marker(sub.sub_id, slot(2), 0)
    with pytest.raises(Crash):
        await rig.scheduler(Crashing(rig.bot, after=first)).run_due()
    rig.clock.advance(hours=1)
    await rig.scheduler().run_due()
    assert rig.shown() == [nonce_for(first)]
    assert rig.store.slots(sub.sub_id)[0].state == DELIVERED
    assert rig.fake.requests_to("GET", rf"/channels/{CHANNEL}/messages")


async def test_discord_crash_before_post_delivers_once(rig: DiscordRig) -> None:
    sub = rig.subscribe()
    rig.clock.set(slot(2))
    first = marker(sub.sub_id, slot(2), 0)
    with pytest.raises(Crash):
        await rig.scheduler(Crashing(rig.bot, before=first)).run_due()
    await rig.scheduler().run_due()
    assert rig.shown() == [nonce_for(first)]


async def test_discord_5xx_then_success_is_not_duplicated(rig: DiscordRig) -> None:
    sub = rig.subscribe()
    rig.fake.fail("POST", rf"/channels/{CHANNEL}/messages", 502, times=2)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.shown() == [nonce_for(marker(sub.sub_id, slot(2), 0))]


async def test_discord_429_with_retry_after(rig: DiscordRig) -> None:
    sub = rig.subscribe()
    # Longer than the adapter's own in-library wait, so it comes back to the scheduler.
    rig.fake.fail("POST", rf"/channels/{CHANNEL}/messages", 429, retry_after=45.0)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    assert rig.shown() == [nonce_for(marker(sub.sub_id, slot(2), 0))]
    assert any(w >= 45.0 for w in rig.sleeps.waits), rig.sleeps.waits


async def test_discord_permanent_error_is_counted(rig: DiscordRig) -> None:
    sub = rig.subscribe(nothing_new=True)
    rig.fake.break_channel(CHANNEL, 403)
    rig.clock.set(slot(2))
    await rig.scheduler().run_due()
    stored = rig.store.subscription(sub.sub_id)
    assert stored is not None and stored.failures == 1 and stored.last_error


async def test_discord_outage_beyond_grace_skips(rig: DiscordRig) -> None:
    sub = rig.subscribe()
    rig.clock.set(slot(3, 15))  # 31 and 7 hours late
    await rig.scheduler().run_due()
    assert [r.state for r in rig.store.slots(sub.sub_id)] == [SKIPPED, SKIPPED]
    assert rig.shown() == []
