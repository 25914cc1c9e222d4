"""A quick retrieval and citation check on a news-QA set (e.g. ../shared/eval/realtimeqa).

    python -m index.evaluate --corpus PATH/corpus.jsonl --questions PATH/questions-dev.jsonl --data-dir DIR

Indexes the corpus into DIR (incrementally: a second run reuses it), asks every question with
--as-of set to its ``asked_on`` date, and prints article-level Hits@1/5/10 and MRR@10 of a gold
article among the retrieved and among the cited articles, the answer rate with and without the
gold articles, and the evidence scores that calibrate ``answer.min_evidence``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from config.settings import load_settings
from index.retrieval import Query
from index.wiring import Newsbot


def record_to_article(bot: Newsbot, corpus: Path) -> dict[str, str]:
    """Each record id of the corpus mapped to the article it is indexed as (duplicates included)."""
    scan = bot.reader.scan([corpus])
    by_path = {a.path: a.id for a in scan.articles}
    mapping = {a.record_id: a.id for a in scan.articles if a.record_id}
    line_ids: dict[str, str] = {}
    if corpus.suffix == ".jsonl":
        for number, line in enumerate(corpus.read_text(encoding="utf-8").split("\n"), 1):
            if line.strip():
                line_ids[f"{corpus.name}#L{number}"] = str(json.loads(line).get("id"))
    for dup in scan.duplicates:
        if dup.path in line_ids and dup.same_as in by_path:
            mapping.setdefault(line_ids[dup.path], by_path[dup.same_as])
    return mapping


def ranked_articles(passages: Sequence[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for p in passages:
        seen.setdefault(p.article_id, None)
    return list(seen)


def hits(ranked: list[str], gold: set[str], k: int) -> float:
    return 1.0 if any(a in gold for a in ranked[:k]) else 0.0


def mrr(ranked: list[str], gold: set[str], k: int = 10) -> float:
    for i, a in enumerate(ranked[:k], 1):
        if a in gold:
            return 1.0 / i
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", type=Path, help="write one JSON line per question here")
    args = parser.parse_args(argv)

    bot = Newsbot(load_settings(index={"data_dir": args.data_dir}))
    report = bot.indexer.sync([args.corpus])
    print(report.summary(), file=sys.stderr)
    mapping = record_to_article(bot, args.corpus)
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    questions = questions[: args.limit] if args.limit else questions

    rows = []
    for q in questions:
        gold = {mapping[g] for g in q["gold_article_ids"] if g in mapping}
        as_of = date.fromisoformat(q["asked_on"])
        query = Query(q["question"], as_of=as_of)
        started = time.perf_counter()
        ranked = ranked_articles(bot.retriever.retrieve(query, k=40))
        retrieve_ms = (time.perf_counter() - started) * 1000
        answer = bot.answerer.answer(query)
        cited = ranked_articles(answer.citations)
        evidence = _best_evidence(bot, query)
        without = Query(q["question"], as_of=as_of, exclude_article_ids=tuple(sorted(gold)))
        answer_without = bot.answerer.answer(without)
        quotes = " ".join(c.quote for c in answer.citations).lower()
        rows.append(
            {
                "id": q["id"],
                "gold_found": bool(gold),
                "retrieved": [hits(ranked, gold, k) for k in (1, 5, 10)] + [mrr(ranked, gold)],
                "cited": [hits(cited, gold, k) for k in (1, 5, 10)],
                "answered": answer.answered,
                "supported": any(_norm(a) in _norm(quotes) for a in q["answers"]),
                "answered_without_gold": answer_without.answered,
                "evidence": evidence,
                "evidence_without_gold": _best_evidence(bot, without),
                "retrieve_ms": retrieve_ms,
                "answer_ms": answer.timings_ms["total"],
            }
        )
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    _print_summary(rows)
    return 0


def _best_evidence(bot: Newsbot, query: Query) -> float:
    vector = bot.embedder.embed_query(query.text)
    chosen = bot.answerer.select(query.text, vector, bot.retriever.retrieve(query, query_vector=vector))
    return chosen[0].score if chosen else 0.0


def _norm(text: str) -> str:
    import re

    text = text.lower().replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _print_summary(rows: list[dict[str, Any]]) -> None:
    n = len(rows)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    r = [mean([row["retrieved"][i] for row in rows]) for i in range(4)]
    c = [mean([row["cited"][i] for row in rows]) for i in range(3)]
    answered = [row for row in rows if row["answered"]]
    print(f"questions {n} (gold article indexed for {sum(row['gold_found'] for row in rows)})")
    print(f"retrieved articles: hits@1 {r[0]:.3f}  hits@5 {r[1]:.3f}  hits@10 {r[2]:.3f}  mrr@10 {r[3]:.3f}")
    print(f"cited articles:     hits@1 {c[0]:.3f}  hits@5 {c[1]:.3f}  hits@10 {c[2]:.3f}")
    print(
        f"answered {len(answered) / n:.3f}; gold cited when answered {mean([row['cited'][2] for row in answered]):.3f}"
    )
    print(f"answer text in the cited quotes: {mean([float(row['supported']) for row in rows]):.3f}")
    print(f"answered with gold removed: {mean([float(row['answered_without_gold']) for row in rows]):.3f}")
    for name in ("evidence", "evidence_without_gold"):
        values = sorted(row[name] for row in rows)
        quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
        print(f"{name}: min {values[0]:.3f} q1 {quartiles[0]:.3f} median {quartiles[1]:.3f} q3 {quartiles[2]:.3f}")
    for name in ("retrieve_ms", "answer_ms"):
        values = sorted(row[name] for row in rows)
        print(
            f"{name}: p50 {values[len(values) // 2]:.0f}  p95 {values[min(len(values) - 1, int(len(values) * 0.95))]:.0f}"
        )


if __name__ == "__main__":
    sys.exit(main())
