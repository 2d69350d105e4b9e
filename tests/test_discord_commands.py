"""Slash commands through discord.py's real CommandTree, answering over HTTP to the fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord import GENERIC_ERROR, DiscordBot
from bot.briefing import Briefing
from bot.config import DiscordSettings, Settings
from bot.service import build
from tests.fakes.discord_api import EPHEMERAL, DiscordAPI, embed_errors, interaction_payload

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Briefing]:
    db = tmp_path_factory.mktemp("discord") / "t.db"
    app = build(Settings(db_path=db, briefs_dir=ROOT / "briefs"))
    app.ingest([ROOT / "seeds"])
    yield app
    app.db.close()


@pytest.fixture
async def bot(api: DiscordAPI, briefing: Briefing) -> AsyncIterator[DiscordBot]:
    settings = DiscordSettings(token=api.token, api_url=api.base_url)
    b = DiscordBot(briefing, settings)
    await b.login()
    yield b
    await b.close()


async def run(bot: DiscordBot, name: str, **options: str | bool) -> str:
    """Dispatch a raw type-2 interaction through the tree; return its token."""
    payload = interaction_payload(name, options)
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    return str(payload["token"])


async def complete(bot: DiscordBot, name: str, focused: str, **options: str) -> dict[str, Any]:
    """Dispatch an autocomplete (type 4) interaction; return its payload."""
    payload = interaction_payload(name, options, kind=4, focused=focused)
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    return payload


def check_limits(api: DiscordAPI) -> None:
    """Every message the bot sent was valid and pinged nobody."""
    assert all(r.status < 400 for r in api.requests), [
        (r.method, r.path, r.status) for r in api.requests if r.status >= 400
    ]
    assert api.allowed_mentions, "no message was sent"
    assert all(m == {"parse": []} for m in api.allowed_mentions), api.allowed_mentions


async def test_brief_defers_first_then_follows_up_with_cited_embeds(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    token = await run(bot, "brief", topic="golden-dome")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5  # deferred, public
    assert not state.callback.ephemeral
    assert len(state.followups) == 1
    webhook_posts = api.requests_to("POST", r"/webhooks/\d+/.+")
    assert webhook_posts and state.callback.at < webhook_posts[0].at  # defer came first
    embeds = state.followups[0]["embeds"]
    assert embed_errors(embeds) == []
    assert embeds[0]["title"] == "Golden Dome missile defense"
    assert "**TL;DR**" in embeds[0]["description"]
    names = [f["name"] for e in embeds for f in e.get("fields", [])]
    assert "Sources" in names
    check_limits(api)


async def test_ephemeral_option_defers_privately(bot: DiscordBot, api: DiscordAPI) -> None:
    token = await run(bot, "card", topic="golden-dome", ephemeral=True)
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5
    assert state.callback.data["flags"] & EPHEMERAL
    assert state.followups and state.followups[0]["flags"] & EPHEMERAL
    assert state.followups[0]["embeds"][0]["title"].startswith("Fact card")
    check_limits(api)


async def test_quotes_by_topic(bot: DiscordBot, api: DiscordAPI) -> None:
    token = await run(bot, "quotes", topic="golden-dome")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5
    assert state.followups and state.followups[0]["embeds"][0]["title"].startswith("Quotes")
    check_limits(api)


async def test_unknown_topic_is_the_first_response_and_private(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    token = await run(bot, "brief", topic="zzqx-nothing-like-this")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 4  # no defer at all
    assert state.callback.ephemeral
    assert "Unknown topic" in state.callback.data["content"]
    assert state.followups == []
    check_limits(api)


async def test_brief_without_topic_gives_private_help(bot: DiscordBot, api: DiscordAPI) -> None:
    token = await run(bot, "brief")
    cb = api.interactions[token].callback
    assert cb is not None and cb.type == 4 and cb.ephemeral
    assert "/brief" in cb.data["content"] and "golden-dome" in cb.data["content"]
    check_limits(api)


async def test_quotes_without_topic_or_speaker_is_a_private_hint(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    token = await run(bot, "quotes")
    cb = api.interactions[token].callback
    assert cb is not None and cb.type == 4 and cb.ephemeral
    assert "speaker" in cb.data["content"]


async def test_bug_after_public_defer_deletes_reply_and_apologises_privately(
    bot: DiscordBot,
    api: DiscordAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(bot.briefing, "brief", broken)
    with caplog.at_level(logging.ERROR, logger="bot.adapters.discord"):
        token = await run(bot, "brief", topic="golden-dome")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5 and not state.callback.ephemeral
    assert state.original_deleted  # the public "thinking" reply is gone
    assert len(state.followups) == 1
    reply = state.followups[0]
    assert reply["flags"] & EPHEMERAL and reply["content"] == GENERIC_ERROR
    assert "secret internal detail" not in str(api.requests)
    assert "secret internal detail" in caplog.text  # the traceback is in the log only
    deletes = api.requests_to("DELETE", r"/webhooks/\d+/.+/messages/@original")
    follow = api.requests_to("POST", r"/webhooks/\d+/.+")
    assert deletes[0].at < follow[0].at
    check_limits(api)


async def test_user_error_after_defer_is_private_too(
    bot: DiscordBot, api: DiscordAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.errors import BriefbotError

    def empty(*args: object, **kwargs: object) -> None:
        raise BriefbotError("Nothing about 'golden dome' since 2030-01-01 in the documents yet.")

    monkeypatch.setattr(bot.briefing, "card", empty)
    token = await run(bot, "card", topic="golden-dome")
    state = api.interactions[token]
    assert state.original_deleted
    assert state.followups[0]["flags"] & EPHEMERAL
    assert "Nothing about" in state.followups[0]["content"]


async def test_mentions_in_documents_ping_nobody(api: DiscordAPI, tmp_path: Path) -> None:
    app = build(Settings(db_path=tmp_path / "own.db", briefs_dir=ROOT / "briefs"))
    doc = tmp_path / "loud.md"
    doc.write_text(
        "---\ntitle: Loud @everyone memo\n---\n"
        "The zorblax council met @everyone and <@123456789012345678> to discuss the zorblax. "
        "Officials said the zorblax plan will cost $5 million by 2027. "
        '"The zorblax is *important* for @here everyone," said Jane Roe, the council chair.\n',
        encoding="utf-8",
    )
    app.ingest([doc])
    bot = DiscordBot(app, DiscordSettings(token=api.token, api_url=api.base_url))
    await bot.login()
    try:
        token = await run(bot, "brief", topic="zorblax")
    finally:
        await bot.close()
        app.db.close()
    state = api.interactions[token]
    assert state.followups, api.requests
    embeds = state.followups[0]["embeds"]
    text = "\n".join(
        [e.get("description") or "" for e in embeds]
        + [f["value"] for e in embeds for f in e.get("fields", [])]
    )
    assert "@everyone" in text  # shown, but inert: allowed_mentions is empty
    assert "\\*important\\*" in text  # markdown in documents is escaped
    check_limits(api)


async def test_commands_work_in_a_server_channel(bot: DiscordBot, api: DiscordAPI) -> None:
    payload = interaction_payload("brief", {"topic": "golden-dome"}, guild_id=777)
    await bot.tree._call(discord.Interaction(data=payload, state=bot.client._connection))  # type: ignore[arg-type]
    state = api.interactions[payload["token"]]
    assert state.callback is not None and state.callback.type == 5
    assert state.followups and state.followups[0]["embeds"]
    check_limits(api)


async def test_topic_autocomplete_returns_at_most_25(bot: DiscordBot, api: DiscordAPI) -> None:
    payload = await complete(bot, "brief", "topic", topic="")
    cb = api.interactions[payload["token"]].callback
    assert cb is not None and cb.type == 8
    choices = cb.data["choices"]
    assert 1 <= len(choices) <= 25
    assert {"name", "value"} <= set(choices[0])
    assert "golden-dome" in {c["value"] for c in choices}

    payload = await complete(bot, "card", "topic", topic="gold")
    cb = api.interactions[payload["token"]].callback
    assert cb is not None and [c["value"] for c in cb.data["choices"]] == ["golden-dome"]


async def test_autocomplete_is_capped_with_many_topics(
    bot: DiscordBot, api: DiscordAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.models import TopicRef

    many = [TopicRef(f"topic-{i}", f"Topic {i} " + "x" * 120) for i in range(60)]
    monkeypatch.setattr(bot.briefing, "complete_topic", lambda prefix, limit=25: many[:limit])
    payload = await complete(bot, "brief", "topic", topic="t")
    cb = api.interactions[payload["token"]].callback
    assert cb is not None and len(cb.data["choices"]) == 25
    assert all(len(c["name"]) <= 100 for c in cb.data["choices"])


async def test_speaker_autocomplete(bot: DiscordBot, api: DiscordAPI) -> None:
    payload = await complete(bot, "quotes", "speaker", speaker="")
    cb = api.interactions[payload["token"]].callback
    assert cb is not None and cb.type == 8 and len(cb.data["choices"]) <= 25
    assert all(isinstance(c["value"], str) for c in cb.data["choices"])


async def test_a_slow_check_defers_in_time_then_answers(
    bot: DiscordBot, api: DiscordAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from bot.adapters import discord as adapter

    monkeypatch.setattr(adapter, "CHECK_BUDGET", 0.05)
    resolve = bot.briefing.resolve

    def slow(name: str) -> object:
        time.sleep(0.3)
        return resolve(name)

    monkeypatch.setattr(bot.briefing, "resolve", slow)
    token = await run(bot, "brief", topic="golden-dome")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5
    assert state.followups and state.followups[0]["embeds"]

    token = await run(bot, "brief", topic="zzqx-nothing-like-this")
    state = api.interactions[token]
    assert state.callback is not None and state.callback.type == 5  # deferred while checking
    assert state.original_deleted and state.followups[0]["flags"] & EPHEMERAL
    assert "Unknown topic" in state.followups[0]["content"]


async def test_identical_requests_in_flight_are_computed_once(
    bot: DiscordBot, api: DiscordAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    calls = []
    release = threading.Event()
    brief = bot.briefing.brief

    def counted(name: str) -> object:
        calls.append(name)
        release.wait(5)
        return brief(name)

    monkeypatch.setattr(bot.briefing, "brief", counted)
    runs = [asyncio.create_task(run(bot, "brief", topic=t)) for t in ["golden-dome"] * 5]
    runs.append(asyncio.create_task(run(bot, "brief", topic="nuclear-risk")))
    while len(api.callbacks) < 6:
        await asyncio.sleep(0.01)
    release.set()
    tokens = await asyncio.gather(*runs)
    assert sorted(calls) == ["golden-dome", "nuclear-risk"]
    assert all(api.interactions[t].followups for t in tokens)
    assert not bot._inflight  # forgotten once answered
    check_limits(api)


async def test_a_failing_autocomplete_offers_no_choices_rather_than_an_error(
    bot: DiscordBot, api: DiscordAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(prefix: str, limit: int = 25) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.briefing, "complete_speaker", broken)
    payload = await complete(bot, "quotes", "speaker", speaker="Xi")
    cb = api.interactions[payload["token"]].callback
    assert cb is not None and cb.type == 8 and cb.data["choices"] == []
