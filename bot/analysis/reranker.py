"""A learned second opinion on a quotation's speaker: candidate mentions scored by a linear model.

The rules (`attributions`, `closings`, `quotes`) pick one mention; this module gathers the other
mentions a reader might credit (names, personal pronouns and cue subjects in the quotation's
sentence, the sentence before it and the one after it, and the previous quotation's speaker),
describes each with cheap features (the rules' pick and route, position, distance and rank, kind
of mention, a cue or a preposition next to it, closing punctuation) and scores them with a
conditional logit fitted on the PolNeAR train split by `bench/train_speakers.py`
(`bot/data/quotes_speakers.json`). The weights file also says where the model may act: which
rule routes it may revise, by how large a margin it must beat the rules' pick, and how sure it
must be to name a speaker where the rules found nobody. Cross-validation on train let it act
only there (route "none"): its overrides of the rules' picks gained nothing on held-out
documents. With no weights file the rules decide alone.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from functools import cache, lru_cache

from bot import DATA_DIR
from bot.analysis.contexts import Doc, windows
from bot.analysis.marks import Piece
from bot.analysis.referents import is_org
from bot.analysis.speakers import (
    CUES,
    FUNCTION_CAPS,
    INVERTED,
    SKIP,
    TIMES,
    Mention,
    Token,
    cue_at,
    passive,
    subject_after,
    subject_before,
    word_set,
)

_WEIGHTS = DATA_DIR / "quotes_speakers.json"
# Personal pronouns that speak, by kind: third person singular, plural, first person.
_PRONOUNS = {"he": "he", "she": "he", "they": "they", "i": "i", "we": "i"}
_OBJECT_BEFORE = word_set("of to for with by from about on at in into against than like over")


@dataclass(frozen=True)
class Candidate:
    """A mention that may speak a quotation, its score and (when asked for) its features."""

    mention: Mention
    score: float
    feats: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    """The fitted weights, the margin an override needs, the probability a lone pick needs, and
    the rule routes (how the rules found the speaker) whose picks the model may revise."""

    weights: dict[str, float]
    margin: float
    threshold: float
    routes: frozenset[str]


@cache
def model() -> Model:
    """The fitted model (no weights when the file is absent: the rules decide alone)."""
    if not _WEIGHTS.exists():
        return Model({}, math.inf, 1.0, frozenset())
    data = json.loads(_WEIGHTS.read_text("utf-8"))
    return Model(
        dict(data.get("weights", {})),
        float(data.get("margin", math.inf)),
        float(data.get("threshold", 1.0)),
        frozenset(data.get("routes", ())),
    )


def _bucket(chars: int) -> str:
    """Distance classes in characters (about six to a word)."""
    for limit in (3, 15, 40, 90, 180):
        if chars <= limit:
            return str(limit)
    return "far"


_NO: frozenset[str] = frozenset()
_SUBJ = frozenset({"subj"})
_SUBJ_AFTER = frozenset({"subj_after"})


def _mentions(text: str, toks: list[Token]) -> list[tuple[Mention, frozenset[str]]]:
    """Names, personal pronouns and the subjects of cues in a window's tokens, with tags."""
    out: list[tuple[Mention, frozenset[str]]] = []
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        kind = _PRONOUNS.get(t.low)
        if kind is not None and (t.low != "i" or t.text == "I"):
            out.append((Mention(t.start, t.end, t.text), frozenset()))
            i += 1
            continue
        if t.cap and t.low not in FUNCTION_CAPS and t.low not in TIMES and t.low not in CUES:
            j = i + 1
            while (
                j < n
                and j - i < 6
                and toks[j].cap
                and not toks[j - 1].owner
                and toks[j].start - toks[j - 1].end <= 1
            ):
                j += 1
            out.append((Mention(t.start, toks[j - 1].end, text[t.start : toks[j - 1].end]), _NO))
            i = j
            continue
        i += 1
    for i in range(n):
        c = cue_at(toks, i)
        if not c or passive(toks, i):
            continue
        m = subject_before(text, toks, i) if i > 0 else None
        if m is not None:
            out.append((m, _SUBJ))
        if toks[i].low in INVERTED and (i == 0 or toks[i - 1].text in ",:"):
            m = subject_after(text, toks, i + c)
            if m is not None:
                out.append((m, _SUBJ_AFTER))
    return out


class _Seen:
    """A mention found in a window, with the features that do not depend on the quotation."""

    __slots__ = ("base", "by_pos", "kind", "mention", "score", "tags")

    def __init__(self, mention: Mention, tags: set[str], weights: dict[str, float]) -> None:
        self.mention = mention
        shape = _shape(mention)
        self.kind = _kind(shape)
        self.tags = sorted(tags)
        # Sorted, so the trainer sums the same features in the same order on every run.
        self.base = (
            *sorted(shape),
            *self.tags,
            *(f"{self.kind}|{t}" for t in self.tags if t in _CROSSED),
        )
        self.score = sum(weights.get(f, 0.0) for f in self.base)
        self.by_pos: dict[str, tuple[tuple[str, ...], float]] = {}

    def at(self, pos: str, weights: dict[str, float]) -> tuple[tuple[str, ...], float]:
        """The features of the mention at this position, and their weight (cached)."""
        got = self.by_pos.get(pos)
        if got is None:
            feats = (f"pos={pos}", f"{self.kind}|pos={pos}", *(f"{t}|pos={pos}" for t in self.tags))
            got = self.by_pos[pos] = (feats, sum(weights.get(f, 0.0) for f in feats))
        return got


class Gatherer:
    """The candidate speakers of each quotation of one document (window scans cached)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.weights = model().weights
        self._seen: dict[tuple[int, int], list[_Seen]] = {}
        self._memo: dict[tuple[str, ...], float] = {}  # weight of each set of relations

    def _scan(self, window: tuple[int, int]) -> list[_Seen]:
        """The mentions of a window with their own features (each window scanned once; the
        rules have tokenised the windows around each quotation already)."""
        got = self._seen.get(window)
        if got is None:
            toks = self.doc.outside(window)
            at = [t.start for t in toks]
            tags: dict[Mention, set[str]] = {}
            for mention, tagged in _mentions(self.doc.text, toks):
                tags.setdefault(mention, set()).update(tagged)
            for mention, own in tags.items():
                _context(toks, at, mention, own)
            got = self._seen[window] = [_Seen(m, t, self.weights) for m, t in tags.items()]
        return got

    def gather(
        self,
        p: Piece,
        rule: Mention | None,
        route: str,
        previous: Mention | None,
        opens: bool,
        explain: bool = False,
    ) -> list[Candidate]:
        """The candidate mentions for piece `p`, the rule's pick (if any) among them."""
        text, starts, w = self.doc.text, self.doc.starts, self.weights
        open_at = p.start - 1 if p.opened else p.start
        close_at = p.end + 1 if p.closed else p.end
        k = bisect.bisect_right(starts, open_at) - 1
        m = bisect.bisect_right(starts, close_at)
        bounds = [*starts, len(text)]
        before, after, _ = windows(text, p, starts)
        spots = [("before", before), ("after", after)]
        # The quotation's sentence, the one before and the one after (the one before that
        # gained nothing on held-out train).
        if k >= 1:
            spots.insert(0, ("prev1", (starts[k - 1], starts[k])))
        if m < len(starts):
            spots.append(("next", (bounds[m], bounds[m + 1])))
        found: dict[Mention, tuple[_Seen, str, int]] = {}
        for pos, window in spots:
            for seen in self._scan(window):
                mn = seen.mention
                if mn.end <= open_at:
                    dist = open_at - mn.end
                elif mn.start >= close_at:
                    dist = mn.start - close_at
                else:
                    continue
                found[mn] = (seen, pos, dist)
        for extra, pos in ((rule, "rule_only"), (previous, "prev_quote_only")):
            if extra is not None and extra not in found:
                found[extra] = (_Seen(extra, set(), w), pos, 0)
        close = text[p.end - 1 : p.end] if p.end > p.start else ""
        close = close if close in ",.?!" else "x"
        rule_kind = found[rule][0].kind if rule is not None else "none"
        prev_last = previous.words[-1] if previous is not None else ""
        # The nearest mentions of each position: the writer names the speaker nearby.
        order = sorted(found.items(), key=lambda item: (item[1][1], item[1][2]))
        out: list[Candidate] = []
        rank: dict[str, int] = {}
        for mn, (seen, pos, dist) in order:
            kind = seen.kind
            r = rank[pos] = rank.get(pos, -1) + 1
            kr = rank[pos + kind] = rank.get(pos + kind, -1) + 1
            if mn == rule:
                tag = "rule"
            elif rule is not None and mn.start < rule.end and rule.start < mn.end:
                tag = "rule_overlap"
            else:
                tag = "other"
            edge = p.start if pos in _BEFORE else p.end
            if mn == previous:
                prevq = "prevq"
            elif prev_last and mn.words[-1] == prev_last:
                prevq = "same_as_prevq"
            else:
                prevq = ""
            dyn = _dynamic(
                pos,
                _bucket(dist),
                min(r, 3),
                min(kr, 2),
                kind,
                close,
                tag,
                route,
                opens,
                rule_kind,
                "\n" in text[min(mn.end, edge) : max(mn.start, edge)],
                prevq,
            )
            dyn_score = self._memo.get(dyn)
            if dyn_score is None:
                dyn_score = self._memo[dyn] = sum(w.get(f, 0.0) for f in dyn)
            pos_feats, pos_score = seen.at(pos, w)
            score = seen.score + pos_score + dyn_score
            feats = (*seen.base, *pos_feats, *dyn) if explain else ()
            out.append(Candidate(mn, score, feats))
        return out


_BEFORE = frozenset({"before", "prev1"})


@lru_cache(maxsize=1 << 16)
def _dynamic(
    pos: str,
    bucket: str,
    r: int,
    kr: int,
    kind: str,
    close: str,
    tag: str,
    route: str,
    opens: bool,
    rule_kind: str,
    other_para: bool,
    prevq: str,
) -> tuple[str, ...]:
    """The features that relate a candidate to one quotation (memoised: the same few values
    recur)."""
    feats = [
        f"pos={pos}|d={bucket}",
        f"pos={pos}|rank={r}",
        f"pos={pos}|{kind}|rank={kr}",
        f"pos={pos}|close={close}",
        f"{kind}|close={close}",
        f"{tag}|route={route}",
        f"{tag}|opens={opens}",
        f"{tag}|{kind}",
    ]
    if tag == "rule":
        feats.append("rule")
    elif tag == "other":
        feats.append(f"rule_{rule_kind}|{kind}")
    if other_para:
        feats.append(f"pos={pos}|other_para")
    if prevq == "prevq":
        feats += ["prevq", f"prevq|route={route}"]
    elif prevq:
        feats.append(prevq)
    return tuple(feats)


def _context(toks: list[Token], at: list[int], mention: Mention, feats: set[str]) -> None:
    """Cue and object signals from the words around the mention in its window."""
    found: list[str] = []
    k = bisect.bisect_left(at, mention.start)
    e = k
    while e < len(toks) and toks[e].end <= mention.end:
        e += 1
    j = e
    while j < len(toks) and toks[j].low in SKIP and not toks[j].cap:
        j += 1
    if j < len(toks) and cue_at(toks, j):
        found.append("cue_next")
    if k > 0:
        before = toks[k - 1]
        if before.low in INVERTED and not before.cap:
            found.append("cue_prev")
        elif before.low in _OBJECT_BEFORE:
            found.append("object")
        elif before.text == ",":
            found.append("comma_prev")
    if e < len(toks) and toks[e].text == ",":
        found.append("comma_next")
    feats.update(found)


_CROSSED = frozenset({"cue_next", "cue_prev", "subj", "object"})


def _kind(shape: set[str]) -> str:
    """The "kind=…" feature of a shape."""
    return next(f for f in shape if f.startswith("kind="))


def _shape(mention: Mention) -> set[str]:
    """What kind of mention it is: a pronoun, a name, a description; an organisation."""
    words = mention.words
    pron = _PRONOUNS.get(words[0]) if len(words) == 1 else None
    if pron is not None:
        return {f"kind=pron_{pron}"}
    kind = "name" if mention.text[:1].isupper() else "desc"
    out = {f"kind={kind}", f"len={min(len(words), 4)}"}
    if mention.words[-1].endswith(("’s", "'s", "s’")):
        out.add("owner")
    if kind == "name" and is_org(mention.text):
        out.add("org")
    return out


def choose(cands: list[Candidate], rule: Mention | None) -> Mention | None:
    """The rule's pick unless a candidate beats it by the margin; with no rule pick, the best
    candidate if the model is sure enough of it."""
    m = model()
    if not m.weights or not cands:
        return rule
    best = max(cands, key=lambda c: c.score)
    if rule is not None:
        mine = next((c.score for c in cands if c.mention == rule), None)
        if mine is not None and best.score - mine < m.margin:
            return rule
        return best.mention
    if 1.0 / sum(math.exp(c.score - best.score) for c in cands) < m.threshold:
        return None
    return best.mention
