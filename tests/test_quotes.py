"""Direct quotations and their speakers: the seed, invented cases and (if present) PolNeAR dev."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from bot.analysis.quotes import extract_quotes
from bot.models import Entity, Mention, Quote

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "golden-dome-statement.md"
DATA = ROOT.parent / "shared" / "data"
JOINT = "China and Russia (joint statement)"

# The seed's quotations: (quote text prefix, speaker mention as written, resolved speaker, cue).
SEED_QUOTES = [
    ("overwhelming military supremacy", "the statement", JOINT, "According to"),
    ("absolute strategic security", "the statement", JOINT, "According to"),
    ("undermining global strategic stability, spurring", "the statement", JOINT, "According to"),
    ("special responsibility", "Xi Jinping", "Xi Jinping", "emphasized"),
    ("The two sides note with concern", "The statement", JOINT, "noted"),
    ("some nuclear-weapon states", "the statement", JOINT, "denounced"),
    (
        "the most pressing strategic risks to be urgently addressed.",
        "the statement",
        JOINT,
        "denounced",
    ),
    ("the two sides strongly condemn such provocative", "It", JOINT, "declaring"),
    # A phrase China uses, quoted as China's: a partial quote with its cue.
    ("small circles", "China", "China", "criticized"),
    # The closing mark has no opening one: the quote starts after the quoted name's noun phrase.
    ("would also turn space into a battlefield.", "the statement", JOINT, "According to"),
    ("use of commercial space systems to interfere", "The statement", JOINT, "condemned"),
    ("military biological activities", "It", JOINT, "accused"),
]


def seed_body() -> str:
    """The seed article's body, without its YAML front matter."""
    raw = SEED.read_text(encoding="utf-8")
    return raw.split("---\n", 2)[2] if raw.startswith("---\n") else raw


def check_offsets(text: str, quotes: list[Quote]) -> None:
    """Every record's offsets give back its text and its speaker mention (at most 8 words)."""
    for q in quotes:
        assert text[q.start : q.end] == q.text
        assert q.text.strip() and q.text[0] not in '“”"' and q.text[-1] not in '“”"'
        if q.speaker_start is not None:
            assert q.speaker_end is not None and q.speaker_start < q.speaker_end
            assert len(text[q.speaker_start : q.speaker_end].split()) <= 8


def mention(text: str, q: Quote) -> str | None:
    """The speaker mention of `q` as written."""
    if q.speaker_start is None or q.speaker_end is None:
        return None
    return text[q.speaker_start : q.speaker_end]


def test_seed_quotes_have_the_right_speakers() -> None:
    text = seed_body()
    quotes = extract_quotes(text, "golden-dome-statement")
    check_offsets(text, quotes)
    got = [(q.text, mention(text, q), q.speaker, q.cue) for q in quotes]
    assert len(got) == len(SEED_QUOTES), got
    for (prefix, said_by, name, cue), (quote, m, speaker, c) in zip(SEED_QUOTES, got, strict=True):
        assert quote.startswith(prefix), (prefix, quote)
        assert (m, speaker, c) == (said_by, name, cue), quote
    assert all(q.doc_id == "golden-dome-statement" for q in quotes)


def test_seed_names_and_scare_quotes_are_not_offered() -> None:
    texts = [q.text.strip(" ,.") for q in extract_quotes(seed_body())]
    for name in ("Golden Dome", "Golden Dome for America", "no-limits"):
        assert name not in texts
    assert not any("Golden Dome" in t for t in texts)


def test_names_titles_and_scare_quotes_are_not_offered() -> None:
    text = (
        "The senator toured the “Freedom Tower” and read “The Art of the Deal” on the way.\n"
        "The so-called “victory” was brief, and the program, dubbed “Blue Sky,” ended."
    )
    assert extract_quotes(text) == []


def test_curly_quote_after_speaker_and_inverted_order() -> None:
    text = (
        "“We will not back down,” Maria Lopez said on Monday. "
        "“The vote is final,” said the chairman. “It will not be reopened,” said Lopez."
    )
    quotes = extract_quotes(text, people=[])
    check_offsets(text, quotes)
    assert [q.text for q in quotes] == [
        "We will not back down,",
        "The vote is final,",
        "It will not be reopened,",
    ]
    assert [mention(text, q) for q in quotes] == ["Maria Lopez", "the chairman", "Lopez"]
    assert quotes[2].speaker == "Maria Lopez"
    assert [q.cue for q in quotes] == ["said", "said", "said"]


def test_straight_quotes_and_pronoun_resolution() -> None:
    text = (
        'Governor Ada Nkemelu met farmers on Tuesday. "Our roads are a disgrace," she told them. '
        'She added: "We will fix every bridge before the rains."'
    )
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert [mention(text, q) for q in quotes] == ["she", "She"]
    assert [q.speaker for q in quotes] == ["Ada Nkemelu", "Ada Nkemelu"]
    assert [q.cue for q in quotes] == ["told", "added"]


def test_nested_quote_is_part_of_the_outer_one() -> None:
    text = "“He told me, ‘Never give up on this town,’ and I never did,” Tom Weir recalled."
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert len(quotes) == 1
    assert quotes[0].text == "He told me, ‘Never give up on this town,’ and I never did,"
    assert quotes[0].speaker == "Tom Weir"


def test_interrupted_and_continued_quotes_keep_the_speaker() -> None:
    text = (
        "“The plant will close,” the company’s chief executive, Ilse Berg, said, “but every worker "
        "will be offered a job elsewhere.”\n\n"
        "“We owe them that much. Nobody will be left behind.”\n\n"
        "The union was not convinced."
    )
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert len(quotes) == 3
    assert quotes[2].text == "We owe them that much. Nobody will be left behind."
    assert {q.speaker for q in quotes} == {"Ilse Berg"}


def test_quote_continued_across_paragraphs_gives_one_record_per_piece() -> None:
    text = (
        "Mayor Kofi Mensah said:\n\n"
        "“The first phase of the housing plan starts in May and will take two years.\n\n"
        "“The second phase depends on the budget the council passes this winter.”"
    )
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert [q.text[:14] for q in quotes] == ["The first phas", "The second pha"]
    assert [q.speaker for q in quotes] == ["Kofi Mensah", "Kofi Mensah"]
    assert quotes[0].speaker_start == quotes[1].speaker_start


def test_unbalanced_closing_mark_quotes_back_to_a_sensible_start() -> None:
    text = "According to the ministry, the new tax would hurt small farms the most.” Others agreed."
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert [q.text for q in quotes] == ["the new tax would hurt small farms the most."]
    assert mention(text, quotes[0]) == "the ministry"
    assert quotes[0].cue == "According to"


def test_unbalanced_opening_mark_runs_to_the_paragraph_end() -> None:
    text = "“The market is overheated and rates must rise, Jan Novak said.\n\nMarkets fell."
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert len(quotes) == 1
    assert quotes[0].text.startswith("The market is overheated")


def test_partial_quote_in_reported_speech() -> None:
    text = "Prime Minister Aino Virtanen warned that the deal carried “unacceptable risks” for us."
    quotes = extract_quotes(text)
    assert [(q.text, mention(text, q), q.cue) for q in quotes] == [
        ("unacceptable risks", "Prime Minister Aino Virtanen", "warned")
    ]
    assert quotes[0].speaker == "Aino Virtanen"


def test_people_give_canonical_names() -> None:
    text = "Xi said the two nations would “stand together in every storm.”"
    people = [Entity("Xi Jinping", "person", (Mention("d", 0, 2),))]
    quotes = extract_quotes(text, "d", people)
    assert [(q.speaker, mention(text, q)) for q in quotes] == [("Xi Jinping", "Xi")]
    # Without the entity list, the name stays as written.
    assert [q.speaker for q in extract_quotes(text, "d")] == ["Xi"]


def test_trailing_according_to_names_the_cited_source() -> None:
    text = "“We will win this state,” Dana Ruiz said, according to the Herald."
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [("the Herald", "according to")]


def test_source_and_colon_without_a_verb() -> None:
    text = "Pollsters at Gallup: “Twenty states are now solidly on one side of the divide.”"
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [("Gallup", ":")]


def test_unattributed_paragraph_of_speech_is_offered_without_a_speaker() -> None:
    text = (
        "The hearing ran late.\n\n"
        "“I have been warning for years that this agency cannot police itself.”"
    )
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert [(q.speaker, q.speaker_start, q.cue) for q in quotes] == [(None, None, None)]


def test_inverted_cue_after_a_comma() -> None:
    text = "“This will be a challenge” for the mayor, said Ruth Kunin. Nobody disagreed."
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [("Ruth Kunin", "said")]


def test_inverted_description_and_one_record_per_piece() -> None:
    text = "“There is no path left,” said one of the advisers, who asked not to be named."
    quotes = extract_quotes(text)
    check_offsets(text, quotes)
    assert [mention(text, q) for q in quotes] == ["one of the advisers"]


def test_markup_attribute_values_are_not_quotes() -> None:
    text = '<tweet author="@newsdesk" datetime="2016-06-29">Polls close at eight.</tweet>'
    assert extract_quotes(text) == []


def test_pronoun_does_not_resolve_to_a_place() -> None:
    text = (
        "The United States sent Maria Gomez to the talks in New York. "
        "She said the deal was “a fair start for everyone at the table.”"
    )
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.speaker) for q in quotes] == [("She", "Maria Gomez")]


def test_pronoun_skips_a_name_of_the_other_sex() -> None:
    text = (
        "Hillary Clinton met Barack Obama on Monday. "
        "She said the talks were “productive and long overdue.”"
    )
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.speaker) for q in quotes] == [("She", "Hillary Clinton")]


def test_people_resolve_pronouns() -> None:
    text = "Mr. Okafor arrived late. He told reporters the plan was “dead on arrival.”"
    people = [Entity("Chidi Okafor", "person", (Mention("d", 4, 10),))]
    quotes = extract_quotes(text, "d", people)
    assert [(mention(text, q), q.speaker) for q in quotes] == [("He", "Chidi Okafor")]


def test_subject_of_a_sentence_with_no_cue_speaks() -> None:
    text = "Senator Mara Quist worried that the fund was becoming “a slush fund for the connected.”"
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.speaker, q.cue) for q in quotes] == [
        ("Senator Mara Quist", "Mara Quist", None)
    ]


def test_weak_cue_inside_a_report_gives_way_to_the_say_verb() -> None:
    text = (
        "Councilman Ade Bello said he expects the board will continue to be “a rubber stamp "
        "for the mayor and her friends.”"
    )
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [("Councilman Ade Bello", "said")]


def test_participle_cue_takes_the_subject_of_the_finite_cue() -> None:
    text = (
        "“The budget is balanced,” Mayor Lena Ortiz said, adding that the city would “hire "
        "two hundred teachers before the autumn term.”"
    )
    quotes = extract_quotes(text)
    assert [mention(text, q) for q in quotes] == ["Mayor Lena Ortiz", "Mayor Lena Ortiz"]


def test_relative_clause_pronoun_speaks() -> None:
    text = (
        "Oren Falk attacked the licensing boards, which he called “a cartel that protects "
        "its own members first.”"
    )
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.speaker) for q in quotes] == [("he", "Oren Falk")]


def test_trailing_reports_names_the_outlet() -> None:
    text = "“We are not going anywhere,” said Dana Lee, the group’s director, reports Radio Nord."
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [("Radio Nord", "reports")]


def test_attributed_titles_are_not_offered_but_short_answers_are() -> None:
    text = (
        "The governor appeared on “Evening Report,” where she said little.\n"
        "Asked whether he would run again, the mayor said, “Never!”"
    )
    quotes = extract_quotes(text)
    assert [(q.text, mention(text, q)) for q in quotes] == [("Never!", "the mayor")]


def test_passive_agent_and_trailing_as_clause() -> None:
    text = (
        "The inquiry was often labeled a “witch hunt against the governor” by Democrats in the "
        "state. She is a “regional candidate with no national base,” as the rival campaign "
        "manager suggested."
    )
    quotes = extract_quotes(text)
    assert [(mention(text, q), q.cue) for q in quotes] == [
        ("Democrats", "labeled"),
        ("the rival campaign manager", "suggested"),
    ]


def test_bench_gold_follows_the_data_readme() -> None:
    bench = _bench()
    text = "“One. Two,” Al said. “Three,” Bo said, “four.”"
    att = {
        "speaker_spans": [[12, 14]],
        "quote_spans": [[0, 5], [6, 11]],  # the annotators cut one quotation in two spans
        "quoted_segments": ["One. … Two,"],
    }
    other = {
        "speaker_spans": [],
        "quote_spans": [[21, 29], [39, 46]],
        "quoted_segments": ["Three,", "four."],
    }
    doc = {"text": text, "quotes": [att, other]}
    golds = bench.gold_quotes(doc)  # type: ignore[attr-defined]
    # Only segments inside one content span are gold; the cut one lies inside neither.
    assert [text[g.start : g.end] for g in golds] == ["Three", "four"]
    # "Three" has no speaker span: no prediction, not even "no speaker", gets it right.
    for speaker in ((30, 32), None):
        pred = bench.Pred(22, 27, speaker)  # type: ignore[attr-defined]
        assert not bench.speaker_right(text, golds[0], pred)  # type: ignore[attr-defined]


def test_empty_and_quote_free_texts() -> None:
    assert extract_quotes("") == []
    assert extract_quotes("No quotation here, he said.") == []


def _bench() -> object:
    spec = importlib.util.spec_from_file_location("bench_quotes", ROOT / "bench" / "quotes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_quotes"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_polnear_dev_scores() -> None:
    path = DATA / "polnear-quotes-dev.jsonl"
    if not path.exists():
        pytest.skip(f"PolNeAR dev data not found at {path} (see DEVELOPERS.md, Data)")
    bench = _bench()
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rows, _ = bench.evaluate(docs, bench.ours)  # type: ignore[attr-defined]
    for doc in docs:
        check_offsets(doc["text"], extract_quotes(doc["text"]))
    assert rows["all"]["quote_f1"] >= 92.0
    assert rows["all"]["e2e_f1"] >= 78.0


def test_described_outer_subject_speaks_for_a_pronoun() -> None:
    text = (
        "The longtime senator said he rarely asks colleagues to campaign for him, “except for "
        "people I am very close to.”"
    )
    quotes = extract_quotes(text)
    assert [mention(text, q) for q in quotes] == ["The longtime senator"]


def test_whoever_is_told_is_not_the_speaker() -> None:
    text = (
        "“All of my friends are teachers and nurses,” Dana Lee, 49, told the Radio Nord. "
        "“I wanted to learn from them.”"
    )
    quotes = extract_quotes(text)
    assert [mention(text, q) for q in quotes] == ["Dana Lee", "Dana Lee"]


def test_possessive_speech_noun_is_not_the_earlier_cue() -> None:
    text = (
        "The campaign shrugged off Trump’s comments, telling reporters, “Nobody here ever "
        "asked for that endorsement.”"
    )
    quotes = extract_quotes(text)
    assert [mention(text, q) for q in quotes] == ["The campaign"]
