"""Chunks: whole sentences, token-sized, overlapping, with exact character spans."""

from __future__ import annotations

from index.articles import Article
from index.chunking import Chunker, sentence_spans


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def test_sentences_respect_abbreviations_quotes_and_paragraphs() -> None:
    text = "He said “It is over.” Then Mr. Smith left the U.S. on Oct. 16. The U.N. agreed!\nA new paragraph"
    assert [text[s.start : s.end] for s in sentence_spans(text)] == [
        "He said “It is over.”",
        "Then Mr. Smith left the U.S. on Oct. 16.",
        "The U.N. agreed!",
        "A new paragraph",
    ]


def test_chunks_pack_whole_sentences_with_overlap_and_exact_spans() -> None:
    sentences = [f"Sentence number {i} has exactly seven words." for i in range(20)]
    text = " ".join(sentences[:10]) + "\n\n" + " ".join(sentences[10:])
    article = Article(id="a", title="T", text=text)
    chunks = Chunker(words, size=30, overlap=10).chunk(article)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert len(chunk.text.split()) <= 30
        assert chunk.text.startswith("Sentence") and chunk.text.endswith("words.")
    # consecutive chunks share whole sentences (the overlap), and together cover every sentence
    for first, second in zip(chunks, chunks[1:]):
        assert second.start < first.end
    covered = " ".join(c.text for c in chunks)
    assert all(s in covered for s in sentences)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


def test_an_over_long_sentence_is_cut_at_token_boundaries() -> None:
    text = " ".join(f"w{i}" for i in range(95)) + "."
    chunks = Chunker(words, size=40, overlap=5).chunk(Article(id="a", title=None, text=text))
    assert [len(c.text.split()) for c in chunks] == [40, 40, 15]
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_chunk_ids_change_with_the_content_so_versions_can_coexist() -> None:
    chunker = Chunker(words, size=30, overlap=5)
    old = chunker.chunk(Article(id="a", title="T", text="One sentence here."))
    new = chunker.chunk(Article(id="a", title="T", text="One sentence changed."))
    assert old[0].id != new[0].id and old[0].id.split(":")[0] == new[0].id.split(":")[0]
