"""The SQLite database: one connection per thread, the schema and its version."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import DatabaseUnusable, SchemaError

log = logging.getLogger(__name__)

# Bump when the tables change; add a step to _MIGRATIONS that takes the previous version up.
SCHEMA_VERSION = 3

# One digest scheduler per database: the process holding the "digests" lease runs it.
_LEASES = """CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires TEXT NOT NULL
);
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    date TEXT,
    url TEXT,
    source TEXT,
    path TEXT,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    analysis_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE INDEX IF NOT EXISTS documents_ingested ON documents(ingested_at);
CREATE TABLE IF NOT EXISTS sentences (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sentences_doc ON sentences(doc_id, idx);
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
    text, content='sentences', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
-- New sentences are indexed by DocumentStore in one statement per batch, not by a trigger:
-- FTS5 pays a fixed cost per INSERT statement, which made a per-row trigger 0.5 ms a document.
CREATE TRIGGER IF NOT EXISTS sentences_ad AFTER DELETE ON sentences BEGIN
    INSERT INTO passages(passages, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TABLE IF NOT EXISTS mentions (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_doc ON mentions(doc_id);
CREATE INDEX IF NOT EXISTS mentions_name ON mentions(name);
CREATE TABLE IF NOT EXISTS facts (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    value TEXT NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE TABLE IF NOT EXISTS quotes (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    speaker TEXT,
    speaker_start INTEGER,
    speaker_end INTEGER,
    cue TEXT,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS quotes_doc ON quotes(doc_id);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker);
-- Digests (bot/store/digests.py): subscriptions, claimed slots, and each posted part.
CREATE TABLE IF NOT EXISTS subscriptions (
    sub_id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    channel TEXT NOT NULL,
    topics TEXT NOT NULL,
    at TEXT NOT NULL,
    days TEXT NOT NULL,
    tz TEXT NOT NULL,
    nothing_new INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'config',
    created_at TEXT NOT NULL,
    next_run TEXT NOT NULL,
    last_until TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    subscriber TEXT,
    UNIQUE (platform, channel)
);
CREATE INDEX IF NOT EXISTS subscriptions_next ON subscriptions(next_run);
CREATE TABLE IF NOT EXISTS digest_slots (
    sub_id INTEGER NOT NULL REFERENCES subscriptions(sub_id) ON DELETE CASCADE,
    slot TEXT NOT NULL,
    state TEXT NOT NULL,
    since TEXT,
    until TEXT,
    payloads TEXT,
    parts INTEGER,
    claimed_at TEXT NOT NULL,
    done_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (sub_id, slot)
);
CREATE INDEX IF NOT EXISTS digest_slots_state ON digest_slots(state);
CREATE TABLE IF NOT EXISTS digest_parts (
    sub_id INTEGER NOT NULL,
    slot TEXT NOT NULL,
    part INTEGER NOT NULL,
    marker TEXT NOT NULL,
    state TEXT NOT NULL,
    message_id TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (sub_id, slot, part),
    FOREIGN KEY (sub_id, slot) REFERENCES digest_slots(sub_id, slot) ON DELETE CASCADE
);
"""

# version -> SQL that upgrades a database from version-1 to version.
_MIGRATIONS: dict[int, str] = {
    2: "DROP TRIGGER IF EXISTS sentences_ai;",
    3: _LEASES,
}


class Database:
    """Owns the database file; each thread gets its own connection (SQLite's rule)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._migrate(self.connection())
        except (OSError, sqlite3.DatabaseError) as exc:
            # A wrong --db (a folder, a read-only place, some other file) is the user's to fix.
            self.close()
            raise DatabaseUnusable(
                f"Cannot use {self.path} as the database: {exc}. "
                "Point --db (or BRIEFBOT_DB, or `db:` in briefbot.yaml) at a writable file."
            ) from exc

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so close() may run on any thread; each
            # connection is still used by the thread that opened it.
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 30000")
            if self.path != ":memory:":
                # WAL lets readers (the bots) go on while an ingest writes.
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction: all of it lands, or none."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"{self.path} was written by a newer briefbot (schema {version}, this one "
                f"knows {SCHEMA_VERSION}); upgrade briefbot or use another --db."
            )
        if version == SCHEMA_VERSION:
            return
        # executescript commits any open transaction, so the script carries its own.
        steps = (
            [_SCHEMA, _LEASES]
            if version == 0
            else [_MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1)]
        )
        conn.executescript(
            "BEGIN IMMEDIATE;" + "".join(steps) + f"PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
        )
        log.info("database %s at schema %d", self.path, SCHEMA_VERSION)

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
