"""The Slack adapter end to end: the real slack-bolt app over HTTP and Socket Mode, with signed
slash commands, against the loopback fake of Slack's Web API."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.slack import SlackBot
from bot.adapters.slack_blocks import SORRY
from bot.briefing import Briefing
from bot.config import SlackSettings
from bot.errors import BriefbotError
from tests.fakes.slack_api import (
    FakeSlack,
    ResponsePost,
    block_actions,
    block_error,
    form,
    sign,
    slash_command,
)

SECRET = "test-signing-secret"

HOSTILE = """---
id: hostile-memo
title: "Golden Dome memo <!channel> & friends"
date: 2025-05-10
url: "https://example.org/memo?a=1&b=<2>"
---
The Golden Dome missile defense memo said <!channel> and <@U123> must read it at once.
Officials said the Golden Dome plan would cost <!here> more than expected & rise further.
"""


def settings(fake: FakeSlack, **extra: Any) -> SlackSettings:
    fields: dict[str, Any] = {"bot_token": "xoxb-good", "signing_secret": SECRET, "port": 0}
    return SlackSettings(**{**fields, "api_url": fake.base_url, **extra})


@pytest.fixture
async def bot(app: Briefing, fake_slack: FakeSlack) -> AsyncIterator[SlackBot]:
    slack = SlackBot(app, settings(fake_slack), host="127.0.0.1")
    await slack.start()
    yield slack
    await slack.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post_command(
    http: aiohttp.ClientSession,
    bot: SlackBot,
    body: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    url = f"http://127.0.0.1:{bot.port}/slack/events"
    async with http.post(url, data=body, headers=headers or sign(SECRET, body)) as resp:
        return resp.status, await resp.text()


async def ask(
    http: aiohttp.ClientSession, bot: SlackBot, fake: FakeSlack, command: str, text: str
) -> ResponsePost:
    """Run a slash command and return the one answer posted to its response_url."""
    url = fake.response_url()
    status, _ = await post_command(http, bot, form(slash_command(command, text, url)))
    assert status == 200
    await fake.wait_for(lambda: bool(fake.posts(url)))
    await bot.idle()
    (answer,) = fake.posts(url)
    assert block_error(answer.blocks) is None
    return answer


def all_text(post: ResponsePost) -> str:
    return json.dumps(post.blocks, ensure_ascii=False) + post.text


async def test_bad_token_stops_start_with_a_clear_message(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    slack = SlackBot(
        app,
        SlackSettings(
            bot_token="xoxb-bad", signing_secret=SECRET, api_url=fake_slack.base_url, port=0
        ),
    )
    with pytest.raises(BriefbotError, match="invalid_auth"):
        await slack.start()
    await slack.close()


async def test_http_mode_needs_the_signing_secret(app: Briefing, fake_slack: FakeSlack) -> None:
    slack = SlackBot(app, SlackSettings(bot_token="xoxb-good", api_url=fake_slack.base_url))
    with pytest.raises(BriefbotError, match="SLACK_SIGNING_SECRET"):
        await slack.start()


async def test_healthz(bot: SlackBot, http: aiohttp.ClientSession) -> None:
    async with http.get(f"http://127.0.0.1:{bot.port}/healthz") as resp:
        assert resp.status == 200
        assert (await resp.json())["ok"] is True


async def test_ack_comes_before_the_work_and_the_answer_arrives(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()
    started = threading.Event()
    real = app.brief

    def held(name: str, since: Any = None) -> Any:
        started.set()
        assert gate.wait(10)  # the work cannot finish until the test has its ack
        return real(name, since)

    monkeypatch.setattr(app, "brief", held)
    url = fake_slack.response_url()
    status, body = await post_command(http, bot, form(slash_command("/brief", "golden-dome", url)))
    acked = time.monotonic()
    assert status == 200 and body == ""
    assert fake_slack.posts(url) == []
    gate.set()
    await fake_slack.wait_for(lambda: bool(fake_slack.posts(url)))
    await bot.idle()
    (answer,) = fake_slack.posts(url)
    assert started.is_set() and answer.at > acked
    assert answer.response_type == "ephemeral"
    assert block_error(answer.blocks) is None
    text = all_text(answer)
    assert "Golden Dome missile defense" in text
    assert "TL;DR" in text and "Sources" in text
    buttons = [b for b in answer.blocks if b["type"] == "actions"]
    assert buttons and buttons[0]["elements"][0]["text"]["text"] == "Share in channel"


async def test_card_quotes_and_their_brief_forms(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    card = await ask(http, bot, fake_slack, "/card", "golden-dome")
    assert "Fact card: Golden Dome" in all_text(card)
    card2 = await ask(http, bot, fake_slack, "/brief", "card golden-dome")
    assert card2.blocks[0] == card.blocks[0]
    quotes = await ask(http, bot, fake_slack, "/quotes", "golden-dome")
    assert "Quotes on Golden Dome" in all_text(quotes)
    assert "battlefield" in all_text(quotes)
    by = await ask(http, bot, fake_slack, "/brief", "quotes speaker: Xi Jinping")
    assert "Quotes by Xi Jinping" in all_text(by)


async def test_help_lists_the_topics(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    for text in ("", "help"):
        answer = await ask(http, bot, fake_slack, "/brief", text)
        body = all_text(answer)
        assert "/card TOPIC" in body and "golden-dome" in body and "nuclear-risk" in body
        assert not [b for b in answer.blocks if b["type"] == "actions"]


async def test_configured_command_names(
    app: Briefing, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    commands = {"brief": "/bb", "card": "/bbcard", "quotes": "/bbquotes", "digest": "/bbdigest"}
    slack = SlackBot(app, settings(fake_slack, commands=commands), host="127.0.0.1")
    await slack.start()
    try:
        assert slack.command_names == ["/bb", "/bbcard", "/bbdigest", "/bbquotes"]
        answer = await ask(http, slack, fake_slack, "/bbcard", "golden-dome")
        assert "Fact card" in all_text(answer)
        helped = await ask(http, slack, fake_slack, "/bb", "help")
        assert "/bbquotes TOPIC" in all_text(helped)
    finally:
        await slack.close()


async def test_unknown_topic_gets_the_closest_topics(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    answer = await ask(http, bot, fake_slack, "/brief", "zzqx golden-domee")
    text = all_text(answer)
    assert answer.response_type == "ephemeral"
    assert "I don't know the topic" in text and "`golden-dome`" in text


async def test_user_error_message_is_shown(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    answer = await ask(http, bot, fake_slack, "/quotes", "speaker: Nobody Atall")
    assert "No quotes by" in all_text(answer)


async def test_internal_error_is_polite_and_logged(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(name: str, since: Any = None) -> Any:
        raise RuntimeError("database exploded at /secret/path")

    monkeypatch.setattr(app, "brief", broken)
    with caplog.at_level(logging.ERROR, logger="bot.adapters.slack"):
        answer = await ask(http, bot, fake_slack, "/brief", "golden-dome")
    assert answer.response_type == "ephemeral"
    assert SORRY.replace("'", "") in answer.text.replace("'", "")
    assert "exploded" not in all_text(answer)
    assert any("exploded" in (r.exc_text or "") for r in caplog.records)


async def test_hostile_document_text_is_inert(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    tmp_path: Path,
) -> None:
    memo = tmp_path / "memo.md"
    memo.write_text(HOSTILE, encoding="utf-8")
    assert not app.ingest([memo]).skipped
    for command in ("/brief", "/card", "/quotes"):
        answer = await ask(http, bot, fake_slack, command, "Golden Dome memo")
        text = all_text(answer)
        assert "memo" in text
        for live in ("<!channel>", "<@U123>", "<!here>"):
            assert live not in text
        assert "&lt;!channel&gt;" in text or "&lt;@U123&gt;" in text or command == "/quotes"
    brief = await ask(http, bot, fake_slack, "/brief", "Golden Dome memo")
    text = all_text(brief)
    assert "<https://example.org/memo?a=1&amp;b=%3C2%3E|Golden Dome memo &lt;!channel&gt;" in text


async def test_bad_signature_and_old_timestamp_get_401_and_no_work(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(app, "brief", lambda name, since=None: calls.append(name))
    url = fake_slack.response_url()
    body = form(slash_command("/brief", "golden-dome", url))
    forged = sign("wrong-secret", body)
    assert (await post_command(http, bot, body, forged))[0] == 401
    old = sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)
    assert (await post_command(http, bot, body, old))[0] == 401
    tampered = form(slash_command("/brief", "nuclear-risk", url))
    assert (await post_command(http, bot, tampered, sign(SECRET, body)))[0] == 401
    await asyncio.sleep(0.1)
    await bot.idle()
    assert calls == [] and fake_slack.posts(url) == []


async def test_share_in_channel_posts_for_everyone(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    private = await ask(http, bot, fake_slack, "/brief", "golden-dome")
    (actions,) = [b for b in private.blocks if b["type"] == "actions"]
    value = actions["elements"][0]["value"]
    url = fake_slack.response_url()
    body = form({"payload": json.dumps(block_actions(value, url))})
    assert (await post_command(http, bot, body))[0] == 200
    await fake_slack.wait_for(lambda: len(fake_slack.posts(url)) == 2)
    await bot.idle()
    shared, deleted = fake_slack.posts(url)
    assert shared.response_type == "in_channel"
    assert shared.body.get("replace_original") is False
    assert "Shared by <@U0USER>" in all_text(shared)
    assert not [b for b in shared.blocks if b["type"] == "actions"]
    assert [b for b in shared.blocks if b["type"] == "header"] == [
        b for b in private.blocks if b["type"] == "header"
    ]
    assert deleted.body.get("delete_original") is True


async def test_share_falls_back_to_post_message_when_the_url_is_used_up(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    private = await ask(http, bot, fake_slack, "/brief", "golden-dome")
    (actions,) = [b for b in private.blocks if b["type"] == "actions"]
    url = fake_slack.response_url()
    for _ in range(5):  # Slack allows 5 uses of a response_url
        async with http.post(url, json={"text": "x"}) as resp:
            assert resp.status == 200
    body = form({"payload": json.dumps(block_actions(actions["elements"][0]["value"], url))})
    assert (await post_command(http, bot, body))[0] == 200
    await fake_slack.wait_for(lambda: bool(fake_slack.messages.get("C0CHAN")))
    await bot.idle()
    (msg,) = fake_slack.messages["C0CHAN"]
    assert block_error(msg["blocks"]) is None
    assert "Golden Dome" in json.dumps(msg["blocks"])


async def test_many_concurrent_commands_all_answered(
    bot: SlackBot, fake_slack: FakeSlack, http: aiohttp.ClientSession
) -> None:
    urls = [fake_slack.response_url() for _ in range(20)]
    statuses = await asyncio.gather(
        *(post_command(http, bot, form(slash_command("/brief", "golden-dome", u))) for u in urls)
    )
    assert all(s == 200 for s, _ in statuses)
    await fake_slack.wait_for(lambda: all(fake_slack.posts(u) for u in urls))


async def test_identical_requests_in_flight_share_one_computation(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = threading.Event()
    calls: list[str] = []
    real = app.brief

    def held(name: str, since: Any = None) -> Any:
        calls.append(name)
        assert gate.wait(10)
        return real(name, since)

    monkeypatch.setattr(app, "brief", held)
    urls = [fake_slack.response_url() for _ in range(5)]
    for u in urls:
        status, _ = await post_command(http, bot, form(slash_command("/brief", "golden-dome", u)))
        assert status == 200
    gate.set()
    await fake_slack.wait_for(lambda: all(fake_slack.posts(u) for u in urls))
    await bot.idle()
    assert calls == ["golden-dome"]
    later = await ask(http, bot, fake_slack, "/brief", "golden-dome")  # not cached afterwards
    assert calls == ["golden-dome", "golden-dome"] and "Golden Dome" in later.text


async def test_a_huge_document_still_fits(
    bot: SlackBot,
    fake_slack: FakeSlack,
    http: aiohttp.ClientSession,
    app: Briefing,
    tmp_path: Path,
) -> None:
    words = " ".join(["missile shield budget & <b>overrun</b>"] * 800)
    doc = tmp_path / "huge.md"
    doc.write_text(f"---\nid: huge\ntitle: {'Shield ' * 60}\n---\n{words}.\n", encoding="utf-8")
    assert not app.ingest([doc]).skipped
    for command in ("/brief", "/card", "/quotes"):
        answer = await ask(http, bot, fake_slack, command, "missile shield budget")
        assert len(json.dumps(answer.blocks)) < 13_000


# -- Socket Mode -------------------------------------------------------------------------------


async def test_socket_mode_acks_then_answers(app: Briefing, fake_slack: FakeSlack) -> None:
    slack = SlackBot(app, settings(fake_slack, app_token="xapp-good", signing_secret=None))
    await slack.start()
    try:
        assert slack.port is None  # no HTTP server in Socket Mode
        url = fake_slack.response_url()
        envelope = await fake_slack.push_envelope(slash_command("/brief", "golden-dome", url))
        await fake_slack.wait_for(lambda: bool(fake_slack.posts(url)))
        await slack.idle()
        (ack,) = [a for a in fake_slack.acks if a.envelope_id == envelope]
        (answer,) = fake_slack.posts(url)
        assert ack.at <= answer.at
        assert block_error(answer.blocks) is None
        assert "Golden Dome missile defense" in all_text(answer)
    finally:
        await slack.close()


async def test_socket_mode_bad_app_token(app: Briefing, fake_slack: FakeSlack) -> None:
    slack = SlackBot(app, settings(fake_slack, app_token="xapp-bad"))
    with pytest.raises(BriefbotError, match="SLACK_APP_TOKEN"):
        await slack.start()
    await slack.close()
