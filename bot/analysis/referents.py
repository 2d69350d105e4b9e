"""Who a speaker mention refers to: full names for surnames, pronouns and "the statement"."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache

from bot import DATA_DIR
from bot.analysis.speakers import (
    DETERMINERS,
    FUNCTION_CAPS,
    PERSON_PRONOUNS,
    Mention,
    word_set,
)
from bot.models import Entity

_TITLES = word_set(
    """president vice sen senator rep representative gov governor mr mrs ms dr prof gen general
    secretary minister prime chancellor mayor judge justice chief director chairman chairwoman
    chair spokesman spokeswoman spokesperson candidate nominee leader speaker ambassador
    attorney former lt col adm rev sir lord lady king queen prince pope premier commissioner
    adviser advisor aide manager host anchor officer professor deputy acting state
    republican democratic democrat presidential congressman congresswoman house majority
    minority whip press campaign sheriff"""
)
# Words of place names, which no pronoun "he" or "she" refers to.
_PLACE_WORDS = word_set(
    """united states kingdom america american north south east west new york washington county
    city island islands republic nations street avenue road river valley mountain airport
    province region district gulf sea ocean bay coast beach park square hall"""
)
_ORG_HEADS = word_set(
    """party committee department ministry office house senate congress court campaign
    administration agency council union association foundation institute university
    school times post news network journal press company corporation inc group bureau
    commission center centre fund statement report website poll"""
)
# The lookbehind follows the first letter so the engine can scan ahead for capitals.
_NAME_RUN = re.compile(
    r"[A-Z](?<![\w’'].)[\w’'.-]*(?:[ \t]+(?:(?:of|de|van|von|bin|al|la|le)[ \t]+)?[A-Z][\w’'.-]*)*"
)
# The runs of _NAME_RUN that hold more than one word (no backtracking into a word: a space
# cannot follow a shorter one).
_MULTI_RUN = re.compile(
    r"[A-Z](?<![\w’'].)[\w’'.-]*+"
    r"(?:[ \t]+(?:(?:of|de|van|von|bin|al|la|le)[ \t]+)?[A-Z][\w’'.-]*+)+"
)
_ISSUED = re.compile(
    r"\b(?:issued|released|signed|published|adopted|put out)\s+(?:a|an|the|their)\s+"
    r"(joint\s+)?(?:statement|declaration|communiqu[eé])",
    re.I,
)
# Where _ISSUED can start, in lower case: the verbs are found with fast substring scans first.
_ISSUE_VERBS = ("issued", "released", "signed", "published", "adopted", "put out")
# The only characters IGNORECASE equates with ASCII letters that `str.lower` does not map to them.
_FOLDS = ("\u0130", "\u0131", "\u017f", "\u212a")
# As r"\b([A-Z][a-z]+) and …", with the boundary as a lookbehind after the capital (faster).
_PAIR = re.compile(r"([A-Z](?<!\w.)[a-z]+) and ([A-Z][a-z]+)\b")
_DOCUMENT_WORDS = word_set("statement declaration communique communiqué document letter")
_LEADS = word_set("some many most all few several both each every any no none one two")
_NAME_BEFORE = re.compile(r"([A-Z][\w’'.-]*(?: [A-Z][\w’'.-]*){0,3}),? $")
_NAMES: dict[str, list[str]] = json.loads((DATA_DIR / "quotes_given_names.json").read_text("utf-8"))
_FEMALE = frozenset(_NAMES["female"])
_MALE = frozenset(_NAMES["male"])


def _first(name: str) -> str:
    return name.split()[0].lower() if name.split() else ""


# Which names "he" and "she" may refer to: any but a common given name of the other sex.
_GENDER_OK: dict[str, Callable[[str], bool]] = {
    "he": lambda name: _first(name) not in _FEMALE,
    "she": lambda name: _first(name) not in _MALE,
}
_POSSESSIVE = re.compile(r"[’']s$|(?<=s)[’']$")


@cache
def _bare(raw: str) -> str:
    """A written name without leading function words and titles: "But Sen. Ted Cruz" -> Ted Cruz."""
    words = raw.split()
    # A word ending a sentence ends the name too ("Ben Brafman. Either …").
    for k, w in enumerate(words[:-1]):
        if w.endswith(".") and len(w) > 3 and w.lower().rstrip(".") not in _TITLES:
            words = words[: k + 1]
            break
    while words and (
        words[0].lower().rstrip(".") in FUNCTION_CAPS
        or words[0].lower() in _LEADS
        or (words[0].endswith("ing") and len(words) > 1)  # "Using Ted Cruz …"
    ):
        words = words[1:]
    if len(words) > 4:
        return ""  # a headline in title case, not a name
    return _clean(bare_name(words)) if words else ""


def _clean(words: Sequence[str]) -> str:
    return " ".join(_POSSESSIVE.sub("", w) for w in words)


def bare_name(words: list[str]) -> list[str]:
    """A name without the titles before it: "Russian President Vladimir Putin" -> Vladimir Putin."""
    out = list(words)
    while len(out) > 1 and (
        out[0].lower().rstrip(".") in _TITLES
        or (out[1].lower().rstrip(".") in _TITLES and len(out) > 2)
        or out[0].lower() in DETERMINERS
        or out[0].lower() == "of"  # "Speaker of the House Paul Ryan" -> Paul Ryan
    ):
        out = out[1:]
    # Keep the period of an initial ("Gregory T. Angelo"), drop a sentence's.
    return [w.rstrip(",") if len(w.rstrip(",.")) == 1 else w.rstrip(",.") for w in out]


@cache
def is_org(name: str) -> bool:
    """Whether a capitalized name looks like an organisation, a place or a document."""
    low = name.lower().split()
    return bool(low) and (
        low[-1] in _ORG_HEADS or low[0] == "the" or any(w in _PLACE_WORDS for w in low)
    )


class Referents:
    """Resolve speaker mentions of one document to names, using the names written in it."""

    def __init__(
        self, text: str, quoted: Sequence[tuple[int, int]], people: Sequence[Entity] = ()
    ) -> None:
        self.text = text
        self.people = [p for p in people if p.kind == "person"]
        self.quoted = quoted
        self._full: dict[str, str] = {}
        self._names: list[tuple[int, str]] | None = None
        self._multi: list[str] | None = None
        self._by_word: dict[str, list[str]] = {}
        self.issuers = self._issuers()

    @property
    def names(self) -> list[tuple[int, str]]:
        """(offset, bare name) of each name written outside quotations, found on first use."""
        if self._names is None:
            bare = ((at, _bare(raw)) for at, raw in self._runs(_NAME_RUN))
            self._names = [(at, name) for at, name in bare if name]
        return self._names

    def _named(self, word: str) -> list[str]:
        """The multi-word names that hold `word`, to expand "Xi" to "Xi Jinping" (in text order)."""
        found = self._by_word.get(word)
        if found is None:
            if self._multi is None:
                # Only runs of several words can give a multi-word name: skip the single ones.
                self._multi = [raw for _, raw in self._runs(_MULTI_RUN)]
            found = self._by_word[word] = []
            for raw in self._multi:
                if word not in raw:
                    continue  # each word of a bare name is cut from its run as written
                name = _bare(raw)
                parts = name.split()
                if len(parts) > 1 and word in parts and not is_org(name):
                    found.append(name)
        return found

    def _runs(self, pattern: re.Pattern[str]) -> Iterator[tuple[int, str]]:
        """(offset, run as written) of each run of `pattern` outside quotations."""
        quoted, k = self.quoted, 0
        for m in pattern.finditer(self.text):
            at = m.start()
            while k < len(quoted) and quoted[k][1] <= at:
                k += 1
            if k < len(quoted) and quoted[k][0] <= at:
                continue  # a name inside a quotation is not a speaker
            yield at, m.group()

    def _issuers(self) -> str | None:
        """Who issued the document's statement: "China and Russia (joint statement)"."""
        m = _issued(self.text)
        if m is None:
            return None
        kind = "joint statement" if m.group(1) else "statement"
        window = self.text[max(0, m.start() - 300) : m.start()]
        subject = re.findall(r"([A-Z][\w’'.-]+(?:\s[A-Z][\w’'.-]+)*)\s*$", window.rstrip())
        if subject and subject[-1].split()[0].lower() not in FUNCTION_CAPS:
            return f"{subject[-1]} ({kind})"
        # "the two countries issued …": the pair of names the text keeps naming together.
        counts: dict[tuple[str, str], int] = {}
        for pair in _PAIR.finditer(self.text):
            a, b = pair.group(1), pair.group(2)
            if a.lower() in FUNCTION_CAPS or b.lower() in FUNCTION_CAPS:
                continue
            key = (a, b) if (b, a) not in counts else (b, a)
            counts[key] = counts.get(key, 0) + 1
        if counts:
            a, b = max(counts, key=lambda k: counts[k])
            return f"{a} and {b} ({kind})"
        return None

    def full_name(self, words: Sequence[str], at: int) -> str:
        """The longest name in the document (or in `people`) that contains these words."""
        name = _clean(bare_name(list(words)))
        want = name.split()
        if not want:
            return name
        best = name
        for p in self.people:
            if any(m.start <= at < m.end for m in p.mentions):
                return p.name
        for p in self.people:
            if all(w in p.name.split() for w in want) and len(p.name) > len(best):
                best = p.name
        if best != name:
            return best
        if name in self._full:
            return self._full[name]
        for other in self._named(want[0]):
            if len(other) > len(best) and _contains(other.split(), want):
                best = other
        self._full[name] = best
        return best

    def last_person(self, before: int, ok: Callable[[str], bool] = bool) -> str | None:
        """The most recent person-like name written before offset `before` that `ok` accepts."""
        if self.people:
            # The entity extractor knows who is a person: its latest mention wins.
            seen = [
                (m.start, p.name)
                for p in self.people
                for m in p.mentions
                if m.start < before and ok(p.name)
            ]
            return max(seen)[1] if seen else None
        k = bisect.bisect_left(self.names, (before, ""))
        for _, name in reversed(self.names[max(0, k - 40) : k]):
            if not is_org(name) and name.lower() not in FUNCTION_CAPS:
                full = self.full_name(name.split(), -1)
                if (len(full.split()) >= 2 or full != name) and ok(full):
                    return full
        return None

    def resolve(self, mention: Mention, previous: str | None) -> str | None:
        """The name `mention` refers to; `previous` is the last quote's resolved speaker."""
        words = mention.words
        head = words[-1].strip(",.") if words else ""
        if len(words) == 1 and head in PERSON_PRONOUNS:
            ok = _GENDER_OK[head]
            if previous and not _is_document(previous) and not is_org(previous) and ok(previous):
                return previous
            return self.last_person(mention.start, ok)
        if len(words) == 1 and head in {"it", "they", "we", "which", "who", "i", "you"}:
            if head in {"it", "which"} and previous and _is_document(previous):
                return previous
            if head == "it" and self.issuers:
                return self.issuers
            if head == "who":
                # "Franklin Graham, who has vowed …": the name right before.
                m = _NAME_BEFORE.search(self.text, max(0, mention.start - 80), mention.start)
                if m:
                    return self.full_name(m.group(1).split(), m.start(1))
            if head in {"who", "i"}:
                return previous or self.last_person(mention.start)
            return previous
        if _DOCUMENT_WORDS & {w.strip(",.") for w in words} and words[0] in DETERMINERS:
            return self.issuers or mention.text
        if not mention.text[:1].isupper() or words[0] in DETERMINERS:
            return mention.text
        return self.full_name(mention.text.split(), mention.start)


def _issued(text: str) -> re.Match[str] | None:
    """The first match of `_ISSUED` (a case-insensitive scan of the whole text is slow)."""
    low = text.lower()
    if len(low) != len(text) or any(c in text for c in _FOLDS):
        return _ISSUED.search(text)  # offsets in `low` would not be those in `text`
    at: list[int] = []
    for verb in _ISSUE_VERBS:
        i = low.find(verb)
        while i >= 0:
            at.append(i)
            i = low.find(verb, i + 1)
    for i in sorted(at):  # every match starts at a verb: the first that matches is the first
        m = _ISSUED.match(text, i)
        if m is not None:
            return m
    return None


def _contains(parts: Sequence[str], want: Sequence[str]) -> bool:
    """Whether `want` is a contiguous run of `parts`."""
    n = len(want)
    return any(list(parts[i : i + n]) == list(want) for i in range(len(parts) - n + 1))


def _is_document(name: str) -> bool:
    return name.endswith("statement)") or name.lower().startswith("the statement")
