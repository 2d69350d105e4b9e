"""Ingesting documents: read, deduplicate, analyse once and store, in batches."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import corpus
from bot.analysis import ANALYSIS_VERSION, analyse
from bot.models import Document, IngestReport, Skipped
from bot.store import Database, DocumentStore

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

_BATCH = 200  # documents per write transaction: large enough to be fast, small enough to stream


class Ingestion:
    """Turns files into stored, analysed documents; re-analyses them after an upgrade."""

    def __init__(
        self,
        db: Database,
        store: DocumentStore,
        clock: Callable[[], dt.datetime],
        max_file_bytes: int = corpus.DEFAULT_MAX_BYTES,
    ) -> None:
        self.db = db
        self.store = store
        self.clock = clock
        self.max_file_bytes = max_file_bytes

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Read files and folders into the store; bad files are skipped with a reason."""
        sources, skipped = corpus.find_sources(paths)
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        duplicates: list[tuple[str, str]] = []
        pending: list[tuple[Document, str, bool]] = []
        seen_hashes: dict[str, str] = {}
        seen_ids: dict[str, str] = {}  # doc_id -> where this ingest read it

        def flush() -> None:
            # Analyse before taking the write lock, so readers and the scheduler wait less.
            entries = [
                (doc, analyse(doc.text, doc.doc_id, doc.date), digest) for doc, digest, _ in pending
            ]
            now = self.clock().astimezone(dt.UTC).isoformat(timespec="microseconds")
            with self.db.transaction() as tx:
                self.store.save_many(tx, entries, now, ANALYSIS_VERSION)
            for doc, _, existed in pending:
                (updated if existed else added).append(doc.doc_id)
            pending.clear()

        for n, source in enumerate(sources, 1):
            for item in corpus.read_source(source, self.max_file_bytes):
                if isinstance(item, Skipped):
                    skipped.append(item)
                    continue
                where = item.path or str(source.path)
                if item.doc_id in seen_ids:
                    # "ok.html" and "ok.txt", or a record id used twice: keep the first, say so
                    # (the second would silently replace it).
                    first = seen_ids[item.doc_id]
                    skipped.append(Skipped(where, f"id {item.doc_id!r} already read from {first}"))
                    continue
                seen_ids[item.doc_id] = where
                digest = corpus.content_hash(item.text)
                state = self.store.state(item.doc_id)
                if state == (digest, ANALYSIS_VERSION):  # same text, analysed by this version
                    unchanged.append(item.doc_id)
                    continue
                holder = seen_hashes.get(digest) or self.store.holder_of(digest)
                if holder is not None and holder != item.doc_id:
                    duplicates.append((item.doc_id, holder))
                    continue
                seen_hashes[digest] = item.doc_id
                pending.append((item, digest, state is not None))
                if len(pending) >= _BATCH:
                    flush()
            if progress is not None:
                progress(n, len(sources))
        if pending:
            flush()
        return IngestReport(
            tuple(added), tuple(updated), tuple(unchanged), tuple(duplicates), tuple(skipped)
        )

    def reindex(self, progress: Progress | None = None, *, everything: bool = False) -> int:
        """Re-run the analysis on stored text (stale documents, or all); return how many."""
        ids = self.store.doc_ids() if everything else self.store.stale(ANALYSIS_VERSION)
        for n, doc_id in enumerate(ids, 1):
            doc = self.store.document(doc_id)
            if doc is None:
                continue
            with self.db.transaction() as tx:
                a = analyse(doc.text, doc.doc_id, doc.date)
                self.store.replace_analysis(tx, doc_id, a, ANALYSIS_VERSION)
            if progress is not None:
                progress(n, len(ids))
        return len(ids)
