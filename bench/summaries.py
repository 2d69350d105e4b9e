"""Benchmark briefbot's sentence ranker against Lead-k and sumy on BBC News Summary.

Run: .venv/bin/python bench/summaries.py [--limit N] [--format markdown|json] [--floor]

Every method gets the same input: the article body split by briefbot's sentence splitter
(`bot.analysis.sentences`). The dataset's `text` is meant to start with the title line; a first
line equal to the `title` field is treated as the title and never offered as a candidate
sentence, for every method (in the dev file the title is only in `title`, so the body is the
whole `text`). sumy gets those pre-split sentences as its own document objects, words from a
simple regex tokenizer (its default tokenizer needs NLTK data that cannot be downloaded here).
Timing covers raw text to chosen sentences, in one process and one thread, as process CPU
time with the methods interleaved article by article (fair when the machine is shared).
`--floor` adds a method that only splits, counts words and sums them per sentence: the least
work any centrality ranker does, timed in the same run (a ceiling for our docs/s ratio).
"""

from __future__ import annotations

import os

# One thread for every method: numpy (sumy's LSA) would otherwise use every core.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from itertools import chain  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bot.analysis.sentences import split_sentences, split_spans  # noqa: E402
from bot.summarise import summarize_text  # noqa: E402
from bot.summary_features import WORDS  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FILE = DATA / "bbc-news-summary-dev.jsonl"
_WORDS = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")

Method = Callable[[str, str, int], list[str]]


def is_held_out(article_id: str) -> bool:
    """The held-out fifth: never used for tuning or training."""
    return int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 5 == 0


def load_rows() -> list[dict[str, Any]] | None:
    """The BBC dev articles, or None when the data folder is absent."""
    if not FILE.exists():
        return None
    with FILE.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def body_of(row: dict[str, Any]) -> str:
    """The article without its title line (when `text` starts with the title)."""
    text: str = row["text"]
    first, _, rest = text.partition("\n")
    if first.strip().rstrip(".").lower() == row["title"].strip().rstrip(".").lower():
        return rest
    return text


class RegexTokenizer:
    """A sumy tokenizer that needs no NLTK data: sentences are already split."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """One sentence: the caller splits."""
        return (paragraph,)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Alphanumeric words."""
        return tuple(_WORDS.findall(sentence))


def sumy_method(name: str) -> Method:
    """A sumy summariser fed with briefbot's sentences."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    classes = {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
    }
    summariser = classes[name](Stemmer("english"))
    summariser.stop_words = get_stop_words("english")
    tokenizer = RegexTokenizer()

    def run(body: str, title: str, k: int) -> list[str]:
        sents = [SumySentence(s.text, tokenizer) for s in split_sentences(body)]
        if not sents:
            return []
        document = ObjectDocumentModel([Paragraph(sents)])
        return [str(s) for s in summariser(document, k)]

    return run


def ours(body: str, title: str, k: int) -> list[str]:
    """briefbot's ranker."""
    return [s.text for s in summarize_text(body, k, title=title)]


def lead(body: str, title: str, k: int) -> list[str]:
    """The first k sentences."""
    return [s.text for s in split_sentences(body)[:k]]


def count_words(body: str, title: str, k: int) -> list[str]:
    """The floor of any ranker that counts words: split, count every word, sum per sentence.

    No feature, no stop words, no readability: only the work every centrality ranker does
    (one C-level split per sentence, one `Counter`, one lookup per word, a top-k).
    """
    spans = split_spans(body)
    spelled = body.encode("latin-1", "replace").translate(WORDS)
    words = [spelled[s:e].split() for s, e in spans]
    counts = Counter(chain.from_iterable(words))
    score = [sum(map(counts.__getitem__, w)) for w in words]
    top = sorted(range(len(spans)), key=score.__getitem__, reverse=True)[:k]
    return [body[spans[i][0] : spans[i][1]] for i in sorted(top)]


def methods() -> dict[str, Method]:
    """Every method in the table, in print order."""
    table: dict[str, Method] = {"briefbot": ours, "Lead-k": lead}
    for name, label in (
        ("lexrank", "sumy LexRank"),
        ("textrank", "sumy TextRank"),
        ("lsa", "sumy LSA"),
        ("luhn", "sumy Luhn"),
    ):
        table[label] = sumy_method(name)
    return table


def run(rows: list[dict[str, Any]], table: dict[str, Method]) -> dict[str, Any]:
    """Every method on every article at both lengths, interleaved, with CPU time per method.

    Interleaving (each article goes through every method in turn) and process CPU time keep the
    docs/s ratios fair when other work shares the machine.
    """
    picks: dict[str, dict[str, list[list[str]]]] = {n: {"3": [], "ref": []} for n in table}
    leads = [next(iter(split_sentences(body_of(row))), None) for row in rows]
    cpu = dict.fromkeys(table, 0.0)
    for setting in ("3", "ref"):
        print(f"summarising {len(rows)} articles at {setting} sentences...", file=sys.stderr)
        for row in rows:
            body, title = body_of(row), row["title"]
            k = 3 if setting == "3" else int(row["summary_sents"])
            for name, method in table.items():
                start = time.process_time()
                chosen = method(body, title, k)
                cpu[name] += time.process_time() - start
                picks[name][setting].append(chosen)
    out: dict[str, Any] = {}
    for name in table:
        print(f"scoring {name}...", file=sys.stderr, flush=True)
        out[name] = score(rows, picks[name])
        out[name]["docs_per_s"] = 2 * len(rows) / cpu[name] if cpu[name] else 0.0
        # How often the news lead is among the 3 sentences: the position prior at work.
        for fold, wanted in (("held_out", True), ("tuning", False)):
            kept = [
                lead is not None and lead.text in chosen
                for row, lead, chosen in zip(rows, leads, picks[name]["3"], strict=True)
                if is_held_out(row["id"]) == wanted
            ]
            out[name][f"{fold}_lead"] = 100 * statistics.fmean(kept) if kept else 0.0
    return out


def score(rows: list[dict[str, Any]], picks: dict[str, list[list[str]]]) -> dict[str, Any]:
    """Mean ROUGE F1 (x100) per fold and setting."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    out: dict[str, Any] = {}
    for fold, wanted in (("held_out", True), ("tuning", False)):
        for setting, chosen in picks.items():
            scores: dict[str, list[float]] = {"R-1": [], "R-2": [], "R-L": []}
            for row, sents in zip(rows, chosen, strict=True):
                if is_held_out(row["id"]) != wanted:
                    continue
                got = scorer.score(row["summary"], "\n".join(sents))
                for key, metric in (("R-1", "rouge1"), ("R-2", "rouge2"), ("R-L", "rougeL")):
                    scores[key].append(100 * got[metric].fmeasure)
            out[f"{fold}@{setting}"] = {
                k: statistics.fmean(v) if v else 0.0 for k, v in scores.items()
            }
            out[f"{fold}_n"] = len(scores["R-1"])
    return out


def check(rows: list[dict[str, Any]]) -> list[str]:
    """Problems with our summaries: sentences not in the source, empty summaries."""
    problems = []
    for row in rows:
        body = body_of(row)
        for n in (1, 3, int(row["summary_sents"])):
            got = summarize_text(body, n, title=row["title"])
            if body.strip() and not got:
                problems.append(f"{row['id']}: empty summary at n={n}")
            if len(got) > n or any(body[s.start : s.end] != s.text for s in got):
                problems.append(f"{row['id']}: bad sentences at n={n}")
    return problems


def markdown(results: dict[str, dict[str, Any]], n_rows: int) -> str:
    """The results as the markdown table kept in BENCHMARKS.md."""
    lines = [
        "| method | fold | R-1 @3 | R-2 @3 | R-L @3 | R-1 @ref | R-2 @ref | R-L @ref | lead @3 "
        "| docs/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for fold, label in (("held_out", "held-out"), ("tuning", "tuning")):
        for name, res in results.items():
            a, b = res[f"{fold}@3"], res[f"{fold}@ref"]
            lines.append(
                f"| {name} | {label} ({res[f'{fold}_n']}) | {a['R-1']:.1f} | {a['R-2']:.1f} | "
                f"{a['R-L']:.1f} | {b['R-1']:.1f} | {b['R-2']:.1f} | {b['R-L']:.1f} | "
                f"{res[f'{fold}_lead']:.0f}% | {res['docs_per_s']:,.0f} |"
            )
    return "\n".join(lines)


def verdict(results: dict[str, dict[str, Any]]) -> list[str]:
    """The targets of the summariser issue, checked on the held-out fold."""
    ours_ = results["briefbot"]
    others = [n for n in results if n != "briefbot" and not n.startswith("floor")]
    lines = []
    beat3 = all(ours_["held_out@3"]["R-2"] > results[n]["held_out@3"]["R-2"] for n in others)
    lines.append(f"held-out R-2 @3 above every other method: {'yes' if beat3 else 'NO'}")
    beat_ref = ours_["held_out@ref"]["R-2"] > results["Lead-k"]["held_out@ref"]["R-2"]
    lines.append(f"held-out R-2 @ref above Lead-k: {'yes' if beat_ref else 'NO'}")
    ratio = ours_["docs_per_s"] / results["sumy LexRank"]["docs_per_s"]
    lines.append(
        f"docs/s vs sumy LexRank: {ratio:.0f}x ({'yes' if ratio >= 50 else 'NO'}, need 50x)"
    )
    # What the same harness allows: the splitter alone, and counting words with no feature.
    lexrank = results["sumy LexRank"]["docs_per_s"]
    for name in ("Lead-k", "floor: count words"):
        if name in results:
            lines.append(f"  {name} in the same run: {results[name]['docs_per_s'] / lexrank:.0f}x")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run every method on the BBC dev set and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--only", nargs="*", help="run only these methods (by table name)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the floor of any word-counting ranker (no features) in the same run",
    )
    args = parser.parse_args(argv)
    rows = load_rows()
    if rows is None:
        print(f"No BBC data at {FILE}: nothing to benchmark (see DEVELOPERS.md, Data).")
        return 0
    if args.limit:
        rows = rows[: args.limit]
    problems = check(rows)
    table = {n: m for n, m in methods().items() if not args.only or n in args.only}
    if args.floor:
        table["floor: count words"] = count_words
    results: dict[str, dict[str, Any]] = run(rows, table)
    if args.format == "json":
        print(json.dumps({"articles": len(rows), "problems": problems, "results": results}))
        return 0
    print(f"BBC News Summary dev, {len(rows)} articles; ROUGE F1 x100 (rouge-score, stemming);")
    print("@3 = 3 sentences, @ref = the reference's sentence count; docs/s = articles per CPU")
    print("second over both settings, from raw text to chosen sentences, methods interleaved;")
    print("lead @3 = share of the 3-sentence summaries that contain the first sentence.")
    print()
    print(markdown(results, len(rows)))
    print()
    if "briefbot" in results and "Lead-k" in results and "sumy LexRank" in results:
        for line in verdict(results):
            print(line)
    print(f"summaries not from the source or empty: {len(problems)}")
    for p in problems[:10]:
        print("  " + p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
