"""Quote extraction benchmark on PolNeAR: quote P/R/F1, speaker accuracy, end-to-end P/R/F1.

Run: `.venv/bin/python bench/quotes.py [--split dev|train] [--format json] [--errors N]`;
`--fit-offers` refits `bot/data/quotes_offers.json` on the train split (never on dev) and
`--cv-offers` prints held-out quote F1 by offer threshold (5 folds by document, train); the speaker
reranker's weights come from `bench/train_speakers.py` (train only too).
Scoring follows ../shared/data/README.md exactly: a gold quote is each quotation-marked segment
inside a `quotes` content span (the attribution's `quoted_segments`, located inside one of its
`quote_spans`; a segment the annotators cut across two content spans lies inside neither and is
not gold), with the attribution's `speaker_spans` as its speaker; a speaker is right only when it
overlaps a gold speaker range (so a gold quote with no speaker range is never an end-to-end hit).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import DATA_DIR  # noqa: E402
from bot.analysis.marks import find_pieces  # noqa: E402
from bot.analysis.offers import fit, offer_probability  # noqa: E402
from bot.analysis.quotes import candidates, extract_quotes  # noqa: E402
from bot.analysis.speakers import FUNCTION_CAPS  # noqa: E402
from bot.models import Quote  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
_OPEN = "“„«"
_CLOSE = "”»"
_MARKS = _OPEN + _CLOSE + '"'
_EDGE = " \t\r\n\u00a0.,;:!?—–-…'\"“”‘’«»()[]"


@dataclass
class Gold:
    """A gold quotation-marked segment and the speaker ranges that count as right."""

    start: int
    end: int
    speakers: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Pred:
    """A predicted quote range and speaker mention range, both as offsets."""

    start: int
    end: int
    speaker: tuple[int, int] | None


def strip_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The range without quotation marks, white space and punctuation at its edges."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _opens(text: str, i: int) -> bool:
    """Whether the double mark at `i` opens a quotation (for the baseline's pairing)."""
    ch = text[i]
    if ch in _OPEN:
        return True
    if ch in _CLOSE:
        return False
    before = text[i - 1] if i else " "
    return before.isspace() or before in "([{—–-/:;,"


def _locate(text: str, segment: str, lo: int, hi: int, used: set[int]) -> tuple[int, int] | None:
    """Where `segment` (pieces joined by " … " where a span was cut) lies in text[lo:hi]."""
    parts = [p for p in segment.split(" … ") if p.strip(" .…")]
    if not parts:
        return None
    first = re.compile(r"\s+".join(re.escape(w) for w in parts[0].split()))
    pos = lo
    while m := first.search(text, pos, hi):
        start, end = m.start(), m.end()
        for p in parts[1:]:
            rx = re.compile(r"\s+".join(re.escape(w) for w in p.split()))
            n = rx.search(text, end, hi)
            if n is None:
                return None
            end = n.end()
        if start not in used:
            return start, end
        pos = start + 1
    return None


def gold_quotes(doc: dict[str, Any]) -> list[Gold]:
    """Each quotation-marked segment (`quoted_segments`) inside a `quotes` span, by its range."""
    text: str = doc["text"]
    by_range: dict[tuple[int, int], Gold] = {}
    for att in doc["quotes"]:
        speakers = [(a, b) for a, b in att["speaker_spans"]]
        spans = [(a, b) for a, b in att["quote_spans"]]
        lo = min(a for a, _ in spans)
        hi = max(b for _, b in spans)
        used: set[int] = set()
        for segment in att["quoted_segments"]:
            found = _locate(text, segment, lo, hi, used)
            if found is None:
                continue
            if not any(a <= found[0] and found[1] <= b for a, b in spans):
                continue  # cut across content spans: inside none of them (README: not gold)
            used.add(found[0])
            s, e = strip_range(text, *found)
            if e > s:
                g = by_range.setdefault((s, e), Gold(s, e))
                g.speakers.extend(speakers)
    return sorted(by_range.values(), key=lambda g: g.start)


def _words(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def match(text: str, golds: Sequence[Gold], preds: Sequence[Pred]) -> list[tuple[Gold, Pred]]:
    """Greedy one-to-one matching on overlap >= 50% of the longer stripped range."""
    pairs: list[tuple[float, int, int]] = []
    for gi, g in enumerate(golds):
        for pi, p in enumerate(preds):
            ps, pe = strip_range(text, p.start, p.end)
            inter = min(g.end, pe) - max(g.start, ps)
            longer = max(g.end - g.start, pe - ps)
            if inter > 0 and longer and inter >= 0.5 * longer:
                pairs.append((inter / longer, gi, pi))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out: list[tuple[Gold, Pred]] = []
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((golds[gi], preds[pi]))
    return out


def speaker_right(text: str, g: Gold, p: Pred) -> bool:
    """Whether the predicted mention (<= 8 words) overlaps a gold speaker range."""
    if p.speaker is None:
        return False
    s, e = p.speaker
    if _words(text, s, e) > 8:
        return False
    return any(min(e, b) > max(s, a) for a, b in g.speakers)


@dataclass
class Tally:
    """Counts for one method and one quote-length subset."""

    gold: int = 0
    pred: int = 0
    matched: int = 0
    speaker_ok: int = 0

    def row(self) -> dict[str, float]:
        def f1(p: float, r: float) -> float:
            return 2 * p * r / (p + r) if p + r else 0.0

        qp = self.matched / self.pred if self.pred else 0.0
        qr = self.matched / self.gold if self.gold else 0.0
        ep = self.speaker_ok / self.pred if self.pred else 0.0
        er = self.speaker_ok / self.gold if self.gold else 0.0
        acc = self.speaker_ok / self.matched if self.matched else 0.0
        return {
            "quote_p": 100 * qp,
            "quote_r": 100 * qr,
            "quote_f1": 100 * f1(qp, qr),
            "speaker_acc": 100 * acc,
            "e2e_p": 100 * ep,
            "e2e_r": 100 * er,
            "e2e_f1": 100 * f1(ep, er),
            "gold": self.gold,
            "pred": self.pred,
        }


_PERSONAL = {"he", "she", "they", "I", "we", "He", "She", "They", "We", "it", "It"}
_NAME = re.compile(r"\b(?:[A-Z][\w’'.-]+)(?:\s+[A-Z][\w’'.-]+)*|\b(?:he|she|they|it|we|I)\b")


def baseline(text: str) -> list[Pred]:
    """Every quoted span (our mark pairing, no filter), nearest name or pronoun as speaker."""
    spans = [(p.start, p.end) for p in find_pieces(text)]
    inside = [(s - 1, e + 1) for s, e in spans]
    names = []
    for m in _NAME.finditer(text):
        if any(a <= m.start() < b for a, b in inside):
            continue
        words = m.group().split()
        skip = 0
        while skip < len(words) and words[skip].lower() in FUNCTION_CAPS:
            skip += 1  # "The", "But": sentence openers, not names
        if skip == len(words) and words[0] not in _PERSONAL:
            continue
        start = m.start() + len(" ".join(words[:skip])) + (1 if skip else 0)
        names.append((start, m.end()) if skip < len(words) else (m.start(), m.end()))
    out: list[Pred] = []
    for s, e in spans:
        best = min(names, key=lambda n: min(abs(n[0] - e), abs(s - n[1])), default=None)
        out.append(Pred(s, e, best))
    return out


def ours(text: str) -> list[Pred]:
    """Our extractor's quotes as predictions."""
    return [_pred(q) for q in extract_quotes(text)]


def _pred(q: Quote) -> Pred:
    has = q.speaker_start is not None and q.speaker_end is not None
    return Pred(q.start, q.end, (q.speaker_start, q.speaker_end) if has else None)  # type: ignore[arg-type]


def evaluate(
    docs: Iterable[dict[str, Any]], method: Callable[[str], list[Pred]], errors: int = 0
) -> tuple[dict[str, dict[str, float]], float]:
    """Score `method` on `docs`: rows for all quotes and 4+ word quotes, and docs per second."""
    tallies = {"all": Tally(), "4+ words": Tally()}
    docs = list(docs)
    shown = 0
    outputs = [method(doc["text"]) for doc in docs]  # also warms caches before timing
    rate = throughput(docs, method)
    for doc, preds in zip(docs, outputs, strict=True):
        text = doc["text"]
        golds = gold_quotes(doc)
        for name, tally in tallies.items():
            gs = golds if name == "all" else [g for g in golds if _words(text, g.start, g.end) >= 4]
            ps = preds
            if name != "all":
                ps = [p for p in preds if _words(text, *strip_range(text, p.start, p.end)) >= 4]
            pairs = match(text, gs, ps)
            tally.gold += len(gs)
            tally.pred += len(ps)
            tally.matched += len(pairs)
            tally.speaker_ok += sum(speaker_right(text, g, p) for g, p in pairs)
            if name == "all" and shown < errors:
                shown += _show_errors(doc, gs, ps, pairs)
    return {k: t.row() for k, t in tallies.items()}, rate


def throughput(docs: Sequence[dict[str, Any]], method: Callable[[str], list[Pred]]) -> float:
    """Documents per second of `method` alone: the best of three timed passes (one thread)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for doc in docs:
            method(doc["text"])
        best = min(best, time.perf_counter() - t0)
    return len(docs) / best if best > 0 else 0.0


def _show_errors(
    doc: dict[str, Any],
    golds: Sequence[Gold],
    preds: Sequence[Pred],
    pairs: list[tuple[Gold, Pred]],
) -> int:
    """Print the misses, false alarms and wrong speakers of one document (for development)."""
    text: str = doc["text"]
    mg = {id(g) for g, _ in pairs}
    mp = {id(p) for _, p in pairs}

    def ctx(s: int, e: int) -> str:
        return text[max(0, s - 90) : s] + "[[" + text[s:e] + "]]" + text[e : e + 90]

    shown = 0
    for g in golds:
        if id(g) not in mg:
            print("MISS", repr(ctx(g.start, g.end)))
            shown += 1
    for p in preds:
        if id(p) not in mp:
            print("FALSE", repr(ctx(p.start, p.end)))
            shown += 1
    for g, p in pairs:
        if not speaker_right(text, g, p):
            got = text[p.speaker[0] : p.speaker[1]] if p.speaker else None
            want = [text[a:b] for a, b in g.speakers]
            print("SPEAKER got", repr(got), "want", want, repr(ctx(g.start, g.end)))
            shown += 1
    return shown


def offer_rows(docs: Sequence[dict[str, Any]]) -> list[tuple[int, int, int, list[str], bool]]:
    """(doc index, start, end, features, is it gold) for every quoted piece of `docs`."""
    rows: list[tuple[int, int, int, list[str], bool]] = []
    for i, doc in enumerate(docs):
        text = doc["text"]
        cands = candidates(text)
        preds = [Pred(p.start, p.end, None) for p, _ in cands]
        hit = {id(p) for _, p in match(text, gold_quotes(doc), preds)}
        for q, (p, f) in zip(preds, cands, strict=True):
            rows.append((i, p.start, p.end, f, id(q) in hit))
    return rows


def fit_rows(rows: Sequence[tuple[Any, ...]], min_count: int = 5) -> dict[str, float]:
    """Offer weights fitted on `rows` (features seen fewer than `min_count` times dropped)."""
    counts = Counter(f for r in rows for f in r[3])
    return fit([([f for f in r[3] if counts[f] >= min_count], r[4]) for r in rows])


def fit_offers(docs: Sequence[dict[str, Any]], out: Path) -> None:
    """Fit the offer weights on `docs` (train only): is a quoted piece a gold quote?"""
    rows = offer_rows(docs)
    out.write_text(json.dumps(fit_rows(rows), indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"fitted {len(rows)} pieces -> {out}")


def cv_offers(docs: Sequence[dict[str, Any]], thresholds: Sequence[float]) -> None:
    """Held-out quote F1 of the offer decision by threshold: 5 folds by document (train only)."""
    rows, gold = offer_rows(docs), [len(gold_quotes(d)) for d in docs]
    fold = [zlib.crc32(d["id"].encode()) % 5 for d in docs]
    tally = {t: [0, 0] for t in thresholds}  # matched, offered
    for k in range(5):
        w = fit_rows([r for r in rows if fold[r[0]] != k])
        for i, s, e, feats, y in (r for r in rows if fold[r[0]] == k):
            route = next(f[6:] for f in feats if f.startswith("route=") and "|" not in f)
            p = offer_probability(docs[i]["text"], s, e, route, "opens" in feats, w)
            for t in thresholds:
                if p is not None and p >= t:
                    tally[t] = [tally[t][0] + y, tally[t][1] + 1]
    for t, (tp, n) in tally.items():
        p_, r_ = tp / max(n, 1), tp / sum(gold)
        f1 = 200 * p_ * r_ / max(p_ + r_, 1e-9)
        print(f"threshold {t:.2f}: held-out quote P {100 * p_:.2f} R {100 * r_:.2f} F1 {f1:.3f}")


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table for one split."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "train"], default="dev")
    ap.add_argument("--format", choices=["table", "json"], default="table")
    ap.add_argument("--errors", type=int, default=0, help="print up to N errors of ours")
    ap.add_argument(
        "--fit-offers", action="store_true", help="refit bot/data/quotes_offers.json on train"
    )
    ap.add_argument("--cv-offers", action="store_true", help="offer thresholds by CV on train")
    args = ap.parse_args(argv)
    split = "train" if args.fit_offers or args.cv_offers else args.split
    path = DATA / f"polnear-quotes-{split}.jsonl"
    if not path.exists():
        print(f"PolNeAR data not found at {path}; nothing to benchmark (see DEVELOPERS.md, Data).")
        return 0
    with path.open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    if args.cv_offers:
        cv_offers(docs, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        return 0
    if args.fit_offers:
        fit_offers(docs, DATA_DIR / "quotes_offers.json")
        return 0
    results: dict[str, dict[str, Any]] = {}
    for name, method in (
        ("briefbot extract_quotes", ours),
        ("quoted spans + nearest name", baseline),
    ):
        rows, rate = evaluate(docs, method, args.errors if method is ours else 0)
        results[name] = {"rows": rows, "docs_per_s": rate}
    if args.format == "json":
        print(json.dumps({"split": args.split, "docs": len(docs), "results": results}, indent=2))
        return 0
    gold = next(iter(results.values()))["rows"]["all"]["gold"]
    print(f"PolNeAR {args.split}: {len(docs)} docs, {gold:.0f} gold quotes")
    print(
        "| method | subset | quote P | quote R | quote F1 | speaker acc. "
        "| e2e P | e2e R | e2e F1 | docs/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, res in results.items():
        for subset, r in res["rows"].items():
            print(
                f"| {name} | {subset} | {r['quote_p']:.1f} | {r['quote_r']:.1f} | "
                f"{r['quote_f1']:.1f} | {r['speaker_acc']:.1f} | {r['e2e_p']:.1f} | "
                f"{r['e2e_r']:.1f} | {r['e2e_f1']:.1f} | {res['docs_per_s']:.0f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
