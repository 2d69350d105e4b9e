"""The Poster side of digests: send with a nonce, find markers, map failures to DeliveryError."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordBot, nonce_for
from bot.config import DiscordSettings, Settings
from bot.delivery import Poster
from bot.errors import DeliveryError
from bot.models import Brief, Cited, Digest, DigestSection, Source, TopicRef
from bot.service import build
from tests.fakes.discord_api import DiscordAPI, embed_errors

ROOT = Path(__file__).resolve().parent.parent
CHANNEL = "123456789012345678"


@pytest.fixture
async def bot(api: DiscordAPI, tmp_path: Path) -> AsyncIterator[DiscordBot]:
    briefing = build(Settings(db_path=tmp_path / "t.db", briefs_dir=ROOT / "briefs"))
    b = DiscordBot(briefing, DiscordSettings(token=api.token, api_url=api.base_url))
    await b.login()
    yield b
    await b.close()
    briefing.db.close()


def digest(sections: int = 1) -> Digest:
    brief = Brief(
        topic=TopicRef("golden-dome", "Golden Dome"),
        as_of="2025-05-08",
        tldr=(Cited("The dome @everyone is *new*.", "d1", 0, 10),),
        points=tuple(Cited(f"Point {i} " + "x" * 900, "d1", 0, 10) for i in range(5)),
        sources=(Source("d1", "Statement", "2025-05-08", "https://example.org/s"),),
    )
    section = DigestSection(TopicRef("golden-dome", "Golden Dome"), brief, 2)
    return Digest(
        "Morning digest", "2025-05-07T08:00:00", "2025-05-08T08:00:00", (section,) * sections
    )


async def test_bot_is_a_poster(bot: DiscordBot) -> None:
    poster: Poster = bot
    assert poster.platform == "discord"


async def test_render_digest_payloads_are_valid_with_their_marker(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    payloads = bot.render_digest(digest(sections=8))
    assert len(payloads) > 1
    assert payloads[0]["content"] == "**Morning digest**"
    for i, payload in enumerate(payloads):
        await bot.send(CHANNEL, payload, f"digest:{CHANNEL}:2025-05-08T08:00:00:part-{i}")
    posted = api.requests_to("POST", rf"/channels/{CHANNEL}/messages")
    assert [r.status for r in posted] == [200] * len(payloads)
    for r in posted:
        assert embed_errors(r.body["embeds"]) == []
        assert r.body["allowed_mentions"] == {"parse": []}


async def test_send_uses_an_enforced_nonce_and_shows_the_marker(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    marker = "digest:123456789012345678:golden-dome:2025-05-08T08:00:00+00:00"
    payload = bot.render_digest(digest())[0]
    message_id = await bot.send(CHANNEL, payload, marker)
    (req,) = api.requests_to("POST", rf"/channels/{CHANNEL}/messages")
    nonce = req.body["nonce"]
    assert nonce == nonce_for(marker) and len(nonce) <= 25
    assert req.body["enforce_nonce"] is True
    assert req.body["allowed_mentions"] == {"parse": []}
    assert f"ref {nonce}" in req.body["embeds"][-1]["footer"]["text"]
    assert message_id == api.channels[CHANNEL][0]["id"]
    assert f"ref {nonce}" not in str(payload)  # the caller's payload is not mutated


async def test_a_retried_send_does_not_duplicate(bot: DiscordBot, api: DiscordAPI) -> None:
    payload = bot.render_digest(digest())[0]
    first = await bot.send(CHANNEL, payload, "m-1")
    again = await bot.send(CHANNEL, payload, "m-1")  # e.g. after a crash before recording it
    assert first == again
    assert len(api.channels[CHANNEL]) == 1
    other = await bot.send(CHANNEL, payload, "m-2")
    assert other != first and len(api.channels[CHANNEL]) == 2


async def test_find_markers_reads_the_channel_since_oldest(
    bot: DiscordBot, api: DiscordAPI
) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    api.add_message(CHANNEL, "someone else talking")
    payload = bot.render_digest(digest())[0]
    await bot.send(CHANNEL, payload, "marker-a")
    await bot.send(CHANNEL, {"content": "plain text digest"}, "marker-b")
    found = await bot.find_markers(CHANNEL, ["marker-a", "marker-b", "marker-c"], before)
    assert found == {"marker-a", "marker-b"}
    (read,) = api.requests_to("GET", rf"/channels/{CHANNEL}/messages")[-1:]
    assert int(read.query["after"]) > 0 and read.query["limit"] == "100"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert await bot.find_markers(CHANNEL, ["marker-a"], later) == set()


async def test_find_markers_pages_through_a_busy_channel(bot: DiscordBot, api: DiscordAPI) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    await bot.send(CHANNEL, {"content": "early digest"}, "early")
    for i in range(250):
        api.add_message(CHANNEL, f"chatter {i}")
    await bot.send(CHANNEL, {"content": "late digest"}, "late")
    assert await bot.find_markers(CHANNEL, ["early", "late"], before) == {"early", "late"}
    assert len(api.requests_to("GET", rf"/channels/{CHANNEL}/messages")) == 3


async def test_long_rate_limit_becomes_retry_after(bot: DiscordBot, api: DiscordAPI) -> None:
    api.fail("POST", rf"/channels/{CHANNEL}/messages", 429, retry_after=120.0)
    with pytest.raises(DeliveryError) as err:
        await bot.send(CHANNEL, {"content": "hi"}, "m")
    assert err.value.retry_after == 120.0 and not err.value.permanent


async def test_cloudflare_rate_limit_uses_the_header(bot: DiscordBot, api: DiscordAPI) -> None:
    api.fail("POST", rf"/channels/{CHANNEL}/messages", 429, retry_after=7.5, via=False)
    with pytest.raises(DeliveryError) as err:
        await bot.send(CHANNEL, {"content": "hi"}, "m")
    assert err.value.retry_after == 8.0 and not err.value.permanent


async def test_short_rate_limit_is_waited_out(bot: DiscordBot, api: DiscordAPI) -> None:
    api.fail("POST", rf"/channels/{CHANNEL}/messages", 429, retry_after=0.05)
    assert await bot.send(CHANNEL, {"content": "hi"}, "m")
    statuses = [r.status for r in api.requests_to("POST", rf"/channels/{CHANNEL}/messages")]
    assert statuses == [429, 200]


@pytest.mark.parametrize("status", [403, 404])
async def test_missing_access_or_unknown_channel_is_permanent(
    bot: DiscordBot, api: DiscordAPI, status: int
) -> None:
    api.break_channel(CHANNEL, status)
    with pytest.raises(DeliveryError) as err:
        await bot.send(CHANNEL, {"content": "hi"}, "m")
    assert err.value.permanent and str(status) in err.value.reason
    with pytest.raises(DeliveryError) as err:
        await bot.find_markers(CHANNEL, ["m"], dt.datetime.now(dt.UTC))
    assert err.value.permanent


async def test_server_error_is_transient(bot: DiscordBot, api: DiscordAPI) -> None:
    api.fail("POST", rf"/channels/{CHANNEL}/messages", 503)
    with pytest.raises(DeliveryError) as err:
        await bot.send(CHANNEL, {"content": "hi"}, "m")
    assert not err.value.permanent and err.value.retry_after is None


async def test_a_bad_channel_id_is_permanent(bot: DiscordBot) -> None:
    with pytest.raises(DeliveryError) as err:
        await bot.send("#general", {"content": "hi"}, "m")
    assert err.value.permanent


async def test_notify_dms_a_user_or_posts_to_a_channel(bot: DiscordBot, api: DiscordAPI) -> None:
    await bot.notify(
        "user:5555555555555555555", "Delivery to #news broke: Missing Access @everyone"
    )
    dm = api.dm_channels["5555555555555555555"]
    assert "Missing Access" in api.channels[dm][0]["content"]
    await bot.notify(f"<#{CHANNEL}>", "x" * 3000)
    assert len(api.channels[CHANNEL][0]["content"]) == 2000
    assert all(m == {"parse": []} for m in api.allowed_mentions)


async def test_the_marker_survives_long_content(bot: DiscordBot, api: DiscordAPI) -> None:
    await bot.send(CHANNEL, {"content": "y" * 2500}, "long-one")
    (req,) = api.requests_to("POST", rf"/channels/{CHANNEL}/messages")
    assert len(req.body["content"]) <= 2000 and req.body["content"].endswith(nonce_for("long-one"))
    assert await bot.find_markers(CHANNEL, ["long-one"], dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
