"""/digest on Slack end to end: signed slash commands against the real slack-bolt app over HTTP,
the loopback fake of Slack's Web API for permission checks, and the digest scheduler driven by
a controlled clock for pausing, alerting and resuming."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.slack import SlackBot
from bot.briefing import Briefing
from bot.config import Settings, SlackSettings
from bot.delivery import Pacer
from bot.service import build, digest_scheduler
from tests.conftest import BRIEFS, SEEDS
from tests.fakes.slack_api import FakeSlack, ResponsePost, block_error, form, slash_command
from tests.test_scheduler import START, Clock, slot
from tests.test_slack_commands import SECRET, all_text, post_command

CHANNEL = "C0CHAN"
ADMIN, OWNER, PRIMARY, EDITOR, MEMBER = "U0ADMIN", "U0OWNER", "U0PRIME", "U0EDITOR", "U0USER"
USERS: dict[str, dict[str, Any]] = {
    ADMIN: {"is_admin": True},
    OWNER: {"is_owner": True},
    PRIMARY: {"is_primary_owner": True},
    EDITOR: {},
    MEMBER: {},
}
GROUPS: dict[str, dict[str, Any]] = {
    "S0EDIT": {"handle": "digest-admins", "name": "Digest editors", "users": [EDITOR]},
    "S0OTHER": {"handle": "everyone-else", "name": "Others", "users": [MEMBER]},
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(users=dict(USERS), usergroups=dict(GROUPS)) as fake:
        yield fake


async def start_bot(app: Briefing, fake: FakeSlack, **extra: Any) -> SlackBot:
    fields: dict[str, Any] = {"bot_token": "xoxb-good", "signing_secret": SECRET, "port": 0}
    settings = SlackSettings(**{**fields, "api_url": fake.base_url, **extra})
    bot = SlackBot(app, settings, host="127.0.0.1")
    await bot.start()
    return bot


@pytest.fixture
async def bot(app: Briefing, fake: FakeSlack) -> AsyncIterator[SlackBot]:
    slack = await start_bot(app, fake, digest_admin_group="digest-admins")
    yield slack
    await slack.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Chat:
    """Runs slash commands as a given user and returns what came back on the response_url."""

    def __init__(self, http: aiohttp.ClientSession, bot: SlackBot, fake: FakeSlack) -> None:
        self.http, self.bot, self.fake = http, bot, fake

    async def all(
        self, text: str, user: str = ADMIN, command: str = "/digest"
    ) -> list[ResponsePost]:
        url = self.fake.response_url()
        body = form(slash_command(command, text, url, user_id=user, channel_id=CHANNEL))
        status, reply = await post_command(self.http, self.bot, body)
        assert (status, reply) == (200, "")  # acked at once, with nothing in the ack
        await self.fake.wait_for(lambda: bool(self.fake.posts(url)))
        await self.bot.idle()
        posts = self.fake.posts(url)
        assert all(block_error(p.blocks) is None for p in posts)
        return posts

    async def one(self, text: str, user: str = ADMIN, command: str = "/digest") -> ResponsePost:
        (post,) = await self.all(text, user, command)
        return post


@pytest.fixture
def chat(http: aiohttp.ClientSession, bot: SlackBot, fake: FakeSlack) -> Chat:
    return Chat(http, bot, fake)


# -- actions ------------------------------------------------------------------------------------


async def test_help_is_the_usage_with_the_topics(chat: Chat) -> None:
    for text, command in (("", "/digest"), ("help", "/digest"), ("digest help", "/brief")):
        answer = await chat.one(text, MEMBER, command)
        body = all_text(answer)
        assert answer.response_type == "ephemeral"
        assert "/digest subscribe TOPIC" in body and "/digest unsubscribe TOPIC" in body
        assert "/digest now" in body and "/digest list" in body and "golden-dome" in body
        assert "@digest-admins" in body
    brief_help = all_text(await chat.one("help", MEMBER, "/brief"))
    assert "/digest help" in brief_help


async def test_subscribe_list_unsubscribe(chat: Chat, app: Briefing) -> None:
    empty = await chat.one("list", MEMBER)
    assert "no digest yet" in all_text(empty) and "/digest subscribe TOPIC" in all_text(empty)
    done = await chat.one("subscribe golden-dome nuclear-risk at 08:00 tz Europe/London weekdays")
    assert done.response_type == "in_channel"  # the channel sees who changed its digest
    text = all_text(done)
    assert "<@U0ADMIN> set this channel's digest" in text
    assert "`golden-dome`, `nuclear-risk`" in text
    assert "on weekdays at 08:00 Europe/London" in text
    [sub] = app.digests("slack", CHANNEL)
    assert sub.subscriber == ADMIN and sub.topics == ("golden-dome", "nuclear-risk")

    listed = await chat.one("list", MEMBER)
    assert listed.response_type == "ephemeral"
    text = all_text(listed)
    assert "`golden-dome`, `nuclear-risk`" in text and "on weekdays at 08:00 Europe/London" in text
    assert "Paused" not in text and "<@U0ADMIN>" in text

    fewer = await chat.one("unsubscribe golden-dome", command="/digest")
    assert fewer.response_type == "in_channel" and "now `nuclear-risk`" in all_text(fewer)
    assert app.digests("slack", CHANNEL)[0].topics == ("nuclear-risk",)
    stopped = await chat.one("unsubscribe all")
    assert "stopped this channel's digest" in all_text(stopped)
    assert app.digests("slack", CHANNEL) == []


async def test_brief_digest_is_the_same_command(chat: Chat, app: Briefing) -> None:
    done = await chat.one("digest subscribe golden-dome at 07:30", command="/brief")
    assert "daily at 07:30 UTC" in all_text(done)
    listed = await chat.one("digest list", MEMBER, "/brief")
    assert "`golden-dome`" in all_text(listed)


async def test_now_is_a_private_preview(chat: Chat) -> None:
    await chat.one("subscribe golden-dome")
    posts = await chat.all("now", MEMBER)
    assert posts and all(p.response_type == "ephemeral" for p in posts)
    text = "".join(all_text(p) for p in posts)
    assert "Preview of the next digest" in text and "Golden Dome" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe golden-doom", ["I don't know the topic 'golden-doom'", "`golden-dome`"]),
        ("subscribe golden-dome at 25:00", ["'25:00' is not a time", "`at 08:00`"]),
        ("subscribe golden-dome tz Mars/Base", ["Unknown time zone 'Mars/Base'", "Europe/London"]),
        ("subscribe golden-dome weekly someday", ["is not a day", "weekly monday"]),
        ("subscribe at 08:00", ["Name at least one topic", "`/digest subscribe TOPIC"]),
        ("subscribe golden-dome at", ["`at` needs a value"]),
        ("unsubscribe golden-dome", ["This channel has no digest", "`/digest subscribe"]),
        ("now", ["This channel has no digest yet", "`/digest subscribe golden-dome"]),
        ("golden-dome at 08:00", ["Did you mean `/digest subscribe golden-dome at 08:00`"]),
    ],
)
async def test_bad_input_says_what_is_wrong_and_how_to_fix_it(
    chat: Chat, app: Briefing, text: str, expected: list[str]
) -> None:
    answer = await chat.one(text)
    assert answer.response_type == "ephemeral"
    body = all_text(answer)
    for part in expected:
        assert part in body
    assert "Traceback" not in body and app.digests() == []


async def test_unsubscribing_a_topic_not_subscribed(chat: Chat, app: Briefing) -> None:
    await chat.one("subscribe golden-dome")
    answer = await chat.one("unsubscribe nuclear-risk")
    assert answer.response_type == "ephemeral"
    body = all_text(answer)
    assert "has no topic 'nuclear-risk'" in body and "`/digest unsubscribe all`" in body
    missing = await chat.one("unsubscribe")
    assert "Say which topic to drop" in all_text(missing)
    assert app.digests("slack", CHANNEL)[0].topics == ("golden-dome",)


async def test_bug_gets_the_polite_reply(
    chat: Chat, app: Briefing, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("disk on fire at /secret")

    monkeypatch.setattr(app, "digests", broken)
    with caplog.at_level(logging.ERROR):
        answer = await chat.one("list")
    assert "something went wrong" in all_text(answer) and "fire" not in all_text(answer)
    assert any("fire" in (r.exc_text or "") for r in caplog.records)


# -- permissions --------------------------------------------------------------------------------


async def test_ack_comes_before_the_permission_check(
    chat: Chat, bot: SlackBot, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, gate = asyncio.Event(), asyncio.Event()
    real = bot.digests.managers.allows

    async def held(user: str) -> bool:
        started.set()
        await gate.wait()  # the check cannot finish until the test has its ack
        return await real(user)

    monkeypatch.setattr(bot.digests.managers, "allows", held)
    url = fake.response_url()
    body = form(slash_command("/digest", "subscribe golden-dome", url, user_id=ADMIN))
    assert await post_command(chat.http, bot, body) == (200, "")
    await asyncio.wait_for(started.wait(), 5)
    assert fake.posts(url) == [] and fake.method_calls("users.info") == []
    gate.set()
    await fake.wait_for(lambda: bool(fake.posts(url)))
    await bot.idle()
    assert fake.posts(url)[0].response_type == "in_channel"


async def test_socket_mode_digest(app: Briefing, fake: FakeSlack) -> None:
    settings = SlackSettings(bot_token="xoxb-good", app_token="xapp-good", api_url=fake.base_url)
    bot = SlackBot(app, settings)
    await bot.start()
    try:
        url = fake.response_url()
        envelope = await fake.push_envelope(slash_command("/digest", "subscribe golden-dome", url))
        await fake.wait_for(lambda: bool(fake.posts(url)))
        await bot.idle()
        (ack,) = [a for a in fake.acks if a.envelope_id == envelope]
        (refused,) = fake.posts(url)  # U0USER, the default user, is a plain member
        assert ack.at <= refused.at and "Only workspace admins" in all_text(refused)
    finally:
        await bot.close()


@pytest.mark.parametrize("user", [ADMIN, OWNER, PRIMARY, EDITOR])
async def test_admins_owners_and_the_group_may_change_digests(
    chat: Chat, app: Briefing, fake: FakeSlack, user: str
) -> None:
    done = await chat.one("subscribe golden-dome", user)
    assert done.response_type == "in_channel"
    assert app.digests("slack", CHANNEL)[0].subscriber == user
    assert [c.params["user"] for c in fake.method_calls("users.info")] == [user]
    group_calls = fake.method_calls("usergroups.users.list")
    assert [c.params["usergroup"] for c in group_calls] == (["S0EDIT"] if user == EDITOR else [])
    stopped = await chat.one("unsubscribe all", user)
    assert "stopped" in all_text(stopped) and app.digests() == []


async def test_plain_member_is_refused_but_may_list_and_preview(chat: Chat, app: Briefing) -> None:
    for text in ("subscribe golden-dome", "unsubscribe all"):
        refused = await chat.one(text, MEMBER)
        assert refused.response_type == "ephemeral"
        body = all_text(refused)
        who = "Only workspace admins and owners and members of the user group @digest-admins"
        assert f"{who} can change this channel's digest" in body
        assert "`/digest list`" in body
    assert app.digests() == []
    await chat.one("subscribe golden-dome", ADMIN)
    assert (await chat.one("unsubscribe all", MEMBER)).response_type == "ephemeral"
    assert len(app.digests()) == 1  # still there
    assert "`golden-dome`" in all_text(await chat.one("list", MEMBER))
    assert "Preview of the next digest" in all_text((await chat.all("now", MEMBER))[0])


@pytest.mark.parametrize(("group", "allowed"), [(None, False), ("Digest editors", True)])
async def test_the_group_setting(
    app: Briefing, fake: FakeSlack, http: aiohttp.ClientSession, group: str | None, allowed: bool
) -> None:
    bot = await start_bot(app, fake, digest_admin_group=group)
    try:
        answer = await Chat(http, bot, fake).one("subscribe golden-dome", EDITOR)
    finally:
        await bot.close()
    assert (answer.response_type == "in_channel") is allowed
    if not allowed:
        assert "Only workspace admins and owners can" in all_text(answer)
        assert fake.method_calls("usergroups.list") == []


async def test_a_group_that_does_not_exist_refuses_and_is_logged(
    app: Briefing, fake: FakeSlack, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(app, fake, digest_admin_group="@nobody-here")
    try:
        with caplog.at_level(logging.WARNING):
            answer = await Chat(http, bot, fake).one("subscribe golden-dome", EDITOR)
    finally:
        await bot.close()
    assert "@nobody-here" in all_text(answer) and app.digests() == []
    assert any("nobody-here" in r.getMessage() for r in caplog.records)


async def test_a_failed_permission_check_says_why(
    chat: Chat, app: Briefing, fake: FakeSlack
) -> None:
    fake.fail("users.info", error="missing_scope")
    answer = await chat.one("subscribe golden-dome")
    body = all_text(answer)
    assert answer.response_type == "ephemeral"
    assert "missing_scope" in body and "users:read" in body and app.digests() == []


async def test_configured_digest_command_name(
    app: Briefing, fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    commands = {"brief": "/bb", "card": "/bbcard", "quotes": "/bbquotes", "digest": "/bbdigest"}
    bot = await start_bot(app, fake, commands=commands)
    try:
        assert "/bbdigest" in bot.command_names
        chat = Chat(http, bot, fake)
        usage = all_text(await chat.one("help", command="/bbdigest"))
        assert "/bbdigest subscribe TOPIC" in usage and "/digest " not in usage
        bad = all_text(await chat.one("now", command="/bbdigest"))
        assert "`/bbdigest subscribe golden-dome" in bad
        nothing = all_text(await chat.one("digest subscribe at 07:00", command="/bb"))
        assert "`/bbdigest subscribe TOPIC" in nothing
    finally:
        await bot.close()


async def test_pause_reason_is_inert(chat: Chat, app: Briefing) -> None:
    await chat.one("subscribe golden-dome")
    [sub] = app.digests("slack", CHANNEL)
    app.subscriptions.pause(sub, "Slack refused: <!channel> <@U123>")
    body = all_text(await chat.one("list", MEMBER))
    assert "Paused" in body and "&lt;!channel&gt;" in body
    assert "<!channel>" not in body and "<@U123>" not in body


# -- pausing, alerting and resuming through the scheduler ---------------------------------------


async def test_lost_channel_pauses_alerts_by_dm_and_subscribe_resumes(
    tmp_path: Path, fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    clock = Clock(START)
    settings = Settings(db_path=tmp_path / "alerts.db", briefs_dir=BRIEFS)
    app = build(settings, clock=clock)
    assert app.ingest([SEEDS]).added
    bot = await start_bot(app, fake)
    try:
        chat = Chat(http, bot, fake)
        await chat.one("subscribe golden-dome at 08:00 nothing-new", ADMIN)
        scheduler = digest_scheduler(settings, app, {"slack": bot}, clock)
        scheduler.pacer = Pacer(0.0, hold_at_start=False)
        fake.fail("chat.postMessage", times=3, error="channel_not_found")  # the channel is gone
        for day in (2, 3, 4):
            [sub] = app.digests("slack", CHANNEL)
            assert not sub.paused, day
            clock.set(slot(day))
            await scheduler.run_due()
        [sub] = app.digests("slack", CHANNEL)
        assert sub.paused and "channel_not_found" in (sub.last_error or "")
        assert fake.messages.get(CHANNEL, []) == []

        # The subscriber was told by DM, once: conversations.open, then a post in the DM.
        (opened,) = fake.method_calls("conversations.open")
        assert opened.params["users"] == ADMIN
        (dm,) = fake.messages[f"D{ADMIN}"]
        assert "paused the digest for channel C0CHAN" in dm["text"]
        assert "channel_not_found" in dm["text"] and "/digest subscribe golden-dome" in dm["text"]

        clock.set(slot(5))  # paused: nothing is tried
        await scheduler.run_due()
        posts = [c for c in fake.method_calls("chat.postMessage") if c.params["channel"] == CHANNEL]
        assert len(posts) == 3

        listed = all_text(await chat.one("list", MEMBER))
        assert "Paused" in listed and "channel_not_found" in listed
        assert "`/digest subscribe golden-dome`" in listed and "to resume" in listed

        resumed = await chat.one("subscribe golden-dome", ADMIN)
        assert "now resumed" in all_text(resumed)
        [sub] = app.digests("slack", CHANNEL)
        assert not sub.paused and sub.failures == 0 and sub.last_error is None
        assert "Paused" not in all_text(await chat.one("list", MEMBER))

        clock.set(slot(6))
        await scheduler.run_due()
        assert len(fake.messages[CHANNEL]) == 1  # delivery works again
    finally:
        await bot.close()
        app.db.close()
