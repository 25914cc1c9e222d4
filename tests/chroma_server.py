"""`chroma run` for tests: a real Chroma server on a free loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """`chroma run` on a free loopback port; stop() and start() again keep the port and the data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        code = (
            "import chromadb_rust_bindings as b; "
            f"b.cli(['chroma', 'run', '--path', {str(self.path)!r}, '--host', '127.0.0.1', '--port', '{self.port}'])"
        )
        started = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.monotonic() - started < 30:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return time.monotonic() - started
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail("chroma run did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
