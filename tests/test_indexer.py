"""Incremental sync against a real Chroma, embedded and a `chroma run` server: add, change, delete, unchanged,
duplicates, crashes."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.errors import IndexMismatchError
from newsbot.index.app import Newsbot
from tests.conftest import FakeEmbedder


@pytest.fixture(params=["embedded", "http"])
def chroma_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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
    report = bot.sync([corpus], rebuild=True)
    assert report.added == 9 and report.embedded_chunks == first.embedded_chunks
    assert_consistent(bot)


def test_a_rebuild_is_made_beside_the_index_which_answers_until_it_is_complete(
    bot: Newsbot, corpus: Path, fake_embedder: FakeEmbedder
) -> None:
    from newsbot.index.search import Query

    first = bot.indexer.sync([corpus])
    question = Query("Who scored twice for Marlow Rovers in the cup final?")
    before = [p.chunk_id for p in bot.retriever.retrieve(question)]
    fake_embedder.fail_after = fake_embedder.embedded + 5  # the rebuild dies part way (a crash, a full disk)
    with pytest.raises(RuntimeError, match="simulated crash"):
        bot.rebuild([corpus])
    assert (bot.settings.index.data_dir / "rebuilding").exists()  # what it made so far, never used
    assert bot.stats()["articles"] == 9 and [p.chunk_id for p in bot.retriever.retrieve(question)] == before
    assert_consistent(bot)
    fake_embedder.fail_after = None
    report = bot.rebuild([corpus])
    assert report.added == 9 and report.embedded_chunks == first.embedded_chunks
    assert not (bot.settings.index.data_dir / "rebuilding").exists()
    assert_consistent(bot)
    assert [p.chunk_id for p in bot.retriever.retrieve(question)] == before  # the same index, made anew
    assert bot.indexer.sync([corpus]).embedded_chunks == 0  # and the next sync trusts it


def test_a_rebuild_gets_past_a_settings_change(
    bot: Newsbot, corpus: Path, make_settings: Any, chroma_section: dict[str, Any]
) -> None:
    bot.indexer.sync([corpus])
    bot.close()  # a process holds one Newsbot per data directory (embedded Chroma shares one client per path)
    other = Newsbot(make_settings([corpus], index={"chunk_tokens": 64}, chroma=chroma_section), FakeEmbedder())
    with pytest.raises(IndexMismatchError, match=r"Run `newsbot index --rebuild` to rebuild it\.$"):
        _ = other.store
    other.close()
    report = other.rebuild([corpus])  # the command the message names works
    assert report.added == 9 and other.store.count() == report.chunks
    assert_consistent(other)
    again = Newsbot(other.settings, FakeEmbedder())  # a new process on the rebuilt index
    assert again.indexer.sync([corpus]).embedded_chunks == 0 and again.stats()["articles"] == 9
    with pytest.raises(IndexMismatchError):  # the old settings are the other ones now
        _ = Newsbot(bot.settings, FakeEmbedder()).store
    leftovers = sorted(p.name for p in other.settings.index.data_dir.glob("*.sqlite3"))
    assert leftovers == [f"{again.db_name(again.store.name)}.sqlite3"]  # the old build's file is gone


def test_other_corpus_paths_are_left_alone(bot: Newsbot, corpus: Path, tmp_path: Path) -> None:
    bot.indexer.sync([corpus])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "one.json").write_text(json.dumps({"id": "x1", "title": "Extra", "text": "An extra article about kites."}))
    report = bot.indexer.sync([extra])
    assert report.added == 1 and report.removed == 0 and report.articles == 10


def test_opening_an_index_built_with_other_settings_says_to_rebuild(
    bot: Newsbot, corpus: Path, make_settings: Any, chroma_section: dict[str, Any]
) -> None:
    bot.indexer.sync([corpus])
    settings = make_settings([corpus], index={"chunk_tokens": 64}, chroma=chroma_section)
    other = Newsbot(settings, embedder=FakeEmbedder())
    with pytest.raises(IndexMismatchError, match=r"Run `newsbot index --rebuild` to rebuild it\.$"):
        _ = other.store


# -- the fast path: scan cache and a trusted manifest


def age(corpus: Path, seconds: float = 3600) -> None:
    """Date every corpus file back, as files are that were not just written."""
    then = time.time() - seconds
    for path in corpus.rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


class Spy:
    """Counts calls of one method while passing them through."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.calls: list[tuple[Any, ...]] = []
        real = getattr(owner, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(args)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)


def test_a_sync_after_a_finished_one_reads_no_unchanged_file_and_trusts_the_manifest(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(corpus)
    first = bot.indexer.sync([corpus])
    reads = Spy(monkeypatch, bot.corpus_reader, "read_file")
    full = Spy(monkeypatch, bot.store, "all_metadata")
    second = bot.indexer.sync([corpus])
    assert reads.calls == [] and full.calls == []
    assert (second.unchanged, second.embedded_chunks, second.chunks) == (9, 0, first.chunks)
    assert_consistent(bot)


def test_an_interrupted_sync_makes_the_next_one_read_chroma_in_full(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(corpus)
    bot.indexer.sync([corpus])
    bot.manifest.set_meta("sync_state", "running")  # as a killed sync leaves it
    full = Spy(monkeypatch, bot.store, "all_metadata")
    bot.indexer.sync([corpus])
    assert len(full.calls) == 1
    assert bot.manifest.get_meta("sync_state") == "clean"


def test_skips_in_an_unchanged_file_are_reported_again(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (corpus / "wire.jsonl").open("a") as wire:
        wire.write("{not json\n")
    age(corpus)
    first = bot.indexer.sync([corpus])
    reads = Spy(monkeypatch, bot.corpus_reader, "read_file")
    second = bot.indexer.sync([corpus])
    assert reads.calls == []
    assert [(s.path, s.reason) for s in second.skipped] == [(s.path, s.reason) for s in first.skipped]
    assert [s.path for s in second.skipped] == ["wire.jsonl:3"]
    assert second.removed == 0 and second.articles == 9


def test_a_changed_file_is_read_again_and_a_deleted_one_is_forgotten(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    age(corpus)
    bot.indexer.sync([corpus])
    bridge = corpus / "harbor" / "riverton-bridge.txt"
    bridge.write_text(bridge.read_text().replace("$40 million", "$45 million"))
    age(corpus, 60)  # a new modification time, old enough to be cached
    (corpus / "riverton-budget-may.txt").unlink()
    reads = Spy(monkeypatch, bot.corpus_reader, "read_file")
    report = bot.indexer.sync([corpus])
    assert sorted(Path(call[1]).name for call in reads.calls) == sorted(
        p.name for p in corpus.rglob("*") if p.is_file()
    )  # every file got a new modification time; the deleted one is not asked for
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 7)
    assert "riverton-budget-may.txt" not in {
        rel
        for _, rel in bot.indexer.scans.db.execute(  # type: ignore[union-attr]
            "SELECT root, rel FROM scanned"
        )
    }
    assert_consistent(bot)


def test_other_cleaning_rules_read_every_file_again(
    bot: Newsbot, corpus: Path, make_settings: Any, chroma_section: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    age(corpus)
    bot.indexer.sync([corpus])
    other = Newsbot(
        make_settings(
            [corpus], corpus={"cleaning": {"extra_line_patterns": ["^Advertisement$"]}}, chroma=chroma_section
        ),
        embedder=FakeEmbedder(),
    )
    reads = Spy(monkeypatch, other.corpus_reader, "read_file")
    report = other.indexer.sync([corpus])
    assert len(reads.calls) == len([p for p in corpus.rglob("*") if p.is_file()])
    assert report.unchanged == 9


def test_an_article_lost_from_chroma_is_read_again_from_its_unchanged_file(bot: Newsbot, corpus: Path) -> None:
    age(corpus)
    bot.indexer.sync([corpus])
    lost = [cid for cid, m in bot.store.all_metadata().items() if m["article_id"] == "wire-002" or "mensah" in m["url"]]
    assert lost
    bot.store.delete(lost)  # behind the indexer's back: the counts no longer agree with the manifest
    report = bot.indexer.sync([corpus])
    assert report.added == 1 and report.embedded_chunks == len(lost)
    assert_consistent(bot)
    texts = " ".join(r.text for r in bot.store.get(lost))
    assert "Mensah" in texts


def _records(n: int, first: int = 0) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"rec-{i}",
                "title": f"Harbor report {i}",
                "text": f"The harbor in town {i} handled {100 + i} ships this week. Its ferry ran {i % 7} times a day.",
                "published_at": "2022-06-01",
            }
        )
        + "\n"
        for i in range(first, first + n)
    )


def test_a_record_prepended_to_a_jsonl_re_embeds_only_itself(bot: Newsbot, corpus: Path) -> None:
    feed = corpus / "feed-100.jsonl"
    feed.write_text(_records(100, first=1))
    first = bot.indexer.sync([corpus])
    assert first.added == 109
    feed.write_text(_records(1) + _records(100, first=1))  # one record on top: every other moves down a line
    report = bot.indexer.sync([corpus])
    new_chunks = len(
        bot.indexer.chunker.chunk(next(a for a in bot.corpus_reader.scan([corpus]).articles if a.id == "rec-0"))
    )
    assert (report.added, report.updated, report.unchanged) == (1, 0, 109)
    assert report.embedded_chunks == new_chunks  # before: every record of the file (100 updated)
    paths = {m["path"] for m in bot.store.all_metadata().values() if m["article_id"] == "rec-5"}
    assert paths == {"feed-100.jsonl#L6"}  # its citation names the line it is on now
    assert bot.manifest.rows()["rec-5"].path == "feed-100.jsonl#L6"
    assert_consistent(bot)
    assert bot.indexer.sync([corpus]).embedded_chunks == 0


def test_records_indexed_with_their_line_in_the_hash_keep_their_vectors(
    bot: Newsbot, corpus: Path, monkeypatch: pytest.MonkeyPatch, fake_embedder: FakeEmbedder
) -> None:
    from newsbot.index.ingest.articles import Article

    feed = corpus / "feed-100.jsonl"
    feed.write_text(_records(30))
    legacy = property(lambda self: self.hash_with_path(self.path or ""))  # the hash before READER_VERSION 2
    with monkeypatch.context() as patch:
        patch.setattr(Article, "content_hash", legacy)
        bot.indexer.sync([corpus])
    embedded = fake_embedder.embedded
    report = bot.indexer.sync([corpus])
    assert (report.embedded_chunks, fake_embedder.embedded - embedded) == (0, 0)  # re-keyed, not re-embedded
    assert (report.added, report.updated, report.unchanged) == (0, 0, 39)
    assert_consistent(bot)
    hashes = {m["content_hash"] for m in bot.store.all_metadata().values() if m["article_id"] == "rec-3"}
    article = next(a for a in bot.corpus_reader.scan([corpus]).articles if a.id == "rec-3")
    assert hashes == {article.content_hash}


def test_every_embedder_gets_a_collection_of_its_own() -> None:
    from newsbot.index.store.chroma import IndexSpec

    names = {
        IndexSpec(embedder, 200, 40).collection_name("newsbot")
        for embedder in ("st:models/e5", "st:models-e5", "st:" + "m" * 70 + "-a", "st:" + "m" * 70 + "-b")
    }
    assert len(names) == 4  # the slugs alone were equal in pairs


def test_an_index_named_before_the_embedder_hash_is_renamed_and_kept(
    bot: Newsbot, corpus: Path, make_settings: Any, chroma_section: dict[str, Any]
) -> None:
    bot.indexer.sync([corpus])
    chunks = bot.store.count()
    legacy = bot.spec.legacy_collection_name(bot.settings.chroma.collection_prefix)
    name = bot.store.name
    db = bot.settings.index.data_dir / f"{bot.db_name(name)}.sqlite3"
    bot.store.collection.modify(name=legacy)  # as an older newsbot named it
    bot.close()
    db.rename(db.with_name(f"{bot.db_name(legacy)}.sqlite3"))
    again = Newsbot(make_settings([corpus], chroma=chroma_section), FakeEmbedder())
    assert again.store.name == name and again.store.count() == chunks
    assert again.indexer.sync([corpus]).embedded_chunks == 0 and again.stats()["articles"] == 9


def test_another_model_with_the_same_name_is_refused_in_one_line(
    bot: Newsbot, corpus: Path, make_settings: Any, chroma_section: dict[str, Any]
) -> None:
    from newsbot.index.search import Query

    bot.indexer.sync([corpus])
    bot.close()

    class Narrower(FakeEmbedder):
        dim = 32  # same name, other vectors

    other = Newsbot(make_settings([corpus], chroma=chroma_section), Narrower())
    with pytest.raises(
        IndexMismatchError, match=r"^the index holds vectors of 64 dimensions, and the embedder makes 32"
    ):
        other.retriever.retrieve(Query("Who scored twice?"))


def test_migrations_run_once_and_are_recorded(bot: Newsbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """index/store/migrations.py: each step runs once per index, recorded as migration:N in its meta table."""
    from newsbot.index.store import migrations

    bot.sync()
    assert bot.manifest.get_meta("migration:2") is not None  # a new index has every step recorded
    ran: list[int] = []
    extra = migrations.Migration(99, "a test step", lambda index, lexical: ran.append(99))
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, extra))
    assert migrations.apply_pending(bot, bot.lexical) == [99] and ran == [99]
    assert migrations.apply_pending(bot, bot.lexical) == [] and ran == [99]
