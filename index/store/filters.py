"""What a question may draw on, and the one way both searches apply it: rank wide, then filter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from newsbot.index.text import UNDATED

OVERFETCH = 4  # unfiltered candidates per wanted one before the engine is asked to filter

C = TypeVar("C")
R = TypeVar("R")


@dataclass(frozen=True)
class Filters:
    """What a question may draw on. Days are days since 1970-01-01 (see text.day_number)."""

    sources: tuple[str, ...] = ()  # stored source names, any of them; () = every source
    since_day: int | None = None  # an explicit range (--since/--until) leaves undated articles out
    until_day: int | None = None
    exclude_article_ids: tuple[str, ...] = ()
    as_of_day: int | None = None  # nothing published later; undated articles pass (their day is UNDATED)
    only_article_ids: tuple[str, ...] | None = None  # None: every article

    def where(self) -> dict[str, Any] | None:
        """The same test as a Chroma where clause."""
        found: list[dict[str, Any]] = []
        if len(self.sources) == 1:
            found.append({"source": {"$eq": self.sources[0]}})
        elif self.sources:
            found.append({"source": {"$in": list(self.sources)}})
        if self.since_day is not None:
            found.append({"day": {"$gte": self.since_day}})
        if self.until_day is not None:
            found.append({"day": {"$lte": self.until_day}})
            if self.since_day is None:
                found.append({"day": {"$gt": UNDATED}})
        if self.as_of_day is not None:
            found.append({"day": {"$lte": self.as_of_day}})
        if self.exclude_article_ids:
            found.append({"article_id": {"$nin": list(self.exclude_article_ids)}})
        if self.only_article_ids is not None:
            found.append({"article_id": {"$in": list(self.only_article_ids)}})
        if len(found) > 1:
            return {"$and": found}
        return found[0] if found else None

    def admits(self, metadata: dict[str, Any]) -> bool:
        """Whether a chunk passes these filters: the same test as where(), done in Python."""
        day = int(metadata.get("day", UNDATED))
        return (
            (not self.sources or metadata.get("source") in self.sources)
            and (self.since_day is None or day >= self.since_day)
            and (self.until_day is None or UNDATED < day <= self.until_day)
            and (self.as_of_day is None or day <= self.as_of_day)
            and metadata.get("article_id") not in self.exclude_article_ids
            and (self.only_article_ids is None or metadata.get("article_id") in self.only_article_ids)
        )


NO_FILTERS = Filters()


def rank_wide_then_filter(
    k: int,
    filters: Filters,
    rank: Callable[[int, Filters], Sequence[C]],
    passing: Callable[[Sequence[C]], Iterable[R]],
) -> list[R]:
    """The k best results that pass ``filters``, for dense and lexical search alike.

    Both engines rank slower when told to filter (Chroma evaluates a metadata filter over every chunk
    before the vector search, 15x slower here; a condition on another column keeps FTS5 from ranking
    inside its index, 2x), and most questions' filters (an as-of date of today) pass nearly everything.
    So the best k x OVERFETCH are ranked unfiltered and filtered here; only when fewer than k of them
    pass (a selective filter) is the engine asked to filter.

    ``rank(n, filters)`` gives the best n candidates, best first, with the engine applying ``filters``;
    ``passing(candidates)`` yields the results among them that the filters admit, best first (lazily,
    so a caller can fetch the expensive part of each candidate only as far as it is needed).
    """
    if filters == NO_FILTERS:
        return list(islice(passing(rank(k, NO_FILTERS)), k))
    wide = rank(k * OVERFETCH, NO_FILTERS)
    kept = list(islice(passing(wide), k))
    if len(kept) >= k or len(wide) < k * OVERFETCH:  # enough, or every candidate was seen
        return kept
    return list(islice(passing(rank(k, filters)), k))
