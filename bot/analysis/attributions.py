"""Who says a quotation, read from the words before it: `Xi emphasized that … “…”`.

An `Attribution` is a speaker mention as written with its cue. The nearest speech verb before the
quotation wins, a verb over a speech noun ("his claim"); a participle cue ("…, declaring:") takes
the main clause's subject, a weak cue inside what a say-verb reports gives way to it, and a
source with a colon ("Pew Research: “…”") needs no verb.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.clauses import (
    clause_pronoun,
    earlier_cue_subject,
    named_before,
    outer_subject,
)
from bot.analysis.speakers import (
    DETERMINERS,
    INVERTED,
    NOT_HEADS,
    PRONOUNS,
    Mention,
    Token,
    cue_at,
    passive,
    span_mention,
    subject_after,
    subject_before,
    word_set,
)
from bot.analysis.subjects import plausible, sentence_subject

# "told" is never inverted: who is told does not speak.
TOLD = word_set("told tells tell")
_AUXILIARIES = word_set("was is were are has have had will would could can may might should must")
_OWNERS = word_set("his her their")
_CONNECTIVES = word_set(
    "but and so yet still however also then instead specifically again later indeed"
)


@dataclass(frozen=True)
class Attribution:
    """Who says a piece: the mention as written and the cue as written."""

    mention: Mention
    cue: str


def attribute_before(text: str, toks: list[Token]) -> Attribution | None:
    """`Xi emphasized that … “…”`, `According to the statement, …`: the nearest cue."""
    dashed = _dashed_source(text, toks) or _aside(text, toks)
    if dashed is not None:
        return dashed
    # A verb beats a speech noun ("his claim") when the sentence has both.
    nouns = [i for i in range(1, len(toks)) if toks[i - 1].owner and cue_at(toks, i)]
    order: Sequence[int] = range(len(toks) - 1, -1, -1)
    if nouns:
        order = [i for i in order if i not in nouns] + nouns[::-1]
    for i in order:
        n = cue_at(toks, i)
        if not n or passive(toks, i) or _parenthetical(toks, i):
            continue
        cue = text[toks[i].start : toks[i + n - 1].end]
        if toks[i].low == "according" or i == 0 or connective_only(toks[:i]):
            # "According to the statement, …" and "Said Trump: “…”": the speaker follows.
            mention = subject_after(text, toks, i + n)
        elif (inserted := _inserted(text, toks, i)) is not None:
            mention = inserted
        elif toks[i].low.endswith("ing") and not named_before(toks, i):
            # "…, declaring: “…”", "… issued a statement saying “…”": the subject of the main
            # clause speaks.
            mention = (
                _with_subject(text, toks, i)
                or earlier_cue_subject(text, toks, i)
                or sentence_subject(text, toks[:i])
                or subject_before(text, toks, i)
                or clause_pronoun(toks, i)  # "When he returned he began by saying"
            )
        else:
            # "… when he brought it up and later said …": a cue with no subject of its own
            # shares its clause's (the nearest pronoun) or else the sentence's.
            mention = (
                subject_before(text, toks, i)
                or clause_pronoun(toks, i)
                or sentence_subject(text, toks[:i])
            )
        if mention is not None and not plausible(mention):
            continue  # "Why", "Saturday", "the past", "of Cruz": not a speaker; look further
        k = next((k for k, t in enumerate(toks) if mention and t.start == mention.start), 0)
        # "… regional bodies, which he called “…”": a relative clause's subject speaks.
        relative = k > 0 and toks[k - 1].low in {"which", "whom", "who"}
        if mention is not None and toks[i].low not in INVERTED and not relative:
            # "Cruz said he’s certain Rubio will continue to be “…”": a weak cue inside what a
            # stronger one reports gives way to it.
            report = _reporting(text, toks, i)
            if report is not None:
                return report
        if mention is not None:
            if mention.words == [toks[i - 1].low] and toks[i - 1].low in _OWNERS:
                # "Sanders has pushed his promise of “…”": the owner is the subject.
                mention = _owner_subject(text, toks, i - 1) or mention
            if mention.words[0] in {"he", "she", "they"} and len(mention.words) == 1:
                # "Bolton said he would advise …", "Cruz rails against what he calls …":
                # the sentence's named subject is the source.
                outer = None if relative else outer_subject(text, toks, mention)
                if outer is not None:
                    mention = outer
            return Attribution(mention, cue)
    if len(toks) >= 2 and toks[-1].text == ":":
        # "Pew Research: “…”": a source and a colon, with no verb.
        mention = subject_before(text, toks, len(toks) - 1)
        if mention is None or not mention.text[:1].isupper():
            # "Hoff’s letter makes a libertarian-style case:": the sentence's subject.
            mention = sentence_subject(text, toks)
        if mention is not None and (
            mention.text[:1].isupper()
            or mention.words[0] in PRONOUNS
            # "the Illinois Board of Elections was conclusive in its findings:"
            or (mention.words[0] in DETERMINERS and _capitalized_second(mention.text))
        ):
            return Attribution(mention, ":")
    return None


def _capitalized_second(text: str) -> bool:
    """Whether a mention's second word is capitalized ("the Illinois Board"; not a lone "the")."""
    words = text.split()
    return len(words) > 1 and words[1][:1].isupper()


def _aside(text: str, toks: list[Token]) -> Attribution | None:
    """A parenthetical say-clause earlier in the sentence: "no different, he said, from …"."""
    for c in range(len(toks) - 3, 0, -1):
        if toks[c].text != "," or toks[c - 1].low not in INVERTED - TOLD or toks[c - 1].cap:
            continue
        k = c - 2
        while k >= 0 and toks[k].text != "," and c - k <= 5:
            k -= 1
        if k < 0 or toks[k].text != "," or k == c - 2:
            continue
        mention = subject_before(text, toks, c - 1)
        if mention is not None and mention.start >= toks[k + 1].start and plausible(mention):
            return Attribution(mention, toks[c - 1].text)
    return None


def _dashed_source(text: str, toks: list[Token]) -> Attribution | None:
    """A source named after a dash and before a colon: "Pollsters agree - Carl Bialik: “…”"."""
    if len(toks) < 2 or toks[-1].text != ":":
        return None
    k = len(toks) - 1
    while k > 0 and toks[k - 1].cap and len(toks) - k <= 6:
        k -= 1
    if k == len(toks) - 1 or k == 0:
        return None
    gap = text[toks[k - 1].end : toks[k].start]
    if gap.strip() not in {"-", "—", "–"} or not gap.startswith(" "):
        return None  # only a spaced dash sets the source off from a headline before it
    name = toks[k : len(toks) - 1]
    return Attribution(span_mention(text, name), ":")


def _owner_subject(text: str, toks: list[Token], k: int) -> Mention | None:
    """The sentence's named or pronoun subject, which a possessive at toks[k] refers back to."""
    subject = sentence_subject(text, toks[:k])
    if subject is None or subject.end > toks[k].start or not plausible(subject):
        return None
    first = subject.words[0]
    if first in {"he", "she", "they"} or (subject.text[:1].isupper() and first not in DETERMINERS):
        return subject
    return None


def _parenthetical(toks: list[Token], i: int) -> bool:
    """Whether the cue at toks[i] is inside a relative clause closed before the quotation."""
    # "the announcement, which some have argued was …, was an “…”": it says nothing of the
    # quotation after it.
    c = next((c for c in range(i - 1, max(-1, i - 12), -1) if toks[c].text in ",;:"), -1)
    if c < 0 or toks[c].text != "," or c + 1 >= i or toks[c + 1].low not in {"which", "who"}:
        return False
    # The main clause goes on after it with its verb ("…, was an").
    return any(
        t.text == "," and k + 1 < len(toks) and toks[k + 1].low in _AUXILIARIES
        for k, t in enumerate(toks[i + 1 :], i + 1)
    )


def _with_subject(text: str, toks: list[Token], i: int) -> Mention | None:
    """The subject of an absolute "with" clause: "with many marchers chanting “…”"."""
    for j in range(i - 1, max(-1, i - 9), -1):
        if toks[j].text in ",;:" or cue_at(toks, j):
            return None
        if toks[j].low == "with":
            span = toks[j + 1 : i]
            if not span or span[0].low in PRONOUNS or span[-1].low in NOT_HEADS | DETERMINERS:
                return None
            return span_mention(text, span)
    return None


def _inserted(text: str, toks: list[Token], i: int) -> Mention | None:
    """The speaker of an inserted inverted cue: "…, explained Rosenberg, “…”"."""
    # Also when the sentence goes on after it: "…, says Carl Anthony, a historian, is that …".
    if toks[i - 1].text != "," or toks[i].low not in INVERTED - TOLD:
        return None
    mention = subject_after(text, toks, i + 1)
    if mention is None or not mention.text[:1].isupper():
        return None
    # The name is set off by a comma or a colon after it.
    k = next((k for k in range(i + 1, len(toks)) if toks[k].start >= mention.end), len(toks))
    return mention if k < len(toks) and toks[k].text in ",:" else None


def _reporting(text: str, toks: list[Token], i: int) -> Attribution | None:
    """An earlier say-verb of the sentence, with its subject, that reports the cue at toks[i]."""
    for j in range(i - 1, -1, -1):
        if toks[j].text in ";:":
            return None
        if toks[j].low in INVERTED and cue_at(toks, j) == 1 and not passive(toks, j):
            if j + 1 < len(toks) and toks[j + 1].text == ",":
                return None  # "…, Trump said, calling …": a parenthetical, not a report
            mention = subject_before(text, toks, j)
            if mention is not None and plausible(mention):
                return Attribution(mention, toks[j].text)
            return None
    return None


def connective_only(toks: list[Token]) -> bool:
    """Whether only connectives come before the piece in its sentence ("But “…”", "Then, “…”")."""
    return bool(toks) and all(t.low in _CONNECTIVES or t.text == "," for t in toks)
