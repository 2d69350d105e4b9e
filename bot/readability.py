"""Whether sentences read well, alone and together: fragments, pointing openings, repeats."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.summary_features import (
    CLOSERS,
    FINAL,
    MIN_WORDS,
    POINTING_WORDS,
    Parsed,
)
from bot.summary_features import words as words_of

_NOT_CAPITALS = bytes(c for c in range(256) if not 65 <= c <= 90)  # deleted to count capitals
_DUPLICATE = 0.8  # share of the shorter sentence's words in the other: the same sentence, reworded
# "In it, ...", "For this reason ...", "In addition, ...": the pointer comes after a preposition.
_POINTING_PHRASE = re.compile(
    r"^\W*(?:(?:in|on|at|by|for|with|of|from|to|under|after|before|despite|like|against|during)"
    r"\s+(?:it|this|that|these|those|them|him|her|his|their|its)\b"
    r"|(?:in addition|as a result|at the same time|on the other hand|even so|in turn)\b)",
    re.IGNORECASE,
)
# "According to the statement, ": a cited source before the clause that says something.
_CITED_SOURCE = re.compile(r"\W*according to [^,.;]{1,80},\s*", re.IGNORECASE)
# The words that open a pointing phrase ("In it,", "As a result,"): only then is that regex run.
_PHRASE_HEADS = frozenset(
    b"""in on at by for with of from to under after before despite like against during as
    even""".split()
)


def is_fragment(text: str) -> bool:
    """Whether a sentence is too thin to stand alone: few words, or a heading."""
    return _fragment(text, len(words_of(text)))


def _fragment(text: str, words: int) -> bool:
    if words < MIN_WORDS or text.rstrip(CLOSERS)[-1:] not in FINAL:
        return True
    # A statement has a few words that are not names; bylines, datelines and name lists have
    # not. Capital letters stand in for capitalised words: one C-level count, no loop.
    return words - len(text.encode().translate(None, _NOT_CAPITALS)) < 2


def needs_context(text: str) -> bool:
    """Whether a sentence opens with a word that points back ("It also...", "But...")."""
    return _points_back(text, words_of(text)[:1])


def _points_back(text: str, words: list[bytes]) -> bool:
    # The first word as `Parsed` spells it (curly quotes and apostrophes are blanks there): a
    # set lookup, and the regex only after a preposition ("In it, ...").
    word = words[0] if words else b""
    if word in POINTING_WORDS or word == b"such":
        return True
    if word == b"according":
        # The clause after a cited source opens the thought: "According to the statement,
        # such actions ..." points back as "Such actions ..." does.
        m = _CITED_SOURCE.match(text)
        return m is not None and _points_back(text[m.end() :], words_of(text[m.end() :])[:1])
    return word in _PHRASE_HEADS and _POINTING_PHRASE.match(text) is not None


def same_content(a: set[bytes], b: set[bytes]) -> bool:
    """Near-duplicates: most words of the shorter sentence appear in the other."""
    if not a or not b:
        return not a and not b
    return len(a & b) / min(len(a), len(b)) > _DUPLICATE


def choose(parsed: Parsed, worth: Sequence[float], n: int) -> list[int]:
    """The indices of the `n` best sentences, in document order, readable together."""
    order = sorted(range(len(worth)), key=worth.__getitem__, reverse=True)
    texts = parsed.texts
    chosen: list[int] = []
    words: dict[int, set[bytes]] = {}
    deferred: list[int] = []
    # Best first, and the checks run only for the sentences looked at: usually n or a few more.
    for i in order:
        if len(chosen) >= n:
            break
        if _fragment(texts[i], len(parsed.words[i])):  # passed over unless nothing else is left
            continue
        if chosen:  # the first pick has nothing to repeat; word sets only when needed
            for j in chosen:
                if j not in words:
                    words[j] = parsed.content(j)
            mine = words[i] = parsed.content(i)
            if any(same_content(mine, words[j]) for j in chosen):
                continue
        # "It also..." reads wrongly without its antecedent: wait to see if that gets picked.
        if _points_back(texts[i], parsed.words[i]) and (i - 1) not in chosen:
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
