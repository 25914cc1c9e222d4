"""Vector storage: Chroma (embedded or a `chroma run` server) through llama-index's ChromaVectorStore."""

from __future__ import annotations

import errno
import functools
import hashlib
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from newsbot.config.errors import IndexMismatchError, IndexUnavailableError, IndexWriteError, StoreError
from newsbot.config.settings import ChromaSettings
from newsbot.index.store.disk import private_dir
from newsbot.index.store.filters import Filters, rank_wide_then_filter
from newsbot.index.store.migrations import rename_legacy_collection

SCHEMA_VERSION = 1  # bump when what is stored per chunk changes
PAGE = 5000
GENERATION = "generation"  # collection metadata: changes after every sync that changed chunks


UNAVAILABLE = "the index is unavailable right now, try again shortly"
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT}
# Chroma reports a full disk under its segments as a failed compaction, without naming the disk.
_WRITE_WORDS = (
    "disk is full",
    "readonly",
    "read-only",
    "no space",
    "permission denied",
    "unable to open",
    "error in compaction",
    "failed to apply logs",
)


def store_error(exc: BaseException, doing: str = "", server: ChromaSettings | None = None) -> StoreError | None:
    """The user-facing error for an environmental failure of the stores; None for anything else (a bug)."""
    import httpx

    if isinstance(exc, StoreError):
        return exc
    dimension = re.search(r"expecting embedding with dimension of (\d+), got (\d+)", str(exc))
    if dimension:
        return IndexMismatchError(
            f"the index holds vectors of {dimension[1]} dimensions, and the embedder makes {dimension[2]}: it was "
            "built with another model. Run `newsbot index --rebuild` to rebuild it with this one."
        )
    if isinstance(exc, httpx.TimeoutException) and server is not None:
        return IndexUnavailableError(f"{UNAVAILABLE} ({no_answer(server)})")
    if isinstance(exc, httpx.TransportError):
        return IndexUnavailableError(f"{UNAVAILABLE} (the Chroma server: {_short(exc)})")
    text = str(exc).lower()
    writing = (isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS) or (
        isinstance(exc, sqlite3.Error | _chroma_error()) and any(w in text for w in _WRITE_WORDS)
    )
    if writing:
        return IndexWriteError(
            f"could not write the index{' during ' + doing if doing else ''} ({_short(exc)}). Free disk space or "
            "make the data directory writable, then run `newsbot index` again; the index still answers with what "
            "it held."
        )
    return None


def _chroma_error() -> type[BaseException]:
    from chromadb.errors import ChromaError

    return ChromaError


@contextmanager
def guard_store(doing: str = "", server: ChromaSettings | None = None) -> Iterator[None]:
    """Turn environmental store failures into StoreErrors the front-ends show as one line."""
    try:
        yield
    except Exception as exc:
        error = store_error(exc, doing, server)
        if error is None or error is exc:
            raise
        raise error from exc


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(method: F) -> F:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with guard_store(server=getattr(args[0], "server", None)):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class IndexSpec:
    """What shapes the vectors. Encoded in the collection name so old and new vectors never mix."""

    embedder: str
    chunk_tokens: int
    chunk_overlap: int

    def collection_name(self, prefix: str) -> str:
        """Readable, and unique per embedder: the slug is cut and folds "st:models/e5" and "st:models-e5"
        together, so a hash of the embedder's full name tells them apart."""
        slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", self.embedder).strip("-")[:40]
        identity = hashlib.sha256(self.embedder.encode("utf-8")).hexdigest()[:8]
        return f"{prefix}-{slug}-{identity}-c{self.chunk_tokens}o{self.chunk_overlap}-v{SCHEMA_VERSION}"

    def legacy_collection_name(self, prefix: str) -> str:
        """The name before the embedder's hash was part of it (renamed on first open)."""
        slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", self.embedder).strip("-")[:60]
        return f"{prefix}-{slug}-c{self.chunk_tokens}o{self.chunk_overlap}-v{SCHEMA_VERSION}"

    def describe(self) -> str:
        return f"embedder {self.embedder}, chunks of {self.chunk_tokens} tokens with {self.chunk_overlap} overlap"


class ChunkRow(NamedTuple):
    """One chunk as it is written: its id, text, flat metadata and vector."""

    id: str
    text: str
    metadata: dict[str, Any]
    embedding: list[float]


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0  # cosine similarity for dense hits


def make_client(settings: ChromaSettings, data_dir: Path) -> Any:
    """A Chroma client for the settings; telemetry always off."""
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.mode == "embedded":
        refuse_file_as_data_dir(data_dir)
    try:
        if settings.mode == "http":
            return _http_client(settings, client_settings)
        # Absolute: chromadb caches clients by the path string, so a relative one could reach another folder.
        path = private_dir(data_dir.expanduser().resolve()) / "chroma"
        private_dir(path)
        return chromadb.PersistentClient(path=str(path), settings=client_settings)
    except Exception as exc:  # noqa: BLE001 - chromadb raises many kinds for the same user problem
        if isinstance(exc, StoreError):
            raise
        if settings.mode == "http":
            raise StoreError(
                f"cannot reach the Chroma server at {server_url(settings)} ({_short(exc)}). "
                "Start it (chroma run --path DIR --host HOST --port PORT) or fix chroma.host/chroma.port."
            ) from None
        raise StoreError(f"cannot open the index in {data_dir} ({_short(exc)}). Check that it is writable.") from None


def server_url(settings: ChromaSettings) -> str:
    return f"{'https' if settings.ssl else 'http'}://{settings.host}:{settings.port}"


def _http_client(settings: ChromaSettings, client_settings: Any) -> Any:
    """A client of a `chroma run` server whose every call gives up after chroma.timeout_s: a server that
    accepts connections and never answers must not hang newsbot. Connecting runs in a daemon thread with the
    same deadline (chromadb's constructor already asks the server things, with no timeout of its own)."""
    import chromadb
    import httpx

    headers = {}
    if settings.token is not None and settings.token.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.token.get_secret_value()}"
    found: dict[str, Any] = {}

    def connect() -> None:
        try:
            client = chromadb.HttpClient(
                host=settings.host, port=settings.port, ssl=settings.ssl, headers=headers, settings=client_settings
            )
            session = getattr(getattr(client, "_server", None), "_session", None)
            if isinstance(session, httpx.Client):
                session.timeout = httpx.Timeout(settings.timeout_s)
                # httpx's timeouts count per read: a server that drips its reply a byte at a time never trips
                # them. Every request gets one deadline for the whole exchange.
                session._transport = DeadlineTransport(session._transport, settings.timeout_s)  # type: ignore[assignment]
            client.heartbeat()
            found["client"] = client
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
            found["error"] = exc

    worker = threading.Thread(target=connect, name="newsbot-chroma-connect", daemon=True)
    worker.start()
    worker.join(settings.timeout_s)
    if worker.is_alive() or isinstance(found.get("error"), httpx.TimeoutException):
        raise StoreError(no_answer(settings))
    if "error" in found:
        raise found["error"]
    return found["client"]


class DeadlineTransport:
    """An httpx transport that gives each request ``seconds`` for the whole exchange, reply body included.

    The request runs in a daemon thread that reads the whole reply; past the deadline the caller gets
    httpx.ReadTimeout (shown as "the index is unavailable") and the thread is left to the server's pace.
    """

    def __init__(self, inner: Any, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds

    def handle_request(self, request: Any) -> Any:
        import httpx

        box: dict[str, Any] = {}

        def exchange() -> None:
            try:
                reply = self.inner.handle_request(request)
                try:
                    body = b"".join(reply.stream)
                finally:
                    reply.stream.close()
                box["reply"] = httpx.Response(reply.status_code, headers=reply.headers, content=body)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=exchange, name="newsbot-chroma-request", daemon=True)
        worker.start()
        worker.join(self.seconds)
        if worker.is_alive():
            raise httpx.ReadTimeout(f"no complete reply within {self.seconds:g} s", request=request)
        if "error" in box:
            raise box["error"]
        return box["reply"]

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> DeadlineTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def no_answer(settings: ChromaSettings) -> str:
    return (
        f"the Chroma server at {server_url(settings)} did not answer within {settings.timeout_s:g} s. Check that a "
        "healthy Chroma server listens there (chroma run --path DIR --host HOST --port PORT), or fix "
        "chroma.host/chroma.port; chroma.timeout_s sets how long newsbot waits."
    )


def collection_names(client: Any) -> list[str]:
    """The names of the collections on a Chroma client (older clients list names, newer ones objects)."""
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def retired_name(collection: str, prefix: str) -> str:
    """The name the collection in use carries for the moment of a rebuild's switch (never under ``prefix-``,
    which is the index in use; index/store/switching.py)."""
    return f"{prefix}_retired-{collection[len(prefix) + 1 :]}"


def refuse_file_as_data_dir(data_dir: Path) -> None:
    """A data directory that is a file (or lies under one) is named as such, not as a permission problem."""
    for folder in (data_dir, *data_dir.parents):
        if folder.exists() and not folder.is_dir():
            inside = "" if folder == data_dir else f" (it would be inside {folder})"
            raise StoreError(
                f"the data directory {data_dir} cannot be used: {folder} is a file, not a folder{inside}. "
                "Point --data-dir (or index.data_dir) at a folder, or move the file away."
            )


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


class ChromaStore:
    """The chunks of every article: vectors, passage text and metadata, in one Chroma collection."""

    def __init__(
        self, client: Any, spec: IndexSpec, prefix: str = "newsbot", server: ChromaSettings | None = None
    ) -> None:
        self.client = client
        self.server = server  # http mode: named in the message when the server stops answering
        self.spec = spec
        self.prefix = prefix
        self.name = spec.collection_name(prefix)
        # What the collection is called for the moment of a rebuild's switch (index/app.py, Newsbot._switch).
        self.retired = retired_name(self.name, prefix)
        self.collection = self._open()
        self._vectors: tuple[Any, Any] | None = None

    @property
    def vectors(self) -> Any:
        """llama-index's ChromaVectorStore over the collection: every write goes through it, and llama-index
        retrievers read it. Made on first use, so a process that only reads never imports llama-index
        (1.3 s of a cold `newsbot ask`); questions read the collection directly (see query)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        if self._vectors is None or self._vectors[0] is not self.collection:  # generation() may open a new one
            self._vectors = (self.collection, ChromaVectorStore(chroma_collection=self.collection))
        return self._vectors[1]

    def _open(self) -> Any:
        try:
            names = collection_names(self.client)
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"cannot list Chroma collections ({_short(exc)})") from None
        names = rename_legacy_collection(self.client, names, self.name, self.spec.legacy_collection_name(self.prefix))
        retired = self.retired
        if self.name not in names and retired in names:
            # A rebuild is switching indexes (or was cut short doing so; the next sync puts one back): the
            # index from before the switch answers meanwhile.
            return self.client.get_collection(retired, embedding_function=None)
        ours = [n for n in names if n.startswith(self.prefix + "-")]
        if self.name not in names and ours:
            other = ours[0]
            try:
                built = self.client.get_collection(other).metadata or {}
            except Exception:  # noqa: BLE001
                built = {}
            was = built.get("spec") or other
            raise IndexMismatchError(
                f"the index was built with other settings ({was}); the settings now ask for "
                f"{self.spec.describe()}. Run `newsbot index --rebuild` to rebuild it."
            )
        metadata = {
            "hnsw:space": "cosine",
            "spec": self.spec.describe(),
            "embedder": self.spec.embedder,
            "chunk_tokens": self.spec.chunk_tokens,
            "chunk_overlap": self.spec.chunk_overlap,
        }
        return self.client.get_or_create_collection(self.name, metadata=metadata, embedding_function=None)

    # -- writing

    @_guarded
    def add(self, chunks: list[ChunkRow]) -> None:
        """Upsert (id, text, metadata, embedding) rows; vectors are always passed, Chroma never embeds."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for chunk_id, text, metadata, embedding in chunks:
            node = TextNode(id_=chunk_id, text=text, metadata=metadata, embedding=embedding)
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=metadata["article_id"])
            nodes.append(node)
        # Chroma refuses a batch over its maximum (5,461 on these builds): a long article is written in parts.
        step = min(PAGE, self.max_batch)
        for start in range(0, len(nodes), step):
            self.vectors.add(nodes[start : start + step])

    @functools.cached_property
    def max_batch(self) -> int:
        try:
            return int(self.client.get_max_batch_size())
        except Exception:  # noqa: BLE001 - an older server without the call: Chroma's long-standing limit
            return 5461

    @_guarded
    def delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), PAGE):
            self.vectors.delete_nodes(node_ids=ids[start : start + PAGE])

    # -- reading

    @_guarded
    def count(self) -> int:
        return int(self.collection.count())

    @_guarded
    def ids(self) -> set[str]:
        """Every chunk id in the collection."""
        out: set[str] = set()
        offset = 0
        while True:
            page = self.collection.get(include=[], limit=PAGE, offset=offset)
            out.update(page["ids"])
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    @_guarded
    def set_metadata(self, ids: list[str], values: dict[str, Any]) -> None:
        """Change these metadata fields of these chunks in place (the rest of their metadata and their vectors
        stay)."""
        for start in range(0, len(ids), PAGE):
            part = ids[start : start + PAGE]
            self.collection.update(ids=part, metadatas=[dict(values) for _ in part])

    @_guarded
    def renumber_day(self, old: int, new: int) -> int:
        """Give every chunk stored with day ``old`` the day ``new`` (metadata merged, vectors untouched)."""
        changed = 0
        while True:
            page = self.collection.get(where={"day": old}, include=[], limit=PAGE)
            if not page["ids"]:
                return changed
            self.collection.update(ids=page["ids"], metadatas=[{"day": new}] * len(page["ids"]))
            changed += len(page["ids"])

    @_guarded
    def source_urls(self) -> set[tuple[str, str]]:
        """Every (source, url) pair of the chunks: what `--source` matches against when this process has no
        bookkeeping of its own (a reader of a Chroma server)."""
        out: set[tuple[str, str]] = set()
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            out.update((str(m.get("source") or ""), str(m.get("url") or "")) for m in page["metadatas"] or [] if m)
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    @_guarded
    def generation(self) -> str | None:
        """The mark the last finished sync left on the collection, read fresh from Chroma."""
        try:
            current = self.client.get_collection(self.name, embedding_function=None)
        except Exception as exc:  # noqa: BLE001 - NotFoundError: a rebuild is switching; the old one answers
            if type(exc).__name__ != "NotFoundError":
                raise
            current = self.client.get_collection(self.retired, embedding_function=None)
        if current.id != self.collection.id:  # a rebuild put a new collection in place of the one we had open
            self.collection = current
        metadata = current.metadata or {}
        value = metadata.get(GENERATION)
        return str(value) if value is not None else None

    @_guarded
    def set_generation(self, value: str) -> None:
        # Chroma refuses any hnsw: key on modify (it reads as a change of distance function); the rest is kept.
        metadata = {k: v for k, v in (self.collection.metadata or {}).items() if not k.startswith("hnsw:")}
        metadata[GENERATION] = value
        self.collection.modify(metadata=metadata)

    @_guarded
    def all_metadata(self) -> dict[str, dict[str, Any]]:
        """Every chunk id with its metadata (the truth the indexer reconciles against)."""
        out: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            page = self.collection.get(include=["metadatas"], limit=PAGE, offset=offset)
            for chunk_id, meta in zip(page["ids"], page["metadatas"]):
                out[chunk_id] = {k: v for k, v in (meta or {}).items() if not k.startswith("_")}
            if len(page["ids"]) < PAGE:
                return out
            offset += PAGE

    @_guarded
    def get(self, ids: list[str], embeddings: bool = False) -> list[StoredChunk]:
        if not ids:
            return []
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        page = self.collection.get(ids=ids, include=include)
        rows = []
        for i, chunk_id in enumerate(page["ids"]):
            meta = {k: v for k, v in (page["metadatas"][i] or {}).items() if not k.startswith("_")}
            if embeddings:
                meta["_embedding"] = page["embeddings"][i]
            rows.append(StoredChunk(chunk_id, page["documents"][i] or "", meta))
        return rows

    @_guarded
    def query(self, embedding: list[float], k: int, filters: Filters) -> list[StoredChunk]:
        """The k nearest chunks that pass the filters, with their cosine similarity, best first.

        Fetching texts and metadata is most of a query's cost (47k chunks: 3 ms for the nearest 240
        ids and distances, 38 ms with their texts and metadata), so the nearest ids come first and
        are fetched k at a time only until k pass the filters (see rank_wide_then_filter).
        """

        def rank(n: int, narrow: Filters) -> list[tuple[str, float]]:
            return list(zip(*self._nearest(embedding, n, narrow.where()), strict=True))

        def passing(nearest: Sequence[tuple[str, float]]) -> Iterator[StoredChunk]:
            for start in range(0, len(nearest), k):
                page = nearest[start : start + k]
                for hit in self._fetch([i for i, _ in page], [d for _, d in page]):
                    if filters.admits(hit.metadata):
                        yield hit

        return rank_wide_then_filter(k, filters, rank, passing)

    def _nearest(self, embedding: list[float], k: int, where: dict[str, Any] | None) -> tuple[list[str], list[float]]:
        result = self.collection.query(query_embeddings=[embedding], n_results=k, where=where, include=["distances"])
        return result["ids"][0], result["distances"][0]

    def _fetch(self, ids: list[str], distances: list[float]) -> list[StoredChunk]:
        """The chunks behind ids, in their order, scored by cosine (Chroma's cosine distance is 1 - cos)."""
        rows = {row.id: row for row in self.get(ids)}
        return [
            StoredChunk(chunk_id, rows[chunk_id].text, rows[chunk_id].metadata, 1.0 - distance)
            for chunk_id, distance in zip(ids, distances)
            if chunk_id in rows  # deleted by a sync between the two calls
        ]
