"""How answers look to people in a terminal (CLI and REPL)."""

from __future__ import annotations

from rich.console import Group
from rich.markup import escape
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


def render_answer(answer: Answer) -> Group:
    parts: list[Text] = [Text(answer.text, style="bold" if answer.answered else "yellow")]
    if answer.citations:
        parts.append(Text("\nSources", style="underline"))
        for citation in answer.citations:
            parts.append(Text.from_markup(escape(source_line(citation))))
            parts.append(Text(f"    “{citation.quote}”", style="italic dim"))
    return Group(*parts)


def plain_answer(answer: Answer) -> str:
    """The same rendering without styles (for pipes and tests)."""
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("Sources")
        for citation in answer.citations:
            lines.append(source_line(citation))
            lines.append(f"    “{citation.quote}”")
    return "\n".join(lines)
