"""Watching document folders: new or changed files are ingested while `serve` runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.corpus import SUFFIXES
from bot.models import IngestReport

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (mtime in ns, size): a change in either means "read it again"


def snapshot(folders: Iterable[Path]) -> dict[Path, Signature]:
    """The supported files below the folders, with their signatures."""
    seen: dict[Path, Signature] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in folder.rglob("*"):
            if p.suffix.lower() not in SUFFIXES or any(
                part.startswith(".") for part in p.relative_to(folder).parts
            ):
                continue
            try:
                st = p.stat()
            except OSError:  # removed between listing and stat
                continue
            if p.is_file():
                seen[p] = (st.st_mtime_ns, st.st_size)
    return seen


class FolderWatcher:
    """Polls folders and ingests what changed; polling works on every file system and in tests."""

    def __init__(
        self,
        folders: Sequence[Path],
        ingest: Callable[[Sequence[Path]], IngestReport],
        *,
        interval: float = 5.0,
    ) -> None:
        self.folders = list(folders)
        self.ingest = ingest
        self.interval = interval
        self._known: dict[Path, Signature] = {}

    def _ingest_changes(self, current: dict[Path, Signature]) -> IngestReport | None:
        changed = sorted(p for p, sig in current.items() if self._known.get(p) != sig)
        self._known = current
        if not changed:
            return None
        # Ingest each changed file under its folder, so its doc_id is the same as from the CLI.
        report = IngestReport()
        for folder in self.folders:
            mine = [p for p in changed if folder in p.parents]
            if mine:
                report = self.ingest([folder])
                for s in report.skipped:
                    log.warning("skipped %s: %s", s.path, s.reason)
        return report

    def scan(self) -> IngestReport | None:
        """One poll: ingest new or changed files; None when nothing changed."""
        return self._ingest_changes(snapshot(self.folders))

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; the ingest runs in a thread, off the event loop."""
        while not stop.is_set():
            try:
                report = await asyncio.to_thread(self.scan)
                if report is not None and (report.added or report.updated):
                    log.info(
                        "watcher ingested %d new, %d changed",
                        len(report.added),
                        len(report.updated),
                    )
            except Exception:
                log.exception("folder watcher failed; trying again at the next poll")
            try:
                await asyncio.wait_for(stop.wait(), self.interval)
            except TimeoutError:
                pass
