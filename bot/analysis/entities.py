"""Named entities (people, organisations, places) found by rules and lexicons."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.analysis.lexicons import Lexicons, lexicons
from bot.models import Entity, EntityKind, Mention

_UP = "A-ZÀ-ÖØ-ÞĀĆČĎĐĒĘĚĞİŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŹŻŽ"
# One capitalised token: a dotted acronym (U.S.), a title abbreviation (Mr.), an initial (W.),
# or a word whose hyphen/apostrophe parts are capitalised too (Indo-Pacific, O'Brien); a
# possessive ’s is never part of a token. (Peeking for the period first is faster.)
_TAIL = (
    rf"(?:(?:\.[A-Z])+\.|\.(?= [{_UP}])|\w*(?:[-'’][{_UP}]\w*)*"
    r"(?:(?=\.)(?:(?<=\b(?:Mr|Ms|Dr|St|Lt))|(?<=\b(?:Mrs|Sen|Rep|Gov|Gen|Col|Sgt|Adm|Rev))"
    r"|(?<=\b(?:Capt|Prof)))\.)?)"
)
_TOKEN = rf"[{_UP}]{_TAIL}"
_CONNECTOR = r"(?:of the|of|for|and|de|del|da|van|von|bin|al|la)"
# A run of capitalised tokens, joined by single spaces or by a lower-case connector; the
# pattern opens with a character class so the regex engine can skip ahead quickly.
_SPAN = re.compile(rf"[{_UP}](?<![\w.'’@#-].){_TAIL}(?:(?: {_CONNECTOR})? {_TOKEN})*")
_PIECE = re.compile(rf"{_TOKEN}|[a-z]+")
_CONNECTORS = frozenset(
    ("of", "the", "for", "and", "de", "del", "da", "van", "von", "bin", "al", "la")
)
_ACRONYM_AFTER = re.compile(r" ?\(([A-Z][A-Za-z]{1,9})\)")
_SAID_AFTER = re.compile(r",? (?:said|says|told|added|argued|warned|wrote|noted|insisted)\b")
_SAID_BEFORE = re.compile(r"(?:said|says|according to|told by) $")
_SURNAME = re.compile(r"(?:Mc|Mac|Le|La|De|Di|Du|Van)[A-Z][a-z]")
_OPENERS = "\"'“‘([«"


@dataclass(slots=True)
class _Cand:
    """A candidate mention before coreference: kind None means 'a name, kind unknown'."""

    start: int
    end: int
    name: str
    kind: EntityKind | None
    multi: bool = False


Tok = tuple[int, int, str]


def _is_initial(text: str, start: int) -> bool:
    """Whether `start` opens a sentence, a line or a quotation (capitals prove nothing there)."""
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i < 0 or text[i] in ".!?\n:;" or text[i] in _OPENERS


def _title_at(toks: list[Tok], i: int, lx: Lexicons) -> int:
    """Return the end index of a title phrase starting at token `i`, or `i` if there is none."""
    if toks[i][2] not in lx.starts:
        return i
    j = i
    while j < len(toks) and toks[j][2] in lx.title_mods:
        j += 1
    for width in (4, 3, 2, 1):
        phrase = " ".join(t[2] for t in toks[j : j + width])
        if j + width <= len(toks) and phrase in lx.titles:
            return j + width
    return i


def _span_text(text: str, toks: list[Tok]) -> str:
    """The text from the first token's start to the last token's end."""
    return text[toks[0][0] : toks[-1][1]]


def _classify(text: str, toks: list[Tok], initial: bool, out: list[_Cand]) -> None:
    """Turn one run of capitalised tokens into candidate mentions, appended to `out`."""
    lx = lexicons()
    name = _span_text(text, toks)
    if name in lx.places or name in lx.orgs:
        return _classify_inner(text, toks, out)  # before any stripping: "The Hague"
    # Leading function words, weekdays and months ("On Thursday", "The", "Following") go,
    # unless they open a known name ("New York Post"); so do opening "-ing"/"-ly" words.
    while toks and (
        (
            toks[0][2].lower() in lx.stop
            and not (toks[0][2] in lx.given and not initial and len(toks) > 1)
            and not (len(toks) > 1 and f"{toks[0][2]} {toks[1][2]}" in lx.starts2)
        )
        or toks[0][2] in _CONNECTORS
        or (initial and toks[0][2].endswith(("ing", "ly")) and toks[0][2] not in lx.starts)
    ):
        toks, initial = toks[1:], False
    while toks and (
        toks[-1][2] in _CONNECTORS
        or (toks[-1][2].lower() in lx.stop and not (len(toks) > 1 and toks[-2][2] in lx.given))
    ):
        toks = toks[:-1]  # "London Thursday" loses the day; "Theresa May" keeps her name
    if not toks:
        return
    if len(toks) == 1 and initial:
        found = _single(toks[0][2], True)
        if found:
            out.append(_Cand(toks[0][0], toks[0][1], found[0], found[1]))
        return
    _classify_inner(text, toks, out)


def _classify_inner(text: str, toks: list[Tok], out: list[_Cand]) -> None:
    """Classify a cleaned run: lexicon, acronym expansion, org, title, misc, person, place."""
    lx = lexicons()
    if not toks:
        return
    name = _span_text(text, toks)
    start, end = toks[0][0], toks[-1][1]
    words = [t[2] for t in toks]
    if name in lx.places or name in lx.orgs:
        kind: EntityKind = "place" if name in lx.places else "org"
        out.append(_Cand(start, end, lx.places.get(name) or lx.orgs[name], kind))
        return
    if len(toks) == 1:
        return _unknown(text, toks, out)
    # "Putin and Xi", "Clinton Was Headed": "and" (unless an org name holds it, as in
    # "Securities and Exchange Commission") or a function word separates names.
    org = words[-1] in lx.heads["org_suffix"] and not (
        words[0] in lx.given or words[0] in lx.starts
    )
    cuts = [
        i
        for i, w in enumerate(words)
        if (w == "and" and not org)
        or (i and w not in _CONNECTORS and w.lower() in lx.stop and words[i - 1] not in lx.given)
    ]
    if cuts:
        for a, b in zip([-1, *cuts], [*cuts, len(toks)], strict=True):
            _classify_inner(text, toks[a + 1 : b], out)
        return
    if not lx.heads["misc"].isdisjoint(words):
        return
    m = _ACRONYM_AFTER.match(text, end) if text.startswith(("(", " ("), end) else None
    if m:
        initials = "".join(w[0] for w in words if w not in _CONNECTORS).upper()
        if initials == m.group(1).upper():
            out.append(_Cand(start, end, name, "org"))
            out.append(_Cand(m.start(1), m.end(1), name, "org"))
            return
    if words[0] in lx.given and ("of" in words or "for" in words):
        # "Hannah Ward of the Refugee Council": a person of an organisation, not one name.
        cut = words.index("of" if "of" in words else "for")
        _classify_inner(text, toks[:cut], out)
        _classify_inner(text, toks[cut + 1 :], out)
        return
    if words[-1] in lx.heads["org_suffix"] or (
        words[0] in lx.heads["org_head"] and words[1] in _CONNECTORS
    ):
        out.append(_Cand(start, end, name, "org"))
        return
    if words[0] in lx.demonyms and _title_at(toks, 1, lx) == 1:
        _classify_inner(text, toks[1:], out)  # "Democrat Hillary Clinton", "Russian security"
        return
    for i in [i for i, w in enumerate(words[:-1]) if w in lx.starts]:
        j = _title_at(toks, i, lx)
        if j > i and j < len(toks) and words[j] not in _CONNECTORS and words[j] not in lx.titles:
            rest = toks[j:]
            if i:
                prefix = toks[:i]
                if " ".join(words[:i]) not in lx.demonyms:
                    _classify_inner(text, prefix, out)
            person = _span_text(text, rest)
            if person in lx.places or person in lx.orgs:
                _classify_inner(text, rest, out)
            else:
                out.append(_Cand(rest[0][0], rest[-1][1], person, "person", len(rest) > 1))
            return
    if words[0] in lx.given and _CONNECTORS.isdisjoint(words):
        out.append(_Cand(start, end, name, "person", True))
        return
    for k in (1, 2):
        if k < len(toks) - 1 and words[k] in lx.given and words[0] not in lx.given:
            # "Rival Hillary Clinton", "Universe Alicia Machado": a name after a label.
            _classify_inner(text, toks[:k], out)
            _classify_inner(text, toks[k:], out)
            return
    if words[-1] in lx.heads["place_head"]:
        out.append(_Cand(start, end, name, "place"))
        return
    if 1 < len(toks) <= 3 and (
        _SAID_AFTER.match(text, end) or _SAID_BEFORE.search(text, max(0, start - 16), start)
    ):
        out.append(_Cand(start, end, name, "person", True))
        return
    _segment(text, toks, out)


def _segment(text: str, toks: list[Tok], out: list[_Cand]) -> None:
    """Split an unknown run into lexicon names (longest first) and unknown remainders."""
    lx = lexicons()
    i, pending = 0, 0
    while i < len(toks):
        if toks[i][2] not in lx.starts:
            i += 1
            continue
        for j in range(min(len(toks), i + 5), i, -1):
            name = _span_text(text, toks[i:j])
            if name in lx.places or name in lx.orgs:
                _unknown(text, toks[pending:i], out)
                _classify_inner(text, toks[i:j], out)
                i = pending = j
                break
        else:
            i += 1
    _unknown(text, toks[pending:], out)


def _unknown(text: str, toks: list[Tok], out: list[_Cand]) -> None:
    """Keep an unrecognised run as a candidate that coreference may still promote."""
    lx = lexicons()
    while toks and (toks[0][2] in _CONNECTORS or toks[0][2].lower() in lx.stop):
        toks = toks[1:]
    while toks and (toks[-1][2] in _CONNECTORS or toks[-1][2].lower() in lx.stop):
        toks = toks[:-1]
    if not toks or any(t[2] in _CONNECTORS for t in toks):
        return
    word = _span_text(text, toks)
    if len(toks) == 1:
        found = _single(word, False)
        if found:
            out.append(_Cand(toks[0][0], toks[0][1], found[0], found[1]))
        return
    out.append(_Cand(toks[0][0], toks[-1][1], word, None, True))


@lru_cache(maxsize=1 << 16)
def _single(word: str, initial: bool) -> tuple[str, EntityKind | None] | None:
    """Classify a one-word run, the common case: (name, kind or None), or None to skip it."""
    lx = lexicons()
    # Shouted names ("MOSCOW") are looked up as written and in title case.
    for key in (word, word.capitalize()) if word.isupper() and len(word) > 3 else (word,):
        if key in lx.places or key in lx.orgs:
            return (lx.places[key], "place") if key in lx.places else (lx.orgs[key], "org")
    if word.lower() in lx.stop and (initial or word not in lx.given):
        return None  # checked after the lexicons, so "US" is not the pronoun "us"
    if word in lx.demonyms or word in lx.titles:
        return None
    if word.endswith("s") and word[:-1].isupper():
        return None  # plural acronyms are common nouns: "MPs", "DVDs"
    if word.isupper() and word.isalpha() and 2 <= len(word) <= 6:
        return word, "org"  # an unknown acronym is most often an organisation
    inner = any(c.isupper() for c in word[1:])
    if inner and word.isalpha() and not word.isupper() and not _SURNAME.match(word):
        return word, "org"  # inner capitals: SpaceX, TimeWarner (but not McConnell, LeBron)
    return word, None


_Found = tuple[int, int, str, EntityKind | None, bool]


@lru_cache(maxsize=1 << 14)
def _multi(run: str, initial: bool, before: str, after: str) -> tuple[_Found, ...]:
    """Classify a multi-word run in its context, as offsets relative to the run's start."""
    # The rules look only at the run and its immediate context, so the result can be cached
    # per (run, context) and reused across documents: names recur across a corpus.
    text = before + run + after
    off = len(before)
    toks = [(p.start(), p.end(), p.group()) for p in _PIECE.finditer(text, off, off + len(run))]
    out: list[_Cand] = []
    _classify(text, toks, initial, out)
    return tuple((c.start - off, c.end - off, c.name, c.kind, c.multi) for c in out)


def _candidates(text: str) -> list[_Cand]:
    """Find every capitalised run in `text` and classify it."""
    out: list[_Cand] = []
    for m in _SPAN.finditer(text):
        run = m.group()
        start, end = m.span()
        # Most runs follow a lower-case word and a space: not initial, and no call needed.
        plain = start > 1 and text[start - 1] == " " and text[start - 2].islower()
        initial = not plain and _is_initial(text, start)
        if " " not in run:
            found = _single(run, initial)
            if found:
                out.append(_Cand(start, end, found[0], found[1]))
            continue
        after = ""
        if text.startswith(("(", " ("), end):
            paren = _ACRONYM_AFTER.match(text, end)
            after = paren.group() if paren else ""
        elif _SAID_AFTER.match(text, end):
            after = " said"
        before = "said " if _SAID_BEFORE.search(text, max(0, start - 16), start) else ""
        for s, e, name, kind, multi in _multi(run, initial, before, after):
            out.append(_Cand(start + s, start + e, name, kind, multi))
    return out


def _link(text: str, cands: list[_Cand]) -> None:
    """Give short and unknown names the kind and canonical name of the person they refer to."""
    full = [c for c in cands if c.kind == "person" and c.multi]
    by_part: dict[str, list[_Cand]] = {}
    for c in full:
        parts = c.name.split()
        for part in (parts[0], parts[-1]):
            by_part.setdefault(part, []).append(c)
    # An acronym defined in the text ("... Area Defense (THAAD)") names its expansion later on.
    expansions = {
        text[c.start : c.end]: c.name
        for c in cands
        if c.kind == "org" and c.name != text[c.start : c.end] and text[c.start : c.end].isupper()
    }
    for c in cands:
        if not c.multi and c.name in expansions and c.kind in (None, "org"):
            c.name, c.kind = expansions[c.name], "org"
    singles = {c.name for c in cands if not c.multi and c.kind in (None, "person")}
    for c in cands:
        if c.multi and c.kind is None and c.name.split()[-1] in singles and c.name.count(" ") < 3:
            c.kind = "person"  # "Jane Roe ... Roe": a later bare surname proves a person
            by_part.setdefault(c.name.split()[-1], []).append(c)
            by_part.setdefault(c.name.split()[0], []).append(c)
    for c in cands:
        if c.multi or c.kind not in (None, "person"):
            continue
        refs = by_part.get(c.name)
        if refs:
            before = [r for r in refs if r.start < c.start]
            c.name = (before[-1] if before else refs[0]).name
            c.kind = "person"


def extract_entities(text: str, doc_id: str = "") -> list[Entity]:
    """Return each entity named in `text`, with every mention's offsets."""
    cands = _candidates(text)
    _link(text, cands)
    groups: dict[tuple[EntityKind, str], dict[tuple[int, int], None]] = {}
    cands.sort(key=lambda c: c.start)
    seen: set[int] = set()
    for c in cands:
        if c.kind is not None and c.start not in seen:
            # A dict keeps first-seen order; a span is reported once, with its first reading.
            seen.add(c.start)
            groups.setdefault((c.kind, c.name), {})[c.start, c.end] = None
    return [
        Entity(name, kind, tuple(Mention(doc_id, s, e) for s, e in spans))
        for (kind, name), spans in groups.items()
    ]
