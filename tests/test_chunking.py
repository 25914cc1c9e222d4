"""Chunks: whole sentences, token-sized, overlapping, with exact character spans."""

from __future__ import annotations

from newsbot.index.ingest.articles import Article
from newsbot.index.ingest.chunking import Chunker
from newsbot.index.text import sentence_spans, soft_wrapped


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


WRAPPED = (
    "Ferries for Riverton\n"
    "\n"
    "The council voted 8 to 1 on Tuesday to add three electric ferries to the\n"
    "harbour fleet. The first of the new vessels, named the Marigold, will\n"
    "enter service in May.\n"
    "- Cost: $12 million\n"
    "- Crew: 4\n"
    "# Timetable\n"
    "Boats leave every\n"
    "twenty minutes.\n"
)


def sentences(text: str, soft: bool) -> list[str]:
    return [text[s.start : s.end] for s in sentence_spans(text, soft_wraps=soft)]


def test_a_single_line_break_inside_a_paragraph_does_not_end_a_sentence() -> None:
    assert sentences(WRAPPED, soft=True) == [
        "Ferries for Riverton",
        "The council voted 8 to 1 on Tuesday to add three electric ferries to the\nharbour fleet.",
        "The first of the new vessels, named the Marigold, will\nenter service in May.",
        "- Cost: $12 million",
        "- Crew: 4",
        "# Timetable",
        "Boats leave every\ntwenty minutes.",
    ]
    # other formats keep their line breaks as boundaries (scraped pages put one item on each line)
    assert "harbour fleet." in sentences(WRAPPED, soft=False)


def test_plain_text_and_markdown_are_the_soft_wrapped_formats() -> None:
    assert soft_wrapped("harbor/ferries.md") and soft_wrapped("notes.TXT")
    assert not soft_wrapped("wire.jsonl#L3") and not soft_wrapped("page.html") and not soft_wrapped(None)


def test_chunks_of_a_wrapped_article_end_on_whole_sentences() -> None:
    article = Article(id="f", title="Ferries", text=WRAPPED, path="ferries.txt")
    chunks = Chunker(lambda ts: [len(t.split()) for t in ts], size=22, overlap=0).chunk(article)
    assert all(c.text == WRAPPED[c.start : c.end] for c in chunks)
    assert chunks[0].text.endswith("harbour fleet.")  # not "...ferries to the"
