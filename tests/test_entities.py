"""Named entities by rules and lexicons: the seed, invented edge cases and (if present) BBC dev."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from bot.analysis.entities import extract_entities, lexicons
from bot.models import Entity

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "golden-dome-statement.md"
BBC = ROOT.parent / "shared" / "data" / "bbc-news-summary-dev.jsonl"

US_MENTIONS = ["United States", "U.S.", "U.S.", "U.S.", "U.S.", "U.S.", "America", "America"]
US_MENTIONS += ["United States", "U.S."]
# Every entity the seed should give, with the mentions as written, in order.
SEED_ENTITIES: dict[tuple[str, str], list[str]] = {
    ("China", "place"): ["China"] * 3,
    ("Russia", "place"): ["Russia"] * 4,
    ("United States", "place"): US_MENTIONS,
    ("Beijing", "place"): ["Beijing"],
    ("Moscow", "place"): ["Moscow", "Moscow"],
    ("Washington", "place"): ["Washington"],
    ("Vladimir Putin", "person"): ["Vladimir Putin"],
    ("Xi Jinping", "person"): ["Xi Jinping", "Xi Jinping", "Xi"],
    ("Germany", "place"): ["Germany"],
    ("NATO", "org"): ["NATO"],
    ("Ukraine", "place"): ["Ukraine", "Ukraine"],
    ("Indo-Pacific", "place"): ["Indo-Pacific"],
    ("Terminal High Altitude Area Defense", "org"): [
        "Terminal High Altitude Area Defense",
        "THAAD",
    ],
    ("South Korea", "place"): ["South Korea"],
    ("Philippines", "place"): ["Philippines"],
    ("Space Force", "org"): ["Space Force"],
    ("Starlink", "org"): ["Starlink"],
    ("Elon Musk", "person"): ["Elon Musk"],
    ("SpaceX", "org"): ["SpaceX"],
}


def seed_body() -> str:
    """The seed article's body, without its YAML front matter."""
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2]


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


def mention_texts(text: str, entity: Entity) -> list[str]:
    return [text[m.start : m.end] for m in entity.mentions]


def assert_offsets(text: str, entities: list[Entity]) -> None:
    """Every mention is a non-empty slice, reported once, never a possessive or padded span."""
    seen: set[int] = set()
    for e in entities:
        for m in e.mentions:
            mention = text[m.start : m.end]
            assert mention and mention == mention.strip(), (e, m)
            assert not mention.endswith(("’s", "'s")), (e, mention)
            assert m.start not in seen, (e, m)
            seen.add(m.start)


def test_seed_gives_every_expected_entity_and_mention() -> None:
    text = seed_body()
    entities = extract_entities(text, "golden-dome-statement")
    got = {(e.name, e.kind): mention_texts(text, e) for e in entities}
    assert got == SEED_ENTITIES
    assert all(m.doc_id == "golden-dome-statement" for e in entities for m in e.mentions)
    assert_offsets(text, entities)


def test_seed_person_spans_exclude_titles_demonyms_and_possessives() -> None:
    text = seed_body()
    people = by_name(extract_entities(text))
    putin = people["Vladimir Putin"].mentions[0]
    assert putin.start == text.index("Vladimir Putin")
    assert text[putin.start - len("President ") : putin.start] == "President "
    xi = people["Xi Jinping"].mentions[-1]
    assert text[xi.start : xi.end + 2] == "Xi’s"


def test_seed_leaves_out_openers_days_demonyms_and_events() -> None:
    names = {e.name for e in extract_entities(seed_body())}
    for word in (
        "Thursday",
        "On Thursday",
        "Following",
        "Meanwhile",
        "Lastly",
        "Reflecting",
        "According",
        "Russian",
        "Chinese",
        "President",
        "West",
        "Golden Dome",
        "World War II",
        "Cold War",
        "Nuclear Non-Proliferation Treaty",
        "Typhoon",
    ):
        assert word not in names


def test_titles_give_people_and_later_surnames_link() -> None:
    text = (
        "British Prime Minister Keir Starmer met U.S. Secretary of State Marco Rubio. "
        "Starmer said the talks went well, and Rubio agreed. Mr. Smith was not there."
    )
    entities = extract_entities(text)
    names = by_name(entities)
    assert mention_texts(text, names["Keir Starmer"]) == ["Keir Starmer", "Starmer"]
    assert mention_texts(text, names["Marco Rubio"]) == ["Marco Rubio", "Rubio"]
    assert names["Smith"].kind == "person"
    assert names["United States"].kind == "place"
    assert "British" not in names and "Prime Minister" not in names
    assert_offsets(text, entities)


def test_possessives_both_apostrophes_are_not_part_of_a_mention() -> None:
    text = "Angela Merkel's plan met Merkel’s critics in Germany's parliament and NATO's."
    names = by_name(extract_entities(text))
    assert mention_texts(text, names["Angela Merkel"]) == ["Angela Merkel", "Merkel"]
    assert mention_texts(text, names["Germany"]) == ["Germany"]
    assert mention_texts(text, names["NATO"]) == ["NATO"]


def test_us_variants_and_hyphenated_compounds() -> None:
    text = (
        "The U.S.-led coalition, the US and the United States of America: three names, one place."
    )
    names = by_name(extract_entities(text))
    assert mention_texts(text, names["United States"]) == [
        "U.S.",
        "US",
        "United States of America",
    ]
    assert len(names) == 1


def test_sentence_initial_words_need_more_evidence() -> None:
    text = (
        "Reflecting on it, Officials disagreed. Meanwhile the Ministry of Defence spoke. "
        "Lastly, Despite this, nothing. However, Tuesday came. May 5 was quiet; Theresa May "
        "was not."
    )
    names = by_name(extract_entities(text))
    assert set(names) == {"Ministry of Defence", "Theresa May"}
    assert names["Ministry of Defence"].kind == "org"
    assert names["Theresa May"].kind == "person"


def test_org_suffixes_acronyms_and_inner_capitals() -> None:
    text = (
        "Apple CEO Tim Cook spoke to the Acme Widgets Corp board. The Foreign Intelligence "
        "Review Panel (FIRP) met; later FIRP reported. OpenBridge and the NHS agreed, MPs said."
    )
    names = by_name(extract_entities(text))
    assert names["Apple"].kind == "org"
    assert names["Tim Cook"].kind == "person"
    assert names["Acme Widgets Corp"].kind == "org"
    firp = names["Foreign Intelligence Review Panel"]
    assert mention_texts(text, firp) == ["Foreign Intelligence Review Panel", "FIRP", "FIRP"]
    assert names["OpenBridge"].kind == "org"
    assert names["NHS"].kind == "org"
    assert "MPs" not in names


def test_and_separates_names_unless_an_org_name_holds_it() -> None:
    text = "Vladimir Putin and Xi Jinping met; the Securities and Exchange Commission did not."
    names = by_name(extract_entities(text))
    assert names["Vladimir Putin"].kind == "person"
    assert names["Xi Jinping"].kind == "person"
    assert names["Securities and Exchange Commission"].kind == "org"


def test_speech_cues_and_repeated_surnames_make_people() -> None:
    text = "Jorund Vaskelid said prices rose. Analyst Pia Orrel agreed. Later Vaskelid left."
    names = by_name(extract_entities(text))
    assert mention_texts(text, names["Jorund Vaskelid"]) == ["Jorund Vaskelid", "Vaskelid"]
    assert names["Pia Orrel"].kind == "person"


def test_empty_and_lowercase_texts_have_no_entities() -> None:
    assert extract_entities("") == []
    assert extract_entities("nothing here is capitalised, 42 times over.") == []


def test_lexicons_are_loaded_once_and_stay_small() -> None:
    assert lexicons() is lexicons()
    data = resources.files("bot").joinpath("data")
    sizes = [f.stat().st_size for f in Path(str(data)).glob("entities_*")]
    assert sizes and sum(sizes) < 300_000


@pytest.mark.skipif(not BBC.exists(), reason="shared BBC dev data not present")
def test_bbc_dev_mentions_keep_the_offsets_invariant() -> None:
    with BBC.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(300), f, strict=False)]
    found = 0
    for text in texts:
        entities = extract_entities(text)
        assert_offsets(text, entities)
        found += len(entities)
    assert found > 300 * 5
