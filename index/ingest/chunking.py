"""Sentence-aware chunking sized in model tokens, with overlap; every chunk knows its character span."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newsbot.index.ingest.articles import Article
from newsbot.index.text import Span, sentence_spans, soft_wrapped


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: ``text == article.text[start:end]``."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


class Chunker:
    """Packs whole sentences into chunks of at most ``size`` tokens, repeating up to ``overlap`` tokens."""

    def __init__(
        self,
        count_tokens: Callable[[list[str]], list[int]],
        size: int = 200,
        overlap: int = 40,
        token_offsets: Callable[[str], list[tuple[int, int]]] | None = None,
    ) -> None:
        self.count_tokens = count_tokens
        self.size = size
        self.overlap = overlap
        self.token_offsets = token_offsets

    def chunk(self, article: Article) -> list[Chunk]:
        text = article.text
        pieces = self._pieces(text, soft_wrapped(article.path))
        chunks: list[tuple[int, int]] = []
        i = 0
        while i < len(pieces):
            total = 0
            j = i
            while j < len(pieces) and (j == i or total + pieces[j][2] <= self.size):
                total += pieces[j][2]
                j += 1
            chunks.append((pieces[i][0], pieces[j - 1][1]))
            if j >= len(pieces):
                break
            # Step back over whole sentences that fit in the overlap, never to or before i.
            back, k = 0, j
            while k - 1 > i and back + pieces[k - 1][2] <= self.overlap:
                back += pieces[k - 1][2]
                k -= 1
            i = k
        prefix = chunk_prefix(article.id, article.content_hash)
        return [
            Chunk(id=f"{prefix}:{n}", article_id=article.id, index=n, start=s, end=e, text=text[s:e])
            for n, (s, e) in enumerate(chunks)
        ]

    def _pieces(self, text: str, soft_wraps: bool) -> list[tuple[int, int, int]]:
        """(start, end, tokens) of each sentence, over-long sentences cut at token boundaries."""
        spans = sentence_spans(text, soft_wraps=soft_wraps)
        counts = self.count_tokens([text[s.start : s.end] for s in spans]) if spans else []
        pieces: list[tuple[int, int, int]] = []
        for span, count in zip(spans, counts):
            if count <= self.size:
                pieces.append((span.start, span.end, count))
                continue
            pieces.extend(self._split_long(text, span))
        return pieces

    def _split_long(self, text: str, span: Span) -> list[tuple[int, int, int]]:
        sentence = text[span.start : span.end]
        if self.token_offsets is not None:
            offsets = self.token_offsets(sentence)
        else:  # whitespace words as a stand-in for tokens
            offsets = [(m.start(), m.end()) for m in re.finditer(r"\S+", sentence)]
        out = []
        for k in range(0, len(offsets), self.size):
            group = offsets[k : k + self.size]
            out.append((span.start + group[0][0], span.start + group[-1][1], len(group)))
        return out


def chunk_prefix(article_id: str, content_hash: str) -> str:
    """Chunk ids name the article and its content version, so old and new versions can coexist."""
    import hashlib

    return hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:16] + ":" + content_hash[:12]


def embedding_text(title: str | None, chunk_text: str) -> str:
    """What is embedded for a chunk: the title gives a passage its context."""
    return f"{title}\n{chunk_text}" if title else chunk_text
