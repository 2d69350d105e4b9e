"""Speaker mentions around a quotation: cue verbs and the noun phrase that speaks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot import DATA_DIR


def word_set(words: str) -> frozenset[str]:
    """The set of the white-space separated words of a lexicon string."""
    return frozenset(words.split())


# Verbs that introduce speech or writing, as lemmas; inflections are generated below.
_CUE_LEMMAS: dict[str, Any] = json.loads((DATA_DIR / "quotes_cues.json").read_text("utf-8"))


def _inflect(lemma: str) -> set[str]:
    """The forms of a regular-ish verb: says, said, saying (irregular forms are listed as such)."""
    forms = {lemma}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
        if re.fullmatch(r".*[^aeiou][aeiou][bdglmnprt]", lemma) and len(lemma) <= 4:
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


CUES: frozenset[str] = frozenset(
    form for lemma in _CUE_LEMMAS["verbs"] for form in _inflect(lemma)
) | frozenset(_CUE_LEMMAS["irregular"])
# Cues that only count with a particle ("pointed out", "went on to say").
PARTICLE_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _CUE_LEMMAS["particles"].items()
}
# Cues that may come before their subject: "“…,” said Putin".
INVERTED = word_set(
    """said says say wrote writes added adds asked asks told tweeted continued explained replied
    responded recalled noted notes argued declared according insisted countered concluded
    offered quipped explained warned stated agreed agrees barked mused muses shouted yelled
    cried exclaimed boasted admitted acknowledged conceded complained joked laughed snapped
    retorted predicted promised remembered remarked observed announced answered posted chanted
    whispered screamed sighed added explains continues tweets writes recalls admits insists
    quips jokes asserted maintained contended reiterated echoed confirmed"""
)
PRONOUNS = word_set(
    "he she they it we i you who which he’s she’s they’re we’re i’m it’s he's she's they're we're"
)
PERSON_PRONOUNS = word_set("he she")
# Words between a subject and its cue: "Trump also said", "she has long argued".
SKIP = word_set(
    """also has have had would will was were is are then later again once further
    specifically just even still never often long previously recently repeatedly reportedly
    only already frequently flatly quickly simply publicly privately later, earlier had
    has since first famously bluntly angrily calmly did does do didn’t doesn’t don’t not
    could should may might must can to"""
)
POSSESSIVES = word_set("his her their its our my your")
# Speech nouns that are cues after a possessive ("his claim that …").
NOUN_CUES = word_set(
    """statement statements comment comments remark remarks claim claims promise promises call
    calls criticism assertion warning words pledge vow description message tweet tweets speech
    characterization insistence argument admission suggestion accusation charge"""
)
# Time words between a subject and its cue, never names of speakers.
TIMES = word_set(
    """monday tuesday wednesday thursday friday saturday sunday today yesterday tonight week
    month year morning afternoon evening night january february march april may june july
    august september october november december earlier later"""
)
# Words that begin a description of a speaker, like determiners ("one source", "two aides").
QUANTIFIERS = word_set("one another some many several two three four both each every most")
DETERMINERS = word_set("the a an his her their its this our my your these those")
# Words that cannot end a noun phrase.
NOT_HEADS = word_set(
    """by of to for as with in on at from and or but that which who be been being is was are
    were has have had not than into about over after before while when if until unless
    because although though whereas where"""
)
# Capitalized words that begin sentences rather than names.
FUNCTION_CAPS = word_set(
    """the a an and but or so then in on at for as if when while after before since however
    meanwhile still also his her their our my this that these those there it its he she they
    we i you asked earlier later last first according speaking writing during with by from
    to of yet even now today yesterday on"""
)


@dataclass(frozen=True)
class Mention:
    """A speaker mention as written, with its offsets and the words it is made of."""

    start: int
    end: int
    text: str

    @property
    def words(self) -> list[str]:
        """The mention's words, lower-cased."""
        return self.text.lower().split()


# Words ("U.S." whole, but "said.Trump" split at its period) and clause punctuation.
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z][\w’'&-]*(?:s’(?!\w)|\w)|[A-Za-z]|[,;:]")


# (low, cap, owner) of each word seen: words recur, and a Token is made for every word of every
# window.
_SHAPES: dict[str, tuple[str, bool, bool]] = {}
_OWNER_ENDS = ("’s", "'s", "s’")


class Token:
    """A word (or clause punctuation) of the attribution text, with offsets."""

    __slots__ = ("cap", "end", "low", "owner", "start", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start = start
        self.end = end
        self.text = text
        shape = _SHAPES.get(text)
        if shape is None:
            if len(_SHAPES) >= 1 << 17:
                _SHAPES.clear()  # bounded: a long ingest meets an open vocabulary
            # Lower-cased, without a trailing period; whether it is capitalized; whether it is a
            # possessive ("his", "Trump’s").
            low = text.lower().rstrip(".")
            owner = low in POSSESSIVES or text.endswith(_OWNER_ENDS)
            shape = _SHAPES[text] = (low, text[:1].isupper(), owner)
        self.low, self.cap, self.owner = shape

    def __repr__(self) -> str:
        return f"Token({self.start}, {self.end}, {self.text!r})"


def tokens(text: str, start: int, end: int) -> list[Token]:
    """The words and clause punctuation of text[start:end]."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]


def cue_at(toks: list[Token], i: int) -> int:
    """How many tokens a cue starting at toks[i] takes (0: no cue there)."""
    low = toks[i].low
    if toks[i].cap and i > 0 and low != "according" and toks[i - 1].text != ",":
        return 0  # "the Washington Post", "United States": names, not verbs
    if i > 0 and toks[i - 1].owner:
        # "his promise of “free college”": a speech noun owned by its speaker.
        return 1 if low in NOUN_CUES else 0
    if i > 0 and toks[i - 1].low in DETERMINERS:
        return 0  # "the email", "a report": nouns, not verbs
    if low == "according" and i + 1 < len(toks) and toks[i + 1].low == "to":
        return 2
    if low in PARTICLE_CUES:
        nxt = toks[i + 1].low if i + 1 < len(toks) else ""
        return 2 if nxt in PARTICLE_CUES[low] else 0
    return 1 if low in CUES else 0


def possessive(tok: Token) -> bool:
    """Whether the token is a possessive: "his", "Trump’s"."""
    return tok.owner


_ADVERBS = word_set("often also long still never once even already sometimes since")


def passive(toks: list[Token], i: int) -> bool:
    """Whether the cue at toks[i] is passive ("was asked"): its subject is not the speaker."""
    j = i - 1
    while j > 0 and (toks[j].low.endswith("ly") or toks[j].low in _ADVERBS) and not toks[j].cap:
        j -= 1  # "was often labeled", "is widely described"
    return (
        j >= 0
        and j < i
        and toks[j].low in {"was", "were", "been", "being", "be", "is", "are"}
        and (toks[i].low.endswith("ed") or toks[i].low in {"told", "said"})
    )


def _is_name_word(tok: Token) -> bool:
    return tok.cap and tok.low not in FUNCTION_CAPS


def subject_before(text: str, toks: list[Token], cue: int) -> Mention | None:
    """The noun phrase that speaks before the cue at toks[cue] ("Xi" in "Xi said")."""
    i = cue - 1
    while i >= 0 and (
        ((toks[i].low in SKIP or toks[i].low.endswith("ly")) and not toks[i].cap)
        or toks[i].low in TIMES
        or (
            toks[i].low in {"on", "last", "this", "next", "in"}
            and i + 1 < cue
            and toks[i + 1].low in TIMES
        )
    ):
        i -= 1  # "Trump also said", "Beck on Wednesday called"
    if i < 0:
        return None
    if toks[i].low == "as" and i >= 2 and toks[i - 1].low in _QUOTED:
        return subject_before(text, toks, i - 1)  # "Braynard is quoted as saying"
    if i == cue - 1 and possessive(toks[i]):
        # "his promise", "Trump’s claim": the owner speaks.
        j = i
        while toks[i].cap and j > 0 and toks[j - 1].cap and toks[j - 1].low not in FUNCTION_CAPS:
            j -= 1
        return span_mention(text, toks[j : i + 1])
    if toks[i].text == ",":
        # An apposition or relative clause: "Trump, the nominee, said" -> Trump.
        j = i - 1
        while j >= 0 and toks[j].text not in ",;:" and i - j <= 20:
            j -= 1
        if j >= 0 and toks[j].text == ",":
            # "Clinton, during a town hall in Columbus, Ohio, said": the subject comes before
            # any fronted prepositional phrase.
            end = j
            while end > 0:
                k = end - 1
                while k >= 0 and toks[k].text not in ",;:" and end - k <= 20:
                    k -= 1
                # A prepositional phrase, or nothing at all ("Cory James, 22, of Flint, Mich.,").
                if k < 0 or toks[k].text != "," or toks[k + 1].low not in _PARENTHETICALS | {","}:
                    break
                end = k
            head = subject_before(text, toks, end)
            if end < j and (
                head is None
                or not head.text[:1].isupper()
                or any(t.text in ",;:" for t in toks[:end])
            ):
                head = subject_before(text, toks, j)  # only a clause-opening name skips them
            if head is not None and toks[j + 1].low in _RELATIVES:
                return head  # "The complaint, which was filed in Washington, alleged"
            inner = _phrase_ending(text, toks, i - 1)
            # "the company’s chief, Ilse Berg, said": the name in the apposition speaks.
            named = inner is not None and inner.text[:1].isupper()
            if (
                inner is not None
                and named
                and inner.words[0] not in PRONOUNS
                and (head is None or not head.text[:1].isupper() or head.words[0] in DETERMINERS)
            ):
                return inner
            if head is not None:
                return head
        return _phrase_ending(text, toks, i - 1)
    return _phrase_ending(text, toks, i)


def _phrase_ending(text: str, toks: list[Token], i: int) -> Mention | None:
    """The noun phrase (name, pronoun or description) whose last word is toks[i]."""
    if i < 0 or toks[i].text in ",;:":
        return None
    last = toks[i]
    if (last.low in PRONOUNS and last.low != "i") or last.text == "I":
        return Mention(last.start, last.end, last.text)
    if last.low in DETERMINERS or last.low in NOT_HEADS:
        return None
    j = i
    if _is_name_word(last) or last.cap:
        while j - 1 >= 0 and (
            _is_name_word(toks[j - 1])
            or (
                toks[j - 1].low in {"of", "de", "van", "von", "and", "for"}
                and toks[j - 2 : j - 1]
                and toks[j - 2].cap
            )
            or (
                # "Speaker of the House Paul Ryan": "of the" inside a title.
                toks[j - 1].low == "the" and j >= 3 and toks[j - 2].low == "of" and toks[j - 3].cap
            )
        ):
            j -= 1
        if toks[j].low in {"of", "and", "for"}:
            j += 1
        if j - 1 >= 0 and toks[j - 1].low in DETERMINERS:
            j -= 1
        elif j >= 2 and toks[j - 1].low in {"to", "with"} and toks[j - 2].low.endswith("ing"):
            # "Another source speaking to Fox News said": the name is the participle's object.
            k = next(
                (
                    k
                    for k in range(j - 3, max(-1, j - 9), -1)
                    if toks[k].text in ",;:"
                    or toks[k].low in DETERMINERS
                    or toks[k].low in QUANTIFIERS
                ),
                -1,
            )
            if k >= 0 and toks[k].text not in ",;:":
                j = k
    else:
        # A description: the nearest determiner within five words ("the joint statement").
        # The furthest one, so "a voice-over in the ad" is whole.
        k, j = i, -1
        while (
            k >= 0 and i - k < 8 and toks[k].text not in ",;:" and (k == i or not cue_at(toks, k))
        ):
            if toks[k].low in PRONOUNS:
                break
            if toks[k].low in DETERMINERS or toks[k].low in QUANTIFIERS:
                j = k
            k -= 1
        if j < 0:
            return None
    if j > 0 and toks[j].low in DETERMINERS and toks[j - 1].low in _PREPOSITIONS:
        return None  # "in the past described", "in a later interview said": an object
    return span_mention(text, toks[j : i + 1])


def span_mention(text: str, span: list[Token]) -> Mention:
    """A mention over these tokens, cut from the left to at most eight words."""
    # A parenthesis is not part of the name: a party and state tag after it ("Jason Chaffetz
    # (R-Utah)") is left out, and a dateline before it ("LONDON (Reuters) - Donald Trump").
    k = next((k for k in range(1, len(span)) if text[span[k].start - 1] == "("), 0)
    if k:
        after = next(
            (m for m in range(k + 1, len(span)) if ")" in text[span[m - 1].end : span[m].start]), 0
        )
        span = span[after:] if after else span[:k]
    start, end = span[0].start, span[-1].end
    k = 0
    while len(text[start:end].split()) > 8 and k + 1 < len(span):
        k += 1
        start = span[k].start
    return Mention(start, end, text[start:end])


_PREPOSITIONS = word_set("in on at of for from with about into over under after before during")
_QUOTED = word_set("quoted described")
_PARENTHETICALS = _PREPOSITIONS | word_set("during speaking")
_RELATIVES = word_set("who which whose where when whom")
_AFTER_STOPS = word_set(
    "in on at to during after before that about when while as who which whose because since"
)


def subject_after(text: str, toks: list[Token], cue_end: int) -> Mention | None:
    """The noun phrase after an inverted cue: "Putin" in "said Putin"."""
    i = cue_end
    if i >= len(toks) or toks[i].text in ",;:":
        return None
    first = toks[i]
    if first.low in PRONOUNS:
        return Mention(first.start, first.end, first.text)
    if first.low in NOT_HEADS:
        return None  # "said of Cruz": an object, not a speaker
    j = i
    described = first.low in DETERMINERS or first.low in QUANTIFIERS
    if described:
        j += 1
    while j < len(toks) and j - i < 8 and toks[j].text not in ",;:":
        if toks[j].low in CUES and j > i and not toks[j].cap and toks[j - 1].low not in DETERMINERS:
            break  # the next verb ("said Sanders, who argued"); not a noun ("the report")
        if toks[j].low in _AFTER_STOPS:
            break
        if j > i and toks[j - 1].cap and not toks[j].cap and first.cap:
            break  # "said Sanders as he …": the name ends at the first lower-case word
        j += 1
    if j == i + 1 and first.low in {"one", "another"}:
        return Mention(first.start, first.end, first.text)  # "“…,” read one."
    if j == i or (j == i + 1 and described):
        return None
    if not any(t.cap for t in toks[i:j]) and not described:
        return None
    return span_mention(text, toks[i:j])
