"""A polite, safe HTTP GET: the only code in newsbot that fetches from the web (feeds and pages).

Polite: a User-Agent naming newsbot, conditional GET (ETag, Last-Modified), at most one request per
``fetch.per_host_seconds`` to a host, robots.txt. Safe: http(s) only; every host is resolved here and its
addresses checked (loopback, private, link-local, metadata and other reserved ranges are refused unless
allowed), then the connection goes to the checked address (so a second lookup cannot point elsewhere);
redirects are followed by hand, each hop checked the same way; one deadline and a size cap per response.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import httpx

from newsbot.config.errors import FetchError, RefusedAddress
from newsbot.config.settings import FetchSettings

try:
    from importlib.metadata import version as _version

    VERSION = _version("newsbot")
except Exception:  # noqa: BLE001 - not installed (a checkout run in place)
    VERSION = "0"

USER_AGENT = f"newsbot/{VERSION} (question answering over news its user follows)"
ROBOTS_AGENT = "newsbot"
ROBOTS_TTL = 24 * 3600.0
_READ = 64 * 1024
# Ranges no public web page lives on, beyond what ipaddress calls private: shared address space (carrier NAT).
_EXTRA_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"),)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    body: bytes
    downloaded: int  # bytes received: status line, headers and body, every hop and robots.txt included

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class _Robots:
    rules: RobotFileParser | None  # None: everything allowed (no robots.txt)
    fetched: float


@dataclass
class Fetcher:
    """One per process (or per poll): it keeps the per-host clock and the robots.txt rules."""

    settings: FetchSettings
    verify: ssl.SSLContext | bool = True  # the certificates trusted (tests pass their own authority's)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, _Robots] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> Response:
        """GET ``url``, following redirects; raises FetchError with the reason when nothing usable came back.
        A 304 (nothing changed since ``etag`` / ``last_modified``) is returned, with an empty body."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        downloaded = 0
        seen: list[str] = []
        with self._client() as client:
            for _ in range(self.settings.max_redirects + 1):
                _check_scheme(url)
                if self.settings.respect_robots:
                    downloaded += self._check_robots(client, url)
                response, size = self._once(client, url, headers)
                downloaded += size
                location = response.headers.get("location")
                if response.status in (301, 302, 303, 307, 308) and location:
                    seen.append(url)
                    url = urljoin(url, location.strip())
                    if url in seen:
                        raise FetchError(f"redirect loop ({seen[0]} leads back to {url})")
                    continue
                response.downloaded = downloaded
                _raise_for_status(response)
                return response
        raise FetchError(f"more than {self.settings.max_redirects} redirects (fetch.max_redirects); gave up")

    # ------------------------------------------------------------------------------------------- one hop

    def _client(self) -> httpx.Client:
        # trust_env off: a proxy from the environment would make the address checks meaningless.
        return httpx.Client(
            timeout=httpx.Timeout(self.settings.timeout_seconds),
            follow_redirects=False,
            trust_env=False,
            verify=self.verify,
            headers={"User-Agent": USER_AGENT},
        )

    def _once(self, client: httpx.Client, url: str, headers: dict[str, str]) -> tuple[Response, int]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        addresses = self._addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
        self._wait_turn(host)
        for n, address in enumerate(addresses, 1):
            try:
                return self._at(client, url, address, headers)
            except httpx.ConnectError as exc:  # e.g. an IPv6 address on a machine without IPv6: the next one
                if n == len(addresses):
                    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
                    raise FetchError(f"could not connect to {host} ({reason})") from None
        raise FetchError(f"cannot resolve {host}")

    def _at(self, client: httpx.Client, url: str, address: str, headers: dict[str, str]) -> tuple[Response, int]:
        """One GET of ``url`` from ``address``, checked already: the connection goes there, the name goes in
        the Host header and, for https, in the TLS server name (which the certificate is checked against)."""
        parts = urlsplit(url)
        netloc = f"[{address}]" if ":" in address else address
        if parts.port:
            netloc += f":{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        request_headers = dict(headers, Host=parts.netloc.rpartition("@")[2])
        extensions = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
        limit = int(self.settings.max_mb * 1_000_000)
        deadline = time.monotonic() + self.settings.timeout_seconds
        try:
            with client.stream("GET", pinned, headers=request_headers, extensions=extensions) as reply:
                size = _header_bytes(reply)
                declared = reply.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit and reply.status_code < 300:
                    raise FetchError(_too_large(int(declared), self.settings.max_mb))
                body = bytearray()
                if reply.status_code < 300 or reply.status_code >= 400:
                    for piece in reply.iter_bytes(_READ):  # decoded (gzip, br) as it comes: the cap holds for both
                        body += piece
                        if len(body) > limit or reply.num_bytes_downloaded > limit:
                            raise FetchError(_too_large(None, self.settings.max_mb))
                        if time.monotonic() > deadline:
                            raise FetchError(f"no complete reply within {self.settings.timeout_seconds:g} s; gave up")
                size += reply.num_bytes_downloaded
                return Response(url, reply.status_code, reply.headers, bytes(body), 0), size
        except httpx.TimeoutException:
            raise FetchError(f"no reply within {self.settings.timeout_seconds:g} s (fetch.timeout_seconds)") from None
        except httpx.ConnectError:
            raise
        except httpx.HTTPError as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise FetchError(f"the exchange with {parts.hostname} failed ({reason})") from None

    def _addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to, after checking every address ``host`` resolves to."""
        if not host:
            raise FetchError("the address has no host name")
        try:
            try:  # only the address families this machine can reach (no IPv6 address on an IPv4-only host)
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_ADDRCONFIG)
            except socket.gaierror:  # no interface but loopback: AI_ADDRCONFIG finds nothing
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host} ({exc}); check the address") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = self.settings.allow_private_addresses or host.lower() in {
            h.lower() for h in self.settings.private_hosts
        }
        if not allowed:
            for address in addresses:
                reason = _private(address)
                if reason:
                    raise RefusedAddress(
                        f"{host} is at {address}, {reason}: refused (set fetch.allow_private_addresses, or list "
                        f"the host in fetch.private_hosts, to fetch from your own network)"
                    )
        if not addresses:
            raise FetchError(f"cannot resolve {host}")
        return addresses

    def _wait_turn(self, host: str) -> None:
        """At most one request per fetch.per_host_seconds to one host."""
        with self._lock:
            now = self.clock()
            turn = max(now, self._last.get(host, float("-inf")) + self.settings.per_host_seconds)
            self._last[host] = turn
        if turn > now:
            self.sleep(turn - now)

    # ------------------------------------------------------------------------------------------ robots

    def _check_robots(self, client: httpx.Client, url: str) -> int:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        downloaded = 0
        if cached is None or self.clock() - cached.fetched > ROBOTS_TTL:
            # RFC 9309: a robots.txt that cannot be reached (a 5xx, no connection) puts the whole site off limits
            # for now; one that does not exist (a 4xx) allows everything.
            try:
                reply, downloaded = self._once(client, origin + "/robots.txt", {"Accept": "text/plain"})
            except RefusedAddress:
                raise
            except FetchError as exc:
                raise FetchError(f"{exc}; not fetched, will try again later") from None
            if reply.status >= 500:
                raise FetchError(f"{origin}/robots.txt answered HTTP {reply.status}; not fetched, will try again later")
            rules = None
            if reply.status < 300:
                rules = RobotFileParser()
                rules.parse(reply.body.decode("utf-8", "replace").splitlines())
            cached = self._robots[origin] = _Robots(rules, self.clock())
        if cached.rules is not None and not cached.rules.can_fetch(ROBOTS_AGENT, url):
            raise FetchError(f"{origin}/robots.txt disallows {parts.path or '/'} for newsbot; not fetched")
        return downloaded


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http and https addresses are fetched, not {scheme or 'this'}: {url[:200]}")


def _private(address: str) -> str | None:
    """Why ``address`` is not on the public internet, or None."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if ip.is_private or any(ip in net for net in _EXTRA_BLOCKED):
        return "a private address"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "not a public address"
    return None


def _raise_for_status(response: Response) -> None:
    status = response.status
    if status < 300 or status == 304:
        return
    retry_after = _retry_after(response.headers.get("retry-after"))
    if status in (401, 403):
        raise FetchError(f"HTTP {status}: the page needs a login or refuses newsbot")
    if status == 404 or status == 410:
        raise FetchError(f"HTTP {status}: no such page (was it moved or removed?)")
    if status == 429:
        wait = f"; will wait {retry_after:.0f} s as asked" if retry_after else ""
        raise FetchError(f"HTTP 429: too many requests{wait}", retry_after)
    if status >= 500:
        raise FetchError(f"HTTP {status}: the server failed; will try again later", retry_after)
    raise FetchError(f"HTTP {status}", retry_after)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _header_bytes(reply: httpx.Response) -> int:
    return len(b"HTTP/1.1 000 \r\n") + sum(len(k) + len(v) + 4 for k, v in reply.headers.raw) + 2


def _too_large(size: int | None, max_mb: float) -> str:
    told = f"{size / 1e6:.1f} MB, " if size else ""
    return f"the response is {told}larger than the {max_mb:g} MB limit (fetch.max_mb); not saved"
