"""Tests for the sentence splitter: boundaries, abbreviations, quotes and exact offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.analysis.sentences import split_sentences, split_spans

SEED = Path(__file__).resolve().parents[1] / "seeds" / "golden-dome-statement.md"


def _split(text: str) -> list[str]:
    got = split_sentences(text, "d")
    assert all(text[s.start : s.end] == s.text for s in got)
    assert [s.index for s in got] == list(range(len(got)))
    return [s.text for s in got]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An all-caps word that spells an abbreviation is a name: a capitalised word after it
        # starts the next sentence.
        (
            "Job cuts were planned, sources told the FT. But Rover denied the reports.",
            ["Job cuts were planned, sources told the FT.", "But Rover denied the reports."],
        ),
        (
            "It is a breakthrough for patients with MS. Final approval is expected soon.",
            ["It is a breakthrough for patients with MS.", "Final approval is expected soon."],
        ),
        # A sentence may start with a figure, quoted or not.
        (
            "Profits rose. 2004 was a record year for the firm.",
            ["Profits rose.", "2004 was a record year for the firm."],
        ),
        (
            'Sales were strong, it said. "2004 has been a good year," he said.',
            ["Sales were strong, it said.", '"2004 has been a good year," he said.'],
        ),
        ("Costs rose 5%. 80% of them are wages.", ["Costs rose 5%.", "80% of them are wages."]),
    ],
)
def test_boundaries_the_old_splitter_missed(text: str, expected: list[str]) -> None:
    """All-caps names before a period and sentences opening with a figure are split."""
    assert _split(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The statement criticised several U.S. policies in the region.",
        "It accused the U.S. and its allies of raising the risk.",
        "The statement denounced the U.S.-led West and its alliances.",
        "Mr. Smith and Mrs. Jones met Dr. No at the hotel on Jan. 5 this year.",
        "George W. Bush met the press in the Rose Garden on Monday.",
        "The firm, Acme Inc. of Ohio, paid approx. five million dollars.",
        "ST. LOUIS — The mayor spoke to the press on Monday.",
        "Polls showed a modest lead for the governor. [538]",
    ],
)
def test_abbreviations_inside_a_sentence(text: str) -> None:
    """Dotted acronyms, titles, initials and lower-case continuations do not end a sentence."""
    assert _split(text) == [text]


def test_dotted_acronym_before_a_sentence_starter_ends_it() -> None:
    """ "U.S." then "The" is the end of a sentence; "U.S. President" is not."""
    assert _split("Talks stalled in the U.S. The deal was off.") == [
        "Talks stalled in the U.S.",
        "The deal was off.",
    ]
    assert len(_split("He met the U.S. President on Monday.")) == 1


def test_closing_quotes_attach_to_their_sentence() -> None:
    """Straight and curly closing quotes stay with the sentence they end."""
    for open_, close in (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’")):
        text = f"He said: {open_}We will win.{close} Then he left the stage."
        assert _split(text) == [f"He said: {open_}We will win.{close}", "Then he left the stage."]


def test_lower_case_word_after_a_quote_continues_the_sentence() -> None:
    """ "…?” he asked" is one sentence."""
    text = "“Why now?” he asked. “Because it is time!” She smiled."
    assert _split(text) == ["“Why now?” he asked.", "“Because it is time!”", "She smiled."]


def test_line_breaks_end_sentences_and_offsets_are_stripped() -> None:
    """Headings and paragraphs end at a line break; spans hold no surrounding white space."""
    text = "  Key facts\n\nThe council voted.   It was late. \n- a list item\r\nLast one.  "
    spans = split_spans(text)
    assert [text[s:e] for s, e in spans] == [
        "Key facts",
        "The council voted.",
        "It was late.",
        "- a list item",
        "Last one.",
    ]
    assert split_spans("") == [] and split_spans(" \n\n ") == []
    assert _split("No final punctuation") == ["No final punctuation"]


def test_abbreviation_before_a_line_break_still_ends_the_line() -> None:
    """A line break is a boundary even after "Mr." or "U.S."."""
    assert _split("He met Mr.\nSmith was there.") == ["He met Mr.", "Smith was there."]


def test_seed_article_has_seventeen_sentences() -> None:
    """The seed statement, with its unbalanced quotation marks, splits into 17 sentences."""
    body = SEED.read_text(encoding="utf-8").split("---", 2)[2]
    assert len(split_sentences(body)) == 17


def test_chinese_and_japanese_end_sentences_at_full_width_marks() -> None:
    """ "。！？" end a sentence with no space after them; a closing bracket stays with it."""
    zh = "政府宣布了新计划。费用约为二百亿元！批评者认为太贵？他说：“我们会赢。”然后离开了。"
    assert _split(zh) == [
        "政府宣布了新计划。",
        "费用约为二百亿元！",
        "批评者认为太贵？",
        "他说：“我们会赢。”",
        "然后离开了。",
    ]
    ja = "専門家は「実現は難しい」と述べた。費用は増える見込みだ。 The end."
    assert _split(ja) == [
        "専門家は「実現は難しい」と述べた。",
        "費用は増える見込みだ。",
        "The end.",
    ]


def test_hindi_urdu_and_arabic_sentence_marks_end_sentences() -> None:
    """The danda, the Urdu full stop and the Arabic question mark end a sentence."""
    assert _split("सरकार ने योजना की घोषणा की। लागत बढ़ेगी।") == [
        "सरकार ने योजना की घोषणा की।",
        "लागत बढ़ेगी।",
    ]
    urdu = "یہ منصوبہ ہے۔ کیا یہ مہنگا ہے؟ ہاں."
    assert _split(urdu) == ["یہ منصوبہ ہے۔", "کیا یہ مہنگا ہے؟", "ہاں."]
