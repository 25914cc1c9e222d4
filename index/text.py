"""The shared text helpers: sentences, query terms, day numbers and the dates users type.

Used across the rooms (ingest, store, search, answer) and by the front ends' renderers; nothing here
knows about storage or models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from newsbot.config.errors import UsageError

# ------------------------------------------------------------------------------------------- sentences

# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) before white space and
# a capital, digit or opening quote. Abbreviations below do not end sentences.
_BOUNDARY = re.compile(r"([.!?…][\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "st",
    "jr",
    "sr",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "approx",
    "dept",
    "est",
    "fig",
    "mt",
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int


# In plain-text formats people hard-wrap paragraphs: a single line break is white space there, and a
# paragraph ends at a blank line, before a list item or heading, or after a heading line.
SOFT_WRAP_SUFFIXES = (".txt", ".md", ".markdown")
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+•]\s|\d{1,3}[.)]\s|#{1,6}\s|>)")


def soft_wrapped(path: str | None) -> bool:
    """Whether an article's single line breaks are wrapping, not structure (its file is .txt or .md)."""
    return bool(path) and str(path).split("#", 1)[0].lower().endswith(SOFT_WRAP_SUFFIXES)


def _blocks(text: str, soft_wraps: bool) -> list[tuple[int, str]]:
    """(offset, body) of each run of text that a sentence never crosses."""
    lines = [(m.start(), m.group()) for m in re.finditer(r"[^\n]+", text)]
    if not soft_wraps:
        return lines
    blocks: list[tuple[int, str]] = []
    previous_end = -2
    previous_heading = False
    for start, line in lines:
        heading = line.lstrip().startswith("#")
        continues = (
            blocks
            and text[previous_end:start].count("\n") == 1  # no blank line between
            and not previous_heading
            and not _BLOCK_START.match(line)
            and line.strip()
        )
        if continues:
            block_start, _ = blocks[-1]
            blocks[-1] = (block_start, text[block_start : start + len(line)])
        elif line.strip():
            blocks.append((start, line))
        previous_end, previous_heading = start + len(line), heading
    return blocks


def sentence_spans(text: str, offset: int = 0, soft_wraps: bool = False) -> list[Span]:
    """Sentences of ``text`` as spans (shifted by ``offset``).

    A line break ends a sentence, except with ``soft_wraps`` (hard-wrapped .txt/.md articles), where
    only a blank line, a list item or a heading does; a sentence then spans the wrapped lines verbatim.
    """
    spans: list[Span] = []
    for start, body in _blocks(text, soft_wraps):
        base = start + offset
        cut = 0
        for match in _BOUNDARY.finditer(body):
            words = body[cut : match.start()].split()
            last = words[-1].lower() if words else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
            spans.append(Span(base + cut, base + match.end(1)))
            cut = match.end()
        tail = body.rstrip()
        if tail[cut:].strip():
            spans.append(Span(base + cut, base + len(tail)))
    return spans


# ---------------------------------------------------------------------------------------------- terms

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "recently",
        "recent",
        "week",
        "weeks",
        "this",
        "year",
        "new",
        "news",
        "said",
        "says",
    ]
)


def query_terms(text: str) -> list[str]:
    """Content words of a question, lower-cased, each once, in order."""
    seen: dict[str, None] = {}
    for word in re.findall(r"[^\W_]+", text.lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)


# Words by which a question asks about the present state of things or the latest turn of a story: recency
# ranks and reads only where a question says one of these (docs/architecture.md: Recency). The first kind asks
# for the latest turn without naming a time; the second names a time counted from the day the question is asked.
_LATEST_WORDS = r"latest|newest|most recent|currently|current|now|still|so far"
_CALENDAR_WORDS = (
    r"recent|recently|lately|as of|today|tonight|yesterday"
    r"|this (?:morning|week|weekend|month|year|season|summer|winter|spring|autumn|fall)"
    r"|(?:last|past|next|coming) (?:week|weekend|month|year|few days|few weeks|few months|\d+ (?:days|months))"
    r"|days ago|weeks ago|soon|upcoming"
)
_RECENT = re.compile(rf"\b({_LATEST_WORDS}|{_CALENDAR_WORDS})\b", re.IGNORECASE)
_LATEST = re.compile(rf"\b({_LATEST_WORDS})\b", re.IGNORECASE)
_CALENDAR = re.compile(rf"\b({_CALENDAR_WORDS})\b", re.IGNORECASE)


def asks_for_recency(question: str) -> bool:
    """Whether a question is about now or the latest turn ("latest", "this week", "now", "still", "recently",
    "soon", "next month", "over the last 12 months"): a question that names a time relative to when it is asked."""
    return bool(_RECENT.search(question))


def time_phrases(question: str) -> list[str]:
    """The phrases of a question that say when, not what ("this week", "latest", "recently"): the words
    asks_for_recency reads."""
    return [m.group() for m in _RECENT.finditer(question)]


def asks_for_latest(question: str) -> bool:
    """Whether a question asks for the latest turn of its story and names no time ("What is the latest cost
    estimate for the footbridge repairs?", "How many boats fish now?"): the newest report of that story answers
    it however long ago it came, so its recency counts back from that report, not from the day it is asked
    (search.recency_day). "The latest ... this week" names a week, and counts back from the as-of day."""
    return bool(_LATEST.search(question)) and not _CALENDAR.search(question)


# ----------------------------------------------------------------------------------------------- dates

EPOCH = date(1970, 1, 1)

# The day number of an undated article: far below any date's (year 1 is day -719,162), so "undated" never
# collides with a real day, and `day <= as-of` passes it as the rule says (an as-of date never excludes it).
UNDATED = -1_000_000_000
OLD_UNDATED = -1  # what indexes made before this rule hold for "undated" (converted by the next sync)


def day_number(value: date | None) -> int:
    """Days since 1970-01-01, for Chroma range filters; UNDATED for an undated article."""
    return (value - EPOCH).days if value else UNDATED


def is_dated(day: int) -> bool:
    return day > UNDATED


def from_day_number(day: int) -> date:
    return EPOCH + timedelta(days=day)


DATE_HINT = "write it as YYYY-MM-DD, e.g. 2022-06-12"


# The time zone where a day starts first (Kiribati, UTC+14).
_FIRST_ZONE = timezone(timedelta(hours=14))


def today() -> date:
    """The default as-of day: the newest date anywhere on Earth now, so an article dated today in any time
    zone (published an hour ago, stamped +14:00) is never hidden by the machine's own time zone."""
    return datetime.now(_FIRST_ZONE).date()


def parse_day(value: str, field: str) -> date:
    """A date a user typed as YYYY-MM-DD; ``field`` is how the front end spells the option (``since=``)."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"{field}{value} is not a date; {DATE_HINT}") from None


def stem(word: str) -> str:
    """A light suffix stripper, so "seize", "seized" and "seizes" (or "race", "raced") meet."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


# The past forms of common irregular verbs, so "Who built ...?" meets "... will build ..." (loose_stem).
_IRREGULAR = dict(
    re.findall(
        r"(\w+):(\w+)",
        """
    became:become began:begin begun:begin bore:bear born:bear bought:buy broke:break broken:break brought:bring
    built:build came:come caught:catch chose:choose chosen:choose drew:draw drawn:draw drove:drive driven:drive
    ate:eat eaten:eat fell:fall fallen:fall felt:feel fled:flee flew:fly flown:fly fought:fight found:find
    froze:freeze gave:give given:give got:get went:go gone:go grew:grow grown:grow heard:hear held:hold hid:hide
    hung:hang kept:keep knew:know known:know laid:lay led:lead left:leave lost:lose made:make meant:mean met:meet
    paid:pay ran:run rode:ride rose:rise said:say sang:sing sung:sing sat:sit saw:see seen:see sent:send sold:sell
    sought:seek spent:spend spoke:speak spoken:speak stood:stand struck:strike swam:swim taught:teach took:take
    taken:take thought:think threw:throw thrown:throw told:tell understood:understand woke:wake won:win wore:wear
    wrote:write written:write
    """,
    )
)
LOOSE_PREFIX = 5  # loose words meet when one begins the other and they share this many letters


def loose_stem(word: str) -> str:
    """``stem`` after undoing an irregular past form, less a doubled last consonant ("winning" -> "win"), with a
    last "y" after a consonant read as "i" ("carry", "carries" -> "carri") and British "-our" and "-tre" read as
    American ("neighbours" -> "neighbor"): the form ``loosely_in`` compares."""
    word = word.lower()
    out = stem(_IRREGULAR.get(word, word))
    if len(out) >= 4 and out[-1] == out[-2] and out[-1] not in "aeiouylsz":
        out = out[:-1]
    if len(out) >= 4 and out[-1] == "y" and out[-2] not in "aeiou":
        out = out[:-1] + "i"
    if len(out) >= 5 and out.endswith("our"):  # British spelling: "neighbour", "harbour" -> "neighbor", "harbor"
        out = out[:-3] + "or"
    elif len(out) >= 4 and out.endswith("tr"):  # "centre", "metres", "theatre" (stemmed "centr") -> "center"
        out = out[:-2] + "ter"
    return out


def loosely_in(word: str, words: set[str], prefix: bool = True) -> bool:
    """Whether a loose stem meets one of ``words`` (loose stems too): the same, one the other's doer ("owns",
    "owner"; "bakes", "baker"; "directs", "director"; "edits", "editor": a stem of four letters or more, so "door"
    is not a doer of "do"), or (with ``prefix``) one begins the other with at least LOOSE_PREFIX letters in common
    ("design", "designer"; "verified", "verification")."""
    if word in words or _doer(word) in words or (len(word) >= 4 and word + "or" in words):
        return True
    if word.endswith("er") and {word[:-2], word[:-1]} & words:  # the doer of one of them: "owner", "baker"
        return True
    if word.endswith("or") and len(word) >= 6 and word[:-2] in words:  # "director", "directs"; "editor", "edits"
        return True
    if not prefix or len(word) < LOOSE_PREFIX:
        return False
    return any(len(w) >= LOOSE_PREFIX and (w.startswith(word) or word.startswith(w)) for w in words)


def _doer(word: str) -> str:
    """The loose stem of who does ``word``: "own" -> "owner"; "bake" -> "baker"."""
    return word + "r" if word.endswith("e") else word + "er"
