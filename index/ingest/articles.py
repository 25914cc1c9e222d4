"""Reading articles from files: discovery, the scan cache, identity, and bad input reported, never raised.

The formats are in formats.py, the cleaning rules in cleaning.py, URLs and dates in metadata.py."""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from newsbot.config.errors import CorpusPathError
from newsbot.config.settings import CorpusSettings
from newsbot.index.ingest.cleaning import Cleaner, not_words
from newsbot.index.ingest.formats import decode, extract_html, split_front_matter, unicode_with_bom
from newsbot.index.ingest.metadata import (
    authors_of,
    date_from_url,
    normalise_url,
    parse_date,
    pick,
    source_from_url,
    text_of,
)

log = logging.getLogger(__name__)

# Bump when reading or cleaning changes what an unchanged file yields: cached scans are then read again.
READER_VERSION = 2


@dataclass(frozen=True)
class Article:
    """One cleaned article, ready to chunk. ``text`` is the body that citations quote from."""

    id: str
    title: str | None
    text: str
    url: str | None = None
    source: str | None = None
    authors: tuple[str, ...] = ()
    published_at: date | None = None
    path: str | None = None  # relative to its corpus root, with "#L<line>" for a JSONL record
    record_id: str | None = None  # the record's own id field, when it has one
    root: str | None = None  # the corpus root it was read from (resolved)

    @property
    def content_hash(self) -> str:
        """Covers the cleaned text and the metadata shown to users; nothing volatile: not a JSONL record's line
        number, so a record that only moved (a record added above it) keeps its vectors."""
        return self.hash_with_path((self.path or "").split("#", 1)[0])

    def hash_with_path(self, path: str) -> str:
        """The content hash with ``path`` as the path; with the full path (line number included) it is the
        hash indexes made before READER_VERSION 2 stored."""
        shown = [
            self.title or "",
            self.text,
            self.url or "",
            self.source or "",
            "|".join(self.authors),
            self.published_at.isoformat() if self.published_at else "",
            path,
        ]
        return hashlib.sha256("\x1f".join(shown).encode("utf-8")).hexdigest()

    @property
    def text_hash(self) -> str:
        """Identifies the same story: used to index a duplicate only once."""
        return hashlib.sha256(" ".join(self.text.split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ArticleRef:
    """An article of a file unchanged since the last scan, known from the scan cache.

    Enough to tell whether it is indexed; the indexer asks the reader for the whole Article
    (``CorpusReader.load``) only when it has to chunk it.
    """

    id: str
    content_hash: str
    text_hash: str
    path: str | None
    root: str | None


class ScanCache(Protocol):
    """What the last scan found in each file, keyed by (corpus root, relative path)."""

    def get(self, root: str, rel: str) -> tuple[str, dict[str, Any]] | None: ...

    def put(self, root: str, rel: str, signature: str, found: dict[str, Any]) -> None: ...

    def prune(self, roots: set[str], keep: set[tuple[str, str]]) -> None: ...


@dataclass(frozen=True)
class Skip:
    """An input that was not indexed, with the reason and what to do about it."""

    path: str
    reason: str


@dataclass(frozen=True)
class Duplicate:
    path: str
    same_as: str


@dataclass
class CorpusScan:
    """Everything one pass over the corpus paths found."""

    articles: list[Article | ArticleRef] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Files that produced a skip: their previously indexed articles are kept, never deleted.
    troubled_paths: set[tuple[str, str]] = field(default_factory=set)
    # Folders that could not be listed (unreadable, vanished): every article indexed from under them is kept.
    troubled_folders: set[tuple[str, str]] = field(default_factory=set)

    def troubled(self, root: str, path: str) -> bool:
        """Whether an article file could not be looked at this time (its indexed articles are then kept)."""
        path = path.split("#", 1)[0]
        if (root, path) in self.troubled_paths:
            return True
        return any(r == root and (f == "." or path.startswith(f + "/")) for r, f in self.troubled_folders)


# ---------------------------------------------------------------------------------------------- reading


class CorpusReader:
    """Turns the files under the corpus paths into Articles, reporting every skip."""

    def __init__(self, settings: CorpusSettings) -> None:
        self.settings = settings
        self.cleaner = Cleaner(settings.cleaning)
        self.max_bytes = int(settings.max_article_mb * 1_000_000)
        self.extensions = {e.lower() if e.startswith(".") else "." + e.lower() for e in settings.extensions}
        # What a cached scan of a file depends on besides the file: the reading settings and this code's version.
        reading = settings.model_dump_json(exclude={"paths"})
        self.signature = hashlib.sha256(f"{READER_VERSION}\0{reading}".encode()).hexdigest()[:16]

    def scan(self, paths: Iterable[Path], cache: ScanCache | None = None) -> CorpusScan:
        """Every article under the paths. With a cache, files unchanged since the last scan are not read
        again: their articles come back as ArticleRefs, their skips and warnings are repeated."""
        paths = list(paths)
        scan = CorpusScan()
        by_id: dict[str, Article | ArticleRef] = {}
        by_text: dict[str, Article | ArticleRef] = {}
        seen: set[tuple[str, str]] = set()
        for scope, file in self.files(paths, scan):
            items = self._read_cached(scope, file, scan, cache, seen) if cache else self.read_file(scope, file, scan)
            for item in items:
                first = by_id.get(item.id) or by_text.get(item.text_hash)
                if first is not None:
                    # Same URL/id (another capture of the story) or the same text: index it once, the original
                    # (the shorter file name: "story.txt" before "story (copy).txt", which sorts first).
                    if _copy_rank(item) < _copy_rank(first):
                        scan.articles[scan.articles.index(first)] = item
                        item, first = first, item
                        for kept in (item, first):  # both stories' keys now lead to the one kept
                            by_id[kept.id] = by_text[kept.text_hash] = first
                    scan.duplicates.append(Duplicate(item.path or item.id, first.path or first.id))
                    continue
                by_id[item.id] = item
                by_text[item.text_hash] = item
                scan.articles.append(item)
        if cache:
            cache.prune({str(Path(p).expanduser().resolve()) for p in paths}, seen)
        return scan

    def _read_cached(
        self, scope: Path, file: Path, scan: CorpusScan, cache: ScanCache, seen: set[tuple[str, str]]
    ) -> list[Article] | list[ArticleRef]:
        rel = _relative(scope, file)
        seen.add((str(scope), rel))
        try:
            stat = file.stat()
        except OSError:
            return self.read_file(scope, file, scan)  # reports why it cannot be read
        signature = f"{self.signature}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
        hit = cache.get(str(scope), rel)
        if hit is not None and hit[0] == signature:
            found = hit[1]
            for where, reason in found["skipped"]:
                scan.skipped.append(Skip(where, reason))
                scan.troubled_paths.add((str(scope), rel))
            scan.warnings += found["warnings"]
            return [ArticleRef(i, c, t, p, str(scope)) for i, c, t, p in found["articles"]]
        mine = CorpusScan()
        articles = self.read_file(scope, file, mine)
        scan.skipped += mine.skipped
        scan.warnings += mine.warnings
        scan.troubled_paths |= mine.troubled_paths
        # A file written in the last seconds may change again within the clock's resolution: read it next time too.
        if time.time() - stat.st_mtime > 2:
            found = {
                "articles": [[a.id, a.content_hash, a.text_hash, a.path] for a in articles],
                "skipped": [[s.path, s.reason] for s in mine.skipped],
                "warnings": mine.warnings,
            }
            cache.put(str(scope), rel, signature, found)
        return articles

    def load(self, refs: Iterable[ArticleRef]) -> dict[str, Article]:
        """The whole Articles behind refs, read again from their files (those still there and unchanged in id)."""
        wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
        for ref in refs:
            root = Path(ref.root or "")
            rel = (ref.path or "").split("#", 1)[0]
            wanted[(str(root), rel)].add(ref.id)
        out: dict[str, Article] = {}
        for (root_text, rel), ids in wanted.items():
            scope = Path(root_text)
            file = scope if scope.is_file() else scope / rel
            for article in self.read_file(scope, file, CorpusScan()):
                if article.id in ids and article.id not in out:
                    out[article.id] = article
        return out

    def files(self, paths: Iterable[Path], scan: CorpusScan | None = None) -> Iterator[tuple[Path, Path]]:
        """(scope, file) for every article file, in a stable order; scope is the corpus path it came from.

        What cannot be looked at is reported in ``scan`` (when given) and marked troubled, so a sync keeps
        what it indexed from there: an unreadable or vanished folder, a file name that is not UTF-8, a
        link that is broken, loops, or leads outside the corpus paths (followed only with
        corpus.follow_links_outside).
        """
        paths = list(paths)
        roots = []
        for given in paths:
            root = Path(given).expanduser()
            if not root.exists():
                raise CorpusPathError(
                    f"corpus path {given} does not exist (working directory: {Path.cwd()}). "
                    "Fix corpus.paths in the configuration or pass --corpus PATH."
                )
            roots.append(root.resolve())
        notes = scan if scan is not None else CorpusScan()
        for root in roots:
            if root.is_file():
                yield root, root
                continue
            for file in sorted(self._walk(root, roots, notes)):
                rel = _relative(root, file)
                if not _utf8(rel):
                    shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
                    notes.skipped.append(Skip(shown, "the file name is not valid UTF-8; rename the file"))
                    continue
                yield root, file

    def _walk(self, root: Path, roots: list[Path], scan: CorpusScan) -> Iterator[Path]:
        """Article files under ``root`` (hidden ones left out), following links only where allowed."""
        visited: set[Path] = set()
        pending = [root]
        while pending:
            folder = pending.pop()
            try:
                real = folder.resolve(strict=True)
                if real in visited:
                    continue
                visited.add(real)
                entries = list(os.scandir(folder))
            except OSError as exc:
                self._folder_trouble(root, folder, exc, scan)
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.name.startswith("."):
                    continue
                try:
                    if entry.is_symlink():
                        target = self._followed(root, path, roots, scan)
                        if target is None:
                            continue
                        is_dir = target.is_dir()
                    else:
                        is_dir = entry.is_dir()
                except OSError as exc:  # vanished while we looked
                    self._folder_trouble(root, path, exc, scan)
                    continue
                if is_dir:
                    pending.append(path)
                elif path.suffix.lower() in self.extensions:
                    yield path

    def _followed(self, root: Path, link: Path, roots: list[Path], scan: CorpusScan) -> Path | None:
        """A link's target when it may be followed; otherwise None, reported as a skip if it matters."""
        rel = _relative(root, link)
        looks_like_article = link.suffix.lower() in self.extensions
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            if looks_like_article or not link.suffix:
                loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40
                why = "is a link that loops" if loop else "is a broken link (its target does not exist)"
                self._skip(root, rel, f"{why}; remove it or point it at an article", scan)
            return None
        if not target.is_dir() and not looks_like_article:
            return None
        inside = any(target == r or r in target.parents for r in roots)
        if not inside and not self.settings.follow_links_outside:
            self._skip(
                root,
                rel,
                f"links to {target}, outside the corpus paths, so it is not followed; move the article into the "
                "corpus or set corpus.follow_links_outside = true",
                scan,
            )
            return None
        return target

    def _folder_trouble(self, root: Path, folder: Path, exc: OSError, scan: CorpusScan) -> None:
        rel = "." if folder == root else _relative(root, folder)
        if isinstance(exc, FileNotFoundError):
            reason = "folder vanished while it was read; what was indexed from it is kept until the next sync"
        elif exc.errno == errno.ENAMETOOLONG:
            reason = (
                "its path is longer than this system allows; what was indexed from it is kept. Move it, or "
                "shorten the folder names"
            )
        else:
            reason = f"folder cannot be read ({exc.strerror or exc}); what was indexed from it is kept. Check its permissions"
        self._skip(root, rel if _utf8(rel) else os.fsencode(rel).decode("utf-8", "backslashreplace"), reason, scan)
        scan.troubled_folders.add((str(root), rel))

    @staticmethod
    def _skip(root: Path, rel: str, reason: str, scan: CorpusScan) -> None:
        scan.skipped.append(Skip(rel, reason))
        scan.troubled_paths.add((str(root), rel))

    def read_file(self, root: Path, file: Path, scan: CorpusScan) -> list[Article]:
        """The articles in one file; ``root`` is its corpus path (a folder, or the file itself)."""
        rel = _relative(root, file)
        skip = _Notes(scan, root, rel)
        try:
            return self._read_file(root, file, rel, scan, skip)
        except Exception as exc:  # noqa: BLE001 - one unreadable file never stops the run or loses the others
            log.exception("reading %s failed", rel)
            skip(f"could not be read ({type(exc).__name__}: {str(exc)[:200]}); this is a newsbot bug, please report it")
            return []

    def _read_file(self, root: Path, file: Path, rel: str, scan: CorpusScan, skip: _Notes) -> list[Article]:

        suffix = file.suffix.lower()
        try:
            size = file.stat().st_size
            if size == 0:
                skip("empty file; add the article's text or remove the file")
                return []
            if suffix not in (".json", ".jsonl") and size > self.max_bytes:
                skip(
                    f"file is {size / 1e6:.1f} MB, over the {self.settings.max_article_mb:g} MB limit; "
                    "split it or raise corpus.max_article_mb"
                )
                return []
            data = file.read_bytes()
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                skip("its path is longer than this system allows; move it or shorten the folder names")
            else:
                skip(f"cannot be read ({exc.strerror or exc}); check its permissions")
            return []
        if b"\x00" in data[:8192] and unicode_with_bom(data) is None:
            skip("binary file, not text; remove it or give it another extension")
            return []
        text, warning = decode(data)
        if warning:
            scan.warnings.append(f"{rel}: {warning}")
        base = dict(root=str(root), path=rel)
        if suffix == ".jsonl":
            return self._jsonl(text, base, skip)
        if suffix == ".json":
            return self._json(text, base, skip)
        if suffix in (".html", ".htm"):
            record = extract_html(text)
            if record is None:
                skip("no article text found in the HTML; check it is an article page")
                return []
            return self._from_record(record, base, skip, where=rel, clean=True)
        return self._plain(text, base, skip, rel)

    # -- formats

    def _plain(self, text: str, base: dict[str, str], skip: Any, rel: str) -> list[Article]:
        meta, body = split_front_matter(text)
        cleaned = self.cleaner.clean(body)
        title = meta.get("title")
        if not cleaned.strip() and body.strip():
            if title:
                skip.warn("nothing but page furniture besides the headline; indexed the headline alone")
                cleaned = title
            else:
                skip.warn(FURNITURE_ONLY)
                cleaned = body.strip()
        if not title:
            first, _, rest = cleaned.partition("\n")
            if rest.strip():
                title, cleaned = _MARKDOWN_HEADING.sub("", first).strip() or first.strip(), rest.strip()
        meta = dict(meta, text=cleaned, title=title)
        return self._from_record(meta, base, skip, where=rel, clean=False)

    def _json(self, text: str, base: dict[str, str], skip: Any) -> list[Article]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            skip(f"line {exc.lineno}: not valid JSON ({_json_reason(exc)}); fix the file and run newsbot index again")
            return []
        except RecursionError:
            skip("JSON nested too deeply to be an article; fix the file and run newsbot index again")
            return []
        data = _without_lone_surrogates(data, lambda field: skip.warn(_SURROGATE.format(field=field)))
        records = data if isinstance(data, list) else [data]
        articles: list[Article] = []
        for number, record in enumerate(records, 1):
            where = base["path"] if len(records) == 1 else f"{base['path']}#{number}"
            if not isinstance(record, dict):
                skip(f"item {number} is not a JSON object; each article must be an object", where)
                continue
            articles += self._from_record(record, dict(base, path=where), skip, where=where, clean=True)
        return articles

    def _jsonl(self, text: str, base: dict[str, str], skip: Any) -> list[Article]:
        articles: list[Article] = []
        for number, line in enumerate(text.split("\n"), 1):
            if not line.strip():
                continue
            where = f"{base['path']}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                skip(
                    f"line {number}: not valid JSON ({_json_reason(exc)}); fix that line and run newsbot index again",
                    where,
                )
                continue
            except RecursionError:
                skip(f"line {number}: JSON nested too deeply to be an article; fix that line", where)
                continue
            if not isinstance(record, dict):
                skip(f"line {number}: not a JSON object; each line must hold one article object", where)
                continue
            record = _without_lone_surrogates(record, functools.partial(_warn_surrogate, skip, where))
            try:
                articles += self._from_record(record, dict(base, path=f"{base['path']}#L{number}"), skip, where, True)
            except Exception as exc:  # noqa: BLE001 - one record never costs the file's other records
                log.exception("reading %s failed", where)
                skip(
                    f"line {number}: could not be read ({type(exc).__name__}: {str(exc)[:200]}); this is a newsbot "
                    "bug, please report it; the file's other lines are indexed",
                    where,
                )
        return articles

    def _from_record(
        self, record: dict[str, Any], base: dict[str, str], skip: Any, where: str, clean: bool
    ) -> list[Article]:
        raw_text = text_of(pick(record, "text"))
        if raw_text is None or not raw_text.strip():
            skip("no article text (expected a text, body or content field); add the text or drop the record", where)
            return []
        if len(raw_text.encode("utf-8")) > self.max_bytes:
            skip(
                f"article text is over the {self.settings.max_article_mb:g} MB limit; raise corpus.max_article_mb",
                where,
            )
            return []
        title = pick(record, "title")
        title = " ".join(str(title).split()) if title else None
        body = self.cleaner.clean(raw_text) if clean else raw_text
        if not body.strip():
            if title:  # e.g. a captured page that kept only an ad widget: the headline is the story we have
                skip.warn("nothing but page furniture besides the headline; indexed the headline alone", where)
                body = title
            else:  # cleaning never loses an article: keep what is there and say so
                skip.warn(FURNITURE_ONLY, where)
                body = raw_text.strip()
        body, notes = not_words(body)
        for note in notes:
            skip.warn(note, where)
        if not body.strip():
            skip("no text besides data that is not words (NUL bytes, runs without a space); check the file", where)
            return []
        url = pick(record, "url")
        url = url.strip() if isinstance(url, str) and url.strip() else None
        problem = _bad_url(url)
        if url and problem:
            skip(f"the url {url[:200]!r} is not a web address ({problem}); fix the url field or remove it", where)
            return []
        record_id = pick(record, "id")
        first, _, rest = body.partition("\n")
        if title and rest.strip() and " ".join(first.split()).casefold() == title.casefold():
            body = rest.strip()  # the headline repeated as the first line of the text
        published = parse_date(pick(record, "published_at")) or date_from_url(url)
        source = pick(record, "source")
        if isinstance(source, dict):
            source = source.get("name")
        path = base["path"]
        if url:
            identity = normalise_url(url)
        elif record_id is not None:
            identity = str(record_id)
        else:
            identity = path
        return [
            Article(
                id=identity,
                title=title,
                text=body,
                url=url,
                source=str(source).strip() if source else source_from_url(url),
                authors=authors_of(pick(record, "authors")),
                published_at=published,
                path=path,
                record_id=str(record_id) if record_id is not None else None,
                root=base["root"],
            )
        ]


# A "word" longer than this is not one (base64 data, a minified blob): it would make a chunk of megabytes.
FURNITURE_ONLY = (
    "nothing but page furniture by the cleaning rules and no headline; indexed uncleaned. "
    "Check the text, or the rules in corpus.cleaning"
)


_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+|\s+#+\s*$")  # "# Title" and "## Title ##" are "Title"

_SURROGATE = (
    "the {field} field holds an escaped character that is half of a pair (a lone \\ud800-\\udfff); "
    "indexed with U+FFFD in its place. Fix the file's escaping"
)


def _without_lone_surrogates(value: Any, warn: Callable[[str], None], field: str = "", depth: int = 0) -> Any:
    """JSON may escape half a UTF-16 pair ("\\ud800"), which no text encoding can write: each becomes U+FFFD,
    once per field with a warning; a proper pair written as two escapes becomes its one character."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            warn(field or "text")
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if depth > 3:  # deeper than any field an article is read from (a list of records of authors' names)
        return value
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(k, warn, "a", depth + 1): _without_lone_surrogates(v, warn, str(k), depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_lone_surrogates(v, warn, field, depth + 1) for v in value]
    return value


def _copy_rank(item: Article | ArticleRef) -> tuple[int, str]:
    """Which of two files holding one story is the original: the shorter name (records of one file: the first)."""
    file = (item.path or item.id).split("#", 1)[0]
    return (len(file), file)


def _json_reason(exc: json.JSONDecodeError) -> str:
    """json's message, finished where it ends in "at" ("Invalid control character at" column 20)."""
    return f"{exc.msg} column {exc.colno}" if exc.msg.endswith(" at") else exc.msg


def _warn_surrogate(notes: _Notes, where: str, field: str) -> None:
    notes.warn(_SURROGATE.format(field=field), where)


def _bad_url(url: str | None) -> str | None:
    """Why ``url`` cannot be an article's address (a port out of range, a broken bracket), or None."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        return str(exc)
    return None


class _Notes:
    """Skips and warnings of one file, as the format readers report them."""

    def __init__(self, scan: CorpusScan, root: Path, rel: str) -> None:
        self.scan, self.root, self.rel = scan, root, rel

    def __call__(self, reason: str, where: str | None = None) -> None:
        self.scan.skipped.append(Skip(where or self.rel, reason))
        self.scan.troubled_paths.add((str(self.root), self.rel))

    def warn(self, message: str, where: str | None = None) -> None:
        self.scan.warnings.append(f"{where or self.rel}: {message}")


def _relative(root: Path, file: Path) -> str:
    """A file's path under its corpus path (a folder, or the file itself)."""
    return file.name if root == file else file.relative_to(root).as_posix()


def _utf8(name: str) -> bool:
    """Whether a file name (decoded by Python with surrogate escapes) is valid UTF-8."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
