"""What a digest holds: per topic, only documents ingested in its window, summarised and cited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.config import Settings
from bot.service import build
from tests.conftest import BRIEFS, SEEDS

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_digest_holds_only_documents_new_in_its_window(tmp_path: Path) -> None:
    now = [T0]
    app = build(Settings(db_path=tmp_path / "t.db", briefs_dir=BRIEFS), clock=lambda: now[0])
    assert app.ingest([SEEDS]).added  # at T0
    note = tmp_path / "note.md"
    note.write_text(
        "---\ntitle: Later note\n---\nThe Golden Dome missile defense budget was cut by half.\n",
        encoding="utf-8",
    )
    now[0] = T0 + dt.timedelta(hours=5)
    assert app.ingest([note]).added

    later = app.digest(["golden-dome", "nuclear-risk"], T0, T0 + dt.timedelta(hours=6))
    assert [s.topic.slug for s in later.sections] == ["golden-dome"]  # nuclear-risk: nothing new
    [section] = later.sections
    assert section.new_documents == 1
    cited = {c.doc_id for c in (*section.brief.tldr, *section.brief.points)}
    assert cited == {"note"}
    assert all(c.text in note.read_text(encoding="utf-8") for c in section.brief.tldr)
    assert [s.id for s in section.brief.sources] == ["note"]
    assert later.until == (T0 + dt.timedelta(hours=6)).isoformat(timespec="microseconds")

    both = app.digest(["golden-dome", "nuclear-risk"], T0 - dt.timedelta(hours=1), now[0])
    assert {s.topic.slug for s in both.sections} == {"golden-dome", "nuclear-risk"}
    assert both.sections[0].new_documents == 2

    nothing = app.digest(["golden-dome"], now[0], now[0] + dt.timedelta(days=1))
    assert nothing.sections == () and nothing.title == "Digest: Golden Dome missile defense"
    app.db.close()
