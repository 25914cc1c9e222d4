"""Watch the corpus paths and sync when articles arrive: shared by `newsbot index --watch` and the Discord bot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path


def watch_corpus(
    paths: list[Path],
    debounce_ms: int,
    sync: Callable[[], None],
    needs_sync: Callable[[], bool],
    stop: threading.Event | None = None,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Call ``sync`` whenever files under ``paths`` change (debounced), until ``stop`` is set; Ctrl-C raises
    KeyboardInterrupt to the caller (`newsbot index --watch` exits 130 on it).

    Changes are seen only once the watcher runs, so the first wake-up catches up on anything
    that arrived before it started (``needs_sync`` compares the corpus fingerprint).
    """
    import watchfiles

    ready = False
    for changes in watchfiles.watch(
        *paths,
        debounce=debounce_ms,
        raise_interrupt=True,
        yield_on_timeout=True,
        rust_timeout=1000,
        stop_event=stop,
    ):
        if not ready:
            ready = True
            if needs_sync():
                sync()
            if on_ready:
                on_ready()
        elif changes:
            sync()
