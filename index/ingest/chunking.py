"""Sentence-aware chunking sized in model tokens, with overlap; every chunk knows its character span."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newsbot.index.ingest.articles import Article

# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) before white space and
# a capital, digit or opening quote. Abbreviations below do not end sentences.
_BOUNDARY = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "st",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "approx",
    "dept",
    "est",
    "fig",
    "mt",
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: ``text == article.text[start:end]``."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


# In plain-text formats people hard-wrap paragraphs: a single line break is white space there, and a
# paragraph ends at a blank line, before a list item or heading, or after a heading line.
SOFT_WRAP_SUFFIXES = (".txt", ".md", ".markdown")
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+•]\s|\d{1,3}[.)]\s|#{1,6}\s|>)")


def soft_wrapped(path: str | None) -> bool:
    """Whether an article's single line breaks are wrapping, not structure (its file is .txt or .md)."""
    return bool(path) and str(path).split("#", 1)[0].lower().endswith(SOFT_WRAP_SUFFIXES)


def _blocks(text: str, soft_wraps: bool) -> list[tuple[int, str]]:
    """(offset, body) of each run of text that a sentence never crosses."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    if not soft_wraps:
        return lines
    blocks: list[tuple[int, str]] = []
    previous_end = -2
    previous_heading = False
    for start, line in lines:
        heading = line.lstrip().startswith("#")
        continues = (
            blocks
            and text[previous_end:start].count("\n") == 1  # no blank line between
            and not previous_heading
            and not _BLOCK_START.match(line)
            and line.strip()
        )
        if continues:
            block_start, _ = blocks[-1]
            blocks[-1] = (block_start, text[block_start : start + len(line)])
        elif line.strip():
            blocks.append((start, line))
        previous_end, previous_heading = start + len(line), heading
    return blocks


def sentence_spans(text: str, offset: int = 0, soft_wraps: bool = False) -> list[Span]:
    """Sentences of ``text`` as spans (shifted by ``offset``).

    A line break ends a sentence, except with ``soft_wraps`` (hard-wrapped .txt/.md articles), where
    only a blank line, a list item or a heading does; a sentence then spans the wrapped lines verbatim.
    """
    spans: list[Span] = []
    for start, body in _blocks(text, soft_wraps):
        base = start + offset
        cut = 0
        for match in _BOUNDARY.finditer(body):
            words = body[cut : match.start()].split()
            last = words[-1].lower() if words else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            spans.append(Span(base + cut, base + match.end(1)))
            cut = match.end()
        tail = body.rstrip()
        if tail[cut:].strip():
            spans.append(Span(base + cut, base + len(tail)))
    return spans


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
