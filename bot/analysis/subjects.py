"""The subject of a sentence's main clause, and whether a mention can be a speaker at all."""

from __future__ import annotations

from bot.analysis.speakers import (
    CUES,
    DETERMINERS,
    FUNCTION_CAPS,
    NOT_HEADS,
    POSSESSIVES,
    PRONOUNS,
    QUANTIFIERS,
    SKIP,
    TIMES,
    Mention,
    Token,
    span_mention,
    word_set,
)

_NOT_SPEAKERS = word_set(
    """why how what where ask name most it’s it's here there that’s that's there’s there's
    what’s what's here’s here's good"""
)
_HERE = word_set("here there")
_OPENERS = word_set(
    """in on at after before during following later earlier meanwhile last this yesterday
    today reflecting speaking writing asked early for while although though as since because
    with without despite amid under over now once until having when where if unlike like
    instead back years months weeks days hours minutes moments between based moreover
    somewhere even"""
)
_QUESTIONS = word_set("why how what where when whether which who")
_PARTICIPLE_OBJECTS = word_set("at by with about over in from for to")
_CONNECTIVES = word_set("but and so yet still however also then lastly finally instead indeed")


def sentence_subject(text: str, toks: list[Token]) -> Mention | None:
    """The subject of a sentence's main clause: "It" in "It also condemned …, declaring:"."""
    i = 0
    while i < len(toks) and (
        toks[i].low in _CONNECTIVES or (toks[i].text.isupper() and len(toks[i].text) > 2)
    ):
        i += 1  # "But", "Also", and datelines ("TALLAHASSEE —")
        if i < len(toks) and toks[i].text == ",":
            i += 1
    if i < len(toks) and toks[i].low in _QUESTIONS:
        return None
    # Fronted phrases, one after another: "On Thursday, after remaining neutral, Warren …".
    while i < len(toks):
        comma = next((k for k in range(i, min(len(toks), i + 25)) if toks[k].text == ","), -1)
        fronted = (
            toks[i].low in _OPENERS
            or (toks[i].low.endswith(("ing", "ly")) and not _name_like(toks, i))
            or toks[i].low in NOT_HEADS
            or _participle(toks, i)
        )
        # "A few days later, Trump …", "Here in Columbia, Sanders …": a time or place in front.
        if not fronted and 0 < comma - i <= 6 and toks[i].low not in PRONOUNS:
            chunk = toks[i:comma]
            fronted = chunk[0].low in _HERE or any(t.low in TIMES or t.low == "ago" for t in chunk)
            # "Trump said Tuesday, …" is a clause, not a fronted time.
            fronted = fronted and not any(t.low in CUES and not t.cap for t in chunk[1:])
        if not fronted:
            break
        if comma < 0:
            return None
        i = comma + 1
    if i >= len(toks):
        return None
    first = toks[i]
    if first.low in PRONOUNS:
        return Mention(first.start, first.end, first.text)
    j = i
    named = first.cap and first.low not in DETERMINERS and first.low not in QUANTIFIERS
    while j < len(toks) and j - i < 6 and toks[j].text not in ",;:":
        low = toks[j].low
        verb = low in SKIP or low in CUES or low.endswith("ed")
        after_article = j == i + 1 and first.low in DETERMINERS  # "The email goes on …"
        if j > i and verb and not toks[j].cap and not after_article:
            break
        if j > i and named and not toks[j].cap:
            break  # "Senator Lena Park spoke …": the name ends at its first lower-case word
        j += 1
    if j == i:
        return None
    return span_mention(text, toks[i:j])


def _participle(toks: list[Token], i: int) -> bool:
    """Whether a past participle opens a fronted phrase: "Horrified at the prospect, …"."""
    return (
        len(toks[i].low) > 5
        and toks[i].low.endswith("ed")
        and i + 1 < len(toks)
        and toks[i + 1].low in _PARTICIPLE_OBJECTS
    )


def _name_like(toks: list[Token], i: int) -> bool:
    """Whether a capitalized "-ing" or "-ly" word is a name ("Carly Fiorina", "King said")."""
    if not toks[i].cap or i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    return nxt.cap or nxt.low in CUES or (nxt.low in SKIP and nxt.low != "to")


def plausible(mention: Mention) -> bool:
    """Whether a mention can be a speaker: not a time, a question word or a stray fragment."""
    words = mention.words
    first = words[0].strip(",.")
    if first in PRONOUNS or first in DETERMINERS or first in QUANTIFIERS:
        return not (len(words) == 1 and first in DETERMINERS - POSSESSIVES)
    if not mention.text[:1].isupper():
        # "federal prosecutors wrote": a short plural description; "of Cruz", "giving": no.
        return len(words) <= 3 and not any(w in NOT_HEADS for w in words) and first[-1:] == "s"
    if len(words) == 1:
        return first not in TIMES and first not in FUNCTION_CAPS and first not in _NOT_SPEAKERS
    return True
