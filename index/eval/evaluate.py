"""`newsbot eval`: newsbot beside BM25 and plain dense retrieval on a news-QA set (e.g. RealTimeQA).

Indexes the corpus into its own data directory (incrementally: a second run reuses it), then sends
every question through the same Answerer the bot uses, as of the question's ``asked_on`` date, and
again with its gold articles excluded by a filter. Writes ``summary.json`` and ``questions.jsonl``.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from newsbot.config.errors import EvalInputError
from newsbot.index.app import Answer, Newsbot, Query, asks_for_recency, conversation_turn

K_VALUES = (1, 5, 10)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    asked_on: date | None
    answers: tuple[str, ...]  # none: no article answers it, and newsbot should say so
    gold: tuple[str, ...]  # record ids, URLs or paths as the corpus names them
    follows: str | None = None  # the id of the question this one follows up (asked with it as context)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def read_questions(path: Path, limit: int | None = None) -> list[Question]:
    """One JSON object a line: id, question, asked_on (YYYY-MM-DD, optional), answers (empty: no article
    answers it), gold_article_ids, and follows (optional: the id of an earlier question this one follows up)."""
    questions: list[Question] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalInputError(f"cannot read the questions file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{where}: not valid JSON ({exc.msg}); fix that line") from None
        if not isinstance(record, dict):
            raise EvalInputError(f"{where}: expected a JSON object")
        for field in ("id", "question", "gold_article_ids"):
            if field not in record:
                raise EvalInputError(f"{where}: missing field {field!r}")
        try:
            asked_on = date.fromisoformat(record["asked_on"]) if record.get("asked_on") else None
        except (TypeError, ValueError):
            raise EvalInputError(f"{where}: asked_on {record.get('asked_on')!r} is not a YYYY-MM-DD date") from None
        questions.append(
            Question(
                str(record["id"]),
                str(record["question"]),
                asked_on,
                tuple(str(a) for a in record.get("answers") or ()),
                tuple(str(g) for g in record["gold_article_ids"]),
                str(record["follows"]) if record.get("follows") else None,
            )
        )
        if limit and len(questions) >= limit:
            break
    return questions


# ----------------------------------------------------------------------------------------- metrics


def unique(ids: Iterable[str]) -> list[str]:
    """Each id once, in first-seen order (article level: several passages of one article count once)."""
    return list(dict.fromkeys(ids))


def hits_at(ranked: Sequence[str], gold: set[str], k: int) -> float:
    return 1.0 if any(a in gold for a in unique(ranked)[:k]) else 0.0


def mrr_at(ranked: Sequence[str], gold: set[str], k: int = 10) -> float:
    for rank, article in enumerate(unique(ranked)[:k], 1):
        if article in gold:
            return 1.0 / rank
    return 0.0


_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


def normalise(text: str) -> str:
    """Lower case, curly quotes made straight, every non-word character a space, spaces collapsed."""
    text = text.translate(_QUOTES).lower()
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def supports(quotes: Iterable[str], answers: Iterable[str]) -> bool:
    """Whether one answer text appears in the cited quotes, as whole words after `normalise`."""
    haystack = f" {normalise(' '.join(quotes))} "
    return any(n and f" {n} " in haystack for n in (normalise(a) for a in answers))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return float(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)])


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def retrieval_metrics(rankings: list[tuple[list[str], set[str]]]) -> dict[str, float]:
    out = {f"hits@{k}": mean([hits_at(r, g, k) for r, g in rankings]) for k in K_VALUES}
    out["mrr@10"] = mean([mrr_at(r, g, 10) for r, g in rankings])
    return {k: round(v, 4) for k, v in out.items()}


# ----------------------------------------------------------------------------------------- the run


def gold_mapping(services: Newsbot, corpus: list[Path]) -> dict[str, str]:
    """Each record id of the corpus mapped to the article it is indexed as (a duplicate to its kept twin)."""
    articles, duplicates = services.read_corpus(corpus)
    by_path = {a.path: a.id for a in articles}
    mapping = {a.record_id: a.id for a in articles if a.record_id}
    for a in articles:
        mapping.setdefault(a.id, a.id)
        if a.path:
            mapping.setdefault(a.path, a.id)
    for dup in duplicates:
        record_id = _record_id_at(corpus, dup.path)
        if record_id and dup.same_as in by_path:
            mapping.setdefault(record_id, by_path[dup.same_as])
    return mapping


def _record_id_at(corpus: list[Path], where: str) -> str | None:
    """The id field of the JSONL record at `file#L12` (duplicates are reported by place, not id)."""
    match = re.fullmatch(r"(.+)#L(\d+)", where)
    if not match:
        return None
    for root in corpus:
        file = root if root.is_file() else root / match[1]
        if file.is_file() and (root.is_dir() or file.name == match[1]):
            lines = file.read_text(encoding="utf-8").split("\n")
            number = int(match[2])
            if number <= len(lines):
                try:
                    return str(json.loads(lines[number - 1]).get("id"))
                except (json.JSONDecodeError, AttributeError):
                    return None
    return None


def answer_holders(services: Newsbot, corpus: list[Path], questions: list[Question]) -> dict[str, set[str]]:
    """Per question, every indexed article whose title or text contains one of its answer texts.

    RealTimeQA's distractors are search results for the same question and often hold the answer
    too: filtering out only the gold articles leaves questions that can still be answered.
    """
    texts = [(a.id, " " + normalise((a.title or "") + " " + a.text) + " ") for a in services.read_corpus(corpus)[0]]
    out: dict[str, set[str]] = {}
    for q in questions:
        needles = [f" {n} " for n in (normalise(a) for a in q.answers) if n]
        out[q.id] = {article_id for article_id, text in texts if any(n in text for n in needles)}
    return out


class Baselines:
    """BM25 alone and llama-index's plain dense retriever, on the same chunks and embedder."""

    def __init__(self, services: Newsbot, k: int) -> None:
        self.services = services
        self.k = k
        self.dense = services.llama_dense_retriever(k * 4)

    def bm25(self, question: str) -> list[str]:
        return unique(self.services.bm25_article_ids(question, self.k * 4))[: self.k]

    def dense_articles(self, question: str) -> list[str]:
        return unique(str(n.node.metadata.get("article_id")) for n in self.dense.retrieve(question))[: self.k]


# Passages asked for per article ranked: an article's several passages count once, so k articles need more.
PASSAGES_PER_ARTICLE = 4


def evaluate(
    services: Newsbot,
    questions: list[Question],
    corpus: list[Path],
    k: int = 10,
    baselines: bool = True,
    generator: Any = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Ask every question (with and without its gold articles); the summary and one row per question. With a
    ``generator`` (a GeneratingAnswerer), its answers to the same questions are measured beside the reader's.

    A question is asked as of its ``asked_on`` date, else as of today (as the CLI asks); one that follows up
    another is asked with that one as its context (as the REPL and Discord do); one that no article answers
    (no answer texts) is asked once, and newsbot should say it cannot find the answer."""
    mapping = gold_mapping(services, corpus)
    holders = answer_holders(services, corpus, questions)
    answerer = services.answerer
    base = Baselines(services, k) if baselines else None
    answerer.answer(Query("warm up the model and the stores"))  # latency is measured in a warm process
    turns = {q.id: q.text for q in questions}  # what each question lends a follow-up (conversation_turn)
    today = date.today()
    rows: list[dict[str, Any]] = []
    ours: list[tuple[list[str], set[str]]] = []
    bm25: list[tuple[list[str], set[str]]] = []
    dense: list[tuple[list[str], set[str]]] = []
    timings: dict[str, list[float]] = {"retrieve": [], "answer": [], "total": []}
    for q in questions:
        gold = {mapping[g] for g in q.gold if g in mapping}
        as_of = q.asked_on or today
        context = turns.get(q.follows) if q.follows else None

        ask = partial(_ask, answerer, Query(q.text, as_of=as_of, context=context), k * PASSAGES_PER_ARTICLE)
        answer = ask(set())
        turns[q.id] = conversation_turn(answer)
        for name in timings:
            timings[name].append(answer.timings_ms[name])
        retrieved = unique(p.article_id for p in answer.retrieved)[:k]
        cited = unique(c.article_id for c in answer.citations)
        row: dict[str, Any] = {
            "id": q.id,
            "answerable": q.answerable,
            "follow_up": q.follows is not None,
            "answered": answer.answered,
            "retrieved_article_ids": retrieved,
            "cited_article_ids": cited,
            "answer": answer.text,
            "evidence": round(answer.evidence, 4),
            "timings_ms": {name: round(v, 2) for name, v in answer.timings_ms.items()},
        }
        rows.append(row)
        if not q.answerable:
            continue
        ours.append((retrieved, gold))
        without = ask(gold)
        without_answers = ask(holders[q.id] | gold)
        row |= {
            "gold_article_ids": sorted(gold),
            "gold_cited": bool(gold & set(cited)),
            "supported": answer.answered and supports((c.quote for c in answer.citations), q.answers),
            "answered_without_gold": without.answered,
            "answered_without_answer_articles": without_answers.answered,
            "answer_articles": len(holders[q.id] | gold),
            "short_answer": answer.short_answer.text if answer.short_answer else None,
            "short_answer_right": bool(
                answer.answered and answer.short_answer and supports([answer.short_answer.text], q.answers)
            ),
            "evidence_without_gold": round(without.evidence, 4),
            "evidence_without_answer_articles": round(without_answers.evidence, 4),
        }
        if generator is not None:
            row["generated"] = generated_row(generator, q, gold, k * PASSAGES_PER_ARTICLE)
        if base is not None:
            row["bm25_article_ids"] = base.bm25(q.text)
            row["dense_article_ids"] = base.dense_articles(q.text)
            bm25.append((row["bm25_article_ids"], gold))
            dense.append((row["dense_article_ids"], gold))
    summary = summarise(rows, ours, timings, {"bm25": bm25, "dense": dense} if base is not None else {})
    if generator is not None:
        summary["generator"] = generator_summary(
            generator.chat.label, [r["generated"] for r in rows if r["answerable"]]
        )
    return summary, rows


def _ask(answerer: Any, query: Query, passages: int, exclude: set[str]) -> Answer:
    """One question answered with some articles filtered out."""
    found: Answer = answerer.answer(replace(query, exclude_article_ids=tuple(sorted(exclude))), k=passages)
    return found


def summarise(
    rows: list[dict[str, Any]],
    ours: list[tuple[list[str], set[str]]],
    timings: dict[str, list[float]],
    baselines: dict[str, list[tuple[list[str], set[str]]]],
) -> dict[str, Any]:
    """The figures of one run: retrieval, citations and abstention over the questions an article answers;
    abstention over those none does; follow-ups apart from the questions asked on their own."""
    rows_a = [r for r in rows if r["answerable"]]
    answered = [r for r in rows_a if r["answered"]]
    summary: dict[str, Any] = {
        "questions": len(rows_a),
        "retrieval": retrieval_metrics(ours),
        "gold_cited_rate": round(mean([float(r["gold_cited"]) for r in answered]), 4),
        "answer_support": round(mean([float(r["supported"]) for r in rows_a]), 4),
        "short_answer_right": round(mean([float(r["short_answer_right"]) for r in answered]), 4),
        "abstention": {
            "abstain_rate_without_gold": round(mean([float(not r["answered_without_gold"]) for r in rows_a]), 4),
            "abstain_rate_without_answer_articles": round(
                mean([float(not r["answered_without_answer_articles"]) for r in rows_a]), 4
            ),
            "answer_rate_with_gold": round(mean([float(r["answered"]) for r in rows_a]), 4),
        },
        "latency_ms": {
            name: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
            for name, v in timings.items()
        },
        "baselines": {name: retrieval_metrics(found) for name, found in baselines.items()},
    }
    unanswerable = [r for r in rows if not r["answerable"]]
    if unanswerable:
        summary["unanswerable"] = {
            "questions": len(unanswerable),
            "abstained": round(mean([float(not r["answered"]) for r in unanswerable]), 4),
        }
    follow_ups = [r for r in rows_a if r["follow_up"]]
    if follow_ups:
        alone = [r for r in rows_a if not r["follow_up"]]
        summary["follow_ups"] = {
            "questions": len(follow_ups),
            "answer_support": round(mean([float(r["supported"]) for r in follow_ups]), 4),
            "answer_support_asked_alone": round(mean([float(r["supported"]) for r in alone]), 4),
        }
    return summary


def evaluate_later(
    services: Newsbot, questions: list[Question], corpus: list[Path], later: date, k: int = 10
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The archive asked later: every question asked on its own day and again as of ``later`` (years after the
    news, say), side by side. Questions that name a time relative to when they are asked ("this week",
    "recently", "now": text.asks_for_recency) mean something else later and are left out, as are those that
    no article answers or that have no day of their own."""
    mapping = gold_mapping(services, corpus)
    kept = [q for q in questions if q.answerable and q.asked_on and not q.follows and not asks_for_recency(q.text)]
    answerer = services.answerer
    answerer.answer(Query("warm up the model and the stores"))
    rows: list[dict[str, Any]] = []
    for q in kept:
        gold = {mapping[g] for g in q.gold if g in mapping}
        row: dict[str, Any] = {"id": q.id, "gold_article_ids": sorted(gold)}
        for when, day in (("on_the_day", q.asked_on), ("later", later)):
            answer: Answer = answerer.answer(Query(q.text, as_of=day), k=k * PASSAGES_PER_ARTICLE)
            row[when] = {
                "retrieved_article_ids": unique(p.article_id for p in answer.retrieved)[:k],
                "answered": answer.answered,
                "supported": answer.answered and supports((c.quote for c in answer.citations), q.answers),
            }
        row["bm25_article_ids"] = unique(services.bm25_article_ids(q.text, k * PASSAGES_PER_ARTICLE))[:k]
        rows.append(row)
    summary: dict[str, Any] = {
        "asked_later": later.isoformat(),
        "questions": len(kept),
        "left_out": len(questions) - len(kept),
    }
    for when in ("on_the_day", "later"):
        gold_of = [set(r["gold_article_ids"]) for r in rows]
        summary[when] = {
            "retrieval": retrieval_metrics([(r[when]["retrieved_article_ids"], g) for r, g in zip(rows, gold_of)]),
            "answer_support": round(mean([float(r[when]["supported"]) for r in rows]), 4),
            "answered": round(mean([float(r[when]["answered"]) for r in rows]), 4),
        }
    summary["bm25"] = retrieval_metrics([(r["bm25_article_ids"], set(r["gold_article_ids"])) for r in rows])
    day, late = summary["on_the_day"], summary["later"]
    summary["ratio"] = {
        "hits@5": round(late["retrieval"]["hits@5"] / day["retrieval"]["hits@5"], 4)
        if day["retrieval"]["hits@5"]
        else 0.0,
        "answer_support": round(late["answer_support"] / day["answer_support"], 4) if day["answer_support"] else 0.0,
    }
    return summary, rows


def later_table(summary: dict[str, Any]) -> str:
    """The asked-later figures as a short plain-text table."""
    lines = [
        f"{summary['questions']} questions asked on their day and as of {summary['asked_later']} "
        f"({summary['left_out']} left out: they name a time, follow up another, or have no day or answer)",
        "",
        f"{'':<12} {'hits@1':>7} {'hits@5':>7} {'hits@10':>7} {'mrr@10':>7} {'support':>8} {'answered':>9}",
    ]
    for name in ("on_the_day", "later"):
        m, r = summary[name], summary[name]["retrieval"]
        lines.append(
            f"{name:<12} {r['hits@1']:>7.3f} {r['hits@5']:>7.3f} {r['hits@10']:>7.3f} {r['mrr@10']:>7.3f} "
            f"{m['answer_support']:>8.3f} {m['answered']:>9.3f}"
        )
    b = summary["bm25"]
    lines.append(f"{'bm25 alone':<12} {b['hits@1']:>7.3f} {b['hits@5']:>7.3f} {b['hits@10']:>7.3f} {b['mrr@10']:>7.3f}")
    ratio = summary["ratio"]
    lines += ["", f"later / on the day: hits@5 {ratio['hits@5']:.3f}, support {ratio['answer_support']:.3f}"]
    return "\n".join(lines)


def generated_row(generator: Any, q: Question, gold: set[str], passages: int) -> dict[str, Any]:
    """One question answered by the generator, with its gold articles and without them."""
    answer: Answer = generator.answer(Query(q.text, as_of=q.asked_on), k=passages)
    without: Answer = generator.answer(
        Query(q.text, as_of=q.asked_on, exclude_article_ids=tuple(sorted(gold))), k=passages
    )
    cited = unique(c.article_id for c in answer.citations)
    asked = "generate" in answer.timings_ms  # the reader found an answer, so the model was asked
    return {
        "answered": answer.answered,
        "generated": answer.generated,
        "asked": asked,
        "answer": answer.text,
        "supported": answer.answered and supports((c.quote for c in answer.citations), q.answers),
        "words_hold_answer": answer.generated and supports([answer.text], q.answers),
        "gold_cited": bool(gold & set(cited)),
        "answered_without_gold": without.answered,
        "kept": len(re.findall(r"\[\d+\]", answer.text)) if answer.generated else 0,
        "dropped": [{"sentence": d.sentence, "reason": d.reason} for d in answer.dropped],
        "notice": answer.notice,
        "timings_ms": {name: round(v, 2) for name, v in answer.timings_ms.items()},
    }


def generator_summary(label: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The generated answers' figures, defined as the reader's are (beside them in the table)."""
    answered = [r for r in rows if r["answered"]]
    asked = [r for r in rows if r["asked"]]
    kept = sum(r["kept"] for r in asked)
    dropped = sum(len(r["dropped"]) for r in asked)
    first = [r["timings_ms"]["first_token"] for r in asked if "first_token" in r["timings_ms"]]
    total = [r["timings_ms"]["total"] for r in asked]
    return {
        "model": label,
        "asked": len(asked),
        "answer_support": round(mean([float(r["supported"]) for r in rows]), 4),
        "words_hold_answer": round(mean([float(r["words_hold_answer"]) for r in rows]), 4),
        "gold_cited_rate": round(mean([float(r["gold_cited"]) for r in answered]), 4),
        "answer_rate_with_gold": round(mean([float(r["answered"]) for r in rows]), 4),
        "abstain_rate_without_gold": round(mean([float(not r["answered_without_gold"]) for r in rows]), 4),
        "sentences": kept + dropped,
        "dropped_share": round(dropped / (kept + dropped), 4) if kept + dropped else 0.0,
        "nothing_survived": sum(1 for r in asked if not r["generated"] and not r["notice"]),
        "fell_back": sum(1 for r in asked if r["notice"]),
        "latency_ms": {
            "first_token": {"p50": round(percentile(first, 50), 1), "p95": round(percentile(first, 95), 1)},
            "total": {"p50": round(percentile(total, 50), 1), "p95": round(percentile(total, 95), 1)},
        },
    }


def table(summary: dict[str, Any]) -> str:
    """The figures as a short plain-text table."""
    lines = [
        f"{summary['questions']} questions",
        "",
        f"{'retrieval':<10} {'hits@1':>7} {'hits@5':>7} {'hits@10':>7} {'mrr@10':>7}",
    ]
    systems = [("newsbot", summary["retrieval"])] + list(summary.get("baselines", {}).items())
    for name, m in systems:
        lines.append(f"{name:<10} {m['hits@1']:>7.3f} {m['hits@5']:>7.3f} {m['hits@10']:>7.3f} {m['mrr@10']:>7.3f}")
    a = summary["abstention"]
    lat = summary["latency_ms"]
    lines += [
        "",
        f"answered with the gold article there   {a['answer_rate_with_gold']:.3f}",
        f"abstained with the gold article removed {a['abstain_rate_without_gold']:.3f}",
        f"abstained with every answer-holding article removed {a['abstain_rate_without_answer_articles']:.3f}",
        f"gold article cited when answered       {summary['gold_cited_rate']:.3f}",
        f"answer text in the cited quotes        {summary['answer_support']:.3f}",
        f"short answer holds the answer, of answered {summary['short_answer_right']:.3f}",
    ]
    if "unanswerable" in summary:
        u = summary["unanswerable"]
        lines.append(f"abstained on the {u['questions']} questions no article answers {u['abstained']:.3f}")
    if "follow_ups" in summary:
        f = summary["follow_ups"]
        lines.append(
            f"answer text quoted: {f['questions']} follow-ups {f['answer_support']:.3f}, "
            f"questions asked on their own {f['answer_support_asked_alone']:.3f}"
        )
    lines += [
        "",
        "latency ms  " + "  ".join(f"{n} p50 {v['p50']:.0f} p95 {v['p95']:.0f}" for n, v in lat.items()),
    ]
    g = summary.get("generator")
    if g:
        gl = g["latency_ms"]
        lines += [
            "",
            f"generated answers ({g['model']}; the model was asked for {g['asked']} questions)",
            f"{'':<45} {'reader':>7} {'model':>7}",
            f"{'answered with the gold article there':<45} {a['answer_rate_with_gold']:>7.3f} "
            f"{g['answer_rate_with_gold']:>7.3f}",
            f"{'abstained with the gold article removed':<45} {a['abstain_rate_without_gold']:>7.3f} "
            f"{g['abstain_rate_without_gold']:>7.3f}",
            f"{'gold article cited when answered':<45} {summary['gold_cited_rate']:>7.3f} {g['gold_cited_rate']:>7.3f}",
            f"{'answer text in the cited quotes':<45} {summary['answer_support']:>7.3f} {g['answer_support']:>7.3f}",
            f"answer text in the model's own words       {g['words_hold_answer']:.3f}",
            f"generated sentences dropped by the check   {g['dropped_share']:.3f} of {g['sentences']}"
            f" (nothing survived: {g['nothing_survived']}; endpoint failed or slow: {g['fell_back']})",
            f"latency ms  first token p50 {gl['first_token']['p50']:.0f} p95 {gl['first_token']['p95']:.0f}  "
            f"whole answer p50 {gl['total']['p50']:.0f} p95 {gl['total']['p95']:.0f}",
        ]
    return "\n".join(lines)


def run_eval(
    settings: Any,
    corpus: list[Path],
    questions_path: Path,
    out: Path | None,
    k: int = 10,
    limit: int | None = None,
    services: Newsbot | None = None,
    generator: str | None = None,
    asked_on: date | None = None,
) -> dict[str, Any]:
    """Index, evaluate, print the table, write summary.json and questions.jsonl to ``out``. ``generator``:
    also measure generated answers, from the [llm] endpoint ("settings") or the packaged local model ("local").
    ``asked_on``: the archive asked later instead (evaluate_later)."""
    questions = read_questions(questions_path, limit)
    services = services or Newsbot(settings)
    started = time.perf_counter()
    report = services.sync(corpus)
    print(f"index: {report.summary()} [{time.perf_counter() - started:.1f} s]", file=sys.stderr)
    if asked_on is not None:
        summary, rows = evaluate_later(services, questions, corpus, asked_on, k)
        print(later_table(summary))
    else:
        with generating(services, generator) as writer:
            summary, rows = evaluate(services, questions, corpus, k, generator=writer)
        print(table(summary))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (out / "questions.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(f"wrote {out / 'summary.json'} and {out / 'questions.jsonl'}", file=sys.stderr)
    return summary


@contextmanager
def generating(services: Newsbot, which: str | None) -> Iterator[Any]:
    """A GeneratingAnswerer over the evaluation's index, or None; "local" serves the packaged model meanwhile."""
    if which is None:
        yield None
        return
    llm = services.settings.llm
    local = None
    if which == "local":
        from newsbot.index.app import serve_local_model

        local = serve_local_model()
        llm = llm.model_copy(update={"base_url": local.base_url, "model": local.model})
    try:
        yield services.generating_answerer(llm)
    finally:
        if local is not None:
            local.close()
