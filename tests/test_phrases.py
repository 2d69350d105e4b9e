"""Key-phrase suggestions: the seed, invented corpora and their document counts."""

from __future__ import annotations

from pathlib import Path

from bot.analysis.entities import lexicons
from bot.analysis.phrases import key_phrases

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "golden-dome-statement.md"


def seed_body() -> str:
    """The seed article's body, without its YAML front matter."""
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2]


def test_seed_suggests_its_recurring_names_and_noun_phrases() -> None:
    phrases = key_phrases([seed_body()], limit=20)
    assert phrases == [
        ("Golden Dome", 1),
        ("nuclear-weapon states", 1),
        ("United States", 1),
        ("Xi Jinping", 1),
        ("joint statement", 1),
        ("military alliances", 1),
        ("missile defense", 1),
        ("strategic stability", 1),
    ]


def test_unfinished_and_longer_variants_give_way() -> None:
    phrases = dict(key_phrases([seed_body()], limit=50))
    # "global missile" is always followed by "defense"; "global strategic stability" adds
    # nothing to "strategic stability".
    for phrase in ("global missile", "global strategic", "global strategic stability"):
        assert phrase not in phrases


def test_phrases_count_documents_and_rank_the_widespread_first() -> None:
    docs = [
        "The carbon tax passed. Critics of the carbon tax met Jane Doe in Oslo.",
        "A carbon tax was debated while wind farms grew. Jane Doe spoke.",
        "Wind farms and the carbon tax: Jane Doe again, wind farms again.",
    ]
    phrases = key_phrases(docs, limit=3)
    assert phrases == [("carbon tax", 3), ("Jane Doe", 3), ("wind farms", 2)]
    assert key_phrases(docs, limit=1) == [("carbon tax", 3)]


def test_phrases_never_start_or_end_with_stopwords_or_verbs() -> None:
    stop = lexicons().stop
    for phrase, _ in key_phrases([seed_body()] * 3, limit=100):
        words = phrase.lower().split()
        assert words[0] not in stop and words[-1] not in stop, phrase
        if phrase.islower():
            assert not words[-1].endswith(("ing", "ed", "ly")), phrase


def test_empty_corpora_and_zero_limits_give_nothing() -> None:
    assert key_phrases([]) == []
    assert key_phrases(["", "   "]) == []
    assert key_phrases([seed_body()], limit=0) == []
    assert key_phrases(iter([seed_body()]), limit=2) == [
        ("Golden Dome", 1),
        (
            "nuclear-weapon states",
            1,
        ),
    ]


def test_names_lose_titles_and_demonyms() -> None:
    docs = [
        "British Prime Minister Keir Starmer spoke. Prime Minister Keir Starmer left.",
        "Then Keir Starmer came, and President Ana Lima too. Later Ana Lima left.",
    ]
    assert key_phrases(docs) == [("Keir Starmer", 2), ("Ana Lima", 1)]
