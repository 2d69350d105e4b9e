"""200 concurrent `/brief` interactions against the real discord.py client over its gateway:
`python bench/discord.py [--requests 200] [--docs 10000]`.

The bot logs in and connects exactly as `briefbot serve discord` does, with its REST base and
gateway pointed at the loopback fake (tests/fakes/discord_api.py). Every interaction is a raw
INTERACTION_CREATE event sent over the gateway websocket. First response: from sending the event
to the fake receiving the interaction callback (the defer; Discord wants it within 3 s).
Follow-up: from sending to the fake receiving the answer. Corpus: real sentences of
../shared/data recombined (bench/corpus.py), cached under var/bench/.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# This file is named like the library: take bench/ off the path so `import discord` finds
# discord.py, and load the shared corpus builder by its path instead.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
_spec = importlib.util.spec_from_file_location("bench_corpus", HERE / "corpus.py")
assert _spec is not None and _spec.loader is not None
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)
BENCH_TOPICS: tuple[str, ...] = corpus.BENCH_TOPICS
CACHE: Path = corpus.CACHE
ROOT: Path = corpus.ROOT

from bot.adapters.discord import DiscordBot  # noqa: E402
from bot.config import DiscordSettings, Settings  # noqa: E402
from bot.models import Brief, Card, QuoteList  # noqa: E402
from bot.service import build  # noqa: E402
from tests.fakes.discord_api import interaction_payload  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(db: Path, requests: int, docs: int, runs: int) -> None:
    import aiohttp

    # The fake runs in its own process, as Discord would: its work must not share our GIL.
    fake = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from tests.fakes.discord_api import main; main()",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert fake.stdout is not None
    port = int((await fake.stdout.readline()).decode())
    control = f"http://127.0.0.1:{port}/_fake"
    app = build(Settings(db_path=db, briefs_dir=ROOT / "briefs"))
    bot = DiscordBot(
        app, DiscordSettings(token="good-token", api_url=f"http://127.0.0.1:{port}/api/v10")
    )
    try:
        async with aiohttp.ClientSession() as http:

            async def report() -> dict[str, Any]:
                async with http.get(control) as resp:
                    data: dict[str, Any] = await resp.json()
                    return data

            async def send(topics: list[str]) -> list[str]:
                items = [interaction_payload("brief", {"topic": t}) for t in topics]
                body = {"event": "INTERACTION_CREATE", "items": items}
                async with http.post(control, json=body) as resp:
                    await resp.read()
                return [str(i["token"]) for i in items]

            async def answered(tokens: list[str], timeout: float) -> bool:
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    seen = (await report())["interactions"]
                    if all(seen.get(t, {}).get("followup") for t in tokens):
                        return True
                    await asyncio.sleep(0.1)
                return False

            # When the bot starts each defer (bot-side turnaround, without the fake's queueing).
            defers: dict[str, float] = {}

            async def on_start(
                session: object, ctx: object, params: aiohttp.TraceRequestStartParams
            ) -> None:
                parts = params.url.path.split("/")
                if parts[-1] == "callback":
                    defers.setdefault(parts[-2], time.monotonic())

            trace = aiohttp.TraceConfig()
            trace.on_request_start.append(on_start)
            bot.client.http.http_trace = trace
            await bot.start()
            while not (await report())["identified"]:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # READY handled
            await answered(await send(list(BENCH_TOPICS)), 120)  # warm up: caches, threads

            print(
                f"{requests} concurrent /brief over the gateway, {docs} documents, "
                f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
                f"topics {', '.join(BENCH_TOPICS)}"
            )
            print()
            print(
                "| run | answered (valid embeds) | first response p50 ms | p95 ms "
                "| bot turnaround p50 ms | p95 ms | follow-up p50 s | p95 s | HTTP errors "
                "| wall s | load avg |"
            )
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for n in range(1, runs + 1):
                load = os.getloadavg()[0]
                started = time.monotonic()
                topics = [BENCH_TOPICS[i % len(BENCH_TOPICS)] for i in range(requests)]
                tokens = await send(topics)
                if not await answered(tokens, 170 / runs):
                    print("timed out waiting for answers", file=sys.stderr)
                wall = time.monotonic() - started
                final = await report()
                print(row(n, tokens, final, defers, requests, wall, load), flush=True)
    finally:
        await bot.close()
        fake.terminate()
        await fake.wait()
    app.db.close()


def row(
    n: int,
    tokens: list[str],
    final: dict[str, Any],
    defers: dict[str, float],
    requests: int,
    wall: float,
    load: float,
) -> str:
    """One table row: first response and bot turnaround in ms, follow-up in s."""
    seen = final["interactions"]
    rows = [seen[t] for t in tokens if t in seen]
    first = [(r["callback"] - r["sent"]) * 1000 for r in rows if r["callback"]]
    turn = [(defers[t] - seen[t]["sent"]) * 1000 for t in tokens if t in defers and t in seen]
    follow = [r["followup"] - r["sent"] for r in rows if r["followup"]]
    valid = sum(1 for r in rows if r["valid"] and r["type"] == 5)
    return (
        f"| {n} | {valid} of {requests} "
        f"| {statistics.median(first):.0f} | {percentile(first, 0.95):.0f} "
        f"| {statistics.median(turn):.0f} | {percentile(turn, 0.95):.0f} "
        f"| {statistics.median(follow):.2f} | {percentile(follow, 0.95):.2f} "
        f"| {final['errors']} | {wall:.1f} | {load:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="bursts, one table row each")
    parser.add_argument(
        "--no-coalesce",
        action="store_true",
        help="compute every request, even identical ones in flight (the core's own cost)",
    )
    args = parser.parse_args()
    corpus.require_data()
    if args.no_coalesce:

        async def compute(
            self: DiscordBot, key: tuple[str, ...], work: Callable[[], Brief | Card | QuoteList]
        ) -> Brief | Card | QuoteList:
            async with self._workers:
                return await asyncio.to_thread(work)

        DiscordBot._compute = compute  # type: ignore[method-assign]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(corpus.build_db(args.docs), args.requests, args.docs, args.runs))


if __name__ == "__main__":
    main()
