"""The sentence-ranking engine behind `summarize` and topic briefings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.sentences import split_sentences
from bot.models import Sentence

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Candidate:
    """A sentence offered to the ranker, with what it knows of its document."""

    sentence: Sentence
    doc_title: str
    doc_sentences: int  # how many sentences its document has
    relevance: float = 0.0  # search relevance, higher is better


def summarize_text(text: str, n: int = 3, title: str | None = None) -> list[Sentence]:
    """Pick the `n` best sentences of one document, returned in document order."""
    sentences = split_sentences(text)
    cands = [Candidate(s, title or "", len(sentences)) for s in sentences]
    picked = select(cands, (), n)
    return sorted((c.sentence for c in picked), key=lambda s: s.start)


def select(candidates: Sequence[Candidate], query: Sequence[str], k: int) -> list[Candidate]:
    """Rank candidates for a query and return the best `k`, best first, without repeats."""
    terms = {w for q in query for w in _WORD.findall(q.lower())}

    def score(c: Candidate) -> float:
        words = set(_WORD.findall(c.sentence.text.lower()))
        overlap = len(words & terms) / (1 + len(terms))
        position = 1.0 / (1 + c.sentence.index)
        return c.relevance + overlap + 0.5 * position

    chosen: list[Candidate] = []
    seen: list[set[str]] = []
    for c in sorted(candidates, key=score, reverse=True):
        words = set(_WORD.findall(c.sentence.text.lower()))
        if any(len(words & s) / (1 + min(len(words), len(s))) > 0.6 for s in seen):
            continue
        chosen.append(c)
        seen.append(words)
        if len(chosen) >= k:
            break
    return chosen
