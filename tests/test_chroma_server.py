"""The same code path against a real `chroma run` server on loopback (chroma.mode = "http")."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from index.retrieval import Query
from index.wiring import Newsbot
from tests.conftest import FakeEmbedder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    code = (
        "import chromadb_rust_bindings as b; "
        f"b.cli(['chroma', 'run', '--path', {str(tmp_path / 'server')!r}, '--host', '127.0.0.1', '--port', '{port}'])"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_sync_and_answer_through_a_chroma_server(chroma_server: int, corpus: Path, tmp_path: Path) -> None:
    settings = Settings(
        corpus={"paths": [str(corpus)]},
        index={"data_dir": str(tmp_path / "local"), "chunk_tokens": 40, "chunk_overlap": 8},
        chroma={"mode": "http", "port": chroma_server},
    )
    bot = Newsbot(settings, embedder=FakeEmbedder())
    first = bot.indexer.sync([corpus])
    assert first.added == 9 and first.chunks == bot.store.count() > 9
    assert not (tmp_path / "local" / "chroma").exists()  # vectors live on the server
    assert bot.indexer.sync([corpus]).embedded_chunks == 0
    (corpus / "riverton-budget-may.txt").unlink()
    assert bot.indexer.sync([corpus]).removed == 1
    answer = bot.answerer.answer(Query("Which team did Marlow Rovers beat in the county cup final?"))
    assert answer.answered and answer.citations[0].article_id == "https://sports.test/2022/06/18/marlow-rovers-cup"
