"""Direct quotations with their speaker and cue.

Each record's `text` is the quoted words without the quotation marks (`text == doc[start:end]`);
a quotation cut into several quotation-marked pieces gives one record per piece, all with the
same speaker. A closing mark with no opening one (a typo) quotes back to a sensible start: the
start of its clause, or after a quoted name earlier in it ("the “X” system would ..." gives
"would ..."). Which pieces are offered is decided in `offers`: names, titles and scare quotes
(short and capitalized, "so-called", short with nobody saying them) never are, the rest by a score
fitted on annotated news. `speaker_start:speaker_end` is the mention as written ("he", "the
statement"), `speaker` the name it resolves to ("Xi" -> "Xi Jinping", the statement -> its
issuers), `cue` the speech verb or phrase as written ("said", "According to", ":"), or None when
the speaker is only the subject of the quotation's sentence ("Ryan worried that … “…”"). A piece
with nobody to attribute it to may still be offered, with all three None.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from bot.analysis.clauses import (
    clause_pronoun,
    earlier_cue_subject,
    named_before,
    outer_subject,
)
from bot.analysis.contexts import Doc, sentence_starts, windows
from bot.analysis.marks import Piece, find_pieces
from bot.analysis.offers import features, offered
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
    subject_after,
    subject_before,
    word_set,
)
from bot.analysis.subjects import plausible, sentence_subject
from bot.models import Entity, Quote

_REPORTS = word_set("reports reported")
_ADVERBS = word_set("also then later has had once again further")
_BARE = word_set("the a an this that these those from of to in on at by with for")
_TOLD = word_set("told tells tell")


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
    doc = Doc(text, sentence_starts(text), [(p.start - p.opened, p.end + p.closed) for p in pieces])
    refs = Referents(text, doc.quoted, people)
    out: list[Quote] = []
    prev: tuple[Attribution, str | None, int] | None = None  # attribution, name, piece end
    for p in pieces:
        attr, route, opens = _attribute(doc, p, prev)
        if not offered(text, p.start, p.end, route, opens):
            continue
        name: str | None = None
        if attr is not None:
            name = (
                prev[1] if route == "inherit" and prev else refs.resolve(attr.mention, _last(prev))
            )
            prev = (attr, name, p.end)
        out.append(
            Quote(
                text=text[p.start : p.end],
                speaker=name,
                speaker_start=attr.mention.start if attr else None,
                speaker_end=attr.mention.end if attr else None,
                cue=(attr.cue or None) if attr else None,
                doc_id=doc_id,
                start=p.start,
                end=p.end,
            )
        )
    return out


def candidates(text: str) -> list[tuple[Piece, list[str]]]:
    """Every quoted piece with its offer features (for fitting the offer weights)."""
    pieces = find_pieces(text)
    doc = Doc(text, sentence_starts(text), [(p.start - p.opened, p.end + p.closed) for p in pieces])
    out: list[tuple[Piece, list[str]]] = []
    prev: tuple[Attribution, str | None, int] | None = None
    for p in pieces:
        attr, route, opens = _attribute(doc, p, prev)
        out.append((p, features(text, p.start, p.end, route, opens)))
        if attr is not None and offered(text, p.start, p.end, route, opens):
            prev = (attr, None, p.end)
    return out


def _attribute(
    doc: Doc, p: Piece, prev: tuple[Attribution, str | None, int] | None
) -> tuple[Attribution | None, str, bool]:
    """Who says the piece, by which route ("adj", "cue", "subject", "inherit", "none", "mute"),
    and whether the piece opens its sentence."""
    text = doc.text
    before, after, beyond = windows(text, p, doc.starts)
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
    if attr is None and p.closed:
        # "… labeled a “witch hunt” by Democrats": the agent of a passive speech verb.
        attr = _agent(text, doc.outside(before), doc.outside(after))
    if attr is None and opens_sentence:
        # "Dianne Bystrom agreed. “…”": a speech verb in the sentence just before.
        attr = _introduced(doc, p)
    if attr is None and opens_sentence and prev is not None and _continues(text, prev[2], p):
        # "“…,” he said. “…”" and quotations continued in the next paragraph: the previous
        # quotation's speaker goes on. (Taking the subject of the narrative sentence before
        # instead was wrong four times in five on the train split.)
        return prev[0], "inherit", opens_sentence
    if attr is None and not opens_sentence:
        # "Paul Ryan worried that … “…”": no cue, but the sentence's subject is the source.
        attr = _subject_source(text, doc.outside(before))
    if attr is not None:
        # "“…,” Sanders said, according to CNN.": the outer source is the one cited.
        attr = _according(text, doc.outside(after)) or attr
    if attr is not None and not _usable(attr):
        # A speech verb with no usable subject ("The … calling …"): speech, speaker unknown.
        return None, "mute", opens_sentence
    if attr is None:
        return None, "none", opens_sentence
    route = "adj" if adjacent else "subject" if not attr.cue else "cue"
    return attr, route, opens_sentence


def _subject_source(text: str, toks: list[Token]) -> Attribution | None:
    """The named or pronoun subject of the sentence that holds a quotation with no cue."""
    mention = sentence_subject(text, toks)
    if mention is None or mention.end >= (toks[-1].end if toks else 0):
        return None
    first = mention.words[0]
    if first in {"he", "she", "they", "we", "i"} or (
        mention.text[:1].isupper() and first not in DETERMINERS | PRONOUNS
    ):
        return Attribution(mention, "")
    return None


def _last(prev: tuple[Attribution, str | None, int] | None) -> str | None:
    return prev[1] if prev else None


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
            # "“…,” Butz, 49, told The Huffington Post": who is told does not speak.
            inverted = tok.low in INVERTED and tok.low not in _TOLD
            mention = subject_after(text, toks, i + n) if inverted else None
            if mention is None and i > 0:
                mention = subject_before(text, toks, i)
        else:
            mention = subject_before(text, toks, i) or _bare_description(text, toks, i)
            # Only a subject right after the quote attributes it, perhaps after its titles
            # ("former congressman Dan Maffei said") or in an apposition ("the chief, Ilse
            # Berg, said").
            first = 1 if toks[0].text == "," and len(toks) > 1 else 0
            if toks[first].low == "as" and first + 1 < i:
                first += 1  # "“…,” as his campaign manager suggested"
            if mention is not None and mention.start > toks[first].start:
                k = next(k for k, t in enumerate(toks) if t.start == mention.start)
                lead = toks[first:k]
                titles = len(lead) <= 6 and all(
                    t.text not in ",;:"
                    and t.low not in NOT_HEADS
                    and (t.cap or not cue_at(toks, first + j))
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


def _introduced(doc: Doc, p: Piece) -> Attribution | None:
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
        if tok.low in _REPORTS and i > 1 and toks[i - 1].text == ",":
            # "“…,” said Kristen Day, reports USA Today.": the outlet is cited.
            mention = subject_after(text, toks, i + 1)
            if mention is not None and mention.text[:1].isupper():
                return Attribution(mention, tok.text)
        if tok.low in _REPORTS and i > 2 and toks[i - 2].text == "," and toks[i - 1].cap:
            # "“…,” Sanders said, CNN reported.": likewise.
            mention = subject_before(text, toks, i)
            if mention is not None:
                return Attribution(mention, tok.text)
    return None


def _agent(text: str, before: list[Token], after: list[Token]) -> Attribution | None:
    """The "by …" agent after a quotation introduced by a passive speech verb."""
    if len(after) < 2 or after[0].low != "by":
        return None
    for j in range(len(before) - 1, max(-1, len(before) - 5), -1):
        if before[j].low.endswith("ed") and cue_at(before, j):
            mention = subject_after(text, after, 1)
            return Attribution(mention, before[j].text) if mention is not None else None
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
    nouns = [i for i in range(1, len(toks)) if toks[i - 1].owner and cue_at(toks, i)]
    order: Sequence[int] = range(len(toks) - 1, -1, -1)
    if nouns:
        order = [i for i in order if i not in nouns] + nouns[::-1]
    for i in order:
        n = cue_at(toks, i)
        if not n or passive(toks, i):
            continue
        cue = text[toks[i].start : toks[i + n - 1].end]
        if toks[i].low == "according" or i == 0:
            # "According to the statement, …" and "Said Trump: “…”": the speaker follows.
            mention = subject_after(text, toks, i + n)
        elif toks[i].low.endswith("ing") and not named_before(toks, i):
            # "…, declaring: “…”", "… issued a statement saying “…”": the subject of the main
            # clause speaks.
            mention = (
                earlier_cue_subject(text, toks, i)
                or sentence_subject(text, toks[:i])
                or subject_before(text, toks, i)
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
        if mention is not None and (mention.text[:1].isupper() or mention.words[0] in PRONOUNS):
            return Attribution(mention, ":")
    return None


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


def _usable(attr: Attribution) -> bool:
    """Whether the mention is more than an article or a preposition ("The", "From")."""
    return not all(w in _BARE for w in attr.mention.words)


def _continues(text: str, prev_end: int, p: Piece) -> bool:
    """Whether the piece goes on with the previous speaker: same or next paragraph."""
    gap = text[prev_end : p.start]
    return gap.count("\n\n") + (gap.count("\n") - 2 * gap.count("\n\n")) <= 1 and len(gap) < 400
