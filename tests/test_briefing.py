"""The facade on the seed corpus: the brief's JSON contract, offsets, facts, errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.briefing import Briefing
from bot.errors import BriefbotError, UnknownDocument, UnknownTopic
from bot.topics import TopicBook
from tests.conftest import BRIEFS

TOPICS = [t.slug for t in TopicBook(BRIEFS).all()]


def _text(app: Briefing, doc_id: str) -> str:
    return app.document(doc_id).text


def _brief_lines(data: dict[str, object]) -> list[str]:
    lines = [c["text"] for c in data["tldr"] + data["points"]]  # type: ignore[operator]
    return lines + [q["text"] for q in data["quotes"]]  # type: ignore[union-attr]


def test_brief_json_contract(app: Briefing) -> None:
    data = json.loads(app.render(app.brief("golden-dome"), "json"))
    assert set(data) == {
        "topic",
        "as_of",
        "tldr",
        "points",
        "quotes",
        "entities",
        "facts",
        "sources",
    }
    assert data["topic"] == {"slug": "golden-dome", "title": "Golden Dome missile defense"}
    assert data["as_of"] == "2025-05-08"
    assert 1 <= len(data["tldr"]) <= 2
    assert 3 <= len(data["points"]) <= 5
    for c in data["tldr"] + data["points"]:
        assert set(c) == {"text", "doc_id", "start", "end"}
    for s in data["sources"]:
        assert set(s) == {"id", "title", "date", "url"}
    assert data["sources"][0]["id"] == "golden-dome-statement"
    for q in data["quotes"]:
        assert set(q) == {
            "text",
            "speaker",
            "speaker_start",
            "speaker_end",
            "cue",
            "doc_id",
            "start",
            "end",
        }
    for e in data["entities"]:
        assert set(e) == {"name", "kind", "mentions"} and e["kind"] in {"person", "org", "place"}
    for f in data["facts"]:
        assert set(f) == {"kind", "text", "value", "doc_id", "start", "end"}


@pytest.mark.parametrize("slug", TOPICS)
def test_offsets_invariant_for_every_item(app: Briefing, slug: str) -> None:
    data = app.brief(slug).to_dict()
    for c in data["tldr"] + data["points"] + data["quotes"] + data["facts"]:
        assert _text(app, c["doc_id"])[c["start"] : c["end"]] == c["text"]
    for q in data["quotes"]:
        if q["speaker_start"] is not None:
            mention = _text(app, q["doc_id"])[q["speaker_start"] : q["speaker_end"]]
            assert mention and len(mention.split()) <= 8
    for e in data["entities"]:
        for m in e["mentions"]:
            assert _text(app, m["doc_id"])[m["start"] : m["end"]].strip()


@pytest.mark.parametrize("slug", TOPICS)
def test_brief_contains_its_facts_cited_once(app: Briefing, slug: str) -> None:
    topic = app.topic_book.get(slug)
    assert topic is not None and len(topic.facts) >= 3
    data = app.brief(slug).to_dict()
    lines = _brief_lines(data)
    cited = [(c["doc_id"], c["start"]) for c in data["tldr"] + data["points"]]
    assert len(cited) == len(set(cited)), "a sentence is repeated"
    for fact in topic.facts:
        assert any(fact in line for line in lines), f"{slug}: missing fact {fact!r}"


def test_tldr_starts_a_thought(app: Briefing) -> None:
    for slug in TOPICS:
        words = app.brief(slug).tldr[0].text.split()
        assert words[0] not in {"It", "This", "But", "Also", "He", "She", "They"}, slug
        assert words[:2] != ["In", "it,"], slug


def test_free_text_query_and_unknown_topic(app: Briefing) -> None:
    brief = app.brief("arms race")
    assert brief.topic.slug == "arms-race"
    assert any("arms race" in c.text for c in brief.tldr + brief.points)
    with pytest.raises(UnknownTopic) as info:
        app.brief("golden-doom-xyzzy")
    assert "golden-dome" in info.value.closest
    assert "golden-dome" in str(info.value)


def test_since_filters_by_document_date(app: Briefing) -> None:
    assert app.brief("golden-dome", since=dt.date(2025, 5, 1)).points
    with pytest.raises(BriefbotError, match="since 2025-06-01"):
        app.brief("golden-dome", since=dt.date(2025, 6, 1))


def test_text_and_markdown_rendering(app: Briefing) -> None:
    brief = app.brief("golden-dome")
    text = app.render(brief, "text")
    assert text.startswith("Golden Dome missile defense: briefing as of 2025-05-08")
    assert "TL;DR" in text and "Sources" in text and "[1]" in text
    md = app.render(brief, "markdown")
    assert md.startswith("## Golden Dome missile defense") and "**Key points**" in md
    with pytest.raises(BriefbotError, match="Unknown format"):
        app.render(brief, "yaml")


def test_prose_counts_are_not_listed_as_figures(app: Briefing) -> None:
    # "the two countries" is in the brief's sentences, but a reader scans figures for numbers.
    facts = app.brief("nuclear-risk").facts
    assert facts and not any(f.text.startswith(("two ", "one ")) for f in facts)
    card = app.card("china-russia-partnership")
    assert [f.text for f in card.figures] == ["20 bilateral documents", "80th anniversary"]


def test_a_point_that_points_back_comes_with_its_antecedent(app: Briefing) -> None:
    """ "In it, they condemned …" is cited with the sentence that says what "it" is."""
    brief = app.brief("golden-dome")
    (point,) = [p for p in brief.points if "In it, they condemned" in p.text]
    assert point.text.startswith("Following a meeting in Moscow")
    doc = app.store.document(point.doc_id)
    assert doc is not None and doc.text[point.start : point.end] == point.text


def test_key_quotes_are_whole_statements_where_there_are_any(app: Briefing) -> None:
    """ "“overwhelming military supremacy”" ranks first in its passage; a statement is shown."""
    quotes = app.brief("nuclear-risk").quotes
    assert quotes and all(len(q.text.split()) >= 5 for q in quotes)
    # With no longer quote on the topic, a short one is still the key quote.
    assert [q.text for q in app.brief("china-russia-partnership").quotes] == [
        "special responsibility"
    ]


def test_empty_sections_have_no_heading(app: Briefing) -> None:
    brief = app.brief("Starlink")  # one passage: a TL;DR and no key points
    assert brief.tldr and not brief.points
    assert "Key points" not in app.render(brief, "text")
    assert "Key points" not in app.render(brief, "markdown")


def test_rendered_cues_read_as_a_citation(app: Briefing) -> None:
    # Stored as written ("According to" opens its sentence); cited before the name.
    text = app.render(app.quotes("golden-dome"), "text")
    assert "according to China and Russia (joint statement);" in text
    assert "According to" not in text.split("in:")[0]
    md = app.render(app.brief("golden-dome"), "markdown")
    assert "(according to China and Russia (joint statement))" in md
    xi = app.render(app.quotes(None, "Xi"), "text")
    assert "   Xi Jinping; " in xi  # "emphasized" is the cue, not part of the citation


def test_topic_template_override(app: Briefing, tmp_path: Path) -> None:
    briefs = tmp_path / "briefs"
    (briefs / "templates").mkdir(parents=True)
    for p in (BRIEFS / "templates").iterdir():
        (briefs / "templates" / p.name).write_text(p.read_text())
    (briefs / "templates" / "short.txt.j2").write_text("SHORT {{ topic.slug }}")
    (briefs / "golden-dome.yaml").write_text(
        (BRIEFS / "golden-dome.yaml").read_text() + "templates:\n  brief: short.txt.j2\n"
    )
    from bot.render import Renderer

    app.topic_book = TopicBook(briefs)
    app.renderer = Renderer(briefs / "templates")
    assert app.render(app.brief("golden-dome"), "text") == "SHORT golden-dome\n"


def test_documents_forget_and_topics(app: Briefing) -> None:
    [doc] = app.documents()
    assert doc.doc_id == "golden-dome-statement" and doc.sentences == 17
    counts = {t.slug: t.documents for t in app.topics()}
    assert counts["golden-dome"] == 1
    app.forget("golden-dome-statement")
    assert app.documents() == []
    with pytest.raises(UnknownDocument):
        app.forget("golden-dome-statement")
    with pytest.raises(BriefbotError, match="Nothing about"):
        app.brief("golden-dome")


def test_reindex_reanalyses_stored_text(app: Briefing) -> None:
    assert app.reindex() == 0  # nothing stale
    assert app.reindex(everything=True) == 1
    assert app.brief("golden-dome").points


def test_search_ranks_and_highlights(app: Briefing) -> None:
    hits = app.search("space battlefield")
    assert hits and "[battlefield]" in hits[0].snippet
    assert hits == sorted(hits, key=lambda h: -h.score)
    with pytest.raises(BriefbotError):
        app.search("  ?! ")
