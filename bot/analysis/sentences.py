"""Sentence splitting with character offsets, robust to abbreviations and quotation marks."""

from __future__ import annotations

import re

from bot.models import Sentence

# Abbreviations that never end a sentence: they precede a name or a number.
_TITLES = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt cmdr adm gov sen rep pres st rev hon fr sr
    jr no nos vol fig figs pp ca approx vs v etc inc corp ltd co bros dept est univ ave blvd
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft al""".split()
)
# Sentence starters that make an ambiguous abbreviation ("U.S.", "Inc.") end a sentence.
_STARTERS = frozenset(
    """the a an it its he she they we i this that these those there but and or so yet in on
    at for as if when while after before since however meanwhile still also his her their our
    my you your one some many most no not what who why how where""".split()
)
_AMBIGUOUS = frozenset("inc corp ltd co etc jr sr bros".split())

# A candidate end: terminal punctuation, any closing quotes or brackets, then white space.
_END = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s)""")
_PARA = re.compile(r"\n\s*\n|\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.\-]*)$")
_NEXT_WORD = re.compile(r"""\s+["'“‘«(\[]*([\w’'-]+)""")


def _is_abbreviation(chunk: str, punct_at: int, text: str, after: int) -> bool:
    """Whether the period at `punct_at` belongs to an abbreviation rather than ending a sentence."""
    if text[punct_at] != ".":
        return False
    # Look back a short window only: searching from the start of the text is quadratic.
    m = _WORD_BEFORE.search(chunk, max(0, punct_at - 40), punct_at)
    if not m:
        return False
    word = m.group(1)
    bare = word.replace(".", "").lower()
    nxt = _NEXT_WORD.match(text, after)
    next_word = nxt.group(1) if nxt else ""
    next_lower = next_word[:1].islower() or next_word[:1].isdigit()
    if "." in word.rstrip("."):  # dotted acronym: U.S., U.K., a.m., e.g.
        if next_lower:
            return True
        return next_word.lower() not in _STARTERS
    if len(bare) == 1 and word.isupper():  # an initial: "George W. Bush"
        return True
    if bare in _TITLES and bare not in _AMBIGUOUS:
        return True
    if bare in _AMBIGUOUS:
        return next_lower or next_word.lower() not in _STARTERS
    return next_lower  # "approx. five" style: a lower-case continuation


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        if _is_abbreviation(text, m.start(), text, stop):
            continue
        nxt = _NEXT_WORD.match(text, stop, end)
        # A lower-case continuation after a closing quote is the same sentence ("…?” he asked).
        if nxt and nxt.group(1)[:1].islower() and text[stop - 1] in "\"'”’»":
            continue
        spans.append((cursor, stop))
        cursor = stop
    spans.append((cursor, end))
    return spans


def split_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each sentence, stripped of surrounding white space."""
    out: list[tuple[int, int]] = []
    pos = 0
    bounds: list[tuple[int, int]] = []
    for m in _PARA.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    for p_start, p_end in bounds:
        for s, e in _split_paragraph(text, p_start, p_end):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
    return out


def split_sentences(text: str, doc_id: str = "") -> list[Sentence]:
    """Split `text` into sentences with offsets: `text[s.start:s.end] == s.text`."""
    return [Sentence(doc_id, i, s, e, text[s:e]) for i, (s, e) in enumerate(split_spans(text))]
