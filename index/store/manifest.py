"""Bookkeeping of what is indexed: one row per article, written after its chunks are stored."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newsbot.index.ingest.articles import Article


@dataclass(frozen=True)
class ManifestRow:
    article_id: str
    content_hash: str
    n_chunks: int
    root: str
    path: str


class Manifest:
    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self.db = db
        self.lock = lock
        with self.lock, self.db:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS articles (article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, "
                "n_chunks INTEGER NOT NULL, title TEXT, source TEXT, url TEXT, path TEXT, root TEXT, "
                "published_at TEXT, record_id TEXT, indexed_at TEXT NOT NULL)"
            )
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")

    def put(self, article: Article, n_chunks: int) -> None:
        with self.lock, self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.id,
                    article.content_hash,
                    n_chunks,
                    article.title,
                    article.source,
                    article.url,
                    article.path,
                    article.root,
                    article.published_at.isoformat() if article.published_at else None,
                    article.record_id,
                    datetime.now(UTC).isoformat(timespec="seconds"),
                ),
            )

    def remove(self, article_ids: list[str]) -> None:
        with self.lock, self.db:
            self.db.executemany("DELETE FROM articles WHERE article_id = ?", [(a,) for a in article_ids])

    def rows(self) -> dict[str, ManifestRow]:
        with self.lock:
            cursor = self.db.execute("SELECT article_id, content_hash, n_chunks, root, path FROM articles")
            return {r[0]: ManifestRow(r[0], r[1], r[2], r[3] or "", r[4] or "") for r in cursor}

    def roots(self) -> dict[str, int]:
        """Each corpus path articles were indexed from (resolved, as the sync was given it), with its count."""
        with self.lock:
            cursor = self.db.execute("SELECT coalesce(root, ''), count(*) FROM articles GROUP BY 1 ORDER BY 1")
            return {root: int(n) for root, n in cursor if root}

    def source_urls(self) -> set[tuple[str, str]]:
        """Every (source, url) pair of the indexed articles."""
        with self.lock:
            cursor = self.db.execute("SELECT DISTINCT coalesce(source, ''), coalesce(url, '') FROM articles")
            return set(cursor.fetchall())

    def set_meta(self, key: str, value: str) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def stats(self) -> dict[str, Any]:
        with self.lock:
            articles, chunks = self.db.execute("SELECT count(*), coalesce(sum(n_chunks), 0) FROM articles").fetchone()
            sources = Counter(
                dict(
                    self.db.execute(
                        "SELECT coalesce(source, '(none)'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC"
                    ).fetchall()
                )
            )
            oldest, newest = self.db.execute(
                "SELECT min(published_at), max(published_at) FROM articles WHERE published_at IS NOT NULL"
            ).fetchone()
        return {
            "articles": int(articles),
            "chunks": int(chunks),
            "sources": dict(sources),
            "oldest": oldest,
            "newest": newest,
            "last_sync": self.get_meta("last_sync"),
            "roots": self.roots(),
        }


class FileScans:
    """The scan cache (newsbot.index.ingest.articles.ScanCache): what each corpus file held when it was last read."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock) -> None:
        self.db = db
        self.lock = lock
        with self.lock, self.db:
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS scanned (root TEXT NOT NULL, rel TEXT NOT NULL, signature TEXT NOT NULL, "
                "found TEXT NOT NULL, PRIMARY KEY (root, rel))"
            )

    def get(self, root: str, rel: str) -> tuple[str, dict[str, Any]] | None:
        with self.lock:
            row = self.db.execute(
                "SELECT signature, found FROM scanned WHERE root = ? AND rel = ?", (root, rel)
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def put(self, root: str, rel: str, signature: str, found: dict[str, Any]) -> None:
        with self.lock, self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO scanned VALUES (?, ?, ?, ?)", (root, rel, signature, json.dumps(found))
            )

    def prune(self, roots: set[str], keep: set[tuple[str, str]]) -> None:
        """Forget files under these roots that the scan did not see (deleted or renamed)."""
        with self.lock:
            held = self.db.execute("SELECT root, rel FROM scanned").fetchall()
        gone = [(r, p) for r, p in held if r in roots and (r, p) not in keep]
        if gone:
            with self.lock, self.db:
                self.db.executemany("DELETE FROM scanned WHERE root = ? AND rel = ?", gone)
