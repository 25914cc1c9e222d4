"""Watch the corpus paths and sync when articles arrive: shared by `newsbot index --watch` and the Discord bot."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

# How often (ms) the watcher wakes with nothing seen, to check that the watched folders are still the same ones.
TICK_MS = 1000


def _identity(paths: list[Path]) -> tuple[tuple[int, int] | None, ...]:
    """Which folder (device, inode) each path names now; None for one that does not exist."""
    out: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append(None)
        else:
            out.append((st.st_dev, st.st_ino))
    return tuple(out)


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
    that arrived before it started (``needs_sync`` compares the corpus fingerprint). A folder that is
    replaced (removed, and another renamed into its place) or that appears later is watched anew, and
    synced: the operating system's watch follows the folder that was there, not the name.
    """
    import watchfiles

    stop = stop or threading.Event()
    first = True
    while not stop.is_set():
        seen = _identity(paths)
        present = [p for p, ident in zip(paths, seen, strict=True) if ident is not None]
        if not present:  # nothing to watch yet: wait for a folder to appear
            if first and on_ready:
                on_ready()
                first = False
            stop.wait(TICK_MS / 1000)
            continue
        ready = False
        try:
            for changes in watchfiles.watch(
                *present,
                debounce=debounce_ms,
                raise_interrupt=True,
                yield_on_timeout=True,
                rust_timeout=TICK_MS,
                stop_event=stop,
            ):
                if not ready:
                    ready = True
                    if needs_sync():
                        sync()
                    if first and on_ready:
                        on_ready()
                    first = False
                elif changes:
                    sync()
                if _identity(paths) != seen:
                    break  # a folder was replaced, removed or created: watch what is there now
        except FileNotFoundError:  # a folder vanished while the watch was being set up
            stop.wait(TICK_MS / 1000)
        # The next watch's first wake-up syncs whatever came with the new folder.
