"""`newsbot index` as separate processes: killed mid-sync it converges; --watch picks up new articles."""

from __future__ import annotations

import json
import os
import queue
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
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
