"""What following feeds costs (issue 29): `make bench-feeds` prints the figures BENCHMARKS.md quotes.

Twenty feeds of fifty entries each, every feed on a host of its own (127.0.0.1 ... 127.0.0.20, real HTTP
servers), newsbot's default politeness (one request a second per host, robots.txt, conditional GET):

1. the first poll (every entry's page fetched and saved), then the sync that indexes them with the bundled model;
2. a poll with nothing new: seconds, requests and bytes downloaded;
3. one new entry in one feed: the poll that saves it and the sync that indexes it, until a question about it is
   answered with a quote (the time from a new entry to an answerable article, after the poll interval).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsbot.config.settings import Settings  # noqa: E402
from newsbot.index.app import Newsbot, Query  # noqa: E402
from tests.news_site import Entry, NewsSite  # noqa: E402

TOWNS = ["Northport", "Kestrel Bay", "Harbor City", "Gull Point", "Riverton", "Marlow", "Ashford", "Brindle",
         "Copperton", "Dunmore", "Elmsworth", "Fallowmere", "Glenrock", "Hollins", "Ivybridge", "Juniper Falls",
         "Kingsreach", "Larkhill", "Millbrook", "Netherby"]
TOPICS = ["library", "ferry", "bridge", "school", "market", "park", "hospital", "museum", "stadium", "tram line"]


def entry(feed: int, n: int) -> Entry:
    town, topic = TOWNS[feed % len(TOWNS)], TOPICS[n % len(TOPICS)]
    day = f"2026-{1 + n % 11:02d}-{1 + (feed + n) % 27:02d}"
    text = (
        f"The {town} council approved plans for a new {topic} on Tuesday, story {feed}-{n}.\n\n"
        f"Councillor number {feed * 100 + n} said the {topic} would open in {2027 + n % 3} and cost "
        f"{3 + n % 9} million dollars, paid for by a bond measure.\n\n"
        f"Residents of {town} have waited {n % 12 + 2} years for the {topic}, and the vote was {5 + n % 4} to 2."
    )
    return Entry(f"s{n}", f"{town} approves a new {topic} ({feed}-{n})", text, day)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--per-host-seconds", type=float, default=1.0)
    args = parser.parse_args()
    sites = [NewsSite(f"127.0.0.{i + 1}").__enter__() for i in range(args.feeds)]
    feeds = [site.rss("/rss.xml", [entry(i, n) for n in range(args.entries)]) for i, site in enumerate(sites)]
    work = Path(tempfile.mkdtemp(prefix="newsbot-feed-bench-"))
    (work / "corpus").mkdir()
    settings = Settings(
        corpus={"paths": [str(work / "corpus")]},
        index={"data_dir": str(work / "data")},
        fetch={"private_hosts": [f"127.0.0.{i + 1}" for i in range(args.feeds)], "per_host_seconds": args.per_host_seconds},
        feeds={"urls": feeds},
    )
    bot = Newsbot(settings)
    print(f"{args.feeds} feeds x {args.entries} entries, one host each, per_host_seconds={args.per_host_seconds}")

    def served() -> tuple[int, int]:
        return sum(len(s.requests) for s in sites), sum(s.sent for s in sites)

    started = time.perf_counter()
    first = bot.poll_feeds()
    poll_seconds = time.perf_counter() - started
    requests, sent = served()
    print(f"first poll: {poll_seconds:.1f} s, {len(first.saved)} pages saved, {requests} requests, "
          f"{first.downloaded / 1e6:.2f} MB downloaded")
    started = time.perf_counter()
    report = bot.sync()
    print(f"first sync: {report.articles} articles, {report.chunks} chunks in {time.perf_counter() - started:.1f} s")

    before = served()
    started = time.perf_counter()
    idle = bot.poll_feeds(force=True)
    seconds = time.perf_counter() - started
    after = served()
    print(f"poll with nothing new: {seconds:.2f} s, {after[0] - before[0]} requests (all answered 304), "
          f"{idle.downloaded} bytes downloaded (headers; bodies sent: {after[1] - before[1]} bytes)")

    question = "Which council approved a brand new observatory for stargazers on Friday?"
    new = Entry("observatory", "Northport approves an observatory",
                "The Northport council approved a brand new observatory for stargazers on Friday.\n\n"
                "The observatory will stand on Gull Hill and open to the public in the spring of 2028.", "2026-12-05")
    sites[0].rss("/rss.xml", [entry(0, n) for n in range(args.entries)] + [new])
    started = time.perf_counter()
    polled = bot.poll_feeds(force=True)
    poll_done = time.perf_counter() - started
    bot.sync()
    sync_done = time.perf_counter() - started
    answer = bot.ask(Query(question))
    total = time.perf_counter() - started
    print(f"new entry: poll {poll_done:.2f} s ({len(polled.saved)} saved), + sync {sync_done - poll_done:.2f} s, "
          f"+ answer {total - sync_done:.2f} s = {total:.2f} s to an answer quoting it "
          f"({'answered' if answer.answered else 'NOT answered'}: {answer.citations[0].quote if answer.citations else ''})")
    print(f"(after the poll interval, feeds.poll_minutes = {settings.feeds.poll_minutes:g}, in the worst case)")
    for site in sites:
        site.__exit__(None, None, None)
    return 0 if answer.answered else 1


if __name__ == "__main__":
    sys.exit(main())
