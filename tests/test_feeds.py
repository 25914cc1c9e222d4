"""Feeds and pages (issue 29), against a real HTTP server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.settings import Settings
from newsbot.index.app import Newsbot, Query
from tests.news_site import Entry, NewsSite, Route, article_html

FERRIES = (
    "The Northport council voted 8 to 1 on Tuesday to add three electric ferries to the harbour fleet.\n\n"
    "The first of the new vessels, named the Gull, will enter service in April, the harbour master Ana Ruiz said.\n\n"
    "The ferries were built in Gdansk and cost 12 million euros each, paid for by a state grant and the city."
)
LIBRARY = (
    "The Kestrel Bay library reopened on Saturday after an eighteen-month renovation.\n\n"
    "Head librarian Tomas Okafor said the new reading room seats 140 people and stays open until 10 pm.\n\n"
    "The renovation cost 4.2 million dollars, most of it raised by a local bond measure approved in 2024."
)
BAKERY = (
    "A new bakery, Crumb and Crust, opened on Harbor Street on Friday morning.\n\n"
    "Its owner, Lena Marsh, trained in Lyon and bakes sourdough loaves before dawn every day.\n\n"
    "The first customers queued for an hour, and the bakery sold out of croissants by nine o'clock."
)


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite() as running:
        yield running


@pytest.fixture
def feeds_bot(make_settings: Callable[..., Settings], tmp_path: Path, fake_embedder: Any) -> Callable[..., Newsbot]:
    """A Newsbot with an empty corpus folder, allowed to fetch from 127.0.0.1 (and nothing else private)."""
    corpus = tmp_path / "articles"
    corpus.mkdir(exist_ok=True)

    def make(urls: list[str] | None = None, **fetch: Any) -> Newsbot:
        fetch_section = {"private_hosts": ["127.0.0.1"], "per_host_seconds": 0, "timeout_seconds": 2, "max_mb": 1}
        fetch_section.update(fetch)
        settings = make_settings([corpus], fetch=fetch_section, feeds={"urls": urls or [], "poll_minutes": 0.02})
        return Newsbot(settings, embedder=fake_embedder)

    return make


def saved_files(bot: Newsbot) -> dict[str, bytes]:
    folder = bot.fetch_folder
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.html"))} if folder.exists() else {}


# ---------------------------------------------------------------------------------------------- add


def test_add_saves_the_page_under_its_url_indexes_it_and_a_refetch_replaces_it(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    bot = feeds_bot()
    url = site.add_page("/2026/11/30/ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")
    results, report = bot.add([url])
    assert results[0].error is None and results[0].saved is not None and report is not None and report.added == 1
    assert results[0].saved.path.parent == bot.fetch_folder == bot.settings.corpus.paths[0] / "fetched"
    answer = bot.ask(Query("What is the name of the first new Northport ferry?"))
    assert answer.answered and answer.citations[0].url == url
    assert "named the Gull" in answer.citations[0].quote and answer.citations[0].published_at == "2026-11-30"
    # the same address again, changed: the same file is replaced and the article updated, not duplicated
    site.add_page(
        "/2026/11/30/ferries", "Northport adds electric ferries", FERRIES.replace("Gull", "Tern"), "2026-11-30"
    )
    results, report = bot.add([url])
    assert report is not None and (report.added, report.updated, report.articles) == (0, 1, 1)
    assert len(saved_files(bot)) == 1
    assert "named the Tern" in bot.ask(Query("What is the name of the first new Northport ferry?")).citations[0].quote


def test_a_page_without_a_canonical_link_keeps_the_address_it_was_asked_by(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    bot = feeds_bot()
    url = site.add_page("/library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03", canonical=False)
    site.routes["/old-library"] = Route(status=301, headers={"Location": "/library"})
    results, _ = bot.add([site.url("/old-library")])
    assert results[0].saved is not None and results[0].saved.url == site.url("/old-library")
    answer = bot.ask(Query("How many people does the new Kestrel Bay reading room seat?"))
    assert answer.answered and answer.citations[0].url == site.url("/old-library") != url


def test_what_is_not_an_article_is_refused_with_the_reason_and_nothing_is_saved(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    bot = feeds_bot()
    site.routes["/report.pdf"] = Route(body=b"%PDF-1.7\n" + b"0" * 5000, content_type="application/pdf")
    site.routes["/photo.jpg"] = Route(body=b"\xff\xd8\xff" + b"0" * 5000, content_type="image/jpeg")
    site.routes["/login"] = Route(
        body=b"<html><body><h1>Subscribers only</h1><p>Log in to read this story.</p><form><input name=u>"
        b"<input type='password' name=p></form></body></html>"
    )
    site.routes["/front"] = Route(body=b"<html><body><nav><a href=/a>A</a> <a href=/b>B</a></nav></body></html>")
    site.routes["/secret"] = Route(status=403, body=b"no")
    site.rss("/rss.xml", [])
    results, report = bot.add(
        [site.url(p) for p in ("/report.pdf", "/photo.jpg", "/login", "/front", "/secret", "/gone", "/rss.xml")]
        + ["ftp://x/y"]
    )
    reasons = [r.error or "" for r in results]
    assert "a PDF (application/pdf), not an article page" in reasons[0]
    assert "an image (image/jpeg)" in reasons[1]
    assert "a login wall" in reasons[2]
    assert "no main text found" in reasons[3]
    assert "HTTP 403: the page needs a login or refuses newsbot" in reasons[4]
    assert "HTTP 404: no such page" in reasons[5]
    assert reasons[6] == "a feed (application/rss+xml), not an article page: to follow it, list it in feeds.urls"
    assert "not a web address" in reasons[7]
    assert report is None and saved_files(bot) == {}


def test_newsbot_add_on_the_command_line(site: NewsSite, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_FETCH__PRIVATE_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("NEWSBOT_FETCH__PER_HOST_SECONDS", "0")
    good = site.add_page("/bakery", "Crumb and Crust opens", BAKERY, "2026-12-04")
    site.routes["/report.pdf"] = Route(body=b"%PDF-1.7", content_type="application/pdf")
    code, out, err = run("add", good, site.url("/report.pdf"))
    assert code == 1  # one page refused
    assert f"saved {good} -> " in out and "(Crumb and Crust opens)" in out and "chunks in 10 articles" in out
    assert f"refused {site.url('/report.pdf')}: a PDF (application/pdf), not an article page" in err
    code, out, _ = run("ask", "Who owns the Crumb and Crust bakery?", "--json")
    assert code == 0 and json.loads(out)["citations"][0]["url"] == good


# ---------------------------------------------------------------------------------------------- feeds


def test_rss_atom_and_json_feeds_new_updated_duplicate_and_removed_entries(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    ferries = Entry("ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")
    library = Entry("library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03", full_text=True)
    bakery = Entry("bakery", "Crumb and Crust opens", BAKERY, "2026-12-04")
    rss = site.rss("/rss.xml", [ferries, ferries])  # the same entry twice
    atom = site.atom("/atom.xml", [library])
    jsonfeed = site.json_feed("/feed.json", [bakery])
    bot = feeds_bot(
        [rss, atom, jsonfeed],
    )
    bot.settings.feeds.full_text_chars = 100  # the Atom entry carries its whole article: no page fetched

    report = bot.poll_feeds(force=True)
    assert [(f.new, f.updated, f.error) for f in report.feeds] == [(1, 0, None)] * 3
    assert site.paths_asked().count("/news/ferries") == 1 and "/atom/library" not in site.paths_asked()
    assert bot.sync().added == 3
    for question, expected in [
        ("What is the name of the first new Northport ferry?", "named the Gull"),
        ("How many people does the new Kestrel Bay reading room seat?", "seats 140 people"),
        ("Where did Lena Marsh train?", "trained in Lyon"),
    ]:
        answer = bot.ask(Query(question))
        assert answer.answered and expected in answer.citations[0].quote, question

    # Nothing new: conditional GETs answered 304, nothing but headers downloaded, nothing fetched again.
    asked = len(site.requests)
    again = bot.poll_feeds(force=True)
    assert all(f.unchanged and not f.new for f in again.feeds)
    assert sorted(p for p, _ in site.requests[asked:]) == ["/atom.xml", "/feed.json", "/rss.xml"]
    assert all("if-none-match" in h for _, h in site.requests[asked:])
    assert again.downloaded < 1500

    # An entry updated in place is fetched again and so re-indexed; an entry gone from the feed stays saved.
    changed = Entry(
        "ferries",
        "Northport adds electric ferries",
        FERRIES.replace("Gull", "Tern"),
        "2026-11-30",
        updated="2026-12-01",
    )
    site.rss("/rss.xml", [changed])
    site.json_feed("/feed.json", [])
    before = saved_files(bot)
    third = bot.poll_feeds(force=True)
    assert [(f.new, f.updated) for f in third.feeds] == [(0, 1), (0, 0), (0, 0)]
    sync = bot.sync()
    assert (sync.added, sync.updated, sync.removed, sync.articles) == (0, 1, 0, 3)
    assert "named the Tern" in bot.ask(Query("What is the name of the first new Northport ferry?")).citations[0].quote
    assert set(saved_files(bot)) == set(before)  # the bakery, dropped by its feed, is still saved and indexed
    assert bot.ask(Query("Where did Lena Marsh train?")).answered

    states = {s.url: s for s in bot.feeds()}
    assert states[rss].title == "Harbor Gazette" and states[rss].saved == 1 and states[rss].last_error is None
    assert states[jsonfeed].saved == 1 and states[rss].last_new is not None


def test_hostile_feeds_each_get_one_clear_line_and_lose_nothing(
    site: NewsSite, feeds_bot: Callable[..., Newsbot], run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = site.rss("/good.xml", [Entry("ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")])
    site.routes["/broken.xml"] = Route(
        body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>Broken</title><item><title>x</item>",
        content_type="application/rss+xml",
    )
    site.routes["/page-not-feed"] = Route(
        body=article_html(
            "A page", BAKERY, "2026-12-04", extra="<link rel='alternate' type='application/rss+xml' href='/good.xml'>"
        )
    )
    site.routes["/gone.xml"] = Route(status=404, body=b"")
    site.routes["/failing.xml"] = Route(status=500, body=b"oops")
    site.routes["/busy.xml"] = Route(status=429, body=b"", headers={"Retry-After": "120"})
    site.routes["/stall.xml"] = Route(delay=10, content_type="application/rss+xml", body=b"<rss/>")
    site.routes["/huge.xml"] = Route(content_type="application/rss+xml", body=b"<rss>", stream_bytes=50_000_000)
    site.routes["/to-metadata.xml"] = Route(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    site.routes["/to-lan.xml"] = Route(status=302, headers={"Location": "http://10.0.0.7/feed"})
    port = site.server.server_address[1]
    site.routes["/to-localhost.xml"] = Route(status=302, headers={"Location": f"http://localhost:{port}/good.xml"})
    site.routes["/loop-a.xml"] = Route(status=302, headers={"Location": "/loop-b.xml"})
    site.routes["/loop-b.xml"] = Route(status=302, headers={"Location": "/loop-a.xml"})
    # A good feed whose one entry links to a 50 MB page: the entry fails, the feed does not.
    site.routes["/big-page"] = Route(body=b"<html><body>", stream_bytes=50_000_000)
    big = site.rss("/big.xml", [Entry("big", "A very large page", BAKERY, "2026-12-04")])
    site.routes["/news/big"] = site.routes["/big-page"]
    hostile = [
        "/broken.xml",
        "/page-not-feed",
        "/gone.xml",
        "/failing.xml",
        "/busy.xml",
        "/stall.xml",
        "/huge.xml",
        "/to-metadata.xml",
        "/to-lan.xml",
        "/to-localhost.xml",
        "/loop-a.xml",
    ]
    urls = [good] + [site.url(p) for p in hostile] + [big]
    bot = feeds_bot(urls, timeout_seconds=5)  # room for a loaded machine; the stall is twice that
    first = bot.poll_feeds(force=True)
    assert first.feeds[0].new == 1 and bot.sync().added == 1
    saved = saved_files(bot)
    site.routes["/good.xml"] = Route(status=500, body=b"")  # the good feed fails too, later

    started = time.perf_counter()
    bot.poll_feeds(force=True)
    assert time.perf_counter() - started < 30  # the stall and the 50 MB are cut short, not waited out
    errors = {s.url.removeprefix(site.base): s.last_error or "" for s in bot.feeds()}
    assert errors["/good.xml"] == "HTTP 500: the server failed; will try again later"
    assert errors["/broken.xml"].startswith("malformed XML at line 1 (mismatched tag); read the 0 entries that")
    assert (
        errors["/page-not-feed"]
        == f"an HTML page, not a feed; the page names its feed: {good} (list that in feeds.urls)"
    )
    assert errors["/gone.xml"] == "HTTP 404: no such page (was it moved or removed?)"
    assert errors["/failing.xml"] == "HTTP 500: the server failed; will try again later"
    assert errors["/busy.xml"] == "HTTP 429: too many requests; will wait 120 s as asked"
    assert errors["/stall.xml"] == "no reply within 5 s (fetch.timeout_seconds)"
    assert errors["/huge.xml"] == "the response is larger than the 1 MB limit (fetch.max_mb); not saved"
    assert errors["/to-metadata.xml"].startswith("169.254.169.254 is at 169.254.169.254, a link-local address")
    assert errors["/to-lan.xml"].startswith("10.0.0.7 is at 10.0.0.7, a private address: refused")
    assert errors["/to-localhost.xml"].startswith("localhost is at 127.0.0.1, a loopback address: refused")
    assert errors["/loop-a.xml"].startswith("redirect loop")
    assert (
        errors["/big.xml"].startswith("1 of 1 entries not saved: ")
        and "larger than the 1 MB limit" in errors["/big.xml"]
    )
    assert all("\n" not in e for e in errors.values())
    assert saved_files(bot) == saved  # nothing already saved is lost
    assert bot.ask(Query("What is the name of the first new Northport ferry?")).answered

    # `newsbot feeds` shows one line of state per feed; the busy feed is not asked again while it said to wait.
    monkeypatch.setenv("NEWSBOT_FEEDS__URLS", json.dumps(urls))
    monkeypatch.setenv("NEWSBOT_FETCH__PRIVATE_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("NEWSBOT_FETCH__PER_HOST_SECONDS", "0")
    monkeypatch.setenv("NEWSBOT_INDEX__DATA_DIR", str(bot.settings.index.data_dir))
    code, out, _ = run("feeds")
    assert code == 1
    assert "error: HTTP 429: too many requests; will wait 120 s as asked; next try in" in out
    assert "Harbor Gazette (" + good + ")\n    polled " in out and "1 articles saved; error: HTTP 500" in out
    asked = site.paths_asked().count("/busy.xml")
    code, out, _ = run("feeds", "--poll")
    assert f"{site.url('/busy.xml')}: not polled (the server asked newsbot to wait" in out
    assert site.paths_asked().count("/busy.xml") == asked


def test_a_failing_feed_backs_off_doubling_and_a_good_poll_clears_it(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    site.routes["/flaky.xml"] = Route(status=503, body=b"")
    bot = feeds_bot([site.url("/flaky.xml")])
    bot.settings.feeds.poll_minutes = 10
    waits = []
    for _ in range(3):
        before = time.time()
        bot.poll_feeds(force=True)
        waits.append(round((bot.feeds()[0].next_poll - before) / 60))
    assert waits == [10, 20, 40]
    assert bot.poll_feeds().feeds[0].skipped.startswith("next poll in")  # not due: not asked
    site.rss("/flaky.xml", [Entry("ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")])
    report = bot.poll_feeds(force=True)
    state = bot.feeds()[0]
    assert report.feeds[0].new == 1 and state.last_error is None and state.failures == 0


def test_robots_txt_is_respected_and_the_user_agent_names_newsbot(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    site.routes["/robots.txt"] = Route(body=b"User-agent: newsbot\nDisallow: /members/\n", content_type="text/plain")
    blocked = site.add_page("/members/ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")
    allowed = site.add_page("/news/library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03")
    bot = feeds_bot()
    results, _ = bot.add([blocked, allowed])
    assert results[0].error == f"{site.base}/robots.txt disallows /members/ferries for newsbot; not fetched"
    assert results[1].saved is not None
    assert site.paths_asked() == ["/robots.txt", "/news/library"]  # robots.txt once, the disallowed page never
    assert all(h["user-agent"].startswith("newsbot/") for _, h in site.requests)


def test_requests_to_one_host_are_spaced_by_per_host_seconds(site: NewsSite, feeds_bot: Callable[..., Newsbot]) -> None:
    pages = [site.add_page(f"/p{i}", f"Story {i}", BAKERY, "2026-12-04") for i in range(3)]
    bot = feeds_bot(per_host_seconds=0.5)
    started = time.perf_counter()
    bot.sources.add(pages)
    # robots.txt + three pages: four requests, three gaps of at least 0.5 s
    assert len(site.requests) == 4 and time.perf_counter() - started >= 1.5


def test_with_no_feeds_configured_nothing_is_requested(
    feeds_bot: Callable[..., Newsbot], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a request was made with no feeds configured")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    bot = feeds_bot([])
    assert bot.poll_feeds(force=True).feeds == [] and bot.feeds() == []
    stop = threading.Event()
    stop.set()
    bot.follow_feeds(stop)  # returns at once
    (tmp_path / "articles" / "a.txt").write_text("Harbor news\n\nThe harbour reopened on Monday after repairs.")
    bot.sync()
    assert not (bot.settings.index.data_dir / "feeds.sqlite3").exists()


# ------------------------------------------------------------------------------------------ end to end


def test_a_new_feed_entry_is_answerable_within_a_poll_interval_and_the_sync(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    """`newsbot index --watch`'s watcher, with feeds: the feed gains an entry, the poller saves it, the watcher
    syncs it, and the question is answered with a quote from it."""
    feed = site.rss("/rss.xml", [Entry("library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03")])
    bot = feeds_bot([feed])
    synced = threading.Event()

    def on_change() -> None:
        bot.sync()
        synced.set()

    stop = threading.Event()
    watcher = threading.Thread(target=bot.watch, args=(on_change,), kwargs={"stop": stop}, daemon=True)
    watcher.start()
    try:
        deadline = time.monotonic() + 30
        while not bot.ask(Query("How many people does the new Kestrel Bay reading room seat?")).answered:
            assert time.monotonic() < deadline, "the first entry never became answerable"
            time.sleep(0.2)
        site.rss(
            "/rss.xml",
            [
                Entry("library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03"),
                Entry("ferries", "Northport adds electric ferries", FERRIES, "2026-11-30"),
            ],
        )
        added = time.monotonic()
        while True:
            answer = bot.ask(Query("What is the name of the first new Northport ferry?"))
            if answer.answered:
                break
            assert time.monotonic() - added < 30, "the new entry never became answerable"
            time.sleep(0.2)
        assert "named the Gull" in answer.citations[0].quote and answer.citations[0].url == site.url("/news/ferries")
    finally:
        stop.set()
        watcher.join(10)


# ----------------------------------------------------------------------------------------------- REPL


def test_the_repl_adds_pages_shows_feeds_and_reindex_polls_them(
    site: NewsSite, feeds_bot: Callable[..., Newsbot]
) -> None:
    from tests.test_repl import drive

    feed = site.rss("/rss.xml", [Entry("library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03")])
    page = site.add_page("/bakery", "Crumb and Crust opens", BAKERY, "2026-12-04")
    bot = feeds_bot([feed])
    bot.settings.feeds.poll_minutes = 0.001  # always due (the background poller stops when the REPL ends)
    _, out, repl = drive(bot, [f":add {page} {site.url('/nope')}", ":feeds", ":add"])
    assert f"saved {page} -> " in out and "added " in out  # the bakery (and the feed's entry, if polled by then)
    assert f"refused {site.url('/nope')}: HTTP 404: no such page" in out
    assert feed in out and "articles saved; ok" in out
    assert "error: write :add URL (one or more page addresses, https://…)" in out
    repl.today = date(2026, 12, 6)
    repl.handle(":reindex")
    repl.handle("How many people does the new Kestrel Bay reading room seat?")  # the feed's entry
    assert repl.last_answer is not None and "seats 140 people" in repl.last_answer.citations[0].quote
    site.rss(
        "/rss.xml",
        [
            Entry("library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03"),
            Entry("ferries", "Northport adds electric ferries", FERRIES, "2026-11-30"),
        ],
    )
    time.sleep(0.2)  # the feed is due again (poll_minutes: 0.06 s)
    repl.handle(":reindex")
    assert f"{feed}: 1 new, 0 updated" in repl.console.file.getvalue()  # type: ignore[attr-defined]
    assert "named the Gull" in repl.ask("What is the name of the first new Northport ferry?").citations[0].quote


def test_https_is_pinned_to_the_checked_address_and_still_verifies_the_certificate(
    feeds_bot: Callable[..., Newsbot],
) -> None:
    """The connection goes to the address that was checked, while TLS still checks the certificate against the
    host's name: a certificate for another name is refused. `localhost` resolves to ::1 and 127.0.0.1 here;
    the server listens on 127.0.0.1 only, so the first address that does not answer is passed over."""
    import ssl

    import trustme

    from newsbot.index.fetch.fetcher import Fetcher

    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    authority.configure_trust(client_tls)
    with NewsSite(tls=server_tls, name="localhost") as secure:
        url = secure.add_page("/ferries", "Northport adds electric ferries", FERRIES, "2026-11-30")
        assert url.startswith("https://localhost:")
        bot = feeds_bot(private_hosts=["localhost", "127.0.0.1"])
        bot.sources.fetcher = Fetcher(bot.settings.fetch, verify=client_tls)
        (saved,), _ = bot.add([url])
        assert saved.error is None and saved.saved is not None and saved.saved.url == url
        assert secure.requests[-1][1]["host"] == url.split("/")[2]  # the name, not the address, in Host
        wrong_name = url.replace("localhost", "127.0.0.1")
        (refused,), _ = bot.add([wrong_name])
        assert refused.error is not None and "CERTIFICATE_VERIFY_FAILED" in refused.error
        assert bot.ask(Query("What is the name of the first new Northport ferry?")).citations[0].url == url


def test_a_fetch_folder_that_cannot_be_written_is_one_line_and_loses_nothing(
    site: NewsSite, feeds_bot: Callable[..., Newsbot], tmp_path: Path
) -> None:
    first = site.add_page("/library", "Kestrel Bay library reopens", LIBRARY, "2026-10-03")
    second = site.add_page("/bakery", "Crumb and Crust opens", BAKERY, "2026-12-04")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the fetch folder should be")
    bot = feeds_bot(folder=str(blocker / "fetched"))
    (result,), report = bot.add([second])
    assert result.error is not None and result.error.startswith(f"could not create {blocker / 'fetched'}")
    assert report is None
    bot = feeds_bot()
    bot.add([first])
    from newsbot.index.fetch.pages import file_for

    file_for(bot.fetch_folder, second).mkdir()  # where the page would go, a folder: the write fails, even as root
    (result,), report = bot.add([second])
    assert result.error is not None and result.error.startswith("could not save ") and report is None
    assert not list(bot.fetch_folder.glob("*.part"))
    assert bot.ask(Query("How many people does the new Kestrel Bay reading room seat?")).answered
