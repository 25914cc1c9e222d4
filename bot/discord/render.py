"""How answers look in Discord: embeds within Discord's limits, split on sentence boundaries, never mid-citation."""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from newsbot.index.app import Answer, Citation, sentence_spans
from newsbot.render import by_article, left_out, marks, one_line, quote_parts

NO_PINGS = discord.AllowedMentions.none()  # every message is sent with mentions disabled

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
TITLE_LIMIT = 256
CONTENT_LIMIT = 2000

ANSWER_COLOUR = discord.Colour.blurple()
NOT_FOUND_COLOUR = discord.Colour.light_grey()


def clip(text: str, limit: int) -> str:
    """Shorten to at most ``limit`` characters on a word boundary, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def no_mentions(text: str) -> str:
    """Mention syntax shown, never resolved: @everyone, @here, <@id>, <@!id>, <@&id>, <#id> of any length
    (discord.py's escape_mentions only knows 17-20 digit ids)."""
    text = discord.utils.escape_mentions(text)
    return re.sub(r"<(@[!&]?|#)(\d+)>", "<\u200b\\1\\2>", text)


def plain(text: str) -> str:
    """Article text shown literally: no markdown, no mention syntax, no masked-link brackets."""
    return no_mentions(discord.utils.escape_markdown(text, as_needed=False))


def _link_text(text: str) -> str:
    return plain(text).replace("[", "(").replace("]", ")")


def _safe_url(url: str) -> str | None:
    if not re.match(r"^https?://[^\s<>]+$", url):
        return None
    return url.replace("(", "%28").replace(")", "%29")


def day(published_at: str | None) -> str | None:
    return published_at[:10] if published_at else None


def source_line(group: Sequence[Citation]) -> str:
    """`[n] Title — Source, YYYY-MM-DD` for one article's citations (by_article; "[1] [2]" when it is quoted twice),
    the title a masked link to the article when it has a URL.

    Links inside embeds never unfurl into previews; `<...>` keeps them quiet in plain content too.
    """
    citation = group[0]
    title = _link_text(clip(citation.title or citation.path or citation.article_id, 200))
    url = _safe_url(citation.url) if citation.url else None
    head = f"[{title}](<{url}>)" if url else title
    meta = ", ".join(plain(b) for b in (citation.source, day(citation.published_at)) if b)
    line = f"**{marks(group)}** {head}"
    if meta:
        line += f" — {meta}"
    if not url and citation.path:
        path = citation.path.replace("`", "'")
        line += f"\n`{path}`"
    return line


def split_on_sentences(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut between sentences (a giant sentence between words)."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for span in sentence_spans(text):
        sentence = text[span.start : span.end]
        while len(sentence) > limit:  # one sentence longer than a whole message
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        candidate = f"{current} {sentence}" if current else sentence
        if len(candidate) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _answer_text(answer: Answer) -> str:
    """The short answer in bold, then each quote with its [n], the short answer bold inside it; the quotes are
    the articles' own words, shown literally."""
    lines = [f"*{plain(answer.notice)}*"] if answer.notice else []
    if answer.generated:  # the model's words, each sentence checked; the quotes that back them follow
        lines.append(f"**{plain(one_line(answer.text))}**")
    elif answer.short_answer:
        lines.append(f"**{plain(one_line(answer.short_answer.text))}**")
    for citation in answer.citations:
        body = "".join(f"**{plain(t)}**" if bold else plain(t) for t, bold in quote_parts(answer, citation))
        lines.append(f"“{body}” [{citation.n}]")
    lines.extend(f"-# {line.plain}" for line in left_out(answer))
    return "\n".join(lines)


def first_quote(description: str) -> str:
    """The first quote of an answer embed's description, its line that ends with [1]: what a thread's follow-up
    borrows names from, as the REPL's does (conversation_turn), not a second quote's. The whole description when
    the first quote does not end in it (cut across embeds)."""
    return next((line for line in description.splitlines() if line.endswith("[1]")), description)


ABSTENTION_FOOTERS = {"nothing_indexed": "Nothing is indexed yet", "no_source": "No such source"}


def answer_embeds(answer: Answer, question: str) -> list[discord.Embed]:
    """The answer (possibly over several embeds), then the sources, each embed within Discord's limits."""
    title = no_mentions(clip(question, TITLE_LIMIT - 20))
    if not answer.answered:
        return [
            discord.Embed(
                title=title,
                description="\n".join(
                    [
                        clip(plain(answer.text), DESCRIPTION_LIMIT - 200),
                        *(f"-# {line.plain}" for line in left_out(answer)),
                    ]
                ),
                colour=NOT_FOUND_COLOUR,
            ).set_footer(text=ABSTENTION_FOOTERS.get(answer.reason, "Not found in the indexed articles"))
        ]
    embeds: list[discord.Embed] = []
    for i, piece in enumerate(split_on_sentences(_answer_text(answer), DESCRIPTION_LIMIT)):
        embeds.append(discord.Embed(title=title if i == 0 else None, description=piece, colour=ANSWER_COLOUR))
    # the quote is in the answer above ("Show passage" has the rest); an article quoted twice is listed once
    blocks = [source_line(group) for group in by_article(answer.citations)]
    budget = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - 100)
    sources = ""
    for block in blocks:  # whole citations only: a citation never straddles two embeds
        candidate = f"{sources}\n{block}" if sources else block
        if len(candidate) > budget:
            embeds.append(discord.Embed(title="Sources", description=sources, colour=ANSWER_COLOUR))
            sources = block
        else:
            sources = candidate
    if sources:
        embeds.append(discord.Embed(title="Sources", description=sources, colour=ANSWER_COLOUR))
    return embeds


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def pack_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 per message and 6,000 characters across them."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        n = len(embed)
        if current and (size + n > EMBED_TOTAL_LIMIT or len(current) == EMBEDS_PER_MESSAGE):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += n
    if current:
        messages.append(current)
    return messages


def passage_embed(citation: Citation) -> discord.Embed:
    """The full passage behind citation [n], the quoted sentence in bold."""
    passage = citation.passage or citation.quote
    quote = citation.quote
    at = passage.find(quote) if quote else -1
    if at >= 0:
        before, after = passage[:at], passage[at + len(quote) :]
        room = DESCRIPTION_LIMIT - len(quote) - 20
        if len(before) + len(after) > room:
            keep = max(room // 2, 0)
            before = "…" + before[-keep:] if len(before) > keep else before
            after = after[: max(room - len(before), 0)] + "…" if len(after) > room - len(before) else after
        description = f"{plain(before)}**{plain(quote)}**{plain(after)}"
        if len(description) > DESCRIPTION_LIMIT:
            description = clip(plain(passage), DESCRIPTION_LIMIT)
    else:
        description = clip(plain(passage), DESCRIPTION_LIMIT)
    title = clip(f"[{citation.n}] {citation.title or citation.path or ''}", TITLE_LIMIT)
    url = _safe_url(citation.url) if citation.url else None
    embed = discord.Embed(title=title, description=description, url=url, colour=ANSWER_COLOUR)
    footer = " · ".join(b for b in (citation.source, day(citation.published_at), citation.path) if b)
    if footer:
        embed.set_footer(text=clip(footer, 2000))
    return embed
