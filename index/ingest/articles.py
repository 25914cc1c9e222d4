"""Reading articles from files: formats, cleaning, identity, dates, and bad input reported, never raised."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsbot.config.settings import CleaningSettings, CorpusSettings
from newsbot.index.errors import CorpusPathError

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


# ---------------------------------------------------------------------------------------------- cleaning


class Cleaner:
    """Removes page furniture line by line; every kept sentence stays verbatim."""

    def __init__(self, settings: CleaningSettings) -> None:
        self.enabled = settings.enabled
        self._line = [re.compile(p) for p in settings.line_patterns + settings.extra_line_patterns]
        self._inline = [re.compile(p) for p in settings.inline_patterns]

    def clean_line(self, line: str) -> str:
        if not self.enabled:
            return line.rstrip()
        for pattern in self._inline:
            line = pattern.sub("", line)
        stripped = line.strip()
        if any(pattern.fullmatch(stripped) for pattern in self._line):
            return ""
        return line.rstrip()

    def clean(self, text: str) -> str:
        """Drop furniture lines, trim line ends and fold runs of blank lines into one."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
        out: list[str] = []
        for raw in text.split("\n"):
            line = self.clean_line(raw).strip()
            if line:
                out.append(line)
            elif out and out[-1] != "":
                out.append("")
        return "\n".join(out).strip()


# ---------------------------------------------------------------------------------------------- metadata

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


def _pick(record: dict[str, Any], key: str) -> Any:
    for alias in ALIASES[key]:
        value = record.get(alias)
        if value not in (None, "", []):
            return value
    return None


def _authors(value: Any) -> tuple[str, ...]:
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


def _text_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None


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
                    # Same URL/id (another capture of the story) or the same text: index it once.
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
            skip(f"cannot be read ({exc.strerror or exc}); check its permissions")
            return []
        if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
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
                title, cleaned = first.strip(), rest.strip()
        meta = dict(meta, text=cleaned, title=title)
        return self._from_record(meta, base, skip, where=rel, clean=False)

    def _json(self, text: str, base: dict[str, str], skip: Any) -> list[Article]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            skip(f"line {exc.lineno}: not valid JSON ({exc.msg}); fix the file and run newsbot index again")
            return []
        except RecursionError:
            skip("JSON nested too deeply to be an article; fix the file and run newsbot index again")
            return []
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
                skip(f"line {number}: not valid JSON ({exc.msg}); fix that line and run newsbot index again", where)
                continue
            except RecursionError:
                skip(f"line {number}: JSON nested too deeply to be an article; fix that line", where)
                continue
            if not isinstance(record, dict):
                skip(f"line {number}: not a JSON object; each line must hold one article object", where)
                continue
            articles += self._from_record(record, dict(base, path=f"{base['path']}#L{number}"), skip, where, True)
        return articles

    def _from_record(
        self, record: dict[str, Any], base: dict[str, str], skip: Any, where: str, clean: bool
    ) -> list[Article]:
        raw_text = _text_of(_pick(record, "text"))
        if raw_text is None or not raw_text.strip():
            skip("no article text (expected a text, body or content field); add the text or drop the record", where)
            return []
        if len(raw_text.encode("utf-8")) > self.max_bytes:
            skip(
                f"article text is over the {self.settings.max_article_mb:g} MB limit; raise corpus.max_article_mb",
                where,
            )
            return []
        title = _pick(record, "title")
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
        url = _pick(record, "url")
        url = url.strip() if isinstance(url, str) and url.strip() else None
        record_id = _pick(record, "id")
        first, _, rest = body.partition("\n")
        if title and rest.strip() and " ".join(first.split()).casefold() == title.casefold():
            body = rest.strip()  # the headline repeated as the first line of the text
        published = parse_date(_pick(record, "published_at")) or date_from_url(url)
        source = _pick(record, "source")
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
                authors=_authors(_pick(record, "authors")),
                published_at=published,
                path=path,
                record_id=str(record_id) if record_id is not None else None,
                root=base["root"],
            )
        ]


# A "word" longer than this is not one (base64 data, a minified blob): it would make a chunk of megabytes.
LONGEST_WORD = 1000
_NOT_A_WORD = re.compile(r"\S{" + str(LONGEST_WORD + 1) + ",}")


def not_words(text: str) -> tuple[str, list[str]]:
    """The text without NUL bytes and runs of more than LONGEST_WORD characters without a space, and what was
    left out, said in words (the file keeps them; quotes come from what is indexed)."""
    notes = []
    nuls = text.count("\x00")
    if nuls:
        text = text.replace("\x00", "")
        notes.append(f"{nuls} NUL byte{'s' if nuls != 1 else ''} left out (not text)")
    runs = _NOT_A_WORD.findall(text)
    if runs:
        text = _NOT_A_WORD.sub("", text)
        notes.append(
            f"{len(runs)} run{'s' if len(runs) != 1 else ''} of over {LONGEST_WORD:,} characters without a space "
            f"left out ({sum(map(len, runs)):,} characters; not words, e.g. encoded data)"
        )
    return text, notes


FURNITURE_ONLY = (
    "nothing but page furniture by the cleaning rules and no headline; indexed uncleaned. "
    "Check the text, or the rules in corpus.cleaning"
)


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


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_WESTERN = "\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac"


def _reads_as_latin(text: str) -> bool:
    """Whether cp1252-decoded text looks like a Western European language: Latin characters only, and accented
    letters a minority of the letters (Cyrillic or Greek bytes read as cp1252 come out nearly all accented)."""
    if not all(ch.isascii() or "\u00a0" <= ch <= "\u017f" or ch in _WESTERN for ch in text):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    accented = sum(1 for ch in letters if not ch.isascii())
    return not letters or accented <= 0.3 * len(letters)


def decode(data: bytes) -> tuple[str, str | None]:
    """Text from bytes: UTF-8 (with or without BOM), else the detected encoding, else UTF-8 with replacements."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a bad copy, a cut): keep it UTF-8 and replace only what is broken.
    # Text in another encoding almost never holds well-formed UTF-8 sequences.
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if len(_UTF8_SEQUENCE.findall(data)) >= broken:
        return text, (
            f"{broken} byte{'s' if broken != 1 else ''} not valid UTF-8, replaced with U+FFFD (the rest is UTF-8); "
            "fix or re-save the file as UTF-8"
        )
    from charset_normalizer import from_bytes

    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and _reads_as_latin(western):
        # Western European text: like browsers, take windows-1252 (detectors guess wildly on short text).
        return western, "not UTF-8; read as cp1252. Save it as UTF-8 to be sure of the text"
    best = from_bytes(data).best()
    if best is not None and best.encoding:  # e.g. Cyrillic in cp1251, which cp1252 turns into accented Latin
        return str(best), f"not UTF-8; read as {best.encoding}. Save it as UTF-8 to be sure of the text"
    if western is not None:
        return western, "not UTF-8; read as cp1252. Save it as UTF-8 to be sure of the text"
    return (
        data.decode("utf-8", errors="replace"),
        "undecodable bytes replaced with U+FFFD; save the file as UTF-8",
    )


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``---`` delimited ``key: value`` lines at the top of a .txt/.md file, and the rest."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, min(len(lines), 60)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, text
    meta: dict[str, Any] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip().strip("\"'")
        key = key.strip().lower()
        if value.startswith("[") and value.endswith("]"):
            meta[key] = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
        else:
            meta[key] = value
    return meta, "\n".join(lines[end + 1 :])


def extract_html(markup: str) -> dict[str, Any] | None:
    """Main text and metadata of a news page, by trafilatura (boilerplate removal made for news)."""
    import trafilatura

    document = trafilatura.bare_extraction(
        markup, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = data.get("text")
    if not text or not text.strip():
        return None
    return {
        "title": html_lib.unescape(data["title"]) if data.get("title") else None,
        "text": text,
        "url": data.get("url"),
        "source": data.get("sitename"),
        "authors": data.get("author"),
        "published_at": data.get("date"),
    }
