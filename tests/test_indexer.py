"""Incremental sync against a real embedded Chroma: add, change, delete, unchanged, duplicates, crashes."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from index.store import IndexMismatchError
from index.wiring import Newsbot
from tests.conftest import FakeEmbedder


def snapshot(bot: Newsbot) -> tuple[dict[str, str], set[str]]:
    """(chunk id -> article id) in Chroma, and the chunk ids in the lexical index."""
    meta = bot.store.all_metadata()
    return {cid: m["article_id"] for cid, m in meta.items()}, bot.lexical.ids()


def assert_consistent(bot: Newsbot) -> None:
    chunks, lexical = snapshot(bot)
    assert set(chunks) == lexical, "lexical index out of step with Chroma"
    per_article = Counter(chunks.values())
    meta = bot.store.all_metadata()
    versions: dict[str, set[str]] = {}
    for m in meta.values():
        versions.setdefault(m["article_id"], set()).add(m["content_hash"])
        assert per_article[m["article_id"]] == m["n_chunks"], "missing or duplicate chunks"
    assert all(len(v) == 1 for v in versions.values()), "two versions of one article"
    assert set(bot.manifest.rows()) == set(per_article), "manifest out of step"


def test_first_sync_adds_everything_and_second_embeds_nothing(
    bot: Newsbot, corpus: Path, fake_embedder: FakeEmbedder
) -> None:
    first = bot.indexer.sync([corpus])
    assert (first.added, first.updated, first.removed, first.unchanged) == (9, 0, 0, 0)
    assert first.embedded_chunks == first.chunks > 9 and first.articles == 9
    assert_consistent(bot)
    calls = fake_embedder.calls
    second = bot.indexer.sync([corpus])
    assert (second.added, second.updated, second.removed, second.unchanged, second.embedded_chunks) == (0, 0, 0, 9, 0)
    assert fake_embedder.calls == calls
    assert second.chunks == first.chunks


def test_changed_added_and_removed_articles_are_reflected(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync([corpus])
    before = snapshot(bot)[0]
    bridge = corpus / "harbor" / "riverton-bridge.txt"
    bridge.write_text(bridge.read_text().replace("$40 million", "$45 million"))
    (corpus / "riverton-budget-may.txt").unlink()
    (corpus / "new.txt").write_text(
        "Harbor seals return\nSeals were seen in Riverton harbor for the first time in years."
    )
    report = bot.indexer.sync([corpus])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 7)
    assert_consistent(bot)
    after = snapshot(bot)[0]
    assert "riverton-budget-may.txt" not in after.values()
    assert "new.txt" in after.values()
    bridge_id = "https://example-news.test/2022/06/10/riverton-bridge"
    assert {c for c, a in after.items() if a == bridge_id}.isdisjoint(c for c, a in before.items() if a == bridge_id)
    texts = " ".join(r.text for r in bot.store.get([c for c, a in after.items() if a == bridge_id]))
    assert "$45 million" in texts and "$40 million" not in texts


def test_duplicates_are_indexed_once(bot: Newsbot, corpus: Path) -> None:
    shutil.copy(corpus / "riverton-budget-june.txt", corpus / "copy-of-budget.txt")
    report = bot.indexer.sync([corpus])
    assert [(d.path, d.same_as) for d in report.duplicates] == [("riverton-budget-june.txt", "copy-of-budget.txt")]
    assert report.articles == 9 and not report.skipped


def test_a_file_that_turns_bad_keeps_its_indexed_articles(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync([corpus])
    (corpus / "wire.jsonl").write_text('{"id": "wire-001", "text": broken\n')
    (corpus / "feed.json").write_bytes(b"")
    report = bot.indexer.sync([corpus])
    assert sorted(s.path for s in report.skipped) == ["feed.json", "wire.jsonl:1"]
    assert report.removed == 0 and report.articles == 9
    assert_consistent(bot)


@pytest.mark.parametrize("crash_after", [0, 1, 3])
def test_a_crash_while_embedding_leaves_an_answering_index_that_the_next_run_repairs(
    bot: Newsbot, corpus: Path, fake_embedder: FakeEmbedder, crash_after: int
) -> None:
    bot.indexer.sync([corpus])
    reference = snapshot(bot)
    for path in sorted(corpus.rglob("*.txt")):
        path.write_text(path.read_text().replace("Riverton", "Rivertown"))
    bot.indexer.group_chunks = 2  # write article by article, so the crash falls between articles
    fake_embedder.fail_after = fake_embedder.embedded + crash_after
    with pytest.raises(RuntimeError, match="simulated crash"):
        bot.indexer.sync([corpus])
    assert_consistent(bot)  # every article still has exactly one complete version
    assert len(set(snapshot(bot)[0].values())) == 9
    fake_embedder.fail_after = None
    report = bot.indexer.sync([corpus])
    assert_consistent(bot)
    assert report.articles == 9 and report.chunks == len(reference[0])
    texts = " ".join(r.text for r in bot.store.get(list(snapshot(bot)[0])))
    assert "Rivertown" in texts and "Riverton council" not in texts


def test_a_crash_between_the_vector_write_and_the_delete_is_repaired(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot.indexer.sync([corpus])
    expected_chunks = bot.store.count()
    budget = corpus / "riverton-budget-june.txt"
    budget.write_text(budget.read_text().replace("six to three", "seven to two"))

    def crash(ids: list[str]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bot.store, "delete", crash)
    with pytest.raises(KeyboardInterrupt):
        bot.indexer.sync([corpus])
    monkeypatch.undo()
    versions = {m["content_hash"] for m in bot.store.all_metadata().values() if m["path"] == "riverton-budget-june.txt"}
    assert len(versions) == 2  # both versions present: it still answers
    report = bot.indexer.sync([corpus])
    assert_consistent(bot)
    assert report.chunks == expected_chunks and report.embedded_chunks == 0  # new version was complete: kept


def test_a_lexical_index_out_of_step_is_repaired(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync([corpus])
    some = sorted(bot.lexical.ids())[:3]
    bot.lexical.delete(some)
    bot.lexical.add([("orphan:1", "x", "t", "orphan text", "", -1)])
    bot.indexer.sync([corpus])
    assert_consistent(bot)


def test_rebuild_starts_from_empty(bot: Newsbot, corpus: Path, fake_embedder: FakeEmbedder) -> None:
    first = bot.indexer.sync([corpus])
    report = bot.indexer.sync([corpus], rebuild=True)
    assert report.added == 9 and report.embedded_chunks == first.embedded_chunks
    assert_consistent(bot)


def test_other_corpus_paths_are_left_alone(bot: Newsbot, corpus: Path, tmp_path: Path) -> None:
    bot.indexer.sync([corpus])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "one.json").write_text(json.dumps({"id": "x1", "title": "Extra", "text": "An extra article about kites."}))
    report = bot.indexer.sync([extra])
    assert report.added == 1 and report.removed == 0 and report.articles == 10


def test_opening_an_index_built_with_other_settings_says_to_rebuild(bot: Newsbot, corpus: Path, make_settings) -> None:
    bot.indexer.sync([corpus])
    other = Newsbot(make_settings([corpus], index={"chunk_tokens": 64}), embedder=FakeEmbedder())
    with pytest.raises(IndexMismatchError, match=r"Run `newsbot index --rebuild` to rebuild it\.$"):
        _ = other.store
