"""What a sync cannot look at is reported and kept, never deleted: unreadable or vanishing folders, file names
that are not UTF-8, symbolic links that are broken, loop or lead outside the corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsbot.index.app import Newsbot
from tests.test_processes import env_for

EXE = str(Path(sys.executable).parent / "newsbot")
INNER = "Ferry news\nThe harbor ferry returned to service on Monday after two weeks of repairs.\n"


def skips(report: object) -> dict[str, str]:
    return {s.path: s.reason for s in report.skipped}  # type: ignore[attr-defined]


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(), reason="needs root and setpriv")
def test_an_unreadable_folder_keeps_its_articles_for_real(tmp_path: Path) -> None:
    """As the issue found it: root without the capabilities that read any folder, a real chmod 000."""
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "top.txt").write_text(INNER.replace("Monday", "Tuesday"))
    (corpus / "sub" / "inner.txt").write_text(INNER)
    env = env_for(corpus, tmp_path / "data")
    first = subprocess.run([EXE, "index", "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(first.stdout)["articles"] == 2
    (corpus / "sub").chmod(0)
    try:
        drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]
        done = subprocess.run([*drop, EXE, "index", "--json"], env=env, capture_output=True, text=True, timeout=300)
    finally:
        (corpus / "sub").chmod(0o755)
    report = json.loads(done.stdout)
    assert done.returncode == 1, done.stderr
    assert (report["removed"], report["articles"]) == (0, 2)
    assert report["skipped"] == [
        {
            "path": "sub",
            "reason": "folder cannot be read (Permission denied); what was indexed from it is kept. "
            "Check its permissions",
        }
    ]


def test_an_unreadable_or_vanishing_folder_keeps_its_articles(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "inner.txt").write_text(INNER)
    assert bot.indexer.sync([corpus]).articles == 10
    real_scandir = os.scandir
    for error in (PermissionError(13, "Permission denied"), FileNotFoundError(2, "No such file or directory")):

        def scandir(path: object, error: OSError = error) -> object:
            if Path(str(path)).name == "sub":  # as the OS answers for a folder we may not read, or one just gone
                raise error
            return real_scandir(path)  # type: ignore[call-overload]

        monkeypatch.setattr(os, "scandir", scandir)
        report = bot.indexer.sync([corpus])
        monkeypatch.setattr(os, "scandir", real_scandir)
        assert (report.removed, report.articles) == (0, 10)
        assert "sub" in skips(report) and "what was indexed from it is kept" in skips(report)["sub"]
    assert bot.indexer.sync([corpus]).removed == 0  # readable again: nothing lost, nothing to do
    (corpus / "sub" / "inner.txt").unlink()
    (corpus / "sub").rmdir()
    assert bot.indexer.sync([corpus]).removed == 1  # really gone, and looked at: removed


def test_a_file_name_that_is_not_utf8_is_skipped_and_named(bot: Newsbot, corpus: Path) -> None:
    bad = os.fsencode(str(corpus)) + b"/bad\xffname.txt"
    with open(bad, "wb") as handle:
        handle.write(INNER.encode())
    report = bot.indexer.sync([corpus])
    assert report.articles == 9 and report.added == 9
    assert skips(report) == {"bad\\xffname.txt": "the file name is not valid UTF-8; rename the file"}
    assert not bot.indexer.needs_sync([corpus])  # the watcher's check does not crash either


def test_links_inside_the_corpus_are_followed_others_reported(bot: Newsbot, corpus: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Secret\nThe password of the harbor master is swordfish.\n")
    (corpus / "passwd.txt").symlink_to(outside)
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "alias.txt").symlink_to(corpus / "riverton-budget-june.txt")  # inside: followed, the same article
    (corpus / "harbor" / "up").symlink_to(corpus)  # a folder loop inside the corpus: each folder read once
    report = bot.indexer.sync([corpus])
    found = skips(report)
    assert found["passwd.txt"].startswith(f"links to {outside}, outside the corpus paths, so it is not followed")
    assert found["dangling.txt"].startswith("is a broken link")
    assert found["loop.txt"].startswith("is a link that loops")
    assert report.articles == 9 and [{d.path, d.same_as} for d in report.duplicates] == [
        {"alias.txt", "riverton-budget-june.txt"}
    ]
    bodies = " ".join(row[0] for row in bot.lexical.db.execute("SELECT body FROM chunks_fts"))
    assert "harbor" in bodies and "swordfish" not in bodies
    allowed = Newsbot(
        bot.settings.model_copy(
            update={"corpus": bot.settings.corpus.model_copy(update={"follow_links_outside": True})}
        ),
        embedder=bot._embedder,
    )
    assert allowed.indexer.sync([corpus]).added == 1  # the setting follows it
