"""The text around a quoted piece: rough sentence bounds and the windows attribution reads."""

from __future__ import annotations

import bisect
import re

from bot.analysis.marks import Piece
from bot.analysis.speakers import Token, tokens

# A sentence break: terminal punctuation, closing marks, space, then a capital or an opening mark;
# or a run of newlines. The match opens with one character class (the punctuation is part of
# the match) so the engine can scan ahead quickly.
_BREAK = re.compile(r"[.!?\n](?:(?<=\n)\n*|(?<=[.!?])[”\"’)]*\s+(?=[“\"‘(]?[A-Z0-9]))")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|St|Jr|Sr|Rev|Ft|Mt|No|vs|[A-Z]))\.$"
)


class Doc:
    """A text with its sentence starts and quoted ranges (marks included), for attribution."""

    def __init__(self, text: str, starts: list[int], quoted: list[tuple[int, int]]) -> None:
        self.text = text
        self.starts = starts
        self.quoted = quoted
        self.quoted_starts = [s for s, _ in quoted]
        self._seen: dict[tuple[int, int], list[Token]] = {}
        self._gaps: dict[tuple[int, int], list[Token]] = {}

    def outside(self, window: tuple[int, int]) -> list[Token]:
        """The window's tokens that are not inside a quotation (each window tokenised once)."""
        toks = self._seen.get(window)
        if toks is None:
            toks = self._seen[window] = outside_tokens(
                self.text, window, self.quoted, self.quoted_starts, self._gaps
            )
        return toks


def sentence_starts(text: str) -> list[int]:
    """Where each sentence starts (a fast splitter: attribution only needs rough bounds)."""
    starts = [0]
    for m in _BREAK.finditer(text):
        at = m.start()
        if text[at] != "\n":
            at += 1  # the break itself starts after the punctuation
        if text[at] == "\n" or not _ABBREVIATION.search(text, max(0, at - 6), at):
            starts.append(m.end())
    return starts


def windows(
    text: str, p: Piece, starts: list[int]
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """The sentence before the opening mark, after the closing mark, and the next one too."""
    open_at = p.start - 1 if p.opened else p.start
    k = bisect.bisect_right(starts, open_at) - 1
    before = (min(starts[k], open_at), open_at)
    if not text[before[0] : open_at].strip() and k > 0:
        # "Cruz continued:\n\n“…”": the attribution ends the paragraph before the quote.
        prev = text[starts[k - 1] : open_at].rstrip()
        if prev.endswith(":"):
            before = (starts[k - 1], open_at)
    close_at = p.end + 1 if p.closed else p.end
    k = bisect.bisect_right(starts, close_at)
    end = max(starts[k] if k < len(starts) else len(text), close_at)
    further = max(starts[k + 1] if k + 1 < len(starts) else len(text), end)
    if text[close_at:end].strip() or "\n" in text[close_at:further].rstrip():
        further = end  # the sentence goes on after the quote: no attribution beyond it
    return before, (close_at, end), (close_at, further)


def outside_tokens(
    text: str,
    window: tuple[int, int],
    quoted: list[tuple[int, int]],
    starts: list[int],
    gaps: dict[tuple[int, int], list[Token]] | None = None,
) -> list[Token]:
    """The window's tokens that are not inside a quotation (`gaps` caches the text between)."""
    lo, hi = window
    k = bisect.bisect_right(starts, lo) - 1
    if (k < 0 or quoted[k][1] <= lo) and (k + 1 >= len(starts) or starts[k + 1] >= hi):
        return tokens(text, lo, hi)  # no quotation overlaps the window: nothing to drop
    # Tokenise only the gaps between quotations (quoted words would be dropped anyway, and a
    # quotation starts at a mark or after a space, so no word straddles its edge).
    # The windows of a sentence with several quotations share these gaps: each is tokenised once.
    cache = {} if gaps is None else gaps
    out: list[Token] = []
    pos = max(lo, quoted[k][1]) if k >= 0 else lo
    k += 1
    while k < len(starts) and starts[k] < hi:
        if starts[k] > pos:
            gap = cache.get((pos, starts[k]))
            if gap is None:
                gap = cache[pos, starts[k]] = tokens(text, pos, starts[k])
            out += gap
        pos = max(pos, quoted[k][1])
        k += 1
    if pos < hi:
        out += tokens(text, pos, hi)
    return out
