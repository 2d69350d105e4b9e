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

# Boundaries are found by regular expressions that start with a literal (the engine then scans
# for it fast; a pattern starting with a character class is tried at every position, several
# times slower on a whole article) and decide the usual cases themselves, so that Python looks
# only at the few periods that follow an abbreviation-like word.
_CLOSE = r"""["'”’»)\]]*"""
# After the punctuation: a line break, or a next word that is not lower-case (a lower-case word
# continues the sentence: "approx. five", "…?” he asked") nor a bracketed reference "[12]".
_NEXT = r"""(?:(?=\s*\n)|(?![^\S\n]+(?:["'“‘«(\[]*[a-zß-ÿ]|\[\d)))(\s+)"""
# The word before a period is abbreviation-like when it is one letter ("W.", "v."), ends a dotted
# acronym ("U.S."), or is a title or a month: one look-behind per length, as each must be fixed.
_LOOKS = (
    "^[A-Za-z]",  # one letter opening the text
    "[^A-Za-z.\\-][A-Za-z]",  # one letter: an initial, "v."
    "\\.[A-Za-z]",  # the end of a dotted acronym: "U.S."
    *(
        "\\b(?i:" + "|".join(sorted(w for w in _TITLES if len(w) == n)) + ")"
        for n in sorted({len(w) for w in _TITLES if len(w) > 1})
    ),
)
_PLAIN = re.compile(r"\." + "".join(f"(?<!{look}\\.)" for look in _LOOKS) + _CLOSE + _NEXT)
_SUSPECT = re.compile(
    r"\.(?:" + "|".join(f"(?<={look}\\.)" for look in _LOOKS) + ")" + _CLOSE + _NEXT
)
# "!", "?", "…": a boundary unless a closing quote is followed by a lower-case word.
_BANGS = tuple(
    (
        mark,
        re.compile(
            re.escape(mark)
            + _CLOSE.replace("[", "[.!?…]*[", 1)
            + r"""(?:(?<![\"'”’»])|(?=\s*\n)|(?![^\S\n]+["'“‘«(\[]*[a-zß-ÿ]))(\s+)"""
        ),
    )
    for mark in "!?…"
)
# Chinese and Japanese end a sentence with a full-width mark and no space after it; closing
# brackets and quotation marks after the mark stay with the sentence ("…难」。", "…だ。」").
# Hindi ends one with a danda ("।"), Urdu with "۔", Arabic script asks with "؟".
FULL_STOPS = "。！？।॥۔؟"
_FULL_STOP = re.compile(f"[{FULL_STOPS}]+" + r"[」』”’）)\]]*(\s*)")
# Chinese and Japanese characters (kana, CJK ideographs): words are not separated by spaces.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LINE = re.compile(r"\n\s*")
_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z.\-]*$")
_NEXT_WORD = re.compile(r"""["'“‘«(\[]*([\w’'-]*)""")
_OPENERS = frozenset("\"'“‘«([")
_CLOSING_QUOTES = frozenset("\"'”’»")


def _joins(text: str, punct_at: int, stop: int, after: int) -> bool:
    """Whether the punctuation at `punct_at`..`stop` does not end the sentence.

    `after` is where the next word's opening quotes or the word itself start.
    """
    first = text[after : after + 1]
    if first in _OPENERS:
        first = _NEXT_WORD.match(text, after).group(1)[:1]  # type: ignore[union-attr]
    # A lower-case continuation after a closing quote is the same sentence ("…?” he asked).
    if first.islower() and text[stop - 1] in _CLOSING_QUOTES:
        return True
    if text[punct_at] != ".":
        return False
    # Only the word glued to the period matters: look back to the last space, at most 40.
    low = max(punct_at - 40, text.rfind(" ", 0, punct_at) + 1)
    word = text[low:punct_at]
    if not (word.isascii() and word.isalpha()):  # the fast path failed: "(U.S", "3.5bn"
        m = _WORD_BEFORE.search(text, low, punct_at)
        if not m:
            return False
        word = m.group()
    bare = word.replace(".", "").lower()
    if "." in word.rstrip("."):  # dotted acronym: U.S., U.K., a.m., e.g.
        return first.islower() or first.isdigit() or _next_word(text, after) not in _STARTERS
    if len(bare) == 1 and word.isupper():  # an initial: "George W. Bush"
        return True
    if bare in _TITLES:
        if bare in _AMBIGUOUS:
            return first.islower() or first.isdigit() or _next_word(text, after) not in _STARTERS
        if word.isupper():
            # An all-caps word that happens to spell a title ("the FT. But", "with MS. Final")
            # is a name: a capitalised word after it starts the next sentence (an all-caps one
            # is more of the name: "ST. LOUIS").
            return not first.isupper() or _NEXT_WORD.match(text, after).group(1).isupper()  # type: ignore[union-attr]
        return True
    # An ordinary word ends the sentence unless a lower-case continuation follows
    # ("approx. five"); a figure starts a new one ("Profits rose. 2004 was..."), except a
    # bracketed reference ("points. [538]").
    return first.islower() or (first.isdigit() and text[after] == "[")


def _next_word(text: str, after: int) -> str:
    m = _NEXT_WORD.match(text, after)
    return m.group(1).lower() if m else ""


def split_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each sentence, stripped of surrounding white space."""
    # (end of a sentence, start of the next) for every boundary, in any order first.
    breaks = [m.span(1) for m in _PLAIN.finditer(text)]
    for m in _SUSPECT.finditer(text):
        end, after = m.span(1)
        if "\n" in m.group(1) or not _joins(text, m.start(), end, after):
            breaks.append((end, after))
    for mark, pattern in _BANGS:
        if mark in text:
            breaks += [m.span(1) for m in pattern.finditer(text)]
    if any(mark in text for mark in FULL_STOPS):
        breaks += [m.span(1) for m in _FULL_STOP.finditer(text)]
    if "\n" in text:
        breaks += [m.span() for m in _LINE.finditer(text)]
    breaks.sort()
    out: list[tuple[int, int]] = []
    start = len(text) - len(text.lstrip())
    for end, after in breaks:
        if end < start:  # inside a boundary already taken: ". \n"
            continue
        while end > start and text[end - 1].isspace():  # white space before a line break
            end -= 1
        if end > start:
            out.append((start, end))
        start = after
    end = len(text.rstrip())
    if end > start:
        out.append((start, end))
    return out


def split_sentences(text: str, doc_id: str = "") -> list[Sentence]:
    """Split `text` into sentences with offsets: `text[s.start:s.end] == s.text`."""
    return [Sentence(doc_id, i, s, e, text[s:e]) for i, (s, e) in enumerate(split_spans(text))]
