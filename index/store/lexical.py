"""The lexical side of hybrid retrieval: BM25 over the same chunks, in SQLite FTS5.

Why FTS5 rather than an in-memory BM25 (bm25s, llama-index's BM25Retriever): it is updated in place
by every sync (no rebuild from scratch, no rebuild at process start), it is transactional, so a crash
never leaves it half-written, and it ships with Python. Ranking is FTS5's bm25() (k1=1.2, b=0.75)
with the Porter stemmer.
"""

from __future__ import annotations

import bisect
import math
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from newsbot.index.store.filters import Filters, rank_wide_then_filter
from newsbot.index.text import UNDATED, from_day_number, query_terms


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    article_id: str
    score: float  # bm25, higher is better


class LexicalRow(NamedTuple):
    """One chunk as BM25 keeps it (the columns of chunks_fts, in order)."""

    chunk_id: str
    article_id: str
    title: str
    body: str
    source: str
    day: int


class LexicalIndex:
    """FTS5 table of chunks: (chunk_id, article_id, title, body, source, day)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self.db = db
        self.lock = lock
        self._idf: dict[str, float] = {}  # per term, until the next write
        self._chunks: int | None = None
        self._days: list[int] | None = None  # the dated chunks' distinct days, sorted, until the next write
        with self.lock, self.db:
            self.db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5("
                "chunk_id UNINDEXED, article_id UNINDEXED, title, body, source UNINDEXED, day UNINDEXED, "
                "tokenize = 'porter unicode61 remove_diacritics 2')"
            )

    def ids(self) -> set[str]:
        with self.lock:
            return {row[0] for row in self.db.execute("SELECT chunk_id FROM chunks_fts")}

    def add(self, rows: Iterable[LexicalRow]) -> None:
        """Insert rows in one transaction."""
        with self.lock, self.db:
            self.db.executemany("INSERT INTO chunks_fts VALUES (?, ?, ?, ?, ?, ?)", list(rows))
            self._forget()

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        with self.lock, self.db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                self.db.execute(f"DELETE FROM chunks_fts WHERE chunk_id IN ({marks})", part)
            self._forget()

    def renumber_day(self, old: int, new: int) -> None:
        with self.lock, self.db:
            self.db.execute("UPDATE chunks_fts SET day = ? WHERE day = ?", (new, old))
            self._forget()

    def count(self) -> int:
        with self.lock:
            return int(self.db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0])

    def _forget(self) -> None:
        self._idf.clear()
        self._chunks = None
        self._days = None

    def newest_day(self, at_or_before: int) -> int | None:
        """The day of the newest dated chunk on or before ``at_or_before`` (None if none). The distinct days are
        read once (one scan of the day column: about 25 ms on 47k chunks) and remembered until the next write."""
        with self.lock:
            if self._days is None:
                rows = self.db.execute("SELECT DISTINCT day FROM chunks_fts WHERE day > ?", [UNDATED])
                self._days = sorted(int(row[0]) for row in rows)
            at = bisect.bisect_right(self._days, at_or_before)
            return self._days[at - 1] if at else None

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each term over the chunks (rare words weigh more).

        One FTS5 count per term the first time it is asked, then remembered until the next write.
        """
        terms = list(terms)
        with self.lock:
            missing = [t for t in terms if t not in self._idf]
            if missing:
                if self._chunks is None:  # counting costs 25 ms on 47k chunks: once until the next write
                    self._chunks = self.count()
                n = self._chunks
                for term in missing:
                    df = self.db.execute(
                        "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                        ['"' + term.replace('"', '""') + '"'],
                    ).fetchone()[0]
                    self._idf[term] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            return {t: self._idf[t] for t in terms}

    def stats(self) -> dict[str, Any]:
        """Articles, articles per source and the date range of the chunks held here (server mode's /stats:
        a reader's own bookkeeping knows nothing of what other processes wrote, its copy of the chunks does)."""
        with self.lock:
            articles = self.db.execute("SELECT count(DISTINCT article_id) FROM chunks_fts").fetchone()[0]
            sources = self.db.execute(
                "SELECT coalesce(nullif(source, ''), '(none)'), count(DISTINCT article_id) FROM chunks_fts "
                "GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
            oldest, newest = self.db.execute(
                "SELECT min(day), max(day) FROM chunks_fts WHERE day > ?", [UNDATED]
            ).fetchone()
        return {
            "articles": int(articles),
            "sources": dict(sources),
            "oldest": from_day_number(oldest).isoformat() if oldest is not None else None,
            "newest": from_day_number(newest).isoformat() if newest is not None else None,
        }

    def search(self, text: str, k: int, filters: Filters) -> list[LexicalHit]:
        """The k best chunks by BM25 for the content words of ``text`` that pass the filters
        (ranked wide, then filtered: see rank_wide_then_filter)."""
        terms = query_terms(text)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)

        def passing(rows: Sequence[tuple[LexicalHit, dict[str, object]]]) -> Iterator[LexicalHit]:
            return (hit for hit, meta in rows if filters.admits(meta))

        return rank_wide_then_filter(k, filters, lambda n, narrow: self._ranked(match, n, narrow), passing)

    def _ranked(self, match: str, k: int, filters: Filters) -> list[tuple[LexicalHit, dict[str, object]]]:
        where = ["chunks_fts MATCH ?"]
        args: list[object] = [match]
        if filters.sources:
            where.append(f"source IN ({','.join('?' * len(filters.sources))})")
            args.extend(filters.sources)
        if filters.since_day is not None:
            where.append("day >= ?")
            args.append(filters.since_day)
        if filters.until_day is not None:
            where.append("day <= ? AND day > ?")
            args.extend([filters.until_day, UNDATED])
        if filters.as_of_day is not None:
            where.append("day <= ?")
            args.append(filters.as_of_day)
        if filters.exclude_article_ids:
            where.append(f"article_id NOT IN ({','.join('?' * len(filters.exclude_article_ids))})")
            args.extend(filters.exclude_article_ids)
        if filters.only_article_ids is not None:
            where.append(f"article_id IN ({','.join('?' * len(filters.only_article_ids))})")
            args.extend(filters.only_article_ids)
        sql = (
            "SELECT chunk_id, article_id, source, day, bm25(chunks_fts, 0, 0, 1.0, 1.0) AS rank FROM chunks_fts "
            f"WHERE {' AND '.join(where)} ORDER BY rank LIMIT ?"
        )
        args.append(k)
        with self.lock:
            rows = self.db.execute(sql, args).fetchall()
        return [
            (LexicalHit(chunk_id, article_id, -rank), {"article_id": article_id, "source": source, "day": day})
            for chunk_id, article_id, source, day, rank in rows
        ]
