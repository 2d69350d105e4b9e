"""Digest settings in briefbot.yaml, and syncing hand-written subscriptions into the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.schedule import next_slot, parse_subscriptions
from bot.service import build, digest_scheduler
from bot.store import Database, DigestStore
from tests.conftest import BRIEFS

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)

YAML = """
digests:
  grace_hours: 2
  first_window_hours: 12
  subscriptions:
    - platform: slack
      channel: C0NEWS
      topics: [golden-dome, nuclear-risk]
      at: "08:00"
      tz: Europe/London
      days: weekdays
    - platform: discord
      channel: 123456789012345678
      topics: [space-militarization]
      at: "17:30"
      days: friday
      nothing_new: true
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "briefbot.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_digest_settings_load(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, YAML), env={})
    assert (s.digests.grace_hours, s.digests.first_window_hours) == (2.0, 12.0)
    subs = parse_subscriptions(s.digests.subscriptions, "x")
    assert [(x.platform, x.channel, x.schedule.describe()) for x in subs] == [
        ("slack", "C0NEWS", "on weekdays at 08:00 Europe/London"),
        ("discord", "123456789012345678", "on fridays at 17:30 UTC"),
    ]
    assert subs[1].nothing_new


def test_digest_settings_default(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "{}\n"), env={})
    assert (s.digests.grace_hours, s.digests.first_window_hours) == (6.0, 24.0)


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("digests: {grace_hours: -1}", "digests.grace_hours must be a non-negative number"),
        ("digests: {subscriptions: {a: 1}}", "must be a list of mappings"),
        (
            "digests: {subscriptions: [{platform: slack, channel: C1, topics: [x], at: '8'}]}",
            r"briefbot.yaml: digests.subscriptions\[0\]: `at` must be a 24-hour time",
        ),
        (
            "digests: {subscriptions: [{platform: slack, channel: C1, topics: [x], at: '08:00',"
            " tz: Europe/Londn}]}",
            "unknown time zone 'Europe/Londn'",
        ),
        (
            "digests: {subscriptions: [{platform: irc, channel: C1, topics: [x], at: '08:00'}]}",
            "`platform` must be slack or discord",
        ),
        # A typo is refused, not ignored in silence (the default would be used).
        (
            "digests: {grace_hour: 2}",
            "unknown setting `digests.grace_hour`; did you mean `grace_hours`",
        ),
        ("digest: {grace_hours: 2}", "unknown setting `digest`; did you mean `digests`"),
        # Well-formed YAML whose value YAML cannot build (a date past December).
        ("briefs: {since: 2025-13-45}", "briefbot.yaml: malformed YAML: month must be in 1..12"),
    ],
)
def test_bad_digest_settings_are_clear_errors(tmp_path: Path, snippet: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, snippet + "\n"), env={})


def test_sync_is_idempotent_and_keeps_next_runs(tmp_path: Path) -> None:
    store = DigestStore(Database(tmp_path / "t.db"))
    subs = parse_subscriptions(
        load_settings(write(tmp_path, YAML), env={}).digests.subscriptions, "x"
    )
    first = [next_slot(s.schedule, NOW) for s in subs]
    r1 = store.sync(subs, first, NOW)
    assert (r1.added, r1.updated, r1.removed) == (2, 0, 0)
    later = NOW + dt.timedelta(days=3)
    r2 = store.sync(subs, [next_slot(s.schedule, later) for s in subs], later)
    assert (r2.added, r2.updated, r2.unchanged) == (0, 0, 2)
    # Unchanged schedules keep their next run: slots missed while down are still found.
    assert [store.next_run(s.sub_id) for s in store.subscriptions()] == first
    ids = [s.sub_id for s in store.subscriptions()]

    # New topics keep the schedule; a new time restarts it from now; a dropped entry goes.
    from dataclasses import replace

    from bot.models import Schedule

    changed = [replace(subs[0], topics=("golden-dome",), schedule=Schedule(9, 0, "daily", "UTC"))]
    r3 = store.sync(changed, [next_slot(changed[0].schedule, later)], later)
    assert (r3.updated, r3.removed) == (1, 1)
    [only] = store.subscriptions()
    assert only.sub_id == ids[0] and only.topics == ("golden-dome",)
    assert store.next_run(only.sub_id) == dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)


def test_store_adds_digest_tables_to_an_older_schema_1_database(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    Database(path).close()
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE digest_parts; DROP TABLE digest_slots; DROP TABLE subscriptions;"
    )
    conn.close()
    store = DigestStore(Database(path))
    assert store.subscriptions() == []


def test_service_syncs_the_config_subscriptions(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, YAML), env={})
    settings = Settings(db_path=tmp_path / "t.db", briefs_dir=BRIEFS, digests=s.digests)
    app = build(settings, clock=lambda: NOW)
    scheduler = digest_scheduler(settings, app, {}, clock=lambda: NOW)
    assert [x.channel for x in scheduler.store.subscriptions()] == ["C0NEWS", "123456789012345678"]
    # London is on GMT on 2 March: the weekday 08:00 slot is 08:00 UTC.
    assert scheduler.store.next_run(1) == dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    digest_scheduler(settings, app, {}, clock=lambda: NOW)  # a restart: nothing changes
    assert len(scheduler.store.subscriptions()) == 2
    app.db.close()
