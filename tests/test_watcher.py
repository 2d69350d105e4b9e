"""The folder watcher ingests new and changed files, and nothing when nothing changed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.briefing import Briefing
from bot.watcher import FolderWatcher


def test_scan_ingests_new_and_changed_files(empty_app: Briefing, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha report. The budget passed.")
    watcher = FolderWatcher([folder], empty_app.ingest)
    first = watcher.scan()
    assert first is not None and first.added == ("a",)
    assert watcher.scan() is None  # nothing changed
    (folder / "b.md").write_text("---\nid: bee\n---\nBeta report. The vote failed.")
    (folder / ".hidden.txt").write_text("Not watched.")
    second = watcher.scan()
    assert second is not None and second.added == ("bee",)
    (folder / "a.txt").write_text("Alpha report, revised. The budget passed narrowly.")
    os.utime(folder / "a.txt", ns=(1, 1))  # force a new signature even within one mtime tick
    third = watcher.scan()
    assert third is not None and third.updated == ("a",)
    assert sorted(d.doc_id for d in empty_app.documents()) == ["a", "bee"]


async def test_run_polls_until_stopped(empty_app: Briefing, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha report. The budget passed.")
    stop = asyncio.Event()
    watcher = FolderWatcher([folder], empty_app.ingest, interval=0.01)
    task = asyncio.create_task(watcher.run(stop))
    for _ in range(200):
        if empty_app.documents():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert [d.doc_id for d in empty_app.documents()] == ["a"]
