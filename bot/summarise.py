"""The sentence-ranking engine behind `summarize` and topic briefings."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, repeat
from operator import add, and_, eq, ge, gt, itemgetter, mul, neg, sub, truediv
from pathlib import Path
from typing import Any, NamedTuple

from bot.analysis.sentences import split_spans
from bot.errors import BriefbotError
from bot.models import Sentence

# The features, in the order of the weight vector in bot/data/summariser.json.
FEATURES = (
    "first",  # the document's first sentence: the news lead
    "position",  # 1 / (1 + index): early sentences carry the story
    "late",  # index / sentences: a linear fall towards the end
    "overlap",  # shared words with the rest, TextRank-style (favours longer, central sentences)
    "keywords",  # share of words that are the document's most frequent ones
    "topic",  # share of title and query terms the sentence covers
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
_KEYWORDS = 8  # how many most-frequent words count as the document's keywords
_CLOSERS = "\"'”’)»] "
_FINAL = frozenset(".!?…")
_LAST = slice(-1, None)
_LOG = [math.log(max(i, 2)) for i in range(400)]  # log of a sentence's length, capped
# The words that open a pointing phrase ("In it,", "As a result,"): only then is the regex run.
_PHRASE_HEADS = frozenset(
    """in on at by for with of from to under after before despite like against during as
    even""".split()
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_VOWEL = re.compile(r"[aeiouy]")
_OPENING = re.compile(r"""^\W*([A-Za-z’']+)""")
# "In it, ...", "For this reason ...", "In addition, ...": the pointer comes after a preposition.
_POINTING_PHRASE = re.compile(
    r"^\W*(?:(?:in|on|at|by|for|with|of|from|to|under|after|before|despite|like|against|during)"
    r"\s+(?:it|this|that|these|those|them|him|her|his|their|its)\b"
    r"|(?:in addition|as a result|at the same time|on the other hand|even so|in turn)\b)",
    re.IGNORECASE,
)
_QUOTES = "\"'“‘«"
_QUOTES_START = tuple(_QUOTES)
# Word lists read better as text than as list literals, hence the noqa.
_DANGLING = frozenset(
    """it its this that these those he she they him her them his their hers theirs but and also
    so yet or however still meanwhile nevertheless nonetheless moreover furthermore instead
    thus hence therefore then besides likewise similarly otherwise""".split()
)
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours said says say mr mrs
    ms one two new last year years told""".split()
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
    length_gain: float = 0.5  # exponent of sentence length in a sentence's expected worth


@cache
def load_model() -> Model:
    """Load the shipped weights once per process."""
    # Beside this module rather than importlib.resources: the latter fails when `bot` is
    # resolved as a namespace package (a stale editable install run from outside the repo).
    path = Path(__file__).parent / "data" / "summariser.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    weights = tuple(float(data["weights"][name]) for name in FEATURES)
    idf = {str(k): float(v) for k, v in data["idf"].items()}
    gain = float(data.get("length_gain", 0.5))
    return Model(weights, float(data["bias"]), idf, float(data["idf_default"]), gain)


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


def _stem_word(word: str) -> str:
    word = word.lower().replace("’", "'").split("'")[0]
    return "" if word in _STOP else stem(word)


class _Lexicon(dict[str, str]):
    """White-space token ("economy,", "£38m") -> stem ("" for stop words and punctuation)."""

    def __missing__(self, token: str) -> str:
        # Rare joined tokens ("well-known", "2.4km") keep their parts together: one token, one
        # stem, so that a sentence's stems come from one C-level pass over its tokens.
        value = "-".join(filter(None, map(_stem_word, _TOKEN.findall(token))))
        # Bounded so a long-running service does not grow without limit on odd tokens.
        if len(self) < 200_000:
            self[token] = value
        return value


class _Openings(dict[str, int]):
    """A sentence's first token -> 0: starts a thought, 1: points back, 2: check the phrase."""

    def __missing__(self, token: str) -> int:
        m = _OPENING.match(token)
        word = m.group(1).lower().replace("’", "'").split("'")[0] if m else ""
        value = 1 if word in _DANGLING else 2 if (not m or word in _PHRASE_HEADS) else 0
        if len(self) < 50_000:
            self[token] = value
        return value


# One dict lookup per token, done in C through map(): most of the ranker's speed.
_LEXEMES = _Lexicon()
_OPENINGS = _Openings()


def content_stems(text: str) -> list[str]:
    """Lower-case, stemmed words of `text` without stop words."""
    return list(filter(None, map(_LEXEMES.__getitem__, text.split())))


def is_fragment(text: str) -> bool:
    """Whether a sentence is too thin to stand alone: few words, or a heading."""
    return _fragment(text, text.split())


def needs_context(text: str) -> bool:
    """Whether a sentence opens with a word that points back ("It also...", "But...")."""
    m = _OPENING.match(text)
    word = m.group(1).lower().replace("’", "'").split("'")[0] if m else ""
    return word in _DANGLING or _POINTING_PHRASE.match(text) is not None


class Parsed(NamedTuple):
    """Sentences tokenised once for every feature: the words of all of them in a row."""

    texts: list[str]
    tokens: list[list[str]]  # white-space tokens of each sentence
    stems: list[str]  # every token's stem, "" for stop words and punctuation
    ends: list[int]  # sentence i's stems are stems[ends[i] : ends[i + 1]]

    def content(self, i: int) -> set[str]:
        """The distinct stems of sentence `i`."""
        got = set(self.stems[self.ends[i] : self.ends[i + 1]])
        got.discard("")
        return got


def parse(texts: list[str]) -> Parsed:
    """Tokenise sentences: one split and one stem lookup per token, both in C."""
    tokens = [t or [""] for t in map(str.split, texts)]
    stems = list(map(_LEXEMES.__getitem__, chain.from_iterable(tokens)))
    return Parsed(texts, tokens, stems, [0, *accumulate(map(len, tokens))])


def _unfinished(tokens: list[str]) -> bool:
    """Too short to be a statement, or a heading (no closing punctuation)."""
    return len(tokens) < MIN_WORDS or tokens[-1].rstrip(_CLOSERS)[-1:] not in _FINAL


def _fragment(text: str, tokens: list[str]) -> bool:
    # A statement has a few lower-case words; bylines, datelines and name lists have not.
    return _unfinished(tokens) or sum(map(str.islower, map(itemgetter(0), tokens))) < 2


def _dangling(text: str, tokens: list[str]) -> bool:
    opening = _OPENINGS[tokens[0]] if tokens else 0
    return opening == 1 or (opening == 2 and needs_context(text))


def positions(parsed: Parsed) -> list[tuple[int, int]]:
    """(index, count) of each sentence among the document's real (non-fragment) sentences."""
    # So that a byline or dateline ahead of the story does not push the lead down the prior.
    # _unfinished for every sentence at once, in C: long enough and closed by punctuation.
    long = map(ge, map(len, parsed.tokens), repeat(MIN_WORDS))
    last = map(str.__getitem__, map(str.rstrip, parsed.texts, repeat(_CLOSERS)), repeat(_LAST))
    before = list(accumulate(map(and_, long, map(_FINAL.__contains__, last)), initial=0))
    count = len(parsed.tokens)
    return list(zip(before[:-1], repeat(before[-1] or count, count), strict=True))


def columns(
    parsed: Parsed,
    positions: Sequence[tuple[int, int]],
    topic: frozenset[str] | Sequence[frozenset[str]],
    model: Model,
) -> list[list[float]]:
    """Feature columns, in FEATURES order, for sentences that share a document or a pool."""
    # Whole-document passes in C (map, sum over slices) rather than a Python loop per word or a
    # dictionary per sentence, and no sentence pairs.
    stems, tokens = parsed.stems, parsed.tokens
    counts = Counter(stems)
    counts[""] = 1  # stop words: (count - 1) below makes them count for nothing
    tally = list(map(counts.__getitem__, stems))
    spans = list(map(slice, parsed.ends, parsed.ends[1:]))
    words = list(map(len, tokens))
    # Shared words with every other sentence (each word's other occurrences in the context)
    # over TextRank's log-length norm.
    logs = list(map(_LOG.__getitem__, map(min, words, repeat(len(_LOG) - 1))))
    mean_log = sum(logs) / len(logs)
    shared = map(sub, map(sum, map(tally.__getitem__, spans)), words)
    degree = list(map(truediv, shared, map(add, logs, repeat(mean_log))))
    top_degree = max(degree) or 1.0
    # The document's most frequent words: at least as frequent as the _KEYWORDS-th.
    ranked = sorted(counts.values(), reverse=True)
    floor = max(2, ranked[_KEYWORDS - 1] if len(ranked) >= _KEYWORDS else 2)
    hits = map(sum, map(list(map(floor.__le__, tally)).__getitem__, spans))
    if isinstance(topic, frozenset):
        covered = map(len, map(topic.intersection, map(stems.__getitem__, spans)))
        cover = list(map(truediv, covered, repeat(len(topic) or 1)))
    else:
        cover = [_coverage(t, stems[s]) for t, s in zip(topic, spans, strict=True)]
    index, count = zip(*positions, strict=True)
    openings = list(map(_OPENINGS.__getitem__, map(itemgetter(0), tokens)))
    dangling = list(map(eq, openings, repeat(1)))
    if 2 in openings:  # a preposition or no word first: "In it, ..."
        for i in (i for i, o in enumerate(openings) if o == 2):
            dangling[i] = needs_context(parsed.texts[i])
    return [
        list(map(eq, index, repeat(0))),
        list(map(truediv, repeat(1.0), map(add, index, repeat(1)))),
        list(map(truediv, index, map(max, count, repeat(1)))),
        list(map(truediv, degree, repeat(top_degree))),
        list(map(truediv, hits, map(max, words, repeat(1)))),
        cover,
        list(map(truediv, map(min, words, repeat(40)), repeat(40))),
        list(map(gt, repeat(10), words)),
        list(map(str.startswith, parsed.texts, repeat(_QUOTES_START))),
        dangling,
    ]


def scores(cols: Sequence[Sequence[float]], model: Model) -> list[float]:
    """The model's score of each sentence: a log-odds of being summary-worthy."""
    total = [model.bias] * len(cols[0])
    for w, col in zip(model.weights, cols, strict=True):
        if w:
            total = list(map(add, total, map(mul, col, repeat(w))))
    return total


def values(cols: Sequence[Sequence[float]], parsed: Parsed, model: Model) -> list[float]:
    """Expected worth of each sentence: log P(summary-worthy) plus a reward for its length."""
    # A k-sentence summary is judged by how much it covers: of two equally likely sentences,
    # the one that says more is worth more. -log1p(exp(-s)) is log P; clipped against overflow.
    odds = map(math.exp, map(min, map(neg, scores(cols, model)), repeat(30.0)))
    lengths = map(_LOG.__getitem__, map(min, map(len, parsed.tokens), repeat(len(_LOG) - 1)))
    return list(map(sub, map(mul, lengths, repeat(model.length_gain)), map(math.log1p, odds)))


def _coverage(terms: frozenset[str], stems: Iterable[str]) -> float:
    """Share of the topic terms that a sentence mentions."""
    return len(terms.intersection(stems)) / len(terms) if terms else 0.0


def _same_content(a: set[str], b: set[str]) -> bool:
    """Near-duplicates: most words of the shorter sentence appear in the other."""
    if not a or not b:
        return not a and not b
    return len(a & b) / min(len(a), len(b)) > _DUPLICATE


def _vector(words: set[str], stems: list[str], model: Model) -> tuple[dict[str, float], float]:
    """The tf-idf vector of a sentence and its norm."""
    vec = {w: stems.count(w) * model.idf.get(w, model.idf_default) for w in words}
    return vec, math.sqrt(sum(v * v for v in vec.values()))


def _cosine(a: tuple[dict[str, float], float], b: tuple[dict[str, float], float]) -> float:
    if len(a[0]) > len(b[0]):
        a, b = b, a
    dot = sum(map(mul, a[0].values(), map(b[0].get, a[0], repeat(0.0))))
    return dot / (a[1] * b[1]) if dot > 0 else 0.0


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
    parsed = parse([text[s:e] for s, e in spans])
    if not spans:
        return spans, parsed, []
    topic = frozenset(content_stems(title or ""))
    return spans, parsed, values(columns(parsed, positions(parsed), topic, model), parsed, model)


def choose(parsed: Parsed, worth: Sequence[float], n: int) -> list[int]:
    """The indices of the `n` best sentences, in document order, readable together."""
    order = sorted(range(len(worth)), key=worth.__getitem__, reverse=True)
    texts, tokens = parsed.texts, parsed.tokens
    chosen: list[int] = []
    words: dict[int, set[str]] = {}
    deferred: list[int] = []
    # Fragments are passed over (checked lazily, best first) unless nothing else is left.
    for i in (i for i in order if not _fragment(texts[i], tokens[i])):
        if len(chosen) >= n:
            break
        mine = words[i] = parsed.content(i)
        if any(_same_content(mine, words[j]) for j in chosen):
            continue
        # "It also..." reads wrongly without its antecedent: wait to see if that gets picked.
        if _dangling(texts[i], tokens[i]) and (i - 1) not in chosen:
            deferred.append(i)
            continue
        chosen.append(i)
        for d in [d for d in deferred if d - 1 in chosen]:
            if len(chosen) < n:
                chosen.append(d)
                deferred.remove(d)
    chosen.extend(deferred[: n - len(chosen)])
    if not chosen:  # only fragments: the best of them
        chosen = order[:n]
    return sorted(chosen)


def summarize_text(
    text: str, n: int = 3, title: str | None = None, doc_id: str = ""
) -> list[Sentence]:
    """Pick the `n` best sentences of one document, returned in document order."""
    if n < 1:
        raise BriefbotError(f"A summary needs at least 1 sentence, not {n}.")
    spans, parsed, worth = rank(text, title, load_model())
    picked = choose(parsed, worth, n)
    return [Sentence(doc_id, i, spans[i][0], spans[i][1], parsed.texts[i]) for i in picked]


def select(candidates: Sequence[Candidate], query: Sequence[str], k: int) -> list[Candidate]:
    """Rank candidates for a query and return the best `k`, best first, without repeats."""
    if k < 1 or not candidates:
        return []
    model = load_model()
    texts = [c.sentence.text for c in candidates]
    query_terms = frozenset(w for q in query for w in content_stems(q))
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_doc.setdefault(c.sentence.doc_id, []).append(i)
    everyone = list(range(len(candidates)))

    def scores_for(pool: list[int]) -> dict[int, float]:
        sub = parse([texts[i] for i in pool])
        cols = columns(
            sub,
            [(candidates[i].sentence.index, candidates[i].doc_sentences) for i in pool],
            [frozenset(content_stems(candidates[i].doc_title)) for i in pool],
            model,
        )
        return dict(zip(pool, scores(cols, model), strict=True))

    # Overlap needs company: a document with few candidates is judged against the pool.
    learned = scores_for(everyone) if any(len(m) < 3 for m in by_doc.values()) else {}
    for members in (m for m in by_doc.values() if len(m) >= 3):
        learned.update(scores_for(members))
    parsed = parse(texts)
    words = [parsed.content(i) for i in everyone]
    dangling = [_dangling(x, t) for x, t in zip(texts, parsed.tokens, strict=True)]
    top_rel = max(c.relevance for c in candidates)
    # Search relevance is on its own scale; normalised, it counts like one strong feature.
    score = [
        learned[i]
        + (c.relevance / top_rel if top_rel > 0 else 0.0)
        + _QUERY_WEIGHT * _coverage(query_terms, words[i])
        for i, c in enumerate(candidates)
    ]
    stems = [parsed.stems[parsed.ends[i] : parsed.ends[i + 1]] for i in everyone]
    vectors = [_vector(w, st, model) for w, st in zip(words, stems, strict=True)]
    usable = [i for i in everyone if not _fragment(texts[i], parsed.tokens[i])] or everyone
    chosen: list[int] = []
    # Each candidate's redundancy with the picks so far, updated against the newest pick only.
    overlap = dict.fromkeys(usable, 0.0)
    while overlap and len(chosen) < k:

        def worth(i: int) -> float:
            top_slot = _TOP_SLOT_COST if not chosen and dangling[i] else 0.0
            redundancy = _REDUNDANCY_COST * overlap[i] if overlap[i] > _REDUNDANT else 0.0
            return score[i] - top_slot - redundancy

        best = max(overlap, key=worth)
        chosen.append(best)
        del overlap[best]
        for i in list(overlap):
            if _same_content(words[i], words[best]):
                del overlap[i]
            else:
                overlap[i] = max(overlap[i], _cosine(vectors[i], vectors[best]))
    return [candidates[i] for i in chosen]
