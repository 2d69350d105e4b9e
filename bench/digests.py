"""Digest delivery under crashes and outages: 1,000 subscriptions over 30 simulated days.

Run: `.venv/bin/python bench/digests.py [--subs 1000] [--days 30] [--rate 9000] [--seed 8]`.

The parent process runs the loopback Slack and Discord fakes (tests/fakes/) and a simulated clock
(a file the bot reads); it starts the bot as a child process (this file with `--child`: the real
config loading, adapters and scheduler of `briefbot serve`), injects 429s and 5xx errors, and
kills the child with SIGKILL, either at a random moment or right after a post and before its mark
(the child's own hook, BENCH_PAUSE_AFTER, which lives only in this file). It then counts what the
fakes received against due slots computed here, independently of the bot's code and database:

- delivered: due slots whose first message arrived; duplicated: slots with a message that arrived
  twice; lost: slots that had to be delivered and never were;
- skipped by the grace rule: slots with no moment of bot uptime within `grace_hours` after them;
  "either" slots (the bot was killed soon after the slot and came back after the grace period)
  may go either way, and are checked against the bot's own record of skipping;
- the shortest gap between two posts to one channel, in real time.

The simulated clock stops while the bot restarts, and while a slot that should have been
delivered is more than an hour overdue (so a slow moment of the machine is not mistaken for an
outage); it never runs backwards.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import itertools
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import struct
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds discord.py and slack.py benches: keep them from shadowing the libraries.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

START = dt.datetime(2026, 3, 5, 0, 0, tzinfo=dt.UTC)  # spans US (Mar 8) and EU (Mar 29) DST
GRACE_HOURS = 6.0
ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Asia/Kathmandu",
]
DAYS = ["daily"] * 6 + ["weekdays"] * 3 + ["monday", "wednesday", "friday", "sunday"]
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SLACK_TOKEN, DISCORD_TOKEN = "xoxb-good", "good-token"
QUARTER = 900.0
# Hold the simulated clock while a slot that must be delivered is this late: real-time waits
# (Retry-After, backoff, restarts) would otherwise turn into hours of simulated lateness.
HOLD = 3 * 3600.0
FAIR = 1.5  # real seconds of running that give a due slot a fair chance (see `parent`)


# -- the simulated clock: 8 bytes in a file ---------------------------------------------------


class SimClock:
    """A float of Unix seconds in a file: the parent writes it, the bot reads it."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def set(self, t: float) -> None:
        os.pwrite(self.fd, struct.pack("d", t), 0)

    def get(self) -> float:
        return float(struct.unpack("d", os.pread(self.fd, 8, 0))[0])

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.get(), dt.UTC)


# -- the child: `briefbot serve`'s digest side, on the simulated clock -----------------------


def child() -> None:
    """The bot: real settings, adapters, facade and scheduler; the clock from the file."""
    import logging

    import yaml

    from bot.adapters.discord import DiscordBot
    from bot.adapters.slack import SlackBot
    from bot.config import load_settings
    from bot.delivery import Payload, Poster
    from bot.service import build, digest_scheduler

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # The config holds 1,000 subscriptions: parse it with libyaml (same result, 50x faster).
    yaml.safe_load = lambda text: yaml.load(text, Loader=yaml.CSafeLoader)
    clock = SimClock(Path(os.environ["BENCH_CLOCK"]))
    pause_after = int(os.environ.get("BENCH_PAUSE_AFTER") or 0)
    stats: dict[str, list[float]] = defaultdict(list)

    class Pausing:
        """Wraps a Poster: after the n-th confirmed post, say so and hang (the parent kills us)."""

        def __init__(self, inner: Poster, counter: list[int]) -> None:
            self.inner, self.platform, self.counter = inner, inner.platform, counter

        def render_digest(self, digest: Any) -> list[Payload]:
            return self.inner.render_digest(digest)

        async def send(self, channel: str, payload: Payload, marker: str) -> str:
            t0 = time.perf_counter()
            try:
                message_id = await self.inner.send(channel, payload, marker)
            finally:
                stats[self.platform].append(time.perf_counter() - t0)
            self.counter[0] += 1
            if pause_after and self.counter[0] == pause_after:
                print(f"POSTED {marker}", flush=True)
                await asyncio.sleep(3600)  # posted, not yet marked: killed here
            return message_id

        async def find_markers(self, channel: str, markers: Any, oldest: dt.datetime) -> set[str]:
            return await self.inner.find_markers(channel, markers, oldest)

        async def notify(self, target: str, text: str) -> None:
            await self.inner.notify(target, text)

    async def main() -> None:
        settings = load_settings(Path(os.environ["BENCH_CONFIG"]))
        briefing = build(settings, clock.now)
        slack = SlackBot(briefing, settings.slack)
        discord = DiscordBot(briefing, settings.discord)
        await discord.login()
        counter = [0]
        posters: dict[str, Poster] = {
            "slack": Pausing(slack, counter),
            "discord": Pausing(discord, counter),
        }
        scheduler = digest_scheduler(settings, briefing, posters, clock.now)
        scheduler.poll = 0.02  # simulated time runs thousands of times faster than real time
        print("READY", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await scheduler.run(stop)
        finally:
            await discord.close()
            for k, v in stats.items():
                v.sort()
                print(f"send {k}: n={len(v)} p50={v[len(v)//2]:.4f} p95={v[int(len(v)*.95)]:.4f}"
                      f" sum={sum(v):.1f}", file=sys.stderr)  # fmt: skip

    profile = os.environ.get("BENCH_PROFILE")
    if profile:  # where the bot's time goes: `python -m pstats <file>`
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), {"main": main}, profile)
    else:
        asyncio.run(main())


# -- due slots, computed here without the bot's schedule code --------------------------------


def due_slots(at: str, days: str, tz: str, after: dt.datetime, until: dt.datetime) -> list[float]:
    """Unix times of the slots in (after, until]: local wall time, gap -> first valid minute."""
    zone = ZoneInfo(tz)
    hour, minute = (int(x) for x in at.split(":"))
    out = []
    day = after.astimezone(zone).date() - dt.timedelta(days=1)
    while True:
        ok = (
            days == "daily"
            or (days == "weekdays" and day.weekday() < 5)
            or DAY_NAMES[day.weekday()] == days
        )
        wall = dt.datetime(day.year, day.month, day.day, hour, minute)
        t = wall.replace(tzinfo=zone).astimezone(dt.UTC)  # fold=0: the first of two
        if t.astimezone(zone).replace(tzinfo=None) != wall:
            # Does not exist: walk minute by minute from well before to the first instant
            # whose local time has reached the wall time.
            t = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
            while t.astimezone(zone).replace(tzinfo=None) < wall:
                t += dt.timedelta(minutes=1)
        if t > until:
            return out
        if ok and t > after:
            out.append(t.timestamp())
        day += dt.timedelta(days=1)


# -- the parent -------------------------------------------------------------------------------


@dataclass
class Sub:
    platform: str
    channel: str
    topics: list[str]
    at: str
    tz: str
    days: str
    slots: list[float] = field(default_factory=list)


@dataclass
class Life:
    """One run of the bot process, in simulated time."""

    start: float
    end: float | None = None
    killed: str = ""  # "", "random" or "after-post"
    between: bool = False


def make_subs(n: int, rnd: random.Random, topics: list[str]) -> list[Sub]:
    subs = []
    for i in range(n):
        platform = "slack" if i % 2 == 0 else "discord"
        channel = f"C{i:06d}" if platform == "slack" else str(900000000000000000 + i)
        k = 5 if i % 10 == 3 else rnd.choice([1, 1, 2, 3])  # some want every topic
        at = f"{rnd.randrange(24):02d}:{rnd.choice([0, 15, 30, 45]):02d}"
        if i % 50 == 0:  # some in the hour that does not exist on DST days
            at = f"02:{rnd.choice([0, 15, 30, 45]):02d}"
        subs.append(
            Sub(platform, channel, rnd.sample(topics, k), at, rnd.choice(ZONES), rnd.choice(DAYS))
        )
    return subs


def write_config(path: Path, db: Path, subs: list[Sub]) -> None:
    entries = [
        {
            "platform": s.platform,
            "channel": s.channel,
            "topics": s.topics,
            "at": s.at,
            "tz": s.tz,
            "days": s.days,
            "nothing_new": True,  # every due slot posts something the fakes can count
        }
        for s in subs
    ]
    config = {
        "db": str(db),
        "briefs": str(ROOT / "briefs"),
        "documents": {"paths": []},
        "digests": {"grace_hours": GRACE_HOURS, "first_window_hours": 24, "subscriptions": entries},
    }
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML


def seed_variant(n: int, rnd: random.Random) -> str:
    """The seed article (every topic), paragraphs shuffled: long digests, split on Discord."""
    body = (ROOT / "seeds" / "golden-dome-statement.md").read_text(encoding="utf-8")
    paragraphs = [p for p in body.split("---\n", 2)[2].split("\n") if p.strip()]
    rnd.shuffle(paragraphs)
    return f"---\ntitle: Update {n}\n---\nUpdate number {n}.\n" + "\n".join(paragraphs) + "\n"


def topic_doc(n: int, title: str, rnd: random.Random) -> str:
    lines = [
        f"Officials met on day {n} to discuss the {title}.",
        f"A new report on the {title} said costs rose by {rnd.randrange(3, 40)} percent.",
        f"Critics of the {title} warned of risks, while supporters pointed to its benefits.",
    ]
    return f"---\ntitle: Update {n} on {title}\n---\n" + "\n".join(lines) + "\n"


class Received:
    """What the fakes hold, indexed: arrivals per (channel, slot, part), post times per channel."""

    def __init__(self, slack: Any, discord: Any) -> None:
        self.slack, self.discord = slack, discord
        self.count: Counter[tuple[str, int, int]] = Counter()  # (channel, slot minute, part)
        self.first: set[tuple[str, int]] = set()
        self._seen: dict[str, int] = defaultdict(int)
        self._slack_calls = 0
        self._discord_requests = 0
        self.nonces: dict[str, str] = {}  # Discord nonce -> marker
        self.posts = 0

    def refresh(self) -> None:
        touched: set[tuple[str, str]] = set()
        calls = self.slack.calls
        for c in calls[self._slack_calls :]:
            if c.method == "chat.postMessage" and c.error is None:
                touched.add(("slack", str(c.params.get("channel"))))
        self._slack_calls = len(calls)
        reqs = self.discord.requests
        for r in reqs[self._discord_requests :]:
            if r.method == "POST" and (m := re.fullmatch(r"/channels/(\d+)/messages", r.path)):
                touched.add(("discord", m[1]))
        self._discord_requests = len(reqs)
        for platform, channel in touched:
            box = (self.slack.messages if platform == "slack" else self.discord.channels).get(
                channel, []
            )
            for msg in box[self._seen[channel] :]:
                marker = self._marker(platform, msg)
                if marker is None:
                    continue
                _, _, when, part = marker.split(":")
                key = (channel, _minute(when), int(part))
                self.count[key] += 1
                self.posts += 1
                self.first.add((channel, key[1]))
            self._seen[channel] = len(box)

    def _marker(self, platform: str, msg: dict[str, Any]) -> str | None:
        if platform == "slack":
            meta = msg.get("metadata") or {}
            found = (meta.get("event_payload") or {}).get("marker")
            return str(found) if found else None
        for e in msg.get("embeds") or []:
            text = str((e.get("footer") or {}).get("text") or "")
            if "ref " in text:
                return self.nonces.get(text.rsplit("ref ", 1)[1].strip())
        content = str(msg.get("content") or "")
        if "ref " in content:
            return self.nonces.get(content.rsplit("ref ", 1)[1].strip())
        return None

    def post_times(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = defaultdict(list)
        for c in self.slack.calls:
            if c.method == "chat.postMessage" and c.error is None:
                out[str(c.params.get("channel"))].append(c.at)
        for r in self.discord.requests:
            m = re.fullmatch(r"/channels/(\d+)/messages", r.path)
            if r.method == "POST" and r.status == 200 and m:
                out[m[1]].append(r.at)
        return out


def _minute(yymmddhhmm: str) -> int:
    t = dt.datetime.strptime(yymmddhhmm, "%y%m%d%H%M").replace(tzinfo=dt.UTC)
    return int(t.timestamp())


async def parent(args: argparse.Namespace) -> dict[str, Any]:
    from discord.http import Route

    from bot.adapters.discord import nonce_for
    from bot.config import Settings
    from bot.service import build
    from tests.fakes.discord_api import DiscordAPI
    from tests.fakes.slack_api import FakeSlack

    rnd = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="bench-digests-"))
    db, config = work / "briefbot.db", work / "briefbot.yaml"
    clock = SimClock(work / "clock")
    start, end = START.timestamp(), (START + dt.timedelta(days=args.days)).timestamp()
    clock.set(start)
    briefing = build(Settings(db_path=db, briefs_dir=ROOT / "briefs"), clock=clock.now)
    topics = [t.slug for t in briefing.topic_book.all()]
    titles = {t.slug: t.title for t in briefing.topic_book.all()}
    subs = make_subs(args.subs, rnd, topics)
    write_config(config, db, subs)
    for s in subs:
        s.slots = due_slots(s.at, s.days, s.tz, START, START + dt.timedelta(days=args.days))
    expected = sorted((t, s.channel) for s in subs for t in s.slots)

    slack = FakeSlack(history_interval=1.0)  # conversations.history: a tight limit per channel
    discord = DiscordAPI(token=DISCORD_TOKEN)
    await slack.start()
    await discord.start()
    Route.BASE = discord.base_url
    for s in subs:
        if s.platform == "slack":  # the fake answers channel_not_found for a channel it never saw
            slack.add_message(s.channel, "channel created", ts=1.0)
    received = Received(slack, discord)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BENCH_CLOCK": str(work / "clock"),
        "BENCH_CONFIG": str(config),
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": slack.base_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": discord.base_url,
        "DISCORD_APPLICATION_ID": str(discord.application_id),
    }
    log = open(work / "child.log", "ab")  # noqa: SIM115
    lives: list[Life] = []
    injected = Counter[str]()
    real0 = time.monotonic()
    kills = 0
    next_doc, doc_n = start + 6 * 3600, 0
    sub_ids: dict[str, int] = {}
    throttled = 0.0
    alive_total = 0.0
    sample_sim: list[float] = []  # the clock at each tick of a running bot...
    sample_alive: list[float] = []  # ...and the real seconds the bot had been running by then
    seen_posts = 0
    drained = 0.0
    reported = time.monotonic()

    readers: set[asyncio.Task[None]] = set()

    async def spawn(pause_after: int) -> tuple[asyncio.subprocess.Process, asyncio.Queue[str]]:
        e = {**env, "BENCH_PAUSE_AFTER": str(pause_after)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--child", env=e, stdout=asyncio.subprocess.PIPE, stderr=log
        )
        lines: asyncio.Queue[str] = asyncio.Queue()

        async def read() -> None:
            assert proc.stdout is not None
            async for raw in proc.stdout:
                await lines.put(raw.decode().strip())
            await lines.put("EOF")

        readers.add(asyncio.create_task(read()))
        return proc, lines

    def sending_markers() -> list[str]:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            rows = conn.execute("SELECT marker FROM digest_parts WHERE state = 'sending'")
            return [str(r[0]) for r in rows]
        finally:
            conn.close()

    def landed(marker: str) -> bool:
        sub_id, when, part = marker.split(":")[1:]
        channel = next((c for c, i in sub_ids.items() if i == int(sub_id)), None)
        received.refresh()
        return channel is not None and received.count[(channel, _minute(when), int(part))] > 0

    pointer = 0

    def overdue(now: float) -> bool:
        """A slot that had to be delivered is more than an hour late: hold the clock."""
        nonlocal pointer
        life_start = lives[-1].start
        while pointer < len(expected):
            t, channel = expected[pointer]
            if (channel, int(t)) in received.first or t + GRACE_HOURS * 3600 < life_start:
                pointer += 1
                continue
            break
        if pointer >= len(expected):
            return False
        # Slots further on may also be late, but the earliest decides.
        return expected[pointer][0] <= now - HOLD

    while True:
        # One life of the bot.
        induced = len(lives) % 2 == 0 and kills < args.kills
        pause_after = rnd.randrange(20, 500) if induced else 0
        life = Life(start=clock.get())
        lives.append(life)
        pointer = 0
        proc, lines = await spawn(pause_after)
        while True:
            line = await asyncio.wait_for(lines.get(), timeout=120)
            if line == "READY":
                break
            if line == "EOF":
                raise SystemExit(f"the bot did not start; see {work / 'child.log'}")
        if not sub_ids:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            sub_ids = {
                str(r[1]): int(r[0])
                for r in conn.execute("SELECT sub_id, channel FROM subscriptions")
            }
            conn.close()
            for s in subs:
                if s.platform == "discord":
                    for t in s.slots:
                        minute = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%y%m%d%H%M")
                        for part in range(12):
                            m = f"bb:{sub_ids[s.channel]}:{minute}:{part}"
                            received.nonces[nonce_for(m)] = m
        random_kill_at = time.monotonic() + rnd.uniform(3.0, 12.0)
        last = time.monotonic()
        finished = False
        while True:
            await asyncio.sleep(0.02)
            real = time.monotonic()
            step, last = real - last, real
            alive_total += step
            sample_sim.append(clock.get())
            sample_alive.append(alive_total)
            received.refresh()
            now = clock.get()
            if now < end:
                if overdue(now):
                    throttled += step
                else:
                    clock.set(min(end, now + step * args.rate))
            elif pointer >= len(expected) or not overdue(end + HOLD):
                finished = True  # the end: every slot that had to be delivered is in
            else:
                drained = drained or real
                finished = real - drained > 120  # or the bot gave up on some
            if real - reported > 10:
                reported = real
                print(
                    f"  sim {dt.datetime.fromtimestamp(clock.get(), dt.UTC):%m-%d %H:%M},"
                    f" {received.posts} posts, real {real - real0:.0f} s",
                    file=sys.stderr,
                )
            # Injected failures, in proportion to the posts: 429s with Retry-After and 5xx
            # errors on both platforms.
            new_posts, seen_posts = received.posts - seen_posts, received.posts
            if new_posts and rnd.random() < 1 - (1 - args.fault_rate) ** new_posts:
                kind = rnd.choice(["429", "5xx"])
                injected[kind] += 1
                if rnd.random() < 0.5:
                    if kind == "429":
                        slack.fail(
                            "chat.postMessage", status=429, error="ratelimited", retry_after=1
                        )
                    else:
                        slack.fail("chat.postMessage", status=rnd.choice([500, 503]),
                                   error="internal_error")  # fmt: skip
                else:
                    path = r"/channels/\d+/messages"
                    if kind == "429":
                        discord.fail("POST", path, 429, retry_after=1.0)
                    else:
                        discord.fail("POST", path, rnd.choice([500, 502]))
            if clock.get() > next_doc and clock.get() < end:
                # New documents for one topic now and then: digests with real sections.
                slug = topics[doc_n % len(topics)]
                path = work / f"doc-{doc_n}.md"
                text = (
                    seed_variant(doc_n, rnd) if doc_n % 2 else topic_doc(doc_n, titles[slug], rnd)
                )
                path.write_text(text, encoding="utf-8")
                await asyncio.to_thread(briefing.ingest, [path])
                doc_n += 1
                next_doc += 36 * 3600
            if finished:
                break
            if not lines.empty():
                line = lines.get_nowait()
                if line.startswith("POSTED") and kills < args.kills:
                    life.killed = "after-post"
                    break
                if line == "EOF":
                    raise SystemExit(f"the bot died on its own; see {work / 'child.log'}")
            if not induced and real >= random_kill_at and kills < args.kills:
                life.killed = "random"
                break
            if induced and real >= random_kill_at + 10:  # never reached its n-th post: kill now
                life.killed = "random"
                break
        life.end = clock.get()
        if finished:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
            break
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        kills += 1
        received.refresh()
        life.between = any(landed(m) for m in sending_markers())
        # Downtime in simulated time: mostly short, sometimes hours, now and then beyond grace.
        roll = rnd.random()
        if roll < 0.7:
            down = rnd.uniform(60, 1200)
        elif roll < 0.9:
            down = rnd.uniform(3600, 5 * 3600)
        else:
            down = rnd.uniform(8 * 3600, 20 * 3600)
        restart = life.end + down
        # Put the grace boundary between two quarter hours: no slot sits on it.
        edge = restart - GRACE_HOURS * 3600
        restart += (QUARTER / 2 - edge % QUARTER) % QUARTER
        clock.set(min(restart, end))
        print(
            f"  kill {kills:3d} ({life.killed}{', between post and mark' if life.between else ''})"
            f" at {dt.datetime.fromtimestamp(life.end, dt.UTC):%m-%d %H:%M},"
            f" down {down / 3600:.1f} h"
            f", real {time.monotonic() - real0:.0f} s",
            file=sys.stderr,
        )  # fmt: skip
    real_total = time.monotonic() - real0

    # -- count ----------------------------------------------------------------------------
    received.refresh()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    skipped_db = {
        (str(r[0]), int(dt.datetime.fromisoformat(r[1]).timestamp()))
        for r in conn.execute(
            "SELECT s.channel, d.slot FROM digest_slots d JOIN subscriptions s USING (sub_id)"
            " WHERE d.state = 'skipped'"
        )
    }
    parts_db = {
        (str(r[0]), int(dt.datetime.fromisoformat(r[1]).timestamp())): int(r[2] or 0)
        for r in conn.execute(
            "SELECT s.channel, d.slot, d.parts FROM digest_slots d JOIN subscriptions s"
            " USING (sub_id) WHERE d.state = 'delivered'"
        )
    }
    states = Counter(str(r[0]) for r in conn.execute("SELECT state FROM digest_slots"))
    conn.close()
    grace = GRACE_HOURS * 3600

    def alive(t1: float, t2: float) -> float:
        """Real seconds the bot ran while the simulated clock was in [t1, t2]."""
        lo = bisect.bisect_left(sample_sim, t1) - 1
        hi = bisect.bisect_right(sample_sim, t2) - 1
        return (sample_alive[hi] if hi >= 0 else 0.0) - (sample_alive[lo] if lo >= 0 else 0.0)

    tally = Counter[str]()
    for t, channel in expected:
        key = (channel, int(t))
        got = key in received.first
        parts = [received.count[(channel, int(t), p)] for p in range(16)]
        # Never running within the grace period: must be skipped. Running for a fair while
        # within it (FAIR real seconds; the clock is held for overdue slots): must be delivered.
        # In between (killed soon after the slot, back after the grace period): either is right.
        must_skip = alive(t, t + grace) == 0.0
        must_deliver = alive(t, t + grace - QUARTER / 2) >= FAIR
        tally["due"] += 1
        if got:
            tally["delivered"] += 1
            want = parts_db.get(key, 0)
            if want and any(parts[p] == 0 for p in range(want)):
                tally["incomplete"] += 1
        if any(n > 1 for n in parts):
            tally["duplicated"] += 1
        if must_skip:
            tally["skipped (grace rule)"] += 1
            if got:
                tally["delivered beyond grace"] += 1
        elif must_deliver:
            if not got:
                tally["lost"] += 1
        else:
            tally["either"] += 1
            if not got:
                if key in skipped_db:
                    tally["either: skipped"] += 1
                else:
                    tally["lost"] += 1
    gaps = []
    over = 0
    for times in received.post_times().values():
        times.sort()
        for a, b in itertools.pairwise(times):
            gaps.append(b - a)
            over += b - a < 1.0
    multi = sum(1 for v in parts_db.values() if v > 1)
    await slack.close()
    await discord.close()
    log.close()
    if args.keep:
        print(f"  work directory (database, child.log): {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "subscriptions": args.subs,
        "simulated days": args.days,
        "slots due": tally["due"],
        "delivered": tally["delivered"],
        "duplicated": tally["duplicated"],
        "lost": tally["lost"],
        "incomplete (parts missing)": tally["incomplete"],
        "skipped by the grace rule (expected)": tally["skipped (grace rule)"],
        "skipped (bot's record)": states["skipped"],
        "delivered beyond grace": tally["delivered beyond grace"],
        "either-way slots (skipped / delivered)": (
            f"{tally['either: skipped']} / {tally['either'] - tally['either: skipped']}"
        ),
        "multi-part digests": multi,
        "kills": kills,
        "kills between a post and its mark": sum(lf.between for lf in lives),
        "  of them induced by the pause hook": sum(
            lf.between and lf.killed == "after-post" for lf in lives
        ),
        "injected 429s / 5xx": f"{injected['429']} / {injected['5xx']}",
        "posts": sum(len(v) for v in received.post_times().values()),
        "channels over 1 msg/s": over,
        "shortest gap in a channel (s)": round(min(gaps), 3) if gaps else None,
        "documents ingested": doc_n,
        "clock held for overdue slots (real s)": round(throttled, 1),
        "real time (s)": round(real_total, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--subs", type=int, default=1000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--rate", type=float, default=9000.0, help="simulated seconds per real second")
    ap.add_argument("--kills", type=int, default=44, help="how many times to kill the bot")
    ap.add_argument("--fault-rate", type=float, default=0.015, help="failures per post")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the database and the bot's log")
    ap.add_argument("--format", choices=["table", "json"], default="table")
    args = ap.parse_args()
    if args.child:
        child()
        return
    result = asyncio.run(parent(args))
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return
    width = max(len(k) for k in result)
    print(f"| {'measure':<{width}} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k, v in result.items():
        print(f"| {k:<{width}} | {v} |")


if __name__ == "__main__":
    main()
