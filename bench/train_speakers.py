"""Fit the speaker reranker's weights on PolNeAR train; writes bot/data/quotes_speakers.json.

Run: `.venv/bin/python bench/train_speakers.py [--folds 5] [--l2 X ...] [--no-write]`

Reads only the train split. For every offered quotation that matches a gold quote, the
candidates of `bot.analysis.reranker` are labelled right when they overlap a gold speaker range
(the benchmark's rule). A conditional logit (softmax over one quotation's candidates) is fitted
by full-batch Adam on sparse binary features with an L2 penalty. Cross-validation by document
(`--folds`) picks the penalty, the score margin by which a candidate must beat the rules' pick,
the probability a pick needs when the rules found nobody (right at least half the time), and the
rule routes the model may revise (those where it fixed at least MIN_GAIN of the quotes), and
reports the rules' speaker accuracy against the model's on the held-out folds; the final weights
are then fitted on all of train. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quotes import DATA, Pred, gold_quotes, match  # noqa: E402

from bot import DATA_DIR  # noqa: E402
from bot.analysis.quotes import speaker_candidates  # noqa: E402

OUT = DATA_DIR / "quotes_speakers.json"
THRESHOLDS = (1.01, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)  # ties go to the more cautious
MARGINS = (math.inf, 4.0, 2.0, 1.0, 0.5, 0.0)
# A pick where the rules found nobody must be right this often on held-out folds: a wrong
# speaker misleads a reader more than a missing one.
PRECISION = 0.5
# A route is revised only when the model fixes at least this share of its quotes on held-out
# documents: gathering candidates costs about as much as the rules, and a smaller gain is noise.
MIN_GAIN = 0.005


@dataclass
class Group:
    """One matched quotation: its candidates' features and labels, and which is the rule's."""

    doc: int
    feats: list[list[str]]
    labels: list[bool]
    rule: int  # index of the rule's pick, -1 when the rules found nobody
    route: str  # how the rules found it (`quotes._attribute`)


def load(path: Path) -> list[Group]:
    """The matched quotations of the train split with their labelled candidates."""
    groups: list[Group] = []
    with path.open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    for d, doc in enumerate(docs):
        text = doc["text"]
        found = speaker_candidates(text)
        preds = [Pred(p.start, p.end, None) for p, _, _, _ in found]
        gold_of = {id(p): g for g, p in match(text, gold_quotes(doc), preds)}
        for pred, (_, rule, route, cands) in zip(preds, found, strict=True):
            g = gold_of.get(id(pred))
            if g is None:
                continue  # not a gold quotation: its speaker is never scored
            labels = [
                any(min(c.mention.end, b) > max(c.mention.start, a) for a, b in g.speakers)
                for c in cands
            ]
            rule_at = next((i for i, c in enumerate(cands) if c.mention == rule), -1)
            groups.append(Group(d, [list(c.feats) for c in cands], labels, rule_at, route))
    return groups


def fit(groups: list[Group], l2: float, steps: int = 800, rate: float = 0.05) -> dict[str, float]:
    """Conditional-logit weights over the groups that have a right candidate."""
    usable = [g for g in groups if any(g.labels) and len(g.labels) > 1]
    counts = Counter(f for g in usable for fs in g.feats for f in set(fs))
    vocab = sorted(f for f, n in counts.items() if n >= 3)
    index = {f: i for i, f in enumerate(vocab)}
    ent_c: list[int] = []
    ent_f: list[int] = []
    labels: list[float] = []
    starts: list[int] = []
    for g in usable:
        starts.append(len(labels))
        for fs, y in zip(g.feats, g.labels, strict=True):
            c = len(labels)
            labels.append(1.0 if y else 0.0)
            for f in fs:
                if f in index:
                    ent_c.append(c)
                    ent_f.append(index[f])
    ec, ef = np.array(ent_c), np.array(ent_f)
    y = np.array(labels)
    st = np.array(starts)
    sizes = np.diff(np.append(st, len(y)))
    grp = np.repeat(np.arange(len(st)), sizes)
    w = np.zeros(len(vocab))
    m1 = np.zeros_like(w)
    m2 = np.zeros_like(w)
    for t in range(1, steps + 1):
        s = np.bincount(ec, weights=w[ef], minlength=len(y))
        top = np.maximum.reduceat(s, st)
        e = np.exp(s - top[grp])
        p = e / np.add.reduceat(e, st)[grp]
        pos = np.add.reduceat(p * y, st)
        gs = p - y * p / pos[grp]
        grad = np.bincount(ef, weights=gs[ec], minlength=len(w)) / len(st) + l2 * w
        m1 = 0.9 * m1 + 0.1 * grad
        m2 = 0.999 * m2 + 0.001 * grad * grad
        w -= rate * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
    return {f: round(float(v), 4) for f, v in zip(vocab, w, strict=True) if abs(v) >= 1e-4}


def scores(g: Group, w: dict[str, float]) -> list[float]:
    """The linear score of each candidate of a group."""
    return [sum(w.get(f, 0.0) for f in fs) for fs in g.feats]


def choice(s: list[float], rule: int, margin: float, threshold: float) -> int:
    """As `reranker.choose`: the rule's pick unless beaten by `margin`; -1 for nobody."""
    if not s:
        return rule
    best = max(range(len(s)), key=s.__getitem__)
    if rule >= 0:
        return best if s[best] - s[rule] >= margin else rule
    top = s[best]
    prob = 1.0 / sum(math.exp(v - top) for v in s)
    return best if prob >= threshold else -1


def judge(
    groups: list[Group], held: list[list[float]], margin: float, threshold: float
) -> tuple[dict[str, int], int, int, int]:
    """Per route, right by the model minus right by the rules; and the rules' right answers,
    the picks added where the rules found nobody, and how many of those are right."""
    gain: dict[str, int] = {}
    rule_ok = added = added_ok = 0
    for g, s in zip(groups, held, strict=True):
        pick = choice(s, g.rule, margin, threshold)
        was = g.rule >= 0 and g.labels[g.rule]
        now = pick >= 0 and g.labels[pick]
        gain[g.route] = gain.get(g.route, 0) + now - was
        rule_ok += was
        added += g.rule < 0 and pick >= 0
        added_ok += g.rule < 0 and now
    return gain, rule_ok, added, added_ok


def main(argv: list[str] | None = None) -> int:
    """Cross-validate, then fit on all of train and write the weights."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, nargs="+", default=[1e-4, 3e-4, 1e-3, 3e-3])
    ap.add_argument("--no-write", action="store_true", help="cross-validate only")
    args = ap.parse_args(argv)
    path = DATA / "polnear-quotes-train.jsonl"
    if not path.exists():
        print(f"PolNeAR train not found at {path}; nothing to fit.")
        return 0
    groups = load(path)
    n = len(groups)
    cover = sum(any(g.labels) for g in groups)
    print(f"{n} matched quotes; a right candidate for {cover} ({100 * cover / n:.1f}%)")
    sizes = Counter(g.route for g in groups)
    best: tuple[int, float, float, float, list[str]] = (0, 0.0, math.inf, 1.01, [])
    for l2 in args.l2:
        held: list[list[float]] = [[] for _ in groups]
        for k in range(args.folds):
            w = fit([g for g in groups if g.doc % args.folds != k], l2)
            for i, g in enumerate(groups):
                if g.doc % args.folds == k:
                    held[i] = scores(g, w)
        for margin in MARGINS:
            for t in THRESHOLDS:
                gain, rule_ok, added, added_ok = judge(groups, held, margin, t)
                # The model revises only the routes where it gained on held-out documents.
                routes = sorted(r for r, v in gain.items() if v >= MIN_GAIN * sizes[r] and v > 0)
                won = sum(gain[r] for r in routes)
                print(
                    f"l2={l2:g} margin={margin:g} threshold={t:.2f}: speaker acc. rules "
                    f"{100 * rule_ok / n:.2f} model {100 * (rule_ok + won) / n:.2f} "
                    f"({won:+d} on routes {','.join(routes) or '-'}; per route "
                    f"{' '.join(f'{r}:{v:+d}/{sizes[r]}' for r, v in sorted(gain.items()))}; "
                    f"{added_ok} of {added} added right)"
                )
                if won > best[0] and (not added or added_ok >= PRECISION * added):
                    best = (won, l2, margin, t, routes)
    won, l2, margin, threshold, routes = best
    print(
        f"chosen: l2={l2:g} margin={margin:g} threshold={threshold:.2f} routes={routes} "
        f"({won:+d} right of {n} held-out quotes)"
    )
    if args.no_write:
        return 0
    w = fit(groups, l2) if routes else {}
    OUT.write_text(
        json.dumps(
            {
                "l2": l2,
                "margin": min(margin, 1e9),
                "routes": routes,
                "threshold": threshold,
                "weights": w,
            },
            indent=0,
            sort_keys=True,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"fitted {len(w)} weights on {n} quotes -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
