"""200 concurrent `/brief` requests against the real slack-bolt app over HTTP:
`python bench/slack.py [--requests 200] [--docs 10000]`.

The bot runs in HTTP mode on a loopback port with its Web API and response_url pointed at the
loopback fake (tests/fakes/slack_api.py). Every request is a signed, form-encoded slash command
as Slack sends it. Ack latency: from sending the request to its HTTP 200 (Slack wants < 3 s).
Time to answer: from sending to the answer arriving at the response_url. Corpus: real sentences
of ../shared/data recombined (bench/corpus.py), cached under var/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import BENCH_TOPICS, ROOT, build_db, require_data

from bot.adapters.slack import SlackBot
from bot.config import Settings, SlackSettings
from bot.service import build
from tests.fakes.slack_api import FakeSlack, block_error, form, sign, slash_command

SECRET = "bench-secret"
# Free-text queries, each a separate brief: the cost of answers that cannot be shared.
DISTINCT = (
    "oil prices", "interest rates", "mobile phones", "election campaign", "football club",
    "film festival", "stock market", "Hillary Clinton", "Donald Trump", "Bernie Sanders",
    "central bank", "tax cuts", "music awards", "broadband", "video games", "airline",
    "world cup", "rugby", "tennis", "unemployment", "inflation", "trade deficit", "Labour party",
    "Tony Blair", "Gordon Brown", "immigration", "health care", "Supreme Court", "debate",
    "polls", "Microsoft", "Google", "Apple", "Sony", "Yukos", "euro", "dollar", "China",
    "Iraq", "Russia", "terrorism", "climate", "energy", "pensions", "budget",
)  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def serve_bot(db: Path, api_url: str, port: int) -> None:
    """The child process: briefbot's Slack adapter alone, until its stdin closes."""
    app = build(Settings(db_path=db, briefs_dir=ROOT / "briefs"))
    settings = SlackSettings(
        bot_token="xoxb-good", signing_secret=SECRET, api_url=api_url, port=port
    )
    bot = SlackBot(app, settings, host="127.0.0.1")
    await bot.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # the parent closes our stdin to stop us
    await bot.close()
    app.db.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load(
    fake: FakeSlack, events: str, topics: list[str]
) -> tuple[list[float], list[float], int, float]:
    """Send the commands at once; return ack latencies (ms), answer times (s), valid, wall."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def command(topic: str) -> tuple[str, float, float, int]:
            url = fake.response_url()
            body = form(slash_command("/brief", topic, url))
            sent = time.monotonic()
            async with http.post(events, data=body, headers=sign(SECRET, body)) as resp:
                await resp.read()
                return url, sent, time.monotonic() - sent, resp.status

        # Open the connections first, as a kept-alive pool: the load generator's own cost of
        # opening 200 sockets at once is not the bot's ack latency.
        health = events.replace("/slack/events", "/healthz")

        async def connect() -> None:
            async with http.get(health) as resp:
                await resp.read()

        await asyncio.gather(*(connect() for _ in topics))
        started = time.monotonic()
        results = await asyncio.gather(*(command(t) for t in topics))
    urls = [u for u, _, _, status in results if status == 200]
    try:
        await fake.wait_for(lambda: all(fake.posts(u) for u in urls), timeout=150)
    except TimeoutError:
        print("timed out waiting for answers", file=sys.stderr)
    wall = time.monotonic() - started
    acks = [ack * 1000 for _, _, ack, status in results if status == 200]
    answers, valid = [], 0
    for url, sent, _, _ in results:
        posts = fake.posts(url)
        if posts:
            answers.append(posts[0].at - sent)
            blocks = posts[0].blocks
            if block_error(blocks) is None and "Brief: " in json.dumps(blocks):
                valid += 1
    return acks, answers, valid, wall


def row(name: str, n: int, result: tuple[list[float], list[float], int, float]) -> str:
    acks, answers, valid, wall = result
    return (
        f"| {name} | {n} | {len(acks)} | {valid} of {n} "
        f"| {statistics.median(acks):.0f} | {percentile(acks, 0.95):.0f} "
        f"| {statistics.median(answers):.2f} | {percentile(answers, 0.95):.2f} | {wall:.1f} |"
    )


async def run(db: Path, requests: int, distinct: int, docs: int) -> None:
    async with FakeSlack() as fake:
        port = free_port()
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--bot", str(db), fake.base_url, str(port),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert child.stdout is not None and child.stdin is not None
        if (await child.stdout.readline()).strip() != b"ready":
            raise SystemExit("the bot process did not start")
        events = f"http://127.0.0.1:{port}/slack/events"
        try:
            await load(fake, events, list(BENCH_TOPICS))  # warm up caches and threads
            same = await load(fake, events, [BENCH_TOPICS[i % 3] for i in range(requests)])
            words = list(DISTINCT[:distinct])
            other = await load(fake, events, words)
        finally:
            child.stdin.close()
            await child.wait()
    print(
        f"{docs} documents; bot in its own process (HTTP, signed requests), fake Slack and load "
        f"in another; Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print()
    print("| requests | sent at once | acked 200 | answered (valid briefs) | ack p50 ms "
          "| ack p95 ms | answer p50 s | answer p95 s | wall s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    print(row(f"/brief on {len(BENCH_TOPICS)} topics", requests, same))
    print(row("/brief, all different queries", len(words), other))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=20, help="different queries at once")
    parser.add_argument("--bot", nargs=3, metavar=("DB", "API_URL", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        asyncio.run(serve_bot(Path(args.bot[0]), args.bot[1], int(args.bot[2])))
        return
    require_data()
    asyncio.run(run(build_db(args.docs), args.requests, args.distinct, args.docs))


if __name__ == "__main__":
    main()
