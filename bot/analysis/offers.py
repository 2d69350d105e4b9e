"""Which quoted pieces are offered as quotations: a linear score over cheap features.

The weights (`bot/data/quotes_offers.json`) are fitted on the PolNeAR train split by
`bench/quotes.py --fit-offers`: a piece scores high when annotators counted it as a quoted
source's words. Hard rules come first: scare quotes after "so-called", short pieces nobody says,
and names and titles (short capitalized pieces, unless cued right after them, a question or an
exclamation, or introduced by a speech verb) are never offered, nor a show's name after a
possessive or "on"/"with" even when cued ("on WXYZ’s “Morning Hour,” Ortiz said"), nor a
headline with its byline ("“Ferry adds a night route,” by the Courier’s Dana Ortiz"); someone's
words as a verb's object always are ("called Rubio “Little Marco”", "Cruz said “CNN”", "chanting
“Dump Trump”"), and so is a short piece a speech verb introduces a few words before it, where
the rules found no speaker ("said they were “worried”"). The threshold was chosen by 5-fold
cross-validation by document on train (`bench/quotes.py --cv-offers`).
"""

from __future__ import annotations

import json
import math
import re
from functools import cache

from bot import DATA_DIR
from bot.analysis.speakers import CUES, DETERMINERS, INVERTED, NOT_HEADS, tokens, word_set

_WEIGHTS = DATA_DIR / "quotes_offers.json"
_PUNCT = ".,;:!?"
# First and second person: speech rather than a name or a term.
_PERSONAL = re.compile(r"(?<![\w’'])(?:i|we|you|my|our|me|us|your)(?![\w])", re.I)
_LAST_WORD = re.compile(r"([A-Za-z][\w’'-]*)[^A-Za-z]*$")
_TRAIL = re.compile(r"[^A-Za-z]*")
_WORD = re.compile(r"[A-Za-z][\w’'-]*")
_TRIM = "“”\"‘’'.,;:!?()[]—–-…"
_SMALL = word_set("a an the of and or for to in on at by with de la du von van vs")
_PREV_WORDS = (
    DETERMINERS
    | NOT_HEADS
    | word_set(
        """called dubbed titled named labeled labelled term terms word words phrase slogan
        motto nickname like is are was were be been being a an the so-called known read reads"""
    )
)
# Verbs whose object is the words said: "said “CNN”", "chanting “Dump Trump”".
_SAYING = word_set("said says say chanting chanted chant chants shouting shouted")
_READ = word_set("read reads")
# Verbs that give someone a name of the speaker's own: "called Rubio “Little Marco”".
_NAMING = word_set(
    """call calls called calling dub dubs dubbed dubbing label labels labeled labelled labeling
    refer refers referred referring nickname nicknamed address addresses addressed addressing"""
)
_MARKS = '“”"'
_LINKS = word_set("as a an the to")
_OBJECTS = word_set("him her them it us me himself herself themselves")
# After a headline: its byline, "by" and an outlet's name in the possessive ("by Times’ …").
_BYLINE = re.compile(
    r"""[,.]?["”]?\s+by\s+(?:the\s+)?[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*(?:’s|'s|’|')\s"""
)
# What may come before a headline on its line: nothing, a dash, or a capitalized label and a dash.
_LABEL = re.compile(r"""\s*(?:[A-Z][A-Z'’ ]*)?[—–-]*\s*["“]""")
THRESHOLD = 0.1  # offer a piece at this probability or more (5-fold CV on train)


@cache
def weights() -> dict[str, float]:
    """The fitted feature weights (with the bias under "bias")."""
    if not _WEIGHTS.exists():
        return {}
    data: dict[str, float] = json.loads(_WEIGHTS.read_text("utf-8"))
    return data


def _len_bin(n: int) -> str:
    return "1" if n == 1 else "2" if n == 2 else "3" if n == 3 else "4-5" if n <= 5 else "6+"


def features(text: str, start: int, end: int, route: str, opens: bool) -> list[str]:
    """The features of the quoted piece text[start:end] (a bag of names, each worth 1)."""
    body = text[start:end]
    words = body.split()
    n = len(words)
    titled = False
    if n <= 10:  # longer capitalized runs are headlines or speech, not names
        content = [w.strip(_TRIM) for w in words]
        content = [w for w in content if w and w.lower() not in _SMALL]
        titled = bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)
    lb = _len_bin(n)
    out = ["bias", f"len={lb}", f"route={route}", f"route={route}|len={lb}"]
    if titled:
        out += ["titled", f"titled|len={lb}", f"titled|route={route}"]
    if body[:1].isupper():
        out.append("upper")
    tail = body.rstrip()[-1:]
    if tail and tail in _PUNCT:
        out += ["ends_punct", f"ends_punct|len={lb}"]
    if opens:
        out.append("opens")
    if _PERSONAL.search(body):
        out.append("personal")
    before = text[max(0, start - 40) : start]
    prev = _last_word(before)
    if prev and not before.rstrip(' “"‘').endswith(tuple(_PUNCT)):
        # Only closed-class and speech words: content words would learn the corpus's topics.
        word = prev.group(1).lower()
        out.append(f"prev={word}" if word in _PREV_WORDS or word in CUES else "prev=other")
    after = text[end : end + 30]
    nxt = _WORD.search(after)
    gap = after[: nxt.start()] if nxt else after
    if nxt and not any(c in gap for c in _PUNCT + "\n") and nxt.group()[:1].islower():
        out.append("modifier")  # "the “X” system": a name used before the noun it modifies
        out.append(f"modifier|len={lb}")
    if "(" in gap:
        out.append("paren_after")
    return out


def _last_word(before: str) -> re.Match[str] | None:
    """`_LAST_WORD.search(before)`, started after the last space before the last letter (faster)."""
    trail = _TRAIL.match(before[::-1])
    last = len(before) - 1 - (trail.end() if trail else 0)  # the last ASCII letter
    if last < 0:
        return None
    # The match is the word holding that letter, and a word holds no space.
    return _LAST_WORD.search(before, before.rfind(" ", 0, last) + 1)


def offered(text: str, start: int, end: int, route: str, opens: bool) -> bool:
    """Whether a quoted piece is a quotation rather than a name, a title or a scare quote."""
    p = offer_probability(text, start, end, route, opens)
    return p is not None and p >= THRESHOLD


def offer_probability(
    text: str, start: int, end: int, route: str, opens: bool, w: dict[str, float] | None = None
) -> float | None:
    """A piece's offer probability under `w` (default: fitted): None or 1.0 where a rule decides."""
    if text[max(0, start - 12) : start].rstrip(' “"').lower().endswith("so-called"):
        return None
    if _headline(text, start, end):
        return None
    feats = features(text, start, end, route, opens)
    # Names and titles ("“Real Time.”", "the “Golden Dome for America” system") are not offered;
    # a capitalized piece is speech only when cued right after it, when it is a question or an
    # exclamation, or when a speech verb introduces it ("said, “Probably.”").
    short_titled = "titled" in feats and len(text[start:end].split()) <= 7
    if short_titled and route == "adj" and _program(text, start):
        return None  # a show's name, however cued: "on WXYZ’s “Morning Hour,” Ortiz said"
    titled = short_titled and route != "adj"
    if titled and route != "none" and _introduced_by_verb(text, start):
        return 1.0  # someone's words as the verb's object: "called Rubio “Little Marco”"
    if titled and text[start:end].rstrip()[-1:] not in "?!":
        return None
    if route == "none" and "len=6+" not in feats:
        # Short, with nobody saying it: a scare quote or a term, unless a speech verb just before
        # it makes it someone's words ("said they were “worried”", "interjected, “Not again.”").
        return 1.0 if not titled and _cued(text, start) else None
    w = weights() if w is None else w
    return score(feats, w) if w else 1.0


def _program(text: str, start: int) -> bool:
    """Whether a possessive or "on"/"with" comes right before the piece ("on CNN’s “…”")."""
    before = text[max(0, start - 40) : start]
    prev = _last_word(before)
    if prev is None or before.rstrip(' “"‘').endswith(tuple(_PUNCT)):
        return False
    word = prev.group(1).lower()
    return word in ("on", "with") or word.endswith(("’s", "'s", "s’", "s'"))


def _headline(text: str, start: int, end: int) -> bool:
    """Whether the piece is an article's headline: first on its line, then a byline
    ("NOW OPEN—“Pop-up art show strives …,” by DNAinfo’s Eddie Small: …")."""
    if not _BYLINE.match(text, end, end + 80):
        return False
    line = text[text.rfind("\n", 0, start) + 1 : start]
    return _LABEL.fullmatch(line) is not None


def _cued(text: str, start: int) -> bool:
    """Whether a speech verb comes at most eight words before the piece, in its sentence."""
    lo = max(0, start - 80)
    lo = max([lo] + [text.rfind(c, lo, start - 1) + 1 for c in _MARKS + "\n"])
    lo = max([lo] + [text.rfind(c, lo, start - 1) + 2 for c in ".?!"])
    words = [t for t in tokens(text, lo, start) if t.text not in ",;:"]
    return any(t.low in CUES and not t.cap for t in words[-8:])


def _introduced_by_verb(text: str, start: int) -> bool:
    """Whether the piece is someone's words: "said, “Probably.”", "called Rubio “Little Marco”"."""
    # But not a name given to a thing ("a show called “Frozen”").
    # Only the words since the last quotation ("called “X” and read “Y”" names neither Y).
    lo = max(0, start - 60)
    lo = max([lo] + [text.rfind(c, lo, start - 1) + 1 for c in _MARKS])
    toks = tokens(text, lo, start)
    if len(toks) < 2:
        return False
    last = toks[-1]
    if last.text in ",:" and toks[-2].low in INVERTED and not toks[-2].cap:
        return True
    if last.low in _SAYING and not last.cap:
        return True  # the words themselves are the object: "Cruz said “CNN”"
    if last.low in _READ and toks[-2].low in {"which", "that"}:
        return True  # a sign's words ("a sign which read “Hispanics 4 Trump”"), not a book read
    # A naming verb with its own object before the piece: what someone calls someone.
    for k in range(len(toks) - 2, max(-1, len(toks) - 9), -1):
        if toks[k].text in ",;:":
            return False
        if toks[k].low in _NAMING and not toks[k].cap and toks[k - 1].low not in DETERMINERS:
            rest = [t for t in toks[k + 1 :] if t.low not in _LINKS]
            return bool(rest) and (rest[0].cap or rest[0].low in _OBJECTS)
    return False


def score(feats: list[str], w: dict[str, float] | None = None) -> float:
    """The probability that a piece with these features is offered (fitted weights by default)."""
    w = weights() if w is None else w
    z = sum(w.get(f, 0.0) for f in feats)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(
    rows: list[tuple[list[str], bool]], epochs: int = 30, rate: float = 0.2, l2: float = 1e-4
) -> dict[str, float]:
    """Logistic-regression weights for (features, label) rows, by AdaGrad (pure Python)."""
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    for _ in range(epochs):
        for feats, label in rows:
            z = sum(w.get(f, 0.0) for f in feats)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            grad = p - (1.0 if label else 0.0)
            for f in feats:
                gf = grad + l2 * w.get(f, 0.0)
                g2[f] = g2.get(f, 0.0) + gf * gf
                w[f] = w.get(f, 0.0) - rate * gf / math.sqrt(g2[f] + 1e-8)
    return {k: round(v, 4) for k, v in sorted(w.items()) if abs(v) >= 1e-3}
