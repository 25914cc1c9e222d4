"""The interactive REPL: questions in, cited answers out, with a few `:commands`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from rich.console import Console

from bot.render import render_answer
from config.settings import Settings
from index.answer import Answer, reads_as_follow_up
from index.retrieval import Query

HELP = """Ask a question in plain words, e.g.  Who ordered the attack on Kirkuk?
A short follow-up (\"what about the airport?\") is read in the light of the previous question.

  :sources N                  the full passage behind citation N of the last answer
  :filter source=NAME since=YYYY-MM-DD until=YYYY-MM-DD   limit what answers may draw on
  :filter clear               remove the filters
  :reindex                    sync the index with the articles now
  :stats                      what is indexed
  :help                       this text
  :quit                       leave (Ctrl-D works too)"""

CONTEXT_TURNS = 3  # earlier questions a follow-up is read with, as in a Discord thread


class ReplError(Exception):
    """A mistyped REPL command; the message says how to write it."""


class Repl:
    def __init__(
        self,
        bot: Any,
        settings: Settings,
        read: Callable[[str], str] | None = None,
        console: Console | None = None,
        today: date | None = None,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.console = console or Console(highlight=False)
        self.read = read or self._default_reader()
        self.today = today
        self.filters: dict[str, Any] = {}
        self.last_answer: Answer | None = None
        self.turns: list[str] = []  # the last question read on its own, then its follow-ups

    def _default_reader(self) -> Callable[[str], str]:
        if sys.stdin.isatty():
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory

            from index.manifest import private_dir

            data_dir = self.settings.index.data_dir
            private_dir(data_dir)
            session: PromptSession[str] = PromptSession(history=FileHistory(str(data_dir / "repl_history")))
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
            if line in (":quit", ":q", ":exit"):
                self.console.print("bye")
                return 0
            try:
                self.handle(line)
            except KeyboardInterrupt:
                self.console.print("[yellow]interrupted[/]")
            except Exception as exc:  # noqa: BLE001 - one clear line, and the REPL goes on
                self.console.print(f"[red]error:[/] {_message(exc)}", markup=True)

    def handle(self, line: str) -> None:
        if line.startswith(":"):
            command, _, rest = line.partition(" ")
            handler = {
                ":help": self.cmd_help,
                ":sources": self.cmd_sources,
                ":filter": self.cmd_filter,
                ":reindex": self.cmd_reindex,
                ":stats": self.cmd_stats,
            }.get(command)
            if handler is None:
                raise ReplError(f"unknown command {command}; :help lists the commands")
            handler(rest.strip())
            return
        self.ask(line)

    def ask(self, question: str) -> Answer:
        follow_up = bool(self.turns) and reads_as_follow_up(question)
        context = "\n".join(self.turns[-CONTEXT_TURNS:]) if follow_up else None
        query = Query(
            question,
            source=self.filters.get("source"),
            since=self.filters.get("since"),
            until=self.filters.get("until"),
            as_of=self.today or date.today(),
            context=context,
        )
        answer = self.bot.answerer.answer(query)
        self.console.print(render_answer(answer))
        self.last_answer = answer
        self.turns = [*self.turns, question] if follow_up else [question]
        return answer

    def cmd_help(self, _: str) -> None:
        self.console.print(HELP, markup=False)

    def cmd_sources(self, rest: str) -> None:
        if self.last_answer is None or not self.last_answer.citations:
            raise ReplError("there is no cited answer yet; ask a question first")
        numbers = {c.n: c for c in self.last_answer.citations}
        if not rest.isdigit() or int(rest) not in numbers:
            raise ReplError(f"write :sources N with N one of {', '.join(map(str, numbers))}")
        c = numbers[int(rest)]
        self.console.print(f"[{c.n}] {c.title or '(untitled)'} {c.published_at or ''}", markup=False)
        self.console.print(f"    {c.url or c.path or c.article_id}", markup=False)
        self.console.print(c.passage or c.quote, markup=False)

    def cmd_filter(self, rest: str) -> None:
        if rest == "clear":
            self.filters.clear()
            self.console.print("filters cleared")
            return
        if not rest:
            self.console.print(f"filters: {self._describe_filters()}", markup=False)
            return
        new = dict(self.filters)
        for pair in rest.split():
            key, sep, value = pair.partition("=")
            if not sep or key not in ("source", "since", "until") or not value:
                raise ReplError(f"cannot read {pair!r}; write :filter source=NAME since=YYYY-MM-DD until=YYYY-MM-DD")
            if key == "source":
                new[key] = value
            else:
                try:
                    new[key] = date.fromisoformat(value)
                except ValueError:
                    raise ReplError(f"{key}={value} is not a date; write it as YYYY-MM-DD") from None
        self.filters = new
        self.console.print(f"filters: {self._describe_filters()}", markup=False)

    def _describe_filters(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.filters.items()) or "none"

    def cmd_reindex(self, _: str) -> None:
        report = self.bot.indexer.sync(self.settings.corpus.paths)
        self.console.print(report.summary(), markup=False)
        for skip in report.skipped:
            self.console.print(f"skipped {skip.path}: {skip.reason}", markup=False)

    def cmd_stats(self, _: str) -> None:
        stats = self.bot.stats()
        self.console.print(
            f"{stats['articles']} articles, {stats['chunks']} chunks, "
            f"dates {stats['oldest'] or '-'} .. {stats['newest'] or '-'}, last sync {stats['last_sync'] or 'never'}",
            markup=False,
        )

    def sync_if_changed(self) -> None:
        paths = self.settings.corpus.paths
        try:
            if self.bot.indexer.needs_sync(paths):
                self.console.print("the articles changed since the last sync; syncing…")
                self.cmd_reindex("")
        except Exception as exc:  # noqa: BLE001 - the REPL still starts on what is indexed
            self.console.print(f"[red]error:[/] {_message(exc)}")


def _message(exc: BaseException) -> str:
    from bot.cli import user_message

    return user_message(exc) or str(exc) or type(exc).__name__
