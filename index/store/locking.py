"""One sync at a time per data directory, across threads and processes (an advisory file lock)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsbot.config.errors import StoreError, SyncBusyError
from newsbot.index.store.disk import private_dir


class SyncLock:
    """``flock`` on ``{data_dir}/sync.lock``; the kernel releases it when its holder exits, even on SIGKILL.

    Each ``hold()`` opens the file anew, so two threads of one process exclude each other too.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def hold(self) -> Iterator[None]:
        try:
            private_dir(self.path.parent)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(
                f"cannot write in the data directory {self.path.parent} ({exc.strerror}). "
                "Make it writable (or point index.data_dir elsewhere); the index there still answers."
            ) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                raise SyncBusyError(
                    f"another sync is running on {self.path.parent} (pid {holder}); "
                    "wait for it to finish, or stop it, then run `newsbot index` again"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing the last descriptor releases the lock

    def busy(self) -> bool:
        """Whether a sync holds the lock now (a glance for front ends; ``hold`` is still what decides)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return False  # no lock file: no sync ever ran here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False
