"""The REPL driven through its input and output, commands included."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from rich.console import Console

from bot.repl import Repl
from index.answer import reads_as_follow_up
from index.wiring import Newsbot


def drive(bot: Newsbot, lines: list[str]) -> tuple[int, str, Repl]:
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    repl = Repl(
        bot, bot.settings, read=read, console=Console(file=out, width=200, highlight=False), today=date(2022, 6, 30)
    )
    code = repl.run()
    return code, out.getvalue(), repl


def test_it_syncs_at_start_answers_and_quits(bot: Newsbot) -> None:
    code, out, repl = drive(bot, ["Who scored twice for Marlow Rovers in the cup final?", ":quit"])
    assert code == 0
    assert "syncing" in out and "added 9" in out
    assert "Sources" in out and "[1] " in out and "sports.test" in out
    assert "Dee Mensah" in out  # the quote that answers (either wire story says it)
    assert out.rstrip().endswith("bye")


def test_no_sync_at_start_when_nothing_changed(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync(bot.settings.corpus.paths)
    _, out, _ = drive(bot, [])
    assert "syncing" not in out
    (corpus / "new.txt").write_text("Kite festival\nThe Marlow kite festival drew 5,000 people on Sunday.")
    _, out, _ = drive(bot, [])
    assert "syncing" in out and "added 1" in out


def test_sources_filter_stats_help_and_errors(bot: Newsbot) -> None:
    code, out, repl = drive(
        bot,
        [
            ":sources 1",
            "Who scored twice for Marlow Rovers in the cup final?",
            ":sources 1",
            ":sources 9",
            ":filter source=Riverton since=2022-06-01",
            ":filter since=June",
            ":filter clear",
            ":stats",
            ":help",
            ":nonsense",
        ],
    )
    assert code == 0  # Ctrl-D (EOF) ends it cleanly
    assert "error: there is no cited answer yet; ask a question first" in out
    assert repl.last_answer is not None and repl.last_answer.answered
    passage = repl.last_answer.citations[0].passage
    assert len(passage) > len(repl.last_answer.citations[0].quote)
    assert " ".join(passage.split()) in " ".join(out.split())  # the full passage
    assert "error: write :sources N with N one of 1" in out
    assert "filters: source=Riverton since=2022-06-01" in out
    assert "error: since=June is not a date; write it as YYYY-MM-DD" in out
    assert "filters cleared" in out
    assert "9 articles," in out
    assert ":reindex" in out and ":filter clear" in out
    assert "error: unknown command :nonsense; :help lists the commands" in out


def test_filters_apply_to_questions(bot: Newsbot) -> None:
    _, out, repl = drive(bot, [":filter source=Riverton Ledger", "Marlow Rovers county cup"])
    assert "error: cannot read 'Ledger'" in out  # values with spaces are not supported: said plainly
    _, out, repl = drive(bot, [":filter until=2022-05-31", "How much will Riverton spend on new parks?"])
    assert repl.last_answer is not None
    assert all(p.published_at is None or p.published_at <= "2022-05-31" for p in repl.last_answer.retrieved)


def test_a_follow_up_uses_the_previous_question(bot: Newsbot) -> None:
    assert reads_as_follow_up("what about the airport?") and reads_as_follow_up("and her agent?")
    assert not reads_as_follow_up("How many homes lost power in Marlow during the storm?")
    _, out, repl = drive(bot, ["Who scored twice for Marlow Rovers in the cup final?", "what about her agent?"])
    assert repl.turns == ["Who scored twice for Marlow Rovers in the cup final?", "what about her agent?"]
    assert repl.last_answer is not None
    assert repl.last_answer.retrieved[0].article_id.startswith("https://sports.test/")


def test_reindex_picks_up_new_articles(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync(bot.settings.corpus.paths)
    (corpus / "kites.txt").write_text("Kite festival\nThe Marlow kite festival drew 5,000 people on Sunday.")
    _, out, _ = drive(bot, [":reindex"])
    assert "added 1, updated 0, removed 0, unchanged 9" in out
