"""Key phrases of a corpus: candidate topics for `briefbot topics --suggest`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.analysis.lexicons import lexicons


def _words(text: str) -> frozenset[str]:
    """The white-space separated words of `text`, as a set."""
    return frozenset(text.split())


# Capitalised runs ("Golden Dome", "Russian President Vladimir Putin") and lower-case words.
_CAPS = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:-[A-Z][a-z]+)*(?: [A-Z][a-z]+(?:-[A-Z][a-z]+)*)+")
_WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]*(?:[-'’][A-Za-z][a-z]*)*|[^\sA-Za-z]+")
# Words that never start or end a topic phrase, beyond the shared stopwords: reporting verbs,
# vague quantifiers and fillers that make poor topics.
_EXTRA_STOP = _words(
    """said says say told added according also would could should might must may can will
        shall us its it's there several many much more most some any each every such other another
        own same certain various including like likely really well just even still often new old
        good great big small high low long short whole part lot lots way ways thing things time
        times year years day days week weeks month months people person one two three first last
        next per via amid among upon whether mr mrs ms dr make makes made making take takes took
        get gets got give gives gave come comes came go goes went sure want wants see seen know"""
)
_MAX_WORDS = 3


def _is_stop(word: str) -> bool:
    """Whether a word may not open, close or sit inside a phrase."""
    lower = word.lower()
    return lower in lexicons().stop or lower in _EXTRA_STOP


def _titled(words: list[str], titles: frozenset[str]) -> bool:
    """Whether the words open with a one- or two-word title."""
    return bool(words) and (words[0] in titles or " ".join(words) in titles)


def _name_phrases(text: str) -> Counter[str]:
    """Multi-word capitalised names, without leading function words, demonyms or titles."""
    lx = lexicons()
    found: Counter[str] = Counter()
    for m in _CAPS.finditer(text):
        words = m.group().split()
        while words:
            if " ".join(words[:2]) in lx.titles:  # "Prime Minister Keir Starmer"
                words = words[2:]
            elif _is_stop(words[0]) or words[0] in lx.titles:
                words = words[1:]
            elif words[0] in lx.demonyms and (
                _titled(words[1:3], lx.titles) or not lx.given.isdisjoint(words[1:2])
            ):
                words = words[1:]  # "Chinese President Xi Jinping", not "Democratic Party"
            else:
                break
        while words and _is_stop(words[-1]):
            words = words[:-1]
        if 2 <= len(words) <= 4 and not any(_is_stop(w) for w in words):
            found[" ".join(words)] += 1
    return found


def _good_ends(words: list[str]) -> bool:
    """Whether an n-gram looks like a noun phrase: not opened by an adverb, closed by a noun."""
    first, last = words[0], words[-1]
    if first.endswith("ly") or last.endswith(("ly", "ing", "ed")):
        return False
    return all(len(w) > 2 for w in words)


def _noun_phrases(text: str) -> Counter[str]:
    """Lower-case word n-grams (2-3 words) that contain no stopword or punctuation."""
    found: Counter[str] = Counter()
    run: list[str] = []
    for m in _WORD.finditer(text):
        word = m.group()
        if not word[0].islower() or _is_stop(word) or "’" in word or "'" in word:
            _add_ngrams(run, found)
            run = []
            continue
        run.append(word)
    _add_ngrams(run, found)
    return found


def _add_ngrams(run: list[str], found: Counter[str]) -> None:
    """Count the 2- and 3-word n-grams of a run of content words that look like noun phrases."""
    for n in range(2, _MAX_WORDS + 1):
        for i in range(len(run) - n + 1):
            gram = run[i : i + n]
            if _good_ends(gram):
                found[" ".join(gram)] += 1


def _subphrases(phrase: str) -> list[str]:
    """The shorter phrases (of two words or more) inside `phrase`."""
    words = phrase.split()
    return [
        " ".join(words[i : i + n]) for n in range(2, len(words)) for i in range(len(words) - n + 1)
    ]


def key_phrases(texts: Iterable[str], limit: int = 10) -> list[tuple[str, int]]:
    """Return up to `limit` (phrase, document count) pairs, most widespread first."""
    docs: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text in texts:
        found = _name_phrases(text) + _noun_phrases(text)
        docs.update(found.keys())
        total.update(found)
    # A phrase must recur (in two documents, or twice in one) to suggest a topic.
    kept = {p for p, n in total.items() if n >= 2}
    # A phrase always followed by the same word is unfinished ("global missile [defense]").
    unfinished: set[str] = set()
    for p in kept:
        head = p.rpartition(" ")[0]
        if " " in head and total[head] == total[p]:
            unfinished.add(head)
    kept -= unfinished
    # A longer phrase adds nothing when a phrase inside it is at least as common.
    kept = {p for p in kept if not any(q in kept and docs[q] >= docs[p] for q in _subphrases(p))}
    ranked = sorted(kept, key=lambda p: (-docs[p], -total[p], -len(p.split()), p))
    return [(p, docs[p]) for p in ranked[: max(0, limit)]]
