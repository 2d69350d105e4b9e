"""/digest and /digests through discord.py's real CommandTree, answering over HTTP to the fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord import GENERIC_ERROR, DiscordBot, sync_commands
from bot.adapters.discord_digest import zone_matches
from bot.briefing import Briefing
from bot.config import DiscordSettings, Settings
from bot.service import build
from tests.conftest import BRIEFS, SEEDS, fixed_clock
from tests.fakes.discord_api import (
    EPHEMERAL,
    MANAGE_CHANNELS,
    MEMBER_PERMISSIONS,
    DiscordAPI,
    Interaction,
    embed_errors,
    interaction_payload,
)

GUILD = 777
CHANNEL = "123456789012345678"
MANAGER = MEMBER_PERMISSIONS | MANAGE_CHANNELS
USER = "5555555555555555555"


@pytest.fixture
def briefing(tmp_path: Path) -> AsyncIterator[Briefing]:
    app = build(Settings(db_path=tmp_path / "t.db", briefs_dir=BRIEFS), clock=fixed_clock)
    app.ingest([SEEDS])
    yield app
    app.db.close()


@pytest.fixture
async def bot(api: DiscordAPI, briefing: Briefing) -> AsyncIterator[DiscordBot]:
    b = DiscordBot(briefing, DiscordSettings(token=api.token, api_url=api.base_url))
    await b.login()
    yield b
    await b.close()


async def call(
    bot: DiscordBot,
    api: DiscordAPI,
    name: str,
    sub: str | None = None,
    *,
    perms: int = MANAGER,
    kind: int = 2,
    focused: str | None = None,
    guild: int | None = GUILD,
    **options: Any,
) -> Interaction:
    """Dispatch a raw interaction in CHANNEL of a server; return what the fake saw of it."""
    payload = interaction_payload(
        name,
        options,
        kind=kind,
        focused=focused,
        guild_id=guild,
        subcommand=sub,
        channel_id=CHANNEL,
        permissions=perms,
    )
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    return api.interactions[payload["token"]]


def private_text(state: Interaction) -> str:
    """The one private reply to a management command: an ephemeral first response."""
    cb = state.callback
    assert cb is not None and cb.type == 4, cb
    assert cb.ephemeral
    assert state.followups == []
    return str(cb.data["content"])


def sane(api: DiscordAPI) -> None:
    assert all(r.status < 400 for r in api.requests), [
        (r.method, r.path, r.status) for r in api.requests if r.status >= 400
    ]
    assert all(m == {"parse": []} for m in api.allowed_mentions), api.allowed_mentions


def channel_digest(briefing: Briefing) -> Any:
    subs = briefing.digests("discord", CHANNEL)
    return subs[0] if subs else None


# -- subscribe -------------------------------------------------------------------------------


async def test_subscribe_builds_the_request_from_options(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    state = await call(
        bot,
        api,
        "digest",
        "subscribe",
        topics="golden-dome, nuclear-risk",
        at="07:30",
        tz="Europe/London",
        days="weekdays",
    )
    text = private_text(state)
    assert text.startswith("Subscribed this channel.")
    assert "`golden-dome`" in text and "`nuclear-risk`" in text
    assert "on weekdays at 07:30 Europe/London" in text
    sub = channel_digest(briefing)
    assert sub.topics == ("golden-dome", "nuclear-risk")
    assert (sub.schedule.hour, sub.schedule.minute, sub.schedule.days, sub.schedule.tz) == (
        7,
        30,
        "weekdays",
        "Europe/London",
    )
    assert sub.subscriber == USER  # alerts about this digest go to this user by DM
    sane(api)


async def test_subscribe_again_adds_topics_and_keeps_the_schedule(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    await call(bot, api, "digest", "subscribe", topics="golden-dome", at="08:00", days="monday")
    state = await call(bot, api, "digest", "subscribe", topics="Risk of nuclear war")
    text = private_text(state)
    assert text.startswith("Updated this channel's digest.")
    sub = channel_digest(briefing)
    assert sub.topics == ("golden-dome", "nuclear-risk")  # a title with spaces is one topic
    assert sub.schedule.describe() == "on mondays at 08:00 UTC"


async def test_subscribe_unknown_topic_names_the_closest(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    state = await call(bot, api, "digest", "subscribe", topics="golden-dom")
    text = private_text(state)
    assert "Unknown topic 'golden-dom'" in text and "golden-dome" in text
    assert channel_digest(briefing) is None
    sane(api)


@pytest.mark.parametrize(
    ("options", "wanted"),
    [
        ({"at": "8am"}, "'8am' is not a time: use 24-hour HH:MM, e.g. `at:08:00`"),
        ({"at": "25:00"}, "is not a time"),
        ({"tz": "Mars/Olympus"}, "Unknown time zone 'Mars/Olympus'"),
        ({"topics": " , "}, "Name at least one topic. Usage: `/digest subscribe topics:"),
    ],
)
async def test_subscribe_bad_input_says_what_is_wrong_and_how_to_fix_it(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing, options: dict[str, str], wanted: str
) -> None:
    state = await call(bot, api, "digest", "subscribe", **{"topics": "golden-dome", **options})
    text = private_text(state)
    assert wanted in text
    assert "Usage: `subscribe" not in text  # the CLI syntax is translated to Discord's options
    assert channel_digest(briefing) is None


async def test_subscribe_warns_when_the_bot_cannot_post_in_the_channel(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    payload = interaction_payload(
        "digest",
        {"topics": "golden-dome"},
        guild_id=GUILD,
        subcommand="subscribe",
        channel_id=CHANNEL,
        permissions=MANAGER,
        app_permissions=(1 << 10) | (1 << 11),  # no Embed Links, no Read Message History
    )
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    text = private_text(api.interactions[payload["token"]])
    assert "lacks Embed Links, Read Message History" in text

    payload = interaction_payload(
        "digest",
        {"topics": "golden-dome"},
        guild_id=GUILD,
        subcommand="subscribe",
        channel_id="8888888888888888888",
        channel_type=11,  # a thread: Send Messages in Threads matters, not Send Messages
        permissions=MANAGER,
        app_permissions=(1 << 10) | (1 << 11) | (1 << 14) | (1 << 16),
    )
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    text = private_text(api.interactions[payload["token"]])
    assert "lacks Send Messages in Threads" in text


async def test_a_bug_gets_the_generic_reply_and_a_logged_traceback(
    bot: DiscordBot,
    api: DiscordAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(bot.briefing, "subscribe", broken)
    with caplog.at_level(logging.ERROR, logger="bot.adapters.discord_digest"):
        state = await call(bot, api, "digest", "subscribe", topics="golden-dome")
    assert private_text(state) == GENERIC_ERROR
    assert "secret internal detail" in caplog.text
    assert "secret internal detail" not in str(api.requests)


# -- permissions -----------------------------------------------------------------------------


async def test_members_without_manage_channels_cannot_change_the_digest(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    state = await call(
        bot, api, "digest", "subscribe", perms=MEMBER_PERMISSIONS, topics="golden-dome"
    )
    assert "Manage Channels" in private_text(state)
    assert channel_digest(briefing) is None

    await call(bot, api, "digest", "subscribe", topics="golden-dome nuclear-risk")
    state = await call(
        bot, api, "digest", "unsubscribe", perms=MEMBER_PERMISSIONS, topic="nuclear-risk"
    )
    assert "Manage Channels" in private_text(state)
    assert channel_digest(briefing).topics == ("golden-dome", "nuclear-risk")

    state = await call(bot, api, "digest", "unsubscribe", topic="nuclear-risk")  # a manager
    assert private_text(state).startswith("Removed `nuclear-risk`.")
    assert channel_digest(briefing).topics == ("golden-dome",)
    sane(api)


async def test_the_list_is_open_to_everyone(bot: DiscordBot, api: DiscordAPI) -> None:
    await call(bot, api, "digest", "subscribe", topics="golden-dome", at="08:00")
    for state in [
        await call(bot, api, "digests", perms=MEMBER_PERMISSIONS),
        await call(bot, api, "digest", "list", perms=MEMBER_PERMISSIONS),
    ]:
        text = private_text(state)
        assert text.startswith("**This channel's digest**")
        assert "Golden Dome missile defense (`golden-dome`)" in text
        assert "daily at 08:00 UTC" in text
        assert f"<@{USER}>" in text  # shown, never pinged: allowed_mentions is empty
        assert "Paused" not in text
    sane(api)


async def test_digest_commands_need_a_server_channel(bot: DiscordBot, api: DiscordAPI) -> None:
    state = await call(bot, api, "digest", "subscribe", guild=None, topics="golden-dome")
    assert "server channels" in private_text(state)
    state = await call(bot, api, "digests", guild=None)
    assert "server channels" in private_text(state)


# -- list, unsubscribe, now --------------------------------------------------------------------


async def test_list_without_a_digest_says_how_to_start_one(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    text = private_text(await call(bot, api, "digest", "list"))
    assert "no digest yet" in text and "`/digest subscribe topics:golden-dome at:08:00`" in text


async def test_unsubscribe_bad_input_and_all(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    text = private_text(await call(bot, api, "digest", "unsubscribe", topic="golden-dome"))
    assert "has no digest" in text and "/digest subscribe topics:" in text

    await call(bot, api, "digest", "subscribe", topics="golden-dome nuclear-risk")
    text = private_text(await call(bot, api, "digest", "unsubscribe", topic="military-alliances"))
    assert "has no topic 'military-alliances'" in text
    assert "golden-dome, nuclear-risk" in text and "`/digest unsubscribe topic:all`" in text

    text = private_text(await call(bot, api, "digest", "unsubscribe", topic="all"))
    assert text.startswith("Stopped this channel's digest.")
    assert channel_digest(briefing) is None
    sane(api)


async def test_now_without_a_digest_is_answered_at_once(bot: DiscordBot, api: DiscordAPI) -> None:
    text = private_text(await call(bot, api, "digest", "now"))
    assert "no digest yet" in text


async def test_now_previews_privately_after_a_private_defer(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing
) -> None:
    await call(bot, api, "digest", "subscribe", topics="golden-dome")
    for state in [
        await call(bot, api, "digest", "now"),
        await call(bot, api, "digests", perms=MEMBER_PERMISSIONS, preview=True),
    ]:
        cb = state.callback
        assert cb is not None and cb.type == 5 and cb.ephemeral
        assert state.followups
        first = state.followups[0]
        assert first["flags"] & EPHEMERAL
        assert "only for you" in first["content"]
        assert embed_errors(first["embeds"]) == []
        assert "Golden Dome" in first["embeds"][0]["title"]
    # A preview marks nothing as sent: the channel's first digest still covers the same news.
    assert briefing.subscriptions.store.last_until(channel_digest(briefing).sub_id) is None
    sane(api)


# -- autocomplete ----------------------------------------------------------------------------


def choices(state: Interaction) -> list[dict[str, Any]]:
    cb = state.callback
    assert cb is not None and cb.type == 8
    out: list[dict[str, Any]] = cb.data["choices"]
    assert len(out) <= 25
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in out)
    return out


async def test_topics_autocomplete_completes_the_last_word(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    state = await call(bot, api, "digest", "subscribe", kind=4, focused="topics", topics="gold")
    assert [c["value"] for c in choices(state)] == ["golden-dome"]
    state = await call(
        bot, api, "digest", "subscribe", kind=4, focused="topics", topics="golden-dome, nuc"
    )
    assert [c["value"] for c in choices(state)] == ["golden-dome nuclear-risk"]
    state = await call(
        bot, api, "digest", "subscribe", kind=4, focused="topics", topics="golden-dome "
    )
    values = [c["value"] for c in choices(state)]
    assert values and "golden-dome golden-dome" not in values  # chosen topics are not offered
    assert all(v.startswith("golden-dome ") for v in values)


async def test_tz_autocomplete_filters_common_zones_by_prefix(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    state = await call(
        bot, api, "digest", "subscribe", kind=4, focused="tz", topics="x", tz="europe/l"
    )
    values = [c["value"] for c in choices(state)]
    assert values[:2] == ["Europe/London", "Europe/Lisbon"]
    state = await call(bot, api, "digest", "subscribe", kind=4, focused="tz", topics="x", tz="")
    assert len(choices(state)) == 25
    assert zone_matches("new_y")[0] == "America/New_York"  # matches after the slash too
    assert zone_matches("kathm") == ["Asia/Kathmandu"]  # beyond the common list
    assert zone_matches("zz-nothing") == []


async def test_unsubscribe_autocomplete_offers_the_channels_topics_and_all(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    state = await call(bot, api, "digest", "unsubscribe", kind=4, focused="topic", topic="")
    assert choices(state) == []  # nothing to drop yet
    await call(bot, api, "digest", "subscribe", topics="golden-dome nuclear-risk")
    state = await call(bot, api, "digest", "unsubscribe", kind=4, focused="topic", topic="")
    assert [c["value"] for c in choices(state)] == ["golden-dome", "nuclear-risk", "all"]
    state = await call(bot, api, "digest", "unsubscribe", kind=4, focused="topic", topic="nuc")
    assert [c["value"] for c in choices(state)] == ["nuclear-risk"]


# -- registration ----------------------------------------------------------------------------


async def test_sync_hides_digest_from_non_managers_and_shows_digests_to_all(
    api: DiscordAPI,
) -> None:
    s = DiscordSettings(token=api.token, api_url=api.base_url)
    names = await sync_commands(s, 42)
    assert sorted(names) == ["brief", "card", "digest", "digests", "quotes"]
    registered = {c["name"]: c for c in api.commands["42"]}
    digest = registered["digest"]
    assert digest["default_member_permissions"] == str(MANAGE_CHANNELS)
    subs = {o["name"]: o for o in digest["options"]}
    assert set(subs) == {"subscribe", "unsubscribe", "list", "now"}
    assert all(o["type"] == 1 for o in subs.values())
    options = {o["name"]: o for o in subs["subscribe"]["options"]}
    assert options["topics"]["required"] and options["topics"]["autocomplete"]
    assert options["tz"]["autocomplete"]
    assert {c["value"] for c in options["days"]["choices"]} >= {"daily", "weekdays", "sunday"}
    unsubscribe = {o["name"]: o for o in subs["unsubscribe"]["options"]}
    assert unsubscribe["topic"]["autocomplete"]
    assert registered["digests"]["default_member_permissions"] is None  # open to everyone
    for name in ("digest", "digests"):
        assert registered[name]["dm_permission"] is False  # servers only


async def test_a_slow_database_defers_privately_then_answers(
    bot: DiscordBot, api: DiscordAPI, briefing: Briefing, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from bot.adapters import discord_digest

    monkeypatch.setattr(discord_digest, "REPLY_BUDGET", 0.05)
    subscribe = briefing.subscribe

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return subscribe(*args, **kwargs)

    monkeypatch.setattr(briefing, "subscribe", slow)
    state = await call(bot, api, "digest", "subscribe", topics="golden-dome")
    cb = state.callback
    assert cb is not None and cb.type == 5 and cb.ephemeral  # in time for Discord's 3 s
    assert len(state.followups) == 1 and state.followups[0]["flags"] & EPHEMERAL
    assert state.followups[0]["content"].startswith("Subscribed this channel.")

    state = await call(bot, api, "digest", "subscribe", topics="zzqx")
    assert state.callback is not None and state.callback.type == 5
    assert "Unknown topic 'zzqx'" in state.followups[0]["content"]
    assert state.followups[0]["flags"] & EPHEMERAL
    sane(api)
