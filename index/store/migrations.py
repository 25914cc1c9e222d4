"""Every conversion of an index made by an older newsbot, in one place, numbered.

Each step runs once per index, when a command first opens it, and is recorded in the bookkeeping file's
``meta`` table as ``migration:N`` (the way simonw/llm records its migrations), so it never runs twice and
an index made after a step never runs it. A step that renames files runs before the file is opened and is
idempotent instead (it looks for the old name).

1. (names) The collection and its bookkeeping file named before the embedder's hash was part of the
   collection name take the new name (``rename_legacy_collection``, ``rename_legacy_files``).
2. Undated chunks carried the day of 1969-12-31 (day -1), which `--as-of 1960-01-01` then hid: both stores
   renumber them to ``text.UNDATED``.

One conversion cannot run at open, because it needs each article's text: JSONL articles indexed before
content hashes left out line numbers (READER_VERSION 2) are re-keyed at their next sync, each one as the
sync reads it, with its stored vectors and nothing embedded again (``Indexer._rekeyed``). It is listed here
so that this page names every conversion there is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from newsbot.index.text import OLD_UNDATED, UNDATED


class Opened(Protocol):
    """What a step may touch: the index's stores, opened."""

    @property
    def store(self) -> _Renumbers: ...

    @property
    def manifest(self) -> _Meta: ...


class _Renumbers(Protocol):
    def renumber_day(self, old: int, new: int) -> object: ...


class _Meta(Protocol):
    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    apply: Callable[[Opened, _Renumbers], None]  # the index, and its lexical index
    # An index that already has this step done under an older record (meta key, value) needs nothing.
    recorded_as: tuple[str, str] | None = None


def rename_legacy_collection(client: Any, names: list[str], name: str, legacy: str) -> list[str]:
    """Step 1: the collection under its pre-hash name takes the current one (before it is opened); the
    collection names after it."""
    if name in names or legacy not in names:
        return names
    client.get_collection(legacy, embedding_function=None).modify(name=name)
    return [name if n == legacy else n for n in names]


def rename_legacy_files(data_dir: Path, name: str, legacy: str) -> None:
    """Step 1: the bookkeeping file under its pre-hash name takes the current one (before it is opened)."""
    if (data_dir / f"{name}.sqlite3").exists() or not (data_dir / f"{legacy}.sqlite3").exists():
        return
    for ending in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm"):
        if (data_dir / f"{legacy}{ending}").exists():
            os.replace(data_dir / f"{legacy}{ending}", data_dir / f"{name}{ending}")


def _renumber_undated(index: Opened, lexical: _Renumbers) -> None:
    index.store.renumber_day(OLD_UNDATED, UNDATED)
    lexical.renumber_day(OLD_UNDATED, UNDATED)


MIGRATIONS = (Migration(2, "undated chunks renumbered", _renumber_undated, ("undated_day", str(UNDATED))),)


def apply_pending(index: Opened, lexical: _Renumbers) -> list[int]:
    """Run the steps this index has not had, in order, recording each; returns the numbers run."""
    ran = []
    for step in MIGRATIONS:
        key = f"migration:{step.number}"
        if index.manifest.get_meta(key) is not None:
            continue
        if not (step.recorded_as and index.manifest.get_meta(step.recorded_as[0]) == step.recorded_as[1]):
            step.apply(index, lexical)
            ran.append(step.number)
        index.manifest.set_meta(key, datetime.now(UTC).isoformat(timespec="seconds"))
    return ran
