"""The same code path against a real `chroma run` server on loopback (chroma.mode = "http")."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.errors import IndexUnavailableError
from newsbot.config.settings import Settings
from newsbot.index.app import Newsbot
from newsbot.index.search import Query
from tests.chroma_server import ChromaServer
from tests.conftest import FakeEmbedder


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path / "server")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def chroma_server(server: ChromaServer) -> int:
    return server.port


def http_settings(port: int, data_dir: Path, corpus: Path, **index: Any) -> Settings:
    return Settings(
        corpus={"paths": [str(corpus)]},
        index={"data_dir": str(data_dir), **index},
        chroma={"mode": "http", "port": port},
    )


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


def test_the_index_going_away_and_coming_back(server: ChromaServer, corpus: Path, tmp_path: Path) -> None:
    bot = Newsbot(
        http_settings(server.port, tmp_path / "local", corpus, chunk_tokens=40, chunk_overlap=8),
        embedder=FakeEmbedder(),
    )
    bot.indexer.sync([corpus])
    question = Query("Which team did Marlow Rovers beat in the county cup final?")
    assert bot.answerer.answer(question).answered
    server.stop()
    with pytest.raises(IndexUnavailableError, match=r"^the index is unavailable right now, try again shortly"):
        bot.answerer.answer(question)
    with pytest.raises(IndexUnavailableError):
        bot.indexer.sync([corpus])
    server.start()
    back = time.monotonic()
    while True:  # the same objects, no restart: answers resume by themselves
        try:
            answer = bot.answerer.answer(question)
            break
        except IndexUnavailableError:
            assert time.monotonic() - back < 30
            time.sleep(0.05)
    print(f"answering again {time.monotonic() - back:.3f} s after the server was back")
    assert answer.answered and answer.citations[0].article_id == "https://sports.test/2022/06/18/marlow-rovers-cup"
    assert bot.indexer.sync([corpus]).embedded_chunks == 0  # nothing was lost or needs redoing


def test_a_reader_on_another_machine_follows_the_writer(server: ChromaServer, corpus: Path, tmp_path: Path) -> None:
    fake = FakeEmbedder()
    writer = Newsbot(http_settings(server.port, tmp_path / "writer", corpus, chunk_tokens=40, chunk_overlap=8), fake)
    reader = Newsbot(http_settings(server.port, tmp_path / "reader", corpus, chunk_tokens=40, chunk_overlap=8), fake)
    writer.indexer.sync([corpus])
    # The reader's own data directory starts without a BM25 copy: its first question fills it from the server.
    assert reader.lexical.count() == 0
    reader.retriever.retrieve(Query("Glimmer Robotics"), 5)
    assert reader.bm25_article_ids("Glimmer Robotics", 5)[0] == "https://techdaily.test/2022/07/01/glimmer-robotics-funding"
    assert reader.lexical.ids() == writer.lexical.ids()
    (corpus / "seals.txt").write_text("Seals return\nGrey seals were seen at Gull Point harbor for the first time.\n")
    (corpus / "riverton-budget-may.txt").unlink()
    writer.indexer.sync([corpus])
    time.sleep(reader.retriever.catch_up.__self__.every_s)  # type: ignore[union-attr]
    reader.retriever.retrieve(Query("grey seals Gull Point"), 5)  # a question catches the BM25 copy up
    assert reader.bm25_article_ids("grey seals Gull Point", 5)[0] == "seals.txt"
    assert reader.lexical.ids() == writer.lexical.ids()  # and the removed article's chunks are gone


def test_a_readers_stats_count_what_the_writer_wrote(server: ChromaServer, corpus: Path, tmp_path: Path) -> None:
    fake = FakeEmbedder()
    writer = Newsbot(http_settings(server.port, tmp_path / "writer", corpus, chunk_tokens=40, chunk_overlap=8), fake)
    reader = Newsbot(http_settings(server.port, tmp_path / "reader", corpus, chunk_tokens=40, chunk_overlap=8), fake)
    writer.indexer.sync([corpus])
    book, theirs = writer.manifest.stats(), reader.stats()  # the writer's bookkeeping; the reader has none
    assert reader.manifest.stats()["articles"] == 0
    assert theirs["articles"] == book["articles"] == 9 and theirs["chunks"] == writer.store.count()
    assert theirs["sources"] == book["sources"] and len(theirs["sources"]) > 1
    assert (theirs["oldest"], theirs["newest"]) == (book["oldest"][:10], book["newest"][:10])
    gap = datetime.fromisoformat(theirs["last_sync"]) - datetime.fromisoformat(book["last_sync"])
    assert abs(gap.total_seconds()) < 60  # the writer's last change, seen from the server


def test_a_new_article_from_a_watching_writer_is_answered_by_a_separate_reader_within_seconds(
    server: ChromaServer, corpus: Path, tmp_path: Path, minilm: Any
) -> None:
    from tests.test_processes import EXE, env_for, interrupt, lines_of

    env = env_for(corpus, tmp_path / "writer")
    env.update(
        NEWSBOT_CHROMA__MODE="http", NEWSBOT_CHROMA__PORT=str(server.port), NEWSBOT_INDEX__WATCH_DEBOUNCE_MS="200"
    )
    writer = subprocess.Popen(
        [EXE, "index", "--watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        out = lines_of(writer.stdout)
        assert out.get(timeout=180).startswith('{"added": 9')
        reader = Newsbot(http_settings(server.port, tmp_path / "reader", corpus), embedder=minilm)
        question = Query("Where were the grey seals seen?")
        assert all(c.article_id != "seals.txt" for c in reader.answerer.answer(question).citations)
        (corpus / "seals.txt").write_text(
            "Seals return\nGrey seals were seen at Gull Point harbor for the first time.\n"
        )
        written = time.monotonic()
        while True:  # the reader process is never restarted
            answer = reader.answerer.answer(question)
            if answer.citations and answer.citations[0].article_id == "seals.txt":
                break
            assert time.monotonic() - written < 60, "the reader never saw the new article"
            time.sleep(0.2)
        print(f"the reader answered from the new article {time.monotonic() - written:.1f} s after it was written")
        assert "Gull Point" in answer.citations[0].quote
    finally:
        interrupt(writer)


class DrippingProxy:
    """A TCP proxy on loopback in front of a real server; once ``drip`` is set, it passes the server's replies
    on one byte every ``every_s`` seconds (issue 27 item 9)."""

    def __init__(self, upstream_port: int, every_s: float = 0.5) -> None:
        import socket
        import threading

        self.upstream_port, self.every_s = upstream_port, every_s
        self.drip = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source: Any, target: Any, reply: bool) -> None:
        try:
            while data := source.recv(65536):
                if reply and self.drip.is_set():
                    for i in range(len(data)):
                        target.sendall(data[i : i + 1])
                        time.sleep(self.every_s)
                else:
                    target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.close()

    def close(self) -> None:
        self.listener.close()


def test_a_server_that_drips_its_reply_is_given_up_on_after_the_timeout(
    server: ChromaServer, corpus: Path, tmp_path: Path
) -> None:
    """Issue 27 item 9: httpx's timeout counts per read, so a reply dripped a byte at a time hung `ask` forever."""
    proxy = DrippingProxy(server.port)
    settings = http_settings(proxy.port, tmp_path / "local", corpus, chunk_tokens=40, chunk_overlap=8)
    settings = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"timeout_s": 2.0})})
    bot = Newsbot(settings, embedder=FakeEmbedder())
    bot.indexer.sync([corpus])
    question = Query("Which team did Marlow Rovers beat in the county cup final?")
    assert bot.answerer.answer(question).answered
    proxy.drip.set()
    started = time.monotonic()
    with pytest.raises(IndexUnavailableError, match="did not answer within 2 s"):
        bot.answerer.answer(question)
    assert time.monotonic() - started < 15  # the call's deadline, not a byte's
    proxy.close()
