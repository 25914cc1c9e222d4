"""The facade front ends call, and the one place that builds concrete objects from Settings.

    Newsbot(settings).ask(Query(...)) -> Answer      .sync(paths) -> SyncReport      .stats() -> Stats

Everything else receives its dependencies as arguments. Front ends import their types from here.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from newsbot.config.errors import SyncBusyError, UsageError
from newsbot.config.settings import LLMSettings, Settings
from newsbot.index.answer.answerer import (
    Answer,
    Answerer,
    Citation,
    ExtractiveAnswerer,
    OnToken,
    conversation_turn,
    turn_text,
)
from newsbot.index.answer.local_llm import serve as serve_local_model
from newsbot.index.answer.reader import (
    ANSWERABILITY_FEATURES,
    SENTENCE_FEATURES,
    SHORTLIST_FEATURES,
    SPAN_FEATURES,
    WEIGHTS_FILE,
    LinearModel,
    Reader,
    ReaderModels,
    Sentence,
    answerability_features,
    load_models,
    rank_shortlist,
    relative_dense,
    says_what_is_asked,
)
from newsbot.index.embedding import Embedder, make_embedder
from newsbot.index.fetch.feeds import FeedState, PollReport
from newsbot.index.fetch.sources import PageResult, Sources, fetch_folder
from newsbot.index.indexer import Indexer, Progress, SyncReport
from newsbot.index.ingest.articles import Article, CorpusReader, Duplicate
from newsbot.index.ingest.chunking import Chunker, embedding_text
from newsbot.index.search import Passage, Query, Retriever, source_catalogue
from newsbot.index.store import switching
from newsbot.index.store.chroma import (
    ChromaStore,
    IndexSpec,
    collection_names,
    make_client,
    refuse_file_as_data_dir,
    retired_name,
)
from newsbot.index.store.disk import open_db, private_dir
from newsbot.index.store.lexical import LexicalIndex
from newsbot.index.store.locking import SyncLock
from newsbot.index.store.manifest import FileScans, Manifest
from newsbot.index.store.migrations import apply_pending, rename_legacy_files
from newsbot.index.store.mirror import LexicalMirror, generation_time
from newsbot.index.store.switching import GENERATION_FILE, RETIRED
from newsbot.index.text import asks_for_recency, parse_day, query_terms, sentence_spans, stem, today

# The public API: front ends import these from here and nothing else of the engine (errors come from
# newsbot.config.errors, which imports nothing).
__all__ = [
    "Answer",
    "Citation",
    "FeedState",
    "Newsbot",
    "PageResult",
    "PollReport",
    "Progress",
    "Query",
    "Stats",
    "SyncReport",
    "asks_for_recency",
    "conversation_turn",
    "parse_day",
    "private_dir",
    "sentence_spans",
    "serve_local_model",
    "today",
    "turn_text",
    # The reader's model, for the development tools that fit and measure it (index/eval/fitting.py, selqa.py).
    "ANSWERABILITY_FEATURES",
    "SENTENCE_FEATURES",
    "SHORTLIST_FEATURES",
    "SPAN_FEATURES",
    "WEIGHTS_FILE",
    "LinearModel",
    "Passage",
    "Reader",
    "ReaderModels",
    "Sentence",
    "answerability_features",
    "query_terms",
    "rank_shortlist",
    "relative_dense",
    "says_what_is_asked",
    "stem",
]


class Stats(TypedDict):
    """What is indexed (`newsbot stats --json` prints it as is)."""

    articles: int
    chunks: int
    sources: dict[str, int]
    oldest: str | None
    newest: str | None
    embedder: str
    data_dir: str
    last_sync: str | None
    roots: dict[str, int]


def empty_index_message(settings: Settings) -> str:
    """The index is empty: say so, and which command fills it from which articles."""
    where = settings.index.data_dir if settings.chroma.mode == "embedded" else "the Chroma server's collection"
    paths = ", ".join(str(p) for p in settings.corpus.paths) or "(none set)"
    return (
        f"Nothing is indexed in {where} yet, so there is nothing to answer from. Run `newsbot index` to index "
        f"the articles in {paths} (corpus.paths), or `newsbot index --corpus PATH` for others, then ask again."
    )


# What close() lets go of: everything that holds the index open.
OPENED = (
    "client",
    "store",
    "_db",
    "lexical",
    "manifest",
    "indexer",
    "mirror",
    "retriever",
    "answer_reader",
    "answerer",
    "extractive",
)


class Newsbot:
    """newsbot: ask, sync, stats. Its services are built lazily: `stats` never loads the model, `ask` never reads
    the corpus."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._lock = threading.RLock()
        self._catalogue: tuple[str | None, dict[str, set[str]]] | None = None
        self._opened: str | None = None  # the index generation this process opened (None: nothing open)

    def _generation(self) -> str:
        try:
            return (self.settings.index.data_dir / GENERATION_FILE).read_text()
        except OSError:
            return ""

    def _opening(self) -> None:
        if self._opened is None:
            self._opened = self._generation()

    def follow_rebuilds(self) -> None:
        """Let go of an index that another process's rebuild replaced, so the next use opens the new one
        (long-lived processes: the REPL, `--watch`, Discord). Costs one small file read."""
        if self._opened is not None and self._generation() != self._opened:
            with self._lock:
                self.close()

    # ------------------------------------------------------------------------------------------ facade

    def ask(self, query: Query, on_token: OnToken | None = None) -> Answer:
        """Answer one question from the indexed articles, or abstain saying why. With answer.generator set,
        ``on_token`` receives the model's text as it arrives (before the check; the Answer is what passed)."""
        self.follow_rebuilds()
        return self.answerer.answer(query, on_token=on_token)

    def sync(
        self, paths: list[Path] | None = None, *, rebuild: bool = False, progress: Progress | None = None
    ) -> SyncReport:
        """Bring the index in step with the articles under ``paths`` (default: corpus.paths), incrementally;
        ``rebuild`` indexes them anew beside the index in use. Raises SyncBusyError while another sync runs."""
        self.follow_rebuilds()
        if rebuild:
            # A rebuild indexes what is indexed now as well: it never drops a folder indexed with --corpus.
            gone = self.gone_roots()
            if gone:
                shown = "; ".join(f"{root} ({n} articles)" for root, n in gone.items())
                raise UsageError(
                    f"--rebuild would drop articles indexed from corpus paths that no longer exist: {shown}. "
                    "Put them back, or run `newsbot index --forget PATH` for each, then rebuild."
                )
            return self.rebuild(self._with_indexed(self._paths(paths)), progress)
        paths = self._paths(paths)
        if self.settings.chroma.mode == "embedded":
            refuse_file_as_data_dir(self.settings.index.data_dir)
        with self.sync_lock.hold():
            recovered = self.recover_switch()
        report = self.indexer.sync(paths, progress=progress)
        report.warnings += [recovered] if recovered else []
        for root, n in self.gone_roots().items():
            report.warnings.append(
                f"{root} was indexed but no longer exists: its {n} articles stay in the index. "
                f"Put it back, or run `newsbot index --forget {root}` to remove them."
            )
        return report

    def forget(self, root: Path) -> int:
        """Remove the articles indexed from the corpus path ``root``; raises UsageError when none were."""
        key = str(Path(root).expanduser().resolve(strict=False))
        if key not in self.manifest.roots():
            indexed = ", ".join(self.indexed_roots()) or "none"
            raise UsageError(f"no articles were indexed from {root}. Indexed corpus paths: {indexed}.")
        return self.indexer.forget(Path(key))

    def indexed_roots(self) -> dict[str, int]:
        """Each corpus path articles are indexed from (resolved), with how many. Read from the bookkeeping
        files as they are on disk, whatever embedder made them (a rebuild after a change of model still
        knows them), opening nothing for writing."""
        import sqlite3

        found: dict[str, int] = {}
        prefix = self.settings.chroma.collection_prefix
        server = (
            f"@{self.settings.chroma.host}-{self.settings.chroma.port}" if self.settings.chroma.mode == "http" else ""
        )
        for file in sorted(self.settings.index.data_dir.glob(f"{prefix}-*.sqlite3")):
            if ("@" in file.stem) != bool(server) or not file.stem.endswith(server):
                continue  # another server's, or the embedded index's
            try:
                db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
                try:
                    rows = db.execute("SELECT coalesce(root, ''), count(*) FROM articles GROUP BY 1").fetchall()
                finally:
                    db.close()
            except sqlite3.Error:  # not ours, or not made yet: it holds no roots
                continue
            for root, n in rows:
                if root:
                    found[root] = max(found.get(root, 0), int(n))
        return found

    def gone_roots(self) -> dict[str, int]:
        """Indexed corpus paths that no longer exist, with how many articles each still has in the index."""
        return {root: n for root, n in self.indexed_roots().items() if not Path(root).exists()}

    def sync_running(self) -> bool:
        """Whether a sync (of this process or another) is running on the data directory now."""
        return self.sync_lock.busy()

    def needs_sync(self, paths: list[Path] | None = None) -> bool:
        """Whether the articles under ``paths`` (default: corpus.paths) changed since the last sync."""
        self.follow_rebuilds()
        return bool(self.indexer.needs_sync(self._paths(paths)))

    def watch(
        self,
        on_change: Callable[[], None],
        paths: list[Path] | None = None,
        stop: threading.Event | None = None,
        on_ready: Callable[[list[Path]], None] | None = None,
    ) -> None:
        """Call ``on_change`` whenever files under ``paths`` (default: corpus_paths()) change, debounced by
        index.watch_debounce_ms, until ``stop`` is set (Ctrl-C raises KeyboardInterrupt). The first wake-up
        catches up on what changed since the last sync; a folder replaced in place is watched anew. The feeds
        (feeds.urls) are polled on their interval meanwhile. The one watcher of `newsbot index --watch` and
        the Discord bot."""
        from newsbot.index.ingest.watching import watch_corpus

        watched = self._paths(paths)
        stop = stop or threading.Event()
        # With feeds.urls set, the feeds are polled on their interval beside the watch; what a poll saves lands
        # in the fetch folder, which the watch sees (or, set outside the watched paths, is synced at once).
        polling = threading.Event()
        if self.settings.feeds.urls:
            seen = _under(self.fetch_folder, watched)
            threading.Thread(
                target=self.follow_feeds,
                args=(polling, None if seen else (lambda _report: on_change())),
                name="newsbot-feeds",
                daemon=True,
            ).start()
        try:
            watch_corpus(
                watched,
                self.settings.index.watch_debounce_ms,
                sync=on_change,
                needs_sync=lambda: self.needs_sync(watched),
                stop=stop,
                on_ready=(lambda: on_ready(watched)) if on_ready else None,
            )
        finally:
            polling.set()

    def matching(self, topic: str, article_ids: list[str]) -> Answer:
        """``topic`` asked of ``article_ids`` alone: answered when one of them answers it well by the reader's own
        threshold, citing it (Discord's /follow: which newly indexed articles a channel hears about)."""
        self.follow_rebuilds()
        return self.answerer.answer(Query(topic, only_article_ids=tuple(article_ids), as_of=None))

    # ------------------------------------------------------------------------------------ the web, by hand

    def add(self, urls: list[str]) -> tuple[list[PageResult], SyncReport | None]:
        """Fetch each page, save what reads as an article into the fetch folder, then sync (when any was saved).
        A page that is not an article, or cannot be fetched, is refused with the reason and nothing is saved."""
        results = self.sources.add(urls)
        report = self.sync() if any(r.saved for r in results) else None
        return results, report

    def poll_feeds(self, force: bool = False) -> PollReport:
        """Poll the feeds that are due (``force``: all of them); new and updated entries are saved into the
        fetch folder, for the next sync. No feeds configured: no request at all."""
        return self.sources.poll(force)

    def feeds(self) -> list[FeedState]:
        """Each configured feed's state: last poll, last new article, last error, articles saved."""
        return self.sources.states()

    def follow_feeds(self, stop: threading.Event, on_saved: Callable[[PollReport], None] | None = None) -> None:
        """Poll the feeds every feeds.poll_minutes until ``stop`` is set (blocking; run it in a thread). Returns at
        once when no feed is configured."""
        self.sources.poll_every_interval(stop, on_saved)

    @property
    def fetch_folder(self) -> Path:
        return fetch_folder(self.settings)

    @cached_property
    def sources(self) -> Sources:
        return Sources(self.settings)

    def corpus_paths(self) -> list[Path]:
        """What a sync with no paths syncs: corpus.paths, and every other corpus path the index holds articles
        from (a folder indexed once with `newsbot index --corpus DIR` is kept in step from then on)."""
        return self._paths(None)

    def _paths(self, paths: list[Path] | None) -> list[Path]:
        """The paths given, else corpus.paths and every other corpus path the index holds articles from."""
        return list(paths) if paths is not None else self._with_indexed(list(self.settings.corpus.paths))

    def _with_indexed(self, paths: list[Path]) -> list[Path]:
        seen = {Path(p).expanduser().resolve(strict=False) for p in paths}
        out = list(paths)
        if self.fetch_folder.exists() and not _under(self.fetch_folder, out):
            out.append(self.fetch_folder)  # fetch.folder set outside the corpus paths: synced all the same
            seen.add(self.fetch_folder.expanduser().resolve(strict=False))
        for root in self.indexed_roots():
            if Path(root) not in seen and Path(root).exists():
                out.append(Path(root))
                seen.add(Path(root))
        return out

    # ---------------------------------------------------------------------------------------- services

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or make_embedder(self.settings.index.embedder, self.settings.index.batch_size)

    @cached_property
    def spec(self) -> IndexSpec:
        name = self._embedder.name if self._embedder is not None else self.settings.index.embedder
        return IndexSpec(name, self.settings.index.chunk_tokens, self.settings.index.chunk_overlap)

    @cached_property
    def client(self) -> Any:
        self._opening()
        return make_client(self.settings.chroma, self.settings.index.data_dir)

    @cached_property
    def store(self) -> ChromaStore:
        chroma = self.settings.chroma
        return ChromaStore(self.client, self.spec, chroma.collection_prefix, chroma if chroma.mode == "http" else None)

    def db_name(self, collection: str) -> str:
        """The local SQLite file's name for a collection (lexical index and manifest)."""
        if self.settings.chroma.mode == "http":  # one local lexical copy per server and collection
            return f"{collection}@{self.settings.chroma.host}-{self.settings.chroma.port}"
        return collection

    @cached_property
    def _db(self) -> Any:
        self._opening()
        data_dir = self.settings.index.data_dir
        name = self.db_name(self.store.name)
        legacy = self.db_name(self.spec.legacy_collection_name(self.settings.chroma.collection_prefix))
        rename_legacy_files(data_dir, name, legacy)  # migration 1 (index/store/migrations.py)
        return open_db(data_dir, name)

    @cached_property
    def lexical(self) -> LexicalIndex:
        lexical = LexicalIndex(self._db, self._lock)
        apply_pending(self, lexical)  # an index made by an older newsbot is converted, once
        return lexical

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest(self._db, self._lock)

    @cached_property
    def corpus_reader(self) -> CorpusReader:
        return CorpusReader(self.settings.corpus)

    @cached_property
    def chunker(self) -> Chunker:
        embedder = self.embedder
        return Chunker(
            embedder.count_tokens,
            self.settings.index.chunk_tokens,
            self.settings.index.chunk_overlap,
            getattr(embedder, "token_offsets", None),
        )

    @cached_property
    def indexer(self) -> Indexer:
        return Indexer(
            self.corpus_reader,
            self.chunker,
            self.embedder,
            self.store,
            self.lexical,
            self.manifest,
            scans=FileScans(self._db, self._lock),
            lock=self.sync_lock,
        )

    @cached_property
    def sync_lock(self) -> SyncLock:
        return SyncLock(self.settings.index.data_dir / "sync.lock")

    @cached_property
    def mirror(self) -> LexicalMirror | None:
        """Server mode: other processes write the server, so the local BM25 copy follows it."""
        return LexicalMirror(self.store, self.lexical, self.manifest) if self.settings.chroma.mode == "http" else None

    @cached_property
    def retriever(self) -> Retriever:
        catch_up = self.mirror.refresh if self.mirror is not None else None
        return Retriever(self.embedder, self.store, self.lexical, self.settings.retrieval, catch_up=catch_up)

    @cached_property
    def answer_reader(self) -> Reader:
        s = self.settings.answer
        models = load_models(str(s.weights)) if s.weights else load_models()
        embedder = self.embedder
        return Reader(models, lambda texts: embedder.embed_documents(texts), self.lexical.idf, s.passages, s.shortlist)

    @cached_property
    def answerer(self) -> Answerer:
        """The reader's quoted answer, or (answer.generator = "openai") a model's, checked against the passages."""
        if self.settings.answer.generator == "openai":
            return self.generating_answerer()
        return self.extractive

    def generating_answerer(self, llm: LLMSettings | None = None) -> Answerer:
        """The one place a generating answerer is built: a model at ``llm`` (default: the [llm] settings) writes
        the answer, the reader decides whether there is one, and every sentence is checked."""
        from newsbot.index.answer.generator import GeneratingAnswerer, OpenAIChat

        llm = llm or self.settings.llm
        return GeneratingAnswerer(self.extractive, OpenAIChat(llm), llm, self.answer_reader.embed)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(
            self.retriever,
            self.embedder,
            self.settings.answer,
            self.answer_reader,
            sources=self.source_catalogue,
            nothing_indexed=self.nothing_indexed,
        )

    # ------------------------------------------------------------------ for measuring (newsbot eval)

    def read_corpus(self, paths: list[Path]) -> tuple[list[Article], list[Duplicate]]:
        """Every article under ``paths`` as a sync reads it (cleaned, with its id; read in full, no scan cache),
        and the duplicates it would index once."""
        scan = self.corpus_reader.scan(paths)
        return [a for a in scan.articles if isinstance(a, Article)], scan.duplicates

    def embedding_rate(self, paths: list[Path], sample: int, seed: int = 7) -> dict[str, float]:
        """The embedding model alone on a random sample of the chunks a sync of ``paths`` would embed (the same
        chunker and text, in the indexer's groups of 256): chunks, seconds and chunks per second. Nothing is
        stored."""
        articles, _ = self.read_corpus(paths)
        texts = [embedding_text(a.title, c.text) for a in articles for c in self.chunker.chunk(a)]
        random.Random(seed).shuffle(texts)
        texts = texts[:sample]
        started = time.perf_counter()
        for start in range(0, len(texts), 256):  # the indexer's group size: same sorting window
            self.embedder.embed_documents(texts[start : start + 256])
        seconds = time.perf_counter() - started
        return {"chunks": len(texts), "seconds": seconds, "rate": len(texts) / seconds if seconds else 0.0}

    def embed_question(self, text: str) -> Any:
        """A question's vector, as retrieval and the reader compare sentences with it (SelQA's sections)."""
        return self.embedder.embed_query(text)

    def reading_pool(self, query: Query, k: int) -> list[Sentence]:
        """Every sentence the reader would weigh for ``query`` (its top ``k`` passages), each with its features and
        its embedding similarity to the question (``dense``), before any model orders them: what fitting the
        reader learns from (index/eval/fitting.py)."""
        vector = self.embed_question(query.text)
        passages = self.retriever.retrieve(query, k, query_vector=vector)
        pool = self.answer_reader.candidates(query.text, passages, self.retriever.counting_day(query, passages))
        if pool:
            for sentence, sv in zip(pool, self.embedder.embed_documents([s.text for s in pool])):
                sentence.features["dense"] = float(np.dot(sv, vector))
        return pool

    def bm25_article_ids(self, question: str, passages: int) -> list[str]:
        """The articles of BM25's best ``passages`` passages for ``question``, alone (a baseline), best first."""
        from newsbot.index.store.filters import Filters

        return [hit.article_id for hit in self.lexical.search(question, passages, Filters())]

    def llama_dense_retriever(self, passages: int) -> Any:
        """llama-index's plain dense retriever over the same chunks and embedder (a baseline)."""
        from llama_index.core import VectorStoreIndex

        from newsbot.index.embedding import as_llama_embedding

        index = VectorStoreIndex.from_vector_store(self.store.vectors, embed_model=as_llama_embedding(self.embedder))
        return index.as_retriever(similarity_top_k=passages)

    def source_catalogue(self) -> dict[str, set[str]]:
        """Each indexed source name with the hosts of its articles' URLs (what `--source` matches)."""
        if self.mirror is None:
            return source_catalogue(self.manifest.source_urls())
        # A reader of a Chroma server keeps no bookkeeping of what others wrote: read it from the server,
        # once per change of the collection.
        generation = self.store.generation()
        cached = self._catalogue
        if cached is None or cached[0] != generation:
            cached = self._catalogue = (generation, source_catalogue(self.store.source_urls()))
        return cached[1]

    def nothing_indexed(self) -> str | None:
        """Why no question can be answered yet (nothing has been indexed here), naming the command that fills
        the index; None when articles are indexed. Looking creates nothing on disk."""
        data_dir = self.settings.index.data_dir
        if self.settings.chroma.mode == "embedded":
            refuse_file_as_data_dir(data_dir)
            if not (data_dir / "chroma").is_dir() and any(data_dir.glob(f"{RETIRED}*")):
                try:  # a rebuild's switch was cut short: put the old index back (or finish the clean-up)
                    with self.sync_lock.hold():
                        self.recover_switch()
                except SyncBusyError:
                    pass  # the rebuild is switching right now
            if not (data_dir / "chroma").is_dir():
                return empty_index_message(self.settings)
        elif "store" not in self.__dict__:
            from newsbot.index.store.chroma import guard_store

            with guard_store(server=self.settings.chroma):  # opening the store would create the collection
                names = set(collection_names(self.client))
            prefix = self.settings.chroma.collection_prefix
            known = {
                self.store_name,
                retired_name(self.store_name, prefix),  # mid-switch of a rebuild: the old index still answers
                self.spec.legacy_collection_name(prefix),
            }
            if not names & known:
                return empty_index_message(self.settings)
        return empty_index_message(self.settings) if self.store.count() == 0 else None

    def close(self) -> None:
        """Let go of the index (Chroma client, SQLite file); the next use opens it again."""
        if "_db" in self.__dict__:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()
        client = self.__dict__.get("client")
        if client is not None and hasattr(client, "close"):
            client.close()
        for name in OPENED:
            self.__dict__.pop(name, None)
        self._opened = None

    def rebuild(self, paths: list[Path], progress: Progress | None = None) -> SyncReport:
        """Index every article anew beside the index in use, then switch to the new one (index/store/switching.py:
        the old index answers until the new one is complete, and at every instant one of them answers)."""
        return switching.rebuild(self, paths, progress)

    def recover_switch(self) -> str | None:
        """Finish or roll back a rebuild's switch that was cut short; says what it did. Sync lock held."""
        return switching.recover(self)

    @property
    def store_name(self) -> str:
        """The collection's name, without opening it."""
        return self.spec.collection_name(self.settings.chroma.collection_prefix)

    def stats(self) -> Stats:
        """What is indexed: articles, chunks, sources, dates, embedder, data directory, last sync. Looking at an
        index that was never made creates nothing on disk."""
        self.follow_rebuilds()
        data_dir = self.settings.index.data_dir
        if self.settings.chroma.mode == "embedded" and not data_dir.exists():
            return Stats(
                articles=0,
                chunks=0,
                sources={},
                oldest=None,
                newest=None,
                embedder=self.spec.embedder,
                data_dir=str(data_dir),
                last_sync=None,
                roots={},
            )
        found = self.manifest.stats()
        if self.mirror is not None:
            # Other processes may write the server: count from the BM25 copy, brought in step with it first,
            # and take the last change any writer made.
            self.mirror.refresh()
            found.update(self.lexical.stats())
            changed = generation_time(self.store.generation())
            if changed:
                found["last_sync"] = max(found["last_sync"] or "", changed)
        found["chunks"] = self.store.count()
        found["embedder"] = self.spec.embedder
        found["data_dir"] = str(self.settings.index.data_dir)
        return Stats(**{k: found[k] for k in Stats.__annotations__})  # type: ignore[typeddict-item]


def _under(path: Path, roots: list[Path]) -> bool:
    """Whether ``path`` is one of ``roots`` or inside one of them (both resolved)."""
    target = Path(path).expanduser().resolve(strict=False)
    return any(target == r or r in target.parents for r in (Path(p).expanduser().resolve(strict=False) for p in roots))
