"""Train the sentence ranker's weights and IDF table; writes bot/data/summariser.json.

Run: .venv/bin/python bench/train_summariser.py

Uses only the tuning folds of ../shared/data/bbc-news-summary-dev.jsonl (see
`summaries.is_held_out`); the held-out fifth is never read here. The model is a pairwise
logistic regression (a reference sentence against a non-reference sentence of the same article)
over the interpretable features in `bot.summarise.FEATURES`, fitted by Newton's method with an
L2 penalty that pulls the weights towards a hand-set news prior rather than towards zero, and
floors that keep the lead and position weights at least at that prior: BBC's references were
chosen by a centrality-loving extractor, and the ranker must also serve news whose highlights
follow the lead. A bias fitted afterwards turns scores into probabilities.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from summaries import DATA, is_held_out, load_rows

from bot.analysis.sentences import split_sentences
from bot.summarise import (
    FEATURES,
    Model,
    content_stems,
    features,
    parse_sentence,
    positions,
    strip_title,
)

OUT = Path(__file__).resolve().parents[1] / "bot" / "data" / "summariser.json"
MIN_DF = 2  # rarer stems get the default IDF: keeps the file small and free of one-off names
# The prior the data adjusts: lead first, early over late, fragments and dangling openings down.
PRIOR = {
    "first": 1.5,
    "position": 1.0,
    "late": -0.5,
    "centrality": 0.0,
    "overlap": 0.0,
    "keywords": 0.0,
    "topic": 0.0,
    "entities": 0.0,
    "figures": 0.0,
    "length": 0.0,
    "short": -0.5,
    "quote": 0.0,
    "dangling": -0.5,
}
# The position weights may not fall below the prior: BBC's labels would otherwise trade the lead
# away for centrality, which loses on news with human-written highlights.
FLOORS = {"first": 1.5, "position": 1.0}


def build_idf(texts: list[str]) -> tuple[dict[str, float], float]:
    """Smoothed IDF over stems that occur in at least MIN_DF documents."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(content_stems(text)))
    n = len(texts)
    idf = {w: round(math.log((n + 1) / (c + 1)) + 1, 3) for w, c in df.items() if c >= MIN_DF}
    return idf, round(math.log((n + 1) / 1) + 1, 3)


def dataset(rows: list[dict[str, str]], model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix, in-reference labels and article numbers for every body sentence."""
    xs: list[list[float]] = []
    ys: list[float] = []
    groups: list[int] = []
    for number, row in enumerate(rows):
        sents = strip_title(split_sentences(row["text"]), row["title"])
        if not sents:
            continue
        gold = {line.strip() for line in row["summary"].splitlines() if line.strip()}
        topic = set(content_stems(row["title"]))
        n = len(sents)
        parsed = [parse_sentence(s.text, model) for s in sents]
        xs.extend(features(parsed, positions(parsed), [topic] * n, model))
        ys.extend(1.0 if s.text.strip() in gold else 0.0 for s in sents)
        groups.extend([number] * n)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), np.asarray(groups)


def _newton(x: np.ndarray, y: np.ndarray, prior: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """Logistic regression by Newton's method, L2-pulled towards `prior`, with the FLOORS."""
    n = len(y)
    w = prior.copy()
    floors = [(FEATURES.index(name), floor) for name, floor in FLOORS.items()]
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) / n + pull * (w - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x / n + np.diag(pull)
        step = np.linalg.solve(hess, grad)
        w -= step
        for i, floor in floors:
            w[i] = max(w[i], floor)
        if np.abs(step).max() < 1e-7:
            break
    return w


def fit(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, strength: float
) -> tuple[np.ndarray, float]:
    """Pairwise weights (a reference sentence over a non-reference one of the same article),
    then the bias that calibrates them as probabilities."""
    prior = np.array([PRIOR[f] for f in FEATURES])
    diffs: list[np.ndarray] = []
    for g in np.unique(groups):
        members = groups == g
        pos, neg = x[members & (y > 0)], x[members & (y == 0)]
        if len(pos) and len(neg):
            diffs.append((pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1]))
    pairs = np.vstack(diffs)
    # Each pair both ways, so the pairwise model has no bias to learn.
    both = np.vstack([pairs, -pairs])
    labels = np.concatenate([np.ones(len(pairs)), np.zeros(len(pairs))])
    w = _newton(both, labels, prior, np.full(len(prior), strength))
    # The bias alone, with the weights fixed: a one-feature fit on the offsets.
    offset = x @ w
    bias = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(offset + bias)))
        step = float(np.sum(p - y) / np.sum(p * (1 - p)))
        bias -= step
        if abs(step) < 1e-9:
            break
    return w, bias


def main(argv: list[str] | None = None) -> int:
    """Train on the tuning folds and write the weights file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strength", type=float, default=0.01, help="pull towards the prior")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the weights")
    args = parser.parse_args(argv)
    rows = load_rows()
    if rows is None:
        print(f"No BBC data at {DATA}; nothing to train on.")
        return 0
    tune = [r for r in rows if not is_held_out(r["id"])]
    idf, default = build_idf([r["text"] for r in tune])
    blank = Model(tuple(0.0 for _ in FEATURES), 0.0, idf, default)
    x, y, groups = dataset(tune, blank)
    w, bias = fit(x, y, groups, args.strength)
    spread = x.std(axis=0)
    print(f"trained on {len(tune)} articles, {len(y)} sentences, {y.mean():.1%} in references")
    print("feature       weight  weight*sd")
    for name, wi, sd in zip(FEATURES, w, spread, strict=True):
        print(f"{name:12s} {wi:7.3f} {wi * sd:9.3f}")
    data = {
        "about": "briefbot sentence ranker: logistic-regression weights over bot.summarise."
        "FEATURES and a stem IDF table, trained by bench/train_summariser.py on the tuning "
        "folds of the BBC News Summary dev set.",
        "features": list(FEATURES),
        "weights": {name: round(float(wi), 4) for name, wi in zip(FEATURES, w, strict=True)},
        "bias": round(bias, 4),
        "idf_default": default,
        "idf": dict(sorted(idf.items())),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
