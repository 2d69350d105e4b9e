"""The database: schema version, refusal of newer schemas, per-thread connections."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.analysis import analyse
from bot.errors import SchemaError
from bot.models import Document
from bot.store import SCHEMA_VERSION, Database, DocumentStore


def test_new_database_gets_current_schema(tmp_path: Path) -> None:
    db = Database(tmp_path / "a" / "b.db")
    assert db.connection().execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    Database(tmp_path / "a" / "b.db").close()  # reopening is a no-op


def test_newer_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer briefbot"):
        Database(path)


def test_each_thread_gets_its_own_connection(tmp_path: Path) -> None:
    db = Database(tmp_path / "t.db")
    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(id(db.connection())))
    t.start()
    t.join()
    assert seen and seen[0] != id(db.connection())
    db.close()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "r.db")
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.execute("INSERT INTO documents VALUES ('x','t','body',NULL,NULL,NULL,NULL,'h','now',1)")
        raise RuntimeError("boom")
    assert db.connection().execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    db.close()


def test_schema_1_database_is_migrated_and_stays_searchable(tmp_path: Path) -> None:
    # Schema 1 indexed sentences with a per-row trigger; schema 2 indexes them per batch.
    path = tmp_path / "old.db"
    db = Database(path)
    conn = db.connection()
    conn.executescript(
        "CREATE TRIGGER sentences_ai AFTER INSERT ON sentences BEGIN"
        " INSERT INTO passages(rowid, text) VALUES (new.id, new.text); END;"
        "PRAGMA user_version = 1;"
    )
    db.close()
    db = Database(path)
    conn = db.connection()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert "sentences_ai" not in triggers
    db.close()


def test_schema_2_database_gains_the_lease_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    db.connection().executescript("DROP TABLE leases; PRAGMA user_version = 2;")
    db.close()
    db = Database(path)
    conn = db.connection()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 0
    db.close()


def test_saved_sentences_are_searchable_once(tmp_path: Path) -> None:
    db = Database(tmp_path / "s.db")
    store = DocumentStore(db)
    docs = [Document(f"d{i}", "T", f"Rockets number {i}. Nothing else here.") for i in range(3)]
    with db.transaction() as tx:
        store.save_many(
            tx, [(d, analyse(d.text, d.doc_id), "h" + d.doc_id) for d in docs], "now", 1
        )
    assert sorted(p.sentence.doc_id for p in store.search("rockets", 10)) == ["d0", "d1", "d2"]
    with db.transaction() as tx:  # saving again replaces, never duplicates, the indexed rows
        store.save(tx, docs[0], analyse("Boats only.", "d0"), "h2", "now", 1)
    assert sorted(p.sentence.doc_id for p in store.search("rockets", 10)) == ["d1", "d2"]
    assert [p.sentence.doc_id for p in store.search("boats", 10)] == ["d0"]
    db.close()
