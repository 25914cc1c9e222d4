"""Incremental sync of the corpus into Chroma and the lexical index.

Chroma is the truth. A sync after one that finished trusts the manifest for what Chroma holds (the
stores' chunk counts must agree with it); after an interrupted one it reads every chunk's metadata from
Chroma and reconciles. Files unchanged since the last scan are not parsed again (the scan cache).
Per changed article, the new version's chunks are written (Chroma, then lexical) before the old
version's are deleted, and the manifest row is written last. A crash or Ctrl-C at any point leaves
an index that answers (old or new version, never neither) and the next sync repairs the rest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsbot.config.errors import StoreError
from newsbot.index.embedding import Embedder
from newsbot.index.failpoints import failpoint
from newsbot.index.ingest.articles import Article, ArticleRef, CorpusReader, Duplicate, ScanCache, Skip
from newsbot.index.ingest.chunking import Chunk, Chunker, chunk_prefix, embedding_text
from newsbot.index.store.chroma import ChromaStore, ChunkRow, guard_store
from newsbot.index.store.lexical import LexicalIndex, LexicalRow
from newsbot.index.store.locking import SyncLock
from newsbot.index.store.manifest import Manifest
from newsbot.index.store.mirror import CAUGHT_UP, copy_chunks, new_generation
from newsbot.index.text import day_number

log = logging.getLogger(__name__)

# "running" from the first write of a sync until it finished; anything else makes the next sync read Chroma in full.
SYNC_STATE = "sync_state"

# (chunks embedded so far, chunks to embed, articles written so far, articles to write)
Progress = Callable[[int, int, int, int], None]


@dataclass
class SyncReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    embedded_chunks: int = 0
    chunks: int = 0
    articles: int = 0
    seconds: float = 0.0
    added_ids: list[str] = field(default_factory=list)  # the articles new to the index (Discord's /follow)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "duplicates": [{"path": d.path, "same_as": d.same_as} for d in self.duplicates],
            "embedded_chunks": self.embedded_chunks,
            "chunks": self.chunks,
            "articles": self.articles,
            "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        rate = self.embedded_chunks / self.seconds if self.seconds > 0 else 0.0
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, unchanged {self.unchanged}, "
            f"skipped {len(self.skipped)}, duplicates {len(self.duplicates)}; {self.chunks} chunks in "
            f"{self.articles} articles; embedded {self.embedded_chunks} chunks in {self.seconds:.1f} s "
            f"({rate:.1f} chunks/s)"
        )


def chunk_metadata(article: Article, chunk: Chunk, n_chunks: int) -> dict[str, Any]:
    """What Chroma keeps beside each vector (flat: str, int, float; no None)."""
    return {
        "article_id": article.id,
        "record_id": article.record_id or "",
        "content_hash": article.content_hash,
        "title": article.title or "",
        "url": article.url or "",
        "source": article.source or "",
        "authors": "; ".join(article.authors),
        "path": article.path or "",
        "root": article.root or "",
        "published_at": article.published_at.isoformat() if article.published_at else "",
        "day": day_number(article.published_at),
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
    }


@dataclass
class Holdings:
    """What the index holds, as the sync reconciles against it."""

    versions: dict[str, dict[str, list[str]]]  # article id -> content hash -> its chunk ids
    expected: dict[tuple[str, str], int]  # (article id, content hash) -> chunks that version has when complete
    where: dict[str, tuple[str, str]]  # article id -> (corpus root, path) it was read from


class Indexer:
    """Brings the index in step with the articles under the corpus paths."""

    def __init__(
        self,
        reader: CorpusReader,
        chunker: Chunker,
        embedder: Embedder,
        store: ChromaStore,
        lexical: LexicalIndex,
        manifest: Manifest,
        group_chunks: int = 256,
        scans: ScanCache | None = None,
        lock: SyncLock | None = None,
    ) -> None:
        self.scans = scans
        self.lock = lock
        self.reader = reader
        self.chunker = chunker
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.manifest = manifest
        self.group_chunks = group_chunks

    def sync(self, paths: Iterable[Path], progress: Progress | None = None) -> SyncReport:
        """One sync; raises SyncBusyError when another holds the lock, StoreError when the index cannot be written.
        (A rebuild is a sync into an empty index beside this one: Newsbot.rebuild.)"""
        with self.lock.hold() if self.lock else nullcontext(), guard_store("sync"):
            return self._sync(list(paths), progress)

    def _sync(self, paths: list[Path], progress: Progress | None) -> SyncReport:
        started = time.perf_counter()
        fingerprint = self.fingerprint(paths)
        # Raises CorpusPathError before anything is touched.
        scan = self.reader.scan(paths, cache=self.scans)
        report = SyncReport(skipped=scan.skipped, duplicates=scan.duplicates, warnings=scan.warnings)

        holdings = self._holdings()
        versions, expected, where = holdings.versions, holdings.expected, holdings.where
        self.manifest.set_meta(SYNC_STATE, "running")
        manifest = self.manifest.rows()
        todo: list[Article | ArticleRef] = []
        unrecorded: list[tuple[Article | ArticleRef, int]] = []
        stale: list[str] = []
        for article in scan.articles:
            held = versions.get(article.id, {})
            ids = held.get(article.content_hash, [])
            if ids and len(ids) == expected[(article.id, article.content_hash)]:
                report.unchanged += 1
                stale += [cid for h, cids in held.items() if h != article.content_hash for cid in cids]
                row = manifest.get(article.id)
                stored_path = where.get(article.id, ("", ""))[1]
                if article.path and stored_path != article.path:  # a JSONL record that moved to another line
                    self.store.set_metadata(ids, {"path": article.path})
                    unrecorded.append((article, len(ids)))
                elif row is None or row.content_hash != article.content_hash or row.path != (article.path or ""):
                    unrecorded.append((article, len(ids)))
            else:
                todo.append(article)
        if stale:  # orphans of an interrupted update
            self.store.delete(stale)
            self.lexical.delete(stale)
        whole = self._whole([a for a, _ in unrecorded] + todo)
        for article, n_chunks in unrecorded:
            if article.id in whole:
                self.manifest.put(whole[article.id], n_chunks)

        todo = [a for a in todo if a.id in whole and not self._rekeyed(whole[a.id], holdings, report)]
        self._embed_and_write([whole[a.id] for a in todo], versions, report, progress)
        failpoint("written")

        present = {a.id for a in scan.articles}
        scopes = {str(Path(p).expanduser().resolve()) for p in paths}
        gone: list[str] = []
        for article_id in set(versions) | set(manifest):
            if article_id in present:
                continue
            root, path = where.get(article_id) or (manifest[article_id].root, manifest[article_id].path)
            if root not in scopes or scan.troubled(root, path):
                continue  # another corpus path's article, or its file could not be read this time: keep it
            gone.append(article_id)
        self._remove(gone, versions)
        report.removed = len(gone)

        self.manifest.set_meta("last_sync", datetime.now(UTC).isoformat(timespec="seconds"))
        self.manifest.set_meta(_fingerprint_key(paths), fingerprint)
        self._finish(changed=bool(report.added or report.updated or report.removed or stale))
        report.chunks = self.store.count()
        report.articles = self.manifest.stats()["articles"]
        report.seconds = time.perf_counter() - started
        return report

    def forget(self, root: Path) -> int:
        """Remove every article indexed from the corpus path ``root`` (a folder gone for good); returns how many."""
        key = str(Path(root).expanduser().resolve(strict=False))
        with self.lock.hold() if self.lock else nullcontext(), guard_store("sync"):
            holdings = self._holdings()
            versions, where = holdings.versions, holdings.where
            rows = self.manifest.rows()
            gone = sorted(
                {a for a, (r, _) in where.items() if r == key} | {a for a, row in rows.items() if row.root == key}
            )
            self.manifest.set_meta(SYNC_STATE, "running")
            self._remove(gone, versions)
            if self.scans is not None:
                self.scans.prune({key}, set())
            self._finish(changed=bool(gone))
        return len(gone)

    def _remove(self, gone: list[str], versions: dict[str, dict[str, list[str]]]) -> None:
        """Delete these articles' chunks (Chroma, then lexical), then their manifest rows."""
        if not gone:
            return
        ids = [cid for a in gone for cids in versions.get(a, {}).values() for cid in cids]
        self.store.delete(ids)
        failpoint("removed-from-chroma")
        self.lexical.delete(ids)
        self.manifest.remove(gone)

    def _finish(self, changed: bool) -> None:
        failpoint("before-clean")
        self.manifest.set_meta(SYNC_STATE, "clean")
        if changed:
            # Readers in other processes (server mode) catch their BM25 copies up when this mark changes.
            generation = new_generation()
            self.manifest.set_meta(CAUGHT_UP, generation)
            self.store.set_generation(generation)

    def _holdings(self) -> Holdings:
        """What the index holds: article -> content version -> chunk ids, chunks per version, and where from.

        After a sync that finished, the manifest says exactly that (chunk ids follow from article, version and
        count) and the stores' counts confirm it. After an interrupted one, Chroma is read in full and the
        lexical index is repaired to match it.
        """
        versions: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        expected: dict[tuple[str, str], int] = {}
        where: dict[str, tuple[str, str]] = {}
        rows = self.manifest.rows()
        n_chunks = sum(r.n_chunks for r in rows.values())
        if (
            self.manifest.get_meta(SYNC_STATE) == "clean"
            and self.store.count() == n_chunks
            and self.lexical.count() == n_chunks
        ):
            for row in rows.values():
                prefix = chunk_prefix(row.article_id, row.content_hash)
                versions[row.article_id][row.content_hash] = [f"{prefix}:{n}" for n in range(row.n_chunks)]
                expected[(row.article_id, row.content_hash)] = row.n_chunks
                where[row.article_id] = (row.root, row.path)
            return Holdings(versions, expected, where)
        stored = self.store.all_metadata()
        foreign = [cid for cid, meta in stored.items() if not meta.get("article_id") or not meta.get("content_hash")]
        if foreign:
            raise StoreError(
                f"the Chroma collection {self.store.name} holds {len(foreign)} chunks newsbot did not write (no "
                "article_id): it is not a newsbot index. Set chroma.collection_prefix to another name, or delete "
                "that collection; nothing was changed"
            )
        self._repair_lexical(stored)
        for chunk_id, meta in stored.items():
            article_id, content_hash = str(meta.get("article_id")), str(meta.get("content_hash"))
            versions[article_id][content_hash].append(chunk_id)
            expected[(article_id, content_hash)] = int(meta.get("n_chunks", -1))
            where[article_id] = (str(meta.get("root", "")), str(meta.get("path", "")))
        return Holdings(versions, expected, where)

    def _whole(self, articles: list[Article | ArticleRef]) -> dict[str, Article]:
        """Whole Articles for these, reading again the files of those the scan cache answered for."""
        out = {a.id: a for a in articles if isinstance(a, Article)}
        refs = [a for a in articles if isinstance(a, ArticleRef)]
        if refs:
            found = self.reader.load(refs)
            for ref in refs:
                article = found.get(ref.id)
                if article is not None and article.content_hash == ref.content_hash:
                    out[ref.id] = article
                else:
                    log.warning("%s changed while syncing; the next sync picks it up", ref.path or ref.id)
        return out

    def fingerprint(self, paths: list[Path]) -> str:
        """Names, sizes and modification times of the corpus files: cheap to compare."""
        digest = hashlib.sha256()
        for scope, file in self.reader.files(paths):
            try:
                stat = file.stat()
            except OSError:  # vanished since it was listed: the sync will see
                continue
            digest.update(os.fsencode(f"{scope}\0{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n"))
        return digest.hexdigest()

    def needs_sync(self, paths: list[Path]) -> bool:
        """Whether the corpus changed since the last sync of these paths (or was never synced)."""
        return self.manifest.get_meta(_fingerprint_key(paths)) != self.fingerprint(paths)

    def _repair_lexical(self, stored: dict[str, dict[str, Any]]) -> None:
        """Bring the lexical index to exactly Chroma's chunk ids (after a crash between the two writes)."""
        have = self.lexical.ids()
        extra = have - stored.keys()
        missing = [cid for cid in stored if cid not in have]
        if extra:
            self.lexical.delete(extra)
        copy_chunks(self.store, self.lexical, missing)
        if extra or missing:
            log.warning("repaired the lexical index: %d added, %d removed", len(missing), len(extra))

    def _embed_and_write(
        self,
        todo: list[Article],
        versions: dict[str, dict[str, list[str]]],
        report: SyncReport,
        progress: Progress | None,
    ) -> None:
        planned = [(article, self.chunker.chunk(article)) for article in todo]
        total = sum(len(chunks) for _, chunks in planned)
        done = articles_done = 0
        if progress:
            progress(0, total, 0, len(planned))
        group: list[tuple[Article, list[Chunk]]] = []
        size = 0
        for item in planned + [None]:  # type: ignore[list-item]
            if item is not None:
                group.append(item)
                size += len(item[1])
                if size < self.group_chunks:
                    continue
            if not group:
                break
            texts = [embedding_text(a.title, c.text) for a, chunks in group for c in chunks]
            vectors = self.embedder.embed_documents(texts)
            row = 0
            for article, chunks in group:
                rows = []
                for chunk in chunks:
                    rows.append(
                        ChunkRow(
                            chunk.id, chunk.text, chunk_metadata(article, chunk, len(chunks)), vectors[row].tolist()
                        )
                    )
                    row += 1
                self._write(article, rows, versions.get(article.id, {}), report)
            done += size
            articles_done += len(group)
            report.embedded_chunks += size
            log.info("wrote %d of %d chunks", done, total)
            if progress:
                progress(done, total, articles_done, len(planned))
            group, size = [], 0

    def _rekeyed(
        self,
        article: Article,
        holdings: Holdings,
        report: SyncReport,
    ) -> bool:
        """An article indexed before content hashes left out JSONL line numbers (READER_VERSION 2), unchanged
        since: its chunks are written again under the new hash with their stored vectors, nothing embedded."""
        held = holdings.versions.get(article.id, {})
        stored_path = holdings.where.get(article.id, ("", ""))[1]
        legacy = article.hash_with_path(stored_path) if "#" in stored_path else None
        ids = held.get(legacy or "", [])
        if not ids or len(ids) != holdings.expected.get((article.id, legacy or ""), -1):
            return False
        chunks = self.chunker.chunk(article)
        stored = {int(c.metadata.get("chunk_index", -1)): c for c in self.store.get(ids, embeddings=True)}
        if len(chunks) != len(ids) or any(
            stored.get(c.index) is None or stored[c.index].text != c.text for c in chunks
        ):
            return False  # the chunking differs after all: embed it
        rows = [
            ChunkRow(
                c.id,
                c.text,
                chunk_metadata(article, c, len(chunks)),
                [float(x) for x in stored[c.index].metadata["_embedding"]],
            )
            for c in chunks
        ]
        self._write(article, rows, held, report, moved=True)
        return True

    def _write(
        self,
        article: Article,
        rows: list[ChunkRow],
        held: dict[str, list[str]],
        report: SyncReport,
        moved: bool = False,
    ) -> None:
        old = [cid for h, cids in held.items() for cid in cids]
        partial_same = set(held.get(article.content_hash, []))
        fresh = [r for r in rows if r.id not in partial_same]
        self.store.add(fresh)
        failpoint("chroma-written")
        self.lexical.add(
            LexicalRow(
                r.id, r.metadata["article_id"], r.metadata["title"], r.text, r.metadata["source"], r.metadata["day"]
            )
            for r in fresh
        )
        failpoint("lexical-written")
        new_ids = {r.id for r in rows}
        old = [cid for cid in old if cid not in new_ids]
        if old:
            self.store.delete(old)
            failpoint("old-deleted-from-chroma")
            self.lexical.delete(old)
        self.manifest.put(article, len(rows))
        if moved:
            report.unchanged += 1
        elif any(h != article.content_hash for h in held):
            report.updated += 1
        else:
            report.added += 1
            report.added_ids.append(article.id)


def _fingerprint_key(paths: list[Path]) -> str:
    return "fingerprint:" + "|".join(sorted(str(Path(p).expanduser().resolve()) for p in paths))
