"""Faults in-process: a second sync at once, a full disk mid-sync, and what the user sees."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.errors import IndexUnavailableError, IndexWriteError, SyncBusyError
from newsbot.index.app import Newsbot
from newsbot.index.search import Query
from newsbot.index.store.chroma import store_error
from newsbot.index.store.locking import SyncLock

CUP = "Which team did Marlow Rovers beat in the county cup final?"


def snapshot(bot: Newsbot) -> tuple[set[str], set[str], dict[str, str]]:
    """Chroma's chunk ids, the lexical index's, and the manifest's article -> version."""
    return (
        set(bot.store.all_metadata()),
        bot.lexical.ids(),
        {a: row.content_hash for a, row in bot.manifest.rows().items()},
    )


def test_a_second_sync_on_the_same_data_refuses_with_a_clear_message(bot: Newsbot, corpus: Path) -> None:
    held, release = threading.Event(), threading.Event()

    def other_process() -> None:  # another open file description: exactly what a second process has
        with SyncLock(bot.settings.index.data_dir / "sync.lock").hold():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=other_process)
    assert not bot.sync_running()
    holder.start()
    try:
        assert held.wait(10)
        assert bot.sync_running()
        with pytest.raises(SyncBusyError, match=r"another sync is running on .*data \(pid \d+\); wait for it"):
            bot.indexer.sync([corpus])
        assert bot.store.count() == 0  # refused before touching anything
    finally:
        release.set()
        holder.join()
    assert not bot.sync_running()
    assert bot.indexer.sync([corpus]).added == 9  # the lock went with its holder


def test_newsbot_index_exits_2_while_another_sync_runs(run: Any, tmp_path: Path) -> None:
    assert run("index")[0] == 0
    with SyncLock(tmp_path / ".newsbot" / "sync.lock").hold():
        code, _, err = run("index")
    assert code == 2
    assert err.startswith("newsbot: error: another sync is running on ") and "run `newsbot index` again" in err
    assert run("index")[0] == 0


def test_the_data_directory_made_by_two_threads_at_once_is_no_error(tmp_path: Path) -> None:
    """A watcher's first sync and a first question open a new data directory at the same moment (seen as
    "cannot open the index ... File exists" when one lost the race)."""
    import threading

    from newsbot.index.app import private_dir

    for n in range(20):
        target = tmp_path / f"try-{n}" / "data"
        start = threading.Barrier(4)
        failures: list[BaseException] = []

        def make(
            where: Path = target, barrier: threading.Barrier = start, seen: list[BaseException] = failures
        ) -> None:
            barrier.wait()
            try:
                private_dir(where)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                seen.append(exc)

        threads = [threading.Thread(target=make) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == [] and target.is_dir()


def test_the_data_directory_is_readable_by_its_owner_only(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync([corpus])
    mode = stat.S_IMODE(bot.settings.index.data_dir.stat().st_mode)
    assert mode == 0o700
    assert stat.S_IMODE((bot.settings.index.data_dir / "sync.lock").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("where", "failure"),
    [
        ("store", OSError(errno.ENOSPC, "No space left on device")),
        ("lexical", sqlite3.OperationalError("database or disk is full")),
    ],
)
def test_a_full_disk_mid_sync_is_one_clear_error_and_the_index_still_answers(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch, where: str, failure: Exception
) -> None:
    bot.indexer.sync([corpus])
    before = snapshot(bot)
    (corpus / "cup-replay.txt").write_text(
        "Cup final replay ordered\nThe county cup final between Marlow Rovers and Henley Town will be replayed.\n"
    )
    target = bot.store if where == "store" else bot.lexical

    def full(*args: Any, **kwargs: Any) -> None:
        raise failure

    with monkeypatch.context() as patch:
        patch.setattr(target, "add", full)
        with pytest.raises(IndexWriteError) as caught:
            bot.indexer.sync([corpus])
    message = str(caught.value)
    assert message.startswith("could not write the index during sync (")
    assert "Free disk space or make the data directory writable, then run `newsbot index` again" in message
    answer = bot.answerer.answer(Query(CUP))
    assert answer.answered and answer.citations[0].article_id == "https://sports.test/2022/06/18/marlow-rovers-cup"
    assert snapshot(bot)[0] >= before[0]  # nothing that was indexed is lost
    report = bot.indexer.sync([corpus])  # disk space back: the next run finishes the job
    # (when Chroma had taken the new article's chunks before the lexical write failed, they are kept: unchanged)
    assert report.added + report.unchanged == 10 and not report.skipped
    chroma, lexical, manifest = snapshot(bot)
    assert chroma == lexical and len(manifest) == 10


def test_only_environmental_failures_become_user_errors() -> None:
    import httpx

    assert isinstance(store_error(httpx.ConnectError("Connection refused")), IndexUnavailableError)
    assert str(store_error(httpx.ConnectError("refused"))).startswith(
        "the index is unavailable right now, try again shortly"
    )
    assert isinstance(store_error(OSError(errno.EROFS, "Read-only file system")), IndexWriteError)
    assert store_error(KeyError("article_id")) is None  # a bug keeps its traceback
    assert store_error(sqlite3.OperationalError("no such column: day")) is None


def test_nothing_from_an_articles_metadata_becomes_a_file_path(tmp_path: Path) -> None:
    from newsbot.config.settings import CorpusSettings
    from newsbot.index.ingest.articles import CorpusReader

    record = {"id": "x", "title": "T", "text": "Body text here.", "path": "../../etc/passwd", "root": "/etc"}
    (tmp_path / "feed.json").write_text(json.dumps(record))
    reader = CorpusReader(CorpusSettings(paths=[tmp_path]))
    (article,) = reader.scan([tmp_path]).articles
    assert (article.root, article.path) == (str(tmp_path.resolve()), "feed.json")
    assert set(reader.load([article])) == {article.id}  # re-read from the file the walk found, nothing else


def test_a_chroma_server_that_never_answers_is_given_up_on(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    port = silent.getsockname()[1]
    monkeypatch.setenv("NEWSBOT_CHROMA__MODE", "http")
    monkeypatch.setenv("NEWSBOT_CHROMA__PORT", str(port))
    monkeypatch.setenv("NEWSBOT_CHROMA__TIMEOUT_S", "1")
    try:
        for command in (("stats",), ("ask", "Who scored twice?"), ("index",)):  # each used to hang for ever
            code, out, err = run(*command)
            assert code == 2, (command, err)
            assert err == (
                f"newsbot: error: the Chroma server at http://127.0.0.1:{port} did not answer within 1 s. Check that "
                "a healthy Chroma server listens there (chroma run --path DIR --host HOST --port PORT), or fix "
                "chroma.host/chroma.port; chroma.timeout_s sets how long newsbot waits.\n"
            )
    finally:
        stop.set()
        silent.close()
        for connection in held:
            connection.close()


def _small_disk(path: Path, size: str) -> bool:
    """A tmpfs of ``size`` at ``path`` (root only); False where mounting is not allowed."""
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


# `newsbot` with the fake embedder (fast), in a process of its own: Chroma on a full disk runs background work
# that must not share the test session's process, and a hang there fails this test instead of holding the suite.
FAKE_NEWSBOT = """
import sys
from newsbot import cli
from newsbot.index.app import Newsbot
from tests.conftest import FakeEmbedder
cli._newsbot = lambda settings: Newsbot(settings, embedder=FakeEmbedder())
sys.exit(cli.main(sys.argv[1:]))
"""


def _fake_newsbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).parent.parent
    return subprocess.run(
        [sys.executable, "-c", FAKE_NEWSBOT, *args], env=env, cwd=root, capture_output=True, text=True, timeout=180
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs")
def test_a_full_disk_under_chroma_is_one_line_and_exit_2_and_the_next_run_converges(tmp_path: Path) -> None:
    import random

    words = ["harbor", "ferry", "council", "budget", "storm", "river", "bridge", "school", "market", "mayor"]
    big = tmp_path / "big"
    big.mkdir()
    for i in range(300):
        rng = random.Random(i)
        text = " ".join(f"{rng.choice(words)}{rng.randrange(97)}" for _ in range(400))
        (big / f"a{i:03d}.txt").write_text(f"Report {i}\nThe {text}.\n")
    disk = tmp_path / "disk"
    if not _small_disk(disk, "6m"):
        pytest.skip("mounting a tmpfs is not allowed here")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_CONFIG=os.environ["NEWSBOT_CONFIG"],
        NEWSBOT_CORPUS__PATHS=json.dumps([str(big)]),
        NEWSBOT_INDEX__DATA_DIR=str(disk / "d"),
    )
    try:
        full = _fake_newsbot(env, "index")
        assert full.returncode == 2, full.stderr
        err = full.stderr
        assert err.startswith("newsbot: error: could not write the index") and err.count("\n") == 1
        assert "Free disk space" in err and "Traceback" not in err
        subprocess.run(["mount", "-o", "remount,size=256m", str(disk)], check=True)  # space freed
        again = _fake_newsbot(env, "index", "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["articles"] == 300
        stats = _fake_newsbot(env, "stats", "--json")
        assert json.loads(stats.stdout)["articles"] == 300
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
