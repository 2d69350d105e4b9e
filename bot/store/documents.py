"""Stored documents and what analysis found in them (searching them: `passages`)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import cast

from bot.analysis import Analysis
from bot.models import (
    Document,
    DocumentInfo,
    Entity,
    EntityKind,
    Fact,
    Mention,
    Quote,
    Sentence,
    Source,
)
from bot.store.database import Database
from bot.store.passages import PassageSearch, placeholders

log = logging.getLogger(__name__)


class DocumentStore(PassageSearch):
    """Documents, sentences, mentions, facts and quotes, all written and read here."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- writing ---------------------------------------------------------------------------

    def state(self, doc_id: str) -> tuple[str, int] | None:
        """A stored document's (content hash, analysis version), or None."""
        row = (
            self.db.connection()
            .execute(
                "SELECT content_hash, analysis_version FROM documents WHERE doc_id = ?", (doc_id,)
            )
            .fetchone()
        )
        return None if row is None else (row[0], int(row[1]))

    def holder_of(self, content_hash: str) -> str | None:
        """The id of a document stored with this exact text, if any."""
        row = (
            self.db.connection()
            .execute("SELECT doc_id FROM documents WHERE content_hash = ? LIMIT 1", (content_hash,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def save(
        self,
        tx: sqlite3.Connection,
        doc: Document,
        analysis: Analysis,
        content_hash: str,
        ingested_at: str,
        analysis_version: int,
    ) -> None:
        """Replace a document and everything found in it, inside the caller's transaction."""
        self.save_many(tx, [(doc, analysis, content_hash)], ingested_at, analysis_version)

    def save_many(
        self,
        tx: sqlite3.Connection,
        entries: Sequence[tuple[Document, Analysis, str]],
        ingested_at: str,
        analysis_version: int,
    ) -> None:
        """Replace a batch of (document, analysis, hash) inside the caller's transaction."""
        # One entry per id (the last, as if saved one by one): deleting the sentences of a
        # document saved earlier in this batch, not yet in the full-text index, would tell FTS5
        # to delete rows it never had, and that corrupts the index.
        entries = list({doc.doc_id: (doc, a, h) for doc, a, h in entries}.values())
        for doc, analysis, content_hash in entries:
            self._delete_children(tx, doc.doc_id)
            tx.execute(
                "INSERT INTO documents (doc_id, title, text, date, url, source, path,"
                " content_hash, ingested_at, analysis_version) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(doc_id) DO UPDATE SET title=excluded.title, text=excluded.text,"
                " date=excluded.date, url=excluded.url, source=excluded.source,"
                " path=excluded.path, content_hash=excluded.content_hash,"
                " ingested_at=excluded.ingested_at, analysis_version=excluded.analysis_version",
                (
                    doc.doc_id,
                    doc.title,
                    doc.text,
                    doc.date,
                    doc.url,
                    doc.source,
                    doc.path,
                    content_hash,
                    ingested_at,
                    analysis_version,
                ),
            )
            self._insert_analysis(tx, doc.doc_id, analysis)
        self._index_passages(tx, [doc.doc_id for doc, _, _ in entries])

    def replace_analysis(
        self, tx: sqlite3.Connection, doc_id: str, analysis: Analysis, analysis_version: int
    ) -> None:
        """Swap in a fresh analysis of a stored document (for reindex)."""
        self._delete_children(tx, doc_id)
        self._insert_analysis(tx, doc_id, analysis)
        self._index_passages(tx, [doc_id])
        tx.execute(
            "UPDATE documents SET analysis_version = ? WHERE doc_id = ?",
            (analysis_version, doc_id),
        )

    def _delete_children(self, tx: sqlite3.Connection, doc_id: str) -> None:
        for table in ("sentences", "mentions", "facts", "quotes"):
            tx.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))

    def _index_passages(self, tx: sqlite3.Connection, doc_ids: Sequence[str]) -> None:
        # One FTS5 insert per batch: its cost is mostly per statement, not per row.
        for i in range(0, len(doc_ids), 500):
            chunk = doc_ids[i : i + 500]
            tx.execute(
                "INSERT INTO passages (rowid, text) SELECT id, text FROM sentences"
                f" WHERE doc_id IN ({placeholders(len(chunk))})",
                chunk,
            )

    def _insert_analysis(self, tx: sqlite3.Connection, doc_id: str, a: Analysis) -> None:
        tx.executemany(
            "INSERT INTO sentences (doc_id, idx, start_pos, end_pos, text) VALUES (?,?,?,?,?)",
            [(doc_id, s.index, s.start, s.end, s.text) for s in a.sentences],
        )
        tx.executemany(
            "INSERT INTO mentions (doc_id, name, kind, start_pos, end_pos) VALUES (?,?,?,?,?)",
            [(doc_id, e.name, e.kind, m.start, m.end) for e in a.entities for m in e.mentions],
        )
        tx.executemany(
            "INSERT INTO facts (doc_id, kind, text, value, start_pos, end_pos)"
            " VALUES (?,?,?,?,?,?)",
            [(doc_id, f.kind, f.text, f.value, f.start, f.end) for f in a.facts],
        )
        tx.executemany(
            "INSERT INTO quotes (doc_id, text, speaker, speaker_start, speaker_end, cue,"
            " start_pos, end_pos) VALUES (?,?,?,?,?,?,?,?)",
            [
                (doc_id, q.text, q.speaker, q.speaker_start, q.speaker_end, q.cue, q.start, q.end)
                for q in a.quotes
            ],
        )

    def forget(self, doc_id: str) -> bool:
        """Remove a document and everything found in it; False if it was not stored."""
        with self.db.transaction() as tx:
            self._delete_children(tx, doc_id)
            return tx.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,)).rowcount > 0

    # -- reading documents ------------------------------------------------------------------

    def document(self, doc_id: str) -> Document | None:
        """One stored document, with its text."""
        row = (
            self.db.connection()
            .execute(
                "SELECT doc_id, title, text, date, url, source, path, ingested_at FROM documents"
                " WHERE doc_id = ?",
                (doc_id,),
            )
            .fetchone()
        )
        return None if row is None else Document(*row)

    def text_slice(self, doc_id: str, start: int, end: int) -> str | None:
        """`text[start:end]` of a stored document, read without loading the rest of it."""
        row = (
            self.db.connection()
            .execute(
                "SELECT substr(text, ?, ?) FROM documents WHERE doc_id = ?",
                (start + 1, end - start, doc_id),
            )
            .fetchone()
        )
        return None if row is None else str(row[0])

    def stale(self, analysis_version: int) -> list[str]:
        """Ids of documents analysed by another version of the analysis."""
        rows = self.db.connection().execute(
            "SELECT doc_id FROM documents WHERE analysis_version != ? ORDER BY doc_id",
            (analysis_version,),
        )
        return [str(r[0]) for r in rows]

    def doc_ids(self) -> list[str]:
        """Every stored document id."""
        rows = self.db.connection().execute("SELECT doc_id FROM documents ORDER BY doc_id")
        return [str(r[0]) for r in rows]

    def texts(self) -> Iterator[str]:
        """Every stored text, one at a time."""
        for row in self.db.connection().execute("SELECT text FROM documents"):
            yield str(row[0])

    def listing(self) -> list[DocumentInfo]:
        """A line per stored document, newest first."""
        rows = self.db.connection().execute(
            "SELECT d.doc_id, d.title, d.date, d.url, d.path, d.ingested_at, length(d.text),"
            " (SELECT count(*) FROM sentences s WHERE s.doc_id = d.doc_id)"
            " FROM documents d ORDER BY coalesce(d.date, '') DESC, d.doc_id"
        )
        return [DocumentInfo(*r) for r in rows]

    def count(self) -> int:
        """How many documents are stored."""
        return int(self.db.connection().execute("SELECT count(*) FROM documents").fetchone()[0])

    def sources(self, doc_ids: Iterable[str]) -> dict[str, Source]:
        """The citation line of each document."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        rows = self.db.connection().execute(
            "SELECT doc_id, title, date, url FROM documents"
            f" WHERE doc_id IN ({placeholders(len(ids))})",
            ids,
        )
        return {r[0]: Source(r[0], r[1], r[2], r[3]) for r in rows}

    def ingest_times(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """When each document was (last) ingested."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        rows = self.db.connection().execute(
            f"SELECT doc_id, ingested_at FROM documents WHERE doc_id IN ({placeholders(len(ids))})",
            ids,
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def ingested_between(self, after: str, until: str) -> list[str]:
        """Ids of documents ingested in (after, until], by ingest time."""
        rows = self.db.connection().execute(
            "SELECT doc_id FROM documents WHERE ingested_at > ? AND ingested_at <= ?"
            " ORDER BY ingested_at, doc_id",
            (after, until),
        )
        return [str(r[0]) for r in rows]

    def sentences(self, doc_id: str) -> list[Sentence]:
        """A document's sentences in order."""
        rows = self.db.connection().execute(
            "SELECT doc_id, idx, start_pos, end_pos, text FROM sentences WHERE doc_id = ?"
            " ORDER BY idx",
            (doc_id,),
        )
        return [Sentence(*r) for r in rows]

    def sentence_at(self, doc_id: str, pos: int) -> Sentence | None:
        """The sentence holding character `pos` of a document."""
        row = (
            self.db.connection()
            .execute(
                "SELECT doc_id, idx, start_pos, end_pos, text FROM sentences"
                " WHERE doc_id = ? AND start_pos <= ? ORDER BY idx DESC LIMIT 1",
                (doc_id, pos),
            )
            .fetchone()
        )
        return None if row is None else Sentence(*row)

    # -- analysis results -------------------------------------------------------------------

    def entities(self, doc_ids: Sequence[str]) -> list[Entity]:
        """Entities mentioned in these documents, most mentioned first."""
        if not doc_ids:
            return []
        rows = self.db.connection().execute(
            "SELECT name, kind, doc_id, start_pos, end_pos FROM mentions"
            f" WHERE doc_id IN ({placeholders(len(doc_ids))}) ORDER BY doc_id, start_pos",
            list(doc_ids),
        )
        grouped: dict[tuple[str, str], list[Mention]] = {}
        for name, kind, doc_id, start, end in rows:
            grouped.setdefault((name, kind), []).append(Mention(doc_id, start, end))
        ranked = sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0][0]))
        return [Entity(name, cast(EntityKind, kind), tuple(ms)) for (name, kind), ms in ranked]

    def facts(self, doc_ids: Sequence[str]) -> list[Fact]:
        """Dates and figures in these documents, in document order."""
        if not doc_ids:
            return []
        rows = self.db.connection().execute(
            "SELECT kind, text, value, doc_id, start_pos, end_pos FROM facts"
            f" WHERE doc_id IN ({placeholders(len(doc_ids))}) ORDER BY doc_id, start_pos",
            list(doc_ids),
        )
        return [Fact(*r) for r in rows]

    def quotes(self, doc_ids: Sequence[str] | None = None) -> list[Quote]:
        """Quotes in these documents (or all), in document order."""
        sql = (
            "SELECT text, speaker, speaker_start, speaker_end, cue, doc_id, start_pos, end_pos"
            " FROM quotes"
        )
        params: list[str] = []
        if doc_ids is not None:
            if not doc_ids:
                return []
            sql += f" WHERE doc_id IN ({placeholders(len(doc_ids))})"
            params = list(doc_ids)
        rows = self.db.connection().execute(sql + " ORDER BY doc_id, start_pos", params)
        return [Quote(*r) for r in rows]

    def speakers(self) -> list[tuple[str, int]]:
        """Resolved speaker names with their number of quotes, most quoted first."""
        rows = self.db.connection().execute(
            "SELECT speaker, count(*) FROM quotes WHERE speaker IS NOT NULL"
            " GROUP BY speaker ORDER BY count(*) DESC, speaker"
        )
        return [(str(r[0]), int(r[1])) for r in rows]
