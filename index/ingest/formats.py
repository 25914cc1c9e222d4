"""The file formats newsbot reads: bytes decoded (UTF-8, or cp1252 when it reads as such), front matter, HTML."""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from typing import Any

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


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Longest first: UTF-32-LE's mark starts with UTF-16-LE's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def unicode_with_bom(data: bytes) -> tuple[str, None] | None:
    """The text of a file that starts with a Unicode byte-order mark and is that encoding throughout, reading
    as text (few unassigned, private-use or control characters); None otherwise (no mark, or a mark that
    lies: random bytes, or text in another encoding after it)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            odd = sum(
                1 for c in text if unicodedata.category(c) in ("Cn", "Co", "Cs") or (c < " " and c not in "\t\n\r\f")
            )
            return (text, None) if odd <= 0.02 * max(1, len(text)) else None
    return None


def decode(data: bytes) -> tuple[str, str | None]:
    """Text from bytes: UTF-8 (with or without BOM), else the detected encoding, else UTF-8 with replacements."""
    if data.startswith(_UTF16_BOMS) and not data.startswith(b"\xff\xfe\x00\x00") and b"\x00" not in data[2:]:
        try:  # a UTF-16 mark before UTF-8 text (UTF-16 text is almost never valid UTF-8 too)
            return data[2:].decode("utf-8"), "a UTF-16 byte-order mark before UTF-8 text; read as UTF-8"
        except UnicodeDecodeError:
            pass
    unicode = unicode_with_bom(data)
    if unicode is not None:
        return unicode
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 mark before text that is not UTF-8 (cp1252, say): the mark is no part of it
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
