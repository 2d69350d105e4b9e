"""Digest management through the facade and the CLI: rules, errors, preview, new documents."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.briefing import Briefing
from bot.cli import main
from bot.errors import BriefbotError, UnknownTopic
from bot.watcher import FolderWatcher
from tests.conftest import SEEDS


def test_subscribe_merges_topics_and_keeps_schedule(app: Briefing) -> None:
    sub = app.subscribe(
        "slack", "C1", "golden-dome at 08:00 tz Europe/London weekdays".split(), "U1"
    )
    assert sub.topics == ("golden-dome",) and sub.subscriber == "U1"
    assert sub.schedule.describe() == "on weekdays at 08:00 Europe/London"
    again = app.subscribe("slack", "C1", ["Golden Dome", "nuclear-risk"])
    assert again.sub_id == sub.sub_id
    assert again.topics == ("golden-dome", "nuclear-risk")
    assert again.schedule == sub.schedule and again.subscriber == "U1"
    weekly = app.subscribe("slack", "C1", ["nuclear-risk", "weekly", "Friday"])
    assert weekly.schedule.days == "friday" and weekly.schedule.hour == 8
    assert [s.channel for s in app.digests("slack")] == ["C1"]
    assert app.digests("discord") == []


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["golden-doom"], "Closest topics: golden-dome"),
        (["golden-dome", "at", "25:00"], "is not a time"),
        (["golden-dome", "at"], "`at` needs a value"),
        (["golden-dome", "tz", "Mars/Base"], "Unknown time zone 'Mars/Base'"),
        (["golden-dome", "weekly", "someday"], "is not a day"),
        (["at", "08:00"], "Name at least one topic"),
    ],
)
def test_bad_subscribe_input_says_how_to_fix(app: Briefing, words: list[str], message: str) -> None:
    with pytest.raises(BriefbotError, match=message):
        app.subscribe("slack", "C1", words)
    assert app.digests() == []


def test_unknown_topic_is_the_unknown_topic_error(app: Briefing) -> None:
    with pytest.raises(UnknownTopic) as info:
        app.subscribe("discord", "42", ["nuclear-risks"])
    assert info.value.closest[0] == "nuclear-risk"


def test_unsubscribe_topic_then_all(app: Briefing) -> None:
    with pytest.raises(BriefbotError, match="no digest"):
        app.unsubscribe("slack", "C1", "golden-dome")
    app.subscribe("slack", "C1", ["golden-dome", "nuclear-risk"])
    with pytest.raises(BriefbotError, match="has no topic 'space-militarization'"):
        app.unsubscribe("slack", "C1", "space-militarization")
    left = app.unsubscribe("slack", "C1", "golden-dome")
    assert left is not None and left.topics == ("nuclear-risk",)
    assert app.unsubscribe("slack", "C1", "nuclear-risk") is None  # last topic: digest stops
    app.subscribe("slack", "C1", ["golden-dome"])
    assert app.unsubscribe("slack", "C1", "all") is None
    assert app.digests() == []


def test_paused_subscription_resumes_on_subscribe(app: Briefing) -> None:
    sub = app.subscribe("slack", "C1", ["golden-dome"])
    app.subscriptions.pause(sub, "channel_not_found")
    [paused] = app.digests("slack", "C1")
    assert paused.paused and paused.last_error == "channel_not_found"
    resumed = app.subscribe("slack", "C1", ["golden-dome"])
    assert not resumed.paused and resumed.last_error is None and resumed.failures == 0


def test_preview_covers_the_first_window(app: Briefing) -> None:
    with pytest.raises(BriefbotError, match="no digest yet"):
        app.preview("slack", "C1")
    app.subscribe("slack", "C1", ["golden-dome"])
    digest = app.preview("slack", "C1")
    # The seed was ingested "now" by the fixed clock, so it is new.
    assert [s.topic.slug for s in digest.sections] == ["golden-dome"]
    assert digest.sections[0].brief.tldr


def test_file_added_to_watched_folder_reaches_the_next_digest(
    empty_app: Briefing, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    watcher = FolderWatcher([folder], empty_app.ingest)
    watcher.scan()
    empty_app.subscribe("slack", "C1", ["golden-dome"])
    assert empty_app.preview("slack", "C1").sections == ()
    (folder / "new.md").write_text(
        "---\ntitle: Shield plans\n---\nThe Golden Dome shield drew new objections on Monday. "
        "Critics said the Golden Dome would turn space into a battlefield.\n",
        encoding="utf-8",
    )
    report = watcher.scan()
    assert report is not None and report.added == ("new",)
    now = empty_app.clock()
    digest = empty_app.digest(["golden-dome"], now - dt.timedelta(hours=1), now)
    [section] = digest.sections
    assert section.new_documents == 1
    assert all(c.doc_id == "new" for c in section.brief.tldr + section.brief.points)


def test_cli_digest_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "c.db")
    assert main(["--db", db, "ingest", str(SEEDS)]) == 0
    base = ["--db", db, "digest"]
    where = ["--platform", "discord", "--channel", "123"]
    assert main([*base, "subscribe", *where, "golden-dome", "at", "07:30"]) == 0
    assert "subscribed: discord 123: golden-dome, daily at 07:30 UTC" in capsys.readouterr().out
    assert main([*base, "list", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["topics"] == ["golden-dome"] and row["at"] == "07:30" and not row["paused"]
    assert main([*base, "subscribe", *where, "golden-dome", "tz", "Nowhere/City"]) == 2
    assert "Unknown time zone" in capsys.readouterr().err
    assert main([*base, "subscribe", "golden-dome"]) == 2
    assert "--platform" in capsys.readouterr().err
    assert main([*base, "now", *where, "--format", "json"]) == 0
    assert "sections" in json.loads(capsys.readouterr().out)
    assert main([*base, "unsubscribe", *where, "all"]) == 0
    assert "stopped" in capsys.readouterr().out
