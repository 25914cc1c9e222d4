"""Shared fixtures: a deterministic fake embedder for fast tests, real Chroma in a temp dir always."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newsbot import cli
from newsbot.config.settings import Settings
from newsbot.index.app import Newsbot

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
SEEDS = Path(__file__).parent.parent / "seeds"


class FakeEmbedder:
    """Bag of hashed word stems: texts sharing words are close. Deterministic and instant."""

    name = "fake-embedder"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.embedded = 0
        self.fail_after: int | None = None  # raise once this many documents were embedded

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            digest = hashlib.md5(word[:6].encode()).digest()
            vector[digest[0] % self.dim] += 1.0 if digest[1] % 2 else -1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("simulated crash while embedding")
        self.calls += 1
        self.embedded += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No NEWSBOT_ variable, .env or TOML file from the developer's machine leaks into a test."""
    import os

    for key in list(os.environ):
        if key.startswith("NEWSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSBOT_CONFIG", str(_empty_toml(tmp_path)))


def _empty_toml(tmp_path: Path) -> Path:
    path = tmp_path / "_empty.toml"
    path.write_text("")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of tests/data/corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(paths: list[Path] | None = None, **sections: Any) -> Settings:
        corpus_section = dict(sections.pop("corpus", {}))
        corpus_section.setdefault("paths", [str(p) for p in (paths or [tmp_path / "corpus"])])
        index_section = dict(sections.pop("index", {}))
        index_section.setdefault("data_dir", str(tmp_path / "data"))
        index_section.setdefault("chunk_tokens", 40)
        index_section.setdefault("chunk_overlap", 8)
        return Settings(corpus=corpus_section, index=index_section, **sections)

    return make


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def shared_chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One `chroma run` for the session; each test that uses it gets collections of its own."""
    from tests.chroma_server import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def chroma_mode() -> str:
    """Which Chroma `bot` uses; a test module runs its tests against both by overriding this fixture with
    params=["embedded", "http"]."""
    return "embedded"


@pytest.fixture
def chroma_section(chroma_mode: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    if chroma_mode == "embedded":
        return {}
    server = request.getfixturevalue("shared_chroma_server")
    prefix = "t" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]  # this test's collections only
    return {"mode": "http", "port": server.port, "collection_prefix": prefix}


@pytest.fixture
def bot(
    make_settings: Callable[..., Settings], corpus: Path, fake_embedder: FakeEmbedder, chroma_section: dict[str, Any]
) -> Iterator[Newsbot]:
    """A Newsbot over the test corpus with the fake embedder and a real Chroma (embedded unless the module asks
    for a server too)."""
    yield Newsbot(make_settings([corpus], chroma=chroma_section), embedder=fake_embedder)


@pytest.fixture(scope="session")
def minilm() -> Any:
    """The real bundled model, loaded once."""
    from newsbot.index.embedding import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]):
    """Run `newsbot ARGS` in-process over the test corpus with the fake embedder; (code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_CORPUS__PATHS", json.dumps([str(corpus)]))
    monkeypatch.setenv("NEWSBOT_INDEX__CHUNK_TOKENS", "40")
    monkeypatch.setenv("NEWSBOT_INDEX__CHUNK_OVERLAP", "8")
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=FakeEmbedder()))

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
