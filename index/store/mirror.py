"""Server mode: every process keeps its own BM25 copy of the chunks; this keeps it in step with the server.

The indexer marks the collection with a new generation after each sync that changed chunks (its own copy is
already up to date, and it records the mark locally first). A reader compares the mark with the one it last
caught up to, at most once a second, and on a difference fetches only the chunks it lacks and drops the ones
the server no longer has. So a bot on another machine answers from new articles within seconds of the sync,
without a restart, and a reader sharing the indexer's data directory never copies anything.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime

from newsbot.index.store.chroma import ChromaStore
from newsbot.index.store.lexical import LexicalIndex, LexicalRow
from newsbot.index.store.manifest import Manifest
from newsbot.index.text import UNDATED

log = logging.getLogger(__name__)

CAUGHT_UP = "lexical_generation"  # manifest meta: the collection generation the local BM25 copy matches


def new_generation() -> str:
    """A fresh generation mark: when it was made (ns) and by which process."""
    return f"{time.time_ns()}-{os.getpid()}"


def generation_time(generation: str | None) -> str | None:
    """When a generation mark was made, as ISO text (UTC); None for no mark or one in another form."""
    made = (generation or "").split("-")[0]
    return datetime.fromtimestamp(int(made) / 1e9, UTC).isoformat(timespec="seconds") if made.isdigit() else None


class LexicalMirror:
    def __init__(self, store: ChromaStore, lexical: LexicalIndex, manifest: Manifest, every_s: float = 1.0) -> None:
        self.store = store
        self.lexical = lexical
        self.manifest = manifest
        self.every_s = every_s
        self._checked = float("-inf")
        self._busy = threading.Lock()

    def refresh(self) -> int:
        """Catch up with the server if it changed; the number of chunks added or removed (0 when in step)."""
        if time.monotonic() - self._checked < self.every_s or not self._busy.acquire(blocking=False):
            return 0  # checked a moment ago, or another thread is catching up: answer from the copy we have
        try:
            self._checked = time.monotonic()
            remote = self.store.generation()
            if remote is None or remote == self.manifest.get_meta(CAUGHT_UP):
                return 0
            started = time.perf_counter()
            theirs, ours = self.store.ids(), self.lexical.ids()
            gone, missing = ours - theirs, sorted(theirs - ours)
            if gone:
                self.lexical.delete(gone)
            copy_chunks(self.store, self.lexical, missing)
            self.manifest.set_meta(CAUGHT_UP, remote)
            log.info(
                "caught up with the index: %d chunks added, %d removed in %.2f s",
                len(missing),
                len(gone),
                time.perf_counter() - started,
            )
            return len(missing) + len(gone)
        finally:
            self._busy.release()


def copy_chunks(store: ChromaStore, lexical: LexicalIndex, ids: list[str]) -> None:
    """Copy these chunks' text and filter fields from Chroma into the lexical index."""
    for start in range(0, len(ids), 1000):
        rows = store.get(ids[start : start + 1000])
        lexical.add(
            LexicalRow(
                r.id,
                r.metadata["article_id"],
                r.metadata.get("title", ""),
                r.text,
                r.metadata.get("source", ""),
                int(r.metadata.get("day", UNDATED)),
            )
            for r in rows
        )
