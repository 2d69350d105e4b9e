"""Train the sentence ranker's weights and IDF table; writes bot/data/summariser.json.

Run: .venv/bin/python bench/train_summariser.py [--rounds N]

Uses only the tuning folds of ../shared/data/bbc-news-summary-dev.jsonl (see
`summaries.is_held_out`); the held-out fifth is never read here. Two stages:

1. A pairwise logistic regression (a reference sentence against a non-reference sentence of the
   same article) over the interpretable features in `bot.summarise.FEATURES`, fitted by Newton's
   method with an L2 penalty that pulls the weights towards a hand-set news prior rather than
   towards zero; a bias fitted afterwards turns scores into probabilities.
2. A coordinate search from that fit on what the benchmark measures: mean ROUGE-2 of the
   ranker's own 3-sentence summaries (with its readability rules), plus a tenth of the score at
   the reference's length, over the tuning articles; it also sets the bias and the length gain.

In both, floors keep the lead and position weights at least at the prior (and in the search,
ceilings keep `late` and `dangling` at most 0): BBC's references were chosen by a
centrality-loving extractor, and the ranker must also serve news whose highlights follow the
lead.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
from summaries import DATA, is_held_out, load_rows

from bot.summarise import (
    FEATURES,
    Model,
    body_spans,
    choose,
    columns,
    content_stems,
    parse,
    positions,
)

OUT = Path(__file__).resolve().parents[1] / "bot" / "data" / "summariser.json"
MIN_DF = 2  # rarer stems get the default IDF: keeps the file small and free of one-off names
# The prior the data adjusts: lead first, early over late, fragments and dangling openings down.
PRIOR = {
    "first": 1.5,
    "position": 1.0,
    "late": -0.5,
    "overlap": 0.0,
    "keywords": 0.0,
    "topic": 0.0,
    "length": 0.0,
    "short": -0.5,
    "quote": 0.0,
    "dangling": -0.5,
}
# The position weights may not fall below the prior: BBC's labels would otherwise trade the lead
# away for centrality, which loses on news with human-written highlights.
FLOORS = {"first": 1.5, "position": 1.0}
# Nor may later sentences be preferred as such, nor openings that point back: the search on
# BBC's labels would otherwise buy a little ROUGE with a U-shaped position prior.
CEILINGS = {"late": 0.0, "dangling": 0.0}


def build_idf(texts: list[str]) -> tuple[dict[str, float], float]:
    """Smoothed IDF over stems that occur in at least MIN_DF documents."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(content_stems(text)))
    n = len(texts)
    idf = {w: round(math.log((n + 1) / (c + 1)) + 1, 3) for w, c in df.items() if c >= MIN_DF}
    return idf, round(math.log((n + 1) / 1) + 1, 3)


def sentences(row: dict[str, str]) -> list[str]:
    """The body sentences of an article, its title line dropped, as the ranker sees them."""
    return [row["text"][s:e] for s, e in body_spans(row["text"], row["title"])]


def dataset(rows: list[dict[str, str]], model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix, in-reference labels and article numbers for every body sentence."""
    xs: list[np.ndarray] = []
    ys: list[float] = []
    groups: list[int] = []
    for number, row in enumerate(rows):
        texts = sentences(row)
        if not texts:
            continue
        gold = {line.strip() for line in row["summary"].splitlines() if line.strip()}
        parsed = parse(texts)
        topic = frozenset(content_stems(row["title"]))
        xs.append(np.asarray(columns(parsed, positions(parsed), topic, model), dtype=float).T)
        ys.extend(1.0 if t.strip() in gold else 0.0 for t in texts)
        groups.extend([number] * len(texts))
    return np.vstack(xs), np.asarray(ys, dtype=float), np.asarray(groups)


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


class _Article:
    """What the ROUGE search needs of one tuning article, computed once."""

    def __init__(self, row: dict[str, str], model: Model, tokenize: Callable[[str], list[str]]):
        texts = sentences(row)
        self.parsed = parse(texts)
        topic = frozenset(content_stems(row["title"]))
        cols = columns(self.parsed, positions(self.parsed), topic, model)
        self.x = np.asarray(cols, dtype=float).T
        self.logs = np.log(np.maximum([len(t) for t in self.parsed.tokens], 2))
        self.tokens = [tuple(tokenize(t)) for t in texts]
        self.ref = Counter(_bigrams(tuple(tokenize(row["summary"]))))
        self.k = int(row["summary_sents"])

    def rouge2(self, w: np.ndarray, bias: float, gain: float, n: int) -> float:
        """ROUGE-2 F1 of the ranker's n-sentence summary under these weights."""
        if not self.tokens:
            return 0.0
        score = self.x @ w + bias
        worth = (-np.logaddexp(0.0, -score) + gain * self.logs).tolist()
        picked = choose(self.parsed, worth, n)
        got = Counter(_bigrams(tuple(t for i in picked for t in self.tokens[i])))
        hit = sum((got & self.ref).values())
        if not hit:
            return 0.0
        p, r = hit / sum(got.values()), hit / sum(self.ref.values())
        return 2 * p * r / (p + r)


def _bigrams(tokens: tuple[str, ...]) -> list[tuple[str, str]]:
    return list(pairwise(tokens))


def search(
    articles: list[_Article], w: np.ndarray, bias: float, gain: float, rounds: int
) -> tuple[np.ndarray, float, float]:
    """Coordinate search on mean ROUGE-2 (3 sentences, plus a tenth of the reference-length
    score) over the tuning articles, from the logistic fit, within the FLOORS and CEILINGS."""

    def objective(w: np.ndarray, bias: float, gain: float) -> float:
        at3 = np.mean([a.rouge2(w, bias, gain, 3) for a in articles])
        at_ref = np.mean([a.rouge2(w, bias, gain, a.k) for a in articles])
        return float(at3 + 0.1 * at_ref)

    floors = {FEATURES.index(name): floor for name, floor in FLOORS.items()}
    ceilings = {FEATURES.index(name): ceiling for name, ceiling in CEILINGS.items()}
    for j, ceiling in ceilings.items():
        w[j] = min(w[j], ceiling)
    best = objective(w, bias, gain)
    print(f"search: start {best:.4f}")
    for step in [0.5, 0.25, 0.12, 0.06][:rounds]:
        improved = True
        while improved:  # sweep every coordinate until none helps at this step
            improved = False
            for j in [*range(len(FEATURES)), -1, -2]:
                for sign in (1, -1):
                    w2, bias2, gain2 = w.copy(), bias, gain
                    if j == -1:
                        gain2 = max(0.0, gain + sign * step)
                    elif j == -2:
                        bias2 = bias + 4 * sign * step
                    else:
                        moved = w[j] + sign * step * max(1.0, abs(w[j]))
                        w2[j] = min(max(moved, floors.get(j, -99.0)), ceilings.get(j, 99.0))
                    got = objective(w2, bias2, gain2)
                    if got > best + 1e-5:
                        best, w, bias, gain, improved = got, w2, bias2, gain2, True
                        name = FEATURES[j] if j >= 0 else ("length_gain", "bias")[-1 - j]
                        print(f"search: step {step} {name} -> {best:.4f}", flush=True)
                        break
    return w, bias, gain


def main(argv: list[str] | None = None) -> int:
    """Train on the tuning folds and write the weights file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strength", type=float, default=0.01, help="pull towards the prior")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the weights")
    parser.add_argument("--rounds", type=int, default=4, help="ROUGE search rounds (0: none)")
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
    gain = 0.5
    if args.rounds:
        from rouge_score import rouge_scorer

        tokenizer = rouge_scorer.RougeScorer(["rouge2"], use_stemmer=True)._tokenizer
        fitted = Model(tuple(map(float, w)), bias, idf, default)
        articles = [_Article(r, fitted, tokenizer.tokenize) for r in tune]
        w, bias, gain = search(articles, w, bias, gain, args.rounds)
    print("feature       weight  weight*sd")
    for name, wi, sd in zip(FEATURES, w, spread, strict=True):
        print(f"{name:12s} {wi:7.3f} {wi * sd:9.3f}")
    print(f"bias {bias:.3f}, length gain {gain:.3f}")
    data = {
        "about": "briefbot sentence ranker: logistic-regression weights over bot.summarise."
        "FEATURES and a stem IDF table, trained by bench/train_summariser.py on the tuning "
        "folds of the BBC News Summary dev set.",
        "features": list(FEATURES),
        "weights": {name: round(float(wi), 4) for name, wi in zip(FEATURES, w, strict=True)},
        "bias": round(bias, 4),
        "length_gain": round(gain, 4),
        "idf_default": default,
        "idf": dict(sorted(idf.items())),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
