"""Ingest throughput and peak memory: `python bench/ingest.py [--docs N]`.

Builds an N-document JSONL corpus from real sentences (bench/corpus.py), then ingests it into a
fresh database in a child process, one core, and prints docs/s and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROOT, build_jsonl, require_data

CHILD = """
import sys, time
from pathlib import Path
from bot.config import Settings
from bot.service import build
db, src, briefs = (Path(a) for a in sys.argv[1:4])
app = build(Settings(db_path=db, briefs_dir=briefs, max_file_bytes=1 << 34))
t0 = time.perf_counter()
report = app.ingest([src])
print(len(report.added), time.perf_counter() - t0)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    require_data()
    rows = []
    for n in args.docs:
        src = build_jsonl(n)
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            out = subprocess.run(
                [
                    "taskset",
                    "-c",
                    "0",
                    sys.executable,
                    "-c",
                    CHILD,
                    f"{tmp}/b.db",
                    str(src),
                    str(ROOT / "briefs"),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout.split()
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            size = sum(p.stat().st_size for p in Path(tmp).glob("b.db*")) / 1e6
        added, seconds = int(out[0]), float(out[1])
        rows.append((n, added, seconds, added / seconds, max(rss, before) / 1024, size))
    print("| documents | ingested | seconds | docs/s | peak RSS (MB) | database (MB) |")
    print("|---|---|---|---|---|---|")
    for n, added, seconds, rate, rss, size in rows:
        print(f"| {n} | {added} | {seconds:.1f} | {rate:.0f} | {rss:.0f} | {size:.0f} |")
    print(f"\n(one core via taskset; started {time.strftime('%Y-%m-%d %H:%M')})")


if __name__ == "__main__":
    main()
