"""Reading articles: every format, cleaning, identity, dates and every kind of bad input."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from newsbot.config.errors import CorpusPathError
from newsbot.config.settings import CleaningSettings, CorpusSettings
from newsbot.index.ingest.articles import CorpusReader
from newsbot.index.ingest.cleaning import Cleaner
from newsbot.index.ingest.metadata import date_from_url, normalise_url, parse_date
from tests.conftest import CORPUS, SEEDS


def scan(*paths: Path, **settings: object):
    return CorpusReader(CorpusSettings(**settings)).scan(list(paths))  # type: ignore[arg-type]


def by_path(result) -> dict:
    return {a.path: a for a in result.articles}


def test_every_format_in_the_test_corpus_is_read_with_its_metadata() -> None:
    result = scan(CORPUS)
    assert result.skipped == [] and result.duplicates == [] and result.warnings == []
    articles = by_path(result)
    assert set(articles) == {
        "feed.json#1",
        "feed.json#2",
        "glimmer.html",
        "harbor/bridge-repairs.md",
        "harbor/riverton-bridge.txt",
        "riverton-budget-june.txt",
        "riverton-budget-may.txt",
        "wire.jsonl#L1",
        "wire.jsonl#L2",
    }
    txt = articles["harbor/riverton-bridge.txt"]
    assert txt.title == "Riverton opens the Gull Point harbor bridge"
    assert txt.id == "https://example-news.test/2022/06/10/riverton-bridge"  # normalised: no utm_, no slash
    assert txt.source == "Example News"
    assert txt.authors == ("Maria Keane", "Tom Ode")
    assert txt.published_at == date(2022, 6, 10)

    md = articles["harbor/bridge-repairs.md"]
    assert md.title == "Gull Point bridge closes for repairs"  # first real line, furniture skipped
    assert md.id == "harbor/bridge-repairs.md" and md.published_at is None
    assert "Share this" not in md.text and "Advertisement" not in md.text

    html = articles["glimmer.html"]
    assert html.title == "Glimmer Robotics raises $12 million"
    assert html.id == "https://techdaily.test/2022/07/01/glimmer-robotics-funding"
    assert html.published_at == date(2022, 7, 1)
    assert html.source == "Tech Daily" and html.authors == ("Priya Natarajan",)
    assert html.text.startswith("Glimmer Robotics, a startup")  # headline not repeated in the body
    assert "Cookie settings" not in html.text and "Home" not in html.text

    aliased = articles["feed.json#1"]  # headline, body, link, publish_date, publisher, author
    assert (aliased.title, aliased.source, aliased.authors) == (
        "Storm Ida floods the lower town",
        "Weather Wire",
        ("Sam Reed",),
    )
    assert aliased.published_at == date(2022, 6, 14)
    assert articles["feed.json#2"].id == "note-42" and articles["feed.json#2"].text.startswith("The Marlow library")

    jsonl = articles["wire.jsonl#L1"]
    assert jsonl.record_id == "wire-001" and jsonl.source == "sports.test" and jsonl.authors == ("Jo Field",)


def test_both_seed_articles_are_cleaned_with_every_sentence_kept() -> None:
    result = scan(SEEDS)
    assert result.skipped == []
    titles = sorted(a.title for a in result.articles)
    assert titles == [
        "Fleeing Iraqi Invasion, Thousands Flee Kirkuk into Kurdish Territory",
        "Iran-Backed Militias, Iraqi Forces, Joined by IRGC General, Attack Kurdish City of Kirkuk",
    ]
    furniture = ["Print Friendly", "Send to Kindle", "having issues with commenting", "[Photo:", "AP Photo"]
    for article in result.articles:
        original = (SEEDS / article.path).read_text(encoding="utf-8")
        flat_original, flat_text = " ".join(original.split()), " ".join(article.text.split())
        for bit in furniture:
            assert bit not in article.text, (article.path, bit)
        # Every line of the cleaned text is verbatim (up to white space) in the original file...
        for line in article.text.split("\n"):
            assert " ".join(line.split()) in flat_original
        # ...and every sentence-bearing line of the original survives cleaning.
        for line in original.split("\n"):
            line = " ".join(re.sub(r"\[Photo:[^\]]*\]", "", line).split())
            if len(line.split()) >= 6 and line != article.title and not any(b in line for b in furniture):
                assert line in flat_text, line
    assert "\n\n\n" not in "".join(a.text for a in result.articles)


def test_cleaning_rules_are_configurable() -> None:
    text = "Intro line here.\nRead more: other story\nShare\nBody sentence stays."
    assert "Read more" in Cleaner(CleaningSettings()).clean(text)
    cleaner = Cleaner(CleaningSettings(extra_line_patterns=[r"(?i)read more:.*"]))
    assert cleaner.clean(text) == "Intro line here.\n\nBody sentence stays."  # a removed line ends a paragraph
    assert Cleaner(CleaningSettings(enabled=False)).clean(text).count("\n") == 3


def test_identity_and_dates() -> None:
    assert normalise_url("HTTPS://WWW.Example.com/a/b/?utm_source=x&id=3#top") == "https://www.example.com/a/b?id=3"
    assert date_from_url("https://cnn.com/2022/06/12/media/squid-game/index.html") == date(2022, 6, 12)
    assert date_from_url("https://cnn.com/media/squid-game") is None
    assert parse_date("2022-06-12T10:00:00Z") == date(2022, 6, 12)
    assert parse_date("June 12, 2022") == date(2022, 6, 12)
    assert parse_date("not a date") is None


def test_date_comes_from_the_url_and_never_from_file_times(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"url": "https://x.test/2021/03/04/story", "text": "Some text here."}))
    (tmp_path / "b.txt").write_text("A title\nSome body text that is long enough.")
    articles = by_path(scan(tmp_path))
    assert articles["a.json"].published_at == date(2021, 3, 4)
    assert articles["b.txt"].published_at is None


def test_ids_are_stable_across_runs() -> None:
    first = {a.path: (a.id, a.content_hash) for a in scan(CORPUS).articles}
    second = {a.path: (a.id, a.content_hash) for a in scan(CORPUS).articles}
    assert first == second


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file; add the article's text or remove the file"),
        (
            "binary.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "binary file, not text; remove it or give it another extension",
        ),
        (
            "bad.json",
            b'{"title": "x",\n "text": "y"\n,,}',
            "line 3: not valid JSON (Expecting property name enclosed in double quotes); fix the file and run newsbot index again",
        ),
        (
            "notext.json",
            b'{"title": "Only a title"}',
            "no article text (expected a text, body or content field); add the text or drop the record",
        ),
    ],
)
def test_bad_files_are_skipped_with_the_reason_and_what_to_do(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("Good title\nA good article body sentence.")
    result = scan(tmp_path)
    assert [a.path for a in result.articles] == ["good.txt"]
    assert [(s.path, s.reason) for s in result.skipped] == [(name, reason)]


def test_a_bad_jsonl_line_names_the_file_and_line_and_the_rest_is_read(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "1", "text": "First article text."}),
        '{"id": "2", "text": "broken',
        json.dumps({"id": "3", "title": "no text"}),
        json.dumps({"id": "4", "text": "Fourth article text."}),
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines))
    result = scan(tmp_path)
    assert [a.id for a in result.articles] == ["1", "4"]
    assert [s.path for s in result.skipped] == ["feed.jsonl:2", "feed.jsonl:3"]
    assert result.skipped[0].reason.startswith("line 2: not valid JSON (Unterminated string")


def test_oversized_articles_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Title\n" + "word " * 300_000)
    (tmp_path / "big.jsonl").write_text(json.dumps({"id": "x", "text": "word " * 300_000}))
    result = scan(tmp_path, max_article_mb=1)
    assert result.articles == []
    assert [s.path for s in result.skipped] == ["big.jsonl:1", "big.txt"]
    assert (
        "over the 1 MB limit" in result.skipped[1].reason and "raise corpus.max_article_mb" in result.skipped[1].reason
    )


def test_undecodable_bytes_are_read_with_a_warning(tmp_path: Path) -> None:
    text = "Café owners in Zürich protest\nThe café owners of Zürich protested on Monday about rents."
    (tmp_path / "latin.txt").write_bytes(text.encode("cp1252"))
    result = scan(tmp_path)
    assert result.articles[0].title == "Café owners in Zürich protest"
    assert result.warnings and result.warnings[0].startswith("latin.txt: not UTF-8; read as")


def test_duplicates_are_indexed_once_and_reported(tmp_path: Path) -> None:
    body = "The same wire story ran in two papers on the same day."
    (tmp_path / "a.txt").write_text("Paper A headline\n" + body)
    (tmp_path / "b.txt").write_text("Paper B headline\n" + body)
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"url": "https://x.test/s", "text": "One version."})
        + "\n"
        + json.dumps({"url": "https://x.test/s/", "text": "Another capture of the same URL."})
    )
    result = scan(tmp_path)
    assert sorted(a.path for a in result.articles) == ["a.txt", "c.jsonl#L1"]
    assert [(d.path, d.same_as) for d in result.duplicates] == [("b.txt", "a.txt"), ("c.jsonl#L2", "c.jsonl#L1")]


def test_a_missing_corpus_path_is_an_error_that_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(
        CorpusPathError, match="does not exist .* Fix corpus.paths in the configuration or pass --corpus PATH"
    ):
        scan(tmp_path / "nope")


def test_the_realtimeqa_record_shape_ingests(tmp_path: Path) -> None:
    record = {
        "id": "rtqa-5b14cd16b6fe",
        "url": "https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html",
        "title": "'Squid Game': Netflix green lights season 2 - CNN",
        "authors": ["Ramishah Maruf"],
        "published_at": "2022-06-12",
        "text": "New York CNN \u2014\n\n\u201cSquid Game\u201d is officially coming back.\n\nNetflix announced Sunday.",
    }
    (tmp_path / "corpus.jsonl").write_text(json.dumps(record) + "\n")
    [article] = scan(tmp_path / "corpus.jsonl").articles
    assert article.record_id == "rtqa-5b14cd16b6fe" and article.source == "cnn.com"
    assert article.path == "corpus.jsonl#L1" and article.published_at == date(2022, 6, 12)


def test_an_article_of_nothing_but_furniture_keeps_its_headline_or_its_text_with_a_warning(tmp_path: Path) -> None:
    widget = "1. How relevant is this ad to you?\n\nVideo player was slow to load content Video content never loaded"
    records = [
        {"id": "a", "title": "Sprite will no longer be sold in green bottles", "text": widget},
        {"id": "b", "text": widget},
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    (tmp_path / "furniture.txt").write_text("Share\nAdvertisement\n")
    result = scan(tmp_path)
    by_path = {a.path: a for a in result.articles}
    assert by_path["feed.jsonl#L1"].text == "Sprite will no longer be sold in green bottles"
    assert by_path["feed.jsonl#L2"].text == widget  # nothing is lost to over-eager rules
    assert by_path["furniture.txt"].text == "Advertisement"
    assert not result.skipped
    assert result.warnings == [
        "feed.jsonl:1: nothing but page furniture besides the headline; indexed the headline alone",
        "feed.jsonl:2: nothing but page furniture by the cleaning rules and no headline; indexed uncleaned. "
        "Check the text, or the rules in corpus.cleaning",
        "furniture.txt: nothing but page furniture by the cleaning rules and no headline; indexed uncleaned. "
        "Check the text, or the rules in corpus.cleaning",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "1. How relevant is this ad to you?",
        "Video player was slow to load content Video content never loaded Ad froze or did not finish loading",
        '(You can get "5 Things You Need to Know Today" delivered to your inbox daily. Sign up here .)',
        "Would you like to receive The WeekDay newsletter ?",
        "We will use the details you have shared to manage your registration. You agree to the processing.",
    ],
)
def test_ad_widgets_and_newsletter_boxes_are_furniture(line: str) -> None:
    cleaner = Cleaner(CleaningSettings())
    cleaned = cleaner.clean(f"The council met on Monday.\n{line}\nIt voted six to three.")
    assert cleaned.split() == ["The", "council", "met", "on", "Monday.", "It", "voted", "six", "to", "three."]


def test_utf8_with_one_bad_byte_stays_utf8_and_only_the_bad_byte_is_replaced() -> None:
    from newsbot.index.ingest.formats import decode

    data = "Tokyo (東京) reported 日本語 headlines on Monday.".encode() + b" A bad byte: \xff here."
    text, warning = decode(data)
    assert "日本語" in text and "東京" in text and "æ—¥" not in text
    assert text.endswith("A bad byte: \ufffd here.")
    assert (
        warning == "1 byte not valid UTF-8, replaced with U+FFFD (the rest is UTF-8); fix or re-save the file as UTF-8"
    )


def test_cyrillic_in_cp1251_is_read_as_cp1251_and_western_text_as_cp1252() -> None:
    from newsbot.index.ingest.formats import decode

    russian = "Москва заявила во вторник, что переговоры продолжатся на следующей неделе."
    text, warning = decode(russian.encode("cp1251"))
    assert text == russian and warning is not None and "cp1251" in warning
    for western in ("Le café de la gare a fermé ses portes après trente ans.", "Café", "Die Brücke über den Fluß."):
        text, warning = decode(western.encode("cp1252"))
        assert text == western and warning is not None and "cp1252" in warning


def test_nul_bytes_and_runs_without_spaces_are_left_out_and_said(tmp_path: Path) -> None:
    from newsbot.config.settings import CorpusSettings
    from newsbot.index.ingest.articles import CorpusReader

    folder = tmp_path / "c"
    folder.mkdir()
    late_nul = "Harbor news\n" + "The harbor ferry sails at nine. " * 300 + "Then\x00 it stops."
    (folder / "nul.txt").write_text(late_nul)  # the NUL is after the first 8 KB
    blob = "A" * 4_900_000
    (folder / "blob.txt").write_text(f"Data dump\nThe council published its data. {blob} The vote is on Monday.\n")
    (folder / "only.txt").write_text(f"Only a blob\n{blob}\n")
    scan = CorpusReader(CorpusSettings(paths=[folder], max_article_mb=10)).scan([folder])
    by_path = {a.path: a for a in scan.articles}
    assert "\x00" not in by_path["nul.txt"].text and "Then it stops." in by_path["nul.txt"].text
    assert by_path["blob.txt"].text == "The council published its data.  The vote is on Monday."
    assert "nul.txt: 1 NUL byte left out (not text)" in scan.warnings
    assert (
        "blob.txt: 1 run of over 1,000 characters without a space left out (4,900,000 characters; not words, "
        "e.g. encoded data)" in scan.warnings
    )
    assert [s.path for s in scan.skipped] == ["only.txt"]
