"""The command line: exit statuses, formats, messages without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import SEED_FILE, SEEDS


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "cli.db")
    code, out, _ = run(capsys, "--db", path, "ingest", str(SEEDS))
    assert code == 0 and "1 added" in out
    return path


def test_brief_text_and_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "brief", "golden-dome")
    assert code == 0 and "TL;DR" in out and "Golden Dome" in out
    code, out, _ = run(capsys, "--db", db, "brief", "golden-dome", "--format", "json")
    assert code == 0 and json.loads(out)["topic"]["slug"] == "golden-dome"


def test_unknown_topic_exits_2_with_closest(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", db, "brief", "zzyzx-nothing")
    assert code == 2 and out == ""
    assert "Unknown topic" in err and "Traceback" not in err


def test_ingest_reports_skips_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.txt").write_text("A fine document. With two sentences.")
    (docs / "bad.txt").write_bytes(b"\x00\x00")
    code, out, err = run(capsys, "--db", str(tmp_path / "x.db"), "ingest", str(docs))
    assert code == 1
    assert "skipped" in err and "bad.txt: binary" in err
    assert "1 added" in out and "1 skipped" in out
    code, out, _ = run(
        capsys, "--db", str(tmp_path / "x.db"), "ingest", str(docs), "--format", "json"
    )
    assert code == 1 and json.loads(out)["unchanged"] == ["ok"]


def test_documents_forget_topics_search(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "documents", "--format", "json")
    assert [d["doc_id"] for d in json.loads(out)] == ["golden-dome-statement"]
    code, out, _ = run(capsys, "--db", db, "topics")
    assert code == 0 and "golden-dome\t1 documents" in out
    code, out, _ = run(capsys, "--db", db, "search", "arms", "race")
    assert code == 0 and "[arms] [race]" in out
    code, _, err = run(capsys, "--db", db, "forget", "nope")
    assert code == 2 and "No document" in err
    code, out, _ = run(capsys, "--db", db, "forget", "golden-dome-statement")
    assert code == 0


def test_summarize_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "summarize", str(SEED_FILE), "--sentences", "2", "--format", "json")
    assert code == 0
    [line] = out.splitlines()
    data = json.loads(line)
    assert data["file"] == str(SEED_FILE) and len(data["sentences"]) == 2
    text = SEED_FILE.read_text(encoding="utf-8")
    positions = [text.index(s) for s in data["sentences"]]
    assert positions == sorted(positions)
    # -n is the short form.
    code, out, _ = run(capsys, "summarize", str(SEED_FILE), "-n", "1", "--format", "json")
    assert code == 0 and len(json.loads(out)["sentences"]) == 1


def test_summarize_names_a_missing_file_plainly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "summarize", "missing.txt")
    assert code == 1 and err.strip() == "skipped missing.txt: no such file or directory"


def test_quotes_file_json_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "quotes", "--file", str(SEED_FILE), "--format", "json")
    assert code == 0
    data = json.loads(out)
    text = SEED_FILE.read_text(encoding="utf-8")
    for q in data["quotes"]:
        assert text[q["start"] : q["end"]] == q["text"]


def test_bad_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["brief", "x", "--since", "yesterday"])
    assert info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_serve_without_credentials_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code, _, err = run(capsys, "--db", str(tmp_path / "s.db"), "serve")
    assert code == 2 and "No platform credentials" in err


@pytest.mark.parametrize("kind", ["folder", "not sqlite", "under a file"])
def test_an_unusable_database_path_is_a_user_error(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --db that is a folder, some other file, or below a file: exit 2, no traceback."""
    target = tmp_path / "x"
    if kind == "folder":
        target.mkdir()
    elif kind == "not sqlite":
        target.write_text("not a database, " * 100)
    else:
        target.write_text("a file")
        target = target / "briefbot.db"
    code, out, err = run(capsys, "--db", str(target), "documents")
    assert code == 2 and not out
    assert f"Cannot use {target} as the database" in err and "--db" in err
    assert "Traceback" not in err
    if kind == "not sqlite":
        assert target.read_text().startswith("not a database")  # left as it was
