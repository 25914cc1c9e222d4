"""`newsbot eval --fit`: fit the reader's four small models on a news-QA set and write their weights.

The set to fit on is RealTimeQA 2023 (../shared/eval/realtimeqa-2023: many questions, labels taken
from the pages that contain an answer); the 2022 dev questions are kept for reporting. Every
question is read twice: with the whole corpus, and with every article that contains an answer text
filtered out, so the answerability model sees passages that hold the answer and passages that only
look as if they might.

Labels, all from the answer texts (``evaluate.supports``: whole words after normalising):
- shortlist and sentence models: the sentence contains an answer text;
- span model: the span and an answer text are the same words, or one holds the other and the
  shorter has at least half the longer's words;
- answerability: some sentence of the passages read contains an answer text.

Calibration, stated once (docs/architecture.md): ``min_span`` is 0.5 (a short answer is shown when
the span model finds it more likely right than wrong), and ``min_confidence`` is the equal-error
point on the fit set: the share of questions answered whose read passages hold an answer equals the
share abstained on with every answer-holding article filtered out.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.config.errors import EvalInputError
from newsbot.index.app import (
    ANSWERABILITY_FEATURES,
    SENTENCE_FEATURES,
    SHORTLIST_FEATURES,
    SPAN_FEATURES,
    LinearModel,
    Newsbot,
    Passage,
    Query,
    Reader,
    ReaderModels,
    Sentence,
    answerability_features,
    rank_shortlist,
    relative_dense,
    says_what_is_asked,
)
from newsbot.index.eval.evaluate import Question, answer_holders, normalise, supports

MIN_SPAN = 0.5
L2 = 1.0  # ridge penalty on every weight but the bias: a few hundred questions, noisy labels


@dataclass
class Case:
    """One question read under one condition (``full`` corpus, or ``removed``: answer articles filtered out).

    ``kind``: "quiz" (a news-QA set read through the index: every model learns from it) or "sentences" (a
    SelQA section: the two rankers and the answerability model learn from it, the span model does not, as it
    has no answer texts). ``weight``: how much the case counts, so that each kind weighs alike in a fit."""

    question: Question
    condition: str
    pool: list[Sentence]
    labels: list[bool]
    kind: str = "quiz"
    weight: float = 1.0

    @property
    def answerable(self) -> bool:
        return any(self.labels)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 50, weights: np.ndarray | None = None
) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton's method (column 0 is the unpenalised bias); ``weights``:
    how much each row counts (1 each by default)."""
    w = np.zeros(x.shape[1])
    sw = np.ones(len(y)) if weights is None else weights
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (sw * (p - y)) + penalty * w
        hessian = (x * (sw * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def fit_listwise(
    groups: list[tuple[np.ndarray, np.ndarray]] | list[tuple[np.ndarray, np.ndarray, float]],
    l2: float = L2,
    iterations: int = 50,
) -> np.ndarray:
    """A ranking model: softmax over each group's candidates, every positive a target (conditional logit).

    What matters for the reader is which sentence of a question's passages comes first, so the
    sentences compete within their question instead of being scored against all others. Convex;
    Newton's method. Groups without a positive carry no information and are skipped. A group may carry a
    third item, its weight (1 by default).
    """
    weighted = [(g[0], g[1], float(g[2]) if len(g) > 2 else 1.0) for g in groups]  # type: ignore[misc]
    weighted = [(x, y, wt) for x, y, wt in weighted if y.any()]
    dim = weighted[0][0].shape[1]
    w = np.zeros(dim)
    for _ in range(iterations):
        gradient = l2 * w
        hessian = np.eye(dim) * (l2 + 1e-9)
        for x, y, wt in weighted:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            mean = p @ x
            positives = y.sum()
            gradient -= wt * ((y @ x) / positives - mean)
            centred = x - mean
            hessian += wt * (centred * p[:, None]).T @ centred
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def _ranker(
    names: Sequence[str],
    cases: list[Case],
    feature_rows: Callable[[Case], list[dict[str, float]]],
    label_rows: Callable[[Case], list[bool]],
) -> LinearModel:
    groups = []
    for case in cases:
        rows = feature_rows(case)
        if rows:
            x = np.array([[r.get(n, 0.0) for n in names] for r in rows], dtype=float)
            groups.append((x, np.array(label_rows(case), dtype=float), case.weight))
    return LinearModel(tuple(names), _rounded(fit_listwise(groups)))


def _rounded(weights: np.ndarray) -> tuple[float, ...]:
    """Five decimals, and 0.0 where rounding leaves -0.0 (the weights file reads as plain numbers)."""
    return tuple(round(float(w), 5) + 0.0 for w in weights)


def _model(
    names: Sequence[str], rows: list[dict[str, float]], labels: list[bool], weights: Sequence[float] | None = None
) -> LinearModel:
    x = np.array([[row.get(n, 0.0) for n in names] for row in rows], dtype=float)
    y = np.array(labels, dtype=float)
    sw = np.array(weights, dtype=float) if weights is not None else None
    return LinearModel(tuple(names), _rounded(fit_logistic(x, y, weights=sw)))


def span_label(span_text: str, answers: Sequence[str]) -> bool:
    span = normalise(span_text).split()
    for answer in answers:
        words = normalise(answer).split()
        if not words or not span:
            continue
        short, long = (span, words) if len(span) <= len(words) else (words, span)
        joined = f" {' '.join(long)} "
        if f" {' '.join(short)} " in joined and len(short) * 2 >= len(long):
            return True
    return False


def collect(services: Newsbot, questions: list[Question], corpus: list[Path], k: int) -> list[Case]:
    """Retrieve and featurise every question twice (whole corpus; answer articles removed)."""
    holders = answer_holders(services, corpus, questions)
    cases: list[Case] = []
    started = time.perf_counter()
    for i, q in enumerate(questions, 1):
        for condition, exclude in (("full", ()), ("removed", tuple(sorted(holders.get(q.id, set()))))):
            pool = services.reading_pool(Query(q.text, as_of=q.asked_on, exclude_article_ids=exclude), k)
            labels = [supports([s.text], q.answers) for s in pool]
            cases.append(Case(q, condition, pool, labels))
        if i % 25 == 0:
            print(f"fit: read {i}/{len(questions)} questions [{time.perf_counter() - started:.0f} s]", file=sys.stderr)
    return cases


def balanced(cases: list[Case]) -> list[Case]:
    """The cases with weights that make each kind count as much as the news questions in all (a SelQA set five
    times the size of the quiz set weighs each of its cases a fifth): no kind of question rules the fit."""
    counts: dict[str, int] = {}
    for case in cases:
        counts[case.kind] = counts.get(case.kind, 0) + 1
    quiz = counts.get("quiz") or max(counts.values(), default=1)
    return [replace(c, weight=quiz / counts[c.kind]) for c in cases]


def fit(cases: list[Case], reader: Reader) -> tuple[ReaderModels, dict[str, Any]]:
    """The four models, fitted in the order the reader uses them, and the fit set's figures."""
    cases = balanced(cases)
    # The shortlist model ranks the whole pool; the sentence model ranks the shortlist it leaves.
    shortlist = _ranker(SHORTLIST_FEATURES, cases, lambda c: [s.features for s in c.pool], lambda c: c.labels)
    placeholder = LinearModel(("bias",), (0.0,))
    cut = reader.shortlist

    def shortlisted(case: Case) -> list[tuple[Sentence, bool]]:
        pairs = sorted(zip(case.pool, case.labels), key=lambda p: shortlist.logit(p[0].features), reverse=True)[:cut]
        relative_dense([s for s, _ in pairs])
        return pairs

    kept = {id(c): shortlisted(c) for c in cases}
    sentence = _ranker(
        SENTENCE_FEATURES, cases, lambda c: [s.features for s, _ in kept[id(c)]], lambda c: [y for _, y in kept[id(c)]]
    )
    models = ReaderModels(shortlist, sentence, placeholder, placeholder, 0.5, MIN_SPAN)
    reader = Reader(models, reader.embed, reader.idf, reader.passages, reader.shortlist)

    ranked = [_rank(reader, c) for c in cases]
    span_rows: list[dict[str, float]] = []
    span_labels: list[bool] = []
    for case, sentences in zip(cases, ranked):
        if case.kind != "quiz":
            continue
        for s in sentences[:3]:
            for span, features in reader.spans(case.question.text, s, case.pool):
                span_rows.append(features)
                span_labels.append(span_label(span.text, case.question.answers))
    span_model = _model(SPAN_FEATURES, span_rows, span_labels) if any(span_labels) else placeholder
    models = ReaderModels(shortlist, sentence, span_model, placeholder, 0.5, MIN_SPAN)
    reader = Reader(models, reader.embed, reader.idf, reader.passages, reader.shortlist)

    chosen, answer_rows = _choices(reader, cases, ranked)
    read = [c for c, best, _ in chosen if best is not None]
    answerable = [c.answerable for c in read]
    answerability = _model(ANSWERABILITY_FEATURES, answer_rows, answerable, [c.weight for c in read])
    confidences = [answerability.prob(r) for r in answer_rows]
    # Calibrated on the news questions: the equal-error point is where newsbot answers as many of them as it
    # abstains on with every answer article removed.
    quiz = [i for i, c in enumerate(read) if c.kind == "quiz"]
    min_confidence = calibrate(
        [confidences[i] for i in quiz], [answerable[i] for i in quiz], [read[i].condition == "removed" for i in quiz]
    )
    models = ReaderModels(shortlist, sentence, span_model, answerability, round(min_confidence, 4), MIN_SPAN)
    return models, figures(chosen, confidences, min_confidence)


def _choices(
    reader: Reader, cases: list[Case], ranked: list[list[Sentence]]
) -> tuple[list[tuple[Case, Sentence | None, Any]], list[dict[str, float]]]:
    """Each case's quoted sentence and short answer (None when nothing was read), and the answerability
    features of those that have one, in the same order."""
    chosen: list[tuple[Case, Sentence | None, Any]] = []
    rows: list[dict[str, float]] = []
    for case, sentences in zip(cases, ranked):
        if not sentences:
            chosen.append((case, None, None))
            continue
        best, short, span_prob, agree = reader.choose(case.question.text, sentences, case.pool)
        rows.append(answerability_features(best, span_prob, agree))
        chosen.append((case, best, short))
    return chosen, rows


def _rank(reader: Reader, case: Case) -> list[Sentence]:
    """The reader's shortlist and order, from the features already computed (dense included)."""
    m = reader.models
    pool = sorted(case.pool, key=lambda s: m.shortlist.logit(s.features), reverse=True)[: reader.shortlist]
    relative_dense(pool)
    return rank_shortlist(m.sentence, pool)


def calibrate(confidences: list[float], answerable: list[bool], removed: list[bool]) -> float:
    """The threshold at which newsbot answers as large a share of the questions whose passages hold an
    answer as it abstains on with every answer-holding article removed (the equal-error point): neither
    a wrong answer nor a missed one counts for more."""
    holds = np.array([c for c, a, r in zip(confidences, answerable, removed) if a and not r])
    lacks = np.array([c for c, r in zip(confidences, removed) if r])
    if not len(holds) or not len(lacks):
        return 0.5
    candidates = np.unique(np.concatenate([holds, lacks]))
    gaps = [abs(float(np.mean(holds >= t)) - float(np.mean(lacks < t))) for t in candidates]
    return float(candidates[int(np.argmin(gaps))])


def figures(
    chosen: list[tuple[Case, Sentence | None, Any]], confidences: list[float], threshold: float
) -> dict[str, Any]:
    """How the fitted reader does on the fit set itself (its own figures, not a held-out measure)."""
    confidence = iter(confidences)
    out: dict[str, list[float]] = {"full_answered": [], "full_support": [], "removed_abstained": [], "short": []}
    for case, best, short in chosen:
        answered = best is not None and next(confidence) >= threshold and says_what_is_asked(best)
        if case.kind != "quiz":
            continue
        if case.condition == "full":
            out["full_answered"].append(float(answered))
            out["full_support"].append(
                float(answered and best is not None and supports([best.text], case.question.answers))
            )
            if answered and short is not None:
                out["short"].append(float(span_label(short.text, case.question.answers)))
        else:
            out["removed_abstained"].append(float(not answered))
    return {
        "answered_full": round(float(np.mean(out["full_answered"] or [0])), 4),
        "support_full": round(float(np.mean(out["full_support"] or [0])), 4),
        "abstained_removed": round(float(np.mean(out["removed_abstained"] or [0])), 4),
        "short_answer_right": round(float(np.mean(out["short"] or [0])), 4),
        "cases": len(chosen),
    }


def fortnight(question: Question) -> int:
    """The half a question falls in for the held-out measure: alternate fortnights by ISO week (a question
    with no date by its id)."""
    if question.asked_on is None:
        return zlib.crc32(question.id.encode()) % 2
    return (question.asked_on.isocalendar()[1] // 2) % 2


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not len(positives) or not len(negatives):
        return 0.5
    p = np.asarray(positives, dtype=float)[:, None]
    n = np.asarray(negatives, dtype=float)[None, :]
    return float(np.mean((p > n) + 0.5 * (p == n)))


def measure(models: ReaderModels, cases: list[Case], reader: Reader) -> dict[str, float]:
    """Fitted models on cases they were not fitted on: the fit's figures, how often the best sentence holds
    the answer (no threshold), and the answerability model's AUC: passages that hold an answer (whole
    corpus) against the same questions with every answer-holding article removed."""
    reader = Reader(models, reader.embed, reader.idf, reader.passages, reader.shortlist)
    chosen, rows = _choices(reader, cases, [_rank(reader, c) for c in cases])
    confidences = [models.answerability.prob(r) for r in rows]
    confidence = iter(confidences)
    holds: list[float] = []
    lacks: list[float] = []
    best_hits: list[float] = []
    for case, best, _ in chosen:
        p = next(confidence) if best is not None else 0.0
        if case.kind != "quiz":
            continue
        if case.condition == "removed":
            lacks.append(p)
        else:
            best_hits.append(float(best is not None and supports([best.text], case.question.answers)))
            if case.answerable:
                holds.append(p)
    found: dict[str, float] = dict(figures(chosen, confidences, models.min_confidence))
    found.pop("cases")
    found["best_sentence_holds_answer"] = round(float(np.mean(best_hits or [0])), 4)
    found["answerability_auc"] = round(auc(holds, lacks), 4)
    return found


def held_out(cases: list[Case], reader: Reader) -> dict[str, Any]:
    """Fit on one half of the fortnights and measure on the other, both ways round, averaged: how a choice of
    features or rules is judged without the dev questions (docs/experiments.md)."""
    halves = []
    for half in (0, 1):
        train = [c for c in cases if fortnight(c.question) != half]
        test = [c for c in cases if fortnight(c.question) == half]
        if not any(c.answerable for c in train) or not test:
            raise EvalInputError(
                "--held-out needs questions from at least two fortnights apart, with an answer found in each half"
            )
        models, _ = fit(train, reader)
        halves.append(measure(models, test, reader))
    out: dict[str, Any] = {k: round(float(np.mean([h[k] for h in halves])), 4) for k in halves[0]}
    out["cases"] = len(cases)
    return out


def write_weights(models: ReaderModels, info: dict[str, Any], path: Path) -> None:
    def part(m: LinearModel) -> dict[str, Any]:
        return {"features": list(m.features), "weights": list(m.weights)}

    data = {
        "command": info["command"],
        "fitted_on": info["fitted_on"],
        "figures": info["figures"],
        "min_confidence": models.min_confidence,
        "min_span": models.min_span,
        "shortlist": part(models.shortlist),
        "sentence": part(models.sentence),
        "span": part(models.span),
        "answerability": part(models.answerability),
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def sentence_cases(services: Newsbot, selqa: Path | None) -> list[Case]:
    """SelQA's fitting cases (eval/selqa.py), or none."""
    if selqa is None:
        return []
    from newsbot.index.eval.selqa import read_selqa

    return selqa_cases(services.answer_reader, services.embed_question, read_selqa(selqa))


@dataclass
class FitSet:
    """One news-QA set to fit on: its articles, its questions and the index they are read through."""

    corpus: list[Path]
    questions: list[Question]
    services: Newsbot


def collect_sets(sets: Sequence[FitSet]) -> list[Case]:
    """Every set's cases, each set read through its own index (collect)."""
    cases: list[Case] = []
    for s in sets:
        cases += collect(s.services, s.questions, s.corpus, s.services.settings.retrieval.k)
    return cases


def run_held_out(sets: Sequence[FitSet], selqa: Path | None = None) -> dict[str, Any]:
    """Collect, then fit and measure on alternate fortnights (see held_out); writes nothing."""
    services = sets[0].services
    return held_out(collect_sets(sets) + sentence_cases(services, selqa), services.answer_reader)


def run_fit(sets: Sequence[FitSet], out: Path, command: str, selqa: Path | None = None) -> dict[str, Any]:
    """Collect, fit, write the weights file; returns the fit set's figures. ``selqa``: a SelQA file whose
    questions the rankers and the answerability model learn from too (balanced())."""
    services = sets[0].services
    extra = sentence_cases(services, selqa)
    models, found = fit(collect_sets(sets) + extra, services.answer_reader)
    info = {
        "command": command,
        "fitted_on": {
            "questions": sum(len(s.questions) for s in sets),
            "corpus": [p.name if len(sets) == 1 else f"{p.parent.name}/{p.name}" for s in sets for p in s.corpus],
            "sentence_questions": len({c.question.id for c in extra}),
            "sentence_file": selqa.name if selqa else None,
            "date": date.today().isoformat(),
        },
        "figures": found,
    }
    write_weights(models, info, out)
    return found


def run_fit_command(
    sets: Sequence[tuple[list[Path], Path, Newsbot]],
    weights: Path | None,
    limit: int | None,
    held_out: bool = False,
    selqa: Path | None = None,
) -> dict[str, Any]:
    """`newsbot eval --fit`: index each set (its articles, its questions file, its own index), fit the reader on
    all their questions together, write its weights, print the fit's figures. With ``held_out``: fit on
    alternate fortnights, print the figures on the others, write nothing."""
    from newsbot.index.app import WEIGHTS_FILE
    from newsbot.index.eval.evaluate import read_questions

    fit_sets = []
    for corpus, questions_path, services in sets:
        questions = read_questions(questions_path, limit)
        started = time.perf_counter()
        report = services.sync(corpus)
        print(f"index: {report.summary()} [{time.perf_counter() - started:.1f} s]", file=sys.stderr)
        fit_sets.append(FitSet(corpus, questions, services))
    if held_out:
        found = run_held_out(fit_sets, selqa)
        print(json.dumps(found, indent=1))
        return found
    out = weights or WEIGHTS_FILE
    command = "newsbot eval --fit " + " ".join(
        " ".join(f"--corpus {c}" for c in corpus) + f" --questions {questions_path}"
        for corpus, questions_path, _ in sets
    )
    command += f" --selqa {selqa}" if selqa else ""
    found = run_fit(fit_sets, out, command, selqa)
    print(json.dumps(found, indent=1))
    print(f"wrote {out}", file=sys.stderr)
    return found


def selqa_cases(reader: Reader, embed_query: Callable[[str], Any], sections: list[Any]) -> list[Case]:
    """Fitting cases (eval.fitting.Case, kind "sentences") from SelQA: each question read in its own section
    (its answer sentences are the positives) and, where its article has another section, read in that one too
    (condition "removed": the same names and subject, no answer), so the answerability model learns that a
    passage about the right thing is not yet an answer."""
    from newsbot.index.eval.selqa import cached, section_vector, sentence_idf

    idf = sentence_idf(sections)
    embed = cached(reader.embed)
    ours = Reader(reader.models, embed, idf, reader.passages, reader.shortlist)
    by_article: dict[str, list[Any]] = {}
    for section in sections:
        by_article.setdefault(section.title, []).append(section)
    cases = []
    for number, section in enumerate(sections):
        vector = np.asarray(embed_query(section.question))
        question = Question(f"selqa-{number}", section.question, None, (), ())
        others = [o for o in by_article[section.title] if o.sentences != section.sentences]
        reads = [(section, "full")] + ([(others[number % len(others)], "removed")] if others else [])
        for read, condition in reads:
            text = "\n".join(read.sentences)
            starts = np.cumsum([0] + [len(t) + 1 for t in read.sentences[:-1]])
            passage_dense = float(section_vector(embed(list(read.sentences))) @ vector)
            passage = Passage(
                "selqa", "selqa", text, 0, len(text), read.title, None, None, None, None, 1.0, passage_dense
            )
            pool = ours.candidates(section.question, [passage], None)
            if not pool:
                continue
            for sentence, sv in zip(pool, embed([s.text for s in pool])):
                sentence.features["dense"] = float(np.dot(sv, vector))
            index = [int(np.searchsorted(starts, s.start, side="right") - 1) for s in pool]
            answers = section.answers if condition == "full" else frozenset()
            cases.append(Case(question, condition, pool, [i in answers for i in index], kind="sentences"))
    return cases
