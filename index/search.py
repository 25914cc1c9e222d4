"""Hybrid retrieval: dense (Chroma) + BM25 (FTS5), fused by reciprocal rank, with filters, an as-of
date, a recency prior and near-duplicate collapsing."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from newsbot.config.errors import UsageError
from newsbot.config.settings import RetrievalSettings
from newsbot.index.embedding import Embedder
from newsbot.index.store.chroma import ChromaStore, StoredChunk
from newsbot.index.store.filters import Filters
from newsbot.index.store.lexical import LexicalHit, LexicalIndex
from newsbot.index.text import UNDATED, asks_for_latest, asks_for_recency, day_number, is_dated

MAX_K = 100  # passages a question may ask for


@dataclass(frozen=True)
class Query:
    """A question and what it may draw on. It checks itself, so no front end repeats the checks."""

    text: str
    source: str | None = None
    since: date | None = None
    until: date | None = None
    as_of: date | None = None  # None: no as-of limit and no recency prior
    exclude_article_ids: tuple[str, ...] = ()
    context: str | None = None  # earlier turns, used for retrieval only
    sources: tuple[str, ...] | None = None  # the stored source names ``source`` matched (see match_sources)
    k: int | None = None  # passages to retrieve; None: retrieval.k
    only_article_ids: tuple[str, ...] | None = None  # draw on these articles alone (Discord's /follow)

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise UsageError("the question is empty; ask one, e.g. Who ordered the attack on Kirkuk?")
        if self.k is not None and not 1 <= self.k <= MAX_K:
            raise UsageError(f"k = {self.k} is out of range; use a number from 1 to {MAX_K}")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"since ({self.since}) is after until ({self.until}); swap them")

    def filters(self) -> Filters:
        sources = self.sources if self.sources is not None else ((self.source,) if self.source else ())
        return Filters(
            sources=sources,
            since_day=day_number(self.since) if self.since else None,
            until_day=day_number(self.until) if self.until else None,
            as_of_day=day_number(self.as_of) if self.as_of else None,
            exclude_article_ids=self.exclude_article_ids,
            only_article_ids=self.only_article_ids,
        )


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str | None
    url: str | None
    source: str | None
    path: str | None
    published_at: str | None
    score: float
    dense: float | None = None  # cosine to the question, when dense search found it
    lexical: float | None = None  # bm25, when lexical search found it
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def site_of(text: str) -> str:
    """A source as people write it, reduced to compare: case folded, and a URL or domain to its bare host
    ("https://www.DailyQuill.test/x" -> "dailyquill.test")."""
    text = text.strip().casefold()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0]
    return text.removeprefix("www.")


def match_sources(wanted: str, catalogue: dict[str, set[str]]) -> tuple[str, ...]:
    """The stored source names ``wanted`` means: a source's name in any case, or the host of one of its
    articles' URLs (a subdomain counts: "bbc.co.uk" matches news.bbc.co.uk). ``catalogue``: name -> hosts."""
    name = " ".join(wanted.split()).casefold()
    site = site_of(wanted)

    def means(source: str, hosts: set[str]) -> bool:
        if " ".join(source.split()).casefold() == name or site_of(source) == site:
            return True
        return bool(site) and any(h == site or h.endswith("." + site) for h in hosts)

    return tuple(sorted(source for source, hosts in catalogue.items() if means(source, hosts)))


def source_catalogue(pairs: set[tuple[str, str]]) -> dict[str, set[str]]:
    """(source, url) pairs -> each source name with the hosts of its articles."""
    catalogue: dict[str, set[str]] = {}
    for source, url in pairs:
        if source:
            hosts = catalogue.setdefault(source, set())
            if url:
                hosts.add(site_of(url))
    return catalogue


# How much of a follow-up's meaning the earlier turn may lend it, in both searches and in the reading.
CONTEXT_WEIGHT = 0.5


def question_vector(embedder: Embedder, query: Query) -> Any:
    """The question's embedding; a follow-up's is blended with its earlier turn's at CONTEXT_WEIGHT."""
    vector = embedder.embed_query(query.text)
    if not query.context:
        return vector
    blended = vector + CONTEXT_WEIGHT * embedder.embed_query(query.context)
    norm = float(np.linalg.norm(blended))
    return blended / norm if norm else vector


def _passage(chunk_id: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        chunk_id=chunk_id,
        article_id=str(meta.get("article_id", "")),
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        title=meta.get("title") or None,
        url=meta.get("url") or None,
        source=meta.get("source") or None,
        path=meta.get("path") or None,
        published_at=meta.get("published_at") or None,
        score=0.0,
        metadata=meta,
    )


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(
        self,
        embedder: Embedder,
        store: ChromaStore,
        lexical: LexicalIndex,
        settings: RetrievalSettings,
        catch_up: Callable[[], object] | None = None,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.settings = settings
        self.catch_up = catch_up  # server mode: brings the local BM25 copy in step with the server first

    def retrieve(self, query: Query, k: int | None = None, query_vector: Any = None) -> list[Passage]:
        k = k or self.settings.k
        filters = query.filters()
        n = self.settings.candidates
        vector = query_vector if query_vector is not None else question_vector(self.embedder, query)
        if self.catch_up is not None:
            self.catch_up()
        # BM25 and its passages' texts are looked up while Chroma searches (both wait outside the GIL).
        lexical_job = _side_pool().submit(self._lexical_with_texts, query, n, filters)
        dense = self.store.query(list(map(float, vector)), n, filters)
        lexical, texts = lexical_job.result()
        return self.fuse(query, dense, lexical, k, texts)

    def _lexical_with_texts(
        self, query: Query | str, n: int, filters: Filters
    ) -> tuple[list[LexicalHit], list[StoredChunk]]:
        if isinstance(query, str) or not query.context:
            hits = self.lexical.search(query if isinstance(query, str) else query.text, n, filters)
        else:
            # A follow-up: its own words rank first, the earlier turn's words with them at CONTEXT_WEIGHT.
            own = self.lexical.search(query.text, n, filters)
            both = self.lexical.search(f"{query.context}\n{query.text}", n, filters)
            scores: dict[str, float] = {}
            by_id: dict[str, LexicalHit] = {}
            for weight, ranking in ((1.0, own), (CONTEXT_WEIGHT, both)):
                for rank, hit in enumerate(ranking):
                    scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight / (self.settings.rrf_k + rank + 1)
                    by_id.setdefault(hit.chunk_id, hit)
            hits = sorted(by_id.values(), key=lambda h: scores[h.chunk_id], reverse=True)[:n]
        return hits, self.store.get([h.chunk_id for h in hits])

    def counting_day(self, query: Query, passages: Sequence[Passage]) -> int | None:
        """The day the reader counts recency back from for these retrieved passages: recency_day over them."""
        found = {p.chunk_id: p for p in passages}
        return recency_day(query.text, found, relevance(found), self.reading_day(query.as_of))

    def reading_day(self, as_of: date | None) -> int | None:
        """The day a question is read as of (the reader's recency and staleness count back from it): the as-of
        date, or the newest indexed article's day before it when the collection ends earlier, so an archive
        asked about today is read as of its own last day. None without an as-of date."""
        if as_of is None:
            return None
        day = day_number(as_of)
        newest = self.lexical.newest_day(day)
        return day if newest is None else min(day, newest)

    def fuse(
        self,
        query: Query,
        dense: list[StoredChunk],
        lexical: list[LexicalHit],
        k: int,
        texts: list[StoredChunk] | None = None,
    ) -> list[Passage]:
        """Reciprocal-rank fusion, recency and article support; ``texts``: the lexical hits' chunks, if fetched."""
        s = self.settings
        scores: dict[str, float] = {}
        passages: dict[str, Passage] = {}
        for rank, hit in enumerate(dense):
            scores[hit.id] = scores.get(hit.id, 0.0) + s.dense_weight / (s.rrf_k + rank + 1)
            passages[hit.id] = replace(_passage(hit.id, hit.text, hit.metadata), dense=hit.score)
        if texts is None:
            texts = self.store.get([h.chunk_id for h in lexical if h.chunk_id not in passages])
        fetched = {r.id: r for r in texts}
        for rank, lhit in enumerate(lexical):
            scores[lhit.chunk_id] = scores.get(lhit.chunk_id, 0.0) + s.lexical_weight / (s.rrf_k + rank + 1)
            if lhit.chunk_id in passages:
                passages[lhit.chunk_id] = replace(passages[lhit.chunk_id], lexical=lhit.score)
            elif lhit.chunk_id in fetched:
                row = fetched[lhit.chunk_id]
                passages[lhit.chunk_id] = replace(_passage(row.id, row.text, row.metadata), lexical=lhit.score)
        recency = self.recency_weight(query.text)
        rel = relevance(passages)
        as_of_day = recency_day(query.text, passages, rel, self.reading_day(query.as_of))
        # Recency and article support act on what is relevant: in a small archive every passage is a
        # candidate, and an old article's answer must not lose to whatever is newest or longest.
        own = {cid: scores[cid] * self.recency_factor(p, as_of_day, recency * rel[cid]) for cid, p in passages.items()}
        # A story covered at length outranks a passing mention (a digest's one line): each passage gains
        # a share of the scores of the two best other passages of its article, as relevant as they are.
        by_article: dict[tuple[str, str], list[tuple[float, str]]] = {}
        for cid, passage in passages.items():
            by_article.setdefault(_version(passage), []).append((own[cid] * rel[cid], cid))
        for article_scores in by_article.values():
            article_scores.sort(reverse=True)
        ranked = []
        for cid, passage in passages.items():
            support = sum([v for v, other in by_article[_version(passage)] if other != cid][:2])
            ranked.append(replace(passage, score=own[cid] + s.article_support * support))
        ranked.sort(key=lambda p: p.score, reverse=True)
        # While a sync replaces an article, both versions' chunks exist for a moment: keep the passages of
        # the version whose passage ranks best, so an answer never quotes a mix of two versions.
        chosen: dict[str, str] = {}
        ranked = [p for p in ranked if chosen.setdefault(p.article_id, _version(p)[1]) == _version(p)[1]]
        return self.collapse(ranked, k)

    def recency_weight(self, question: str) -> float:
        """The recency prior's strength for a question: full where it asks for recency ("latest", "this week",
        "now", "still", "recently"), a tie-break otherwise. An article is not worth less because it is old."""
        s = self.settings
        return s.recency_weight if asks_for_recency(question) else s.recency_tiebreak

    def recency_factor(self, passage: Passage, as_of_day: int | None, weight: float | None = None) -> float:
        """1 + weight x 0.5^(age / half-life) for a dated passage; 1 (not favoured) when undated or no as-of.
        ``weight``: recency_weight unless given (see recency_weight())."""
        weight = self.settings.recency_weight if weight is None else weight
        day = int(passage.metadata.get("day", UNDATED))
        if as_of_day is None or not is_dated(day) or weight == 0:
            return 1.0
        age = max(0, as_of_day - day)
        return 1.0 + weight * 0.5 ** (age / self.settings.recency_half_life_days)

    def collapse(self, ranked: list[Passage], k: int) -> list[Passage]:
        """Drop passages that repeat a better one (syndicated copies) until k remain."""
        kept: list[tuple[Passage, set[tuple[str, ...]]]] = []
        for passage in ranked:
            grams = shingles(passage.text)
            if any(_containment(grams, other) >= self.settings.dedup_overlap for _, other in kept):
                continue
            kept.append((passage, grams))
            if len(kept) >= k:
                break
        return [p for p, _ in kept]


# How relevant (relevance()) a candidate must be for its day to be the latest turn of the story asked about.
LATEST_RELEVANCE = 0.8


def recency_day(
    question: str, passages: dict[str, Passage], rel: dict[str, float], as_of_day: int | None
) -> int | None:
    """The day recency counts back from: the as-of day (Retriever.reading_day), or for a question that asks for
    the latest turn of a story without naming a time (text.asks_for_latest) the day of the newest candidate
    nearly as relevant as the best (LATEST_RELEVANCE). "What is the latest cost estimate for the footbridge
    repairs?" asked in December of an archive whose footbridge reports are from June and October: counted from
    December both are months old and alike, and a two-day-old report of something else would outrank them;
    counted from October's report, it is the latest and June's is four months older."""
    if as_of_day is None or not asks_for_latest(question):
        return as_of_day
    days = [
        day
        for cid, passage in passages.items()
        if rel.get(cid, 0.0) >= LATEST_RELEVANCE
        and is_dated(day := int(passage.metadata.get("day", UNDATED)))
        and day <= as_of_day
    ]
    return max(days, default=as_of_day)


def relevance(passages: dict[str, Passage]) -> dict[str, float]:
    """How relevant each candidate is, 0 to 1, from its own scores rather than its rank: its BM25 score
    against the best candidate's, or where its cosine stands between the worst and best dense candidate's,
    whichever is higher."""
    lexical = [p.lexical for p in passages.values() if p.lexical is not None]
    dense = [p.dense for p in passages.values() if p.dense is not None]
    best = max(lexical, default=0.0)
    low, high = min(dense, default=0.0), max(dense, default=0.0)
    out = {}
    for cid, p in passages.items():
        lex = p.lexical / best if p.lexical is not None and best > 0 else 0.0
        den = (
            (p.dense - low) / (high - low)
            if p.dense is not None and high > low
            else (1.0 if p.dense is not None else 0.0)
        )
        out[cid] = max(0.0, min(1.0, max(lex, den)))
    return out


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _side_pool() -> ThreadPoolExecutor:
    """Threads for the BM25 half of each retrieval, shared by every retriever in the process."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(4, thread_name_prefix="newsbot-bm25")
        return _POOL


def _version(passage: Passage) -> tuple[str, str]:
    return passage.article_id, str(passage.metadata.get("content_hash", ""))


def _containment(a: set[Any], b: set[Any]) -> float:
    """Share of the smaller passage's 5-grams found in the other: robust to shifted chunk boundaries."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
