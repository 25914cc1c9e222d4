"""How answers look to people in a terminal (CLI and REPL): the short answer, the quote that holds it, the sources."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from index.answer import Answer, Citation


def where(citation: Citation) -> str:
    """The checkable location of a source: its URL, else its file."""
    return citation.url or citation.path or citation.article_id


def source_line(citation: Citation) -> str:
    title = citation.title or "(untitled)"
    bits = [b for b in (citation.published_at, citation.source) if b]
    meta = f" — {', '.join(bits)}" if bits else ""
    return f"[{citation.n}] {title}{meta}\n    {where(citation)}"


def one_line(text: str) -> str:
    """White space folded: a quote from a hard-wrapped file reads as one line (its offsets still point at the file)."""
    return " ".join(text.split())


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
    if not answer.answered:
        return Group(Text(answer.text, style="yellow"))
    parts: list[Text] = []
    if answer.short_answer is not None:
        parts.append(Text(one_line(answer.short_answer.text), style="bold"))
    for citation in answer.citations:
        line = Text("“")
        for text, emphasised in quote_parts(answer, citation):
            line.append(text, style="bold" if emphasised else "")
        line.append(f"” [{citation.n}]")
        parts.append(line)
    parts.append(Text("\nSources", style="underline"))
    for citation in answer.citations:
        parts.append(Text(source_line(citation)))
    return Group(*parts)
