"""Issue 27: nothing a user adds is lost, one bad input never wedges the sync, long-lived processes follow a new
index. Each test here failed before its fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from newsbot.index.app import Newsbot


def _articles(folder: Path, n: int, stem: str = "own") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{stem}-{i}.txt").write_text(
            f"Title: {stem} story {i}\nDate: 2026-11-{i + 1:02d}\n\nThe {stem} council met for the {i}th time "
            f"and voted on item {i} of the harbour plan.\n"
        )
    return folder


def test_a_folder_indexed_with_corpus_is_kept_by_rebuild_and_later_syncs(run: Any, tmp_path: Path) -> None:
    own = _articles(tmp_path / "mine", 5)
    assert run("index", "--json")[0] == 0
    code, out, _ = run("index", "--corpus", str(own), "--json")
    assert code == 0 and json.loads(out)["articles"] == 14  # 9 of corpus.paths + 5 of mine

    # A plain `newsbot index` keeps the folder in step: an edit and a deletion there are seen.
    (own / "own-0.txt").unlink()
    (own / "own-1.txt").write_text("Title: own story 1\nDate: 2026-11-02\n\nThe council changed its mind.\n")
    code, out, _ = run("index", "--json")
    report = json.loads(out)
    assert (report["removed"], report["updated"], report["articles"]) == (1, 1, 13)

    # --rebuild rebuilds what is indexed, not only corpus.paths.
    code, out, _ = run("index", "--rebuild", "--json")
    assert code == 0 and json.loads(out)["articles"] == 13
    code, out, _ = run("stats", "--json")
    assert json.loads(out)["roots"][str(own.resolve())] == 4


def test_rebuild_refuses_to_drop_a_folder_that_is_gone_and_forget_removes_it(run: Any, tmp_path: Path) -> None:
    own = _articles(tmp_path / "mine", 3)
    run("index", "--json")
    run("index", "--corpus", str(own), "--json")
    shutil.rmtree(own)
    code, out, err = run("index", "--json")
    assert code == 0 and json.loads(out)["articles"] == 12 and "mine was indexed but no longer exists" in err
    code, _, err = run("index", "--rebuild")
    assert code == 2 and f"{own.resolve()} (3 articles)" in err and "--forget" in err
    assert json.loads(run("stats", "--json")[1])["articles"] == 12  # the refused rebuild touched nothing
    code, out, _ = run("index", "--forget", str(own))
    assert code == 0 and "removed 3 articles" in out
    assert json.loads(run("stats", "--json")[1])["articles"] == 9
    code, _, err = run("index", "--forget", str(own))
    assert code == 2 and "no articles were indexed from" in err
    assert run("index", "--rebuild", "--json")[0] == 0


def test_the_corpus_paths_a_sync_covers(bot: Newsbot, tmp_path: Path) -> None:
    own = _articles(tmp_path / "mine", 2)
    assert bot.corpus_paths() == list(bot.settings.corpus.paths)  # nothing indexed: looks, creates nothing
    assert not (tmp_path / "data").exists()
    bot.sync()
    bot.sync([own])
    assert [str(p) for p in bot.corpus_paths()] == [str(p) for p in bot.settings.corpus.paths] + [str(own.resolve())]
