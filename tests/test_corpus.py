"""Reading files: formats, ids, front matter, and every reason a file is skipped."""

from __future__ import annotations

import json
from pathlib import Path

from bot.briefing import Briefing
from bot.corpus import Source, find_sources, read_source, split_front_matter
from bot.models import Document, Skipped


def assert_index_whole(app: Briefing) -> None:
    """FTS5's own check: raises "database disk image is malformed" on a corrupt index."""
    with app.db.transaction() as tx:
        tx.execute("INSERT INTO passages(passages) VALUES ('integrity-check')")


def _read(path: Path, default_id: str = "doc") -> list[Document | Skipped]:
    return list(read_source(Source(path, default_id)))


def test_markdown_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "a.md"
    p.write_text(
        "---\nid: x1\ntitle: Hello\ndate: 2025-05-08\nurl: https://e.org/a\nsource: Wire\n---\n"
        "Body one. Body two.\n",
        encoding="utf-8",
    )
    [doc] = _read(p)
    assert isinstance(doc, Document)
    assert (doc.doc_id, doc.title, doc.date, doc.url, doc.source) == (
        "x1",
        "Hello",
        "2025-05-08",
        "https://e.org/a",
        "Wire",
    )
    assert doc.text == "Body one. Body two.\n"


def test_text_file_id_from_path_and_title_from_headline(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    p = tmp_path / "sub" / "My Note.txt"
    p.write_text("A headline\n\nThe body says something.", encoding="utf-8")
    sources, skipped = find_sources([tmp_path])
    assert not skipped
    assert [s.default_id for s in sources] == ["sub/My-Note"]
    [doc] = _read(p, sources[0].default_id)
    assert isinstance(doc, Document)
    assert doc.title == "A headline"


def test_jsonl_records_and_bad_lines(tmp_path: Path) -> None:
    p = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"id": "r1", "title": "One", "text": "First record.", "date": "2025-01-02"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": "Second record, no id."}),
    ]
    p.write_text("\n".join(lines), encoding="utf-8")
    items = _read(p, "feed")
    docs = [i for i in items if isinstance(i, Document)]
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [d.doc_id for d in docs] == ["r1", "feed-3"]
    assert len(skipped) == 2
    assert "bad JSON" in skipped[0].reason and skipped[0].path.endswith(":2")
    assert "no text" in skipped[1].reason


def test_json_array(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(json.dumps([{"id": "j1", "text": "Alpha."}, {"id": "j2", "text": "Beta."}]))
    assert [d.doc_id for d in _read(p) if isinstance(d, Document)] == ["j1", "j2"]


def test_html_main_text_extracted(tmp_path: Path) -> None:
    body = " ".join(["The council approved the new budget after a long debate."] * 6)
    html = (
        "<html><head><title>Budget passes</title></head><body>"
        "<nav>Home | About | Contact</nav>"
        f"<article><h1>Budget passes</h1><p>{body}</p><p>{body}</p></article>"
        "<footer>Copyright 2025</footer></body></html>"
    )
    p = tmp_path / "page.html"
    p.write_text(html, encoding="utf-8")
    [doc] = _read(p)
    assert isinstance(doc, Document)
    assert "approved the new budget" in doc.text
    assert "Copyright" not in doc.text
    assert doc.title == "Budget passes"


def test_bad_files_each_skipped_with_one_line_reason(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n")
    (tmp_path / "big.txt").write_text("x" * 2048)
    (tmp_path / "badyaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n")
    (tmp_path / "baddate.md").write_text("---\ndate: someday\n---\nBody.\n")
    (tmp_path / "nodate.md").write_text("---\ndate: 2025-13-45\n---\nBody.\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    sources, skipped = find_sources([tmp_path, tmp_path / "missing.txt"])
    reasons = {Path(s.path).name: s.reason for s in skipped}
    for src in sources:
        for item in read_source(src, max_bytes=1024):
            assert isinstance(item, Skipped), item
            reasons[Path(item.path).name] = item.reason
    assert "binary" in reasons["bin.txt"]
    assert "UTF-8" in reasons["latin.txt"]
    assert "empty" in reasons["empty.md"]
    assert "too large" in reasons["big.txt"]
    assert "line 2" in reasons["badyaml.md"]
    assert reasons["baddate.md"] == "date 'someday' is not a date (use YYYY-MM-DD)"
    assert reasons["nodate.md"] == "bad YAML front matter: month must be in 1..12"
    assert "unsupported" in reasons["image.png"]
    assert "no such file" in reasons["missing.txt"]
    assert all("\n" not in r for r in reasons.values())


def test_front_matter_absent_leaves_text_alone() -> None:
    assert split_front_matter("Just text.\n---\n") == ({}, "Just text.\n---\n")


def test_ingest_skips_bad_files_and_keeps_the_rest(empty_app: Briefing, tmp_path: Path) -> None:
    tmp_path = tmp_path / "docs"
    tmp_path.mkdir()
    (tmp_path / "good.txt").write_text("Good document. It has two sentences.")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    report = empty_app.ingest([tmp_path])
    assert report.added == ("good",)
    assert [Path(s.path).name for s in report.skipped] == ["bad.txt"]
    assert empty_app.document("good").text.startswith("Good document")


def test_reingest_is_idempotent_and_updates_in_place(empty_app: Briefing, tmp_path: Path) -> None:
    tmp_path = tmp_path / "docs"
    tmp_path.mkdir()
    p = tmp_path / "note.txt"
    p.write_text("First version of the note.")
    assert empty_app.ingest([p]).added == ("note",)
    assert empty_app.ingest([p]).unchanged == ("note",)
    p.write_text("Second version of the note.")
    report = empty_app.ingest([p])
    assert report.updated == ("note",)
    assert [d.doc_id for d in empty_app.documents()] == ["note"]
    assert "Second" in empty_app.document("note").text
    # The full-text index follows the new text and forgets the old.
    assert [h.doc_id for h in empty_app.search("second")] == ["note"]
    assert empty_app.search("first") == []


def test_identical_text_under_two_names_is_stored_once(empty_app: Briefing, tmp_path: Path) -> None:
    tmp_path = tmp_path / "docs"
    tmp_path.mkdir()
    (tmp_path / "a.txt").write_text("Same words here.")
    (tmp_path / "b.txt").write_text("Same words here.")
    report = empty_app.ingest([tmp_path])
    assert report.added == ("a",)
    assert report.duplicates == (("b", "a"),)
    assert len(empty_app.documents()) == 1


def test_reingest_after_an_analysis_upgrade_reanalyses(empty_app: Briefing, tmp_path: Path) -> None:
    p = tmp_path / "note.txt"
    p.write_text("Same text, analysed by an older briefbot.")
    assert empty_app.ingest([p]).added == ("note",)
    with empty_app.db.transaction() as tx:  # as an older release would have left it
        tx.execute("UPDATE documents SET analysis_version = 0")
    assert empty_app.ingest([p]).updated == ("note",)
    assert empty_app.ingest([p]).unchanged == ("note",)


def test_two_files_with_one_id_keep_the_first_and_say_so(
    empty_app: Briefing, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.html").write_text("<html><body><p>Harbour plans move ahead.</p></body></html>")
    (docs / "note.txt").write_text("Ferry plans stall again.")
    report = empty_app.ingest([docs])
    assert report.added == ("note",)
    [skip] = report.skipped
    assert Path(skip.path).name == "note.txt"
    assert "id 'note' already read from" in skip.reason and "note.html" in skip.reason
    # The full-text index is whole (a second save of one id in a batch used to corrupt it).
    assert_index_whole(empty_app)
    assert [h.doc_id for h in empty_app.search("harbour")] == ["note"]


def test_one_id_twice_in_a_batch_never_corrupts_the_index(empty_app: Briefing) -> None:
    from bot.analysis import analyse

    store, db = empty_app.store, empty_app.db
    first, second = (
        Document("n", "T", "Harbour plans move."),
        Document("n", "T", "Ferry plans stall."),
    )
    with db.transaction() as tx:
        store.save_many(
            tx, [(d, analyse(d.text, d.doc_id), d.text) for d in (first, second)], "now", 1
        )
    assert_index_whole(empty_app)
    assert empty_app.document("n").text == "Ferry plans stall."  # the last one, as if one by one
    assert [h.doc_id for h in empty_app.search("ferry")] == ["n"]
    assert empty_app.search("harbour") == []


def test_a_file_named_twice_is_read_once(empty_app: Briefing, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Ferry plans stall again.")
    report = empty_app.ingest([docs, docs, docs / "note.txt"])
    assert report.added == ("note",) and report.skipped == ()
