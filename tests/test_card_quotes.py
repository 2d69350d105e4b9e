"""Fact cards and quote search through the facade, on the seed corpus."""

from __future__ import annotations

import json

import pytest

from bot.briefing import Briefing
from bot.errors import BriefbotError


def test_card_contract_and_content(app: Briefing) -> None:
    card = app.card("golden-dome")
    data = json.loads(app.render(card, "json"))
    assert set(data) == {
        "topic",
        "as_of",
        "definition",
        "actors",
        "timeline",
        "figures",
        "quotes",
        "source_count",
        "first_seen",
        "last_seen",
        "related",
        "sources",
    }
    assert "Golden Dome" in data["definition"]["text"]
    assert data["source_count"] == 1
    assert data["first_seen"] == data["last_seen"] == "2025-05-08"
    assert [t["date"] for t in data["timeline"]] == sorted(t["date"] for t in data["timeline"])
    assert {"2019", "2020"} <= {t["date"] for t in data["timeline"]}
    assert "space-militarization" in [r["slug"] for r in data["related"]]
    text = app.document("golden-dome-statement").text
    for item in [data["definition"], *data["figures"], *data["quotes"]]:
        assert text[item["start"] : item["end"]] == item["text"]
    for t in data["timeline"]:
        assert text[t["fact"]["start"] : t["fact"]["end"]] == t["fact"]["text"]
        assert text[t["sentence"]["start"] : t["sentence"]["end"]] == t["sentence"]["text"]
    assert "What it is" in app.render(card, "text")
    assert app.render(card, "markdown").startswith("## Golden Dome missile defense: fact card")


def test_quotes_by_speaker_matches_surname_and_full_name(app: Briefing) -> None:
    by_surname = app.quotes(speaker="Xi")
    by_name = app.quotes(speaker="Xi Jinping")
    assert [h.quote for h in by_surname.hits] == [h.quote for h in by_name.hits]
    assert [h.quote.text for h in by_name.hits] == ["special responsibility"]
    hit = by_name.hits[0]
    assert hit.quote.speaker == "Xi Jinping" and hit.quote.cue == "emphasized"
    assert "special responsibility" in hit.sentence.text
    assert hit.source.id == "golden-dome-statement"


def test_quotes_on_topic_have_context_and_no_names(app: Briefing) -> None:
    result = app.quotes("golden-dome")
    assert result.hits
    for h in result.hits:
        assert h.quote.text not in {"Golden Dome", "Golden Dome for America"}
        assert h.sentence.start <= h.quote.start and h.quote.end <= h.sentence.end
    data = json.loads(app.render(result, "json"))
    assert set(data) == {"topic", "speaker", "quotes"}
    assert {"sentence", "source", "speaker", "cue"} <= set(data["quotes"][0])


def test_quotes_errors_are_helpful(app: Briefing) -> None:
    with pytest.raises(BriefbotError, match="Name a topic or a speaker"):
        app.quotes()
    with pytest.raises(BriefbotError, match="No quotes by 'Nobody Atall'"):
        app.quotes(speaker="Nobody Atall")


def test_autocomplete(app: Briefing) -> None:
    assert [t.slug for t in app.complete_topic("gold")] == ["golden-dome"]
    assert len(app.complete_topic("")) <= 25
    assert "Xi Jinping" in app.complete_speaker("xi")
