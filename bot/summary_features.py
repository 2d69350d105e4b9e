"""Sentence features for the ranker, computed in whole-document passes at C speed."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate, chain, repeat
from operator import add, and_, eq, ge, gt, not_, sub, truediv
from typing import NamedTuple

from bot.analysis.sentences import CJK_CHARS, FULL_STOPS

# The features, in the order of the weight vector in bot/data/summariser.json.
FEATURES = (
    "first",  # the document's first real sentence: the news lead
    "position",  # 1 / (1 + index): early sentences carry the story
    "overlap",  # shared words with the rest, TextRank-style (favours longer, central sentences)
    "topic",  # share of title and query terms the sentence covers
    "length",  # words / 40, capped: longer sentences say more
    "short",  # under 10 words: thin sentences
    "dangling",  # opens with a pronoun or connective that needs what came before
)
MIN_WORDS = 6  # below this a sentence is a fragment, not a statement
CLOSERS = "\"'”’)»] 」』）"
FINAL = frozenset(".!?…" + FULL_STOPS)
_LAST = slice(-1, None)
LOG_LENGTH = [math.log(max(i, 2)) for i in range(400)]  # log of a sentence's length, capped

# Words are compared as lower-case Latin-1 bytes with punctuation blanked: one encode and one
# `bytes.translate` per document and one `bytes.split` per sentence turn text into words in C,
# where a regex or `str.translate` (whose fast path ends at the first non-ASCII character) is
# several times slower. One byte per character keeps sentence offsets valid in the bytes;
# characters outside Latin-1 (curly quotes, dashes) are encoded as "?", a blank.
_PUNCTUATION = b"!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~" + bytes(range(0x80, 0xC0)) + b"\xd7\xf7"
_CAPITALS = frozenset(range(65, 91)) | frozenset(range(0xC0, 0xDF)) - {0xD7}
WORDS = bytes(c + 32 if c in _CAPITALS else 32 if c in _PUNCTUATION else c for c in range(256))
# Text mostly in other scripts (Cyrillic, Greek, Arabic, ...) has no Latin-1 spelling: its words
# are found by a Unicode regex and compared as UTF-8 bytes, several times slower, so only where
# more than a tenth of the characters are outside Latin-1 (curly quotes and dashes in English
# news are about 1%). Chinese and Japanese are written without spaces: a run of their
# characters counts as its overlapping pairs ("导弹防御" -> "导弹", "弹防", "防御"), the usual
# dictionary-free stand-in for words (a lone character stays a word of its own).
_UNICODE_WORD = re.compile(r"[^\W_]+")
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_FOREIGN_SHARE = 0.1
# NLTK's English stop words. News words such as "said", "mr" and "year" are not stop words:
# a sentence that shares them is more central (on the BBC tuning folds a sentence-pair ranking
# by shared words agrees with the references 90% of the time with them, 87% without).
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which who
    whom this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against between
    into through during before after above below to from up down in out on off over under again
    further then once here there when where why how all any both each few more most other some
    such no nor not only own same so than too very s t can will just don should now d ll m o re
    ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn
    weren won wouldn""".split()
)
_STOP_SET = frozenset(w.encode() for w in STOP_WORDS)
# A title word carries _TOPIC on top of its count in a document's tally, so that one lookup per
# word gives a sentence both its shared-word and its title-word counts (split by divmod). Small
# enough that a sentence's sum stays a machine-size integer (sum() is fastest then).
_TOPIC = 1 << 24  # more than a sentence's shared-word tally (under 4,000 words, it is)
# Opening words that point back to the sentence before (see bot.readability).
POINTING_WORDS = frozenset(
    w.encode()
    for w in """it its this that these those he she they him her them his their hers theirs
    but and also so yet or however still meanwhile nevertheless nonetheless moreover furthermore
    instead thus hence therefore then besides likewise similarly otherwise""".split()
)


class Parsed(NamedTuple):
    """Sentences tokenised once for every feature."""

    texts: list[str]
    words: list[list[bytes]]  # each sentence's lower-case words, punctuation blanked
    distinct: list[set[bytes]]  # each sentence's distinct words, stop words included

    def content(self, i: int) -> set[bytes]:
        """The distinct content words of sentence `i`."""
        return self.distinct[i] - _STOP_SET


def _parsed(texts: list[str], words: list[list[bytes]]) -> Parsed:
    return Parsed(texts, words, list(map(set, words)))


def _foreign(text: str, encoded: bytes) -> bool:
    """Whether more than a tenth of `text` (Latin-1 `encoded`, "?" for the rest) is not Latin-1."""
    return encoded.count(b"?") - text.count("?") > _FOREIGN_SHARE * len(text)


def _unicode_words(text: str) -> list[bytes]:
    """The lower-case words of text in any script, as UTF-8 bytes (ASCII words as in Latin-1)."""
    text = _CJK_RUN.sub(_pairs, text.lower())
    return " ".join(_UNICODE_WORD.findall(text)).encode("utf-8").split()


def _pairs(run: re.Match[str]) -> str:
    """A run of Chinese or Japanese characters as its overlapping pairs, between spaces."""
    s = run.group()
    if len(s) == 1:
        return f" {s} "
    return " " + " ".join(s[i : i + 2] for i in range(len(s) - 1)) + " "


def words(text: str) -> list[bytes]:
    """The words of one sentence, title or query, as `Parsed` spells them."""
    encoded = text.encode("latin-1", "replace")
    if _foreign(text, encoded):
        return _unicode_words(text)
    return encoded.translate(WORDS).split()


def parse(texts: list[str]) -> Parsed:
    """Tokenise sentences from several documents: spelled and split one by one, in C."""
    encoded = list(map(str.encode, texts, repeat("latin-1"), repeat("replace")))
    split = list(map(bytes.split, map(bytes.translate, encoded, repeat(WORDS))))
    for i in [i for i, foreign in enumerate(map(_foreign, texts, encoded)) if foreign]:
        split[i] = _unicode_words(texts[i])
    return _parsed(texts, split)


def parse_document(text: str, spans: Sequence[tuple[int, int]]) -> Parsed:
    """Tokenise a document's sentences: one spelling of the whole text, a split per sentence."""
    cuts = list(map(slice, *zip(*spans, strict=True))) if spans else []
    texts = list(map(text.__getitem__, cuts))
    encoded = text.encode("latin-1", "replace")
    if _foreign(text, encoded):
        return _parsed(texts, list(map(_unicode_words, texts)))
    return _parsed(texts, list(map(bytes.split, map(encoded.translate(WORDS).__getitem__, cuts))))


def terms(text: str) -> frozenset[bytes]:
    """The content words of a title or query, as `Parsed` spells them."""
    return frozenset(words(text)) - _STOP_SET


def positions(parsed: Parsed) -> list[int]:
    """Each sentence's index among the document's real sentences (a fragment counts as the
    next one's, so only a real sentence is ever the lead)."""
    # So that a byline or dateline ahead of the story does not push the lead down the prior.
    # Long enough and closed by punctuation, for every sentence at once, in C.
    long = map(ge, map(len, parsed.words), repeat(MIN_WORDS))
    last = map(str.__getitem__, map(str.rstrip, parsed.texts, repeat(CLOSERS)), repeat(_LAST))
    real = list(map(and_, long, map(FINAL.__contains__, last)))
    return list(map(add, accumulate(real, initial=0), map(not_, real)))


def columns(
    parsed: Parsed,
    positions: Sequence[int],
    topic: frozenset[bytes] | Sequence[frozenset[bytes]],
) -> list[list[float]]:
    """Feature columns, in FEATURES order, for sentences that share a document or a pool."""
    # Whole-document passes in C (map, sum over a map per sentence) rather than a Python loop
    # per word, and no sentence pairs: a word is hashed once (into its sentence's set).
    words = parsed.words
    if not words:
        return [[] for _ in FEATURES]
    # Each sentence's distinct content words: a word counts once per sentence that has it
    # (TextRank counts repeats; on the BBC tuning folds distinct words agree with the
    # references more). Stop words go before counting: fewer words to count and look up.
    sets = list(map(set.difference, parsed.distinct, repeat(_STOP_SET)))
    counts = Counter(chain.from_iterable(sets))
    if isinstance(topic, frozenset):  # one document: its title words are marked in the tally
        for term in topic:
            counts[term] += _TOPIC
    tallies = map(sum, map(map, repeat(counts.__getitem__), sets))
    covered, shared = zip(*map(divmod, tallies, repeat(_TOPIC)), strict=True)
    content = list(map(len, sets))
    # The other sentences that share each content word, over the log of the sentence's content
    # words: TextRank's degree with its pairwise norm reduced to this side (which agrees with
    # the BBC references more often than adding the mean length).
    logs = map(LOG_LENGTH.__getitem__, map(min, content, repeat(len(LOG_LENGTH) - 1)))
    degree = list(map(truediv, map(sub, shared, content), logs))
    top_degree = max(degree) or 1.0
    lengths = list(map(len, words))
    if isinstance(topic, frozenset):
        cover = list(map(truediv, covered, repeat(len(topic) or 1)))
    else:
        cover = [len(t.intersection(w)) / (len(t) or 1) for t, w in zip(topic, words, strict=True)]
    firsts = map(next, map(iter, words), repeat(b""))
    return [
        list(map(eq, positions, repeat(0))),
        list(map(truediv, repeat(1.0), map(add, positions, repeat(1)))),
        list(map(truediv, degree, repeat(top_degree))),
        cover,
        list(map(truediv, map(min, lengths, repeat(40)), repeat(40))),
        list(map(gt, repeat(10), lengths)),
        list(map(POINTING_WORDS.__contains__, firsts)),
    ]


def scores(cols: Sequence[Sequence[float]], weights: Sequence[float], bias: float) -> list[float]:
    """The model's score of each sentence: a log-odds of being summary-worthy."""
    # One pass over ~20 sentences in a comprehension beats a map per feature (fixed cost each);
    # the unpacking fails loudly if FEATURES changes without this.
    a, b, c, d, e, f, g = weights
    return [
        bias + a * x1 + b * x2 + c * x3 + d * x4 + e * x5 + f * x6 + g * x7
        for x1, x2, x3, x4, x5, x6, x7 in zip(*cols, strict=True)
    ]
