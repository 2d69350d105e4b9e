"""SlackBot as the digest scheduler's Poster: send, find_markers, notify and error mapping."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from bot.adapters.slack import SlackBot
from bot.adapters.slack_poster import EVENT_TYPE
from bot.briefing import Briefing
from bot.config import SlackSettings
from bot.errors import DeliveryError
from bot.models import Digest, DigestSection
from tests.fakes.slack_api import FakeSlack, block_error


def poster(app: Briefing, fake: FakeSlack) -> SlackBot:
    return SlackBot(app, SlackSettings(bot_token="xoxb-good", api_url=fake.base_url))


def digest(app: Briefing) -> Digest:
    brief = app.brief("golden-dome")
    section = DigestSection(brief.topic, brief, 1)
    return Digest(
        "Daily digest", "2025-05-08T00:00:00+00:00", "2025-05-09T00:00:00+00:00", (section,)
    )


async def test_send_carries_the_marker_and_find_markers_reads_it(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    bot = poster(app, fake_slack)
    payloads = bot.render_digest(digest(app))
    assert payloads and all(block_error(p["blocks"]) is None for p in payloads)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    ts = await bot.send("C1", payloads[0], "m-1")
    (msg,) = fake_slack.messages["C1"]
    assert msg["ts"] == ts
    assert msg["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"marker": "m-1"}}
    assert msg["blocks"] == payloads[0]["blocks"]
    found = await bot.find_markers("C1", ["m-1", "m-2"], before)
    assert found == {"m-1"}
    (call,) = fake_slack.method_calls("conversations.history")
    assert str(call.params["include_all_metadata"]).lower() in ("1", "true")
    assert float(call.params["oldest"]) == pytest.approx(before.timestamp(), abs=1e-3)


async def test_find_markers_respects_oldest_and_pages(app: Briefing, fake_slack: FakeSlack) -> None:
    bot = poster(app, fake_slack)
    now = time.time()
    meta = {"event_type": EVENT_TYPE, "event_payload": {"marker": "old"}}
    fake_slack.add_message("C2", "old digest", now - 7200, metadata=meta)
    for n in range(450):  # three pages of 200
        marker = {"event_type": EVENT_TYPE, "event_payload": {"marker": f"m{n}"}}
        fake_slack.add_message("C2", "digest", now - 3000 + n, metadata=marker)
    fake_slack.add_message("C2", "someone chatting", now - 10)
    oldest = dt.datetime.fromtimestamp(now - 3600, dt.UTC)
    found = await bot.find_markers("C2", ["old", "m0", "m449", "nope"], oldest)
    assert found == {"m0", "m449"}
    assert len(fake_slack.method_calls("conversations.history")) == 3


async def test_rate_limit_is_a_delivery_error_with_retry_after(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    bot = poster(app, fake_slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(DeliveryError) as err:
        await bot.send("C1", {"text": "hi", "blocks": []}, "m")
    assert err.value.retry_after == 7 and not err.value.permanent
    assert len(fake_slack.method_calls("chat.postMessage")) == 1  # the SDK did not retry
    assert await bot.send("C1", {"text": "hi"}, "m")  # the next try goes through


async def test_history_rate_limit(app: Briefing) -> None:
    async with FakeSlack(history_interval=60) as fake:
        bot = poster(app, fake)
        fake.add_message("C3", "x", time.time())
        oldest = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        assert await bot.find_markers("C3", ["a"], oldest) == set()
        with pytest.raises(DeliveryError) as err:
            await bot.find_markers("C3", ["a"], oldest)
        assert err.value.retry_after is not None and 0 < err.value.retry_after <= 60


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "is_archived", "missing_scope"]
)
async def test_lost_access_is_permanent(app: Briefing, fake_slack: FakeSlack, error: str) -> None:
    bot = poster(app, fake_slack)
    fake_slack.fail("chat.postMessage", error=error)
    with pytest.raises(DeliveryError) as err:
        await bot.send("C1", {"text": "hi"}, "m")
    assert err.value.permanent and error in err.value.reason


async def test_server_error_and_network_failure_are_transient(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    bot = poster(app, fake_slack)
    fake_slack.fail("chat.postMessage", status=500, error="internal_error")
    with pytest.raises(DeliveryError) as err:
        await bot.send("C1", {"text": "hi"}, "m")
    assert not err.value.permanent and err.value.retry_after is None
    down = SlackBot(app, SlackSettings(bot_token="xoxb-good", api_url="http://127.0.0.1:9/api/"))
    with pytest.raises(DeliveryError) as err:
        await down.send("C1", {"text": "hi"}, "m")
    assert not err.value.permanent


async def test_invalid_blocks_are_rejected_by_the_fake(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    bot = poster(app, fake_slack)
    bad = {
        "text": "x",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}],
    }
    with pytest.raises(DeliveryError, match="invalid_blocks"):
        await bot.send("C1", bad, "m")
    assert "C1" not in fake_slack.messages


async def test_notify_dms_a_user_or_posts_in_a_channel(
    app: Briefing, fake_slack: FakeSlack
) -> None:
    bot = poster(app, fake_slack)
    await bot.notify("U0ADMIN", "Digest for <#C1> failed: <!channel>")
    (dm,) = fake_slack.messages["DU0ADMIN"]
    assert "<!channel>" not in dm["text"] and "&lt;!channel&gt;" in dm["text"]
    await bot.notify("C0ALERTS", "delivery broke")
    assert fake_slack.messages["C0ALERTS"][0]["text"] == "delivery broke"
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    with pytest.raises(DeliveryError) as err:
        await bot.notify("C0ALERTS", "again")
    assert err.value.permanent
