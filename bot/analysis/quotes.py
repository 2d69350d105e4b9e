"""Direct quotations with their speaker and cue.

Each record's `text` is the quoted words without the quotation marks (`text == doc[start:end]`);
a quotation cut into several quotation-marked pieces gives one record per piece, all with the
same speaker. A closing mark with no opening one (a typo) quotes back to a sensible start: the
start of its clause, or after a quoted name earlier in it ("the “X” system would ..." gives
"would ..."). Names, titles and scare quotes (short and capitalized, "so-called", or short with
no speech verb around) are not offered. `speaker_start:speaker_end` is the mention as written
("he", "the statement"), `speaker` the name it resolves to ("Xi" -> "Xi Jinping", the statement
-> its issuers), `cue` the speech verb or phrase as written ("said", "According to", ":"). A
piece of six words or more with nobody to attribute it to is still offered, with all three None.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.marks import Piece, find_pieces
from bot.analysis.referents import Referents
from bot.analysis.speakers import (
    DETERMINERS,
    INVERTED,
    NOT_HEADS,
    PRONOUNS,
    SKIP,
    Mention,
    Token,
    cue_at,
    passive,
    possessive,
    sentence_subject,
    subject_after,
    subject_before,
    tokens,
    word_set,
)
from bot.models import Entity, Quote

# A sentence break: terminal punctuation, closing marks, space, then a capital or an opening mark.
_BREAK = re.compile(r"(?<=[.!?])[”\"’)]*\s+(?=[“\"‘(]?[A-Z0-9])|\n+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|St|Jr|Sr|Rev|Ft|Mt|No|vs|[A-Z]))\.$"
)
_ADVERBS = word_set("also then later has had once again further")
_BARE = word_set("the a an this that these those from of to in on at by with for")
_SMALL = word_set("a an the of and or for to in on at by with de la du von van vs")


@dataclass(frozen=True)
class Attribution:
    """Who says a piece: the mention as written and the cue as written."""

    mention: Mention
    cue: str


def extract_quotes(text: str, doc_id: str = "", people: Sequence[Entity] = ()) -> list[Quote]:
    """Return the attributed direct quotations in `text`, one record per quoted piece."""
    pieces = find_pieces(text)
    if not pieces:
        return []
    doc = _Doc(
        text, _sentence_starts(text), [(p.start - p.opened, p.end + p.closed) for p in pieces]
    )
    refs = Referents(text, doc.quoted, people)
    out: list[Quote] = []
    prev: tuple[Attribution, str | None, int] | None = None  # attribution, name, piece end
    for p in pieces:
        attr, adjacent, inherited, spoken = _attribute(doc, p, prev)
        if not _offered(text, p, spoken, adjacent):
            continue
        name: str | None = None
        if attr is not None:
            name = prev[1] if inherited and prev else refs.resolve(attr.mention, _last(prev))
            prev = (attr, name, p.end)
        out.append(
            Quote(
                text=text[p.start : p.end],
                speaker=name,
                speaker_start=attr.mention.start if attr else None,
                speaker_end=attr.mention.end if attr else None,
                cue=attr.cue if attr else None,
                doc_id=doc_id,
                start=p.start,
                end=p.end,
            )
        )
    return out


class _Doc:
    """A text with its sentence starts and quoted ranges (marks included), for attribution."""

    def __init__(self, text: str, starts: list[int], quoted: list[tuple[int, int]]) -> None:
        self.text = text
        self.starts = starts
        self.quoted = quoted
        self.quoted_starts = [s for s, _ in quoted]
        self._seen: dict[tuple[int, int], list[Token]] = {}

    def outside(self, window: tuple[int, int]) -> list[Token]:
        """The window's tokens that are not inside a quotation (each window tokenised once)."""
        toks = self._seen.get(window)
        if toks is None:
            toks = self._seen[window] = _outside(self.text, window, self.quoted, self.quoted_starts)
        return toks


def _attribute(
    doc: _Doc, p: Piece, prev: tuple[Attribution, str | None, int] | None
) -> tuple[Attribution | None, bool, bool, bool]:
    """Who says the piece, and whether: cued right after it, inherited, speech at all."""
    text = doc.text
    before, after, beyond = _windows(text, p, doc.starts)
    attr = _attribute_after(text, doc.outside(after)) if p.closed else None
    adjacent = attr is not None
    if attr is None:
        attr = _attribute_before(text, doc.outside(before))
    opens_sentence = not text[before[0] : before[1]].strip()
    if attr is None and p.closed and beyond[1] > after[1]:
        # "“… ?” Trump said.": the attribution after a quote that ends its sentence.
        attr = _attribute_after(text, doc.outside(beyond), reach=4)
    if attr is None and p.closed:
        # "… “arbitrarily detained” by Britain, the panel said.": a closing attribution.
        attr = _attribute_final(text, doc.outside(after))
    if attr is None and opens_sentence:
        # "Dianne Bystrom agreed. “…”": a speech verb in the sentence just before.
        attr = _introduced(doc, p)
    if attr is None and opens_sentence and prev is not None and _continues(text, prev[2], p):
        # "“…,” he said. “…”" and quotations continued in the next paragraph: the previous
        # quotation's speaker goes on. (Taking the subject of the narrative sentence before
        # instead was wrong four times in five on the train split.)
        return prev[0], False, True, True
    if attr is not None:
        # "“…,” Sanders said, according to CNN.": the outer source is the one cited.
        attr = _according(text, doc.outside(after)) or attr
    if attr is not None and not _usable(attr):
        # A speech verb with no usable subject ("The … calling …"): speech, speaker unknown.
        return None, adjacent, False, True
    return attr, adjacent, False, attr is not None


def _last(prev: tuple[Attribution, str | None, int] | None) -> str | None:
    return prev[1] if prev else None


def _sentence_starts(text: str) -> list[int]:
    """Where each sentence starts (a fast splitter: attribution only needs rough bounds)."""
    starts = [0]
    for m in _BREAK.finditer(text):
        if m.group().startswith("\n") or not _ABBREVIATION.search(
            text, max(0, m.start() - 6), m.start()
        ):
            starts.append(m.end())
    return starts


def _windows(
    text: str, p: Piece, starts: list[int]
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """The sentence before the opening mark, after the closing mark, and the next one too."""
    open_at = p.start - 1 if p.opened else p.start
    k = bisect.bisect_right(starts, open_at) - 1
    before = (min(starts[k], open_at), open_at)
    if not text[before[0] : open_at].strip() and k > 0:
        # "Cruz continued:\n\n“…”": the attribution ends the paragraph before the quote.
        prev = text[starts[k - 1] : open_at].rstrip()
        if prev.endswith(":"):
            before = (starts[k - 1], open_at)
    close_at = p.end + 1 if p.closed else p.end
    k = bisect.bisect_right(starts, close_at)
    end = max(starts[k] if k < len(starts) else len(text), close_at)
    further = max(starts[k + 1] if k + 1 < len(starts) else len(text), end)
    if text[close_at:end].strip() or "\n" in text[close_at:further].rstrip():
        further = end  # the sentence goes on after the quote: no attribution beyond it
    return before, (close_at, end), (close_at, further)


def _outside(
    text: str, window: tuple[int, int], quoted: list[tuple[int, int]], starts: list[int]
) -> list[Token]:
    """The window's tokens that are not inside a quotation."""
    out: list[Token] = []
    for t in tokens(text, *window):
        k = bisect.bisect_right(starts, t.start) - 1
        if k >= 0 and quoted[k][0] <= t.start < quoted[k][1]:
            continue
        out.append(t)
    return out


def _attribute_after(text: str, toks: list[Token], reach: int = 10) -> Attribution | None:
    """`“…,” Trump said` or `“…,” said Putin`: a cue within the first words after the quote."""
    if len(toks) > reach and toks[0].cap and toks[0].low not in PRONOUNS:
        # "“…,” Trump, the 2016 GOP front-runner and …, said": a long apposition.
        k = next((k for k, t in enumerate(toks[:6]) if t.text == ","), -1)
        end = next((e for e in range(k + 1, min(len(toks), 30)) if toks[e].text == ","), -1)
        if k > 0 and end > 0 and end + 1 < len(toks) and cue_at(toks, end + 1):
            cue = text[toks[end + 1].start : toks[end + cue_at(toks, end + 1)].end]
            return Attribution(
                Mention(toks[0].start, toks[k - 1].end, text[toks[0].start : toks[k - 1].end]), cue
            )
    for i, tok in enumerate(toks[:reach]):
        if tok.text in ";:":
            return None
        n = cue_at(toks, i)
        if not n or passive(toks, i):
            continue
        cue = text[tok.start : toks[i + n - 1].end]
        if i == 0 or all(t.low in _ADVERBS for t in toks[:i]) or toks[i - 1].text == ",":
            # "“…,” said Putin", "“…” for Clinton, said Kunin": the speaker follows the cue.
            mention = subject_after(text, toks, i + n) if tok.low in INVERTED else None
            if mention is None and i > 0:
                mention = subject_before(text, toks, i)
        else:
            mention = subject_before(text, toks, i) or _bare_description(text, toks, i)
            # Only a subject right after the quote attributes it, perhaps after its titles
            # ("former congressman Dan Maffei said") or in an apposition ("the chief, Ilse
            # Berg, said").
            first = 1 if toks[0].text == "," and len(toks) > 1 else 0
            if mention is not None and mention.start > toks[first].start:
                k = next(k for k, t in enumerate(toks) if t.start == mention.start)
                lead = toks[first:k]
                titles = len(lead) <= 4 and all(
                    t.text not in ",;:" and t.low not in NOT_HEADS and not cue_at(toks, first + j)
                    for j, t in enumerate(lead)
                )
                if not titles and (toks[k - 1].text != "," or first):
                    mention = None
        if mention is not None:
            return Attribution(mention, cue)
        return None
    return None


def _bare_description(text: str, toks: list[Token], i: int) -> Mention | None:
    """A description with no determiner right before the cue: "federal prosecutors wrote"."""
    lead = toks[:i]
    while lead and (lead[-1].low in SKIP or lead[-1].low.endswith("ly")):
        lead = lead[:-1]
    if lead and lead[0].text == ",":
        lead = lead[1:]
    if not 1 <= len(lead) <= 4 or any(t.text in ",;:" or t.low in NOT_HEADS for t in lead):
        return None
    return Mention(lead[0].start, lead[-1].end, text[lead[0].start : lead[-1].end])


def _introduced(doc: _Doc, p: Piece) -> Attribution | None:
    """The speaker of a narrative sentence with a speech verb right before the quotation."""
    open_at = p.start - 1 if p.opened else p.start
    k = bisect.bisect_right(doc.starts, open_at) - 1
    if k < 1:
        return None
    s, e = doc.starts[k - 1], doc.starts[k]
    j = bisect.bisect_left(doc.quoted_starts, s)
    if j < len(doc.quoted_starts) and doc.quoted_starts[j] < e:
        return None  # a sentence with quotations of its own: its speaker goes on instead
    if doc.text[s:e].count("\n") > 2:
        return None
    attr = _attribute_before(doc.text, doc.outside((s, e)))
    if attr is None or attr.mention.words[0] in {"it", "there", "this", "that", "which", "who"}:
        return None
    return attr


def _according(text: str, toks: list[Token]) -> Attribution | None:
    """An "according to …" source later in the quotation's sentence."""
    for i, tok in enumerate(toks):
        if tok.low == "according" and cue_at(toks, i) == 2:
            mention = subject_after(text, toks, i + 2)
            if mention is not None:
                return Attribution(mention, text[tok.start : toks[i + 1].end])
    return None


def _attribute_final(text: str, toks: list[Token]) -> Attribution | None:
    """The sentence's last clause when it is an attribution: "…, the panel said Tuesday."."""
    commas = [k for k, t in enumerate(toks) if t.text == ","]
    # One of the last three clauses ("…, said David Wasserman, an analyst at …").
    for c in commas[::-1][:3]:
        if len(toks) - c > 14:
            break
        attr = _attribute_after(text, toks[c + 1 :], reach=8)
        if attr is not None:
            return attr
    return None


def _attribute_before(text: str, toks: list[Token]) -> Attribution | None:
    """`Xi emphasized that … “…”`, `According to the statement, …`: the nearest cue."""
    # A verb beats a speech noun ("his claim") when the sentence has both.
    nouns = [i for i in range(len(toks)) if i and possessive(toks[i - 1]) and cue_at(toks, i)]
    order = [i for i in range(len(toks) - 1, -1, -1) if i not in nouns] + nouns[::-1]
    for i in order:
        n = cue_at(toks, i)
        if not n or passive(toks, i):
            continue
        cue = text[toks[i].start : toks[i + n - 1].end]
        if toks[i].low == "according" or i == 0:
            # "According to the statement, …" and "Said Trump: “…”": the speaker follows.
            mention = subject_after(text, toks, i + n)
        elif toks[i].low.endswith("ing") and not _named_before(toks, i):
            # "…, declaring: “…”", "… issued a statement saying “…”": the subject of the main
            # clause speaks.
            mention = sentence_subject(text, toks[:i]) or subject_before(text, toks, i)
        else:
            # "… when he brought it up and later said …": a cue with no subject of its own
            # shares its clause's (the nearest pronoun) or else the sentence's.
            mention = (
                subject_before(text, toks, i)
                or _clause_pronoun(toks, i)
                or sentence_subject(text, toks[:i])
            )
        if mention is not None:
            if mention.words[0] in {"he", "she", "they"} and len(mention.words) == 1:
                # "Bolton said he would advise …", "Cruz rails against what he calls …":
                # the sentence's named subject is the source.
                outer = _outer_subject(text, toks, mention)
                if outer is not None:
                    mention = outer
            return Attribution(mention, cue)
    if len(toks) >= 2 and toks[-1].text == ":":
        # "Pew Research: “…”": a source and a colon, with no verb.
        mention = subject_before(text, toks, len(toks) - 1)
        if mention is None or not mention.text[:1].isupper():
            # "Hoff’s letter makes a libertarian-style case:": the sentence's subject.
            mention = sentence_subject(text, toks)
        if mention is not None and (mention.text[:1].isupper() or mention.words[0] in PRONOUNS):
            return Attribution(mention, ":")
    return None


def _outer_subject(text: str, toks: list[Token], inner: Mention) -> Mention | None:
    """The named subject of the cue whose clause holds a pronoun speaker ("Bolton said he …")."""
    k = next((k for k, t in enumerate(toks) if t.start == inner.start), -1)
    for j in range(k - 1, max(-1, k - 4), -1):
        if cue_at(toks, j) and not passive(toks, j):
            outer = subject_before(text, toks, j) or sentence_subject(text, toks[:j])
            named = outer is not None and outer.text[:1].isupper()
            if named and outer is not None and outer.words[0] not in PRONOUNS | DETERMINERS:
                return outer
            return None
    outer = sentence_subject(text, toks[:k])
    if outer is None or not outer.text[:1].isupper() or outer.words[0] in PRONOUNS | DETERMINERS:
        return None
    between = [j for j, t in enumerate(toks[:k]) if outer.end <= t.start]
    return outer if any(cue_at(toks, j) for j in between) else None


def _named_before(toks: list[Token], i: int) -> bool:
    """Whether a name or pronoun comes right before the cue at toks[i] ("Trump yelling")."""
    j = i - 1
    while j >= 0 and (toks[j].low in SKIP or toks[j].low.endswith("ly")):
        j -= 1
    return j >= 0 and (toks[j].cap or toks[j].low in PRONOUNS)


def _clause_pronoun(toks: list[Token], i: int) -> Mention | None:
    """The nearest personal pronoun before the cue at toks[i], within its clause."""
    for j in range(i - 1, max(-1, i - 15), -1):
        if toks[j].text in ";:":
            return None
        if toks[j].low in {"he", "she", "they", "we"} or toks[j].text == "I":
            return Mention(toks[j].start, toks[j].end, toks[j].text)
    return None


def _usable(attr: Attribution) -> bool:
    """Whether the mention is more than an article or a preposition ("The", "From")."""
    return not all(w in _BARE for w in attr.mention.words)


def _continues(text: str, prev_end: int, p: Piece) -> bool:
    """Whether the piece goes on with the previous speaker: same or next paragraph."""
    gap = text[prev_end : p.start]
    return gap.count("\n\n") + (gap.count("\n") - 2 * gap.count("\n\n")) <= 1 and len(gap) < 400


def _offered(text: str, p: Piece, spoken: bool, adjacent: bool) -> bool:
    """Whether a quoted piece is a quotation rather than a name, a title or a scare quote."""
    words = text[p.start : p.end].split()
    content = [w.strip("“”\"‘’'.,;:!?()") for w in words]
    content = [w for w in content if w and w.lower() not in _SMALL]
    titled = bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)
    if titled and len(words) <= 7 and not adjacent:
        return False
    if text[max(0, p.start - 12) : p.start].rstrip(' “"').lower().endswith("so-called"):
        return False
    # Unattributed pieces of six words or more are still speech, mostly.
    return spoken or len(words) >= 6
