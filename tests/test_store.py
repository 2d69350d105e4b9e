"""The database: schema version, refusal of newer schemas, per-thread connections."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.errors import SchemaError
from bot.store import SCHEMA_VERSION, Database


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
