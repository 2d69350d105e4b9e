"""Direct quotations with their speaker and cue.

Each record's `text` is the quoted words without the quotation marks (`text == doc[start:end]`); a
quotation cut into several quotation-marked pieces gives one record per piece, all with the same
speaker. A closing mark with no opening one (a typo) quotes back to a sensible start: the start of
its clause, or after a quoted name earlier in it ("the “X” system would ..." gives "would ...").
Which pieces are offered is decided in `offers`: names, titles and scare quotes (short and
capitalized, "so-called", short with nobody saying them) never are, unless they are someone's words
("called Rubio “Little Marco”"), the rest by a score fitted on annotated news.
`speaker_start:speaker_end` is the mention as written ("he", "the statement"), `speaker` the name it
resolves to ("Xi" -> "Xi Jinping", the statement -> its issuers), `cue` the speech verb or phrase as
written ("said", "According to", ":"), or None when the speaker is only the subject of the
quotation's sentence ("Ryan worried that … “…”"). A piece with nobody to attribute it to may still
be offered, with all three None. The attribution rules live in `attributions` (the words before a
quotation) and `closings` (the words after it); where the rules find nobody, the learned
`reranker` may still name a speaker among the mentions nearby (with no cue).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from bot.analysis.attributions import Attribution, attribute_before, connective_only
from bot.analysis.closings import according, agent, attribute_after, attribute_final, signature
from bot.analysis.contexts import Doc, sentence_starts, windows
from bot.analysis.marks import Piece, find_pieces
from bot.analysis.offers import features, offered
from bot.analysis.referents import Referents
from bot.analysis.reranker import Candidate, Gatherer, choose, model
from bot.analysis.speakers import DETERMINERS, PRONOUNS, Mention, Token, word_set
from bot.analysis.subjects import plausible, sentence_subject
from bot.models import Entity, Quote

_CLOSING = ",?!"  # a quotation closed by these is followed by its attribution
_BARE = word_set("the a an this that these those from of to in on at by with for")


def extract_quotes(text: str, doc_id: str = "", people: Sequence[Entity] = ()) -> list[Quote]:
    """Return the attributed direct quotations in `text`, one record per quoted piece."""
    pieces = find_pieces(text)
    if not pieces:
        return []
    doc = Doc(text, sentence_starts(text), [(p.start - p.opened, p.end + p.closed) for p in pieces])
    refs = Referents(text, doc.quoted, people)
    routes = model().routes  # the routes whose picks the model improved on held-out train
    gatherer = Gatherer(doc) if routes else None
    out: list[Quote] = []
    prev: tuple[Attribution, str | None, int] | None = None  # attribution, name, piece end
    for p in pieces:
        attr, route, opens = _attribute(doc, p, prev)
        if not offered(text, p.start, p.end, route, opens):
            continue
        rules = attr
        if gatherer is not None and route in routes:
            attr, route = _rerank(gatherer, p, attr, route, prev, opens)
        name: str | None = None
        if attr is not None:
            name = (
                prev[1] if route == "inherit" and prev else refs.resolve(attr.mention, _last(prev))
            )
            if rules is not None:
                # Only the rules' own finds carry over to the next piece (its offer depends on
                # it), so the model changes speakers, never which pieces are offered.
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


def _rerank(
    gatherer: Gatherer,
    p: Piece,
    attr: Attribution | None,
    route: str,
    prev: tuple[Attribution, str | None, int] | None,
    opens: bool,
) -> tuple[Attribution | None, str]:
    """The model's choice of speaker among the candidates (the rule's pick is one of them)."""
    rule = attr.mention if attr else None
    previous = prev[0] if prev else None
    cands = gatherer.gather(p, rule, route, previous.mention if previous else None, opens)
    pick = choose(cands, rule)
    if pick == rule:
        return attr, route
    if pick is None:
        return None, "none"
    if previous is not None and pick == previous.mention:
        return previous, "inherit"
    return Attribution(pick, ""), "model"


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


def speaker_candidates(text: str) -> list[tuple[Piece, Mention | None, str, list[Candidate]]]:
    """Each offered piece with the rules' speaker and route and the candidates (for fitting)."""
    pieces = find_pieces(text)
    doc = Doc(text, sentence_starts(text), [(p.start - p.opened, p.end + p.closed) for p in pieces])
    gatherer = Gatherer(doc)
    out: list[tuple[Piece, Mention | None, str, list[Candidate]]] = []
    prev: tuple[Attribution, str | None, int] | None = None
    for p in pieces:
        attr, route, opens = _attribute(doc, p, prev)
        if not offered(text, p.start, p.end, route, opens):
            continue
        rule = attr.mention if attr else None
        previous = prev[0].mention if prev else None
        cands = gatherer.gather(p, rule, route, previous, opens, explain=True)
        out.append((p, rule, route, cands))
        if attr is not None:
            prev = (attr, None, p.end)
    return out


def _attribute(
    doc: Doc, p: Piece, prev: tuple[Attribution, str | None, int] | None
) -> tuple[Attribution | None, str, bool]:
    """Who says the piece, by which route ("adj", "cue", "subject", "inherit", "none", "mute"),
    and whether the piece opens its sentence."""
    text = doc.text
    before, after, beyond = windows(text, p, doc.starts)
    opens_sentence = not text[before[0] : before[1]].strip()
    # A quotation closed by a comma ("“…,” nuclear experts … wrote") is followed by its
    # attribution, however long the subject.
    reach = 20 if text[p.end - 1 : p.end] == "," else 10
    follow = doc.outside(after)
    attr = attribute_after(text, follow, reach, opens_sentence) if p.closed else None
    # A participle right after the quotation ("“…,” giving states more power") shares the
    # subject of the clause before it.
    participle = bool(follow) and follow[0].low.endswith("ing") and not follow[0].cap
    closing = text[p.end - 1 : p.end] in _CLOSING
    if attr is not None and not opens_sentence and (participle or not closing):
        # "Sanders said he “cannot walk down the street” without reporters asking …": a
        # quotation inside its sentence belongs to the cue before it, if any.
        attr = attribute_before(text, doc.outside(before)) or attr
    adjacent = attr is not None
    if attr is None:
        attr = attribute_before(text, doc.outside(before))
    tail = after  # where a cited outer source may follow ("…, according to CNN")
    if attr is None and p.closed and beyond[1] > after[1]:
        # "“… ?” Trump said.": the attribution after a quote that ends its sentence.
        attr = attribute_after(text, doc.outside(beyond), reach=4)
        tail = beyond if attr is not None else after
    if attr is None and p.closed:
        # "… “arbitrarily detained” by Britain, the panel said.": a closing attribution.
        attr = attribute_final(text, doc.outside(after))
    if attr is None and p.closed:
        # "… labeled a “witch hunt” by Democrats": the agent of a passive speech verb.
        attr = agent(text, doc.outside(before), doc.outside(after))
    if attr is None and p.closed and opens_sentence:
        # "“…”\n\n- Sanders.": a signature line after a quoted paragraph.
        attr = signature(text, p.end + 1)
    if attr is None and opens_sentence:
        # "Dianne Bystrom agreed. “…”": a speech verb in the sentence just before.
        attr = _introduced(doc, p)
    led = opens_sentence or connective_only(doc.outside(before))
    if attr is None and led and prev is not None and _continues(text, prev[2], p):
        # "“…,” he said. “…”" and quotations continued in the next paragraph: the previous
        # quotation's speaker goes on. (Taking the subject of the narrative sentence before
        # instead was wrong four times in five on the train split.)
        return prev[0], "inherit", opens_sentence
    if attr is None and not opens_sentence:
        # "Paul Ryan worried that … “…”": no cue, but the sentence's subject is the source.
        attr = _subject_source(text, doc.outside(before))
    if attr is not None:
        # "“…,” Sanders said, according to CNN.": the outer source is the one cited.
        attr = (
            according(text, doc.outside(tail)) or _fronted_source(text, doc.outside(before)) or attr
        )
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
        mention.text[:1].isupper() and first not in DETERMINERS | PRONOUNS and plausible(mention)
    ):
        return Attribution(mention, "")
    return None


def _last(prev: tuple[Attribution, str | None, int] | None) -> str | None:
    return prev[1] if prev else None


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
    attr = attribute_before(doc.text, doc.outside((s, e)))
    if attr is None or attr.mention.words[0] in {"it", "there", "this", "that", "which", "who"}:
        return None
    return attr


def _fronted_source(text: str, toks: list[Token]) -> Attribution | None:
    """The source of a sentence opened by "According to ProPublica, Clinton praised “…”"."""
    if len(toks) < 4 or toks[0].low != "according" or toks[1].low != "to":
        return None
    return according(text, toks[: next((k for k, t in enumerate(toks) if t.text == ","), 0)])


def _usable(attr: Attribution) -> bool:
    """Whether the mention is more than an article or a preposition ("The", "From")."""
    return not all(w in _BARE for w in attr.mention.words)


def _continues(text: str, prev_end: int, p: Piece) -> bool:
    """Whether the piece goes on with the previous speaker: same or next paragraph."""
    gap = text[prev_end : p.start]
    return gap.count("\n\n") + (gap.count("\n") - 2 * gap.count("\n\n")) <= 1 and len(gap) < 400
