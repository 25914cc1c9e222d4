"""How answers look to people in a terminal (CLI and REPL): the short answer, the quote that holds it, the sources."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.text import Text

from newsbot.index.app import Answer, Citation, sentence_spans

if TYPE_CHECKING:
    from newsbot.index.app import FeedState, PageResult, PollReport, Stats

# Control characters (C0 but tab and newline, DEL, C1) and the bidirectional overrides: article text and file
# names may hold escape sequences that clear a terminal or set its title. They never reach one.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe to write to a terminal: control characters dropped (the JSON output escapes them instead)."""
    return _UNPRINTABLE.sub("", text)


def console(file: object = None) -> Console:
    """Where answers are printed. A terminal wraps long lines itself; output to a pipe or a file is never
    wrapped by us (no split links, no trailing spaces, indents kept)."""
    probe = Console(file=file, highlight=False)  # type: ignore[arg-type]
    return probe if probe.is_terminal else Console(file=file, highlight=False, soft_wrap=True)  # type: ignore[arg-type]


def where(citation: Citation) -> str:
    """The checkable location of a source: its URL, else its file."""
    return printable(citation.url or citation.path or citation.article_id)


def source_line(group: Sequence[Citation]) -> str:
    """`[n] Title — date, source` and the link, for one article's citations (by_article): "[1] [2]" when it is
    quoted twice."""
    citation = group[0]
    title = printable(citation.title or "(untitled)")
    bits = [printable(b) for b in (citation.published_at, citation.source) if b]
    meta = f" — {', '.join(bits)}" if bits else ""
    return f"{marks(group)} {title}{meta}\n    {where(citation)}"


def by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """The citations grouped by the article they quote, in the order of their first quote: an answer that quotes
    two sentences of one article lists the article once, with both numbers."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.article_id, []).append(citation)
    return list(groups.values())


def marks(group: Sequence[Citation]) -> str:
    """Every [n] of one article's quotes: "[1] [2]"."""
    return " ".join(f"[{c.n}]" for c in group)


def source_lines(citations: Sequence[Citation]) -> list[str]:
    return [source_line(group) for group in by_article(citations)]


def one_line(text: str) -> str:
    """White space folded: a quote from a hard-wrapped file reads as one line (its offsets still point at the file);
    control characters dropped."""
    return " ".join(printable(text).split())


def quote_parts(answer: Answer, citation: Citation) -> list[tuple[str, bool]]:
    """The quote of one citation as (text, is the short answer) pieces, white space folded."""
    short = answer.short_answer
    if short is None or short.n != citation.n:
        return [(one_line(citation.quote), False)]
    q = citation.quote
    before, span, after = q[: short.start], q[short.start : short.end], q[short.end :]
    pieces = [(one_line(before) + (" " if before[-1:].isspace() else ""), False), (one_line(span), True)]
    pieces.append(((" " if after[:1].isspace() else "") + one_line(after), False))
    return [p for p in pieces if p[0]]


def render_answer(answer: Answer) -> Group:
    """The short answer in bold, then each quote with its [n] (the short answer bold inside it), then the sources
    (title, date, source, link; the quote is not repeated: `:sources N` shows the whole passage)."""
    parts: list[Text] = [Text(printable(answer.notice), style="dim")] if answer.notice else []
    if not answer.answered:
        return Group(*parts, Text(printable(answer.text), style="yellow"), *left_out(answer))
    if answer.generated:  # the model's words, each sentence checked; the quotes that back them follow
        parts.append(Text(one_line(answer.text), style="bold"))
    elif answer.short_answer is not None:
        parts.append(Text(one_line(answer.short_answer.text), style="bold"))
    for citation in answer.citations:
        line = Text("“")
        for text, emphasised in quote_parts(answer, citation):
            line.append(text, style="bold" if emphasised else "")
        line.append(f"” [{citation.n}]")
        parts.append(line)
    parts.extend(left_out(answer))
    parts.append(Text("\nSources", style="underline"))
    parts.extend(Text(line) for line in source_lines(answer.citations))
    return Group(*parts)


class Draft:
    """A generated answer's words as they arrive (``on_token``), dim and labelled as a draft not yet checked,
    on a terminal only; ``end`` erases them before the checked answer is printed, so unchecked text never
    stays on screen (and never reaches a pipe or a file)."""

    LABEL = "draft, not yet checked: "

    def __init__(self, console: Console) -> None:
        from rich.live import Live

        self.console = console
        self.text = ""
        self.shown = False
        self.live = Live(console=console, transient=True, auto_refresh=False) if console.is_terminal else None

    def __call__(self, piece: str) -> None:
        if self.live is None:
            return
        self.text += piece
        if not self.shown:
            self.live.start()
            self.shown = True
        self.live.update(Text(self.LABEL + printable(self.text[-2000:]), style="dim"), refresh=True)

    def end(self) -> None:
        if self.live is not None and self.shown:
            self.live.stop()  # transient: the draft's lines are erased


def left_out(answer: Answer) -> list[Text]:
    """One dim line saying how much of a generated answer the check left out (--json says which and why)."""
    n = len(answer.dropped)
    if not n:
        return []
    what = "sentence" if n == 1 else "sentences"
    return [
        Text(
            f"({n} {what} of the model's answer left out: no passage supports {'it' if n == 1 else 'them'})",
            style="dim",
        )
    ]


def date_range(stats: Stats) -> str:
    """The stats' dates in words: "dated 2022-05-01 .. 2022-07-01", or that no article carries a date."""
    if not stats.get("oldest"):
        return "no article is dated" if stats.get("articles") else "no articles"
    return f"dated {stats['oldest']} .. {stats['newest']}"


def passage_view(citation: Citation) -> Text:
    """The passage behind a citation for `:sources N`: from the start of a sentence (not inside a quotation
    the chunk cut), white space folded, the quoted sentence in bold."""
    passage = citation.passage or citation.quote
    at = passage.find(citation.quote)
    sentences = sentence_spans(passage)
    first = 0
    for i, span in enumerate(sentences):
        if at >= 0 and span.start > at:
            break
        if i + 1 < len(sentences) and _starts_inside(passage[span.start : span.end]):
            first = i + 1  # a fragment or the tail of a quotation begun before the chunk: skip it
            continue
        break
    start = sentences[first].start if sentences and (at < 0 or sentences[first].start <= at) else 0
    view = Text()
    if at < 0:
        view.append(one_line(passage[start:]))
        return view
    before, after = passage[start:at], passage[at + len(citation.quote) :]
    if before.strip():
        view.append(one_line(before) + " ")
    view.append(one_line(citation.quote), style="bold")
    if after.strip():
        view.append(" " + one_line(after))
    return view


def _starts_inside(sentence: str) -> bool:
    """Whether a passage's first sentence begins mid-way: in lower case, or closing a quotation it never opened."""
    text = sentence.lstrip()
    if not text or text[0].islower() or text.count("”") > text.count("“"):
        return True
    first = text.find('"')  # a straight quotation mark that closes: after a word, before a space or punctuation
    return first > 0 and not text[first - 1].isspace() and text[first + 1 : first + 2] in ("", " ", ",", ".", ";")


# ------------------------------------------------------------------------------------ feeds and pages


def add_lines(results: list[PageResult]) -> list[tuple[str, bool]]:
    """One line per page of `newsbot add` / `:add`, and whether it failed."""
    lines = []
    for r in results:
        if r.saved is None:
            lines.append((f"refused {r.url}: {r.error}", True))
        else:
            what = "saved" if r.saved.changed else "unchanged"
            lines.append((f"{what} {r.saved.url} -> {r.saved.path} ({r.saved.title or 'untitled'})", False))
    return lines


def poll_lines(report: PollReport) -> list[str]:
    """One line per feed polled, then the summary."""
    lines = []
    for f in report.feeds:
        if f.skipped:
            lines.append(f"{f.url}: not polled ({f.skipped})")
        elif f.error and not (f.new or f.updated or f.unchanged):
            lines.append(f"{f.url}: failed: {f.error}")
        else:
            told = f"{f.new} new, {f.updated} updated" if f.new or f.updated else "nothing new"
            lines.append(f"{f.url}: {told}" + (f"; {f.error}" if f.error else ""))
    lines.append(report.summary())
    return lines


def feed_lines(states: list[FeedState]) -> list[str]:
    import time

    now = time.time()
    return [state.line(now) for state in states]
