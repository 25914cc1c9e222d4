"""The REPL driven through its input and output, commands included."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from newsbot.config.errors import UsageError
from newsbot.index.answer.answerer import Answer, Citation, reads_as_follow_up
from newsbot.index.app import Newsbot
from newsbot.repl import Repl


def scripted(lines: list[str]) -> Callable[[str], str]:
    """A REPL reader that types these lines, then Ctrl-D."""
    feed = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read


def drive(bot: Newsbot, lines: list[str]) -> tuple[int, str, Repl]:
    out = io.StringIO()
    repl = Repl(
        bot,
        bot.settings,
        read=scripted(lines),
        console=Console(file=out, width=200, highlight=False),
        today=date(2022, 6, 30),
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
    assert "error: no question asked yet; ask one, then :sources N shows the passage behind citation N" in out
    assert repl.last_answer is not None and repl.last_answer.answered
    passage = repl.last_answer.citations[0].passage
    assert len(passage) > len(repl.last_answer.citations[0].quote)
    assert " ".join(passage.split()) in " ".join(out.split())  # the full passage
    n = len(repl.last_answer.citations)
    listed = " or ".join(f":sources {i}" for i in range(1, n + 1)) if n > 1 else ":sources 1"
    assert f"error: the last answer has {n} source{'s' if n > 1 else ''}; write {listed}" in out
    assert "filters: source=Riverton since=2022-06-01" in out
    assert "error: since=June is not a date; write it as YYYY-MM-DD" in out
    assert "filters cleared" in out
    assert "9 articles, 11 chunks, dated 2022-05-01 .. 2022-07-01, last sync" in out
    assert ":reindex" in out and ":filter clear" in out
    assert "error: unknown command :nonsense; :help lists the commands" in out


def test_filters_apply_to_questions(bot: Newsbot) -> None:
    _, out, repl = drive(bot, [":filter source=Riverton Ledger", "Marlow Rovers county cup"])
    assert "error: cannot read 'Ledger'" in out and 'in quotes: source="The Daily Quill"' in out
    _, out, repl = drive(bot, [':filter source="riverton ledger"', "How much will Riverton spend on new parks?"])
    assert "filters: source='riverton ledger'" in out
    assert repl.last_answer is not None and {p.source for p in repl.last_answer.retrieved} == {"Riverton Ledger"}
    _, out, repl = drive(bot, [":filter until=2022-05-31", "How much will Riverton spend on new parks?"])
    assert repl.last_answer is not None
    assert all(p.published_at is None or p.published_at <= "2022-05-31" for p in repl.last_answer.retrieved)


def test_a_follow_up_uses_the_previous_question(bot: Newsbot) -> None:
    assert reads_as_follow_up("what about the airport?") and reads_as_follow_up("and her agent?")
    assert not reads_as_follow_up("How many homes lost power in Marlow during the storm?")
    _, out, repl = drive(bot, ["Who scored twice for Marlow Rovers in the cup final?", "what about her agent?"])
    # each turn is the question with the names its answer quoted ("her" is the striker the first answer named)
    first, second = repl.turns
    assert first.startswith("Who scored twice for Marlow Rovers in the cup final?") and "Dee Mensah" in first
    assert second.startswith("what about her agent?")
    assert repl.last_answer is not None
    assert repl.last_answer.retrieved[0].article_id.startswith("https://sports.test/")


def test_reindex_picks_up_new_articles(bot: Newsbot, corpus: Path) -> None:
    bot.indexer.sync(bot.settings.corpus.paths)
    (corpus / "kites.txt").write_text("Kite festival\nThe Marlow kite festival drew 5,000 people on Sunday.")
    _, out, _ = drive(bot, [":reindex"])
    assert "added 1, updated 0, removed 0, unchanged 9" in out


def test_messages_say_what_is_true_and_what_to_type(bot: Newsbot) -> None:
    code, out, repl = drive(
        bot,
        ["What is the boiling point of liquid nitrogen in kelvin?", ":sources 1", ":quit now", "never read"],
    )
    assert code == 0 and out.rstrip().endswith("bye")
    assert repl.last_answer is not None and not repl.last_answer.answered
    assert "error: the last answer cites no sources (the articles did not answer it); ask another question" in out
    assert "unknown command" not in out
    one = (Citation(1, "a", "T", None, None, "a.txt", None, "Q.", 0, 2, 0.5, "Q."),)
    repl.last_answer = Answer("q", True, "Q. [1]", one, (), {})
    with pytest.raises(UsageError, match=r"^the last answer has 1 source; write :sources 1$"):
        repl.cmd_sources("5")


def test_stats_of_undated_articles_says_so(make_settings, tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "undated"
    folder.mkdir()
    (folder / "kites.txt").write_text("Kite festival\nThe Marlow kite festival drew 5,000 people on Sunday.\n")
    bot = Newsbot(make_settings([folder]), embedder=fake_embedder)
    _, out, _ = drive(bot, [":stats"])
    assert "1 articles, 1 chunks, no article is dated, last sync" in out and "- .. -" not in out


def test_an_empty_index_is_named_with_the_command_that_fills_it(make_settings, tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-articles-here"
    bot = Newsbot(make_settings([missing]), embedder=fake_embedder)
    _, out, _ = drive(bot, ["Who scored twice?"])
    flat = " ".join(out.split())
    assert flat.count("Nothing is indexed in") == 2  # at the start, and as the answer
    assert "Run `newsbot index` to index the articles in" in flat and "(In here, :reindex does the same.)" in flat


def test_sources_shows_the_passage_from_a_sentence_start_with_the_quote_in_bold() -> None:
    from newsbot.index.answer.answerer import Citation
    from newsbot.render import passage_view

    passage = (
        "deserves better,” the mayor said. The council voted 8 to 1 to add three electric ferries. "
        "The first, the Marigold, sails in May."
    )
    quote = "The council voted 8 to 1 to add three electric ferries."
    view = passage_view(Citation(1, "a", "T", None, None, "a.txt", None, quote, 0, len(quote), 0.9, passage))
    assert view.plain == f"{quote} The first, the Marigold, sails in May."  # not from inside the mayor's quotation
    (bold,) = [span for span in view.spans if span.style == "bold"]
    assert view.plain[bold.start : bold.end] == quote
    whole = "The ferry is late. " + quote
    view = passage_view(Citation(1, "a", "T", None, None, "a.txt", None, quote, 0, len(quote), 0.9, whole))
    assert view.plain == whole  # a passage that starts cleanly is shown whole
    first = passage_view(
        Citation(1, "a", "T", None, None, "a.txt", None, "deserves better,” the mayor said.", 0, 1, 0.9, passage)
    )
    assert first.plain.startswith("deserves better,” the mayor said.")  # the cited sentence itself is never cut


def test_a_generated_answer_is_checked_before_it_is_printed(make_settings: Callable[..., object], corpus: Path) -> None:
    from tests.conftest import FakeEmbedder
    from tests.llm_script import Reply, ScriptedLLM

    server = ScriptedLLM(Reply("Yes, the bridge cost of $40 million was paid for by a state grant [1]. It rained [9]."))
    try:
        settings = make_settings(
            [corpus], answer={"generator": "openai"}, llm={"base_url": server.base_url, "model": "scripted"}
        )
        bot = Newsbot(settings, embedder=FakeEmbedder())  # type: ignore[arg-type]
        _, out, repl = drive(bot, ["Was the bridge cost paid for by a state grant?"])
    finally:
        server.close()
    checked = "Yes, the bridge cost of $40 million was paid for by a state grant. [1]\n“The bridge cost $40 million"
    assert checked in out and "It rained" not in out  # not a terminal: no draft, only the checked answer
    assert "(1 sentence of the model's answer left out: no passage supports it)" in out
    assert repl.last_answer is not None and repl.last_answer.generated


def test_an_article_quoted_twice_is_listed_once_under_sources_with_both_numbers() -> None:
    """An answer may quote the lead and the sentence after it that answers: the terminal and Discord list the
    article once, "[1] [2] Title", and another article on a line of its own."""
    from newsbot.discord.render import answer_embeds
    from newsbot.render import render_answer

    def cite(n: int, article: str, quote: str) -> Citation:
        title = f"{article.title()} story"
        return Citation(n, article, title, "Courier", None, f"{article}.md", "2026-12-04", quote, 0, len(quote), 0.9)

    lead, answer, other = (
        cite(1, "station", "The town will open an ambulance station."),
        cite(2, "station", "It will be built on Tern Street."),
        cite(3, "budget", "The budget pays for two crews."),
    )
    reply = Answer("Where?", True, "... [1] ... [2] ... [3]", (lead, answer, other), (), {})
    out = io.StringIO()
    Console(file=out, width=200).print(render_answer(reply))
    sources = out.getvalue().split("Sources")[1]
    assert sources.count("Station story") == 1 and "[1] [2] Station story — 2026-12-04, Courier" in sources
    assert "[3] Budget story" in sources
    listed = answer_embeds(reply, "Where?")[-1].description or ""
    assert listed.count("Station story") == 1 and "**[1] [2]** Station story" in listed and "**[3]** Budget" in listed
