"""A real HTTP server on 127.0.0.1 for the feed and page tests: article pages, RSS 2.0, Atom and JSON feeds,
and every way a site misbehaves on purpose (see `NewsSite.misbehave`)."""

from __future__ import annotations

import hashlib
import html
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    status: int = 200
    body: bytes | Callable[[], bytes] = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the reply (a stall)
    stream_bytes: int = 0  # send this many bytes of filler, chunk by chunk, after the body
    etag: bool = True  # answer If-None-Match with 304


@dataclass
class Entry:
    slug: str
    title: str
    text: str  # the article's paragraphs, blank-line separated
    day: str  # YYYY-MM-DD
    updated: str | None = None
    full_text: bool = False  # carry the whole article in the feed (content:encoded / content / content_html)


def article_html(title: str, text: str, day: str, url: str | None = None, extra: str = "") -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{canonical}"
        f"<meta property='article:published_time' content='{day}'><meta property='og:site_name' content='Harbor Gazette'>"
        "</head><body>"
        f"<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article>{extra}"
        f"<footer>Copyright Harbor Gazette</footer></body></html>"
    ).encode()


class NewsSite:
    """Routes by path; every request is logged with its headers and the bytes sent back."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None, name: str | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sent = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                site.serve(self)

        self.server = ThreadingHTTPServer((host, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.name = name or host  # the host name in its addresses
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.name}:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths_asked(self) -> list[str]:
        return [p for p, _ in self.requests]

    # ------------------------------------------------------------------------------------------ content

    def add_page(self, path: str, title: str, text: str, day: str, canonical: bool = True, extra: str = "") -> str:
        self.routes[path] = Route(body=article_html(title, text, day, self.url(path) if canonical else None, extra))
        return self.url(path)

    def rss(self, path: str, entries: list[Entry], title: str = "Harbor Gazette") -> str:
        for e in entries:
            self.add_page(f"/news/{e.slug}", e.title, e.text, e.day)
        items = "".join(_rss_item(self.url(f"/news/{e.slug}"), e) for e in entries)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{html.escape(title)}</title><link>{self.base}/</link><description>News</description>"
            f"{items}</channel></rss>"
        ).encode()
        self.routes[path] = Route(body=body, content_type="application/rss+xml")
        return self.url(path)

    def atom(self, path: str, entries: list[Entry], title: str = "Harbor Gazette (Atom)") -> str:
        for e in entries:
            self.add_page(f"/atom/{e.slug}", e.title, e.text, e.day)
        items = ""
        for e in entries:
            link = self.url(f"/atom/{e.slug}")
            content = (
                f"<content type='html'>{html.escape(_paragraphs(e.text))}</content>"
                if e.full_text
                else f"<summary>{html.escape(e.text[:80])}</summary>"
            )
            items += (
                f"<entry><id>{link}</id><title>{html.escape(e.title)}</title><link href='{link}'/>"
                f"<published>{e.day}T08:00:00Z</published><updated>{e.updated or e.day}T08:00:00Z</updated>"
                f"{content}</entry>"
            )
        body = (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>{html.escape(title)}</title><id>{self.base}/atom</id><updated>2026-12-01T00:00:00Z</updated>"
            f"{items}</feed>"
        ).encode()
        self.routes[path] = Route(body=body, content_type="application/atom+xml")
        return self.url(path)

    def json_feed(self, path: str, entries: list[Entry], title: str = "Harbor Gazette (JSON)") -> str:
        for e in entries:
            self.add_page(f"/json/{e.slug}", e.title, e.text, e.day)
        items = []
        for e in entries:
            item: dict[str, Any] = {
                "id": e.slug,
                "url": self.url(f"/json/{e.slug}"),
                "title": e.title,
                "date_published": f"{e.day}T08:00:00Z",
            }
            if e.updated:
                item["date_modified"] = f"{e.updated}T08:00:00Z"
            if e.full_text:
                item["content_html"] = _paragraphs(e.text)
            else:
                item["summary"] = e.text[:80]
            items.append(item)
        body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}).encode()
        self.routes[path] = Route(body=body, content_type="application/feed+json")
        return self.url(path)

    # ------------------------------------------------------------------------------------------ serving

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        with self.lock:
            self.requests.append((path, {k.lower(): v for k, v in handler.headers.items()}))
        route = self.routes.get(path)
        if route is None:
            route = Route(status=404, body=b"not found", content_type="text/plain")
        if route.delay:
            time.sleep(route.delay)
        body = route.body() if callable(route.body) else route.body
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        try:
            if route.etag and route.status == 200 and handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(route.status)
            handler.send_header("Content-Type", route.content_type)
            if route.etag and route.status == 200:
                handler.send_header("ETag", etag)
                handler.send_header("Last-Modified", format_datetime(datetime(2026, 12, 1, tzinfo=UTC), usegmt=True))
            for key, value in route.headers.items():
                handler.send_header(key, value)
            if route.stream_bytes:
                handler.send_header("Transfer-Encoding", "chunked")
                handler.end_headers()
                self._chunk(handler, body)
                filler = b"<p>" + b"x" * 65530 + b"</p>"
                sent = 0
                while sent < route.stream_bytes:
                    self._chunk(handler, filler)
                    sent += len(filler)
                handler.wfile.write(b"0\r\n\r\n")
                return
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            with self.lock:
                self.sent += len(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up (a size cap, a timeout): that is the point of the test

    def _chunk(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        with self.lock:
            self.sent += len(data)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n"))


def _rss_item(link: str, e: Entry) -> str:
    day = datetime.fromisoformat(e.day).replace(hour=8, tzinfo=UTC)
    content = f"<content:encoded><![CDATA[{_paragraphs(e.text)}]]></content:encoded>" if e.full_text else ""
    updated = (
        f"<atom:updated xmlns:atom='http://www.w3.org/2005/Atom'>{e.updated}T08:00:00Z</atom:updated>"
        if e.updated
        else ""
    )
    return (
        f"<item><title>{html.escape(e.title)}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(day, usegmt=True)}</pubDate>{updated}"
        f"<description>{html.escape(e.text[:80])}</description>{content}</item>"
    )
