"""Quotation-mark pairing: the quoted pieces of a text, as character offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis.speakers import word_set

_OPENERS = "“„«"
_CLOSERS = "”»"
_STRAIGHT = '"'
_DOUBLE = _OPENERS + _CLOSERS + _STRAIGHT
_DOUBLE_RE = re.compile(f"[{_DOUBLE}]")
# An attribute value may hold a line break (tweet-date="January 19, 2016\n").
_TAG = re.compile(r"<[A-Za-z/](?:[^<>\n\"]|\"[^<>\"]{0,200}\"){0,400}>")
# Characters after which a straight mark (or a misplaced curly one) opens a quotation.
_OPEN_CONTEXT = " \t\n([{—–-/:;,"
_AUX = word_set(
    "would will could should can may might must is are was were has have had does do did"
)
_WORD = re.compile(r"[\w’'-]+")
_ALNUM = re.compile(r"[^\W_]")
_INCHES = re.compile(r"\d[’']\d[”\"]")
_SENTENCE_END = re.compile(r"[.!?][”\"’)]*\s+(?=[A-Z“\"‘])")
# Invisible formatting characters (bidi embeddings, zero-width spaces) count as white space
# before a mark: "\u202a”This is why …" opens a quotation.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)
# A line that signs the quotation above it ("Dean Baker, Center for Economic and Policy
# Research.”): a few words on a line of their own, closed by the quotation's mark.
_SIGNATURE_WORDS = 10


@dataclass(frozen=True)
class Piece:
    """One quotation-marked piece: `text[start:end]` are the words between the marks."""

    start: int
    end: int
    opened: bool  # an opening mark precedes the piece
    closed: bool  # a closing mark follows the piece
    continues: bool  # the quotation goes on in the next paragraph with a new opening mark


def _is_opening(text: str, i: int) -> bool:
    """Whether the double mark at `i` opens a quotation, judged by the characters around it."""
    ch = text[i]
    before = text[i - 1] if i > 0 else " "
    if before in _INVISIBLE:
        before = " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch in _OPENERS:
        # A typo'd opener after a word and before a space really closes ("percent.“ he said").
        return not (after.isspace() and not before.isspace())
    if ch in _CLOSERS:
        # A closer glued to the next word after a space is an opener in disguise.
        return before.isspace() and after.isalnum()
    if before.isspace() or before in _OPEN_CONTEXT or i == 0:
        return not after.isspace()
    return False


def _paragraph_end(text: str, i: int) -> int:
    """The offset of the newline ending the paragraph that holds `i` (or the text's end)."""
    j = text.find("\n", i)
    # A single line break before a lower-case word is a wrapped line, not a new paragraph
    # ("… participate personally\nin caucuses and primaries.”").
    while j >= 0 and text[j + 1 : j + 2].islower():
        j = text.find("\n", j + 1)
    return len(text) if j < 0 else j


def _glued_opener(text: str, i: int) -> bool:
    """Whether a straight mark glued to both sentences opens the second ("lies."We …")."""
    return (
        text[i] == _STRAIGHT
        and text[i - 1 : i] in (".", "!", "?")
        and text[i + 1 : i + 2].isupper()
    )


def _signature(text: str, para_end: int, close: int) -> bool:
    """Whether text[para_end:close] is one short line signing the quotation above it."""
    line = text[para_end + 1 : close]
    return (
        text[para_end : para_end + 2] != "\n\n"
        and "\n" not in line
        and 0 < len(line.split()) <= _SIGNATURE_WORDS
        and line.rstrip()[-1:] == "."
        and line[:1].isupper()
    )


def _orphan_start(text: str, close: int, floor: int) -> int:
    """A sensible start for a closing mark with no opening one: its clause, after any name."""
    line_start = text.rfind("\n", 0, close) + 1
    lo = max(floor, line_start)
    start = lo
    # The sentence that holds the mark.
    for m in _SENTENCE_END.finditer(text, lo, close):
        start = m.end()
    # After an attribution comma ("According to the statement, ...").
    comma = text.rfind(", ", start, close)
    if comma >= 0 and text[start:comma].split()[:2] == ["According", "to"]:
        start = comma + 2
    # After a quoted name earlier in the clause, then past the rest of its noun phrase to the
    # auxiliary that begins the predicate ("the “X” system would ..." -> "would ...").
    prev_close = max(text.rfind(c, max(line_start, floor - 1), close) for c in _CLOSERS + _STRAIGHT)
    if prev_close >= max(start - 1, line_start):
        start = prev_close + 1
        for w in list(_WORD.finditer(text, start, close))[:4]:
            if w.group().lower() in _AUX:
                start = w.start()
                break
    while start < close and text[start].isspace():
        start += 1
    return start


def find_pieces(text: str) -> list[Piece]:
    """Pair the double quotation marks of `text` (or its single ones, if it has no double ones)."""
    # A height is not a quotation mark: "he is 5’2”".
    marks = [
        m.start()
        for m in _DOUBLE_RE.finditer(text)
        if not (m.start() >= 3 and _INCHES.match(text, m.start() - 3))
    ]
    if "<" in text:
        # Marks inside markup (<tweet author="…">) delimit attribute values, not quotations.
        tags = [(m.start(), m.end()) for m in _TAG.finditer(text)]
        marks = [i for i in marks if not any(a < i < b for a, b in tags)]
    if not marks:
        return _single_pieces(text)
    pieces: list[Piece] = []
    open_at = -1
    floor = 0  # nothing before this offset can start an orphan piece
    for i in marks:
        if _is_opening(text, i) or (open_at < 0 and _glued_opener(text, i)):
            if open_at >= 0:
                # Still open: a new paragraph reopening it continues the quotation; otherwise
                # the earlier mark was never closed and its piece runs to its paragraph's end.
                para_end = _paragraph_end(text, open_at)
                end = min(para_end, i)
                continues = para_end < i and not text[para_end:i].strip(" \n\t\r\u00a0")
                pieces.append(
                    Piece(open_at + 1, _rstrip(text, open_at + 1, end), True, False, continues)
                )
            open_at = i
        else:
            if open_at >= 0:
                para_end = _paragraph_end(text, open_at)
                if para_end < i:
                    # A paragraph with no closing mark that is not reopened: it ends there, and
                    # this closing mark belongs to a piece of its own.
                    pieces.append(
                        Piece(open_at + 1, _rstrip(text, open_at + 1, para_end), True, False, False)
                    )
                    s = _orphan_start(text, i, para_end)
                    if s < i and not _signature(text, para_end, i):
                        pieces.append(Piece(s, i, False, True, False))
                else:
                    pieces.append(Piece(open_at + 1, i, True, True, False))
                open_at = -1
            else:
                s = _orphan_start(text, i, floor)
                if s < i:
                    pieces.append(Piece(s, i, False, True, False))
            floor = i + 1
    if open_at >= 0:
        end = _paragraph_end(text, open_at)
        pieces.append(Piece(open_at + 1, _rstrip(text, open_at + 1, end), True, False, False))
    # A piece needs a word: not an invisible mark ("\u202a") or a lone comma.
    return [p for p in pieces if _ALNUM.search(text, p.start, p.end)]


def _rstrip(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing white space."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–]))‘([^‘’\n]{1,400}?[^\s‘])’(?![\w])", re.M)


def _single_pieces(text: str) -> list[Piece]:
    """Curly single-quoted pieces, for texts that use them as the outer quotation marks."""
    return [Piece(m.start(1), m.end(1), True, True, False) for m in _SINGLE.finditer(text)]
