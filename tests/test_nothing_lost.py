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


def test_an_article_of_more_chunks_than_chromas_largest_batch_is_indexed(
    make_settings: Any, tmp_path: Path, fake_embedder: Any
) -> None:
    """Issue 27 item 4: an article cut into more chunks than Chroma takes in one write failed every sync."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    sentence = "The harbour board met again on {n} and counted {n} boats in the bay. "
    (folder / "long.txt").write_text("A very long record\n" + "".join(sentence.format(n=n) for n in range(14000)))
    (folder / "short.txt").write_text("Seals return\nSeals were seen in the harbor for the first time in years.\n")
    bot = Newsbot(make_settings([folder], index={"chunk_tokens": 32, "chunk_overlap": 0}), embedder=fake_embedder)
    report = bot.sync()
    assert report.articles == 2 and report.chunks > bot.store.max_batch
    assert bot.sync().unchanged == 2


def test_one_bad_record_costs_only_itself(bot: Newsbot, corpus: Path) -> None:
    """Issue 27 items 5 and 6: a lone surrogate in a JSON string, or a url that is not an address, stopped the
    sync or skipped the whole file; now the surrogate is replaced (with a warning) and the bad record skipped."""
    (corpus / "feed.jsonl").write_text(
        '{"title": "Ferry \\ud800 news", "text": "The ferry crossed the bay in record time on Monday."}\n'
        '{"title": "Bad port", "url": "http://x:99999/", "text": "The port story never loads."}\n'
        '{"title": "Bad bracket", "url": "http://[::1/oops", "text": "The bracket story never loads."}\n'
        '{"title": "Good after", "url": "https://news.test/good", "text": "The good story after the bad ones."}\n'
    )
    report = bot.sync()
    assert report.articles == 9 + 2
    assert [(s.path, s.reason.split(";")[0]) for s in report.skipped] == [
        ("feed.jsonl:2", "the url 'http://x:99999/' is not a web address (Port out of range 0-65535)"),
        ("feed.jsonl:3", "the url 'http://[::1/oops' is not a web address (Invalid IPv6 URL)"),
    ]
    assert any("feed.jsonl:1: the title field holds an escaped character" in w for w in report.warnings)
    assert bot.sync().unchanged == 11  # and the next sync is not wedged either


def test_encodings_that_lie_are_read_as_what_they_are(bot: Newsbot, corpus: Path) -> None:
    """Issue 27 item 18: a UTF-16 mark before UTF-8 text was read as CJK, one before random bytes indexed as
    six chunks of noise, UTF-32 put NULs in the title, and a UTF-8 mark before cp1252 text left "ï»¿"."""
    import random

    body = "Harbor ferry returns\nThe ferry café returned to service on Monday after repairs.\n"
    (corpus / "bom16-utf8.txt").write_bytes(b"\xff\xfe" + body.encode("utf-8"))
    (corpus / "bom16-noise.txt").write_bytes(b"\xff\xfe" + random.Random(7).randbytes(4000))
    (corpus / "utf32.txt").write_bytes(body.replace("ferry", "tram").encode("utf-32"))
    (corpus / "bom8-cp1252.txt").write_bytes(b"\xef\xbb\xbf" + body.replace("ferry", "bus").encode("cp1252"))
    report = bot.sync()
    assert [s.path for s in report.skipped] == ["bom16-noise.txt"]
    assert "binary file" in report.skipped[0].reason
    titles = {row[0] for row in bot._db.execute("SELECT title FROM articles WHERE path LIKE '%.txt'")}
    assert {"Harbor ferry returns", "Harbor tram returns", "Harbor bus returns"} <= titles
    texts = " ".join(c.text for c in bot.store.get(sorted(bot.store.ids())))
    assert "café" in texts and "ï»¿" not in texts and "\x00" not in texts


def test_smaller_reading_faults(bot: Newsbot, corpus: Path) -> None:
    """Issue 27 item 19: a .md title kept its "#", a bad-JSON reason was cut off at "at", and a copy of a
    story was kept while the original was called its duplicate."""
    (corpus / "ferry.md").write_text("# Ferry timetable changes\n\nThe winter timetable starts on Monday.\n")
    (corpus / "bad.jsonl").write_text('{"title": "x", "text": "a\tb\x01c"}\n')
    story = "Title: Lighthouse repainted\n\nThe Gull Point lighthouse was repainted red and white this week.\n"
    (corpus / "lighthouse.txt").write_text(story)
    (corpus / "lighthouse (copy).txt").write_text(story)
    report = bot.sync()
    titles = {row[0] for row in bot._db.execute("SELECT title FROM articles")}
    assert "Ferry timetable changes" in titles
    (skip,) = [s for s in report.skipped if s.path.startswith("bad.jsonl")]
    assert "Invalid control character at column 26" in skip.reason
    assert [(d.path, d.same_as) for d in report.duplicates] == [("lighthouse (copy).txt", "lighthouse.txt")]


def test_a_foreign_collection_under_our_name_is_named_not_a_key_error(bot: Newsbot) -> None:
    """Issue 27 item 19: chunks newsbot did not write, in a collection of its name, gave KeyError: 'article_id'."""
    import pytest

    from newsbot.config.errors import StoreError

    bot.store.collection.add(ids=["x1"], documents=["someone else's"], embeddings=[[0.1] * 64], metadatas=[{"a": 1}])
    with pytest.raises(StoreError, match="holds 1 chunks newsbot did not write"):
        bot.sync()


def test_a_long_lived_process_follows_a_rebuild_made_by_another(
    make_settings: Any, corpus: Path, fake_embedder: Any
) -> None:
    """Issue 27 item 7: the REPL kept answering from the replaced index (`:stats` 2 articles while `newsbot
    stats` said 20) and once printed a raw "Collection [...] does not exist"."""
    from newsbot.index.app import Query

    settings = make_settings([corpus])
    repl, other = Newsbot(settings, embedder=fake_embedder), Newsbot(settings, embedder=fake_embedder)
    repl.sync()
    assert repl.stats()["articles"] == 9
    _articles(corpus, 3, stem="late")
    other.sync(rebuild=True)
    assert repl.stats()["articles"] == 12
    found = repl.ask(Query("How many times did the late council meet about the harbour plan?")).retrieved
    assert any(p.article_id.startswith("late-") for p in found)
    (corpus / "late-0.txt").unlink()
    assert repl.sync().removed == 1  # and it writes the new index, not the retired one


def test_a_path_longer_than_the_system_allows_is_named_as_such(bot: Newsbot, corpus: Path) -> None:
    """Issue 27 item 19: a path over PATH_MAX advised "check its permissions"."""
    import os

    here = os.getcwd()
    os.chdir(corpus)
    try:
        for _ in range(18):  # 18 x 251 characters: past Linux's 4,096 (each step is short, relative)
            os.mkdir("d" * 250)
            os.chdir("d" * 250)
        Path("deep.txt").write_text("Deep story\nA story far down a tree of folders.\n")
    finally:
        os.chdir(here)
    report = bot.sync()
    assert report.articles == 9
    (skip,) = report.skipped
    assert "longer than this system allows" in skip.reason and "permissions" not in skip.reason
