"""The CLI in-process: exit codes, JSON contracts and the exact error texts users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from newsbot import cli


def test_index_json_contract_and_exit_codes(run: Any, corpus: Path) -> None:
    code, out, err = run("index", "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {
        "added",
        "updated",
        "removed",
        "unchanged",
        "skipped",
        "duplicates",
        "embedded_chunks",
        "chunks",
        "articles",
        "seconds",
    }
    assert report["added"] == 9 and report["articles"] == 9 and report["skipped"] == []
    (corpus / "broken.jsonl").write_text('{"id": 1, "text": "x"}\n{oops\n')
    code, out, err = run("index", "--json")
    assert code == 1
    assert json.loads(out)["skipped"] == [
        {
            "path": "broken.jsonl:2",
            "reason": "line 2: not valid JSON (Expecting property name enclosed in double quotes); fix that line and run newsbot index again",
        }
    ]
    assert "skipped broken.jsonl:2: line 2: not valid JSON" in err


def test_a_missing_corpus_exits_2_with_what_to_do(run: Any, tmp_path: Path) -> None:
    code, out, err = run("index", "--corpus", str(tmp_path / "missing"))
    assert code == 2
    assert err.startswith(f"newsbot: error: corpus path {tmp_path / 'missing'} does not exist")
    assert err.rstrip().endswith("Fix corpus.paths in the configuration or pass --corpus PATH.")


def test_an_unreachable_chroma_server_exits_2(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_CHROMA__MODE", "http")
    monkeypatch.setenv("NEWSBOT_CHROMA__PORT", "9")  # discard port on loopback: nothing listens
    code, out, err = run("index")
    assert code == 2
    assert err.startswith("newsbot: error: cannot reach the Chroma server at http://127.0.0.1:9 (")
    assert "Start it (chroma run --path DIR --host HOST --port PORT) or fix chroma.host/chroma.port." in err


def test_bad_configuration_names_the_setting_and_allowed_values(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_CHROMA__MODE", "cloud")
    code, out, err = run("stats")
    assert code == 2
    assert err == (
        "newsbot: error: invalid setting chroma.mode = 'cloud': Input should be 'embedded' or 'http' "
        f"(set it in {_config()} or NEWSBOT_CHROMA__MODE)\n"
    )


def _config() -> str:
    import os

    return os.environ["NEWSBOT_CONFIG"]


def test_ask_json_contract(run: Any) -> None:
    run("index")
    code, out, err = run(
        "ask", "Who scored twice for Marlow Rovers in the cup final?", "--json", "--as-of", "2022-06-30"
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "question",
        "answered",
        "answer",
        "short_answer",
        "confidence",
        "citations",
        "retrieved",
        "timings_ms",
    }
    assert data["answered"] is True and data["citations"]
    assert set(data["citations"][0]) == {
        "n",
        "article_id",
        "title",
        "source",
        "url",
        "path",
        "published_at",
        "quote",
        "start",
        "end",
        "score",
    }
    assert set(data["retrieved"][0]) == {"article_id", "chunk_id", "title", "published_at", "score"}
    assert 0.0 <= data["confidence"] <= 1.0


def test_a_short_answer_points_inside_its_quote() -> None:
    from newsbot.index.answer.answerer import Answer, Citation, ShortAnswer

    quote = "Striker Dee Mensah scored twice in the final."
    citation = Citation(1, "a", "T", None, None, "a.txt", None, quote, 10, 10 + len(quote), 0.9, quote)
    answer = Answer("Who scored?", True, f"{quote} [1]", (citation,), (), {}, 0.8, ShortAnswer("Dee Mensah", 1, 8, 18))
    data = answer.to_json()
    short = data["short_answer"]
    assert data["citations"][0]["quote"][short["start"] : short["end"]] == short["text"] == "Dee Mensah"
    from rich.console import Console

    from newsbot.render import render_answer

    console = Console(record=True, width=300)
    console.print(render_answer(answer))
    lines = console.export_text().splitlines()
    assert lines[0] == "Dee Mensah"  # the short answer first
    assert lines[1] == f"“{quote}” [1]"  # then the quote that holds it
    assert quote not in "\n".join(lines[2:])  # the sources do not repeat it
    assert "Sources" in "\n".join(lines[2:])
    group = render_answer(answer)
    assert group.renderables[0].style == "bold"  # type: ignore[union-attr]
    assert any(span.style == "bold" for span in group.renderables[1].spans)  # type: ignore[union-attr]


def test_ask_text_output_shows_sources(run: Any) -> None:
    run("index")
    code, out, err = run("ask", "Who scored twice for Marlow Rovers in the cup final?", "--as-of", "2022-06-30")
    assert code == 0
    assert "Sources" in out and "[1] " in out and "sports.test" in out


def test_ask_validates_its_options(run: Any) -> None:
    code, out, err = run("ask", "   ")
    assert (code, err) == (
        2,
        "newsbot: error: the question is empty; ask one, e.g. Who ordered the attack on Kirkuk?\n",
    )
    code, out, err = run("ask", "x", "--since", "2022-07-01", "--until", "2022-06-01")
    assert (code, err) == (2, "newsbot: error: since (2022-07-01) is after until (2022-06-01); swap them\n")
    with pytest.raises(SystemExit) as exit_info:
        run("ask", "x", "--since", "June")
    assert exit_info.value.code == 2


def test_stats_json(run: Any) -> None:
    run("index")
    code, out, err = run("stats", "--json")
    stats = json.loads(out)
    assert set(stats) == {
        "articles",
        "chunks",
        "sources",
        "oldest",
        "newest",
        "embedder",
        "data_dir",
        "last_sync",
        "roots",
    }
    assert stats["articles"] == 9 and stats["oldest"] == "2022-05-01" and stats["newest"] == "2022-07-01"
    assert stats["sources"]["Riverton Ledger"] == 2 and stats["embedder"] == "fake-embedder"


def test_config_shows_values_origins_and_masks_secrets(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_CHROMA__TOKEN", "s3cret-token")
    code, out, err = run("config")
    assert code == 0
    assert "s3cret-token" not in out
    lines = {line.split()[0]: line for line in out.splitlines() if not line.startswith("#")}
    assert lines["chroma.token"].endswith('"**********"  # environment')
    assert lines["retrieval.k"].endswith("8  # default")
    assert lines["index.chunk_tokens"].endswith("40  # environment")


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit):
            parser.parse_args([name, "--help"])
        assert "usage: newsbot " + name in capsys.readouterr().out


def test_index_prints_its_summary_on_stdout_and_skips_on_stderr(run: Any, corpus: Path) -> None:
    (corpus / "broken.jsonl").write_text("{oops\n")
    code, out, err = run("index")
    assert code == 1
    assert out.startswith("added 9, updated 0, removed 0, unchanged 0, skipped 1, duplicates 0;") and "chunks/s" in out
    assert "skipped broken.jsonl:1: line 1: not valid JSON" in err and "added 9" not in err


def test_global_options_are_accepted_after_the_command(run: Any, tmp_path: Path) -> None:
    for args in (("--data-dir", str(tmp_path / "d1"), "index"), ("index", "--data-dir", str(tmp_path / "d1"))):
        code, out, err = run(*args)
        assert code == 0, err
    code, out, err = run("stats", "--json", "--data-dir", str(tmp_path / "d1"))
    assert json.loads(out)["data_dir"] == str(tmp_path / "d1") and json.loads(out)["articles"] == 9
    code, out, err = run("config", "--data-dir", str(tmp_path / "d2"))
    line = next(line for line in out.splitlines() if line.startswith("index.data_dir"))
    assert line.endswith(f'"{tmp_path / "d2"}"  # command line')


def test_a_misspelled_environment_variable_names_the_closest_setting(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_RETRIEVL__K", "5")
    code, out, err = run("stats")
    assert (code, out) == (2, "")
    assert err == (
        "newsbot: error: the environment variable NEWSBOT_RETRIEVL__K names no setting; did you mean retrieval.k "
        "(NEWSBOT_RETRIEVAL__K)? Rename or unset it.\n"
    )
    monkeypatch.delenv("NEWSBOT_RETRIEVL__K")
    monkeypatch.setenv("NEWSBOT_DISCORD__TOKN", "s3cret-token")  # a misspelled secret is never echoed
    code, out, err = run("config")
    assert code == 2 and "s3cret-token" not in err and "did you mean discord.token (NEWSBOT_DISCORD__TOKEN)?" in err
    monkeypatch.delenv("NEWSBOT_DISCORD__TOKN")
    monkeypatch.setenv("NEWSBOT_RETRIEVAL", '{"k": 5}')  # a whole section as JSON is a setting
    monkeypatch.setenv("NEWSBOT_CORPUS__CLEANING__ENABLED", "false")
    code, out, err = run("config")
    assert code == 0, err
    lines = {line.split()[0]: line.split() for line in out.splitlines() if not line.startswith("#")}
    assert lines["corpus.cleaning.enabled"] == ["corpus.cleaning.enabled", "false", "#", "environment"]
    assert lines["retrieval.k"][1] == "5"


def test_a_data_dir_that_is_a_file_is_named_as_a_file(run: Any, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder")
    for data_dir in (tmp_path / "afile", tmp_path / "afile" / "inner"):
        code, out, err = run("--data-dir", str(data_dir), "index")
        assert code == 2
        assert f"{tmp_path / 'afile'} is a file, not a folder" in err
        assert "Point --data-dir (or index.data_dir) at a folder" in err and "writable" not in err


def test_asking_before_anything_is_indexed_says_so_and_creates_nothing(run: Any, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    code, out, err = run("--data-dir", str(fresh), "ask", "Who scored twice?")
    assert (code, out) == (2, "")
    assert err.startswith(f"newsbot: error: Nothing is indexed in {fresh} yet") and "Run `newsbot index`" in err
    assert not fresh.exists()
    code, out, err = run("ask", "Who scored twice?", "--json")  # the default ./.newsbot, from a bare folder
    assert code == 2 and "Run `newsbot index`" in err and not (tmp_path / ".newsbot").exists()


def test_ask_source_takes_a_domain_or_any_case(run: Any) -> None:
    run("index")
    question = "Who scored twice for Marlow Rovers in the cup final?"
    for written in ("sports.test", "Sports.Test", "https://sports.test/"):
        code, out, err = run("ask", question, "--json", "--as-of", "2022-06-30", "--source", written)
        data = json.loads(out)
        assert code == 0 and data["answered"] and {c["source"] for c in data["citations"]} == {"sports.test"}
    code, out, err = run("ask", question, "--source", "nosuch.test")
    assert code == 0 and 'No indexed source matches "nosuch.test"' in out


def test_stats_says_when_no_article_is_dated(run: Any, corpus: Path, tmp_path: Path) -> None:
    undated = tmp_path / "undated"
    undated.mkdir()
    (undated / "a.txt").write_text("Kite festival\nThe Marlow kite festival drew 5,000 people on Sunday.\n")
    run("index", "--corpus", str(undated))
    code, out, err = run("stats")
    assert "dates      none (no article is dated)" in out and "- .. -" not in out


def test_output_to_a_pipe_is_not_wrapped(run: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ANSWER__MIN_CONFIDENCE", "0")  # an answer, whatever the fake embedder's confidence
    link = (
        "https://www.dailyquill.test/2022/06/21/ferry-fares-frozen-for-the-summer-season?utm_source=feed&utm_medium=rss"
    )
    (corpus / "quill.txt").write_text(
        f"---\ntitle: Ferry fares frozen for the whole summer season on every harbor route\nsource: The Daily Quill\n"
        f"url: {link}\npublished_at: 2022-06-21\n---\nThe ferry company said on Tuesday that harbor ferry fares will "
        "stay at four dollars on every route until the end of September, whatever fuel costs.\n"
    )
    run("index")
    code, out, err = run("ask", "How much will harbor ferry fares cost until September?", "--as-of", "2022-06-30")
    assert code == 0
    lines = out.splitlines()
    quote = next(line for line in lines if line.startswith("“"))
    assert len(quote) > 100 and quote.endswith("[1]")  # one line however long
    assert "    https://www.dailyquill.test/2022/06/21/ferry-fares-frozen-for-the-summer-season?utm_source=feed" in out
    assert all(line == line.rstrip() for line in lines)  # no trailing spaces


def test_undated_articles_pass_an_as_of_date_but_not_an_explicit_range(run: Any) -> None:
    run("index")
    question = "Why does the Gull Point bridge close for repairs?"
    code, out, err = run("ask", question, "--json", "--as-of", "1960-01-01")  # before every dated article
    retrieved = {p["article_id"] for p in json.loads(out)["retrieved"]}
    assert retrieved and all(p["published_at"] is None for p in json.loads(out)["retrieved"])
    assert any("bridge-repairs" in a for a in retrieved)  # the undated article is never excluded by --as-of
    for limits in (
        ("--until", "2022-06-30"),
        ("--since", "2022-01-01"),
        ("--since", "1900-01-01", "--until", "2099-01-01"),
    ):
        code, out, err = run("ask", question, "--json", *limits)
        dates = [p["published_at"] for p in json.loads(out)["retrieved"]]
        assert dates and None not in dates, limits  # an explicit range leaves undated articles out


def test_an_index_made_when_undated_was_day_minus_one_is_converted(run: Any, tmp_path: Path) -> None:
    from newsbot.config.settings import load_settings
    from newsbot.index.app import Newsbot
    from newsbot.index.text import OLD_UNDATED, UNDATED
    from tests.conftest import FakeEmbedder

    run("index")
    old = Newsbot(load_settings(), embedder=FakeEmbedder())
    old.store.renumber_day(UNDATED, OLD_UNDATED)  # as an older newsbot stored them
    old.lexical.renumber_day(UNDATED, OLD_UNDATED)
    old.manifest.set_meta("undated_day", "-1")
    with old._db:  # an older newsbot kept no record of the migrations it had run
        old._db.execute("DELETE FROM meta WHERE key LIKE 'migration:%'")
    old.close()
    code, out, err = run("ask", "Why does the Gull Point bridge close for repairs?", "--json", "--until", "2022-06-30")
    assert None not in [p["published_at"] for p in json.loads(out)["retrieved"]]  # converted when first opened
    again = Newsbot(load_settings(), embedder=FakeEmbedder())
    days = {int(m["day"]) for m in again.store.all_metadata().values()}
    assert UNDATED in days and OLD_UNDATED not in days
    assert {row[0] for row in again.lexical.db.execute("SELECT day FROM chunks_fts")} >= {UNDATED}


def test_a_misspelled_variable_in_dotenv_names_the_closest_setting(run: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "NEWSBOT_RETRIEVL__K=5\nNEWSBOT_DISCORD__TOKN=s3cret-token\n"
    )  # run works in tmp_path
    code, out, err = run("config")
    assert code == 2 and "s3cret-token" not in err
    assert "the variable NEWSBOT_RETRIEVL__K in .env names no setting; did you mean retrieval.k" in err
    assert "the variable NEWSBOT_DISCORD__TOKN in .env names no setting; did you mean discord.token" in err


def test_every_user_error_is_a_newsbot_error_and_the_cli_needs_no_discord_to_report_one(tmp_path):
    from newsbot.config import errors

    shown = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == errors.__name__
    ]
    assert len(shown) >= 10 and all(issubclass(cls, errors.NewsbotError) for cls in shown)
    code = "import sys; from newsbot.cli import main; code = main(sys.argv[1:]); print('discord' in sys.modules, code)"
    done = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path / "d"), "ask", "  "],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["False", "2"]
    assert done.stderr.startswith("newsbot: error: the question is empty")


def test_python_dash_m_newsbot_is_the_newsbot_command() -> None:
    done = subprocess.run([sys.executable, "-m", "newsbot", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage: newsbot ")


def test_a_password_in_the_llm_address_is_never_printed(
    run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 27 item 15: `newsbot config`, an invalid address and a misplaced TOML value echoed credentials."""
    monkeypatch.setenv("NEWSBOT_LLM__BASE_URL", "http://ann:PW-4242@127.0.0.1:9/v1")
    code, out, err = run("config")
    assert code == 0 and "PW-4242" not in out + err and "http://***@127.0.0.1:9/v1" in out
    monkeypatch.setenv("NEWSBOT_LLM__BASE_URL", "ftp://ann:PW-4242@127.0.0.1:9/v1")
    code, out, err = run("stats")
    assert code == 2 and "PW-4242" not in out + err and "invalid setting llm.base_url" in err
    monkeypatch.delenv("NEWSBOT_LLM__BASE_URL")
    toml = tmp_path / "misplaced.toml"
    toml.write_text('discord = "TOKEN-4242"\n')
    monkeypatch.setenv("NEWSBOT_CONFIG", str(toml))
    code, out, err = run("stats")
    assert code == 2 and "TOKEN-4242" not in out + err and "invalid setting discord" in err


def test_log_lines_never_carry_terminal_escape_sequences(tmp_path: Path) -> None:
    """Issue 27 item 16: a file name with escape sequences reached stderr raw through a log line."""
    import os

    code = (
        "import logging, sys; from newsbot import cli; cli.main(['stats']); "
        "logging.getLogger('newsbot.test').warning('reading %s failed', '\\x1b]0;pwned\\x07\\x1b[2Jnews.txt')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env |= {"NEWSBOT_INDEX__DATA_DIR": str(tmp_path / "data"), "NEWSBOT_CONFIG": str(tmp_path / "none.toml")}
    (tmp_path / "none.toml").write_text("")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert (
        "reading ]0;pwned[2Jnews.txt failed" in done.stderr and "\x1b" not in done.stderr and "\x07" not in done.stderr
    )


def test_ctrl_c_outside_a_sync_says_nothing_of_syncing(run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 27 item 19: Ctrl-C on `ask` or `stats` advised running `newsbot index` to finish a sync."""

    def interrupted(*_: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "stats", interrupted)
    assert run("stats") == (130, "", "newsbot: interrupted.\n")
    monkeypatch.setitem(cli.COMMANDS, "index", interrupted)
    code, _, err = run("index")
    assert code == 130 and "run `newsbot index` to finish the sync" in err


def test_an_article_of_today_in_any_time_zone_is_not_hidden(
    run: Any, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 27 item 17: under TZ=America/Los_Angeles an article published an hour ago was hidden until local
    midnight, and one stamped +14:00 under the default as-of. Here the machine is at UTC-12, the article at
    UTC+14: its date is always a day or two past the machine's."""
    import time
    from datetime import datetime, timedelta, timezone

    stamp = (datetime.now(timezone(timedelta(hours=14))) - timedelta(hours=1)).isoformat(timespec="minutes")
    (corpus / "kiribati.json").write_text(
        json.dumps(
            {
                "title": "Tarawa lagoon ferry returns",
                "published_at": stamp,
                "text": "The Tarawa lagoon ferry Nei Matamoa returned to service this morning after repairs.",
            }
        )
    )
    monkeypatch.setenv("TZ", "Etc/GMT+12")
    time.tzset()
    try:
        assert run("index")[0] == 0
        code, out, _ = run("ask", "Which ferry returned to service on the Tarawa lagoon?", "--json")
        assert code == 0 and json.loads(out)["answered"], out
        assert "Nei Matamoa" in json.loads(out)["answer"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_an_as_of_day_at_the_end_of_the_calendar_still_answers(run: Any) -> None:
    """Item 17: `--as-of 9999-12-31` abstained on every question."""
    run("index")
    code, out, _ = run(
        "ask", "Which team did Marlow Rovers beat in the county cup final?", "--as-of", "9999-12-31", "--json"
    )
    assert code == 0 and json.loads(out)["answered"]


def test_smaller_command_line_faults(run: Any, tmp_path: Path) -> None:
    """Issue 27 item 19: `stats` created the data directory, a misspelt option got no suggestion, and
    `serve-llm` on a busy port said only "Failed to init server"."""
    import socket

    fresh = tmp_path / "never-made"
    code, out, _ = run("--data-dir", str(fresh), "stats", "--json")
    assert code == 0 and json.loads(out)["articles"] == 0 and not fresh.exists()
    with pytest.raises(SystemExit):
        run("index", "--corpsu", "x")
    with pytest.raises(SystemExit):
        cli.main(["ask", "x", "--as_of", "2020-01-01"])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, _, err = run("serve-llm", "--port", str(busy.getsockname()[1]))
    assert code == 2 and "is in use" in err


def test_a_misspelt_option_names_the_closest_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["index", "--corpsu", "x"])
    assert "did you mean --corpus (for --corpsu)?" in capsys.readouterr().err
