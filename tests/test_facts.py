"""Dates and figures with offsets: the seed, invented formats and (if present) BBC dev."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.analysis.facts import extract_facts, worth_listing
from bot.models import Fact

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "golden-dome-statement.md"
BBC = ROOT.parent / "shared" / "data" / "bbc-news-summary-dev.jsonl"
SEED_DATE = "2025-05-08"  # a Thursday

# Every fact the seed should give, in order: (kind, text as written, value).
SEED_FACTS = [
    ("date", "Thursday", "2025-05-08"),
    ("figure", "two countries", "2"),
    ("figure", "two sides", "2"),
    ("figure", "20 bilateral documents", "20"),
    ("figure", "80th anniversary", "80"),
    ("figure", "two sides", "2"),
    ("date", "2022", "2022"),
    ("date", "2019", "2019"),
    ("date", "2020", "2020"),
]


def seed_body() -> str:
    """The seed article's body, without its YAML front matter."""
    return SEED.read_text(encoding="utf-8").split("---\n", 2)[2]


def triples(facts: list[Fact]) -> list[tuple[str, str, str]]:
    return [(f.kind, f.text, f.value) for f in facts]


def assert_offsets(text: str, facts: list[Fact]) -> None:
    """Each fact is the slice it claims to be; facts are in order and never overlap."""
    end = 0
    for f in facts:
        assert text[f.start : f.end] == f.text, f
        assert f.start >= end, f
        end = f.end


def one(text: str, reference_date: str | None = SEED_DATE) -> tuple[str, str, str]:
    facts = extract_facts(text, "d", reference_date)
    assert len(facts) == 1, facts
    assert_offsets(text, facts)
    return triples(facts)[0]


def test_seed_gives_every_expected_date_and_figure() -> None:
    text = seed_body()
    facts = extract_facts(text, "golden-dome-statement", SEED_DATE)
    assert triples(facts) == SEED_FACTS
    assert all(f.doc_id == "golden-dome-statement" for f in facts)
    assert_offsets(text, facts)
    thursday = facts[0]
    assert text[: thursday.end] == "On Thursday"
    invasion = next(f for f in facts if f.value == "2022")
    assert text[invasion.start : invasion.end + len(" invasion")] == "2022 invasion"


def test_seed_weekday_is_not_resolved_without_a_reference_date() -> None:
    values = [f.value for f in extract_facts(seed_body()) if f.kind == "date"]
    assert values == ["2022", "2019", "2020"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It ended May 8, 2025.", ("date", "May 8, 2025", "2025-05-08")),
        ("It ended 8 May 2025.", ("date", "8 May 2025", "2025-05-08")),
        ("It ended on the 8th of May, 2025.", ("date", "8th of May, 2025", "2025-05-08")),
        ("It ended in May 2025.", ("date", "May 2025", "2025-05")),
        ("It ended Sept. 5, 2024.", ("date", "Sept. 5, 2024", "2024-09-05")),
        ("It ended 2025-05-08 at noon.", ("date", "2025-05-08", "2025-05-08")),
        ("It ended on March 3rd.", ("date", "March 3rd", "2025-03-03")),
        ("Back in the 1990s it was new.", ("date", "1990s", "199")),
        ("Its 2022 invasion began.", ("date", "2022", "2022")),
        ("On Monday it began.", ("date", "Monday", "2025-05-05")),
        ("On Friday it began.", ("date", "Friday", "2025-05-02")),
        ("It began last Thursday.", ("date", "last Thursday", "2025-05-01")),
        ("It begins next Friday.", ("date", "next Friday", "2025-05-09")),
        ("It began yesterday.", ("date", "yesterday", "2025-05-07")),
        ("It began last week.", ("date", "last week", "2025-W18")),
        ("It began last month.", ("date", "last month", "2025-04")),
        ("It began last year.", ("date", "last year", "2024")),
    ],
)
def test_dates_are_normalised_to_iso(text: str, expected: tuple[str, str, str]) -> None:
    assert one(text) == expected


def test_relative_dates_need_a_reference_and_day_month_falls_back() -> None:
    assert extract_facts("It began on Monday, yesterday.") == []
    assert one("It began on May 8.", None) == ("date", "May 8", "--05-08")
    assert one("It began on May 8.", "2024-12-31T10:00:00Z") == ("date", "May 8", "2025-05-08")
    assert one("It began on May 8.", "2024-07-31") == ("date", "May 8", "2024-05-08")
    assert one("It ended 11 November.", "2005-01-15") == ("date", "11 November", "2004-11-11")
    assert one("Due February 29.", "2025-01-10") == ("date", "February 29", "2024-02-29")
    assert extract_facts("On Monday.", "not a date") == []


def test_impossible_days_and_implausible_years_are_not_dates() -> None:
    assert [f.value for f in extract_facts("February 30, 2024 came.", "d", SEED_DATE)] == ["2024"]
    assert extract_facts("Code 1850x and 3021 and 12345 and 2025.5 stayed.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They hold $5 billion now.", ("figure", "$5 billion", "5000000000")),
        ("They hold £600m now.", ("figure", "£600m", "600000000")),
        ("They hold US$1.2bn now.", ("figure", "US$1.2bn", "1200000000")),
        ("They hold €3,250,000.50 now.", ("figure", "€3,250,000.50", "3250000.5")),
        ("Prices rose 3.5% in all.", ("figure", "3.5%", "3.5")),
        ("Prices rose 45 per cent in all.", ("figure", "45 per cent", "45")),
        ("They sent 1,500 troops to it.", ("figure", "1,500 troops", "1500")),
        ("They pump 2.5 million barrels a day.", ("figure", "2.5 million barrels", "2500000")),
        ("Some 2000 people came.", ("figure", "2000 people", "2000")),
        ("It marks the 80th anniversary of it.", ("figure", "80th anniversary", "80")),
        ("Over 20 bilateral documents were signed.", ("figure", "20 bilateral documents", "20")),
        ("The two countries agreed.", ("figure", "two countries", "2")),
        ("Three ministers resigned.", ("figure", "Three ministers", "3")),
        ("A 20-year-old man was held.", ("figure", "20-year-old", "20")),
    ],
)
def test_figures_keep_their_unit_or_noun(text: str, expected: tuple[str, str, str]) -> None:
    assert one(text) == expected


def test_bare_numbers_times_and_model_names_are_not_figures() -> None:
    text = "At 10:30 the F-35 and COVID-19 came up 3 to 1, and one of them left."
    assert extract_facts(text, "d", SEED_DATE) == []


def test_a_year_is_a_date_and_never_also_a_figure() -> None:
    text = "In 2019 some 300 soldiers and 2,000 tanks moved; by 2020 it was over."
    facts = extract_facts(text, "d", SEED_DATE)
    assert triples(facts) == [
        ("date", "2019", "2019"),
        ("figure", "300 soldiers", "300"),
        ("figure", "2,000 tanks", "2000"),
        ("date", "2020", "2020"),
    ]
    assert_offsets(text, facts)


def test_years_in_ranges_and_after_prepositions_stay_dates() -> None:
    text = "From 2019 to 2020, the summer of 2021, nearly 2000 votes."
    assert triples(extract_facts(text, "d", SEED_DATE)) == [
        ("date", "2019", "2019"),
        ("date", "2020", "2020"),
        ("date", "2021", "2021"),
        ("figure", "2000 votes", "2000"),
    ]


def test_quotes_and_punctuation_around_trigger_words() -> None:
    text = "(Thursday) and “yesterday,” they said; Two sides met—Monday— alone."
    assert triples(extract_facts(text, "d", SEED_DATE)) == [
        ("date", "Thursday", "2025-05-08"),
        ("date", "yesterday", "2025-05-07"),
        ("figure", "Two sides", "2"),
        ("date", "Monday", "2025-05-05"),
    ]


@pytest.mark.skipif(not BBC.exists(), reason="shared BBC dev data not present")
def test_bbc_dev_facts_keep_the_offsets_invariant() -> None:
    with BBC.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(300), f, strict=False)]
    kinds = {"date": 0, "figure": 0}
    for text in texts:
        facts = extract_facts(text, "d", "2005-01-15")
        assert_offsets(text, facts)
        for fact in facts:
            kinds[fact.kind] += 1
            assert fact.value
    assert kinds["date"] > 100 and kinds["figure"] > 300


def test_small_spelled_out_counts_are_not_listed_as_figures() -> None:
    text = "The two countries signed 20 bilateral documents on Thursday, one official said."
    listed = [
        f.text for f in extract_facts(text, "d", reference_date="2025-05-08") if worth_listing(f)
    ]
    assert listed == ["20 bilateral documents", "Thursday"]


def test_a_counted_noun_is_a_whole_lower_case_word() -> None:
    """ "6 million iPods" does not count "i"; "25 million portable players" keeps its noun."""
    text = "Apple sold 6 million iPods and 25 million portable players."
    got = [f.text for f in extract_facts(text, "d")]
    assert got == ["6 million", "25 million portable players"]
