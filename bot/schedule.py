"""Digest schedules: parse them and compute their due slots in UTC, correct across DST changes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import BriefbotError, ConfigError
from bot.models import DAY_NAMES, Schedule, Subscription

PLATFORMS = ("slack", "discord")
_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_KEYS = {"platform", "channel", "topics", "at", "tz", "days", "nothing_new"}


def zone(name: str) -> ZoneInfo:
    """An IANA time zone, or ConfigError naming the bad one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/London' or 'UTC'"
        ) from None


def parse_schedule(at: object, days: object = "daily", tz: object = "UTC") -> Schedule:
    """A Schedule from config values: at "HH:MM", days daily|weekdays|monday..sunday, tz."""
    m = _AT.match(at.strip()) if isinstance(at, str) else None
    if m is None:
        raise ConfigError(f"`at` must be a 24-hour time like '08:00', not {at!r}")
    day = days.strip().lower() if isinstance(days, str) else days
    if day not in ("daily", "weekdays", *DAY_NAMES):
        raise ConfigError(
            f"`days` must be daily, weekdays or a day name (monday..sunday), not {days!r}"
        )
    if not isinstance(tz, str) or not tz.strip():
        raise ConfigError(f"`tz` must be an IANA time zone name, not {tz!r}")
    zone(tz.strip())
    return Schedule(int(m.group(1)), int(m.group(2)), str(day), tz.strip())


def parse_subscription(item: Mapping[str, Any], where: str) -> Subscription:
    """One hand-written subscription from briefbot.yaml; ConfigError says which and why."""
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {sorted(_KEYS)}")
    platform = item.get("platform")
    if platform not in PLATFORMS:
        raise ConfigError(f"{where}: `platform` must be slack or discord, not {platform!r}")
    channel = item.get("channel")
    if isinstance(channel, int) and not isinstance(channel, bool):
        channel = str(channel)  # Discord channel ids are often written unquoted
    if not isinstance(channel, str) or not channel.strip():
        raise ConfigError(f"{where}: `channel` must be a channel id, not {channel!r}")
    topics = item.get("topics")
    if isinstance(topics, str):
        topics = [topics]
    if (
        not isinstance(topics, list)
        or not topics
        or not all(isinstance(t, str) and t.strip() for t in topics)
    ):
        raise ConfigError(f"{where}: `topics` must be a non-empty list of topic names")
    nothing_new = item.get("nothing_new", False)
    if not isinstance(nothing_new, bool):
        raise ConfigError(f"{where}: `nothing_new` must be true or false, not {nothing_new!r}")
    try:
        schedule = parse_schedule(
            item.get("at"), item.get("days", "daily"), item.get("tz", "UTC") or "UTC"
        )
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return Subscription(
        platform=str(platform),
        channel=channel.strip(),
        topics=tuple(dict.fromkeys(t.strip() for t in topics)),
        schedule=schedule,
        nothing_new=nothing_new,
    )


def parse_subscriptions(items: Sequence[Mapping[str, Any]], where: str) -> list[Subscription]:
    """Every hand-written subscription, validated; one per platform and channel."""
    out: list[Subscription] = []
    seen: dict[tuple[str, str], int] = {}
    for n, item in enumerate(items):
        sub = parse_subscription(item, f"{where}: digests.subscriptions[{n}]")
        key = (sub.platform, sub.channel)
        if key in seen:
            raise ConfigError(
                f"{where}: digests.subscriptions[{n}] repeats {sub.platform} channel "
                f"{sub.channel!r} (first at [{seen[key]}]); put all its topics in one entry"
            )
        seen[key] = n
        out.append(sub)
    return out


def _runs_on(schedule: Schedule, day: dt.date) -> bool:
    if schedule.days == "daily":
        return True
    if schedule.days == "weekdays":
        return day.weekday() < 5
    return DAY_NAMES[day.weekday()] == schedule.days


def _instant(schedule: Schedule, day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a schedule's time on a local date.

    An ambiguous time (clocks go back) resolves to its first occurrence (fold=0). A time that
    does not exist (clocks go forward) runs at the first valid instant after it: the transition.
    """
    wall = dt.datetime.combine(day, dt.time(schedule.hour, schedule.minute))
    first = wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In the gap, fold=1 gives an instant before the transition and fold=0 one after it;
    # bisect to the transition, the first instant whose local time is at or after `wall`.
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    hi = first
    while hi - lo > dt.timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def _slots_from(schedule: Schedule, start: dt.datetime) -> Iterator[dt.datetime]:
    """Slots in order, starting with local dates around `start` (some may precede it)."""
    tz = zone(schedule.tz)
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    while True:
        if _runs_on(schedule, day):
            yield _instant(schedule, day, tz)
        day += dt.timedelta(days=1)


def slots_between(schedule: Schedule, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The slots in (after, until], as UTC instants, in order."""
    out: list[dt.datetime] = []
    for slot in _slots_from(schedule, after):
        if slot > until:
            break
        if slot > after:
            out.append(slot)
    return out


def next_slot(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    """The first slot strictly after an instant."""
    for slot in _slots_from(schedule, after):
        if slot > after:
            return slot
    raise AssertionError("unreachable: a schedule runs at least once a week")


def marker(sub_id: int, slot: dt.datetime, part: int) -> str:
    """The mark a digest message carries: subscription, slot (UTC minute) and part.

    Compact so it fits Discord's 25-character nonce: bb:<sub>:<yymmddHHMM>:<part>.
    """
    return f"bb:{sub_id}:{slot.astimezone(dt.UTC):%y%m%d%H%M}:{part}"


@dataclass(frozen=True)
class DigestRequest:
    """What `/digest subscribe` asked for; None fields keep the channel's current setting."""

    topics: tuple[str, ...]
    at: str | None = None
    tz: str | None = None
    days: str | None = None
    nothing_new: bool | None = None


SUBSCRIBE_USAGE = (
    "Usage: `subscribe TOPIC... [at HH:MM] [tz Europe/London] [daily|weekdays|weekly DAY]"
    " [nothing-new]`, e.g. `subscribe golden-dome nuclear-risk at 08:00 tz Europe/London`."
)


def parse_digest_request(words: Sequence[str]) -> DigestRequest:
    """Parse the words after `subscribe`; BriefbotError says what is wrong and how to fix it."""
    topics: list[str] = []
    at = tz = days = None
    nothing_new: bool | None = None
    i = 0
    low = [w.lower() for w in words]
    while i < len(words):
        word = low[i]
        if word in ("at", "tz", "weekly") and i + 1 >= len(words):
            raise BriefbotError(f"`{word}` needs a value. {SUBSCRIBE_USAGE}")
        if word == "at":
            at = words[i + 1]
            if not _AT.match(at):
                raise BriefbotError(
                    f"{at!r} is not a time: use 24-hour HH:MM, e.g. `at 08:00` or `at 17:30`."
                )
            i += 2
        elif word == "tz":
            tz = words[i + 1]
            try:
                zone(tz)
            except ConfigError:
                raise BriefbotError(
                    f"Unknown time zone {tz!r}: use an IANA name such as `Europe/London`, "
                    "`America/New_York` or `UTC`."
                ) from None
            i += 2
        elif word == "weekly":
            day = low[i + 1]
            if day not in DAY_NAMES:
                raise BriefbotError(
                    f"{words[i + 1]!r} is not a day: use `weekly monday` … `weekly sunday`."
                )
            days = day
            i += 2
        elif word in ("daily", "weekdays") or word in DAY_NAMES:
            days = word
            i += 1
        elif word in ("nothing-new", "nothing_new"):
            nothing_new = True
            i += 1
        else:
            topics.append(words[i])
            i += 1
    if not topics:
        raise BriefbotError(f"Name at least one topic. {SUBSCRIBE_USAGE}")
    return DigestRequest(tuple(dict.fromkeys(topics)), at, tz, days, nothing_new)
