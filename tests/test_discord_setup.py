"""Login, `briefbot serve discord`, `discord sync` and `discord invite` against the fake."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from discord.http import Route

from bot.adapters.discord import DiscordBot, invite_link, invite_url, sync_commands
from bot.cli import main
from bot.config import DiscordSettings, Settings, load_settings
from bot.errors import BriefbotError
from bot.service import build, make_bots, serve
from tests.fakes.discord_api import DiscordAPI, interaction_payload, running_in_thread

ROOT = Path(__file__).resolve().parent.parent


def settings_for(api: DiscordAPI, tmp_path: Path, token: str | None = None) -> Settings:
    return Settings(
        db_path=tmp_path / "t.db",
        briefs_dir=ROOT / "briefs",
        discord=DiscordSettings(token=token or api.token, api_url=api.base_url),
    )


async def test_bad_token_stops_with_a_clear_message(api: DiscordAPI, tmp_path: Path) -> None:
    s = settings_for(api, tmp_path, token="not-the-token")
    bot = DiscordBot(build(s), s.discord)
    with pytest.raises(BriefbotError, match="rejected DISCORD_TOKEN"):
        await bot.start()
    await bot.close()
    login = api.requests_to("GET", "/users/@me")
    assert [r.status for r in login] == [401]
    assert login[0].authorization == "Bot not-the-token"


async def test_serve_discord_answers_an_interaction_from_the_gateway(
    api: DiscordAPI, tmp_path: Path
) -> None:
    s = settings_for(api, tmp_path)
    build(s).ingest([ROOT / "seeds"])
    stop = asyncio.Event()
    task = asyncio.create_task(serve(s, ["discord"], stop=stop))
    try:
        await asyncio.wait_for(api.identified.wait(), 10)
        assert api.identify is not None
        assert not api.identify["intents"] & (1 << 15)  # no message-content intent
        payload = interaction_payload("brief", {"topic": "golden-dome"})
        await api.dispatch("INTERACTION_CREATE", payload)
        for _ in range(200):
            state = api.interactions.get(payload["token"])
            if state is not None and state.followups:
                break
            await asyncio.sleep(0.02)
        assert state is not None and state.callback is not None and state.callback.type == 5
        assert state.followups[0]["embeds"][0]["title"] == "Golden Dome missile defense"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def test_serve_picks_discord_when_its_token_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    s = load_settings(
        env={"DISCORD_TOKEN": "t", "DISCORD_API_URL": "http://127.0.0.1:9/api/v10"},
        db=tmp_path / "t.db",
    )
    bots = make_bots(s, build(s), [])
    assert [type(b).__name__ for b in bots] == ["DiscordBot"]
    assert Route.BASE == "http://127.0.0.1:9/api/v10"


async def test_sync_registers_commands_in_a_guild_and_globally(api: DiscordAPI) -> None:
    s = DiscordSettings(token=api.token, api_url=api.base_url)
    assert sorted(await sync_commands(s, 42)) == ["brief", "card", "digest", "digests", "quotes"]
    guild = {c["name"]: c for c in api.commands["42"]}
    assert set(guild) == {"brief", "card", "quotes", "digest", "digests"}
    options = {o["name"]: o for o in guild["quotes"]["options"]}
    assert options["topic"]["autocomplete"] and options["speaker"]["autocomplete"]
    assert options["ephemeral"]["type"] == 5
    assert api.requests_to("PUT", r"/applications/\d+/guilds/42/commands")

    assert len(await sync_commands(s)) == 5
    assert {c["name"] for c in api.commands[None]} == {
        "brief",
        "card",
        "quotes",
        "digest",
        "digests",
    }


async def test_sync_with_a_bad_token_fails_clearly(api: DiscordAPI) -> None:
    with pytest.raises(BriefbotError, match="rejected DISCORD_TOKEN"):
        await sync_commands(DiscordSettings(token="wrong", api_url=api.base_url))
    assert not api.requests_to("PUT", r"/applications/.*")


def test_invite_url_permissions_match_the_named_permissions() -> None:
    url = urlparse(invite_link(123))
    query = parse_qs(url.query)
    assert query["client_id"] == ["123"]
    assert query["scope"] == ["bot applications.commands"]
    # From Discord's permission table: view_channel (1 << 10), send_messages (1 << 11),
    # embed_links (1 << 14), read_message_history (1 << 16) for posting digests and finding them
    # after a crash; send_messages_in_threads (1 << 38) for digests subscribed in a thread.
    # Alerts go by DM, which needs no server permission. Nothing else.
    named = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 38)
    assert int(query["permissions"][0]) == named == 274877991936


async def test_invite_url_asks_discord_for_the_application_id(api: DiscordAPI) -> None:
    url = await invite_url(DiscordSettings(token=api.token, api_url=api.base_url))
    assert f"client_id={api.application_id}" in url
    known = await invite_url(DiscordSettings(application_id="99"))
    assert "client_id=99" in known


def test_cli_discord_sync_and_invite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.chdir(tmp_path)
    with running_in_thread() as api:
        monkeypatch.setenv("DISCORD_TOKEN", api.token)
        monkeypatch.setenv("DISCORD_API_URL", api.base_url)
        monkeypatch.delenv("DISCORD_APPLICATION_ID", raising=False)
        assert main(["discord", "sync", "--guild", "7"]) == 0
        out = capsys.readouterr().out
        assert "registered /brief, /card, /quotes, /digest, /digests in guild 7" in out
        assert {c["name"] for c in api.commands["7"]} == {
            "brief",
            "card",
            "quotes",
            "digest",
            "digests",
        }
        assert main(["discord", "invite", "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert f"client_id={api.application_id}" in out["url"]
        monkeypatch.setenv("DISCORD_TOKEN", "bad")
        assert main(["discord", "sync"]) == 2
        assert "rejected DISCORD_TOKEN" in capsys.readouterr().err


async def test_sync_clear_removes_the_guild_commands(api: DiscordAPI) -> None:
    s = DiscordSettings(token=api.token, api_url=api.base_url)
    await sync_commands(s, 42)
    assert await sync_commands(s, 42, clear=True) == []
    assert api.commands["42"] == []


def test_cli_serve_with_a_bad_token_stops_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.chdir(tmp_path)
    with running_in_thread() as api:
        monkeypatch.setenv("DISCORD_TOKEN", "revoked")
        monkeypatch.setenv("DISCORD_API_URL", api.base_url)
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
            monkeypatch.delenv(name, raising=False)
        assert main(["--db", str(tmp_path / "t.db"), "serve"]) == 2
    err = capsys.readouterr().err
    assert "Discord rejected DISCORD_TOKEN" in err and "Traceback" not in err
