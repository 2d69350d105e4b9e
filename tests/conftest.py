"""Shared fixtures: a briefing over a temporary database, with or without the seed corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.briefing import Briefing
from bot.config import Settings
from bot.service import build
from tests.fakes.discord_api import DiscordAPI
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
BRIEFS = ROOT / "briefs"
SHARED_DATA = ROOT.parent / "shared" / "data"
SEED_FILE = SEEDS / "golden-dome-statement.md"


def fixed_clock() -> dt.datetime:
    """A clock stopped at the seed's publication day."""
    return dt.datetime(2025, 5, 9, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "briefbot.db", briefs_dir=BRIEFS)


@pytest.fixture
def empty_app(settings: Settings) -> Briefing:
    app = build(settings, clock=fixed_clock)
    yield app
    app.db.close()


@pytest.fixture
def app(empty_app: Briefing) -> Briefing:
    report = empty_app.ingest([SEEDS])
    assert not report.skipped
    return empty_app


@pytest.fixture
def seed_body() -> str:
    """The seed article's text as stored (front matter removed)."""
    text = SEED_FILE.read_text(encoding="utf-8")
    return text.split("---\n", 2)[2]


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A running loopback stand-in for Slack's Web API (tests/fakes/slack_api.py)."""
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordAPI]:
    """A running loopback stand-in for Discord's REST API (tests/fakes/discord_api.py)."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    # The adapter points these class-level addresses at the fake; monkeypatch restores them.
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    async with DiscordAPI() as fake:
        yield fake
