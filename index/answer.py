"""Answers composed from the articles' own sentences, each with a verbatim, checkable citation."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from config.settings import AnswerSettings
from index.chunking import sentence_spans
from index.embedding import Embedder
from index.lexical import query_terms
from index.retrieval import Passage, Query, Retriever

NOT_FOUND = "I could not find an answer to that in the indexed articles."


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: str
    title: str | None
    source: str | None
    url: str | None
    path: str | None
    published_at: str | None
    quote: str
    start: int
    end: int
    score: float
    passage: str = field(default="", compare=False)  # the whole passage behind the quote (REPL :sources)


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...]
    retrieved: tuple[Passage, ...]
    timings_ms: dict[str, float]
    evidence: float = 0.0  # the best sentence's evidence score, compared with answer.min_evidence

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "citations": [
                {
                    "n": c.n,
                    "article_id": c.article_id,
                    "title": c.title,
                    "source": c.source,
                    "url": c.url,
                    "path": c.path,
                    "published_at": c.published_at,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                    "score": round(c.score, 4),
                }
                for c in self.citations
            ],
            "retrieved": [
                {
                    "article_id": p.article_id,
                    "chunk_id": p.chunk_id,
                    "title": p.title,
                    "published_at": p.published_at,
                    "score": round(p.score, 6),
                }
                for p in self.retrieved
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


class Answerer(Protocol):
    """The one seam every front end calls."""

    def answer(self, query: Query, k: int | None = None) -> Answer: ...


@dataclass
class _Candidate:
    passage_rank: int
    passage: Passage
    start: int  # in the article's cleaned text
    end: int
    text: str
    lexical: float = 0.0
    dense: float = 0.0
    score: float = 0.0


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class ExtractiveAnswerer:
    """No LLM: picks the few sentences of the top passages that best answer the question.

    A sentence's evidence blends its embedding similarity to the question, the share of the
    question's content words it contains, and the rank of its passage. When the best evidence is
    below ``answer.min_evidence`` it abstains instead of citing something unrelated.
    """

    def __init__(self, retriever: Retriever, embedder: Embedder, settings: AnswerSettings) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings

    def answer(self, query: Query, k: int | None = None) -> Answer:
        started = time.perf_counter()
        question = query.text.strip()
        vector = self.embedder.embed_query(f"{query.context}\n{question}" if query.context else question)
        passages = self.retriever.retrieve(query, k, query_vector=vector)
        retrieved_at = time.perf_counter()
        chosen = self.select(question, vector, passages)
        answered = bool(chosen) and chosen[0].score >= self.settings.min_evidence
        if answered:
            text, citations = self.compose(chosen)
        else:
            text, citations = self.not_found(passages), ()
        done = time.perf_counter()
        timings = {
            "retrieve": (retrieved_at - started) * 1000,
            "answer": (done - retrieved_at) * 1000,
            "total": (done - started) * 1000,
        }
        evidence = chosen[0].score if chosen else 0.0
        return Answer(question, answered, text, citations, tuple(passages), timings, evidence)

    def select(self, question: str, vector: np.ndarray, passages: list[Passage]) -> list[_Candidate]:
        """The best sentences, best first, without near-repeats; scored but not yet thresholded."""
        terms = [_stem(t) for t in query_terms(question)]
        candidates: list[_Candidate] = []
        for rank, passage in enumerate(passages[: self.settings.passages]):
            for span in sentence_spans(passage.text):
                text = passage.text[span.start : span.end]
                if len(text.split()) < 4:
                    continue
                # The title stands in for what the sentence leaves implicit ("the company", "she").
                words = {_stem(w) for w in re.findall(r"[^\W_]+", f"{passage.title or ''} {text}".lower())}
                coverage = sum(1 for t in terms if t in words) / len(terms) if terms else 0.0
                candidates.append(
                    _Candidate(rank, passage, passage.start + span.start, passage.start + span.end, text, coverage)
                )
        if not candidates:
            return []
        # Embed only the most promising sentences: keeps a warm answer fast.
        candidates.sort(key=lambda c: (c.lexical, -c.passage_rank), reverse=True)
        shortlist = candidates[: self.settings.shortlist]
        # The sentence alone: its article's title, shared by all its sentences, would blur them together
        # (the title still counts in the word coverage above).
        sentence_vectors = self.embedder.embed_documents([c.text for c in shortlist])
        expects = expected_type(question)
        for candidate, sv in zip(shortlist, sentence_vectors):
            candidate.dense = float(np.dot(sv, vector))
            candidate.score = (
                0.55 * candidate.dense
                + 0.35 * candidate.lexical
                + 0.10 / (1 + candidate.passage_rank)
                + (TYPE_BONUS if expects and has_type(candidate.text, expects, question) else 0.0)
            )
        shortlist.sort(key=lambda c: c.score, reverse=True)
        chosen: list[_Candidate] = []
        best = shortlist[0]
        if expects and self.settings.max_sentences > 1 and not has_type(best.text, expects, question):
            # The best match restates the question without the kind of fact asked for: add the best
            # sentence that has it, so the answer holds the fact and the context that frames it.
            typed = [c for c in shortlist[1:] if has_type(c.text, expects, question) and c.score >= best.score * 0.6]
            if typed:
                chosen = [best, typed[0]]
        for candidate in shortlist:
            if candidate in chosen:
                continue
            if len(chosen) >= self.settings.max_sentences:
                break
            if chosen and candidate.score < chosen[0].score * 0.85:
                break
            if any(_overlap(candidate.text, c.text) > 0.5 for c in chosen):
                continue
            chosen.append(candidate)
        return chosen

    def compose(self, chosen: list[_Candidate]) -> tuple[str, tuple[Citation, ...]]:
        parts = []
        citations = []
        for n, candidate in enumerate(chosen, 1):
            p = candidate.passage
            parts.append(f"{candidate.text} [{n}]")
            citations.append(
                Citation(
                    n=n,
                    article_id=p.article_id,
                    title=p.title,
                    source=p.source,
                    url=p.url,
                    path=p.path,
                    published_at=p.published_at,
                    quote=candidate.text,
                    start=candidate.start,
                    end=candidate.end,
                    score=candidate.score,
                    passage=p.text,
                )
            )
        return " ".join(parts), tuple(citations)

    def not_found(self, passages: list[Passage]) -> str:
        titles: list[str] = []
        for p in passages:
            label = p.title or p.path or p.article_id
            label = f"{label} ({p.published_at})" if p.published_at else label
            if label not in titles:
                titles.append(label)
            if len(titles) == 3:
                break
        if not titles:
            return NOT_FOUND
        return NOT_FOUND + " The closest articles were: " + "; ".join(titles) + "."


TYPE_BONUS = 0.08
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion"


def expected_type(question: str) -> str | None:
    """What kind of answer a question asks for, from its wh-words."""
    q = question.lower()
    if re.search(
        r"\bhow much\b.*\b(cost|costs|pay|paid|spend|spent|raise|raised|worth|price|fine|fined|earn|earned)\b|\bwhat (percentage|percent|share|amount)\b",
        q,
    ):
        return "money"
    if re.search(r"\bhow (much|many|long|old|far|big|large|often)\b|\bwhat number\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|day|date|month|time)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b|\bwhich\b|\bwhere\b|\bwhat (is|are|was|were)\b[^?]{0,40}\bcalled\b", q):
        return "name"  # "which show", "which two countries", "which of the following cities": a proper name
    return None


def has_type(sentence: str, kind: str, question: str) -> bool:
    """Whether a sentence holds something of the expected kind that the question does not already say."""
    low = sentence.lower()
    if kind == "money":
        return bool(
            re.search(
                r"[$€£¥]\s?\d|\d\s?(%|percent|dollars?|euros?|pounds?|yuan|yen)\b|\b(million|billion|trillion)\b", low
            )
        )
    if kind == "number":
        return bool(re.search(rf"\d|\b({_NUMBER_WORDS})\b", low))
    if kind == "date":
        return bool(re.search(rf"\b(({_MONTHS}|{_DAYS})\b|(19|20)\d\d\b)", low))
    asked = set(re.findall(r"\w+", question.lower()))
    names = re.findall(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'-]+", sentence)
    return any(name.lower() not in asked for name in names)


def _overlap(a: str, b: str) -> float:
    wa, wb = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))
