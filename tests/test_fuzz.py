"""Property-based tests: whatever the files, questions and settings, a clear message, never a traceback,
a ping or a lost article."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsbot.cli import main
from newsbot.config.errors import UsageError
from newsbot.config.settings import CorpusSettings, Settings
from newsbot.discord import render
from newsbot.index.answer.answerer import Answer, Citation
from newsbot.index.app import Newsbot
from newsbot.index.ingest.articles import CorpusReader
from newsbot.index.search import Query
from tests.conftest import FakeEmbedder

# The same 60 examples on every run, so CI cannot go red by chance; HYPOTHESIS_PROFILE=explore draws new ones.
settings.register_profile("repeatable", max_examples=60, derandomize=True, database=None)
settings.register_profile("explore", max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
EXTENSIONS = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]
MENTION = re.compile(r"(?<!\\)@(everyone|here)|<@[!&]?\d+>")  # what Discord would turn into a ping

nested_json = st.integers(1, 5000).map(lambda n: "[" * n + "]" * n) | st.integers(1, 5000).map(
    lambda n: '{"a":' * n + "1" + "}" * n
)
nested_html = st.integers(1, 5000).map(lambda n: "<html><body>" + "<div>" * n + "Deep text." + "</div>" * n)
odd_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=2000)
huge_line = st.integers(100_000, 400_000).map(lambda n: "word " * (n // 5))
contents = (
    st.binary(max_size=4000)
    | odd_text.map(str.encode)
    | nested_json.map(str.encode)
    | nested_html.map(str.encode)
    | huge_line.map(str.encode)
)


@FUZZ
@given(data=contents, extension=st.sampled_from(EXTENSIONS))
@example(data=b"\x00\xff\xfe" * 100, extension=".txt")
@example(data=b'{"title": "x", "text": ' + b"[" * 100_000, extension=".json")
@example(data=("<div>" * 20_000 + "Text").encode(), extension=".html")
@example(data="\u202e\u0000\ufeffZ\u0301\u0301\U0001f600\n".encode(), extension=".md")
def test_any_file_is_read_or_skipped_with_a_reason(data: bytes, extension: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"input{extension}").write_bytes(data)
        scan = CorpusReader(CorpusSettings(paths=[root])).scan([root])
    for article in scan.articles:
        assert article.text.strip() and article.id
        assert "\x00" not in (article.title or "")
    for skip in scan.skipped:
        assert skip.path.startswith("input") and skip.reason  # names the file and says why
        assert "newsbot bug" not in skip.reason  # the catch-all for users; a test must never reach it
    assert scan.articles or scan.skipped or scan.duplicates


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Newsbot:
    from tests.conftest import CORPUS

    data = tmp_path_factory.mktemp("fuzz-data")
    bot = Newsbot(
        Settings(
            corpus={"paths": [str(CORPUS)]},
            index={"data_dir": str(data), "chunk_tokens": 40, "chunk_overlap": 8},
        ),
        embedder=FakeEmbedder(),
    )
    bot.indexer.sync([CORPUS])
    return bot


questions = (
    st.text(max_size=300)
    | st.just("")
    | st.just(" \t\n ")
    | st.text(st.characters(categories=["Cc", "Cf", "Zs"]), max_size=200)
    | st.sampled_from(["@everyone who won?", "<@&123> <@456> <#789> **bold** `code` [x](http://evil)", "@here ||x||"])
    | st.integers(10_000, 100_000).map(lambda n: "why " * (n // 4))
)


@FUZZ
@given(question=questions)
def test_any_question_gets_an_answer_or_an_abstention_and_never_a_ping(indexed: Newsbot, question: str) -> None:
    if not question.strip():  # a blank question is refused, with what to do, before anything is asked
        with pytest.raises(UsageError, match="^the question is empty; ask one"):
            Query(question)
        return
    answer = indexed.ask(Query(question))
    assert answer.answered == bool(answer.citations)
    for embed in render.answer_embeds(answer, question):
        shown = " ".join(filter(None, [embed.title, embed.description]))
        assert not MENTION.search(shown), shown
        assert render.embed_size(embed) <= 6000 and len(embed.description or "") <= 4096


@FUZZ
@given(text=st.text(max_size=500) | st.sampled_from(["@everyone", "<@&123>", "@here [a](b) <@!9>"]))
def test_quoted_article_text_and_titles_never_ping(text: str) -> None:
    citation = Citation(
        n=1,
        article_id="a",
        title=text,
        source=text,
        published_at=None,
        url=None,
        path="a.txt",
        quote=text,
        start=0,
        end=len(text),
        score=1.0,
        passage=text,
    )
    answer = Answer(
        question=text,
        answered=True,
        text=f"{text} [1]",
        citations=(citation,),
        retrieved=(),
        timings_ms={},
        evidence=1.0,
    )
    for embed in render.answer_embeds(answer, text):
        assert not MENTION.search(" ".join(filter(None, [embed.title, embed.description])))


SETTING_FIELDS = [
    "NEWSBOT_INDEX__CHUNK_TOKENS",
    "NEWSBOT_RETRIEVAL__K",
    "NEWSBOT_ANSWER__MIN_CONFIDENCE",
    "NEWSBOT_CHROMA__MODE",
    "NEWSBOT_CHROMA__PORT",
    "NEWSBOT_CORPUS__PATHS",
    "NEWSBOT_DISCORD__COOLDOWN_SECONDS",
    "NEWSBOT_LOGGING__LEVEL",
]


@FUZZ
@given(field=st.sampled_from(SETTING_FIELDS), value=st.text(st.characters(exclude_characters="\x00"), max_size=60))
def test_any_setting_value_loads_or_is_refused_in_one_line_naming_it(
    field: str, value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with monkeypatch.context() as patch:
        patch.setenv(field, value)
        code = main(["config"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 2:
        name = field.removeprefix("NEWSBOT_").lower().replace("__", ".")
        assert err.startswith("newsbot: error: ") and name in err and "Traceback" not in err


def test_a_broken_file_arriving_loses_no_article(bot: Newsbot, corpus: Path) -> None:
    before = bot.indexer.sync([corpus]).articles

    @FUZZ
    @given(data=contents, extension=st.sampled_from(EXTENSIONS))
    def arrive(data: bytes, extension: str) -> None:
        (corpus / f"zz-arrived{extension}").write_bytes(data)
        report = bot.indexer.sync([corpus])
        assert report.articles >= before
        assert bot.manifest.rows().keys() >= kept
        for other in EXTENSIONS:
            (corpus / f"zz-arrived{other}").unlink(missing_ok=True)

    kept = set(bot.manifest.rows())
    arrive()
    # the last example's file is gone from disk but still indexed until the next sync removes it
    assert bot.indexer.sync([corpus]).articles == before
    assert set(bot.manifest.rows()) == kept
