"""`newsbot eval --selqa`: plain sentence choice. Each SelQA question comes with the sentences of one Wikipedia
section and which of them hold the answer; nothing is retrieved. The reader orders the section's sentences as
it orders a retrieved passage's (its shortlist model, then its sentence model over the shortlist), and that
order is scored beside two baselines: word overlap with the question, and the bundled MiniLM's similarity alone.
The sentences an answer would quote from that order (answerer.choose_quotes: the best, and the next one if likely
enough) are scored too: how often one of them holds the answer, and how often there are two.

SelQA (Jurczyk, Zhai and Choi, ICTAI 2016), Apache-2.0; read from where it lies, never copied here.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.config.errors import EvalInputError
from newsbot.index.answer.answerer import choose_quotes
from newsbot.index.app import Passage, Reader, query_terms, stem


@dataclass(frozen=True)
class Section:
    """One SelQA question: the section's sentences and the indices of those that hold the answer."""

    question: str
    title: str
    sentences: tuple[str, ...]
    answers: frozenset[int]


def read_selqa(path: Path, limit: int | None = None) -> list[Section]:
    """A SelQA answer-sentence-selection file (selqa-ass-*.json); questions without an answer are left out."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalInputError(f"cannot read the SelQA file {path}: {exc}") from None
    if not isinstance(records, list):
        raise EvalInputError(f"{path}: expected a JSON list of SelQA records (selqa-ass-dev.json)")
    out = []
    for number, r in enumerate(records, 1):
        try:
            section = Section(
                str(r["question"]),
                str(r.get("article") or ""),
                tuple(str(c) for c in r["candidates"]),
                frozenset(int(i) for i in r["answers"]),
            )
        except (KeyError, TypeError, ValueError):
            raise EvalInputError(
                f"{path}: record {number} lacks question, candidates or answers; is this a SelQA file?"
            ) from None
        if section.answers and section.sentences:
            out.append(section)
        if limit and len(out) >= limit:
            break
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def sentence_idf(sections: Sequence[Section]) -> Callable[[Sequence[str]], dict[str, float]]:
    """BM25's idf over the sentences of every section: the stand-in for the index's own (LexicalIndex.idf)."""
    df: Counter[str] = Counter()
    n = 0
    for section in sections:
        for sentence in section.sentences:
            n += 1
            df.update({stem(w) for w in _words(sentence)})

    def idf(terms: Sequence[str]) -> dict[str, float]:
        return {t: math.log(1.0 + (n - df[stem(t)] + 0.5) / (df[stem(t)] + 0.5)) for t in terms}

    return idf


def cached(embed: Callable[[list[str]], Any]) -> Callable[[list[str]], np.ndarray]:
    """``embed`` with each text embedded once (a section's sentences are read more than once)."""
    cache: dict[str, np.ndarray] = {}

    def embed_once(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            for t, v in zip(missing, embed(missing)):
                cache[t] = np.asarray(v)
        return np.array([cache[t] for t in texts])

    return embed_once


def section_vector(sentence_vectors: np.ndarray) -> np.ndarray:
    """A section's embedding, as a retrieved passage has one: the normalised mean of its sentences'."""
    mean = sentence_vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


def reader_order(
    reader: Reader, section: Section, vector: np.ndarray, passage_dense: float, most: int = 2
) -> tuple[list[int], list[int]]:
    """The section's sentence indices in the reader's order (shortlist by its sentence model, then the rest by
    its shortlist model; a sentence too short to read comes last), and those an answer would quote (up to
    ``most``: answer.max_sentences)."""
    text = "\n".join(section.sentences)
    starts = []
    at = 0
    for line in section.sentences:
        starts.append(at)
        at += len(line) + 1
    passage = Passage("selqa", "selqa", text, 0, len(text), section.title, None, None, None, None, 1.0, passage_dense)
    pool = reader.candidates(section.question, [passage], None)
    ranked = reader.score(section.question, vector, pool)
    rest = [s for s in pool if s not in ranked]

    def index(read: Any) -> int:  # the line a sentence starts on
        return bisect_right(starts, read.start) - 1

    order: list[int] = []
    for at_line in map(index, ranked + rest):
        if at_line not in order:
            order.append(at_line)
    quoted = [index(q) for q in choose_quotes(ranked, ranked[0], section.question, most)] if ranked else []
    quoted = list(dict.fromkeys(quoted))  # two quotes may be two sentences of one candidate line
    return order + [i for i in range(len(section.sentences)) if i not in order], quoted


def overlap_order(section: Section) -> list[int]:
    """Sentences by how many of the question's content words they share (ties: the earlier first)."""
    asked = {stem(t) for t in query_terms(section.question)}
    shared = [len(asked & {stem(w) for w in _words(s)}) for s in section.sentences]
    return sorted(range(len(shared)), key=lambda i: -shared[i])


def precision_and_mrr(orders: Sequence[tuple[list[int], frozenset[int]]]) -> dict[str, float]:
    p1 = [float(order[0] in gold) for order, gold in orders]
    rr = [next((1.0 / r for r, i in enumerate(order, 1) if i in gold), 0.0) for order, gold in orders]
    return {"precision@1": round(float(np.mean(p1)), 4), "mrr": round(float(np.mean(rr)), 4)}


def evaluate_selqa(
    reader: Reader, embed_query: Callable[[str], Any], sections: list[Section], most: int = 2
) -> dict[str, Any]:
    """The reader's order, word overlap and MiniLM similarity alone, each as precision@1 and MRR; and the quotes an
    answer would give (up to ``most``): the share of questions where one holds the answer, and where there are two."""
    idf = sentence_idf(sections)
    embed = cached(reader.embed)
    ours = Reader(reader.models, embed, idf, reader.passages, reader.shortlist)
    found: dict[str, list[tuple[list[int], frozenset[int]]]] = {"reader": [], "overlap": [], "minilm": []}
    quotes: list[tuple[list[int], frozenset[int]]] = []
    for section in sections:
        vector = np.asarray(embed_query(section.question))
        sentence_vectors = embed(list(section.sentences))
        cosine = sentence_vectors @ vector
        passage_dense = float(section_vector(sentence_vectors) @ vector)
        order, quoted = reader_order(ours, section, vector, passage_dense, most)
        found["reader"].append((order, section.answers))
        quotes.append((quoted, section.answers))
        found["overlap"].append((overlap_order(section), section.answers))
        found["minilm"].append((sorted(range(len(cosine)), key=lambda i: -cosine[i]), section.answers))
    summary: dict[str, Any] = {"questions": len(sections)}
    summary.update({name: precision_and_mrr(orders) for name, orders in found.items()})
    summary["quotes"] = {
        "hold_an_answer": round(float(np.mean([bool(gold.intersection(q)) for q, gold in quotes] or [False])), 4),
        "two_or_more": round(float(np.mean([len(q) > 1 for q, _ in quotes] or [False])), 4),
    }
    return summary


def selqa_table(summary: dict[str, Any]) -> str:
    lines = [f"SelQA: {summary['questions']} questions, the answer sentence chosen inside the given section", ""]
    lines.append(f"{'':<28} {'precision@1':>11} {'mrr':>7}")
    for name, label in (("reader", "newsbot's reader"), ("overlap", "word overlap"), ("minilm", "MiniLM similarity")):
        m = summary[name]
        lines.append(f"{label:<28} {m['precision@1']:>11.3f} {m['mrr']:>7.3f}")
    if "quotes" in summary:
        q = summary["quotes"]
        lines.append("")
        lines.append(
            f"an answer's quotes hold the answer {q['hold_an_answer']:.3f} (two quotes {q['two_or_more']:.3f})"
        )
    return "\n".join(lines)
