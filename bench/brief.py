"""Brief latency on growing corpora: `python bench/brief.py [--sizes 1000 10000 100000]`.

Corpora are real sentences recombined (bench/corpus.py); 2% of documents carry seed sentences,
so every benchmarked topic matches at least 1% of documents (the hit counts are printed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import BENCH_TOPICS, ROOT, build_db, require_data

from bot.config import Settings
from bot.service import build


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--runs", type=int, default=30, help="briefs per topic and size")
    args = parser.parse_args()
    require_data()
    print("| documents | topic | matching docs | share | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    p95_by_size: dict[int, float] = {}
    for n in args.sizes:
        app = build(Settings(db_path=build_db(n), briefs_dir=ROOT / "briefs"))
        timings_all: list[float] = []
        for slug in BENCH_TOPICS:
            hits = next(t.documents for t in app.topics() if t.slug == slug)
            app.brief(slug)  # warm the page cache once
            timings = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                app.brief(slug)
                timings.append((time.perf_counter() - t0) * 1000)
            timings_all += timings
            print(
                f"| {n} | {slug} | {hits} | {hits / n:.1%} | {statistics.median(timings):.1f} "
                f"| {percentile(timings, 0.95):.1f} |"
            )
        p95_by_size[n] = percentile(timings_all, 0.95)
        app.db.close()
    if 10000 in p95_by_size and 100000 in p95_by_size:
        growth = p95_by_size[100000] / p95_by_size[10000]
        print(f"\np95 growth from 10k to 100k documents: {growth:.2f}x (target < 2x)")


if __name__ == "__main__":
    main()
