"""Rendering into embeds: huge results stay within Discord's limits, and the fake agrees."""

from __future__ import annotations

import discord
import pytest
from discord.http import Route

from bot.adapters.discord_embeds import (
    EMBED_TOTAL_MAX,
    brief_embeds,
    card_embeds,
    clean,
    digest_messages,
    fit,
    link,
    quotes_embeds,
    trim,
)
from bot.models import (
    Brief,
    Card,
    Cited,
    Digest,
    DigestSection,
    Entity,
    Fact,
    Quote,
    QuoteHit,
    QuoteList,
    Source,
    TimelineEvent,
    TopicRef,
)
from tests.fakes.discord_api import DiscordAPI, embed_errors

LONG = "word " * 2000  # 10,000 characters


def sources(n: int) -> tuple[Source, ...]:
    return tuple(
        Source(f"doc-{i}", f"Title {i} " + "t" * 300, "2025-01-01", f"https://ex.org/{i}?q=(x)")
        if i % 2
        else Source(f"doc-{i}", f"Untitled {i}", None, None)
        for i in range(n)
    )


def quote(i: int) -> Quote:
    return Quote(LONG, f"Speaker {i} " + "s" * 300, None, None, "said", f"doc-{i}", 0, 10)


def huge_brief() -> Brief:
    return Brief(
        topic=TopicRef("t", "T" * 400),
        as_of="2025-01-01",
        tldr=tuple(Cited(LONG, "doc-1", 0, 1) for _ in range(3)),
        points=tuple(Cited(LONG, f"doc-{i}", 0, 1) for i in range(30)),
        quotes=tuple(quote(i) for i in range(30)),
        entities=tuple(Entity(f"Person {i} " + "p" * 50, "person") for i in range(100)),
        facts=tuple(Fact("figure", LONG[:3000], "1", f"doc-{i}", 0, 1) for i in range(40)),
        sources=sources(60),
    )


def assert_valid(messages: list[list[discord.Embed]]) -> None:
    assert messages
    for embeds in messages:
        assert 1 <= len(embeds) <= 10
        assert sum(len(e) for e in embeds) <= EMBED_TOTAL_MAX
        assert embed_errors([e.to_dict() for e in embeds]) == []


def test_huge_brief_is_split_and_trimmed_within_limits() -> None:
    messages = brief_embeds(huge_brief())
    assert_valid(messages)
    first = messages[0][0]
    assert first.title is not None and len(first.title) == 256 and first.title.endswith("…")
    assert first.description is not None and "more" in first.description  # visible marker
    fields = [f for m in messages for e in m for f in e.fields]
    assert any(f.name == "Sources" for f in fields)
    assert any((f.name or "").endswith("(cont.)") for f in fields)  # nothing silently lost


def test_huge_card_and_quotes_stay_within_limits() -> None:
    b = huge_brief()
    card = Card(
        topic=TopicRef("t", "A card"),
        as_of=None,
        definition=Cited(LONG, "doc-1", 0, 1),
        actors=b.entities,
        timeline=tuple(
            TimelineEvent("2025-01-01", b.facts[0], Cited(LONG, "doc-1", 0, 1)) for _ in range(30)
        ),
        figures=b.facts,
        quotes=b.quotes,
        source_count=60,
        first_seen="2024-01-01",
        last_seen="2025-01-01",
        related=tuple(TopicRef(f"r-{i}", "R") for i in range(40)),
        sources=b.sources,
    )
    assert_valid(card_embeds(card))
    hits = tuple(QuoteHit(quote(i), Cited(LONG, "doc-1", 0, 1), b.sources[1]) for i in range(60))
    messages = quotes_embeds(QuoteList(TopicRef("t", "T"), "Someone", hits))
    assert_valid(messages)
    assert sum(len(e.fields) for m in messages for e in m) == 60  # every quote shown
    assert_valid(quotes_embeds(QuoteList(None, "Nobody", ())))


def test_digest_leaves_room_for_the_marker() -> None:
    section = DigestSection(TopicRef("t", "Topic"), huge_brief(), 3)
    digest = Digest("Daily digest", "2025-01-01T00:00:00", "2025-01-02T00:00:00", (section,) * 12)
    messages = digest_messages(digest, reserve=40)
    assert len(messages) > 1
    for embeds in messages:
        assert sum(len(e) for e in embeds) <= EMBED_TOTAL_MAX - 40
    assert_valid(digest_messages(Digest("Daily", "2025-01-01T00:00:00", "2025-01-02"), 40))


def test_citations_link_to_source_urls_and_text_is_inert() -> None:
    b = Brief(
        topic=TopicRef("t", "Topic"),
        as_of=None,
        tldr=(Cited("Costs *rose* to $5 [see](javascript:alert(1)) @everyone.", "a", 0, 1),),
        points=(Cited("Second point.", "b", 0, 1),),
        sources=(
            Source("a", "A [title]", None, "https://ex.org/a b"),
            Source("b", "B", None, "javascript:alert(1)"),
        ),
    )
    text = brief_embeds(b)[0][0].description or ""
    assert "[\\[1\\]](https://ex.org/a b)" not in text  # a URL with a space is not linked as-is
    assert "\\*rose\\*" in text
    assert "\\[see](javascript:" in text  # escaped: shown as text, not a link
    assert "\\[2\\]" in text  # cited, but no link: the URL is not http(s)
    assert link("A [title]", "https://ex.org/x") == "[A (title)](https://ex.org/x)"
    assert link("B", "javascript:alert(1)") == "B"
    ok = Brief(
        topic=TopicRef("t", "Topic"),
        as_of=None,
        tldr=(Cited("One.", "a", 0, 1),),
        points=(),
        sources=(Source("a", "A", None, "https://ex.org/a"),),
    )
    assert "One. [\\[1\\]](https://ex.org/a)" in (brief_embeds(ok)[0][0].description or "")


def test_trim_and_fit_show_what_was_cut() -> None:
    assert trim("abcdef", 4) == "abc…"
    assert trim("ab\\*cd", 4) == "ab…"  # never a dangling escape
    assert fit(["a" * 10, "b" * 10, "c" * 10], 25) == "a" * 10 + "\n… 2 more"
    assert len(fit(["x" * 5000], 4096)) <= 4096
    assert clean("a\n\n  b *c*") == "a b \\*c\\*"


async def test_the_fake_rejects_an_oversized_embed_like_discord(api: DiscordAPI) -> None:
    client = discord.Client(intents=discord.Intents.none())
    Route.BASE = api.base_url
    try:
        await client.login(api.token)
        bad = discord.Embed(title="x" * 257, description="ok")
        with pytest.raises(discord.HTTPException) as err:
            await client.http.request(
                Route("POST", "/channels/{channel_id}/messages", channel_id=1),
                json={"embeds": [bad.to_dict()]},
            )
        assert err.value.status == 400
        six = [discord.Embed(description="d" * 4000).to_dict() for _ in range(2)]
        with pytest.raises(discord.HTTPException):
            await client.http.request(
                Route("POST", "/channels/{channel_id}/messages", channel_id=1),
                json={"embeds": six},  # 8000 characters in one message
            )
        for messages in (brief_embeds(huge_brief()),):
            for embeds in messages:
                await client.http.request(
                    Route("POST", "/channels/{channel_id}/messages", channel_id=1),
                    json={
                        "embeds": [e.to_dict() for e in embeds],
                        "allowed_mentions": {"parse": []},
                    },
                )
        assert [r.status for r in api.requests_to("POST", r"/channels/1/messages")][:2] == [
            400,
            400,
        ]
        assert all(r.status == 200 for r in api.requests_to("POST", r"/channels/1/messages")[2:])
    finally:
        await client.close()


def test_fake_limits_match_discord() -> None:
    assert embed_errors([{"description": "d" * 4096}]) == []
    assert embed_errors([{"description": "d" * 4097}])
    assert embed_errors([{"fields": [{"name": "n", "value": "v"}] * 26}])
    assert embed_errors([{"fields": [{"name": "n", "value": "v" * 1025}]}])
    assert embed_errors([{"footer": {"text": "f" * 2049}}])
    assert embed_errors([{"author": {"name": "a" * 257}}])
    assert embed_errors([{"title": "t"}] * 11)
