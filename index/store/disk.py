"""The data directory on disk: folders only its owner reads, and the SQLite files kept there."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700, whatever the umask); an existing folder is left as it is."""
    if not path.exists():
        try:
            path.mkdir(parents=True, mode=0o700)
        except FileExistsError:  # made meanwhile by another thread or process (a watcher's sync, a question)
            return path
        path.chmod(0o700)
    return path


def open_db(data_dir: Path, name: str) -> sqlite3.Connection:
    """The local SQLite file for one collection (lexical index and manifest)."""
    private_dir(data_dir)
    db = sqlite3.connect(data_dir / f"{name}.sqlite3", check_same_thread=False, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db
