"""The `newsbot` command: index, ask, repl, stats, config. Errors become one clear line and an exit code."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from newsbot.config.errors import StoreError, UsageError, user_message
from newsbot.config.settings import Settings, config_file, load_settings, setting_origins
from newsbot.index import text

if TYPE_CHECKING:
    from newsbot.index.app import Newsbot, Progress, SyncReport

EXIT_OK, EXIT_SKIPPED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def parse_day(value: str) -> date:
    try:
        return text.parse_day(value, "")
    except UsageError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; {text.DATE_HINT}") from None


class _Parser(argparse.ArgumentParser):
    """argparse, with the closest real option suggested for a misspelt one."""

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        import difflib

        found = re.search(r"unrecognized arguments: (.+)", message)
        if found:
            options = [s for action in self._all_options() for s in action.option_strings]
            hints = []
            for word in found[1].split():
                if word.startswith("-"):
                    close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1, cutoff=0.6)
                    if close:
                        hints.append(f"did you mean {close[0]} (for {word})?")
            if hints:
                message += "; " + " ".join(hints)
        super().error(message)

    def _all_options(self) -> list[argparse.Action]:
        actions = list(self._actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    actions += sub._actions
        return actions


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newsbot",
        description="Answers questions from news articles, quoting and citing every source.",
    )
    parser.add_argument("--data-dir", type=Path, help="Where the index lives (overrides index.data_dir).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # The global options are accepted after the command too (`newsbot stats --data-dir X`), as people type them;
    # SUPPRESS keeps a command's parser from overwriting a value given before the command.
    common = _Parser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, default=argparse.SUPPRESS, help="Where the index lives (overrides index.data_dir)."
    )

    index = sub.add_parser(
        "index",
        parents=[common],
        help="Sync the index with the articles (incremental).",
        description="Add new articles, re-embed changed ones, remove deleted ones.",
    )
    index.add_argument(
        "--corpus",
        type=Path,
        action="append",
        metavar="PATH",
        help="A folder or file of articles to sync (repeatable), remembered from then on; without it: corpus.paths "
        "and every folder indexed before.",
    )
    index.add_argument(
        "--rebuild",
        action="store_true",
        help="Index everything anew (e.g. after a settings change), beside the index in use, which answers "
        "until the new one is complete.",
    )
    index.add_argument("--watch", action="store_true", help="Keep running and sync whenever the articles change.")
    index.add_argument(
        "--forget",
        type=Path,
        action="append",
        metavar="PATH",
        help="Remove the articles indexed from this corpus path (a folder gone for good; repeatable).",
    )
    index.add_argument("--json", action="store_true", help="Print one JSON object with the sync's figures.")

    ask = sub.add_parser(
        "ask",
        parents=[common],
        help="Answer a question with cited passages.",
        description="Answer a question from the indexed articles, with quoted sources.",
    )
    ask.add_argument("question", help="The question, in quotes.")
    ask.add_argument("--json", action="store_true", help="Print one JSON object (the answer contract).")
    ask.add_argument("--k", type=int, metavar="N", help="Passages to retrieve (default: retrieval.k).")
    ask.add_argument("--source", metavar="NAME", help="Only articles from this source (e.g. cnn.com).")
    ask.add_argument("--since", type=parse_day, metavar="DATE", help="Only articles published on or after DATE.")
    ask.add_argument("--until", type=parse_day, metavar="DATE", help="Only articles published on or before DATE.")
    ask.add_argument(
        "--as-of",
        type=parse_day,
        metavar="DATE",
        help="Answer as of DATE: later articles are not used, recent ones preferred (default: today).",
    )

    add = sub.add_parser(
        "add",
        parents=[common],
        help="Fetch web pages, save them as articles and index them.",
        description="Fetch each page, save it into the fetch folder (fetch.folder) as a raw copy, then sync. A page "
        "that is not an article (no main text, a PDF, an image, a login wall) is refused with the reason.",
    )
    add.add_argument("urls", nargs="+", metavar="URL", help="Page addresses (http or https).")

    feeds = sub.add_parser(
        "feeds",
        parents=[common],
        help="The feeds followed (feeds.urls): their state; --poll polls them now.",
        description="Each feed's last poll, last new article, articles saved and last error. Feeds are polled "
        "every feeds.poll_minutes by `index --watch`, the REPL and the Discord bot.",
    )
    feeds.add_argument("--poll", action="store_true", help="Poll every feed now, save what is new, then sync.")
    feeds.add_argument("--json", action="store_true", help="Print one JSON object.")

    sub.add_parser(
        "repl",
        parents=[common],
        help="Ask questions interactively.",
        description="An interactive session; :help lists commands.",
    )

    stats = sub.add_parser(
        "stats",
        parents=[common],
        help="What is indexed.",
        description="Articles, chunks, sources and dates in the index.",
    )
    stats.add_argument("--json", action="store_true", help="Print one JSON object.")

    ev = sub.add_parser(
        "eval",
        help="Measure retrieval, citations, abstention and latency on a news-QA set.",
        description="Index a corpus into its own data directory and ask every question of a news-QA set "
        "(e.g. RealTimeQA); prints a table and writes summary.json and questions.jsonl.",
    )
    ev.add_argument("--corpus", type=Path, action="append", metavar="PATH", help="Articles (repeatable).")
    ev.add_argument(
        "--questions",
        type=Path,
        action="append",
        metavar="PATH",
        help="Questions, one JSON object a line: id, question, answers (none: no article answers it), "
        "gold_article_ids, and optionally asked_on (default: today) and follows (an earlier question's id). "
        "With --fit, repeatable: one --corpus for each --questions, in the same order, each set indexed in "
        "DATA_DIR/set-N.",
    )
    ev.add_argument(
        "--selqa",
        type=Path,
        metavar="FILE",
        help="Plain sentence choice instead: the reader's order of each SelQA question's section (selqa-ass-dev.json) "
        "beside word overlap and MiniLM similarity; needs no --corpus or --questions. With --fit: SelQA questions "
        "to fit the reader on as well (selqa-ass-test.json).",
    )
    ev.add_argument("--k", type=int, default=10, metavar="N", help="Articles ranked per question (default 10).")
    ev.add_argument("--out", type=Path, metavar="DIR", help="Write summary.json and questions.jsonl here.")
    ev.add_argument(
        "--data-dir",
        dest="eval_data_dir",
        type=Path,
        metavar="DIR",
        help="The evaluation's own index (default .newsbot-eval); kept between runs.",
    )
    ev.add_argument("--limit", type=int, metavar="N", help="Only the first N questions.")
    ev.add_argument(
        "--asked-on",
        metavar="DATE",
        help="The archive asked later: ask each question on its own day and again as of DATE (YYYY-MM-DD, or "
        '`today`), side by side; questions that name a time ("this week", "recently") are left out.',
    )
    ev.add_argument(
        "--generator",
        nargs="?",
        const="settings",
        choices=["settings", "local"],
        help="Also measure generated answers: from the [llm] endpoint, or `--generator local` for the packaged "
        "local model (started for the run).",
    )
    ev.add_argument(
        "--fit",
        action="store_true",
        help="Fit the reader on these questions instead of measuring (use RealTimeQA 2023) and write its weights.",
    )
    ev.add_argument(
        "--held-out",
        action="store_true",
        help="With --fit: fit on alternate fortnights of the questions and print the figures on the others "
        "(the answerability AUC among them) instead of writing weights.",
    )
    ev.add_argument(
        "--weights",
        type=Path,
        metavar="PATH",
        help="With --fit: where to write the weights (default: the reader_weights.json newsbot ships).",
    )

    sub.add_parser(
        "discord",
        parents=[common],
        help="Run the Discord bot.",
        description="Answer questions in Discord (token from NEWSBOT_DISCORD__TOKEN); see docs/discord.md.",
    )

    serve = sub.add_parser(
        "serve-llm",
        help="Serve the packaged local model over the OpenAI API on 127.0.0.1 (the local-llm extra).",
        description="Run SmolLM2-135M-Instruct (or --model FILE.gguf) with llama.cpp on loopback, for "
        'answer.generator = "openai" without a GPU or a network. Tiny: for trying the checked path, not for good '
        "answers. See docs/generated-answers.md.",
    )
    serve.add_argument("--port", type=int, default=8080, help="Port on 127.0.0.1 (default 8080; 0 picks a free one).")
    serve.add_argument(
        "--model", type=Path, metavar="FILE", help="Another GGUF model file (default: the packaged one)."
    )
    serve.add_argument("--threads", type=int, default=2, metavar="N", help="CPU threads (default 2).")

    sub.add_parser(
        "config",
        parents=[common],
        help="Show the effective settings and where each came from.",
        description="The effective settings, secrets masked, and the source of each value.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `newsbot` console script; returns the exit code."""
    parser = build_parser()
    argv = [_text(a) for a in (sys.argv[1:] if argv is None else argv)]
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_ERROR
    try:
        return _run(args, parser)
    except BrokenPipeError:
        # The reader went away (`newsbot ask --json | head -c 300`): nothing more to say, and no traceback
        # when Python flushes stdout on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _text(arg: str) -> str:
    """A command-line argument as text: bytes that are not UTF-8 (which Python keeps as surrogates, and the
    tokenizer refuses) become U+FFFD."""
    return arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        overrides: dict[str, Any] = {}
        if getattr(args, "data_dir", None):
            overrides["index"] = {"data_dir": args.data_dir}
        settings = load_settings(**overrides)
        args.overrides = overrides
        log_handler = logging.StreamHandler(sys.stderr)
        log_handler.setFormatter(PrintableFormatter("%(levelname)s %(name)s: %(message)s"))
        logging.basicConfig(level=settings.logging.level, handlers=[log_handler])
        for noisy in ("chromadb", "httpx", "llama_index"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(settings.logging.level)))
        if settings.logging.level != "DEBUG":  # it logs ERROR for any page it cannot parse; we report the skip
            logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        handler: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
        return handler(args, settings)
    except KeyboardInterrupt:
        syncing = args.command == "index"
        after = " The index still answers; run `newsbot index` to finish the sync." if syncing else ""
        print(f"newsbot: interrupted.{after}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        message = user_message(exc)
        if message is None:
            raise
        from newsbot.render import printable

        print(f"newsbot: error: {printable(message)}", file=sys.stderr)
        return EXIT_ERROR


class PrintableFormatter(logging.Formatter):
    """Log lines name files and quote articles: their control characters never reach the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        from newsbot.render import printable

        return printable(super().format(record))


def _newsbot(settings: Settings) -> Newsbot:
    from newsbot.index.app import Newsbot

    return Newsbot(settings)


# ---------------------------------------------------------------------------------------------- commands


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.render import printable

    bot = _newsbot(settings)
    if args.forget:
        if args.corpus or args.rebuild or args.watch:
            raise UsageError("--forget runs alone: `newsbot index --forget PATH`, then index as usual")
        for root in args.forget:
            removed = bot.forget(root)
            print(f"removed {removed} articles indexed from {printable(str(root))}", flush=True)
        return EXIT_OK
    try:
        report = run_sync(bot, args.corpus, rebuild=args.rebuild, quiet=args.json)
    except KeyboardInterrupt:
        if not args.rebuild:
            raise
        print(
            "newsbot: interrupted. The rebuild was not finished and nothing of it is used: the index answers "
            "as it did before. Run `newsbot index --rebuild` again to rebuild it.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(report.to_json()), flush=True)
    if args.watch:
        # No --corpus: corpus.paths and every folder indexed before with --corpus (the index knows its roots).
        paths = args.corpus or bot.corpus_paths()
        try:
            watch(bot, paths, quiet=args.json)
        except KeyboardInterrupt:
            print(
                "newsbot: stopped watching. The index answers with every completed sync; "
                "a sync cut short finishes with the next `newsbot index`.",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
        return EXIT_OK
    return EXIT_SKIPPED if report.skipped else EXIT_OK


def run_sync(bot: Newsbot, paths: list[Path] | None, rebuild: bool = False, quiet: bool = False) -> SyncReport:
    """One sync with a progress bar on a terminal, then the summary and every skip on stderr."""
    progress_cb, finish = _progress(enabled=not quiet and sys.stderr.isatty())
    try:
        # A rebuild is made beside the index in use and replaces it only once complete.
        report = bot.sync(paths, rebuild=rebuild, progress=progress_cb)
    finally:
        finish()
    from newsbot.render import printable  # file names and article text may hold terminal escape sequences

    for warning in report.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    for skip in report.skipped:
        print(printable(f"skipped {skip.path}: {skip.reason}"), file=sys.stderr)
    for dup in report.duplicates:
        print(printable(f"duplicate {dup.path}: same article as {dup.same_as}, indexed once"), file=sys.stderr)
    if not quiet:
        print(report.summary(), flush=True)  # the result: stdout; progress, skips and warnings: stderr
    return report


def _progress(enabled: bool) -> tuple[Progress | None, Callable[[], None]]:
    if not enabled:
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks, {task.fields[articles]} articles, {task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("sync", total=None, rate="", articles="")
    state = {"started": False}

    def update(done: int, total: int, articles_done: int, articles_total: int) -> None:
        if not state["started"]:
            bar.start()
            state["started"] = True
        elapsed = bar.tasks[0].elapsed or 0.0
        rate = f"{done / elapsed:.1f} chunks/s" if elapsed > 0 and done else "starting"
        bar.update(task, completed=done, total=total, rate=rate, articles=f"{articles_done}/{articles_total}")

    return update, bar.stop


def watch(bot: Newsbot, paths: list[Path], quiet: bool = False) -> None:
    """Sync again whenever files under the corpus paths change (debounced), until Ctrl-C."""
    bot.watch(
        lambda: _watch_sync(bot, paths, quiet),
        paths,
        on_ready=lambda watched: print(
            f"watching {', '.join(str(p) for p in watched)} for changes (Ctrl-C to stop)", file=sys.stderr, flush=True
        ),
    )


def _watch_sync(bot: Newsbot, paths: list[Path], quiet: bool) -> None:
    try:
        report = run_sync(bot, paths, quiet=quiet)
    except Exception as exc:  # noqa: BLE001 - a failed sync is reported and watching goes on
        message = user_message(exc)
        if message is None:
            raise
        print(f"newsbot: error: {message} (still watching)", file=sys.stderr, flush=True)
        return
    if quiet:
        print(json.dumps(report.to_json()), flush=True)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.render import add_lines, printable

    bot = _newsbot(settings)
    results, report = bot.add(args.urls)
    for line, failed in add_lines(results):
        print(printable(line), file=sys.stderr if failed else sys.stdout, flush=True)
    if report is not None:
        for skip in report.skipped:
            print(printable(f"skipped {skip.path}: {skip.reason}"), file=sys.stderr)
        print(report.summary(), flush=True)
    return EXIT_OK if all(r.saved for r in results) else EXIT_SKIPPED


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.render import feed_lines, poll_lines, printable

    bot = _newsbot(settings)
    if not settings.feeds.urls:
        print(
            "no feeds followed; list them in feeds.urls (config/newsbot.toml or NEWSBOT_FEEDS__URLS='[\"https://…\"]')",
            file=sys.stderr,
        )
        return EXIT_SKIPPED
    report = None
    if args.poll:
        polled = bot.poll_feeds(force=True)
        if not args.json:
            for line in poll_lines(polled):
                print(printable(line), flush=True)
        report = bot.sync() if polled.saved else None
        if report is not None and not args.json:
            print(report.summary(), flush=True)
    states = bot.feeds()
    if args.json:
        out: dict[str, Any] = {"feeds": [vars(s) for s in states]}
        if report is not None:
            out["sync"] = report.to_json()
        print(json.dumps(out, ensure_ascii=False))
        return EXIT_OK
    for line in feed_lines(states):
        print(printable(line))
    return EXIT_SKIPPED if any(s.last_error for s in states) else EXIT_OK


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.index.app import Query

    as_of = args.as_of or text.today()
    query = Query(args.question.strip(), source=args.source, since=args.since, until=args.until, as_of=as_of, k=args.k)
    bot = _newsbot(settings)
    empty = bot.nothing_indexed()  # before anything opens the index: asking creates nothing on disk
    if empty:
        raise StoreError(empty)
    if args.json:
        print(json.dumps(bot.ask(query).to_json(), ensure_ascii=False))
        return EXIT_OK
    from newsbot.render import Draft, console, render_answer

    out = console()
    draft = Draft(out) if settings.answer.generator != "none" and out.is_terminal else None
    answer = bot.ask(query, on_token=draft)
    if draft is not None:
        draft.end()
    out.print(render_answer(answer))
    return EXIT_OK


def cmd_repl(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.repl import Repl

    return Repl(_newsbot(settings), settings).run()


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    stats = _newsbot(settings).stats()
    if args.json:
        print(json.dumps(stats))
        return EXIT_OK
    print(f"articles   {stats['articles']}")
    print(f"chunks     {stats['chunks']}")
    dated = f"{stats['oldest']} .. {stats['newest']}" if stats["oldest"] else "none (no article is dated)"
    print(f"dates      {dated}")
    print(f"embedder   {stats['embedder']}")
    print(f"data dir   {stats['data_dir']}")
    print(f"last sync  {stats['last_sync'] or 'never'}")
    from newsbot.render import printable

    roots = [f"{root} ({n})" + ("" if Path(root).exists() else " - gone") for root, n in stats["roots"].items()]
    print("folders    " + (printable(", ".join(roots)) or "-"))
    print("sources    " + (printable(", ".join(f"{k} ({v})" for k, v in stats["sources"].items())) or "-"))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from newsbot.index.eval.evaluate import run_eval

    if not 1 <= args.k <= 100:
        raise UsageError(f"--k {args.k} is out of range; use a number from 1 to 100")
    if args.limit is not None and args.limit < 1:
        raise UsageError(f"--limit {args.limit} must be 1 or more")
    if args.weights and not args.fit:
        raise UsageError("--weights goes with --fit; to answer with other weights, set answer.weights")
    if args.held_out and not args.fit:
        raise UsageError("--held-out goes with --fit")
    if args.held_out and args.weights:
        raise UsageError("--held-out writes no weights; leave out --weights")
    if args.generator and args.fit:
        raise UsageError("--generator measures answers; it does not go with --fit")
    if args.asked_on and (args.fit or args.generator):
        raise UsageError(
            "--asked-on measures the reader's answers asked later; it goes with neither --fit nor --generator"
        )
    asked_on = None
    if args.asked_on:
        asked_on = (
            text.today() if args.asked_on.strip().lower() == "today" else text.parse_day(args.asked_on, "--asked-on ")
        )
    data_dir = args.eval_data_dir or Path(".newsbot-eval")
    settings = settings.model_copy(update={"index": settings.index.model_copy(update={"data_dir": data_dir})})
    if args.selqa and not args.fit:
        from newsbot.index.eval.selqa import evaluate_selqa, read_selqa, selqa_table

        bot = _newsbot(settings)
        sections = read_selqa(args.selqa, args.limit)
        summary = evaluate_selqa(bot.answer_reader, bot.embed_question, sections, settings.answer.max_sentences)
        print(selqa_table(summary))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return EXIT_OK
    if not args.corpus or not args.questions:
        raise UsageError("eval needs --corpus PATH and --questions PATH (or --selqa FILE for plain sentence choice)")
    if args.fit:
        from newsbot.index.eval.fitting import run_fit_command

        run_fit_command(
            _fit_sets(args.corpus, args.questions, settings), args.weights, args.limit, args.held_out, args.selqa
        )
        return EXIT_OK
    if len(args.questions) > 1:
        raise UsageError("several --questions go with --fit; measure one set at a time")
    run_eval(
        settings,
        args.corpus,
        args.questions[0],
        args.out,
        k=args.k,
        limit=args.limit,
        services=_newsbot(settings),
        generator=args.generator,
        asked_on=asked_on,
    )
    return EXIT_OK


def _fit_sets(corpus: list[Path], questions: list[Path], settings: Settings) -> list[tuple[list[Path], Path, Newsbot]]:
    """What `eval --fit` reads: one set (every --corpus, one --questions, the data directory), or with several
    --questions, the --corpus at the same place in the command line for each, each in DATA_DIR/set-N."""
    if len(questions) == 1:
        return [(corpus, questions[0], _newsbot(settings))]
    if len(corpus) != len(questions):
        raise UsageError(
            f"--fit with {len(questions)} --questions needs one --corpus for each, in the same order "
            f"(got {len(corpus)} --corpus)"
        )
    sets = []
    for n, (c, q) in enumerate(zip(corpus, questions), 1):
        index = settings.index.model_copy(update={"data_dir": settings.index.data_dir / f"set-{n}"})
        sets.append(([c], q, _newsbot(settings.model_copy(update={"index": index}))))
    return sets


def cmd_discord(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from newsbot.discord.client import build_bot, run_bot, token_of

    token = token_of(settings)  # before anything loads: a missing token is one line and exit 2
    services = _newsbot(settings)
    empty = services.nothing_indexed()
    if empty:  # it still starts (the corpus watcher or /reindex may fill it) and says so to whoever asks
        print(f"newsbot: warning: {empty}", file=sys.stderr, flush=True)
    bot = build_bot(settings, services)
    asyncio.run(run_bot(bot, token))
    return EXIT_OK


def cmd_serve_llm(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from newsbot.index.app import serve_local_model as serve

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port; use a number from 1 to 65535 (0 picks a free one)")
    if not 1 <= args.threads <= 256:
        raise UsageError(f"--threads {args.threads} is out of range; use a number from 1 to 256")
    if args.port and not _port_free(args.port):
        raise UsageError(
            f"port {args.port} is in use; pick another with --port (0 picks a free one) or stop what listens there"
        )
    try:
        local = serve(args.model, port=args.port, threads=args.threads)
    except RuntimeError as exc:  # llama.cpp: the port is taken, the file is not a model
        raise UsageError(f"the local model did not start ({exc}); try another --port or --model") from None
    print(f"serving {local.model} at {local.base_url} (Ctrl-C stops it). In another shell:", flush=True)
    print(
        f"  NEWSBOT_ANSWER__GENERATOR=openai NEWSBOT_LLM__BASE_URL={local.base_url} "
        f'NEWSBOT_LLM__MODEL={local.model} newsbot ask "…"',
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        local.close()
        return EXIT_OK


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    origins = setting_origins(settings, given=args.overrides)
    print(f"# configuration file: {config_file()}{'' if config_file().is_file() else ' (not found, skipped)'}")
    width = max(len(name) for name in origins)
    for name, (value, origin) in origins.items():
        print(f"{name.ljust(width)}  {json.dumps(value, ensure_ascii=False)}  # {origin}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "index": cmd_index,
    "ask": cmd_ask,
    "repl": cmd_repl,
    "add": cmd_add,
    "feeds": cmd_feeds,
    "stats": cmd_stats,
    "eval": cmd_eval,
    "discord": cmd_discord,
    "config": cmd_config,
    "serve-llm": cmd_serve_llm,
}
