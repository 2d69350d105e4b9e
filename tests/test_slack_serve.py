"""`briefbot serve slack` wiring, the CLI's bad-token exit, and the app manifest."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import aiohttp
import yaml

from bot.adapters.slack import SlackBot
from bot.briefing import Briefing
from bot.config import Settings, SlackSettings
from bot.service import serve
from tests.conftest import BRIEFS, ROOT, SEEDS
from tests.fakes.slack_api import FakeSlack, form, sign, slash_command

MANIFEST = ROOT / "deploy" / "slack" / "manifest.yaml"
SECRET = "serve-secret"
ADAPTER = sorted((ROOT / "bot" / "adapters").glob("slack*.py"))
# Every Web API method the adapter may call, and the bot scopes it needs.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth_test": set(),
    "apps_connections_open": set(),  # the app-level token's connections:write
    "chat_postMessage": {"chat:write", "chat:write.public"},  # digests, alerts, Share fallback
    "conversations_history": {"channels:history", "groups:history"},  # digest recovery
    "conversations_open": {"im:write"},  # alerts by DM
    "users_info": {"users:read"},  # /digest: is_admin / is_owner
    "usergroups_list": {"usergroups:read"},  # /digest: slack.digest_admin_group
    "usergroups_users_list": {"usergroups:read"},
}
_CALL = re.compile(r"\b(?:client|poster)\.([a-z]+_[A-Za-z_]+)\(")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_manifest_matches_the_registered_commands_and_scopes(app: Briefing) -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = sorted(c["command"] for c in manifest["features"]["slash_commands"])
    bot = SlackBot(app, SlackSettings(bot_token="xoxb-x"))
    assert commands == bot.command_names == ["/brief", "/card", "/digest", "/quotes"]
    called = {m for path in ADAPTER for m in _CALL.findall(path.read_text(encoding="utf-8"))}
    assert {"users_info", "usergroups_users_list", "conversations_open"} <= called
    assert called <= set(METHOD_SCOPES), f"say which scope {called - set(METHOD_SCOPES)} need"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


async def test_serve_runs_slack_until_stopped(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    settings = Settings(
        db_path=tmp_path / "serve.db",
        briefs_dir=BRIEFS,
        slack=SlackSettings(
            bot_token="xoxb-good", signing_secret=SECRET, api_url=fake_slack.base_url, port=port
        ),
    )
    from bot.service import build

    seeded = build(settings)
    seeded.ingest([SEEDS])
    seeded.db.close()
    stop = asyncio.Event()
    server = asyncio.create_task(serve(settings, ["slack"], stop=stop))
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        assert resp.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            url = fake_slack.response_url()
            body = form(slash_command("/brief", "golden-dome", url))
            events = f"http://127.0.0.1:{port}/slack/events"
            async with http.post(events, data=body, headers=sign(SECRET, body)) as resp:
                assert resp.status == 200
        await fake_slack.wait_for(lambda: bool(fake_slack.posts(url)))
        assert "Golden Dome" in fake_slack.posts(url)[0].text
    finally:
        stop.set()
        await asyncio.wait_for(server, 15)


async def test_cli_bad_token_exits_2_with_a_clear_message(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "BRIEFBOT_DB": str(tmp_path / "cli.db"),
    }
    env.pop("SLACK_APP_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "slack", "--port", str(free_port()),
        env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2, err.decode()
    assert "SLACK_BOT_TOKEN" in err.decode() and "invalid_auth" in err.decode()
    assert "Traceback" not in err.decode()
    # Bolt reads SLACK_BOT_TOKEN itself; its "token will be unused" notice is noise, not news.
    assert "will be unused" not in err.decode()


async def test_cli_serve_slack_without_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["BRIEFBOT_DB"] = str(tmp_path / "cli.db")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "slack",
        env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 2 and "SLACK_BOT_TOKEN" in err.decode()
