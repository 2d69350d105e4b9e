"""A digest that cannot be delivered on Discord: paused, its subscriber told by DM, resumed."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord.http import Route

from bot.adapters.discord import DiscordBot
from bot.briefing import Briefing
from bot.config import DiscordSettings, Settings
from bot.delivery import Pacer
from bot.scheduler import Scheduler
from bot.service import build, digest_scheduler
from tests.conftest import BRIEFS, SEEDS
from tests.fakes.discord_api import (
    MANAGE_CHANNELS,
    MEMBER_PERMISSIONS,
    DiscordAPI,
    interaction_payload,
)
from tests.test_scheduler import Clock, Sleeps

GUILD = 777
CHANNEL = "123456789012345678"
USER = "5555555555555555555"
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # a Monday


class Rig:
    def __init__(self, tmp: Path, api: DiscordAPI) -> None:
        self.tmp = tmp
        self.api = api
        self.clock = Clock(START)
        self.settings = Settings(
            db_path=tmp / "t.db",
            briefs_dir=BRIEFS,
            discord=DiscordSettings(token=api.token, api_url=api.base_url),
        )
        self.app: Briefing = build(self.settings, clock=self.clock)
        assert self.app.ingest([SEEDS]).added
        self.bot = DiscordBot(self.app, self.settings.discord)

    def scheduler(self) -> Scheduler:
        """The service's scheduler (with its failure alerts), on the test clock, not pacing."""
        s = digest_scheduler(self.settings, self.app, {"discord": self.bot}, self.clock)
        s.pacer = Pacer(0.0, hold_at_start=False)
        s.sleep = Sleeps()
        return s

    async def command(self, name: str, sub: str | None = None, **options: str) -> str:
        """Run a command as a channel manager; return its private reply."""
        payload = interaction_payload(
            name,
            options,
            guild_id=GUILD,
            subcommand=sub,
            channel_id=CHANNEL,
            permissions=MEMBER_PERMISSIONS | MANAGE_CHANNELS,
        )
        state = discord.Interaction(data=payload, state=self.bot.client._connection)  # type: ignore[arg-type]
        await self.bot.tree._call(state)
        cb = self.api.interactions[payload["token"]].callback
        assert cb is not None and cb.type == 4 and cb.ephemeral
        return str(cb.data["content"])

    async def slot(self, day: int) -> None:
        """Something new on the topic an hour before the 08:00 slot of a day, then the slot."""
        self.clock.set(dt.datetime(2026, 3, day, 7, 0, tzinfo=dt.UTC))
        doc = self.tmp / f"day-{day}.md"
        doc.write_text(
            f"---\ntitle: Golden Dome update {day}\n---\nOn day {day} officials said the Golden "
            f"Dome missile defense plan needs {day} more space-based interception weapons.\n",
            encoding="utf-8",
        )
        assert self.app.ingest([doc]).added
        self.clock.set(dt.datetime(2026, 3, day, 8, 0, tzinfo=dt.UTC))
        await self.scheduler().run_due()

    def channel_posts(self) -> list[int]:
        return [r.status for r in self.api.requests_to("POST", rf"/channels/{CHANNEL}/messages")]


@pytest.fixture
async def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    async with DiscordAPI() as api:
        r = Rig(tmp_path, api)
        await r.bot.login()
        yield r
        await r.bot.close()
        r.app.db.close()


async def test_broken_channel_is_paused_the_subscriber_told_and_resubscribing_resumes(
    rig: Rig,
) -> None:
    reply = await rig.command("digest", "subscribe", topics="golden-dome", at="08:00")
    assert reply.startswith("Subscribed this channel.")
    rig.api.break_channel(CHANNEL, 403)  # someone took the bot's access to the channel away

    await rig.slot(2)
    await rig.slot(3)
    [sub] = rig.app.digests("discord", CHANNEL)
    assert sub.failures == 2 and not sub.paused
    assert not rig.api.requests_to("POST", "/users/@me/channels")  # no alert yet
    listing = await rig.command("digests")
    assert "The last delivery failed" in listing and "Missing Access" in listing

    await rig.slot(4)  # the third failure in a row pauses it
    [sub] = rig.app.digests("discord", CHANNEL)
    assert sub.paused and sub.last_error and "403" in sub.last_error
    assert rig.channel_posts() == [403, 403, 403]

    # The subscriber gets a DM: open the DM channel, then post the alert there.
    [opened] = rig.api.requests_to("POST", "/users/@me/channels")
    assert str(opened.body["recipient_id"]) == USER
    dm = rig.api.dm_channels[USER]
    [alert] = rig.api.requests_to("POST", rf"/channels/{dm}/messages")
    assert alert.status == 200 and opened.at < alert.at
    assert "paused the digest" in alert.body["content"]
    assert "/digest subscribe golden-dome" in alert.body["content"]
    assert alert.body["allowed_mentions"] == {"parse": []}

    for listing in [await rig.command("digest", "list"), await rig.command("digests")]:
        assert "**Paused**" in listing
        assert "403" in listing and "Missing Access" in listing  # why
        assert "`/digest subscribe topics:golden-dome`" in listing  # how to resume

    await rig.slot(5)  # paused: nothing is attempted
    assert rig.channel_posts() == [403, 403, 403]

    rig.api.broken_channels.pop(CHANNEL)  # access given back
    rig.clock.set(dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC))
    reply = await rig.command("digest", "subscribe", topics="golden-dome")
    assert reply.startswith("▶️ Resumed this channel's digest.")
    [sub] = rig.app.digests("discord", CHANNEL)
    assert not sub.paused and sub.failures == 0 and sub.last_error is None
    assert "Paused" not in await rig.command("digests")

    await rig.scheduler().run_due()  # the 08:00 slot, an hour late, within the grace period
    assert rig.channel_posts() == [403, 403, 403, 200]
    posted = rig.api.channels[CHANNEL][-1]
    assert posted["embeds"] and "Golden Dome" in posted["embeds"][0]["title"]
    assert len(rig.api.requests_to("POST", "/users/@me/channels")) == 1  # alerted once
