"""Answers composed from the articles' own sentences, each with a verbatim, checkable citation."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from newsbot.config.settings import AnswerSettings
from newsbot.index.answer.reader import (  # noqa: F401 - expected_type, has_type re-exported
    Reader,
    Reading,
    Sentence,
    capitalised_words,
    covers,
    expected_type,
    has_type,
    loose_words,
    reading_terms,
    with_sentence_before,
)
from newsbot.index.embedding import Embedder
from newsbot.index.search import Passage, Query, Retriever, match_sources, question_vector, site_of
from newsbot.index.text import loose_stem, query_terms

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

    def to_json(self, passage: bool = False) -> dict[str, Any]:
        """The citation as `--json` shows it; with ``passage``, the whole passage too (the Discord log keeps it)."""
        found = {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "path": self.path,
            "published_at": self.published_at,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
        }
        return {**found, "passage": self.passage} if passage else found

    @classmethod
    def quoting(cls, n: int, passage: Passage, quote: str, start: int, end: int, score: float) -> Citation:
        """Citation ``n`` of ``quote``, the article's text from ``start`` to ``end``, inside ``passage``."""
        p = passage
        return cls(n, p.article_id, p.title, p.source, p.url, p.path, p.published_at, quote, start, end, score, p.text)

    @classmethod
    def from_json(cls, found: dict[str, Any]) -> Citation:
        """A citation read back from to_json (rows written before start, end and score were kept lack them)."""
        return cls(
            n=int(found["n"]),
            article_id=str(found["article_id"]),
            title=found.get("title"),
            source=found.get("source"),
            url=found.get("url"),
            path=found.get("path"),
            published_at=found.get("published_at"),
            quote=found.get("quote") or "",
            start=int(found.get("start", 0)),
            end=int(found.get("end", 0)),
            score=float(found.get("score", 0.0)),
            passage=found.get("passage") or "",
        )


@dataclass(frozen=True)
class ShortAnswer:
    """The words that answer the question, inside the quote of citation ``n``: ``quote[start:end] == text``."""

    text: str
    n: int
    start: int
    end: int


@dataclass(frozen=True)
class Dropped:
    """A generated sentence the grounding check left out, and why."""

    sentence: str
    reason: str


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    text: str
    citations: tuple[Citation, ...]
    retrieved: tuple[Passage, ...]
    timings_ms: dict[str, float]
    evidence: float = 0.0  # the reader's confidence that the passages answer the question (answer.min_confidence)
    short_answer: ShortAnswer | None = None
    # Why it is not answered: "not_found" (the articles do not say), "nothing_indexed" (the index is empty) or
    # "no_source" (no indexed source matches --source); "" when answered.
    reason: str = ""
    # With answer.generator set: the model that was asked ("" otherwise), whether the text is its checked
    # answer, the sentences the check left out, and why the quoted answer is shown instead, if it is.
    generator: str = ""
    generated: bool = False
    dropped: tuple[Dropped, ...] = ()
    notice: str = ""
    # Whether the question was read as a follow-up of the conversation it came with (Query.context): what a
    # front end keeps the conversation going by. Not part of the JSON.
    follow_up: bool = False

    def to_json(self) -> dict[str, Any]:
        short = self.short_answer
        found = {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "short_answer": (
                {"text": short.text, "n": short.n, "start": short.start, "end": short.end} if short else None
            ),
            "confidence": round(self.evidence, 4),
            "citations": [c.to_json() for c in self.citations],
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
        if self.generator:
            found |= {
                "generator": self.generator,
                "generated": self.generated,
                "dropped": [{"sentence": d.sentence, "reason": d.reason} for d in self.dropped],
                "notice": self.notice,
            }
        return found


OnToken = Callable[[str], None]  # receives a generated answer's text as it arrives


class Answerer(Protocol):
    """The one seam every front end calls."""

    def answer(self, query: Query, k: int | None = None, on_token: OnToken | None = None) -> Answer: ...


@dataclass(frozen=True)
class Read:
    """A question retrieved and read, before the answer is composed."""

    query: Query
    question: str
    passages: list[Passage]
    reading: Reading
    answers: bool  # the reader is confident enough that the passages answer it
    started: float
    retrieved_at: float

    @property
    def follow_up(self) -> bool:
        """Read as a follow-up: the conversation's context was kept (a new question drops it)."""
        return self.query.context is not None

    def timings(self, **more: float) -> dict[str, float]:
        done = time.perf_counter()
        return {
            "retrieve": (self.retrieved_at - self.started) * 1000,
            "answer": (done - self.retrieved_at) * 1000,
            **more,
            "total": (done - self.started) * 1000,
        }


# A pronoun points back to someone or something the conversation named: such a question cannot stand alone.
POINTS_BACK = re.compile(r"\b(he|she|they|it|its|his|her|hers|their|them|him)\b", re.IGNORECASE)
FOLLOW_UP = re.compile(
    r"^(what|how) about\b|^and\b|^(what|how) of\b|^(also|then|that|this|those|these)\b|" + POINTS_BACK.pattern,
    re.IGNORECASE,
)


def conversation_turn(answer: Answer) -> str:
    """What a question and its answer lend the follow-ups after it: the question, and the names in the sentence
    that answered it ("how old is she?" after "Who was named deputy mayor?" means the person the quote names)."""
    if not answer.answered or not answer.citations:
        return answer.question
    return turn_text(answer.question, answer.citations[0].quote)


def turn_text(question: str, quote: str) -> str:
    """A question followed by the names in the quote that answered it (see conversation_turn)."""
    names = [n for n in capitalised_words(quote) if n not in question]
    return f"{question} {' '.join(names)}" if names else question


def reads_as_follow_up(question: str) -> bool:
    """Whether a question leans on an earlier one: elliptical ("what about the airport?"), very short, or
    pointing back with a pronoun. Any other question is read on its own, even in a conversation."""
    return bool(FOLLOW_UP.search(question.strip())) or len(question.split()) <= 3


# Another sentence is quoted too when the reader finds it at least this share as likely as the best one. Measured on
# the 2023 set (fitted on half its weeks, read on the other half) with other articles' sentences only: the answer
# text was then in the quotes for 0.39 of the held-out questions instead of 0.35. Opened to the best sentence's own
# article (its lead beside the sentence that answers): docs/experiments.md, BENCHMARKS.md.
SECOND_QUOTE_SHARE = 0.5
# A sentence that adds a word of the question the quotes so far lack, with the kind of answer asked, is quoted at a
# third as likely: "…the pup was named Pebble" after the otter pup's birth, which the reader finds 0.46 as likely.
# Half and a quarter measured beside it: docs/experiments.md.
ADDING_QUOTE_SHARE = 1 / 3


def choose_quotes(
    sentences: Sequence[Sentence], best: Sentence, question: str, most: int, one_per_article: bool = False
) -> list[Sentence]:
    """The sentences an answer quotes, in order: ``best``, then (up to ``most`` in all) of the reader's
    ``sentences``, one that holds words of the ``question`` the quotes so far lack, and the kind of answer asked, if
    at least ADDING_QUOTE_SHARE as likely as the best (the one that adds the most such words; of two that add as
    many, the likelier); otherwise the likeliest at least SECOND_QUOTE_SHARE as likely. A sentence more than half of
    whose content words a quote already chosen holds is passed over (_overlap); ``one_per_article``: so is one of an
    article already quoted."""
    chosen: list[Sentence] = [best]
    asked = [loose_stem(t) for t in reading_terms(question)]
    words = {id(s): loose_words(s.text) for s in (best, *sentences)}  # each sentence's, once
    content = {id(s): set(query_terms(s.text)) for s in (best, *sentences)}  # what _overlap compares, once
    said = set(words[id(best)])
    while len(chosen) < most:
        within = [
            s
            for s in sentences
            if s.prob >= ADDING_QUOTE_SHARE * best.prob
            and not any(
                s is c
                or _overlap(content[id(s)], content[id(c)]) > 0.5
                or (one_per_article and s.passage.article_id == c.passage.article_id)
                for c in chosen
            )
        ]
        lacking = [t for t in asked if not covers(t, said)]
        added = {id(s): sum(covers(t, words[id(s)]) for t in lacking) for s in within}
        adds = [s for s in within if added[id(s)] and not s.features.get("untyped")]
        likely = [s for s in within if s.prob >= SECOND_QUOTE_SHARE * best.prob]
        if not adds and not likely:
            break
        chosen.append(max(adds, key=lambda s: added[id(s)]) if adds else likely[0])
        said |= words[id(chosen[-1])]
    return chosen


class ExtractiveAnswerer:
    """No LLM: the learned reader (index/answer/reader.py) picks the sentence of the top passages that answers
    the question and the short answer inside it, and abstains when its confidence is below
    ``answer.min_confidence`` (or the fitted value) instead of citing something unrelated.
    """

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        settings: AnswerSettings,
        reader: Reader,
        sources: Callable[[], dict[str, set[str]]] | None = None,
        nothing_indexed: Callable[[], str | None] | None = None,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self.reader = reader
        self.sources = sources  # the indexed source names with their articles' hosts (what --source matches)
        self.nothing_indexed = nothing_indexed  # why nothing can be answered yet, or None

    @property
    def min_confidence(self) -> float:
        fixed = self.settings.min_confidence
        return self.reader.models.min_confidence if fixed is None else fixed

    def answer(self, query: Query, k: int | None = None, on_token: OnToken | None = None) -> Answer:
        """The reader's answer (``on_token`` is for generating answerers; nothing is generated here)."""
        found = self.read(query, k)
        return found if isinstance(found, Answer) else replace(self.finish(found), follow_up=found.follow_up)

    def read(self, query: Query, k: int | None = None) -> Read | Answer:
        """Retrieve and read; an Answer straight away when there is nothing to read (no such source)."""
        started = time.perf_counter()
        k = k if k is not None else query.k
        question = query.text.strip()
        if query.source and query.sources is None and self.sources is not None:
            catalogue = self.sources()
            names = match_sources(query.source, catalogue)
            if not names:
                return self._unanswered(question, started, no_such_source(query.source, catalogue), "no_source")
            query = replace(query, sources=names)
        follow_up = bool(query.context) and reads_as_follow_up(question)
        if query.context and not follow_up:
            query = replace(query, context=None)  # a new question: the conversation so far would only blur it
        vector = question_vector(self.embedder, replace(query, text=question))
        passages = self.retriever.retrieve(query, k, query_vector=vector)
        retrieved_at = time.perf_counter()
        reading = self.reader.read(
            question, vector, passages, self.retriever.counting_day(query, passages), query.context
        )
        if follow_up and not self._answers(reading) and not POINTS_BACK.search(question):
            # The follow-up may stand on its own after all ("what about the World Cup?"): read it alone. One
            # that points back with a pronoun ("how old is she?") cannot: "she" is whom the conversation named.
            alone = replace(query, context=None)
            vector = self.embedder.embed_query(question)
            own = self.retriever.retrieve(alone, k, query_vector=vector)
            own_reading = self.reader.read(question, vector, own, self.retriever.counting_day(alone, own))
            if own_reading.confidence > reading.confidence:
                passages, reading = own, own_reading
        return Read(query, question, passages, reading, self._answers(reading), started, retrieved_at)

    def finish(self, read: Read) -> Answer:
        """The answer from a reading: the quoted sentences, or an abstention that lists the closest articles."""
        short = None
        reason = ""
        if read.answers:
            # Discord's /follow asks which of the new articles answer its topic and reads them off the citations:
            # each of its quotes is another article's.
            text, citations, short = self.compose(
                read.reading, one_per_article=read.query.only_article_ids is not None, question=read.question
            )
        else:
            text, citations, reason = self.abstention(read)
        return Answer(
            read.question,
            read.answers,
            text,
            citations,
            tuple(read.passages),
            read.timings(),
            read.reading.confidence,
            short,
            reason,
        )

    def abstention(self, read: Read) -> tuple[str, tuple[Citation, ...], str]:
        """What to say when the articles do not answer: the closest articles, or why nothing can be searched."""
        empty = self.nothing_indexed() if not read.passages and self.nothing_indexed is not None else None
        if empty:
            return empty, (), "nothing_indexed"
        return self.not_found(read.passages, read.query), (), "not_found"

    def _unanswered(self, question: str, started: float, text: str, reason: str) -> Answer:
        took = (time.perf_counter() - started) * 1000
        return Answer(question, False, text, (), (), {"retrieve": 0.0, "answer": took, "total": took}, reason=reason)

    def _answers(self, reading: Reading) -> bool:
        return reading.answers(self.min_confidence)

    def compose(
        self, reading: Reading, one_per_article: bool = False, question: str = ""
    ) -> tuple[str, tuple[Citation, ...], ShortAnswer | None]:
        """The quote the reader ranks first, then (up to ``answer.max_sentences``) the next sentences, from its
        article or another, each with its own citation (choose_quotes): where the reader cannot tell the lead from
        the sentence that answers, both are quoted, and one that says what the lead lacks comes first ("Who coaches
        the robotics team?": the coach after the lead that names the team). ``one_per_article``: only other
        articles' sentences follow the first."""
        assert reading.best is not None
        chosen = choose_quotes(reading.sentences, reading.best, question, self.settings.max_sentences, one_per_article)
        # A quote that leans on the sentence before it ("He grew up...", "Solberg became...") takes it in, so a
        # reader can tell whom it is about; a quote already chosen that it takes in is not quoted again.
        quoted: list[Sentence] = []
        for sentence in chosen:
            whole = with_sentence_before(sentence)
            if any(_inside(sentence, q) for q in quoted):
                continue
            inside = [i for i, q in enumerate(quoted) if _inside(q, whole)]
            if inside:
                quoted[inside[0]] = whole
            else:
                quoted.append(whole)
        chosen = quoted
        parts = []
        citations = []
        for n, sentence in enumerate(chosen, 1):
            parts.append(f"{sentence.text} [{n}]")
            citations.append(
                Citation.quoting(n, sentence.passage, sentence.text, sentence.start, sentence.end, sentence.prob)
            )
        short = None
        if reading.span is not None:
            span, best = reading.span, reading.best
            n, quote = next((n, q) for n, q in enumerate(chosen, 1) if _inside(best, q))
            shift = best.start - quote.start
            short = ShortAnswer(span.text, n, span.start + shift, span.end + shift)
        return " ".join(parts), tuple(citations), short

    def not_found(self, passages: list[Passage], query: Query | None = None) -> str:
        titles: list[str] = []
        for p in passages:
            label = p.title or p.path or p.article_id
            label = f"{label} ({p.published_at})" if p.published_at else label
            if label not in titles:
                titles.append(label)
            if len(titles) == 3:
                break
        text = NOT_FOUND
        if titles:
            text += " The closest articles were: " + "; ".join(titles) + "."
        limits = (("source", query.source), ("since", query.since), ("until", query.until)) if query else ()
        active = [f"{name} {value}" for name, value in limits if value]
        if active:
            text += f" Only articles matching your filters ({', '.join(active)}) were searched; they may be why."
        return text


def no_such_source(wanted: str, catalogue: dict[str, set[str]]) -> str:
    """What to say when --source matches nothing: the sources there are, with a host of each, to copy."""
    if not catalogue:
        return f'No indexed article has a source, so none matches "{wanted}". Ask without a source filter.'
    names = sorted(catalogue, key=str.casefold)
    shown = [f"{name} ({min(catalogue[name])})" if catalogue[name] - {site_of(name)} else name for name in names[:12]]
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    return (
        f'No indexed source matches "{wanted}" (by name or by web address). The sources are: '
        f"{', '.join(shown)}{more}. `newsbot stats` lists them all."
    )


def _inside(a: Sentence, b: Sentence) -> bool:
    """Whether sentence ``a`` stands inside quote ``b`` (the same article, and b's text covers a's start)."""
    return a.passage.article_id == b.passage.article_id and b.start <= a.start < b.end


def _overlap(candidate: set[str], quote: set[str]) -> float:
    """The share of a candidate's content words (text.query_terms) that a quote's content words already hold.
    "…finished fourth of 64 teams at the national finals in Houston on Sunday" has 3 of its 12 in "…will compete at
    the national finals in Houston in June": not a repeat. Counted over every word against the shorter sentence,
    "the", "at" and "in" made it 6 of 11 and the report of the finals was passed over; counted against the shorter,
    a headline ("When is daylight saving time 2024?") made every longer sentence that restates it a repeat
    (docs/experiments.md)."""
    if not candidate or not quote:
        return 0.0
    return len(candidate & quote) / len(candidate)
