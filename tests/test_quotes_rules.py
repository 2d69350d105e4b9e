"""Speaker and offer rules of the quote extractor, one invented sentence each."""

from __future__ import annotations

import pytest

from bot.analysis.contexts import outside_tokens
from bot.analysis.marks import find_pieces
from bot.analysis.quotes import extract_quotes
from bot.models import Quote

# (text, the first words of the quote, its speaker mention as written).
SPEAKERS = [
    # A pronoun gives way to an outer subject only through a say-verb right before it.
    (
        "Mayor Ortiz said late Tuesday that she would attend the summit, although she wrote "
        "that she “rejects the premise of the meeting.”",
        "rejects the premise",
        "she",
    ),
    # "Harris’" is a possessive: "comments" is a noun, not a cue with Harris as subject.
    (
        "Lopez didn’t seem impressed with Harris’ remarks Monday, telling reporters, "
        "“The plan is late.”",
        "The plan is late",
        "Lopez",
    ),
    # A capitalized "-ly" word is a name, not a fronted adverb.
    (
        "Kelly Marsh threw her support behind the mayor Wednesday, saying it is time for "
        "“a steady hand at city hall.”",
        "a steady hand",
        "Kelly Marsh",
    ),
    # A fronted past participle is skipped when finding the sentence's subject.
    (
        "Alarmed at the cost, Ramirez believes the city needs “a real budget and a real plan "
        "for it.”",
        "a real budget",
        "Ramirez",
    ),
    # A sentence led by a connective goes on with the previous speaker.
    (
        "“We will win,” Ortiz said. But “the fight is long and it will be hard.”",
        "the fight is long",
        "Ortiz",
    ),
    ("The mayor met the unions. But, said Ortiz, “nothing is settled yet.”", "nothing", "Ortiz"),
    # Any speech verb right after a quotation that opens its sentence comes before its subject.
    ("“This is fantastic!” beamed Dana Ruiz of Tulsa.", "This is fantastic", "Dana Ruiz"),
    # "said of the senator": who is spoken of does not speak.
    (
        "“He has many supporters here,” Blunt, after a pause, said of the senator.",
        "He has many",
        "Blunt",
    ),
    (
        "Because of the schedule, explained Rosen, “the race will be over by March.”",
        "the race",
        "Rosen",
    ),
    (
        "As if answering the governor, the Illinois Board of Elections was firm in its findings: "
        "“Further discussion is unnecessary.”",
        "Further discussion",
        "the Illinois Board of Elections",
    ),
    # A signature line after a quoted paragraph.
    (
        '"The plan does not add up at all."\n\n- Ortiz.\n\nThe council meets Monday.',
        "The plan does not",
        "Ortiz",
    ),
    (
        "The rally went on for hours, with many marchers chanting “Save our schools” in the rain.",
        "Save our schools",
        "many marchers",
    ),
    # A fronted prepositional phrase between a name and its verb is skipped.
    (
        "Clinton, during a town hall in Columbus, Ohio, said she was “going to fix the roads.”",
        "going to fix",
        "Clinton",
    ),
    (
        "Speaker of the House Paul Ryan said “there is no place for that in this campaign.”",
        "there is no place",
        "Speaker of the House Paul Ryan",
    ),
    (
        "“Our method works better than any other,” Braynard is quoted as saying. "
        "“We call every voter twice.”",
        "We call every voter",
        "Braynard",
    ),
    # A cue inside a closed relative clause says nothing of the quotation after it.
    (
        "He said the plan, which critics have argued was rushed, was an “insult” to voters.",
        "insult",
        "He",
    ),
    ("When he returned he began by saying, “The ruling stands as written.”", "The ruling", "he"),
    # A long fronted phrase, and a clause with a time word, before the subject.
    (
        "On the eve of his election to a fourth term as prime minister of the country in March, "
        "Netanyahu rallied supporters by warning that “the left is coming.”",
        "the left is coming",
        "Netanyahu",
    ),
    (
        "She escalated her criticism on Tuesday, telling CNN that the senator is a “fraud.”",
        "fraud",
        "She",
    ),
    # A source set off from a headline by a dash, before a colon.
    (
        "Pollsters agree - Dana Ruiz: “Keep on calling voters as late as you can.”",
        "Keep on calling",
        "Dana Ruiz",
    ),
    # A cited outer source: "according to the report", "…, the Chicago Tribune reports.".
    (
        "The witness said the order was to “avoid any effect on the vote,” according to the "
        "report. Nobody answered.",
        "avoid any effect",
        "the report",
    ),
    (
        "Fans also chanted, “Build a wall,” referring to the candidate’s plan, the Chicago "
        "Tribune reports.",
        "Build a wall",
        "the Chicago Tribune",
    ),
    (
        "Richards noted that the issue is “central” to the platform, reported the Valley Examiner.",
        "central",
        "the Valley Examiner",
    ),
    (
        "“Is this a priority for the two of them?” Ortiz said at a press conference, according "
        "to the Valley Sun.",
        "Is this a priority",
        "the Valley Sun",
    ),
    # A sentence opened by "According to X," cites X for what its clause reports.
    (
        "According to the Valley Post, Ortiz praised her “wonderful donors” in the audience.",
        "wonderful donors",
        "the Valley Post",
    ),
    # A name after "speaking to" is the object of a participle inside the subject.
    (
        "Another intelligence source speaking to Valley News said, “The agents are close.”",
        "The agents",
        "Another intelligence source speaking to Valley News",
    ),
    # A parenthetical say-clause earlier in the sentence gives its speaker.
    (
        "The move, Carr explained, was the result of years of work, an investment he thinks has "
        "been a “head start on the others.”",
        "head start",
        "Carr",
    ),
    (
        "The paradox of the race, says Ann Lowe, a historian, is that it was “the closest in "
        "decades.”",
        "the closest",
        "Ann Lowe",
    ),
    (
        "Cory James, 22, of Flint, Mich., said he hoped for a convention “surprise,” like many.",
        "surprise",
        "Cory James",
    ),
    # After a quotation closed by a comma, the subject may run long before its verb.
    (
        "“The device could be tested within a year,” nuclear experts Ann Lowe and Sam Ortiz of "
        "the Institute for Science and International Security wrote in May.",
        "The device",
        "nuclear experts Ann Lowe and Sam Ortiz of the Institute for Science and International "
        "Security",
    ),
]


def mention(text: str, q: Quote) -> str | None:
    """The speaker mention of `q` as written."""
    if q.speaker_start is None or q.speaker_end is None:
        return None
    return text[q.speaker_start : q.speaker_end]


@pytest.mark.parametrize(("text", "prefix", "said_by"), SPEAKERS)
def test_speaker_rules(text: str, prefix: str, said_by: str) -> None:
    quote = next(q for q in extract_quotes(text) if q.text.startswith(prefix))
    got = mention(text, quote)
    assert got is not None
    # A mention is at most eight words, cut from the left: the gold may be longer.
    assert said_by.endswith(got), (got, said_by)


def test_resolved_name_drops_a_title_with_of() -> None:
    text = "Speaker of the House Paul Ryan said “there is no place for that in this campaign.”"
    assert [q.speaker for q in extract_quotes(text)] == ["Paul Ryan"]


def test_someones_words_as_a_verbs_object_are_offered() -> None:
    text = (
        "Within minutes, he called Rubio “Little Marco” several times. Cruz said “CNN” five "
        "times. Protesters kept chanting “Dump Trump.” He held up a sign which read “Vote Early.”"
    )
    assert [q.text.strip(" .") for q in extract_quotes(text)] == [
        "Little Marco",
        "CNN",
        "Dump Trump",
        "Vote Early",
    ]


def test_names_given_to_things_are_still_not_offered() -> None:
    text = (
        "She wrote a book called “Women Who Work” and read “The Art of the Deal” twice. "
        "He made a call to ABC’s “This Week” on Sunday, and a group called the “Good Neighbors” "
        "met."
    )
    assert extract_quotes(text) == []


def test_markup_attribute_values_with_line_breaks_are_not_quotes() -> None:
    text = (
        '<tweet tweet-author="@example" tweet-date="January 19, 2016\n">I will always be a fan.'
        "<tweet/>\n\nThe rally was “a great success,” the mayor said."
    )
    assert [q.text for q in extract_quotes(text)] == ["a great success,"]


def test_pieces_with_no_word_are_dropped() -> None:
    text = "It is like 6’2”,” he said. “\u202a” is not a quote."
    assert all(any(c.isalnum() for c in text[p.start : p.end]) for p in find_pieces(text))


def test_outside_tokens_skip_every_quotation_in_a_window() -> None:
    text = "Ortiz said “one” and “two” and then, “three,” she added."
    quoted = [(p.start - p.opened, p.end + p.closed) for p in find_pieces(text)]
    got = outside_tokens(text, (0, len(text)), quoted, [s for s, _ in quoted])
    assert [t.text for t in got] == ["Ortiz", "said", "and", "and", "then", ",", "she", "added"]
    # A window that starts inside a quotation.
    got = outside_tokens(text, (13, len(text)), quoted, [s for s, _ in quoted])
    assert [t.text for t in got] == ["and", "and", "then", ",", "she", "added"]


def test_a_short_piece_a_speech_verb_introduces_is_offered() -> None:
    text = "In a new poll of county voters, about half said they were “worried” about the budget."
    assert [q.text for q in extract_quotes(text)] == ["worried"]


def test_scare_quotes_and_titles_with_no_speech_verb_are_still_not_offered() -> None:
    text = (
        "The governor was a “reformer” in the eyes of some donors. The report, entitled "
        "“A Tale of Two Budgets,” was released on Monday."
    )
    assert extract_quotes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Sunday on WXYZ’s “Morning Hour,” Rep. Dana Ortiz said the plan was ready.",
        "In an interview with “Morning Hour,” Ortiz said the plan was ready.",
        "In an appearance on “City Desk,” Mayor Ortiz said the plan was ready.",
    ],
)
def test_a_shows_name_before_its_guest_is_not_offered(text: str) -> None:
    assert extract_quotes(text) == []


def test_a_one_word_answer_before_its_speaker_is_still_offered() -> None:
    text = "The mayor was asked who would pay. “Taxpayers,” Ortiz said on Monday."
    assert [q.speaker for q in extract_quotes(text)] == ["Ortiz"]


def test_a_headline_with_its_byline_is_not_offered() -> None:
    text = (
        "READS—“Harbor ferry to add a night route,” by the Courier’s Dana Ortiz: The city "
        "will add a late ferry in May. http://example.com/ferry\n\n"
        "“The late route is for nurses,” Ortiz said."
    )
    assert [q.text for q in extract_quotes(text)] == ["The late route is for nurses,"]


def test_a_mark_glued_between_sentences_opens_the_next_quotation() -> None:
    text = '"We stayed," said a baker who asked not to be named."Then the rent doubled."'
    assert [q.text for q in extract_quotes(text)] == ["We stayed,", "Then the rent doubled."]


def test_a_wrapped_line_does_not_end_the_quotation() -> None:
    text = "“The council has spent its reserve on roads and\nbridges,” Ortiz said.\n\nNext item."
    assert [q.text for q in extract_quotes(text)] == [
        "The council has spent its reserve on roads and\nbridges,"
    ]


def test_a_signature_line_is_not_a_quotation() -> None:
    text = (
        "Readers wrote in.\n\n"
        '"The bus comes late every single morning, and nobody answers the phone.\n'
        'Dana Ortiz, a nurse on the north side."\n\nThe city did not reply.'
    )
    quotes = extract_quotes(text)
    assert [q.text[:12] for q in quotes] == ["The bus come"]


def test_an_invisible_mark_before_a_misplaced_closing_mark_opens() -> None:
    text = "Readers replied.\n\n\u202a”The bridge must stay open,” wrote Dana Ortiz."
    quotes = extract_quotes(text)
    assert [(q.text, q.speaker) for q in quotes] == [("The bridge must stay open,", "Dana Ortiz")]


def test_a_height_is_not_a_quotation_mark() -> None:
    text = "“He is only 5’2”. You know what they say about short mayors? They try harder.”"
    assert [q.text[:6] for q in extract_quotes(text)] == ["He is "]


def test_a_parenthesis_is_not_part_of_the_speakers_name() -> None:
    """A party tag after the name and a dateline before it are left out of the mention."""
    text = (
        "“Deals should not be a requirement,” Chairman Jason Chaffetz (R-Utah) said.\n"
        "LONDON (Reuters) - Donald Trump said the vote was “a great thing.”"
    )
    got = [(q.speaker, text[q.speaker_start : q.speaker_end]) for q in extract_quotes(text)]
    assert got == [
        ("Jason Chaffetz", "Chairman Jason Chaffetz"),
        ("Donald Trump", "Donald Trump"),
    ]
