"""Junk in, no exception out: every extractor and the summariser on random text, offsets intact.

The texts are random runs of letters, marks, quotation marks of every kind, invisible and
non-Latin characters, abbreviations and cue words, from a fixed seed (so a failure repeats).
"""

from __future__ import annotations

import random

import pytest

from bot.analysis import analyse
from bot.analysis.quotes import extract_quotes
from bot.analysis.sentences import split_sentences
from bot.summarise import summarize_text

PIECES = [
    *"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ      ..,,;:!?\"'“”‘’«»()[]—–-…",
    *"\n\n\n0123456789$%£€/\t\ré߯дЖ中文",
    "\u202a",
    "\u200b",
    "\ufeff",
    "Mr.",
    "U.S.",
    " said ",
    " he ",
    "5’2”",
    "According to ",
    " by Times’ ",
    "\n\n",
    "http://x.y/z",
]


def junk(rnd: random.Random) -> str:
    return "".join(rnd.choice(PIECES) for _ in range(rnd.randrange(0, 400)))


@pytest.mark.parametrize("seed", range(4))
def test_random_text_never_raises_and_offsets_hold(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(150):
        text = junk(rnd)
        a = analyse(text, "d", "2025-05-08")
        for item in (*a.sentences, *a.quotes, *a.facts):
            assert text[item.start : item.end] == item.text, (text, item)
        for q in a.quotes:
            if q.speaker_start is not None and q.speaker_end is not None:
                assert 0 <= q.speaker_start <= q.speaker_end <= len(text)
        for e in a.entities:
            assert all(0 <= m.start <= m.end <= len(text) for m in e.mentions)
        got = summarize_text(text, 3)
        assert len(got) <= 3 and all(text[s.start : s.end] == s.text for s in got)
        assert bool(got) == bool(split_sentences(text))


def test_a_lone_determiner_before_a_colon_is_no_source() -> None:
    # Found by the junk test: "a:" made the source rule read a second word that was not there.
    assert extract_quotes("a:«y") == []  # one word nobody says: not offered, and no IndexError
