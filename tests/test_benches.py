"""The bench scripts still run against the code they measure (seconds each, tiny inputs).

A change to a function a bench calls would otherwise surface only when someone next runs it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "data" / "bbc-news-summary-dev.jsonl"


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_corpus_builder_reads_the_seed() -> None:
    seeds = _bench("corpus")._seed_sentences()
    assert len(seeds) == 17 and seeds[0].startswith("On Thursday, China and Russia")


@pytest.mark.skipif(not BBC.exists(), reason=f"BBC data not found at {BBC} (see DEVELOPERS.md)")
def test_the_summaries_bench_runs_on_a_few_articles(capsys: pytest.CaptureFixture[str]) -> None:
    assert _bench("summaries").main(["--limit", "4", "--floor", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["articles"] == 4 and out["problems"] == []
    assert {"briefbot", "Lead-k", "sumy LexRank", "floor: count words"} <= set(out["results"])
