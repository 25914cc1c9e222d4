"""What the Discord bot remembers across restarts: answers it gave (for "Show passage") and 👍/👎 votes."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

from newsbot.index.app import Answer, Citation, private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    at REAL NOT NULL,
    guild_id INTEGER,
    channel_id INTEGER,
    user_id INTEGER,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    citations TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);
"""


class FeedbackLog:
    """A small SQLite file beside the index; one vote per person and answer (the latest counts)."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def record(
        self, answer_id: str, answer: Answer, guild_id: int | None, channel_id: int | None, user_id: int | None
    ) -> None:
        citations = [c.to_json(passage=True) for c in answer.citations]
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    time.time(),
                    guild_id,
                    channel_id,
                    user_id,
                    answer.question,
                    int(answer.answered),
                    json.dumps(citations, ensure_ascii=False),
                ),
            )

    def citation(self, answer_id: str, n: int) -> Citation | None:
        with self._lock:
            row = self._db.execute("SELECT citations FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        return next((Citation.from_json(c) for c in json.loads(row[0]) if c.get("n") == n), None)

    def vote(self, answer_id: str, user_id: int, up: bool) -> bool:
        """Record a vote; False when the answer is unknown (e.g. asked before this log existed)."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?)", (answer_id, user_id, 1 if up else -1, time.time())
            )
            return True

    def counts(self) -> dict[str, int]:
        with self._lock:
            asked, answered = self._db.execute("SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM answers").fetchone()
            up, down = self._db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM votes"
            ).fetchone()
        return {"questions": int(asked), "answered": int(answered), "up": int(up), "down": int(down)}

    def close(self) -> None:
        with self._lock:
            self._db.close()
