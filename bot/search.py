"""Full-text queries for topics and free text, and ranked passage search."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.analysis.facts import worth_listing
from bot.analysis.sentences import CJK_CHARS
from bot.models import Cited, Entity, Fact, Quote, SearchHit, Sentence, TimelineEvent, Topic
from bot.store import DocumentStore, Passage

_WORD = re.compile(r"\w+", re.UNICODE)
# Chinese and Japanese characters: the full-text index cannot find a word inside a run of them.
_CJK = re.compile(f"[{CJK_CHARS}]")


# Function words have doclists as long as the corpus: a phrase that contains one makes FTS5 read
# all of it. Phrases are matched as their content-word runs NEAR each other instead.
_FUNCTION_WORDS = frozenset("a an and at by for from in into of on or the to with".split())


def _phrase(text: str) -> str | None:
    words = _WORD.findall(text)
    runs: list[list[str]] = [[]]
    gaps = 0
    for w in words:
        if w.lower() in _FUNCTION_WORDS:
            gaps += 1
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(w)
    runs = [r for r in runs if r]
    if not runs:  # only function words: match them as written
        runs, gaps = [words], 0
    if not runs[0]:
        return None
    # FTS5 phrases: the words inside double quotes match in order; no user syntax gets through.
    quoted = ['"' + " ".join(r) + '"' for r in runs]
    if len(quoted) == 1:
        return quoted[0]
    return f"NEAR({' '.join(quoted)}, {gaps})"


def phrases_query(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of the phrases."""
    parts = [p for p in (_phrase(t) for t in terms) if p]
    unique = {p.lower(): p for p in reversed(parts)}  # case-insensitive, first spelling wins
    return " OR ".join(reversed(unique.values()))


def text_query(text: str) -> str:
    """An FTS5 query matching every word of free text, in any order."""
    return " AND ".join(f'"{w}"' for w in _WORD.findall(text))


def _plan(topic: Topic) -> tuple[str, list[str], bool]:
    """How to find a topic: an FTS5 query, terms to find as written, and whether every such term
    must be in a sentence (free text) or any of them (a defined topic's phrases)."""
    if not topic.defined:
        words = _WORD.findall(topic.title)
        if any(_CJK.search(w) for w in words):
            return "", words, True  # all words as written: the index has no words to AND
        return text_query(topic.title), [], True
    terms = topic.terms()
    written = [t for t in terms if _CJK.search(t)]
    return phrases_query([t for t in terms if not _CJK.search(t)]), written, False


def passages(
    store: DocumentStore,
    topic: Topic,
    limit: int = 200,
    since: str | None = None,
    doc_ids: Sequence[str] | None = None,
) -> list[Passage]:
    """A topic's passages, best first."""
    fts, written, every = _plan(topic)
    found = store.search(fts, limit, since=since, doc_ids=doc_ids) if fts else []
    if written:
        more = store.search_substrings(written, limit, every=every, since=since, doc_ids=doc_ids)
        seen = {(p.sentence.doc_id, p.sentence.index) for p in found}
        found += [p for p in more if (p.sentence.doc_id, p.sentence.index) not in seen]
        found = found[:limit]
    return found


def matching_docs(store: DocumentStore, topic: Topic) -> int:
    """How many documents have a passage on the topic."""
    fts, written, every = _plan(topic)
    if not written:
        return store.matching_docs(fts) if fts else 0
    docs = store.docs_with_substrings(written, every=every)
    return len(docs | (store.matching_doc_ids(fts) if fts else set()))


def search(store: DocumentStore, query: str, limit: int = 10) -> list[SearchHit]:
    """Rank passages for a free-text query; fall back to any word when all words find nothing."""
    words = _WORD.findall(query)
    if any(_CJK.search(w) for w in words):
        found = store.search_substrings(words, limit, every=True)
        found = found or store.search_substrings(words, limit)
        found = [replace(p, snippet=_marked(p.sentence.text, words)) for p in found]
    else:
        match = text_query(query)
        found = store.search(match, limit, snippets=True) if match else []
        if not found and match:
            found = store.search(match.replace(" AND ", " OR "), limit, snippets=True)
    return [
        SearchHit(
            doc_id=p.sentence.doc_id,
            title=p.title,
            sentence=Cited(p.sentence.text, p.sentence.doc_id, p.sentence.start, p.sentence.end),
            snippet=p.snippet,
            score=round(p.score, 4),
        )
        for p in found
    ]


def _marked(text: str, words: Sequence[str]) -> str:
    """The sentence with each word found in it in [brackets], as the index's snippets mark them."""
    pattern = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.sub(f"(?i:{pattern})", lambda m: f"[{m.group()}]", text)


def cite(s: Sentence) -> Cited:
    """A sentence as a citation."""
    return Cited(s.text, s.doc_id, s.start, s.end)


def within(start: int, end: int, s: Sentence) -> bool:
    """Whether [start, end) lies inside a sentence."""
    return s.start <= start and end <= s.end


class PassageIndex:
    """A topic's passages by document, to find the passage holding an offset without SQL."""

    def __init__(self, found: Sequence[Passage]) -> None:
        self._by_doc: dict[str, list[Passage]] = {}
        for p in found:
            self._by_doc.setdefault(p.sentence.doc_id, []).append(p)
        for ps in self._by_doc.values():
            ps.sort(key=lambda p: p.sentence.start)
        self._starts = {d: [p.sentence.start for p in ps] for d, ps in self._by_doc.items()}

    def at(self, doc_id: str, start: int, end: int) -> Passage | None:
        """The passage that contains [start, end) of a document, if it is one of the topic's."""
        starts = self._starts.get(doc_id)
        if not starts:
            return None
        i = bisect.bisect_right(starts, start) - 1
        if i < 0:
            return None
        p = self._by_doc[doc_id][i]
        return p if within(start, end, p.sentence) else None


def facts_in(facts: Iterable[Fact], index: PassageIndex) -> tuple[list[TimelineEvent], list[Fact]]:
    """The dates and figures standing in a topic's passages: a timeline (oldest first), and the
    figures worth listing."""
    events: list[TimelineEvent] = []
    figures: list[Fact] = []
    for f in facts:
        p = index.at(f.doc_id, f.start, f.end)
        if p is None:
            continue
        if f.kind == "date":
            events.append(TimelineEvent(f.value, f, cite(p.sentence)))
        elif worth_listing(f):
            figures.append(f)
    return sorted(events, key=lambda e: e.date), figures


def speaker_matches(query: str, quote: Quote) -> bool:
    """Whether a quote's speaker is the named person: full name, alias or surname."""
    if not quote.speaker:
        return False
    want = [w.lower() for w in _WORD.findall(query)]
    have = {w.lower() for w in _WORD.findall(quote.speaker)}
    return bool(want) and all(w in have for w in want)


def rank_entities(entities: Sequence[Entity], found: Sequence[Passage]) -> list[Entity]:
    """Entities ordered by mentions inside the found passages, then by all mentions."""
    by_doc: dict[str, list[Sentence]] = {}
    for p in {(p.sentence.doc_id, p.sentence.index): p for p in found}.values():
        by_doc.setdefault(p.sentence.doc_id, []).append(p.sentence)

    def in_passages(e: Entity) -> int:
        return sum(
            1
            for m in e.mentions
            if any(within(m.start, m.end, s) for s in by_doc.get(m.doc_id, []))
        )

    return sorted(entities, key=lambda e: (-in_passages(e), -len(e.mentions), e.name))
