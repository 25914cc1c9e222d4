"""Hostile questions, settings and article text: one clear line or a safe answer, never a traceback, never
a raw escape sequence on the user's terminal, never a secret echoed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from newsbot.config.errors import ConfigError
from newsbot.config.settings import load_settings
from newsbot.index.app import Newsbot
from newsbot.repl import Repl
from tests.test_processes import env_for
from tests.test_repl import scripted

EXE = str(Path(sys.executable).parent / "newsbot")
ESCAPES = "\x1b[2J\x1b]0;PWNED\x07"


def test_a_question_that_is_not_utf8_is_answered_in_json(run: Any) -> None:
    run("index")
    code, out, err = run("ask", "gas \udcff prices", "--json")  # what Python makes of $'gas \xff prices'
    assert code == 0, err
    assert json.loads(out)["question"] == "gas \ufffd prices"


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400", "5000"])
def test_numbers_that_are_not_finite_or_out_of_range_are_refused(
    value: str, monkeypatch: pytest.MonkeyPatch, run: Any
) -> None:
    monkeypatch.setenv("NEWSBOT_CORPUS__MAX_ARTICLE_MB", value)
    code, out, err = run("index")
    assert code == 2 and err.startswith("newsbot: error: invalid setting corpus.max_article_mb = ")
    assert "Traceback" not in err and err.count("\n") == 1
    monkeypatch.setenv("NEWSBOT_CORPUS__MAX_ARTICLE_MB", "5")
    monkeypatch.setenv("NEWSBOT_RETRIEVAL__RECENCY_WEIGHT", value if value != "5000" else "nan")
    code, out, err = run("stats")
    assert code == 2 and "invalid setting retrieval.recency_weight" in err


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"a{i}.txt").write_text(f"Harbor report {i}\nThe harbor handled {i} hundred ships this week.\n")
    env = env_for(corpus, tmp_path / "data")
    subprocess.run([EXE, "index"], env=env, capture_output=True, timeout=300, check=True)
    for command in (
        f"{EXE} ask 'How many ships did the harbor handle?' --json | head -c 30",
        f"{EXE} config | head -3",
    ):
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=300)
        assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert done.stdout


def test_article_text_never_reaches_the_terminal_raw(
    make_settings: Any, tmp_path: Path, fake_embedder: Any, run: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (corpus / "evil.txt").write_text(
        f"---\ntitle: Ferry {ESCAPES}news\nsource: Evil{ESCAPES} Times\n---\n"
        f"The harbor ferry{ESCAPES} fare is four dollars until September.\n"
    )
    monkeypatch.setenv("NEWSBOT_ANSWER__MIN_CONFIDENCE", "0")
    run("index")
    code, out, err = run("ask", "What is the harbor ferry fare until September?", "--as-of", "2022-06-30")
    assert code == 0 and "fare is four dollars until September" in out  # quoted, the escape bytes left out
    assert "\x1b" not in out and "\x07" not in out
    code, out, err = run("stats")
    assert "Evil[2J]0;PWNED Times (1)" in out and "\x1b" not in out
    code, out, err = run("ask", "What is the harbor ferry fare until September?", "--json")
    assert "\\u001b" in out  # the JSON keeps the text, escaped
    settings = make_settings([corpus])
    bot = Newsbot(settings, embedder=fake_embedder)
    shown = io.StringIO()
    repl = Repl(
        bot,
        settings,
        read=scripted(["What is the harbor ferry fare until September?", ":sources 1"]),
        console=Console(file=shown, force_terminal=True, width=200),
        today=date(2022, 6, 30),
    )
    repl.run()
    assert "four dollars" in shown.getvalue() and "PWNED" not in shown.getvalue().replace("[2J]0;PWNED", "")
    assert "\x1b]0;" not in shown.getvalue() and "\x1b[2J" not in shown.getvalue() and "\x07" not in shown.getvalue()


def test_markup_in_user_text_is_shown_as_typed(bot: Newsbot) -> None:
    shown = io.StringIO()
    repl = Repl(
        bot,
        bot.settings,
        read=scripted([":foo[/]", ":filter since=[/bold]", "[bold]what[/] about [/]x?"]),
        console=Console(file=shown, width=200),
        today=date(2022, 6, 30),
    )
    assert repl.run() == 0
    out = shown.getvalue()
    assert "error: unknown command :foo[/]; :help lists the commands" in out
    assert "error: since=[/bold] is not a date; write it as YYYY-MM-DD" in out


def test_a_secret_of_the_wrong_type_is_never_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "n.toml"
    toml.write_text('[discord]\ntoken = ["secret123"]\n[chroma]\ntoken = 12345\n')
    monkeypatch.setenv("NEWSBOT_CONFIG", str(toml))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "invalid setting discord.token: " in str(caught.value) and "secret123" not in str(caught.value)
    assert "invalid setting chroma.token: " in str(caught.value) and "12345" not in str(caught.value)


def test_html_reading_depends_on_lxml_html_clean_directly() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    assert any(d.replace("-", "_").startswith("lxml_html_clean") for d in project["dependencies"])
    import lxml_html_clean  # noqa: F401 - installed by a plain `pip install -e .`

    assert os.environ.get("NEWSBOT_CONFIG")  # the isolated test environment is in place
