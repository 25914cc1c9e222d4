"""Feeds followed (RSS 2.0, Atom by feedparser; JSON Feed here): each poll saves new and updated entries'
pages into the fetch folder, and the sync indexes them like any article.

Each feed's state lives in DATA_DIR/feeds.sqlite3: its validators (ETag, Last-Modified) for a conditional
GET, when it was polled and last brought something new, its last error and when to try again (doubling
from feeds.poll_minutes up to feeds.max_backoff_minutes, or what the server's Retry-After says), and each
entry saved with a fingerprint of its date and content, so an entry is fetched again only when it changed.
An entry that leaves the feed keeps its saved page: a feed forgets, the archive does not.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from newsbot.config.errors import FetchError, NotAnArticle
from newsbot.config.settings import FeedsSettings
from newsbot.index.fetch.fetcher import Fetcher, Response
from newsbot.index.fetch.pages import Saved, save_entry_text, save_page
from newsbot.index.ingest.formats import extract_html
from newsbot.index.store.disk import private_dir

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
POLL_WORKERS = 8  # feeds polled at once

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT,
    last_poll TEXT, last_new TEXT, last_error TEXT, failures INTEGER NOT NULL DEFAULT 0,
    next_poll REAL NOT NULL DEFAULT 0, wait_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entries (
    feed TEXT NOT NULL, key TEXT NOT NULL, link TEXT, fingerprint TEXT NOT NULL, path TEXT, refused TEXT,
    saved_at TEXT NOT NULL, PRIMARY KEY (feed, key)
);
"""


@dataclass(frozen=True)
class Entry:
    key: str  # the entry's id, else its link
    link: str | None
    title: str | None
    published: date | None
    fingerprint: str  # changes when the entry's date or content does
    content_html: str | None  # the whole article, when the feed carries it


@dataclass
class FeedState:
    url: str
    title: str | None = None
    last_poll: str | None = None
    last_new: str | None = None
    last_error: str | None = None
    failures: int = 0
    next_poll: float = 0.0
    wait_until: float = 0.0
    saved: int = 0

    def line(self, now: float) -> str:
        """One line for `newsbot feeds`."""
        name = f"{self.title} ({self.url})" if self.title else self.url
        polled = f"polled {self.last_poll}" if self.last_poll else "never polled"
        new = f"last new article {self.last_new}" if self.last_new else "no new article yet"
        state = f"error: {self.last_error}" if self.last_error else "ok"
        due = max(self.next_poll, self.wait_until)
        retry = f"; next try in {_span(due - now)}" if self.last_error and due > now else ""
        return f"{name}\n    {polled}; {new}; {self.saved} articles saved; {state}{retry}"


@dataclass
class FeedResult:
    url: str
    new: int = 0
    updated: int = 0
    unchanged: bool = False  # 304, or nothing new in the feed
    skipped: str | None = None  # not polled (waiting), and why
    error: str | None = None
    entry_errors: list[str] = field(default_factory=list)
    saved: list[Saved] = field(default_factory=list)
    downloaded: int = 0  # bytes


@dataclass
class PollReport:
    feeds: list[FeedResult] = field(default_factory=list)
    saved: list[Saved] = field(default_factory=list)
    downloaded: int = 0  # bytes
    seconds: float = 0.0

    def summary(self) -> str:
        new = sum(f.new for f in self.feeds)
        updated = sum(f.updated for f in self.feeds)
        failed = sum(1 for f in self.feeds if f.error)
        return (
            f"polled {sum(1 for f in self.feeds if not f.skipped)} of {len(self.feeds)} feeds: {new} new, "
            f"{updated} updated, {failed} failed; {self.downloaded / 1000:.1f} kB in {self.seconds:.1f} s"
        )


class FeedBook:
    """The feeds' state on disk."""

    def __init__(self, data_dir: Path) -> None:
        private_dir(data_dir)
        self.db = sqlite3.connect(data_dir / "feeds.sqlite3", check_same_thread=False, timeout=30)
        self.db.executescript(_SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def state(self, url: str) -> FeedState:
        with self.lock:
            row = self.db.execute(
                "SELECT title, last_poll, last_new, last_error, failures, next_poll, wait_until FROM feeds "
                "WHERE url = ?",
                (url,),
            ).fetchone()
            saved = self.db.execute(
                "SELECT count(*) FROM entries WHERE feed = ? AND path IS NOT NULL", (url,)
            ).fetchone()[0]
        if row is None:
            return FeedState(url, saved=saved)
        title, last_poll, last_new, last_error, failures, next_poll, wait_until = row
        return FeedState(url, title, last_poll, last_new, last_error, failures, next_poll, wait_until, saved)

    def validators(self, url: str) -> tuple[str | None, str | None]:
        with self.lock:
            row = self.db.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def fingerprint(self, url: str, key: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT fingerprint FROM entries WHERE feed = ? AND key = ?", (url, key)).fetchone()
        return row[0] if row else None

    def entry(self, url: str, entry: Entry, saved: Saved | None, refused: str | None) -> None:
        with self.lock, self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
                (url, entry.key, entry.link, entry.fingerprint, str(saved.path) if saved else None, refused, _now()),
            )

    def polled(
        self,
        url: str,
        *,
        title: str | None,
        validators: tuple[str | None, str | None] | None,
        new: bool,
        next_poll: float,
        error: str | None = None,
    ) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO feeds (url) VALUES (?)", (url,))
            self.db.execute(
                "UPDATE feeds SET last_poll = ?, last_error = ?, failures = 0, next_poll = ?, wait_until = 0, "
                "title = coalesce(?, title) WHERE url = ?",
                (_now(), error, next_poll, title, url),
            )
            if validators is not None:
                self.db.execute("UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?", (*validators, url))
            if new:
                self.db.execute("UPDATE feeds SET last_new = ? WHERE url = ?", (_now(), url))

    def failed(self, url: str, error: str, settings: FeedsSettings, now: float, retry_after: float | None) -> None:
        """Keep everything the feed had; only say what went wrong and when to try again."""
        with self.lock, self.db:
            self.db.execute("INSERT OR IGNORE INTO feeds (url) VALUES (?)", (url,))
            (failures,) = self.db.execute("SELECT failures + 1 FROM feeds WHERE url = ?", (url,)).fetchone()
            backoff = min(settings.poll_minutes * 2 ** (failures - 1), settings.max_backoff_minutes) * 60
            self.db.execute(
                "UPDATE feeds SET last_poll = ?, last_error = ?, failures = ?, next_poll = ?, wait_until = ? "
                "WHERE url = ?",
                (_now(), error, failures, now + backoff, now + (retry_after or 0), url),
            )


def poll(
    urls: list[str],
    settings: FeedsSettings,
    fetcher: Fetcher,
    book: FeedBook,
    folder: Path,
    *,
    force: bool = False,
    clock: Callable[[], float] = time.time,
) -> PollReport:
    """Poll the feeds that are due (all of them with ``force``, except one whose server asked for a wait).
    A failing feed is recorded and the others go on; nothing saved is ever removed."""
    started = time.perf_counter()
    report = PollReport()

    def one(url: str) -> FeedResult:
        now = clock()
        state = book.state(url)
        result = FeedResult(url)
        if now < state.wait_until:
            result.skipped = f"the server asked newsbot to wait {_span(state.wait_until - now)} more"
            return result
        if not force and now < state.next_poll:
            result.skipped = f"next poll in {_span(state.next_poll - now)}"
            return result
        try:
            _poll_one(url, settings, fetcher, book, folder, result, now)
        except FetchError as exc:
            result.error = str(exc)
            book.failed(url, result.error, settings, now, exc.retry_after)
            # said once, when it starts or changes (`newsbot feeds` shows it meanwhile)
            (log.warning if result.error != state.last_error else log.info)("feed %s: %s", url, result.error)
        except Exception as exc:  # noqa: BLE001 - one feed's surprise never stops the others or the sync
            log.exception("polling %s failed", url)
            result.error = f"could not be read ({type(exc).__name__}); this is a newsbot bug, please report it"
            book.failed(url, result.error, settings, now, None)
        return result

    # Feeds are polled side by side (the fetcher keeps each host to one request per fetch.per_host_seconds,
    # whichever feed asks), so one slow site does not hold up the others.
    with ThreadPoolExecutor(min(POLL_WORKERS, max(1, len(urls))), thread_name_prefix="newsbot-poll") as pool:
        for result in pool.map(one, urls):
            report.feeds.append(result)
            report.saved += result.saved
            report.downloaded += result.downloaded
    report.seconds = time.perf_counter() - started
    return report


def _poll_one(
    url: str,
    settings: FeedsSettings,
    fetcher: Fetcher,
    book: FeedBook,
    folder: Path,
    result: FeedResult,
    now: float,
) -> None:
    etag, modified = book.validators(url)
    response = fetcher.get(url, etag=etag, last_modified=modified, accept=FEED_ACCEPT)
    result.downloaded += response.downloaded
    interval = settings.poll_minutes * 60
    if response.not_modified:
        result.unchanged = True
        book.polled(url, title=None, validators=None, new=False, next_poll=now + interval)
        return
    title, entries, malformed = parse_feed(response)
    seen: set[str] = set()
    retry = False  # an entry to fetch again next poll: the feed must then be read again, not answered 304
    for entry in entries:
        if entry.key in seen or (entry.link and entry.link in seen):
            continue  # the same entry twice in one feed
        seen.update({entry.key, entry.link or entry.key})
        before = book.fingerprint(url, entry.key)
        if before == entry.fingerprint:
            continue
        try:
            saved = _save(entry, settings, fetcher, folder, result)
        except NotAnArticle as exc:
            book.entry(url, entry, None, str(exc))  # not fetched again until the entry changes
            result.entry_errors.append(f"{entry.link}: {exc}")
            continue
        except FetchError as exc:  # tried again next poll
            result.entry_errors.append(f"{entry.link}: {exc}")
            retry = True
            continue
        book.entry(url, entry, saved, None)
        result.saved.append(saved)
        if before is None:
            result.new += 1
        else:
            result.updated += 1
    result.unchanged = not (result.new or result.updated)
    if malformed:
        result.error = malformed
    if result.entry_errors:
        shown = "; ".join(result.entry_errors[:2])
        more = f" (and {len(result.entry_errors) - 2} more)" if len(result.entry_errors) > 2 else ""
        result.error = f"{len(result.entry_errors)} of {len(entries)} entries not saved: {shown}{more}"
    # A feed read with trouble is read in full again next time (no 304), so its trouble is seen again; it was
    # read, so there is no backoff.
    clean = not (retry or result.error)
    validators = (response.headers.get("etag"), response.headers.get("last-modified")) if clean else (None, None)
    book.polled(
        url,
        title=title,
        validators=validators,
        new=bool(result.new or result.updated),
        next_poll=now + interval,
        error=result.error,
    )


def _save(entry: Entry, settings: FeedsSettings, fetcher: Fetcher, folder: Path, result: FeedResult) -> Saved:
    if entry.content_html and settings.full_text_chars and entry.link:
        record = extract_html(f"<html><body><article>{entry.content_html}</article></body></html>")
        if record and len(record["text"]) >= settings.full_text_chars:
            return save_entry_text(folder, entry.link, entry.title, entry.content_html, entry.published)
    if not entry.link:
        raise NotAnArticle("the entry has no link and too little text of its own")
    response = fetcher.get(entry.link, accept=PAGE_ACCEPT)
    result.downloaded += response.downloaded
    return save_page(response, entry.link, folder, entry.published, entry.title)


# ------------------------------------------------------------------------------------------- parsing


def parse_feed(response: Response) -> tuple[str | None, list[Entry], str | None]:
    """The feed's title, its entries, and what was wrong with it when it could be read only in part; raises
    FetchError saying what the response is when it is not a feed at all."""
    body = response.body
    start = body.lstrip()[:1]
    if "json" in response.content_type or start == b"{":
        title, entries = _json_feed(body)
        return title, entries, None
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": response.url})
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    malformed = None
    if problem is not None and hasattr(problem, "getLineNumber"):  # the XML itself is broken (not a charset note)
        malformed = f"malformed XML at line {problem.getLineNumber()} ({problem.getMessage()})"
    if not parsed.get("version"):
        head = body[:2048].lower()
        if b"<html" in head or b"<!doctype html" in head:
            found = feed_links(body.decode("utf-8", "replace"), response.url)
            if found:
                raise FetchError(
                    f"an HTML page, not a feed; the page names its feed: {found[0]} (list that in feeds.urls)"
                )
            raise FetchError('an HTML page, not a feed, and it names no feed of its own (<link rel="alternate">)')
        raise FetchError(f"not a feed: {malformed}" if malformed else "not an RSS, Atom or JSON feed")
    entries = [e for e in map(_rss_entry, parsed.entries) if e is not None]
    if malformed:
        malformed += f"; read the {len(entries)} entries that could be read"
    return parsed.feed.get("title"), entries, malformed


_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"([\w-]+)\s*=\s*([\"'])(.*?)\2", re.S)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")


def feed_links(markup: str, base: str) -> list[str]:
    """The feeds a page names of its own (``<link rel="alternate" type="application/rss+xml" href=…>``)."""
    found = []
    for tag in _LINK_TAG.findall(markup[:200_000]):
        attrs = {k.lower(): html.unescape(v) for k, _, v in _ATTRIBUTE.findall(tag)}
        rel, kind, href = attrs.get("rel", "").lower().split(), attrs.get("type", "").lower(), attrs.get("href")
        if "alternate" in rel and kind in _FEED_TYPES and href:
            found.append(urljoin(base, href))
    return found


def _rss_entry(e: Any) -> Entry | None:
    link = e.get("link") or None
    key = e.get("id") or link
    if not key:
        return None
    content = None
    for part in e.get("content") or []:
        if "html" in (part.get("type") or "") or part.get("type") == "text/plain":
            content = part.get("value")
            break
    stamp = e.get("updated") or e.get("published") or ""
    parsed = e.get("published_parsed") or e.get("updated_parsed")
    published = date(*parsed[:3]) if parsed else None
    return Entry(
        key, link, e.get("title"), published, _fingerprint(stamp, e.get("title"), content or e.get("summary")), content
    )


def _json_feed(body: bytes) -> tuple[str | None, list[Entry]]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FetchError(f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FetchError("not a feed: JSON without JSON Feed's version (https://jsonfeed.org/version/1.1)")
    entries: list[Entry] = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or None
        key = str(item.get("id") or link or "")
        if not key:
            continue
        stamp = str(item.get("date_modified") or item.get("date_published") or "")
        content = item.get("content_html") or (
            f"<p>{item['content_text']}</p>" if isinstance(item.get("content_text"), str) else None
        )
        published = _day(item.get("date_published"))
        entries.append(
            Entry(key, link, item.get("title"), published, _fingerprint(stamp, item.get("title"), content), content)
        )
    title = data.get("title")
    return (title if isinstance(title, str) else None), entries


def _fingerprint(stamp: str, title: Any, content: Any) -> str:
    return hashlib.sha256(json.dumps([stamp, title, content], default=str).encode()).hexdigest()[:20]


def _day(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date() if value else None
    except ValueError:
        return None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(seconds: float) -> str:
    seconds = max(0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
