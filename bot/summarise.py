"""The sentence ranker behind `summarize` and topic briefings: scores, then readable picks."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from operator import mul, neg, sub
from typing import Any

from bot import DATA_DIR
from bot.analysis.sentences import split_spans
from bot.errors import BriefbotError
from bot.models import Sentence
from bot.readability import choose, is_fragment, needs_context, same_content
from bot.summary_features import (
    FEATURES,
    LOG_LENGTH,
    Parsed,
    columns,
    parse,
    parse_document,
    positions,
    scores,
    terms,
)

__all__ = [
    "FEATURES",
    "Candidate",
    "Model",
    "body_spans",
    "is_fragment",
    "load_model",
    "needs_context",
    "rank",
    "select",
    "summarize_text",
]

_REDUNDANT = 0.5  # cosine above which a later pick is penalised in `select`
_REDUNDANCY_COST = 1.0  # how much that penalty weighs against the learned score
# Larger than any score gap: the TL;DR (first) slot goes to a sentence that starts a thought
# whenever there is one; "It also..." may still follow as a later point.
_TOP_SLOT_COST = 100.0
# A later point that opens by pointing back ("In it, they ...") reads wrongly without the
# sentence before it: it yields to a comparable point unless that sentence is also picked.
_POINTING_COST = 2.0
# A user's query states the interest outright, so it weighs more than the learned title overlap.
_QUERY_WEIGHT = 4.0


@dataclass(frozen=True)
class Candidate:
    """A sentence offered to the ranker, with what it knows of its document."""

    sentence: Sentence
    doc_title: str
    doc_sentences: int  # how many sentences its document has (the ranker needs only the index)
    relevance: float = 0.0  # search relevance, higher is better


@dataclass(frozen=True)
class Model:
    """Learned weights and the IDF table, as stored in bot/data/summariser.json."""

    weights: tuple[float, ...]
    bias: float
    idf: dict[bytes, float]  # keyed as `Parsed` spells words
    idf_default: float
    length_gain: float = 0.5  # exponent of sentence length in a sentence's expected worth
    lead_bonus: float = 0.0  # added to the news lead's worth: a prior the odds cannot saturate


@cache
def load_model() -> Model:
    """Load the shipped weights once per process."""
    data: dict[str, Any] = json.loads((DATA_DIR / "summariser.json").read_text(encoding="utf-8"))
    weights = tuple(float(data["weights"][name]) for name in FEATURES)
    idf = {str(k).encode("latin-1", "replace"): float(v) for k, v in data["idf"].items()}
    gain, lead = float(data.get("length_gain", 0.5)), float(data.get("lead_bonus", 0.0))
    return Model(weights, float(data["bias"]), idf, float(data["idf_default"]), gain, lead)


def values(cols: Sequence[Sequence[float]], parsed: Parsed, model: Model) -> list[float]:
    """Expected worth of each sentence: log P(summary-worthy) plus a reward for its length."""
    # A k-sentence summary is judged by how much it covers: of two equally likely sentences,
    # the one that says more is worth more. -log1p(exp(-s)) is log P; clipped against overflow.
    learned = scores(cols, model.weights, model.bias)
    odds = map(math.exp, map(min, map(neg, learned), repeat(30.0)))
    longest = len(LOG_LENGTH) - 1
    lengths = map(LOG_LENGTH.__getitem__, map(min, map(len, parsed.words), repeat(longest)))
    worth = list(map(sub, map(mul, lengths, repeat(model.length_gain)), map(math.log1p, odds)))
    # log P saturates at 0 for sentences the model is sure of, so the lead prior is also added
    # outside it; the first column marks the lead.
    if model.lead_bonus and 1 in cols[0]:
        worth[cols[0].index(1)] += model.lead_bonus
    return worth


def body_spans(text: str, title: str | None) -> list[tuple[int, int]]:
    """Sentence offsets of a document, without a first line that repeats its title."""
    spans = split_spans(text)
    if title and len(spans) >= 2:
        first = text[spans[0][0] : spans[0][1]]
        if first.strip().rstrip(".").lower() == title.strip().rstrip(".").lower():
            del spans[0]
    return spans


def rank(
    text: str, title: str | None, model: Model
) -> tuple[list[tuple[int, int]], Parsed, list[float]]:
    """Sentence spans of a document (its title line dropped), parsed, and their values."""
    spans = body_spans(text, title)
    parsed = parse_document(text, spans)
    if not spans:
        return spans, parsed, []
    cols = columns(parsed, positions(parsed), terms(title or ""))
    return spans, parsed, values(cols, parsed, model)


def summarize_text(
    text: str, n: int = 3, title: str | None = None, doc_id: str = ""
) -> list[Sentence]:
    """Pick the `n` best sentences of one document, returned in document order."""
    if n < 1:
        raise BriefbotError(f"A summary needs at least 1 sentence, not {n}.")
    spans, parsed, worth = rank(text, title, load_model())
    picked = choose(parsed, worth, n)
    return [Sentence(doc_id, i, spans[i][0], spans[i][1], parsed.texts[i]) for i in picked]


def _vector(
    words: list[bytes], content: set[bytes], model: Model
) -> tuple[dict[bytes, float], float]:
    """The tf-idf vector of a sentence and its norm."""
    vec = {w: words.count(w) * model.idf.get(w, model.idf_default) for w in content}
    return vec, math.sqrt(sum(v * v for v in vec.values()))


def _cosine(a: tuple[dict[bytes, float], float], b: tuple[dict[bytes, float], float]) -> float:
    if len(a[0]) > len(b[0]):
        a, b = b, a
    dot = sum(map(mul, a[0].values(), map(b[0].get, a[0], repeat(0.0))))
    return dot / (a[1] * b[1]) if dot > 0 else 0.0


def select(candidates: Sequence[Candidate], query: Sequence[str], k: int) -> list[Candidate]:
    """Rank candidates for a query and return the best `k`, best first, without repeats."""
    if k < 1 or not candidates:
        return []
    model = load_model()
    texts = [c.sentence.text for c in candidates]
    query_terms = frozenset().union(*map(terms, query))
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_doc.setdefault(c.sentence.doc_id, []).append(i)
    everyone = list(range(len(candidates)))

    def scores_for(pool: list[int]) -> dict[int, float]:
        cols = columns(
            parse([texts[i] for i in pool]),
            [candidates[i].sentence.index for i in pool],
            [terms(candidates[i].doc_title) for i in pool],
        )
        return dict(zip(pool, scores(cols, model.weights, model.bias), strict=True))

    # Overlap needs company: a document with few candidates is judged against the pool.
    learned = scores_for(everyone) if any(len(m) < 3 for m in by_doc.values()) else {}
    for members in (m for m in by_doc.values() if len(m) >= 3):
        learned.update(scores_for(members))
    parsed = parse(texts)
    words = [parsed.content(i) for i in everyone]
    dangling = [needs_context(x) for x in texts]
    top_rel = max(c.relevance for c in candidates)
    # Search relevance is on its own scale; normalised, it counts like one strong feature.
    score = [
        learned[i]
        + (c.relevance / top_rel if top_rel > 0 else 0.0)
        + _QUERY_WEIGHT * (len(query_terms & words[i]) / len(query_terms) if query_terms else 0.0)
        for i, c in enumerate(candidates)
    ]
    vectors = [_vector(parsed.words[i], words[i], model) for i in everyone]
    usable = [i for i in everyone if not is_fragment(texts[i])] or everyone
    chosen: list[int] = []
    picked: set[tuple[str, int]] = set()  # (document, sentence index) of the chosen
    previous = [(c.sentence.doc_id, c.sentence.index - 1) for c in candidates]
    # Each candidate's redundancy with the picks so far, updated against the newest pick only.
    overlap = dict.fromkeys(usable, 0.0)
    while overlap and len(chosen) < k:

        def worth(i: int) -> float:
            top_slot = _TOP_SLOT_COST if not chosen and dangling[i] else 0.0
            if chosen and dangling[i] and previous[i] not in picked:
                top_slot = _POINTING_COST
            redundancy = _REDUNDANCY_COST * overlap[i] if overlap[i] > _REDUNDANT else 0.0
            return score[i] - top_slot - redundancy

        best = max(overlap, key=worth)
        chosen.append(best)
        picked.add((candidates[best].sentence.doc_id, candidates[best].sentence.index))
        del overlap[best]
        for i in list(overlap):
            if same_content(words[i], words[best]):
                del overlap[i]
            else:
                overlap[i] = max(overlap[i], _cosine(vectors[i], vectors[best]))
    return [candidates[i] for i in chosen]
