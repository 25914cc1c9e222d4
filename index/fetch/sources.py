"""What newsbot follows on the web: pages added by address and the feeds of `[feeds]`. It saves raw copies
into the fetch folder and nothing more; the sync indexes them as it indexes any folder."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from newsbot.config.errors import FetchError
from newsbot.config.settings import Settings
from newsbot.index.fetch.feeds import PAGE_ACCEPT, FeedBook, FeedState, PollReport, poll
from newsbot.index.fetch.fetcher import Fetcher
from newsbot.index.fetch.pages import Saved, save_page

log = logging.getLogger(__name__)


def fetch_folder(settings: Settings) -> Path:
    """fetch.folder, else "fetched" inside the first corpus path (so the sync and the watcher see it)."""
    if settings.fetch.folder is not None:
        return Path(settings.fetch.folder).expanduser()
    first = Path(settings.corpus.paths[0]).expanduser() if settings.corpus.paths else settings.index.data_dir
    return (first if not first.is_file() else first.parent) / "fetched"


@dataclass(frozen=True)
class PageResult:
    url: str
    saved: Saved | None = None
    error: str | None = None


class Sources:
    """The fetcher (its per-host clock and robots.txt rules), the feeds' state and the fetch folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.folder = fetch_folder(settings)
        self.lock = threading.Lock()  # one poll at a time in a process

    @cached_property
    def fetcher(self) -> Fetcher:
        return Fetcher(self.settings.fetch)

    @cached_property
    def book(self) -> FeedBook:
        return FeedBook(self.settings.index.data_dir)

    def close(self) -> None:
        if "book" in self.__dict__:
            self.book.close()
            del self.__dict__["book"]

    def add(self, urls: list[str]) -> list[PageResult]:
        """Fetch and save each page; a page that is not an article, or cannot be fetched, is refused with why."""
        results: list[PageResult] = []
        for url in urls:
            url = url.strip()
            if not url.lower().startswith(("http://", "https://")):
                results.append(PageResult(url, error="not a web address; give one starting with https://"))
                continue
            try:
                response = self.fetcher.get(url, accept=PAGE_ACCEPT)
                results.append(PageResult(url, save_page(response, url, self.folder)))
            except FetchError as exc:
                results.append(PageResult(url, error=str(exc)))
        return results

    def poll(self, force: bool = False) -> PollReport:
        if not self.settings.feeds.urls:
            return PollReport()  # no feeds: no request, and nothing written
        with self.lock:
            return poll(
                self.settings.feeds.urls, self.settings.feeds, self.fetcher, self.book, self.folder, force=force
            )

    def states(self) -> list[FeedState]:
        if not self.settings.feeds.urls:
            return []
        return [self.book.state(url) for url in self.settings.feeds.urls]

    def poll_every_interval(self, stop: threading.Event, on_saved: Callable[[PollReport], None] | None = None) -> None:
        """Poll the feeds that are due, then wait for the next one to be due, until ``stop`` is set. Feeds that
        fail back off on their own (see feeds.py); nothing here ever stops the caller."""
        if not self.settings.feeds.urls:
            return
        while not stop.is_set():
            try:
                report = self.poll()
                if any(f.new or f.updated or f.error for f in report.feeds):
                    log.info("feeds: %s", report.summary())
                if report.saved and on_saved is not None:
                    on_saved(report)
                wait = self._until_due()
            except Exception:  # noqa: BLE001 - a poll that fails is logged; the next one is tried
                log.exception("polling the feeds failed (trying again later)")
                wait = self.settings.feeds.poll_minutes * 60
            stop.wait(max(1.0, wait))

    def _until_due(self) -> float:
        now = time.time()
        due = [max(s.next_poll, s.wait_until) for s in self.states()]
        return min(due, default=now + self.settings.feeds.poll_minutes * 60) - now
