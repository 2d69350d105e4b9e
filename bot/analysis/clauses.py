"""Who speaks in a clause: the subject a pronoun or a participle cue defers to."""

from __future__ import annotations

from bot.analysis.speakers import (
    DETERMINERS,
    INVERTED,
    PRONOUNS,
    SKIP,
    Mention,
    Token,
    cue_at,
    passive,
    subject_after,
    subject_before,
    word_set,
)
from bot.analysis.subjects import plausible, sentence_subject

# Words that open a clause of its own: a pronoun after them is not what a say-verb reports.
_BREAKS = word_set("but yet although though")


def outer_subject(text: str, toks: list[Token], inner: Mention) -> Mention | None:
    """The subject of a say-verb right before a pronoun speaker's clause ("Bolton said he …")."""
    # Only a verb within three words counts: a pronoun further on ("Netanyahu said …, although
    # he tweeted that he “…”") or after a clause break ("Stevens says, but she cautions")
    # speaks for itself.
    k = next((k for k, t in enumerate(toks) if t.start == inner.start), -1)
    for j in range(k - 1, max(-1, k - 4), -1):
        if toks[j].low in _BREAKS:
            return None
        if cue_at(toks, j) and not passive(toks, j):
            outer = subject_before(text, toks, j) or sentence_subject(text, toks[:j])
            named = outer is not None and outer.text[:1].isupper()
            if named and outer is not None and outer.words[0] not in PRONOUNS | DETERMINERS:
                return outer
            if outer is not None and outer.words[0] in {"he", "she", "they"}:
                return outer  # "He said that he would offer “…”": the one who says speaks
            if outer is not None and not toks[j].low.endswith("ing") and _description(outer):
                return outer  # "The longtime senator said he …", "critics say he …"
            return None
    return None


def _description(m: Mention) -> bool:
    """A described speaker: "the longtime senator", "critics", "his campaign" (not "it")."""
    words = m.words
    if words[0] in DETERMINERS:
        return len(words) >= 2 and words[-1] not in PRONOUNS and words[-1][:1].isalpha()
    return not m.text[:1].isupper() and words[0] not in PRONOUNS and plausible(m)


def earlier_cue_subject(text: str, toks: list[Token], i: int) -> Mention | None:
    """The subject of a finite cue just before a participle one ("Fiorina said, adding …")."""
    for j in range(i - 1, max(-1, i - 4), -1):
        if toks[j].text in ";:":
            return None
        if j > 0 and toks[j - 1].owner:
            continue  # "impressed with Sanders’ comments Tuesday, telling": a noun, no verb
        if cue_at(toks, j) and not toks[j].low.endswith("ing") and not passive(toks, j):
            if toks[j].low in INVERTED and j + 1 < i and toks[j + 1].text != ",":
                return subject_after(text, toks, j + 1)  # "“…,” said Spicer, adding"
            return subject_before(text, toks, j)
    return None


def named_before(toks: list[Token], i: int) -> bool:
    """Whether a name or pronoun comes right before the cue at toks[i] ("Trump yelling")."""
    j = i - 1
    while j >= 0 and (toks[j].low in SKIP or toks[j].low.endswith("ly")):
        j -= 1
    return j >= 0 and (toks[j].cap or toks[j].low in PRONOUNS)


def clause_pronoun(toks: list[Token], i: int) -> Mention | None:
    """The nearest personal pronoun before the cue at toks[i], within its clause."""
    for j in range(i - 1, max(-1, i - 15), -1):
        if toks[j].text in ";:":
            return None
        if toks[j].low in {"he", "she", "they", "we"} or toks[j].text == "I":
            return Mention(toks[j].start, toks[j].end, toks[j].text)
    return None
