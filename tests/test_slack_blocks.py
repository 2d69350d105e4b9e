"""Block Kit rendering within Slack's limits, and the fake's validation it is checked against."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack_blocks import (
    MAX_BLOCKS,
    Request,
    brief_message,
    card_message,
    digest_messages,
    escape,
    help_message,
    link,
    notice,
    parse,
    quotes_message,
    share_button,
)
from bot.briefing import Briefing
from bot.config import SlackSettings
from bot.models import (
    Brief,
    Cited,
    Digest,
    DigestSection,
    Entity,
    Fact,
    Quote,
    QuoteHit,
    QuoteList,
    Source,
    TopicInfo,
    TopicRef,
)
from tests.fakes.slack_api import FakeSlack, block_error

LONG = "The committee said the missile shield <!channel> would cost a great deal & more. " * 60


def huge_brief(n: int = 40) -> Brief:
    sources = tuple(
        Source(
            f"d{i}",
            f"Report {i} <@U{i}> " + "x" * 300,
            "2025-05-0" + str(i % 9 + 1),
            f"https://example.org/{i}?q=<{i}>&r=|",
        )
        for i in range(n)
    )
    cited = tuple(Cited(LONG, f"d{i}", 0, len(LONG)) for i in range(n))
    quote = Quote(LONG, "A <@U1> speaker", 0, 5, "said", "d1", 0, len(LONG))
    return Brief(
        topic=TopicRef("t", "T" * 400),
        as_of="2025-05-09",
        tldr=cited[:3],
        points=cited,
        quotes=(quote,) * 5,
        entities=tuple(Entity(f"Person {i} <!here>", "person") for i in range(n)),
        facts=tuple(Fact("figure", "$5bn <!channel>", "5", f"d{i}", 0, 4) for i in range(n)),
        sources=sources,
    )


def check(payload: dict[str, Any]) -> str:
    """Assert a payload is valid and within limits; return its JSON for content checks."""
    blocks = payload["blocks"]
    assert block_error(blocks) is None
    assert len(blocks) <= MAX_BLOCKS
    assert len(json.dumps(blocks, ensure_ascii=False)) <= 13_000
    assert payload["text"] and len(payload["text"]) <= 3000
    for b in blocks:
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= 3000
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
    text = json.dumps(blocks, ensure_ascii=False) + payload["text"]
    for live in ("<!channel>", "<!here>", "<@U"):
        assert live not in text
    return text


def test_a_huge_brief_is_trimmed_with_a_marker_not_rejected() -> None:
    payload = brief_message(huge_brief()).payload(share_button(Request("brief", "t")))
    text = check(payload)
    assert "trimmed" in text and "…" in text
    assert payload["blocks"][-1]["type"] == "actions"  # the Share button survives trimming


def test_spare_room_for_the_shared_by_line() -> None:
    payload = brief_message(huge_brief()).payload(spare=1)
    check(payload)
    assert len(payload["blocks"]) <= MAX_BLOCKS - 1


def test_escaping_and_links() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert link("https://e.org/a?b=1&c=<2>", "T <x> | y") == (
        "<https://e.org/a?b=1&amp;c=%3C2%3E|T &lt;x&gt; ¦ y>"
    )
    assert link("javascript:alert(1)", "evil") == "evil"
    assert link(None, "<!here>") == "&lt;!here&gt;"


def test_small_brief_renders_every_part(app: Briefing) -> None:
    text = check(brief_message(app.brief("golden-dome")).payload())
    for part in ("TL;DR", "Key points", "Key quote", "Who is involved", "Sources"):
        assert part in text


def test_card_and_quotes_render_within_limits(app: Briefing) -> None:
    check(card_message(app.card("golden-dome")).payload())
    check(quotes_message(app.quotes("golden-dome")).payload())
    hit = QuoteHit(
        Quote(LONG, "X <!channel>", 0, 1, "said", "d", 0, 1),
        Cited(LONG, "d", 0, 1),
        Source("d", "S <!here>", None, "https://e.org"),
    )
    text = check(quotes_message(QuoteList(None, "X", (hit,) * 60)).payload())
    assert "trimmed" in text


def test_help_with_many_topics() -> None:
    topics = [TopicInfo(f"topic-{i}", f"Topic <!here> {i}", i) for i in range(400)]
    text = check(help_message(SlackSettings().commands, topics).payload())
    assert "topic-0" in text


def test_digest_splits_across_messages_and_keeps_every_section() -> None:
    sections = tuple(
        DigestSection(TopicRef(f"s{i}", f"Topic {i}"), huge_brief(8), 3) for i in range(12)
    )
    payloads = digest_messages(
        Digest("Weekly <!channel>", "2025-05-01T00:00", "2025-05-08T00:00", sections)
    )
    assert len(payloads) > 1
    texts = [check(p) for p in payloads]
    joined = "".join(texts)
    for i in range(12):
        assert f'"Topic {i}"' in joined


def test_notices_are_inert() -> None:
    payload = notice("No quotes by '<!channel>'. Quoted speakers include: <@U1>.")
    assert "&lt;!channel&gt;" in check(payload) and "<" not in payload["text"]


def test_empty_digest_says_nothing_new() -> None:
    (payload,) = digest_messages(Digest("Daily", "2025-05-08T00:00", "2025-05-09T00:00"))
    assert "Nothing new" in check(payload)


def test_parse_commands() -> None:
    assert parse("brief", "") == Request("help")
    assert parse("brief", " help ") == Request("help")
    assert parse("brief", "golden   dome") == Request("brief", "golden dome")
    assert parse("brief", "card golden-dome") == Request("card", "golden-dome")
    assert parse("brief", "quotes speaker: Xi") == Request("quotes", "", "Xi")
    assert parse("quotes", "golden-dome speaker: Xi Jinping") == Request(
        "quotes", "golden-dome", "Xi Jinping"
    )
    assert parse("card", "") == Request("help")
    r = Request("quotes", "t" * 5000, "s")
    assert len(r.to_value()) <= 2000 and Request.from_value(r.to_value()).kind == "quotes"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "divider"}] * 51,
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
        [{"type": "carousel"}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
        [{"type": "section"}],
    ],
)
async def test_the_fake_rejects_known_bad_messages(
    fake_slack: FakeSlack, blocks: list[dict[str, Any]]
) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token="xoxb-good", base_url=fake_slack.base_url)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert err.value.response["error"] == "invalid_blocks"
    assert "C1" not in fake_slack.messages


async def test_the_fake_limits_response_url_uses(app: Briefing) -> None:
    import aiohttp

    now = [0.0]
    async with FakeSlack(clock=lambda: now[0]) as fake, aiohttp.ClientSession() as http:
        url = fake.response_url()
        statuses = []
        for _ in range(6):
            async with http.post(url, json={"text": "hi"}) as resp:
                statuses.append(resp.status)
        assert statuses == [200] * 5 + [404]
        async with http.post(fake.response_url(), json={"blocks": [{"type": "nope"}]}) as resp:
            assert resp.status == 400 and (await resp.json())["error"] == "invalid_blocks"
        now[0] += 31 * 60
        async with http.post(url, json={"text": "later"}) as resp:
            assert resp.status == 200
        assert len(fake.posts(url)) == 6


def test_sync_client_is_not_used() -> None:
    # The adapter is async only: no sync/async twins.
    import bot.adapters.slack as adapter

    assert not any(v is WebClient for v in vars(adapter).values())
