"""The interactive REPL: questions in, cited answers out, with a few `:commands`."""

from __future__ import annotations

import shlex
import sys
import threading
from collections.abc import Callable
from datetime import date
from typing import TypedDict

from rich.console import Console
from rich.text import Text

from newsbot.config.errors import UsageError, user_message
from newsbot.config.settings import Settings
from newsbot.index.app import (
    Answer,
    Newsbot,
    Query,
    SyncReport,
    conversation_turn,
    parse_day,
    private_dir,
    today,
)
from newsbot.render import Draft, add_lines, date_range, feed_lines, passage_view, poll_lines, printable, render_answer
from newsbot.render import console as terminal_console

HELP = """Ask a question in plain words, e.g.  Who ordered the attack on Kirkuk?
A short follow-up (\"what about the airport?\") is read in the light of the previous question.

  :sources N                  the full passage behind citation N of the last answer
  :filter source=NAME since=YYYY-MM-DD until=YYYY-MM-DD   limit what answers may draw on
  :filter clear               remove the filters
  :reindex                    poll the feeds that are due, then sync the index with the articles now
  :add URL [URL...]           fetch web pages, save them as articles and index them
  :feeds                      the feeds followed (feeds.urls) and their state
  :stats                      what is indexed
  :help                       this text
  :quit                       leave (Ctrl-D works too)"""

CONTEXT_TURNS = 3  # earlier questions a follow-up is read with, as in a Discord thread


class Filters(TypedDict, total=False):
    """The REPL's :filter, applied to every question until cleared."""

    source: str
    since: date
    until: date


class Repl:
    def __init__(
        self,
        bot: Newsbot,
        settings: Settings,
        read: Callable[[str], str] | None = None,
        console: Console | None = None,
        today: date | None = None,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.console = console or terminal_console()
        self.read = read or self._default_reader()
        self.today = today
        self.filters = Filters()
        self.last_answer: Answer | None = None
        self.turns: list[str] = []  # the last question read on its own, then its follow-ups
        self.streams = settings.answer.generator != "none"  # a model's words are shown as they come
        self.fed = threading.Event()  # the feeds saved new articles in the background: sync before the next question

    def _default_reader(self) -> Callable[[str], str]:
        if sys.stdin.isatty():
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory

            data_dir = self.settings.index.data_dir
            if data_dir.is_dir():  # the history lives beside the index; none is created just to hold it
                private_dir(data_dir)
                session: PromptSession[str] = PromptSession(history=FileHistory(str(data_dir / "repl_history")))
            else:
                session = PromptSession()
            return lambda prompt: session.prompt(prompt)

        def plain(prompt: str) -> str:
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip("\n")

        return plain

    def run(self) -> int:
        self.console.print("newsbot: ask about the indexed articles. :help for commands, :quit to leave.")
        self.sync_if_changed()
        self.say_if_empty()
        stop = threading.Event()
        if self.settings.feeds.urls:  # polled on their interval; what they bring is synced before the next question
            threading.Thread(
                target=self.bot.follow_feeds, args=(stop, lambda _: self.fed.set()), name="newsbot-feeds", daemon=True
            ).start()
        try:
            return self._loop()
        finally:
            stop.set()

    def _loop(self) -> int:
        while True:
            try:
                line = self.read("newsbot> ").strip()
            except EOFError:
                self.console.print("bye")
                return 0
            except KeyboardInterrupt:
                continue
            if not line:
                continue
            if line.split()[0] in (":quit", ":q", ":exit"):  # ":quit now" leaves too
                self.console.print("bye")
                return 0
            try:
                self.handle(line)
            except KeyboardInterrupt:
                self.say("interrupted", "yellow")
            except Exception as exc:  # noqa: BLE001 - one clear line, and the REPL goes on
                self.error(exc)

    def handle(self, line: str) -> None:
        if line.startswith(":"):
            command, _, rest = line.partition(" ")
            handler = {
                ":help": self.cmd_help,
                ":sources": self.cmd_sources,
                ":filter": self.cmd_filter,
                ":reindex": self.cmd_reindex,
                ":add": self.cmd_add,
                ":feeds": self.cmd_feeds,
                ":stats": self.cmd_stats,
            }.get(command)
            if handler is None:
                raise UsageError(f"unknown command {command}; :help lists the commands")
            handler(rest.strip())
            return
        self.ask(line)

    def ask(self, question: str) -> Answer:
        if self.fed.is_set():
            self.fed.clear()
            self.console.print("new articles from the feeds; syncing…")
            self._sync()
        # The conversation goes with every question; the answerer decides whether it reads as a follow-up.
        context = "\n".join(self.turns[-CONTEXT_TURNS:]) or None
        query = Query(
            question,
            source=self.filters.get("source"),
            since=self.filters.get("since"),
            until=self.filters.get("until"),
            as_of=self.today or today(),
            context=context,
        )
        draft = Draft(self.console) if self.streams else None  # a model's words, as they come
        answer = self.bot.ask(query, on_token=draft)
        if draft is not None:
            draft.end()
        self.console.print(render_answer(answer))
        self.last_answer = answer
        turn = conversation_turn(answer)
        self.turns = [*self.turns, turn] if answer.follow_up else [turn]
        return answer

    def say(self, text: str, style: str = "") -> None:
        """One line of output: never parsed as markup, control characters dropped (user and article text)."""
        self.console.print(Text(printable(text), style=style))

    def error(self, exc: BaseException) -> None:
        self.console.print(Text.assemble(("error:", "red"), " ", printable(_message(exc))))

    def cmd_help(self, _: str) -> None:
        self.console.print(HELP, markup=False)

    def cmd_sources(self, rest: str) -> None:
        if self.last_answer is None:
            raise UsageError("no question asked yet; ask one, then :sources N shows the passage behind citation N")
        if not self.last_answer.citations:
            raise UsageError(
                "the last answer cites no sources (the articles did not answer it); "
                "ask another question, then :sources N"
            )
        numbers = {c.n: c for c in self.last_answer.citations}
        if not rest.isdigit() or int(rest) not in numbers:
            count = f"{len(numbers)} source{'s' if len(numbers) != 1 else ''}"
            choices = " or ".join(f":sources {n}" for n in numbers)
            raise UsageError(f"the last answer has {count}; write {choices}")
        c = numbers[int(rest)]
        self.say(f"[{c.n}] {c.title or '(untitled)'} {c.published_at or ''}".rstrip())
        self.say(f"    {c.url or c.path or c.article_id}")
        self.console.print(passage_view(c))

    def cmd_filter(self, rest: str) -> None:
        if rest == "clear":
            self.filters = Filters()
            self.console.print("filters cleared")
            return
        if not rest:
            self.say(f"filters: {self._describe_filters()}")
            return
        new = self.filters.copy()
        try:
            pairs = shlex.split(rest)
        except ValueError:
            raise UsageError('a quotation mark is not closed; write :filter source="The Daily Quill"') from None
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or key not in ("source", "since", "until") or not value:
                raise UsageError(
                    f"cannot read {pair!r}; write :filter source=NAME since=YYYY-MM-DD until=YYYY-MM-DD "
                    '(a name with spaces in quotes: source="The Daily Quill")'
                )
            if key == "source":
                new["source"] = value
            elif key == "since":
                new["since"] = parse_day(value, "since=")
            else:
                new["until"] = parse_day(value, "until=")
        self.filters = new
        self.say(f"filters: {self._describe_filters()}")

    def _describe_filters(self) -> str:
        return " ".join(f"{k}={shlex.quote(str(v))}" for k, v in self.filters.items()) or "none"

    def cmd_reindex(self, _: str) -> None:
        if self.settings.feeds.urls:
            for line in poll_lines(self.bot.poll_feeds()):
                self.say(line)
        self._sync()

    def cmd_add(self, rest: str) -> None:
        urls = rest.split()
        if not urls:
            raise UsageError("write :add URL (one or more page addresses, https://…)")
        results, report = self.bot.add(urls)
        for line, failed in add_lines(results):
            self.say(line, "yellow" if failed else "")
        if report is not None:
            self._said(report)

    def cmd_feeds(self, _: str) -> None:
        states = self.bot.feeds()
        if not states:
            self.say("no feeds followed; list them in feeds.urls (docs/feeds.md)")
        for line in feed_lines(states):
            self.say(line)

    def _sync(self) -> None:
        self._said(self.bot.sync())

    def _said(self, report: SyncReport) -> None:
        self.say(report.summary())
        for warning in report.warnings:
            self.say(f"warning: {warning}", "yellow")
        for skip in report.skipped:
            self.say(f"skipped {skip.path}: {skip.reason}")

    def cmd_stats(self, _: str) -> None:
        stats = self.bot.stats()
        self.say(
            f"{stats['articles']} articles, {stats['chunks']} chunks, {date_range(stats)}, "
            f"last sync {stats['last_sync'] or 'never'}"
        )

    def say_if_empty(self) -> None:
        try:
            empty = self.bot.nothing_indexed()
        except Exception as exc:  # noqa: BLE001 - the REPL still starts; the next question reports it
            self.error(exc)
            return
        if empty:
            self.say(f"{empty} (In here, :reindex does the same.)", "yellow")

    def sync_if_changed(self) -> None:
        try:
            if self.bot.needs_sync():
                self.console.print("the articles changed since the last sync; syncing…")
                self._sync()
        except Exception as exc:  # noqa: BLE001 - the REPL still starts on what is indexed
            self.error(exc)


def _message(exc: BaseException) -> str:
    return user_message(exc) or str(exc) or type(exc).__name__
