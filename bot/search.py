"""Full-text queries for topics and free text, and ranked passage search."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.models import Cited, SearchHit, Topic
from bot.store import DocumentStore, Passage

_WORD = re.compile(r"\w+", re.UNICODE)


def _phrase(text: str) -> str | None:
    words = _WORD.findall(text)
    # FTS5 phrases: the words inside double quotes match in order; no user syntax gets through.
    return '"' + " ".join(words) + '"' if words else None


def phrases_query(terms: Iterable[str]) -> str:
    """An FTS5 query matching any of the phrases."""
    parts = [p for p in (_phrase(t) for t in terms) if p]
    return " OR ".join(dict.fromkeys(parts))


def text_query(text: str) -> str:
    """An FTS5 query matching every word of free text, in any order."""
    return " AND ".join(f'"{w}"' for w in _WORD.findall(text))


def topic_query(topic: Topic) -> str:
    """The query that finds a topic's passages."""
    if not topic.defined:
        return text_query(topic.title)
    return phrases_query(topic.terms())


def passages(
    store: DocumentStore, topic: Topic, limit: int = 200, since: str | None = None
) -> list[Passage]:
    """A topic's passages, best first."""
    match = topic_query(topic)
    return store.search(match, limit, since=since) if match else []


def search(store: DocumentStore, query: str, limit: int = 10) -> list[SearchHit]:
    """Rank passages for a free-text query; fall back to any word when all words find nothing."""
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
