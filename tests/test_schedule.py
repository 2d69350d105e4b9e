"""Schedules: parsing, due slots across time zones and DST changes, markers."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import ConfigError
from bot.models import Schedule
from bot.schedule import marker, next_slot, parse_schedule, parse_subscriptions, slots_between

UTC = dt.UTC


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_daily_slots_in_a_zone_are_utc_instants() -> None:
    s = parse_schedule("08:00", "daily", "Asia/Tokyo")  # UTC+9, no DST
    assert slots_between(s, at(2026, 1, 1), at(2026, 1, 3)) == [
        at(2026, 1, 1, 23),
        at(2026, 1, 2, 23),
    ]


def test_slots_are_half_open_after_until() -> None:
    s = parse_schedule("08:00")
    assert slots_between(s, at(2026, 1, 1, 8), at(2026, 1, 2, 8)) == [at(2026, 1, 2, 8)]
    assert next_slot(s, at(2026, 1, 1, 8)) == at(2026, 1, 2, 8)
    assert next_slot(s, at(2026, 1, 1, 7, 59)) == at(2026, 1, 1, 8)


def test_weekdays_skip_the_weekend_in_local_time() -> None:
    # 2026-01-02 is a Friday. 07:30 in Los Angeles is 15:30 UTC (PST, UTC-8).
    s = parse_schedule("07:30", "weekdays", "America/Los_Angeles")
    got = slots_between(s, at(2026, 1, 2), at(2026, 1, 7))
    assert got == [at(2026, 1, 2, 15, 30), at(2026, 1, 5, 15, 30), at(2026, 1, 6, 15, 30)]


def test_weekly_uses_the_local_weekday_not_the_utc_one() -> None:
    # Monday 06:00 in Auckland (UTC+13 in January) is Sunday 17:00 UTC.
    s = parse_schedule("06:00", "monday", "Pacific/Auckland")
    got = slots_between(s, at(2026, 1, 1), at(2026, 1, 20))
    assert got == [at(2026, 1, 4, 17), at(2026, 1, 11, 17), at(2026, 1, 18, 17)]
    assert all(g.astimezone(s_zone("Pacific/Auckland")).weekday() == 0 for g in got)


def s_zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_spring_forward_runs_at_the_first_valid_instant_after() -> None:
    # London, 2026-03-29: 01:00 GMT jumps to 02:00 BST, so 01:30 does not exist.
    s = parse_schedule("01:30", "daily", "Europe/London")
    got = slots_between(s, at(2026, 3, 27), at(2026, 3, 31))
    assert got == [
        at(2026, 3, 27, 1, 30),  # GMT
        at(2026, 3, 28, 1, 30),
        at(2026, 3, 29, 1, 0),  # the transition instant: 02:00 BST
        at(2026, 3, 30, 0, 30),  # BST
    ]
    assert got[2].astimezone(s_zone("Europe/London")).strftime("%H:%M") == "02:00"


def test_spring_forward_in_new_york() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 runs at 03:00 EDT = 07:00 UTC.
    s = parse_schedule("02:30", "daily", "America/New_York")
    assert slots_between(s, at(2026, 3, 7), at(2026, 3, 10)) == [
        at(2026, 3, 7, 7, 30),
        at(2026, 3, 8, 7, 0),
        at(2026, 3, 9, 6, 30),
    ]


def test_fall_back_runs_once_at_the_first_occurrence() -> None:
    # London, 2026-10-25: 02:00 BST goes back to 01:00 GMT, so 01:30 happens twice.
    s = parse_schedule("01:30", "daily", "Europe/London")
    got = slots_between(s, at(2026, 10, 24), at(2026, 10, 27))
    assert got == [at(2026, 10, 24, 0, 30), at(2026, 10, 25, 0, 30), at(2026, 10, 26, 1, 30)]


def test_weekly_across_dst_keeps_local_time() -> None:
    s = parse_schedule("09:00", "sunday", "Europe/Berlin")
    got = slots_between(s, at(2026, 3, 20), at(2026, 4, 6))
    local = [g.astimezone(s_zone("Europe/Berlin")) for g in got]
    assert [(x.day, x.hour) for x in local] == [(22, 9), (29, 9), (5, 9)]
    assert [g.hour for g in got] == [8, 7, 7]  # CET, then CEST


def test_southern_hemisphere_dst() -> None:
    # Sydney, 2026-10-04: 02:00 AEST jumps to 03:00 AEDT; 02:15 runs at 03:00 AEDT.
    s = parse_schedule("02:15", "daily", "Australia/Sydney")
    got = slots_between(s, at(2026, 10, 2), at(2026, 10, 5))
    local = [g.astimezone(s_zone("Australia/Sydney")).strftime("%d %H:%M") for g in got]
    assert local == ["03 02:15", "04 03:00", "05 02:15"]


@pytest.mark.parametrize(
    ("at_", "days", "tz", "message"),
    [
        ("8am", "daily", "UTC", "24-hour time"),
        ("24:00", "daily", "UTC", "24-hour time"),
        ("08:00", "fortnightly", "UTC", "days"),
        ("08:00", "daily", "Mars/Olympus", "unknown time zone"),
        ("08:00", "daily", "", "IANA"),
        (800, "daily", "UTC", "24-hour time"),
    ],
)
def test_bad_schedules_say_what_is_wrong(at_: object, days: str, tz: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_schedule(at_, days, tz)


def test_schedule_parsing_normalises() -> None:
    assert parse_schedule(" 7:05 ", "Monday", "Europe/London") == Schedule(
        7, 5, "monday", "Europe/London"
    )
    assert Schedule(7, 5, "weekdays", "UTC").describe() == "on weekdays at 07:05 UTC"


def test_subscriptions_validate_with_their_index() -> None:
    good = {"platform": "slack", "channel": "C1", "topics": ["golden-dome"], "at": "08:00"}
    [sub] = parse_subscriptions([good], "briefbot.yaml")
    assert (sub.schedule.tz, sub.schedule.days, sub.nothing_new) == ("UTC", "daily", False)
    cases = [
        ({**good, "platform": "teams"}, r"subscriptions\[0\]: `platform`"),
        ({**good, "topics": []}, "topics"),
        ({**good, "channel": ""}, "channel"),
        ({**good, "tz": "Nowhere/City"}, "unknown time zone"),
        ({**good, "nothing_new": "yes"}, "nothing_new"),
        ({**good, "when": "08:00"}, "unknown key"),
        ({k: v for k, v in good.items() if k != "at"}, "`at`"),
    ]
    for item, message in cases:
        with pytest.raises(ConfigError, match=message):
            parse_subscriptions([item], "briefbot.yaml")
    with pytest.raises(ConfigError, match=r"repeats slack channel 'C1'"):
        parse_subscriptions([good, good], "briefbot.yaml")
    [discord] = parse_subscriptions(
        [{**good, "platform": "discord", "channel": 123456789012345678}], "x"
    )
    assert discord.channel == "123456789012345678"


def test_markers_fit_a_discord_nonce_and_name_the_slot() -> None:
    m = marker(99999, at(2026, 11, 28, 8), 12)
    assert m == "bb:99999:2611280800:12"
    assert len(m) <= 25
