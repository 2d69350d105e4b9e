"""The sentence-ranking engine behind `summarize` and topic briefings."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, repeat
from operator import itemgetter, mul
from pathlib import Path
from typing import Any, NamedTuple

from bot.analysis.sentences import split_sentences
from bot.errors import BriefbotError
from bot.models import Sentence

# The features, in the order of the weight vector in bot/data/summariser.json.
FEATURES = (
    "first",  # the document's first sentence: the news lead
    "position",  # 1 / (1 + index): early sentences carry the story
    "late",  # index / sentences: a linear fall towards the end
    "centrality",  # tf-idf cosine with the rest of the document
    "overlap",  # shared words with the rest, TextRank-style (favours longer, central sentences)
    "keywords",  # share of words that are the document's most frequent ones
    "topic",  # share of title and query terms the sentence covers
    "entities",  # capitalised words after the first: names, places, organisations
    "figures",  # numbers, money, percentages
    "length",  # words / 40, capped: longer sentences say more
    "short",  # under 10 words: thin sentences
    "quote",  # opens with a quotation mark: a quote without its setting
    "dangling",  # opens with a pronoun or connective that needs what came before
)
MIN_WORDS = 6  # below this a sentence is a fragment, not a statement
_DUPLICATE = 0.8  # share of the shorter sentence's words in the other: the same sentence, reworded
_REDUNDANT = 0.5  # cosine above which a later pick is penalised in `select`
_REDUNDANCY_COST = 1.0  # how much that penalty weighs against the learned score
# Larger than any score gap: the TL;DR (first) slot goes to a sentence that starts a thought
# whenever there is one; "It also..." may still follow as a later point.
_TOP_SLOT_COST = 100.0
# A user's query states the interest outright, so it weighs more than the learned title overlap.
_QUERY_WEIGHT = 4.0
_LENGTH_GAIN = 0.5  # exponent of sentence length in a sentence's expected worth
_KEYWORDS = 8  # how many most-frequent words count as the document's keywords

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")
_FIGURE = re.compile(r"\d")
_OPENING = re.compile(r"""^\W*([A-Za-z’']+)""")
# "In it, ...", "For this reason ...", "In addition, ...": the pointer comes after a preposition.
_POINTING_PHRASE = re.compile(
    r"^\W*(?:(?:in|on|at|by|for|with|of|from|to|under|after|before|despite|like|against|during)"
    r"\s+(?:it|this|that|these|those|them|him|her|his|their|its)\b"
    r"|(?:in addition|as a result|at the same time|on the other hand|even so|in turn)\b)",
    re.IGNORECASE,
)
_QUOTES = "\"'“‘«"
# Word lists read better as text than as list literals, hence the noqa.
_DANGLING = frozenset(
    """it its this that these those he she they him her them his their hers theirs but and also
    so yet or however still meanwhile nevertheless nonetheless moreover furthermore instead
    thus hence therefore then besides likewise similarly otherwise""".split()  # noqa: SIM905
)
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours said says say mr mrs
    ms one two new last year years told""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Candidate:
    """A sentence offered to the ranker, with what it knows of its document."""

    sentence: Sentence
    doc_title: str
    doc_sentences: int  # how many sentences its document has
    relevance: float = 0.0  # search relevance, higher is better


@dataclass(frozen=True)
class Model:
    """Learned weights and the IDF table, as stored in bot/data/summariser.json."""

    weights: tuple[float, ...]
    bias: float
    idf: dict[str, float]
    idf_default: float


@cache
def load_model() -> Model:
    """Load the shipped weights once per process."""
    # Beside this module rather than importlib.resources: the latter fails when `bot` is
    # resolved as a namespace package (a stale editable install run from outside the repo).
    path = Path(__file__).parent / "data" / "summariser.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    weights = tuple(float(data["weights"][name]) for name in FEATURES)
    idf = {str(k): float(v) for k, v in data["idf"].items()}
    return Model(weights, float(data["bias"]), idf, float(data["idf_default"]))


def stem(word: str) -> str:
    """A light English stemmer, so that 'sales'/'sale' and 'rising'/'rise' match."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and _VOWEL.search(base):
            # "stopped" -> "stopp" -> "stop"
            word = base[:-1] if base[-1] == base[-2] and base[-1] not in "aeiouls" else base
            break
    if word.endswith("ly") and len(word) > 5:
        word = word[:-2]
    # A final e is dropped so that "rise" and "ris(ing)" meet.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


class _Lexicon(dict[str, str]):
    """Token -> stem ("" for a stop word), filled on first sight of each token."""

    def __missing__(self, token: str) -> str:
        word = token.lower().replace("’", "'").split("'")[0]
        value = "" if word in _STOP else stem(word)
        # Bounded so a long-running service does not grow without limit on odd tokens.
        if len(self) < 200_000:
            self[token] = value
        return value


# One dict lookup per token, done in C through map(): most of the ranker's speed.
_LEXEMES = _Lexicon()


def _stems(tokens: list[str]) -> list[str]:
    return list(filter(None, map(_LEXEMES.__getitem__, tokens)))


def content_stems(text: str) -> list[str]:
    """Lower-case, stemmed words of `text` without stop words."""
    return _stems(_TOKEN.findall(text))


def is_fragment(text: str) -> bool:
    """Whether a sentence is too thin to stand alone: few words, or a heading."""
    return _fragment(text, "".join(map(itemgetter(0), _TOKEN.findall(text))))


def _fragment(text: str, initials: str) -> bool:
    # A statement has a few lower-case words; bylines, datelines and name lists have not.
    if len(initials) < MIN_WORDS or sum(map(str.islower, initials)) < 2:
        return True
    # A heading: no closing punctuation.
    return text.rstrip("\"'”’)»] ")[-1:] not in ".!?…"


def needs_context(text: str) -> bool:
    """Whether a sentence opens with a word that points back ("It also...", "But...")."""
    m = _OPENING.match(text)
    word = m.group(1).lower().replace("’", "'").split("'")[0] if m else ""
    return word in _DANGLING or _POINTING_PHRASE.match(text) is not None


class _Parsed(NamedTuple):
    """What the features need of one sentence, computed once."""

    stems: list[str]  # content words, stemmed, in order
    counts: Counter[str]  # stem counts
    self_overlap: int  # sum of squared stem counts: its overlap with itself
    vec: dict[str, float]  # tf-idf vector
    norm_sq: float
    words: int
    caps: int  # capitalised words after the first
    figure: bool
    quote: bool
    dangling: bool
    fragment: bool


def _weigh(counts: Counter[str], model: Model) -> dict[str, float]:
    """The tf-idf vector of stem counts."""
    idf = map(model.idf.get, counts, repeat(model.idf_default))
    return dict(zip(counts, map(mul, counts.values(), idf), strict=True))


def parse_sentence(text: str, model: Model) -> _Parsed:
    """Tokenise one sentence once for every feature."""
    tokens = _TOKEN.findall(text)
    stems = _stems(tokens)
    counts = Counter(stems)
    tally = counts.values()
    vec = _weigh(counts, model)
    values = vec.values()
    initials = "".join(map(itemgetter(0), tokens))
    return _Parsed(
        stems,
        counts,
        sum(map(mul, tally, tally)),
        vec,
        sum(map(mul, values, values)),
        len(tokens),
        sum(map(str.isupper, initials[1:])),  # the first is capitalised by grammar
        _FIGURE.search(text) is not None,
        text[:1] in _QUOTES,
        needs_context(text),
        _fragment(text, initials),
    )


def positions(parsed: Sequence[_Parsed]) -> list[tuple[int, int]]:
    """(index, count) of each sentence among the document's real (non-fragment) sentences."""
    # So that a byline or dateline ahead of the story does not push the lead down the prior.
    before = [0, *accumulate(not p.fragment for p in parsed)]
    count = before[-1] or len(parsed)
    return [(before[i], count) for i in range(len(parsed))]


def features(
    parsed: Sequence[_Parsed],
    positions: Sequence[tuple[int, int]],
    topic: Sequence[set[str]],
    model: Model,
) -> list[list[float]]:
    """Feature rows, in FEATURES order, for sentences that share a document or a pool."""
    counts = Counter(chain.from_iterable(p.stems for p in parsed))
    total = _weigh(counts, model)
    total_sq = sum(map(mul, total.values(), total.values()))
    top = {w for w, c in counts.most_common(_KEYWORDS) if c > 1}
    logs = [math.log(max(len(p.stems), 2)) for p in parsed]
    mean_log = sum(logs) / len(logs) if logs else 1.0
    # Shared word count with every other sentence over TextRank's log-length norm, in O(words).
    degree = [
        (sum(map(mul, p.counts.values(), map(counts.__getitem__, p.counts))) - p.self_overlap)
        / (log + mean_log)
        for p, log in zip(parsed, logs, strict=True)
    ]
    top_degree = max(degree, default=0.0) or 1.0
    rows: list[list[float]] = []
    for p, (idx, n_doc), terms, deg in zip(parsed, positions, topic, degree, strict=True):
        dot = sum(map(mul, p.vec.values(), map(total.__getitem__, p.vec)))
        # Cosine with the rest of the context, so a sentence is not rewarded for matching itself.
        rest_sq = total_sq - 2 * dot + p.norm_sq
        cross = dot - p.norm_sq
        ok = p.norm_sq > 0 and rest_sq > 1e-9
        cent = cross / math.sqrt(p.norm_sq * rest_sq) if ok else 0.0
        n_st = len(p.stems) or 1
        row = [float(idx == 0), 1.0 / (1 + idx), idx / max(n_doc, 1), max(cent, 0.0)]
        row += [deg / top_degree, sum(p.counts[w] for w in top if w in p.counts) / n_st]
        row += [_coverage(terms, p.counts), min(p.caps / 4, 1.0), float(p.figure)]
        row += [min(p.words, 40) / 40, float(p.words < 10), float(p.quote), float(p.dangling)]
        rows.append(row)
    return rows


def _value(score: float, words: int) -> float:
    """Expected worth of a sentence: log P(summary-worthy) plus a reward for its length."""
    # A k-sentence summary is judged by how much it covers: of two equally likely sentences,
    # the one that says more is worth more.
    log_p = -math.log1p(math.exp(-score)) if score > -30 else score
    return log_p + _LENGTH_GAIN * math.log(max(words, 1))


def _coverage(terms: set[str], counts: Counter[str]) -> float:
    """Share of the topic terms that a sentence mentions."""
    return len(terms.intersection(counts)) / len(terms) if terms else 0.0


def _score(row: Sequence[float], model: Model) -> float:
    return model.bias + float(sum(map(mul, model.weights, row)))


def _same_content(one: _Parsed, other: _Parsed) -> bool:
    """Near-duplicates: most words of the shorter sentence appear in the other."""
    a, b = one.counts, other.counts
    if not a or not b:
        return not a and not b
    return len(a.keys() & b.keys()) / min(len(a), len(b)) > _DUPLICATE


def _cosine(a: _Parsed, b: _Parsed) -> float:
    if len(a.vec) > len(b.vec):
        a, b = b, a
    dot = sum(map(mul, a.vec.values(), map(b.vec.get, a.vec, repeat(0.0))))
    return dot / math.sqrt(a.norm_sq * b.norm_sq) if dot > 0 else 0.0


def strip_title(sentences: list[Sentence], title: str | None) -> list[Sentence]:
    """Drop a leading sentence that repeats the title, renumbering the body from 0."""
    if not title or len(sentences) < 2:
        return sentences
    if sentences[0].text.strip().rstrip(".").lower() != title.strip().rstrip(".").lower():
        return sentences
    return [Sentence(s.doc_id, i, s.start, s.end, s.text) for i, s in enumerate(sentences[1:])]


def summarize_text(
    text: str, n: int = 3, title: str | None = None, doc_id: str = ""
) -> list[Sentence]:
    """Pick the `n` best sentences of one document, returned in document order."""
    if n < 1:
        raise BriefbotError(f"A summary needs at least 1 sentence, not {n}.")
    sentences = strip_title(split_sentences(text, doc_id), title)
    if not sentences:
        return []
    model = load_model()
    parsed = [parse_sentence(s.text, model) for s in sentences]
    count = len(sentences)
    topic = set(content_stems(title or ""))
    rows = features(parsed, positions(parsed), [topic] * count, model)
    scores = [_value(_score(r, model), p.words) for r, p in zip(rows, parsed, strict=True)]
    order = sorted(range(count), key=scores.__getitem__, reverse=True)
    usable = [i for i in order if not parsed[i].fragment] or order
    chosen: list[int] = []
    deferred: list[int] = []
    for i in usable:
        if len(chosen) >= n:
            break
        if any(_same_content(parsed[i], parsed[j]) for j in chosen):
            continue
        # "It also..." reads wrongly without its antecedent: wait to see if that gets picked.
        if parsed[i].dangling and (i - 1) not in chosen:
            deferred.append(i)
            continue
        chosen.append(i)
        for d in [d for d in deferred if d - 1 in chosen]:
            if len(chosen) < n:
                chosen.append(d)
                deferred.remove(d)
    chosen.extend(deferred[: n - len(chosen)])
    return [sentences[i] for i in sorted(chosen)]


def select(candidates: Sequence[Candidate], query: Sequence[str], k: int) -> list[Candidate]:
    """Rank candidates for a query and return the best `k`, best first, without repeats."""
    if k < 1 or not candidates:
        return []
    model = load_model()
    parsed = [parse_sentence(c.sentence.text, model) for c in candidates]
    query_terms = {w for q in query for w in content_stems(q)}
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_doc.setdefault(c.sentence.doc_id, []).append(i)
    everyone = list(range(len(candidates)))

    def rows_for(pool: list[int]) -> dict[int, list[float]]:
        got = features(
            [parsed[i] for i in pool],
            [(candidates[i].sentence.index, candidates[i].doc_sentences) for i in pool],
            [set(content_stems(candidates[i].doc_title)) for i in pool],
            model,
        )
        return dict(zip(pool, got, strict=True))

    # Centrality needs company: a document with few candidates is judged against the pool.
    rows = rows_for(everyone) if any(len(m) < 3 for m in by_doc.values()) else {}
    for members in (m for m in by_doc.values() if len(m) >= 3):
        rows.update(rows_for(members))
    top_rel = max(c.relevance for c in candidates)
    # Search relevance is on its own scale; normalised, it counts like one strong feature.
    scores = [
        _score(rows[i], model)
        + (c.relevance / top_rel if top_rel > 0 else 0.0)
        + _QUERY_WEIGHT * _coverage(query_terms, parsed[i].counts)
        for i, c in enumerate(candidates)
    ]
    usable = [i for i in everyone if not parsed[i].fragment] or everyone
    chosen: list[int] = []
    # Each candidate's redundancy with the picks so far, updated against the newest pick only.
    overlap = dict.fromkeys(usable, 0.0)
    while overlap and len(chosen) < k:

        def worth(i: int) -> float:
            top_slot = _TOP_SLOT_COST if not chosen and parsed[i].dangling else 0.0
            redundancy = _REDUNDANCY_COST * overlap[i] if overlap[i] > _REDUNDANT else 0.0
            return scores[i] - top_slot - redundancy

        best = max(overlap, key=worth)
        chosen.append(best)
        del overlap[best]
        for i in list(overlap):
            if _same_content(parsed[i], parsed[best]):
                del overlap[i]
            else:
                overlap[i] = max(overlap[i], _cosine(parsed[i], parsed[best]))
    return [candidates[i] for i in chosen]
