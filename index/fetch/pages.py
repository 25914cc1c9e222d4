"""A fetched page saved as a raw copy under the fetch folder, exactly like a page saved by hand: the sync
reads it as any HTML article. Only what reads as an article is saved; anything else is refused with why."""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from newsbot.config.errors import FetchError, NotAnArticle
from newsbot.index.fetch.fetcher import Response
from newsbot.index.ingest.formats import decode, extract_html
from newsbot.index.ingest.metadata import normalise_url

MIN_TEXT_CHARS = 200  # less main text than this is a stub, an index page or an error page, not an article
_HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
_PASSWORD_FIELD = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.I)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.I)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Saved:
    path: Path
    url: str  # the article's address: its canonical URL, else the one asked for
    title: str | None
    changed: bool  # False: the same bytes were saved before


_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}


def _kind(content_type: str) -> str:
    if content_type == "application/pdf":
        return "a PDF"
    if content_type.startswith("image/"):
        return "an image"
    if content_type.startswith(("video/", "audio/")):
        return "a video or sound file"
    return f"a {content_type} file"


def file_for(folder: Path, url: str) -> Path:
    """Where the page of ``url`` is saved: the same name for the same address, so a re-fetch replaces it."""
    parts = urlsplit(normalise_url(url))
    slug = _SLUG.sub("-", Path(parts.path).stem.lower()).strip("-")[:60] or "index"
    host = _SLUG.sub("-", (parts.hostname or "page").lower()).strip("-")[:60]
    digest = hashlib.sha256(normalise_url(url).encode()).hexdigest()[:12]
    return folder / f"{host}_{slug}_{digest}.html"


def save_page(
    response: Response,
    asked: str,
    folder: Path,
    published: date | None = None,
    title: str | None = None,
) -> Saved:
    """Check that ``response`` is an article page and save it; raises NotAnArticle (nothing saved) if not.
    ``published`` and ``title`` (from a feed entry) are written into the copy only when the page lacks them."""
    if response.content_type in _FEED_TYPES:
        raise NotAnArticle(
            f"a feed ({response.content_type}), not an article page: to follow it, list it in feeds.urls"
        )
    if response.content_type not in _HTML_TYPES:
        raise NotAnArticle(f"{_kind(response.content_type)} ({response.content_type}), not an article page")
    text, _ = decode(response.body)
    record = extract_html(text)
    main = (record or {}).get("text") or ""
    if _PASSWORD_FIELD.search(response.body) and len(main) < 1500:
        raise NotAnArticle("a login wall (a password form and little text), not an article")
    if not record or len(main.strip()) < MIN_TEXT_CHARS:
        raise NotAnArticle(f"no main text found ({len(main.strip())} characters of article text), not an article page")
    url = (record.get("url") or "").strip() or asked
    if not url.startswith(("http://", "https://")):
        url = asked
    additions = []
    if not record.get("url"):
        additions.append(f'<link rel="canonical" href="{html.escape(url)}">')
    if published and not record.get("published_at"):
        additions.append(f'<meta property="article:published_time" content="{published.isoformat()}">')
    if title and not record.get("title"):
        additions.append(f"<title>{html.escape(title)}</title>")
    page = response.body
    if additions:
        page = _with_head(text, "".join(additions)).encode("utf-8")
    return write(file_for(folder, url), page, url, record.get("title") or title)


def save_entry_text(folder: Path, url: str, title: str | None, body_html: str, published: date | None) -> Saved:
    """A feed entry that carries its whole article (content:encoded, Atom content, JSON Feed content_html),
    saved as a page of its own without fetching its link."""
    head = [f'<meta charset="utf-8"><link rel="canonical" href="{html.escape(url)}">']
    if title:
        head.append(f"<title>{html.escape(title)}</title>")
    if published:
        head.append(f'<meta property="article:published_time" content="{published.isoformat()}">')
    headline = f"<h1>{html.escape(title)}</h1>" if title else ""
    page = (
        f"<!DOCTYPE html><html><head>{''.join(head)}</head><body><article>{headline}{body_html}</article></body></html>"
    )
    return write(file_for(folder, url), page.encode("utf-8"), url, title)


def write(path: Path, data: bytes, url: str, title: str | None) -> Saved:
    """Atomically: the watcher and the sync never see half a page (".part" is not an article extension)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"could not create {path.parent} ({exc.strerror or exc}); check fetch.folder") from None
    try:
        if path.read_bytes() == data:
            return Saved(path, url, title, changed=False)
    except OSError:
        pass
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError as exc:  # a full disk, a read-only folder: what was saved before stays as it was
        part.unlink(missing_ok=True)
        raise FetchError(f"could not save {path} ({exc.strerror or exc}); check fetch.folder and the disk") from None
    return Saved(path, url, title, changed=True)


def _with_head(markup: str, tags: str) -> str:
    found = _HEAD.search(markup)
    if found:
        return markup[: found.end()] + tags + markup[found.end() :]
    return f"<head>{tags}</head>" + markup
