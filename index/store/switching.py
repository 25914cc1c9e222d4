"""The storage lifecycle of a rebuild: an index made beside the one in use, the switch to it, and the
recovery of a switch cut short. At every instant the old index or the new one answers.

Embedded, ``DATA_DIR/chroma`` is a link to the folder of its generation (``chroma.g-...``) and the switch
replaces the link in one atomic rename; an index of the older layout (a real folder) is moved aside
(``chroma.retired-PID``) once. On a server the collection in use is renamed aside (``PREFIX_retired-...``),
the new one takes its name, and the old one is deleted; readers that find no collection in use read the
retired one. The next sync rolls a cut-short switch back. Every switch rewrites ``DATA_DIR/generation``, so
long-lived processes reopen the index (Newsbot.follow_rebuilds).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from newsbot.index.failpoints import failpoint
from newsbot.index.indexer import SYNC_STATE, Progress, SyncReport
from newsbot.index.store.chroma import collection_names, make_client, retired_name
from newsbot.index.store.disk import open_db
from newsbot.index.store.manifest import Manifest

if TYPE_CHECKING:
    from newsbot.config.settings import Settings
    from newsbot.index.app import Newsbot

GENERATION_FILE = "generation"  # under the data directory: rewritten by every rebuild's switch
STAGING = "rebuilding"  # under the data directory: the index a rebuild is making


def _staging_prefix(settings: Settings) -> str:
    """Collections of a rebuild in progress: never under ``prefix-`` (that is the index in use)."""
    return f"{settings.chroma.collection_prefix}_rebuild"


def _clear_staging(bot: Newsbot, staging: Path) -> None:
    """What an interrupted rebuild left: its folder, and on a server its collections."""
    if staging.exists():
        shutil.rmtree(staging)
    if bot.settings.chroma.mode == "http":
        client = make_client(bot.settings.chroma, bot.settings.index.data_dir)
        for name in collection_names(client):
            if name.startswith(_staging_prefix(bot.settings) + "-"):
                client.delete_collection(name)


RETIRED = "chroma.retired-"  # embedded: an index of the old layout, moved aside for the moment of its switch
GENERATIONS = "chroma.g-"  # embedded: each rebuild's folder; `chroma` links to the one in use


def _mark_running(db_file: Path) -> None:
    """Mark an index's bookkeeping as mid-sync, so the next sync reads Chroma in full and repairs it."""
    db = open_db(db_file.parent, db_file.name.removesuffix(".sqlite3"))
    try:
        Manifest(db, threading.RLock()).set_meta(SYNC_STATE, "running")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def rebuild(self: Newsbot, paths: list[Path], progress: Progress | None = None) -> SyncReport:
    """Index every article anew beside the index in use, then switch to the new one.

    The old index answers until the new one is complete; interrupted (Ctrl-C, a crash, a full disk),
    the old one is left as it was and the half-built one is cleared by the next rebuild. The new one
    may have other settings (chunk size, embedder): the old one is not even opened.
    """
    data_dir = self.settings.index.data_dir
    staging = data_dir / STAGING
    with self.sync_lock.hold():
        recovered = recover(self)
        _clear_staging(self, staging)
        staged = _staged(self, staging)
        try:
            report = staged.indexer.sync(paths, progress=progress)
            report.warnings += [recovered] if recovered else []
            _switch(self, staged, staging)
        finally:
            staged.close()
        _clear_staging(self, staging)
    return report


def _staged(self: Newsbot, staging: Path) -> Newsbot:
    index = self.settings.index.model_copy(update={"data_dir": staging})
    chroma = self.settings.chroma
    if chroma.mode == "http":  # the server holds both until the switch (embedded: a Chroma of its own)
        chroma = chroma.model_copy(update={"collection_prefix": _staging_prefix(self.settings)})
    staged = type(self)(self.settings.model_copy(update={"index": index, "chroma": chroma}), self._embedder)
    if "embedder" in self.__dict__:
        staged.__dict__["embedder"] = self.embedder  # the model is loaded once
    return staged


def _switch(self: Newsbot, staged: Newsbot, staging: Path) -> None:
    """Put the staged index where the index lives, Chroma first, then the SQLite file.

    Chroma moves in three steps: the index in use is renamed aside (retired), the staged one takes its
    name, the retired one is deleted. Readers that find no index in use read the retired one, so at every
    instant the old or the new index answers; a run killed between the steps is finished or rolled back
    by the next sync (``recover_switch``).
    """
    data_dir = self.settings.index.data_dir
    prefix = self.settings.chroma.collection_prefix
    final = staged.spec.collection_name(prefix)
    self.close()
    # A crash between the Chroma move and the SQLite move leaves a Chroma and a SQLite file of different
    # builds; marked "running", the old SQLite file makes the next sync read Chroma in full and repair it.
    for old in data_dir.glob(f"{prefix}-*.sqlite3"):
        _mark_running(old)
    if self.settings.chroma.mode == "embedded":
        new = staging / "chroma"
        staged.close()
        # `chroma` is a link to a folder of its own generation, and the switch replaces the link in one
        # atomic rename: a reader finds the old index or the new one, never neither. An index made before
        # this layout (a real folder) is renamed aside once, the old way, and linked from then on.
        built = data_dir / f"{GENERATIONS}{os.urandom(6).hex()}"
        os.rename(new, built)
        link = data_dir / f".chroma-link-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(built.name, link)
        current = data_dir / "chroma"
        before = os.readlink(current) if current.is_symlink() else None
        retired = data_dir / f"{RETIRED}{os.getpid()}"
        if current.exists() and before is None:
            os.rename(current, retired)
        failpoint("switch-retired")
        os.replace(link, current)
        failpoint("switch-renamed")
        shutil.rmtree(retired, ignore_errors=True)
        if before is not None and before != built.name:
            shutil.rmtree(data_dir / before, ignore_errors=True)
    else:
        staged_name = staged.store_name
        staged.close()
        from newsbot.index.store.chroma import guard_store

        with guard_store("the switch to the rebuilt index", self.settings.chroma):
            client = make_client(self.settings.chroma, data_dir)
            if final in collection_names(client):
                client.get_collection(final, embedding_function=None).modify(name=retired_name(final, prefix))
            failpoint("switch-retired")
            client.get_collection(staged_name, embedding_function=None).modify(name=final)
            failpoint("switch-renamed")
            for name in collection_names(client):
                if name != final and (name.startswith(prefix + "-") or name.startswith(f"{prefix}_retired-")):
                    client.delete_collection(name)  # the retired index, and any built with other settings
    db = staging / f"{staged.db_name(staged.store_name)}.sqlite3"
    target = data_dir / f"{self.db_name(final)}.sqlite3"
    for stale in data_dir.glob(f"{prefix}-*.sqlite3*"):
        stale.unlink(missing_ok=True)
    os.replace(db, target)
    # Other processes holding the old index open see this change and open the new one.
    marker = data_dir / GENERATION_FILE
    temporary = data_dir / f".{GENERATION_FILE}-{os.getpid()}"
    temporary.write_text(f"{os.getpid()}-{os.urandom(8).hex()}")
    os.replace(temporary, marker)


def recover(self: Newsbot) -> str | None:
    """Finish or roll back a rebuild's switch that was cut short (killed, or the server timed out between
    its steps); says what it did, None when there was nothing to do. Call with the sync lock held."""
    data_dir = self.settings.index.data_dir
    back = "a rebuild was cut short while switching indexes; the index from before it is back in use"
    if self.settings.chroma.mode == "embedded":
        current = data_dir / "chroma"
        in_use = os.readlink(current) if current.is_symlink() else None
        for folder in data_dir.glob(f"{GENERATIONS}*"):  # built by a rebuild killed before its switch
            if folder.name != in_use:
                shutil.rmtree(folder, ignore_errors=True)
        for link in data_dir.glob(".chroma-link-*"):
            link.unlink(missing_ok=True)
        retired = sorted(data_dir.glob(f"{RETIRED}*"), key=lambda p: p.stat().st_mtime)
        if not retired:
            return None
        if (data_dir / "chroma").exists():  # the new index is in place: only the clean-up was left
            for folder in retired:
                shutil.rmtree(folder, ignore_errors=True)
            return None
        self.close()
        os.rename(retired[-1], data_dir / "chroma")  # the new one never took its place: the old one answers
        for folder in retired[:-1]:
            shutil.rmtree(folder, ignore_errors=True)
        _clear_staging(self, data_dir / STAGING)  # what the rolled-back rebuild made
        return back
    from newsbot.index.store.chroma import guard_store

    prefix = self.settings.chroma.collection_prefix
    with guard_store("recovering an interrupted rebuild", self.settings.chroma):
        names = collection_names(self.client)
        aside = [n for n in names if n.startswith(f"{prefix}_retired-")]
        if not aside:
            return None
        self.close()
        client = make_client(self.settings.chroma, data_dir)
        said = None
        for name in aside:
            final = prefix + "-" + name[len(f"{prefix}_retired-") :]
            if final in names:
                client.delete_collection(name)
            else:
                client.get_collection(name, embedding_function=None).modify(name=final)
                said = back
        if said:
            _clear_staging(self, data_dir / STAGING)  # what the rolled-back rebuild made
        return said
