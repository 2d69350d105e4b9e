"""Synthetic benchmark corpora built from real sentences of ../shared/data, recombined.

Documents are made of sentences drawn from the BBC and PolNeAR articles; 2% of them also get
sentences of the seed article, so that the seed's topics match at least 1% of documents.
Nothing from ../shared/data is committed: corpora are written under var/bench/ at run time.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))

from bot.analysis.sentences import split_sentences  # noqa: E402
from bot.corpus import split_front_matter  # noqa: E402

BENCH_TOPICS = ("golden-dome", "nuclear-risk", "space-militarization")


def require_data() -> None:
    """Exit cleanly with a reason when the shared data is absent (a user's clone has none)."""
    if not DATA.is_dir():
        print(f"skipped: {DATA} not found; the benchmarks need ../shared/data (see bench/README)")
        raise SystemExit(0)


def _pool() -> list[str]:
    sentences: list[str] = []
    for name in ("bbc-news-summary-dev.jsonl", "polnear-quotes-train.jsonl"):
        with (DATA / name).open(encoding="utf-8") as fh:
            for line in fh:
                text = json.loads(line)["text"]
                body = text.split("\n", 1)[1] if name.startswith("bbc") else text
                sentences.extend(s.text for s in split_sentences(body) if len(s.text) > 40)
    return sentences


def _seed_sentences() -> list[str]:
    text = (ROOT / "seeds" / "golden-dome-statement.md").read_text(encoding="utf-8")
    return [s.text for s in split_sentences(split_front_matter(text)[1])]


def build_jsonl(n: int, seed: int = 7) -> Path:
    """Write (once) a JSONL corpus of `n` documents and return its path."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"corpus-{n}.jsonl"
    if path.exists():
        return path
    rng = random.Random(seed)
    pool = _pool()
    seeded = _seed_sentences()
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for i in range(n):
            body = rng.sample(pool, rng.randint(12, 24))
            if i % 50 == 0:  # 2% of documents carry seed sentences
                for s in rng.sample(seeded, 4):
                    body.insert(rng.randrange(len(body) + 1), s)
            day = 1 + i % 28
            record = {
                "id": f"bench-{i:06d}",
                "title": body[0][:80],
                "text": "\n\n".join(body),
                "date": f"2025-{1 + i % 12:02d}-{day:02d}",
                "url": f"https://example.org/news/{i}",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.rename(path)
    return path


def build_db(n: int) -> Path:
    """Ingest (once) the `n`-document corpus into var/bench/corpus-{n}.db and return its path."""
    from bot.config import Settings
    from bot.service import build

    db = CACHE / f"corpus-{n}.db"
    if db.exists():
        return db
    src = build_jsonl(n)
    tmp = CACHE / f"corpus-{n}.building.db"
    for p in CACHE.glob(f"corpus-{n}.building.db*"):
        p.unlink()
    # The corpus is one large JSONL file: lift the per-file cap that protects normal ingests.
    app = build(Settings(db_path=tmp, briefs_dir=ROOT / "briefs", max_file_bytes=1 << 34))
    t0 = time.perf_counter()
    report = app.ingest([src])
    stored = app.store.count()
    app.db.close()
    if report.skipped or stored != n:
        raise SystemExit(f"corpus build failed: {stored} of {n} stored; {report.skipped[:3]}")
    print(f"built {db.name}: {n} documents in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    tmp.rename(db)
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    return db
