"""`newsbot index` as separate processes: killed mid-sync it converges; --watch picks up new articles."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parent.parent
EXE = str(Path(sys.executable).parent / "newsbot")


def write_corpus(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences = " ".join(
            f"Report {i} says the harbor in town {i} handled {100 + j} ships in week {j} of the season."
            for j in range(14)
        )
        (folder / f"a{i:03d}.txt").write_text(f"Harbor report {i}\n{sentences}\n")


def env_for(corpus: Path, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        NEWSBOT_CONFIG=str(ROOT / "config" / "newsbot.toml"),
        NEWSBOT_CORPUS__PATHS=json.dumps([str(corpus)]),
        NEWSBOT_INDEX__DATA_DIR=str(data),
        NEWSBOT_LOGGING__LEVEL="INFO",
    )
    return env


def lines_of(stream) -> queue.Queue[str]:
    q: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [q.put(line) for line in stream], daemon=True).start()
    return q


def wait_for(q: queue.Queue[str], needle: str, timeout: float = 120) -> str:
    while True:
        line = q.get(timeout=timeout)
        if needle in line:
            return line


def drain(q: queue.Queue[str], idle: float = 1.0) -> str:
    """What is left in a finished process's stream."""
    lines = []
    try:
        while True:
            lines.append(q.get(timeout=idle))
    except queue.Empty:
        return "".join(lines)


def chunk_state(corpus: Path, data: Path) -> tuple[int, int]:
    done = subprocess.run(
        [EXE, "index", "--json"], env=env_for(corpus, data), capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return report["chunks"], report["articles"]


def test_sigkill_during_a_sync_then_rerun_gives_what_an_uninterrupted_run_gives(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 24)
    reference = chunk_state(corpus, tmp_path / "reference")

    data = tmp_path / "data"
    env = env_for(corpus, data)
    proc = subprocess.Popen([EXE, "index"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    wait_for(lines_of(proc.stderr), "wrote ")  # some chunks are in, more to come
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert chunk_state(corpus, data) == reference
    again = subprocess.run([EXE, "index", "--json"], env=env, capture_output=True, text=True, timeout=600, check=False)
    assert json.loads(again.stdout)["embedded_chunks"] == 0


def index_state(data: Path) -> tuple[set[str], set[str], dict[str, tuple[str, int]]]:
    """Chroma's chunk ids, the lexical index's and the manifest's articles, read after the processes exited."""
    from newsbot.config.settings import Settings
    from newsbot.index.app import Newsbot

    bot = Newsbot(Settings(index={"data_dir": str(data)}))  # the defaults, as in config/newsbot.toml
    rows = bot.manifest.rows()
    return bot.store.ids(), bot.lexical.ids(), {a: (r.content_hash, r.n_chunks) for a, r in rows.items()}


# Every named point of a sync (index/failpoints.py); ":2" is the second article written.
KILL_POINTS = [
    "chroma-written",
    "chroma-written:2",
    "lexical-written",
    "old-deleted-from-chroma",
    "written",
    "removed-from-chroma",
    "before-clean",
]


def test_sigkill_at_every_point_of_a_sync_converges_to_the_uninterrupted_result(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 8)
    before = tmp_path / "before"
    chunk_state(corpus, before)
    for i in (0, 1):  # two updated, two removed, two added
        (corpus / f"a{i:03d}.txt").write_text(
            f"Harbor report {i}, revised\nThe harbor in town {i} closed for a week.\n"
        )
    for i in (2, 3):
        (corpus / f"a{i:03d}.txt").unlink()
    write_corpus(corpus / "new", 2)
    reference = tmp_path / "reference"
    chunk_state(corpus, reference)
    expected = index_state(reference)
    assert expected[0] == expected[1] and len(expected[2]) == 8

    for point in KILL_POINTS:
        data = tmp_path / point.replace(":", "-")
        shutil.copytree(before, data)
        env = env_for(corpus, data) | {"NEWSBOT_FAILPOINT": point}
        killed = subprocess.run([EXE, "index"], env=env, capture_output=True, text=True, timeout=600, check=False)
        assert killed.returncode == -signal.SIGKILL, f"{point} was never reached: {killed.stderr[-500:]}"
        chunk_state(corpus, data)
        assert index_state(data) == expected, f"killed at {point}, the next run did not converge"


def test_watch_syncs_when_an_article_arrives(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 2)
    env = env_for(corpus, tmp_path / "data")
    env["NEWSBOT_INDEX__WATCH_DEBOUNCE_MS"] = "200"
    proc = subprocess.Popen(
        [EXE, "index", "--watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = lines_of(proc.stdout), lines_of(proc.stderr)
        assert json.loads(out.get(timeout=120))["added"] == 2
        wait_for(err, "watching")
        (corpus / "new.txt").write_text("Seals return\nSeals were seen in the harbor for the first time in years.\n")
        report = json.loads(out.get(timeout=120))
        assert (report["added"], report["unchanged"], report["articles"]) == (1, 2, 3)
    finally:
        code = interrupt(proc)
    assert code == 130  # an interrupted run, as the README promises
    rest = drain(err)
    assert "stopped watching" in rest and "KeyboardInterrupt" not in rest and "Traceback" not in rest


def test_an_interrupted_rebuild_leaves_the_old_index_answering(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 24)
    data = tmp_path / "data"
    env = env_for(corpus, data)
    articles = chunk_state(corpus, data)[1]
    proc = subprocess.Popen(
        [EXE, "index", "--rebuild"], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    err = lines_of(proc.stderr)
    wait_for(err, "wrote ")  # the new index is part way
    assert interrupt(proc, timeout=60) == 130
    said = drain(err)
    assert "The rebuild was not finished and nothing of it is used: the index answers as it did before." in said
    stats = subprocess.run([EXE, "stats", "--json"], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(stats.stdout)["articles"] == articles == 24
    asked = subprocess.run(
        [EXE, "ask", "How many ships did the harbor in town 3 handle in week 5?", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(asked.stdout)["retrieved"]  # the old index answers
    done = subprocess.run([EXE, "index", "--rebuild", "--json"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and json.loads(done.stdout)["added"] == 24
    assert not (data / "rebuilding").exists()


def _watching(corpus: Path, data: Path) -> tuple[subprocess.Popen[str], queue.Queue[str], queue.Queue[str]]:
    env = env_for(corpus, data)
    env["NEWSBOT_INDEX__WATCH_DEBOUNCE_MS"] = "200"
    proc = subprocess.Popen(
        [EXE, "index", "--watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, err = lines_of(proc.stdout), lines_of(proc.stderr)
    json.loads(out.get(timeout=120))
    wait_for(err, "watching")
    return proc, out, err


def interrupt(proc: subprocess.Popen[str], timeout: float = 30) -> int:
    """Ctrl-C for a child newsbot: its exit code. One that does not stop in ``timeout`` is killed, so a failed test
    leaves no watcher running, and the test fails saying why."""
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(
            f"{' '.join(map(str, proc.args))} did not stop within {timeout:.0f} s of SIGINT (killed). Is SIGINT "
            "ignored? A background job of a shell without job control ignores it, and its children inherit that."
        ) from None


def _stop(proc: subprocess.Popen[str], err: queue.Queue[str]) -> str:
    interrupt(proc)
    return drain(err)


def test_watch_follows_a_rebuild_made_by_another_process(tmp_path: Path) -> None:
    """Issue 27 item 7: the watcher kept the replaced index open and failed every sync ("readonly database")."""
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write_corpus(corpus, 2)
    proc, out, err = _watching(corpus, data)
    try:
        rebuilt = subprocess.run(
            [EXE, "index", "--rebuild", "--json"],
            env=env_for(corpus, data),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rebuilt.returncode == 0, rebuilt.stderr
        (corpus / "new.txt").write_text("Seals return\nSeals were seen in the harbor for the first time in years.\n")
        report = json.loads(out.get(timeout=120))
        assert (report["added"], report["articles"]) == (1, 3)
    finally:
        rest = _stop(proc, err)
    assert "error" not in rest and "Traceback" not in rest


def test_watch_follows_a_corpus_folder_replaced_in_place(tmp_path: Path) -> None:
    """Issue 27 item 8: after `rm -rf corpus` and a new folder renamed into place, the watcher heard nothing."""
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write_corpus(corpus, 2)
    proc, out, err = _watching(corpus, data)
    try:
        fresh = tmp_path / "corpus.new"
        write_corpus(fresh, 3)
        shutil.rmtree(corpus)
        os.rename(fresh, corpus)
        report = json.loads(out.get(timeout=120))
        assert (report["added"], report["articles"]) == (1, 3)
        (corpus / "later.txt").write_text("Seals return\nSeals were seen in the harbor for the first time in years.\n")
        report = json.loads(out.get(timeout=120))
        assert (report["added"], report["articles"]) == (1, 4)
    finally:
        rest = _stop(proc, err)
    assert "Traceback" not in rest


def _newsbot(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=timeout)


QUESTION = "How many ships did the harbor in town 1 handle in week 5?"


@pytest.mark.parametrize("mode", ["embedded", "http"])
@pytest.mark.parametrize("point", ["switch-retired", "switch-renamed"])
def test_a_rebuild_killed_at_its_switch_leaves_an_index_that_answers(tmp_path: Path, mode: str, point: str) -> None:
    """Issue 27 item 2: killed between deleting the old index and renaming the new one, the server served an
    empty collection and the rebuilt one was stranded (and deleted by the next rebuild)."""
    from tests.chroma_server import ChromaServer

    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write_corpus(corpus, 3)
    env = env_for(corpus, data)
    server = None
    if mode == "http":
        server = ChromaServer(tmp_path / "server")
        server.start()
        env |= {"NEWSBOT_CHROMA__MODE": "http", "NEWSBOT_CHROMA__PORT": str(server.port)}
    try:
        assert _newsbot(env, "index").returncode == 0
        killed = _newsbot(env | {"NEWSBOT_FAILPOINT": point}, "index", "--rebuild")
        assert killed.returncode == -signal.SIGKILL
        asked = _newsbot(env, "ask", QUESTION, "--json")
        assert asked.returncode == 0 and json.loads(asked.stdout)["retrieved"], asked.stdout + asked.stderr
        synced = _newsbot(env, "index", "--json")
        assert synced.returncode == 0, synced.stderr
        assert json.loads(synced.stdout)["articles"] == 3 and json.loads(synced.stdout)["chunks"] > 0
        assert not list(data.glob("chroma.retired-*"))
        if server is not None:
            import chromadb

            names = [c.name for c in chromadb.HttpClient(host="127.0.0.1", port=server.port).list_collections()]
            assert len(names) == 1 and names[0].startswith("newsbot-"), names
        rebuilt = _newsbot(env, "index", "--rebuild", "--json")
        assert rebuilt.returncode == 0 and json.loads(rebuilt.stdout)["added"] == 3
        if mode == "embedded":  # the index is a link to its generation now: killed again, the link still leads
            assert (data / "chroma").is_symlink()
            assert _newsbot(env | {"NEWSBOT_FAILPOINT": point}, "index", "--rebuild").returncode == -signal.SIGKILL
            asked = _newsbot(env, "ask", QUESTION, "--json")
            assert asked.returncode == 0 and json.loads(asked.stdout)["retrieved"], asked.stdout + asked.stderr
            assert json.loads(_newsbot(env, "index", "--json").stdout)["articles"] == 3
            assert len(list(data.glob("chroma.g-*"))) == 1 and not list(data.glob("chroma.retired-*"))
    finally:
        if server is not None:
            server.stop()


def test_asking_an_empty_chroma_server_creates_nothing_there(tmp_path: Path) -> None:
    """Issue 27 item 3: `ask` against an empty server created the collection (and so could block a switch)."""
    import chromadb

    from tests.chroma_server import ChromaServer

    server = ChromaServer(tmp_path / "server")
    server.start()
    try:
        env = env_for(tmp_path / "corpus", tmp_path / "data")
        env |= {"NEWSBOT_CHROMA__MODE": "http", "NEWSBOT_CHROMA__PORT": str(server.port)}
        asked = _newsbot(env, "ask", QUESTION)
        assert "Nothing is indexed" in asked.stdout + asked.stderr
        assert chromadb.HttpClient(host="127.0.0.1", port=server.port).list_collections() == []
    finally:
        server.stop()
