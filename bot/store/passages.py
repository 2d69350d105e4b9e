"""Finding sentences: full-text search (FTS5, BM25) and, for Chinese and Japanese, substrings."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.models import Sentence
from bot.store.database import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Passage:
    """A sentence found by search, with its document's facts and its rank."""

    sentence: Sentence
    title: str
    doc_sentences: int
    date: str | None
    score: float  # higher is more relevant (negated BM25, or how many terms it holds)
    snippet: str


def placeholders(n: int) -> str:
    """n comma-separated SQL parameters."""
    return ",".join("?" * n)


def _hits(terms: Sequence[str], column: str) -> tuple[str, list[str]]:
    """SQL counting how many of `terms` `column` contains as written, and its parameters."""
    # LIKE patterns matching each term anywhere, its own % and _ taken literally.
    likes = [
        "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms
    ]
    return " + ".join(f"({column} LIKE ? ESCAPE '\\')" for _ in likes), likes


class PassageSearch:
    """The search half of DocumentStore: reads the sentences and their full-text index."""

    db: Database

    def search(
        self,
        match: str,
        limit: int,
        *,
        since: str | None = None,
        doc_ids: Sequence[str] | None = None,
        snippets: bool = False,
    ) -> list[Passage]:
        """Sentences matching an FTS5 query, best first (BM25); snippets only when asked."""
        joins, where = "", ["passages MATCH ?"]
        params: list[object] = [match]
        if since is not None or doc_ids is not None:
            joins = (
                " JOIN sentences s ON s.id = passages.rowid JOIN documents d ON d.doc_id = s.doc_id"
            )
        if since is not None:
            where.append("coalesce(d.date, substr(d.ingested_at, 1, 10)) >= ?")
            params.append(since)
        if doc_ids is not None:
            if not doc_ids:
                return []
            where.append(f"s.doc_id IN ({placeholders(len(doc_ids))})")
            params.extend(doc_ids)
        params.append(limit)
        snippet = "snippet(passages, 0, '[', ']', '…', 24)" if snippets else "''"
        # Rank inside the full-text index first, then join only the top rows: every column
        # computed before the sort is computed for every match, which grows with the corpus.
        sql = (
            f"WITH top AS (SELECT passages.rowid AS id, bm25(passages) AS score, {snippet} AS snip"
            f" FROM passages{joins} WHERE {' AND '.join(where)} ORDER BY score LIMIT ?)"
            " SELECT s.doc_id, s.idx, s.start_pos, s.end_pos, s.text, d.title, d.date,"
            " (SELECT max(idx) + 1 FROM sentences x WHERE x.doc_id = s.doc_id),"
            " top.score, top.snip"
            " FROM top JOIN sentences s ON s.id = top.id JOIN documents d ON d.doc_id = s.doc_id"
            " ORDER BY top.score"
        )
        try:
            rows = self.db.connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            log.warning("search %r failed: %s", match, exc)
            return []
        return [
            Passage(Sentence(r[0], r[1], r[2], r[3], r[4]), r[5], int(r[7]), r[6], -r[8], r[9])
            for r in rows
        ]

    def matching_docs(self, match: str) -> int:
        """How many documents have a sentence matching an FTS5 query."""
        try:
            row = (
                self.db.connection()
                .execute(
                    "SELECT count(DISTINCT s.doc_id) FROM passages JOIN sentences s"
                    " ON s.id = passages.rowid WHERE passages MATCH ?",
                    (match,),
                )
                .fetchone()
            )
        except sqlite3.OperationalError:
            return 0
        return int(row[0])

    def matching_doc_ids(self, match: str) -> set[str]:
        """The documents with a sentence matching an FTS5 query."""
        try:
            rows = self.db.connection().execute(
                "SELECT DISTINCT s.doc_id FROM passages JOIN sentences s"
                " ON s.id = passages.rowid WHERE passages MATCH ?",
                (match,),
            )
            return {str(r[0]) for r in rows}
        except sqlite3.OperationalError:
            return set()

    def docs_with_substrings(self, terms: Sequence[str], *, every: bool = False) -> set[str]:
        """The documents with a sentence containing any (or every) term as written."""
        if not terms:
            return set()
        hit, likes = _hits(terms, "text")
        rows = self.db.connection().execute(
            f"SELECT DISTINCT doc_id FROM sentences WHERE ({hit}) >= ?",
            [*likes, len(likes) if every else 1],
        )
        return {str(r[0]) for r in rows}

    def search_substrings(
        self,
        terms: Sequence[str],
        limit: int,
        *,
        every: bool = False,
        since: str | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[Passage]:
        """Sentences containing any (or every) term as written, most terms first: for scripts
        the full-text index cannot split into words (Chinese, Japanese)."""
        # A scan of the sentences, not the index: unicode61 reads a run of such characters as one
        # word, so a term inside a run is not in the index at all.
        if not terms or (doc_ids is not None and not doc_ids):
            return []
        hit, likes = _hits(terms, "s.text")
        where = [f"({hit}) {'=' if every else '>='} ?"]
        params: list[object] = [*likes, *likes, len(likes) if every else 1]
        if since is not None:
            where.append("coalesce(d.date, substr(d.ingested_at, 1, 10)) >= ?")
            params.append(since)
        if doc_ids is not None:
            where.append(f"s.doc_id IN ({placeholders(len(doc_ids))})")
            params.extend(doc_ids)
        params.append(limit)
        rows = self.db.connection().execute(
            f"SELECT s.doc_id, s.idx, s.start_pos, s.end_pos, s.text, d.title, d.date,"
            " (SELECT max(idx) + 1 FROM sentences x WHERE x.doc_id = s.doc_id),"
            f" {hit} AS score FROM sentences s JOIN documents d ON d.doc_id = s.doc_id"
            f" WHERE {' AND '.join(where)} ORDER BY score DESC, length(s.text), s.doc_id, s.idx"
            " LIMIT ?",
            params,
        )
        return [
            Passage(Sentence(r[0], r[1], r[2], r[3], r[4]), r[5], int(r[7]), r[6], float(r[8]), "")
            for r in rows
        ]
