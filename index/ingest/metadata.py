"""An article's metadata: canonical URLs, sources, dates from fields or URLs, and the field names records use."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|cmpid$|s_cid$)")


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or ""
    return urlunsplit(((parts.scheme or "https").lower(), host, path, query, ""))


def source_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def parse_date(value: Any) -> date | None:
    """A date from ISO text, common formats or an epoch number; None when it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    for fmt in ("%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%a, %d %b %Y %H:%M:%S %z"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def date_from_url(url: str | None) -> date | None:
    if not url:
        return None
    match = _URL_DATE.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# Field names accepted in JSON records and front matter, best first.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "guid", "uuid"),
    "title": ("title", "headline", "name"),
    "url": ("url", "link", "canonical_url", "href"),
    "source": ("source", "publisher", "site", "site_name", "sitename", "outlet"),
    "authors": ("authors", "author", "byline", "by"),
    "published_at": ("published_at", "publish_date", "published", "date", "pubdate", "datetime", "created_at"),
    "text": ("text", "body", "content", "article", "maintext", "full_text"),
}


def pick(record: dict[str, Any], key: str) -> Any:
    for alias in ALIASES[key]:
        value = record.get(alias)
        if value not in (None, "", []):
            return value
    return None


def authors_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"\s*(?:;|\band\b|,)\s*", value.removeprefix("By ").removeprefix("by "))
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, list):
        names = []
        for item in value:
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str) and name.strip():
                names.append(name.strip())
        return tuple(names)
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return (value["name"].strip(),)
    return ()


def text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None
