"""The reading stage: which sentence of the retrieved passages answers the question, which words of it are
the short answer, and whether the passages answer the question at all.

Three small logistic models over features the pipeline already has or computes cheaply (embedding
similarity, IDF-weighted coverage of the question's terms from the BM25 index, answer type, the
passage's rank and fused score, recency, position in the article; for the short answer, agreement between
articles). They are
fitted on data, not by hand: ``newsbot eval --fit`` (index/eval/fitting.py) writes ``reader_weights.json``
beside this file, with the command and the figures of the fit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.config.errors import ReaderError
from newsbot.index.search import CONTEXT_WEIGHT, Passage
from newsbot.index.text import (
    STOPWORDS,
    UNDATED,
    asks_for_recency,
    from_day_number,
    is_dated,
    loose_stem,
    loosely_in,
    query_terms,
    sentence_spans,
    soft_wrapped,
    stem,
    time_phrases,
)

WEIGHTS_FILE = Path(__file__).with_name("reader_weights.json")

# Cheap features, known for every sentence before anything is embedded (they choose the shortlist).
SHORTLIST_FEATURES = (
    "bias",
    "idf_cov",
    "title_cov",
    "cov",
    "typed",
    "untyped",
    "rank",
    "pscore",
    "early",
    "length",
    "recent",
    "dated",
    "in_title",
    "near",
    "rel_idf",
    "prev_cov",
)
# With the sentence's own embedding similarity to the question and its passage's.
SENTENCE_FEATURES = SHORTLIST_FEATURES + ("dense", "rel_dense", "pdense")
SPAN_FEATURES = (
    "bias",
    "sentence",
    "typed",
    "near",
    "agree",
    "in_title",
    "length",
    "initial",
    "name",
    "number",
    "date",
)
ANSWERABILITY_FEATURES = (
    "bias",
    "logit",
    "sentence",
    "span",
    "agree",
    "pdense",
    "idf_cov",
    "dense",
    "title_cov",
    "typed",
    "stale",
    "absent",
)

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_ABBR = r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred|thousand|million|billion"


# --------------------------------------------------------------------------------------- answer types


# A question about a cost, a payment or a price; "How much is a beer at the taproom?" asks a price as "How much does a
# beer cost?" and "What does a bag of apples cost?" do.
_COSTS = re.compile(
    r"\bhow much\b.*\b(cost|costs|pay|paid|spend|spent|raise|raised|worth|price|fine|fined|earn|earned)\b"
    r"|\bhow much (?:is|are|was|were) (?:a|an|the|one)\b|\bwhat (?:does|do|did|will|would) .*\bcost\b",
    re.IGNORECASE,
)


# "How deep is the reservoir?", "How strong were the winds?": a size, a speed or a temperature is a number. Those of
# _MEASURED_WITH_UNITS need a figure with its unit too (_MEASURE).
_MEASURED_WITH_UNITS = "far|tall|deep|wide|fast|hot|cold|warm|heavy"
_MEASURES = f"{_MEASURED_WITH_UNITS}|big|large|high|long|strong"


def expected_type(question: str) -> str | None:
    """What kind of answer a question asks for, from its wh-words: money, number, date, name or None."""
    q = question.lower()
    if _COSTS.search(q) or re.search(r"\bwhat (percentage|percent|share|amount)\b", q):
        return "money"
    if re.search(rf"\bhow (?:much|many|old|often|{_MEASURES})\b|\bwhat number\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat (year|day|date|month|time)\b", q):
        return "date"
    if re.search(
        r"\bwho(m|se)?\b|\bwhich\b|\bwhere\b|\bwhat (is|are|was|were)\b[^?]{0,40}\bcalled\b"
        r"|\bwhat (is|are|was|were|will be) (the|their|his|her|its) names?\b",
        q,
    ):
        return "name"  # "which show", "which two countries", "which of the following cities": a proper name
    return None


# "Why is Stone Oven Pizza closing?", "What caused the Larch Creek fire?": a question that asks for a cause or a reason
# (asks_cause). No span answers it; a sentence that gives one says so in words news uses for causes and reasons:
# "because of a hard frost", "was started by a campfire", "began in an electrical panel", "blaming falling demand",
# "she wants to retire". The question's own verb is not one ("What caused the fire?" against "...caused heavy
# damage"), so "caused" counts only as "caused by".
_ASKS_CAUSE = re.compile(r"\bwhy\b|\bwhat (?:caused|started|sparked|triggered|prompted|led to)\b", re.IGNORECASE)
_CAUSE = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|result of|caused by|cause of|reasons?|blam(?:e|es|ed|ing)"
    r"|(?:started|set|sparked|triggered) by|(?:began|started) (?:in|with|when|after)|so that|in order to|led to"
    r"|lack of|shortage of|unable to|could not|couldn't|can no longer|retir(?:e|es|ed|ing|ement))\b",
    re.IGNORECASE,
)


def asks_cause(question: str) -> bool:
    """Whether a question asks why, or what caused something (_ASKS_CAUSE)."""
    return bool(_ASKS_CAUSE.search(question))


_MONEY = re.compile(r"[$€£¥]|%|\b(percent|dollars?|euros?|pounds?|yuan|yen|million|billion|trillion)\b", re.IGNORECASE)


def is_kind(span: Span, kind: str) -> bool:
    """Whether a span is of the kind a question asks for (an amount of money is a number with a unit)."""
    if kind == "money":
        return span.kind == "number" and bool(_MONEY.search(span.text))
    return span.kind == kind


# "How old" is answered by an age or a year, not by any number: "The 29-year-old teacher from Harlow...", "Fontaine,
# 58, said...", "He was 88.", "a water main laid in 1931"; not "...won in 1 hour 12 minutes and 45 seconds". News
# style gives ages in figures. A person's age ("How old is she?") is a year only where it is a birth year: "...had
# finished second in 2025" and "...rebuilding the 1904 movement" do not say how old he is. A question of how old is
# answered only by a sentence that holds one (``counted``, says_what_is_asked).
_HOW_OLD = re.compile(r"\bhow old\b", re.IGNORECASE)
_HOW_OLD_PERSON = re.compile(r"\bhow old (?:is|was) (?:he|she)\b", re.IGNORECASE)
_AGE = re.compile(
    r"\b\d{1,3}[- ]years?[- ]old\b|,\s\d{1,3}[,.;]|\(\d{1,3}\)|\b(?:aged?|age of)\s\d{1,3}\b"
    r"|\b(?:is|was|at|turned|turns)\s\d{1,3}(?=[.,;)]|\s+(?:years|when|on|in|and|he|she|they)\b)",
    re.IGNORECASE,
)
# "How long" is answered by a length of time, also one without a figure ("Tools can be borrowed for a week at a
# time") or counted from when it began ("Owner Greta Holm, who has run the bakery since 2009").
_HOW_LONG = re.compile(r"\bhow long\b", re.IGNORECASE)
_YEAR_DIGITS = r"(?:1[5-9]|20)\d\d"
_DURATION = re.compile(
    r"\b(?:an?|one|half an?) (?:minute|hour|day|night|week|month|season|year|decade|century)\b"
    rf"|\bsince (?:{_YEAR_DIGITS}|{_MONTHS})\b",
    re.IGNORECASE,
)
# "How deep is the quarry?" is answered by a depth, not by the year it closed or what it sold for: a question of
# a distance, a height, a depth, a width, a speed, a temperature or a weight needs a figure with its unit ("180
# feet", "a 6.5-mile stretch", "1,412 pounds", "92 degrees"). "How big", "how high" and "how strong" are left out:
# a budget, a price or a share can answer them ("How big is the town budget?", "How high will taxes go?").
_HOW_MEASURED = re.compile(rf"\bhow (?:{_MEASURED_WITH_UNITS})\b", re.IGNORECASE)
_MEASURE = re.compile(
    r"\d(?:[\d,.]*\d)?(?:-|\s)?(?:feet|foot|ft|inch(?:es)?|yards?|miles?|meters?|metres?|kilomet(?:er|re)s?|km|"
    r"centimet(?:er|re)s?|cm|mm|mph|km/h|knots?|degrees?|°|pounds?|lbs?|ounces?|oz|tons?|tonnes?|kilograms?|kg|"
    r"grams?|stor(?:y|ies|eys?)|floors?)\b|°|\bbelow (?:zero|freezing)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(rf"\b{_YEAR_DIGITS}\b")
_BIRTH_YEAR = re.compile(rf"\bborn\b(?:\s+\w+){{0,4}}?\s+{_YEAR_DIGITS}\b", re.IGNORECASE)


# "What is the name of the second ferry?" is not answered by "...due from the shipyard in Maine": a name right after
# "in", "at", "from" or "near" says where something is, not what it is called. ("to" is left out: "born to Juniper",
# "sold to Harborline Partners" name who, not where.)
_NAME_OF = re.compile(r"\bwhat (?:is|are|was|were|will be) (?:the|their|his|her|its) names?\b", re.IGNORECASE)
_WHERE_BEFORE = re.compile(r"\b(?:in|at|from|near)\s+(?:the\s+)?$", re.IGNORECASE)
# "Where is she from?" is answered by a name where a place stands ("The 29-year-old teacher from Harlow", "Priya
# Natarajan of Boulder"), not by any name ("Keiko Tanaka won the Kestrel Bay Half Marathon"). A day or a month there
# ("on Sunday", "in March") is no place, nor is one the conversation already named (has_type).
_WHERE = re.compile(r"\bwhere\b", re.IGNORECASE)
_PLACE = re.compile(
    r"\b(?i:in|at|from|of|near|on|into|outside|inside|across|along|off|toward|towards|through|around|between)"
    r"\s+(?:the\s+)?([A-Z][\w'’-]*)"
)
_TIMES = frozenset(f"{_MONTHS}|{_DAYS}".split("|"))


def has_type(sentence: str, kind: str, question: str, context: str = "") -> bool:
    """Whether a sentence holds something of the expected kind that the question does not already say; for "how
    old", an age or a year (_AGE, _YEAR; of "he" or "she", only a birth year); for "what is the name of", a name
    that does not stand where a place does (_WHERE_BEFORE); for "where", a name that does (_PLACE), other than a day
    or a month ("in Tuesday's vote") and other than a place the question or the conversation before it
    (``context``) already named: "Where did he go to college?" after "Who won the mayor's race?" is not answered by
    "...the next mayor of Kestrel Bay"."""
    if kind == "cause":
        return any(m.group().lower() not in question.lower() for m in _CAUSE.finditer(sentence))
    if kind == "number" and _HOW_LONG.search(question) and _DURATION.search(sentence):
        return True
    if kind == "number" and _HOW_OLD.search(question):
        years = _BIRTH_YEAR if _HOW_OLD_PERSON.search(question) else _YEAR
        return any(m.group() not in question for m in (*_AGE.finditer(sentence), *years.finditer(sentence)))
    if kind == "name" and _WHERE.search(question):
        said = _stems(f"{question} {context}")
        places = (re.sub(r"['’]s$", "", m.group(1)).lower() for m in _PLACE.finditer(sentence))
        return any(stem(p) not in said and p not in _TIMES for p in places)
    spans = answer_spans(sentence, question)
    if kind == "name" and _NAME_OF.search(question):
        return any(is_kind(s, kind) and not _WHERE_BEFORE.search(sentence[: s.start]) for s in spans)
    return any(is_kind(span, kind) for span in spans)


@dataclass(frozen=True)
class Span:
    """Words of a sentence that could be the short answer: ``text == sentence[start:end]``."""

    start: int
    end: int
    text: str
    kind: str  # name, number, date


_CAP = r"(?:[a-z]{1,3}-)?[A-Z][\w'’.&-]*"
_CONNECT = r"(?:of|the|de|la|le|del|da|du|der|van|von|al|bin|el|\d+)"
_NAME = re.compile(rf"“[^”]{{2,80}}”|\"[^\"]{{2,80}}\"|{_CAP}(?:\s+(?:{_CONNECT}\s+)*{_CAP})*")
# Where one name run holds several answers: "Former South Carolina Gov. Nikki Haley", "Elon Musk's Twitter".
_NAME_PARTS = re.compile(
    r"['’]s\s+|\s*\b(?:Former|Gov\.|Governor|President|Vice President|Prime Minister|Minister|Sen\.|Senator|Rep\.|"
    r"CEO|Chief Executive|Secretary|Chancellor|King|Queen|Prince|Princess|Judge|Justice|Coach|Director|Chairman|"
    r"Pope|Gen\.|General|Dr\.|Mr\.|Mrs\.|Ms\.|Star|Singer|Rapper|Actor|Actress)(?!\w)\s*"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS}|(?:{_MONTH_ABBR})\.?)\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|(?:{_MONTHS})\s+\d{{4}}|(?:{_DAYS})|(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    rf"(?:[$€£¥]\s?)?\b\d[\d,.]*(?:\s?(?:%|percent\b|(?:million|billion|trillion|thousand)\b))?"
    rf"(?:\s(?:dollars|euros|pounds|people|years|points|votes|seats|feet|miles|degrees)\b)?"
    rf"|\b(?:{_NUMBER_WORDS})(?:[\s-](?:{_NUMBER_WORDS}))*\b",
    re.IGNORECASE,
)


# Words that begin a sentence, not a name ("But The New York Times": "But", "The").
_FUNCTION_WORDS = STOPWORDS - {"new", "news", "year", "week", "weeks", "recent", "recently", "said", "says"}


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


@lru_cache(maxsize=256)
def _stems(text: str) -> frozenset[str]:
    """A text's words, stemmed: a question's (and its conversation's) once, not once for each sentence read."""
    return frozenset(stem(w) for w in _words(text))


@lru_cache(maxsize=4096)
def answer_spans(sentence: str, question: str) -> tuple[Span, ...]:
    """Names, numbers and dates in a sentence that hold at least one word the question does not say.

    Cached: the reader asks for one sentence's spans three times (answer type, pool features, short answer).

    A name run that holds titles or a possessive also gives its parts ("Former South Carolina Gov.
    Nikki Haley": "South Carolina", "Nikki Haley"); the reader's span model chooses among them.
    """
    asked = {stem(w) for w in _words(question)}
    spans: dict[tuple[int, int], Span] = {}
    typed: list[Span] = []

    def add(start: int, text: str, kind: str) -> None:
        if kind == "name":
            # a capital at the start of a sentence is no name: drop leading common words ("The", "But")
            while True:
                first = re.match(r"[\w'’.&-]+\s*", text)
                if first and first.group().strip().lower() in _FUNCTION_WORDS and len(first.group()) < len(text):
                    start += first.end()
                    text = text[first.end() :]
                    continue
                break
            text = re.sub(r"['’]s$", "", text)
            if text.lower() in _FUNCTION_WORDS:
                return
        text = text.rstrip(".,'’ ")
        end = start + len(text)
        if not text or (kind != "date" and any(t.start <= start and end <= t.end for t in typed)):
            return  # inside a date or number already found
        words = [w for w in _words(text) if w not in STOPWORDS]
        if not words or all(stem(w) in asked for w in words):
            return
        spans.setdefault((start, end), Span(start, end, text, kind))
        if kind != "name":
            typed.append(spans[(start, end)])

    for kind, pattern in (("date", _DATE), ("number", _NUMBER), ("name", _NAME)):
        for match in pattern.finditer(sentence):
            add(match.start(), match.group(), kind)
            if kind == "name" and not match.group().startswith(("“", '"')):
                cut = match.start()
                for part in _NAME_PARTS.split(match.group()):
                    at = sentence.find(part, cut) if part else -1
                    if at >= 0 and part.strip() and len(part) < len(match.group()):
                        add(at, part, kind)
                        cut = at + len(part)
    return tuple(sorted(spans.values(), key=lambda s: (s.start, s.end)))


# --------------------------------------------------------------------------------------- the models


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class LinearModel:
    """A fitted logistic model: P = sigmoid(weights . features)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]

    def logit(self, values: dict[str, float]) -> float:
        """A feature the model weighs but ``values`` lacks is a bug (a misspelt name), never a silent zero."""
        try:
            return float(sum(w * values[name] for name, w in zip(self.features, self.weights, strict=True)))
        except KeyError as exc:
            raise KeyError(f"the reader was given no feature {exc.args[0]!r} (it has {sorted(values)})") from None

    def prob(self, values: dict[str, float]) -> float:
        return _sigmoid(self.logit(values))


@dataclass(frozen=True)
class ReaderModels:
    shortlist: LinearModel
    sentence: LinearModel
    span: LinearModel
    answerability: LinearModel
    min_confidence: float  # the fitted calibration; answer.min_confidence overrides it when set
    min_span: float  # show a short answer only when its span is at least this likely

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReaderModels:
        known = {
            "shortlist": SHORTLIST_FEATURES,
            "sentence": SENTENCE_FEATURES,
            "span": SPAN_FEATURES,
            "answerability": ANSWERABILITY_FEATURES,
        }

        def model(name: str) -> LinearModel:
            part = data[name]
            unknown = [f for f in part["features"] if f not in known[name]]
            if unknown or len(part["features"]) != len(part["weights"]):
                raise ValueError(f"the {name} model names features this reader does not make: {unknown}")
            return LinearModel(tuple(part["features"]), tuple(float(w) for w in part["weights"]))

        return cls(
            model("shortlist"),
            model("sentence"),
            model("span"),
            model("answerability"),
            float(data["min_confidence"]),
            float(data["min_span"]),
        )


@lru_cache(maxsize=4)
def load_models(path: str = str(WEIGHTS_FILE)) -> ReaderModels:
    """The fitted reader (index/answer/reader_weights.json unless another file is named)."""
    try:
        return ReaderModels.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ReaderError(
            f"cannot read the reader's weights {path} ({type(exc).__name__}: {exc}); "
            "point answer.weights at a file written by `newsbot eval --fit`, or unset it to use the shipped one"
        ) from None


# --------------------------------------------------------------------------------------- reading


@dataclass
class Sentence:
    """A sentence of a retrieved passage, with its features and (once read) its probability."""

    passage_rank: int
    passage: Passage
    start: int  # in the article's cleaned text
    end: int
    text: str
    features: dict[str, float]
    logit: float = 0.0  # the sentence model's score
    prob: float = 0.0  # its share of the shortlist: softmax of the logits (the answer is here, if anywhere)


@dataclass(frozen=True)
class Reading:
    """What the reader found: sentences best first, the short answer, and its confidence that it answers."""

    sentences: tuple[Sentence, ...]
    best: Sentence | None
    span: Span | None  # offsets inside best.text
    span_prob: float
    confidence: float

    def answers(self, min_confidence: float) -> bool:
        """Whether this reading is an answer: confident enough, and its quote says something of what was asked."""
        return self.best is not None and self.confidence >= min_confidence and says_what_is_asked(self.best)


# A question half of whose asked words no passage read holds asks about what the articles do not cover.
MISSING_LIMIT = 0.5


def says_what_is_asked(sentence: Sentence) -> bool:
    """Whether a sentence, or the one before it, holds a word of what its question asks beyond the names and the
    kind of answer (``asked``; asked_words). "Who owns the Dunmore Pilots?" is not answered by "...a 5-4 loss to
    the Dunmore Pilots": the names are there, the owning is not. A question that asks nothing beyond its names
    ("How old is Delia Fontaine?") passes. A question that asks how much or how many is answered only by a
    sentence that holds a number (``counted``; for how many, a count, not only a share or a sum: counts_something;
    for how many of a thing, none when no passage read counts that thing: counted_words; for how old, an age):
    "...the plaza's new shade canopies made the move possible" does not say what the canopies cost; one about a
    cost, a payment or a price only by one that names money: "About 310 homes are now listed" does not say what a
    permit costs. And the passages read must hold more than half of what it asks (``missing`` below MISSING_LIMIT;
    missing_share): "Who is the head baker?" of articles that never say "head", "How many books does the library
    have?" of articles that never say "books"."""
    return (
        sentence.features["asked"] > 0
        and sentence.features.get("counted", 1.0) > 0
        and sentence.features.get("missing", 0.0) < MISSING_LIMIT
    )


# Any number a sentence may answer "how much" or "how many" with: digits, the span finder's number words, or the
# others it leaves out (it reads "twelve" but not "fourteen"; widening it would change the fitted features).
_ANY_NUMBER = re.compile(
    rf"\d|\b(?:{_NUMBER_WORDS}|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty"
    r"|fifty|sixty|seventy|eighty|ninety|hundreds|thousands|millions|billions|trillions?|dozens|half|once|twice|none)\b",
    re.IGNORECASE,
)


# "How many votes did Aiden Foss get?" is not answered by "...with 54 percent of the vote": a share, or a sum of money,
# is not a count of anything.
_HOW_MANY = re.compile(r"\bhow many\b", re.IGNORECASE)
_SHARES_AND_SUMS = re.compile(
    r"[$€£¥]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion))?|\d[\d,.]*\s?(?:%|percent\b|per cent\b)", re.IGNORECASE
)


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")  # a figure in digits: "14", "1,400", "2.5"


def holds_a_number(text: str, how_many: bool, question: str = "") -> bool:
    """Whether a sentence can answer "how much" or "how many": it holds a number, and for how many (``how_many``;
    and for how long: a length is not a price, "How long is the new section of the trail?" is not answered by "The
    paved section cost $3.1 million") one that is not only a share or a sum of money, other than one the question
    already says ("How often does the 14 bus run?" is not answered by "A new bus route, the 14, will run...", but
    by "Buses will leave every 45 minutes")."""
    for figure in set(_FIGURE.findall(question)):
        text = re.sub(rf"(?<![\d.,]){re.escape(figure)}(?![\d.,]*\d)", " ", text)
    return counts_something(text) if how_many else bool(_ANY_NUMBER.search(text))


# "How many patients does the clinic see each week?" is not answered by "...will see patients three days a week"
# when no passage read counts patients: a number named within a few words after it ("about 340 other tools", "six
# officer jobs") or before "of them" ("The panels, 1,150 of them,"). Only the passages as a whole are held to it: a
# quote may count the same thing in other words ("18,000 head of cattle" for "how many cows"). Questions that count
# people or times say it in too many ways ("drew 18,000 visitors", "a crowd of 3,900"): any count answers them.
_COUNTED = re.compile(r"\bhow many\s+([a-z][\w'’-]*)(?:\s+([a-z][\w'’-]*))?", re.IGNORECASE)
_ANY_COUNT = frozenset({"people", "persons", "times", "of", "more", "others", "in", "total"})
COUNT_REACH = 4  # words after a number that may name what it counts
# "How many people came?" is answered by "drew about 18,000 visitors", "a record crowd of 3,900", "31 applicants":
# neither "people" nor a light verb ("came", "got") is a word the quote must hold or the passages must have
# (people_words).
_PEOPLE = frozenset({loose_stem("people"), loose_stem("persons")})


def people_words(question: str) -> frozenset[str]:
    """What a question of how many people asks with but its answer need not say, as loose stems: "people" and the
    light verbs ("came", "got"); none for any other question. Neither the asked words, the checked words nor
    ``absent`` hold a quote or the passages to them."""
    if any(m.group(1).lower() in ("people", "persons") for m in _COUNTED.finditer(question)):
        return _PEOPLE | _NOT_CHECKED
    return frozenset()


def counted_words(question: str) -> frozenset[str]:
    """What a question of how many counts, as loose stems ("How many food trucks applied?" -> food, truck); none
    when it counts people or times, or says nothing (_ANY_COUNT: "How many of them are calves?")."""
    m = _COUNTED.search(question)
    if not m or m.group(1).lower() in _ANY_COUNT:
        return frozenset()
    words = [w for w in m.groups() if w and w.lower() not in STOPWORDS and w.lower() not in _ANY_COUNT]
    return frozenset(loose_stem(w) for w in words)


def counts_something(text: str, counted: frozenset[str] = frozenset()) -> bool:
    """Whether a sentence holds a number that can answer "how many": any number once its shares and sums of money are
    taken out ("54 percent of the vote", "$2 more"); "2.4 million people" and "fourteen break-ins" stay; of
    ``counted``, a number followed within COUNT_REACH words by one of them."""
    rest = _SHARES_AND_SUMS.sub(" ", text)
    if not counted:
        return bool(_ANY_NUMBER.search(rest))
    for m in _ANY_NUMBER.finditer(rest):
        following = _words(rest[m.end() :])[:COUNT_REACH]
        near = following if following[:2] != ["of", "them"] else _words(rest[: m.start()])[-COUNT_REACH:]
        if any(loosely_in(c, {loose_stem(w) for w in near}) for c in counted):  # "The panels, 1,150 of them,"
            return True
    return False


# "How much does a permit cost?" is answered by an amount of money, not by "About 310 homes are now listed...": a
# question about a cost, a payment or a price (_COSTS) needs a quote that names money (a currency or million/billion).
_AMOUNT = re.compile(
    rf"{_MONEY.pattern}|\b(cents?|rupees?|pesos?|francs?|rubles?|roubles?|lira|shekels?|rand|bucks)\b", re.IGNORECASE
)


class Reader:
    """Scores the sentences of the top passages and decides whether they answer the question."""

    def __init__(
        self,
        models: ReaderModels,
        embed: Callable[[list[str]], np.ndarray],
        idf: Callable[[Sequence[str]], dict[str, float]],
        passages: int = 5,
        shortlist: int = 16,
    ) -> None:
        self.models = models
        self.embed = embed
        self.idf = idf
        self.passages = passages
        self.shortlist = shortlist

    def candidates(
        self, question: str, passages: Sequence[Passage], as_of_day: int | None, context: str | None = None
    ) -> list[Sentence]:
        """Every sentence of the top passages (3 words or more: "He was 88.") with its cheap features; one copy of a
        repeat.

        Recency (``recent``) is read only for a question that asks for it (text.asks_for_recency): an article
        is not worth less because it is old. A follow-up chooses its sentence by its own words ("How did he
        train?"): its ``context`` (the earlier turn) says which story it is about, so its words count, at
        CONTEXT_WEIGHT of the follow-up's own, alike for every sentence of an article that holds them (in
        ``title_cov``), not for the sentence that repeats the most of them: the lead that answered the turn before
        would win again. A sentence whose article, as far as the passages show it,
        lacks a name of the question (question_names) is not read: it cannot be about what was asked. A question
        of four names or more may miss one in three (a quiz's preamble names more than the report holds). A year
        the question names is read the same way (question_years): "...the Larch Lake fire of 2024?" is not
        answered by an article of 2026 about another fire that never says 2024."""
        own = reading_terms(question)
        lent = [t for t in reading_terms(context or "") if t not in own]
        stems = [loose_stem(t) for t in own]
        lent_stems = [loose_stem(t) for t in lent]
        weights = self.idf(own)
        total = sum(weights.get(t, 1.0) for t in own) or 1.0
        plain = (len(own) + CONTEXT_WEIGHT * len(lent)) or 1.0
        expects = expected_type(question)
        kind = expects or ("cause" if asks_cause(question) else None)  # what a sentence must hold (has_type)
        counts = expects in ("number", "money")
        costs = bool(_COSTS.search(question))
        how_many = bool(_HOW_MANY.search(question))
        how_old = bool(_HOW_OLD.search(question))
        how_long = bool(_HOW_LONG.search(question))
        measured = bool(_HOW_MEASURED.search(question))
        recency = asks_for_recency(question)
        top_score = passages[0].score if passages and passages[0].score > 0 else 1.0
        names = question_names(question)
        full_names = surnamed(question)
        years = question_years(question)
        said = question_names(context or "")  # the names the conversation has given: what a follow-up points back to
        known = article_words(passages[: self.passages]) if names or said or lent or years else {}
        loose_known = article_words(passages[: self.passages], loose_stem) if lent or full_names else {}
        asked = asked_words(question) + asked_words(context or "")  # a follow-up asks what the turn before did
        not_asked = people_words(question)  # "How many people came?" is asked of "drew about 18,000 visitors"
        asked = [a for a in asked if a not in not_asked]
        seen: set[str] = set()
        out: list[Sentence] = []
        for rank, passage in enumerate(passages[: self.passages]):
            if names and len(names - known[passage.article_id]) > (len(names) - 1) // 3:
                continue
            if said and not said & known[passage.article_id]:
                continue  # a follow-up is about what the conversation named: "she" is not in an article without her
            day = int(passage.metadata.get("day", UNDATED))
            if years and not all(y in known[passage.article_id] or of_year(day, y) for y in years):
                continue
            title_words = loose_words(passage.title or "")
            about = loose_known.get(passage.article_id, set())  # the earlier turn's words: alike for each sentence
            story_words = title_words | about
            story = CONTEXT_WEIGHT * sum(1 for s in lent_stems if covers(s, story_words))
            age = (as_of_day - day) if (as_of_day is not None and is_dated(day)) else None
            loose_before: set[str] = set()  # the previous sentence's words: "She replaces ..." leans on them
            for span in sentence_spans(passage.text, soft_wraps=soft_wrapped(passage.path)):
                text = passage.text[span.start : span.end]
                words = _words(text)
                key = " ".join(words)
                have = {stem(w) for w in words}
                loose_have = {loose_stem(w) for w in words}
                for surname, given in full_names:  # "Fontaine, 58, said" names Delia Fontaine of the question
                    if surname.search(text) and given <= loose_known[passage.article_id]:
                        loose_have = loose_have | given
                loose_previous, loose_before = loose_before, loose_have
                if len(words) < 3 or key in seen or (said and repeats(text, have, said, question, context or "")):
                    continue
                seen.add(key)
                hit = [t for t, s in zip(own, stems) if covers(s, loose_have)]
                near = loose_have | loose_previous  # the sentence and the one before it, for asked_words
                with_previous = sum(weights.get(t, 1.0) for t, s in zip(own, stems) if covers(s, near))
                with_title = loose_have | title_words
                topic = sum(1 for s in stems if covers(s, with_title)) + story
                typed = bool(kind) and has_type(text, kind or "", question, context or "")
                counted = not counts or holds_a_number(text, how_many or how_long, question) or (
                    how_long and bool(_DURATION.search(text))
                )  # "for a week"
                counted = counted and (not costs or bool(_AMOUNT.search(text))) and (typed or not how_old)
                counted = counted and (not measured or bool(_MEASURE.search(text)))
                # a cause seldom repeats what it caused: "Frank and Alma Reyes... are retiring" answers "Why is the Blue
                # Plate Diner closing?" under "Blue Plate Diner to close after 41 years"
                reach = near | title_words if kind == "cause" and typed else near
                start = passage.start + span.start
                features = {
                    "bias": 1.0,
                    "idf_cov": sum(weights.get(t, 1.0) for t in hit) / total,
                    "prev_cov": with_previous / total,
                    "title_cov": topic / plain,
                    "cov": len(hit) / (len(own) or 1),
                    "typed": 1.0 if typed else 0.0,
                    "untyped": 1.0 if kind and not typed else 0.0,
                    "rank": 1.0 / (1 + rank),
                    "pscore": passage.score / top_score,
                    "early": 1.0 / (1.0 + start / 1000.0),
                    "length": math.log(len(words)) / 4.0,
                    "recent": 0.5 ** (max(0, age) / 14.0) if age is not None and recency else 0.0,
                    "dated": 1.0 if age is not None else 0.0,
                    "pdense": passage.dense if passage.dense is not None else 0.0,
                    "asked": sum(says_word(a, reach) for a in asked) / len(asked) if asked else 1.0,
                    "counted": 1.0 if counted else 0.0,
                }
                out.append(Sentence(rank, passage, start, passage.start + span.end, text, features))
        pool_features(question, out, self.idf, context)
        return out

    def score(self, question: str, vector: np.ndarray, sentences: list[Sentence]) -> list[Sentence]:
        """Shortlist by the cheap model, embed the shortlist, order it by the full sentence model."""
        m = self.models
        sentences.sort(key=lambda s: m.shortlist.logit(s.features), reverse=True)
        chosen = sentences[: self.shortlist]
        if not chosen:
            return []
        vectors = self.embed([s.text for s in chosen])
        for sentence, sv in zip(chosen, vectors):
            sentence.features["dense"] = float(np.dot(sv, vector))
        relative_dense(chosen)
        return rank_shortlist(m.sentence, chosen)

    def spans(self, question: str, sentence: Sentence, pool: Sequence[Sentence]) -> list[tuple[Span, dict[str, float]]]:
        """The short-answer candidates of one sentence, with their features."""
        expects = expected_type(question)
        stems = {stem(t) for t in reading_terms(question)}
        title = f" {' '.join(_words(sentence.passage.title or ''))} "
        others = [(s.passage.article_id, f" {' '.join(_words(s.text))} ") for s in pool if s is not sentence]
        out = []
        for span in answer_spans(sentence.text, question):
            key = f" {' '.join(_words(span.text))} "
            agree = len({a for a, text in others if key in text and a != sentence.passage.article_id})
            features = {
                "bias": 1.0,
                "sentence": sentence.prob,
                "typed": 1.0 if expects and is_kind(span, expects) else 0.0,
                "near": nearness(sentence.text, span, stems),
                "agree": math.log1p(agree),
                "in_title": 1.0 if key in title else 0.0,
                "length": min(len(key.split()), 8) / 8.0,
                "initial": 1.0 if span.start == 0 else 0.0,
                "name": 1.0 if span.kind == "name" else 0.0,
                "number": 1.0 if span.kind == "number" else 0.0,
                "date": 1.0 if span.kind == "date" else 0.0,
            }
            out.append((span, features))
        return out

    def read(
        self,
        question: str,
        vector: np.ndarray,
        passages: Sequence[Passage],
        as_of_day: int | None,
        context: str | None = None,
    ) -> Reading:
        """The best sentence, its short answer, and the confidence that the passages answer the question."""
        pool = self.candidates(question, passages, as_of_day, context)
        sentences = self.score(question, vector, pool)
        if not sentences:
            return Reading((), None, None, 0.0, 0.0)
        best, span, span_prob, agree = self.choose(question, sentences, pool)
        confidence = self.models.answerability.prob(answerability_features(best, span_prob, agree))
        return Reading(tuple(sentences), best, span, span_prob, confidence)

    def choose(
        self, question: str, sentences: list[Sentence], pool: Sequence[Sentence]
    ) -> tuple[Sentence, Span | None, float, float]:
        """The sentence to quote, its short answer, the short answer's probability and agreement.

        The likeliest span among the best three sentences is the short answer and its sentence the
        quote, when the span is likely enough (``min_span``); otherwise the best sentence is quoted
        without one. The probability is reported either way: the answerability model reads it.
        """
        found: tuple[Sentence, Span, float, float] | None = None
        for sentence in sentences[:3]:
            for span, features in self.spans(question, sentence, pool):
                p = self.models.span.prob(features)
                if found is None or p > found[2]:
                    found = (sentence, span, p, features["agree"])
        if found is None:
            return sentences[0], None, 0.0, 0.0
        if found[2] < self.models.min_span:
            return sentences[0], None, found[2], found[3]
        return found


# The words a sentence opens with when it leans on the sentence before for whom or what it is about.
_LEANS = re.compile(r"(?:he|she|they|his|her|their|it|its)\b", re.IGNORECASE)


def with_sentence_before(sentence: Sentence) -> Sentence:
    """``sentence`` with the sentence before it in its passage when a quote of it cannot be read alone: it opens
    with a pronoun ("He grew up on the north shore and ran a hardware store...") or names someone by surname
    alone whom the sentence before names in full ("Solberg became harbor master in 2022..." after "Ingrid
    Solberg is on the water by six most mornings..."). The two are one quote, the article's text from the first
    to the end of the second; ``sentence`` itself when it stands alone, opens its passage, or something other
    than white space stands between them."""
    passage = sentence.passage
    offset = sentence.start - passage.start
    before = None
    for span in sentence_spans(passage.text, soft_wraps=soft_wrapped(passage.path)):
        if span.start >= offset:
            break
        before = span
    if before is None or passage.text[before.end : offset].strip():
        return sentence
    text = passage.text[before.start : before.end]
    full = {m.group().split()[-1] for m in _NAME.finditer(text) if " " in m.group()}
    alone = {m.group() for m in _NAME.finditer(sentence.text) if " " not in m.group()}
    if not (_LEANS.match(sentence.text) or alone & full):
        return sentence
    start = passage.start + before.start
    whole = passage.text[before.start : sentence.end - passage.start]
    return Sentence(
        sentence.passage_rank, passage, start, sentence.end, whole, sentence.features, sentence.logit, sentence.prob
    )


# Words that start a question or stand capitalised in it without naming anything the articles must hold.
_NOT_NAMES = frozenset(
    [
        "who",
        "whom",
        "whose",
        "what",
        "which",
        "when",
        "where",
        "why",
        "how",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "has",
        "have",
        "had",
        "according",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "from",
        "by",
        "with",
        "as",
        "after",
        "before",
        "during",
        "since",
        "under",
        "over",
        "this",
        "that",
        "these",
        "those",
        "mr",
        "mrs",
        "ms",
        "dr",
        "us",
        "uk",
        "eu",
        "un",
    ]
)
_ACRONYM = re.compile(r"\b([A-Z])\.([A-Z])\.(?:([A-Z])\.)?")


def _joined_initials(text: str) -> str:
    """Initials written with dots as one word ("U.S." -> "US"), so a name matches however it is spelt."""
    return _ACRONYM.sub(lambda m: "".join(g for g in m.groups() if g), text)


def capitalised_words(text: str) -> list[str]:
    """The names and places in a text, word by word, in order: its capitalised words, less the first word of
    each sentence, question words and a possessive's 's ("Who founded Harbor Roasters?" -> Harbor, Roasters)."""
    words: list[str] = []
    text = _joined_initials(text)
    for sentence in re.split(r"(?<=[.?!:;])\s+", text):
        for i, match in enumerate(re.finditer(r"[^\W_]+(?:['’][^\W_]+)?", sentence)):
            word = re.sub(r"['’]s$", "", match.group())
            if i == 0 or not word[:1].isupper() or len(word) < 2:
                continue
            if word.lower() not in STOPWORDS and word.lower() not in _NOT_NAMES and word not in words:
                words.append(word)
    return words


def surnamed(question: str) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """The question's full names of two words or more ("Delia Fontaine"): each one's last word as written (a
    pattern), with the loose stems of all its words. A report names a person in full once, then by surname alone:
    "Fontaine, 58, said..." is about the Delia Fontaine its article names, so it covers "Delia" too (a sentence
    is lent the whole name only when its article, as far as the passages show it, holds every word of it)."""
    out = []
    for match in re.finditer(r"\b[A-Z][^\W\d_]+(?:\s+[A-Z][^\W\d_]+)+", question):
        words = [w for w in match.group().split() if w.lower() not in STOPWORDS]  # "What", "The", "Who"...
        if len(words) >= 2:
            out.append((re.compile(rf"\b{re.escape(words[-1])}\b"), frozenset(loose_stem(w) for w in words)))
    return out


def question_years(question: str) -> frozenset[str]:
    """The years a question names ("the fire of 2024", "the 2022 Emmy Awards"): an article that answers it says
    the year, or was published in it or the year after (a report of January 2023 on "last year's" count)."""
    return frozenset(re.findall(r"\b(?:19|20)\d\d\b", question))


def of_year(day: int, year: str) -> bool:
    """Whether an article of this day (its ``day`` metadata) was published in ``year`` or the year after
    (question_years)."""
    return is_dated(day) and from_day_number(day).year - int(year) in (0, 1)


def question_names(question: str) -> frozenset[str]:
    """The names and places a question is about (capitalised_words), lower-cased and stemmed: what an article
    must hold to answer it."""
    return frozenset(stem(w.lower()) for w in capitalised_words(question))


# Words that say what kind of answer is wanted ("what year", "the name of"), not what it is about.
_KIND_WORDS = frozenset(
    {"year", "day", "date", "month", "time", "percentage", "percent", "share", "amount", "number", "name", "names"}
)


def reading_terms(question: str) -> list[str]:
    """The question's words as the reader weighs them: its query terms without the word that follows "how" ("how
    many", "how much", "how old"). That word says what kind of answer is wanted, and the sentence that answers seldom
    uses it ("Reyes, 41, spoke..." answers "How old is Reyes?"); as a rare word it would otherwise weigh most in
    every coverage and count as a word the articles lack. So is "money" after "how much": "Neighbours have raised
    $40,000" answers "How much money have neighbors raised?"."""
    q = question.lower()
    form = set(re.findall(r"\bhow (\w+)", q)) | set(re.findall(r"\bhow much (money|cash)\b", q))
    return [t for t in query_terms(question) if t not in form]


# How news says what some questions ask, in other words: "Who owns Ossery Hard Cider?" is answered by "Partners Joel
# Abernathy and Rosa Quintero...", "Who won the Valley League title?" by "The Herons are champions...", "How much will
# she make?" by "...will be paid $86,000", "What is the population of Alder Falls?" by "...had 14,820 residents". One
# way only: a question that says "partner" is not answered by an owner. Words that say the same thing of someone else
# stay out: "bought" ("Who owns Halvorsen Stone?" is not answered by "...Halvorsen Stone bought it"), and so do verbs
# whose other words are as often about something else: "founded" / "opened" ("When was the co-op founded?" is not
# answered by the day its new store opened), "designed" / "built".
_SAID_OTHERWISE_WORDS = {
    "own owner": "partner proprietor",
    "win winner": "champion beat defeat victory clinch",
    "make earn": "pay salary wage",
    "population": "resident inhabitant",
    "rescue": "pull save haul",
    "start": "open founded launch establish begin",
    "run": "director manager head lead chief operate oversee",
    "build": "builder contractor developer",
}
SAID_OTHERWISE: dict[str, frozenset[str]] = {
    loose_stem(key): frozenset(loose_stem(w) for w in others.split())
    for keys, others in _SAID_OTHERWISE_WORDS.items()
    for key in keys.split()
}


def says_word(word: str, words: set[str]) -> bool:
    """Whether ``words`` (loose stems) say a question's word (a loose stem): loosely (text.loosely_in), or in one of
    the other words news says it with (SAID_OTHERWISE). What ``asked`` and missing_share look for."""
    return loosely_in(word, words) or any(loosely_in(w, words, prefix=False) for w in SAID_OTHERWISE.get(word, ()))


def asked_words(question: str) -> list[str]:
    """What a question asks about beyond its names and the kind of answer it wants, as loose stems
    (text.loose_stem): "Who owns the Dunmore Pilots?" -> own; "Who is the general manager of the Gulls?" ->
    general, manager; "How old is Delia Fontaine?" -> none ("how old" is the kind of answer: a number)."""
    names = question_names(question)
    return [loose_stem(t) for t in reading_terms(question) if stem(t) not in names and t not in _KIND_WORDS]


# The word after "which" or "what" names the class of the answer ("Which country...?" is answered by "Israel",
# not by "country"); these words after them do not.
_NOT_A_CLASS = frozenset(
    {"is", "was", "are", "were", "did", "does", "do", "will", "has", "have", "had", "can", "could", "would", "should"}
)
# Words that hedge a figure ("Approximately how many viewers...") and verbs too light to say what is asked ("How
# many barrels does the brewery make?" is answered by "they brew only 900 barrels"): not what is asked.
_HEDGES = frozenset({"approximately", "roughly", "nearly", "around", "about", "almost", "estimated"})
_LIGHT_VERBS = frozenset({"get", "make", "take", "give", "go", "come", "put", "keep", "happen", "use"})
_NOT_CHECKED = frozenset(loose_stem(w) for w in _HEDGES | _LIGHT_VERBS)


def checked_words(question: str) -> list[str]:
    """What missing_share looks for: asked_words less the answer's class ("Which **country** was attacked?"),
    the words that say when ("this past weekend", "latest"; text.time_phrases), hedges ("approximately") and light
    verbs ("get", "make")."""
    drop = {
        loose_stem(m.group(1))
        for m in re.finditer(r"\b(?:which|what)\s+(\w+)", question, re.IGNORECASE)
        if m.group(1).lower() not in _NOT_A_CLASS
    }
    drop |= {loose_stem(w) for phrase in time_phrases(question) for w in _words(phrase)}
    drop |= people_words(question)
    drop |= _NOT_CHECKED
    return [a for a in asked_words(question) if a not in drop]


def missing_share(question: str, pool: Sequence[Sentence]) -> float:
    """The share of what a question asks (checked_words) that no passage read holds, even loosely (text.loosely_in),
    in its text or title: 0 when it asks nothing beyond its names. A user's question about what the articles do not
    cover shares their names and places but not the rest ("Who designed the roundabout at Main and Fifth?" of an
    article on who will build it)."""
    checked = checked_words(question)
    if not checked:
        return 0.0
    seen = read_words(pool, loose_stem)
    return sum(not says_word(a, seen) for a in checked) / len(checked)


def read_words(pool: Sequence[Sentence], form: Callable[[str], str]) -> set[str]:
    """Every word of the passages the pool's sentences come from, of their titles and of their months (month_of), in
    ``form`` (a stemmer)."""
    seen: set[str] = set()
    for passage in {id(s.passage): s.passage for s in pool}.values():
        seen.update(form(w) for w in _words(f"{passage.title or ''} {passage.text} {month_of(passage)}"))
    return seen


def repeats(text: str, have: set[str], said: frozenset[str], question: str, context: str) -> bool:
    """Whether a sentence only repeats what a conversation has said, so cannot answer its follow-up: it names
    someone or something the conversation named (``said``) and holds no other name, number or date. "Who did
    she replace?" after "Who is the new manager of the Gulls?" is not answered by "The Gulls have named Rosa
    Delgado as their manager", the sentence that answered the turn before, but by "She replaces Frank Bellamy"."""
    return bool(have & said) and not answer_spans(text, f"{context} {question}")


def covers(word: str, words: set[str]) -> bool:
    """Whether a question word (a loose stem) counts as covered by ``words`` (loose stems) in the coverage features:
    loosely (text.loosely_in: "won" meets "winning", "owns" meets "owner", "ran" meets "run"), but not by a shared
    beginning alone, which ``asked`` allows ("directs", "director"): with it, more sentences of a quiz's report
    covered as much as the one that answers ("verified", "verification"), and RealTimeQA dev lost three answers
    (docs/experiments.md)."""
    return loosely_in(word, words, prefix=False)


def loose_words(text: str) -> set[str]:
    """A text's words as loose stems (text.loose_stem), the form ``covers`` compares."""
    return {loose_stem(w) for w in _words(text)}


def month_of(passage: Passage) -> str:
    """The month its article was published in, as a word ("January"); "" when undated. A report says its month by
    its date, not in its text: "How much snow fell in the January storm?" is answered by an article of 20 January
    that says "dropped 26 inches of snow ... between Sunday night and Monday evening"."""
    day = int(passage.metadata.get("day", UNDATED))
    return _MONTHS.split("|")[from_day_number(day).month - 1] if is_dated(day) else ""


def article_words(passages: Sequence[Passage], form: Callable[[str], str] = stem) -> dict[str, set[str]]:
    """Each article's words (stemmed) as far as the passages show it: its read passages, its title and the month
    of its date (month_of)."""
    out: dict[str, set[str]] = {}
    for passage in passages:
        words = out.setdefault(passage.article_id, set())
        text = f"{passage.title or ''}\n{passage.text}\n{month_of(passage)}"
        words.update(form(w) for w in _words(_joined_initials(text)))
    return out


# How far down the order a sentence that holds the figure asked for may rise past ones that do not (rank_shortlist).
FIGURE_REACH = 3


def rank_shortlist(model: LinearModel, shortlist: list[Sentence]) -> list[Sentence]:
    """Score the shortlist with the sentence model, best first; ``prob`` is each one's softmax share. Of the best
    FIGURE_REACH, those that cannot answer for want of the figure asked (``counted``: "How many tools can you
    borrow?" is not answered by "Tools can be borrowed for a week at a time", but by "...about 340 other tools")
    come after those that can: says_what_is_asked would decline the first, though the next one answers."""
    for s in shortlist:
        s.logit = model.logit(s.features)
    top = max((s.logit for s in shortlist), default=0.0)
    total = sum(math.exp(s.logit - top) for s in shortlist) or 1.0
    for s in shortlist:
        s.prob = math.exp(s.logit - top) / total
    ranked = sorted(shortlist, key=lambda s: s.logit, reverse=True)
    lead = sorted(ranked[:FIGURE_REACH], key=lambda s: s.features.get("counted", 1.0) <= 0)  # stable: else by logit
    return lead + ranked[FIGURE_REACH:]


def relative_dense(shortlist: Sequence[Sentence]) -> None:
    """Each shortlisted sentence's similarity to the question against the best of the shortlist."""
    best = max((s.features["dense"] for s in shortlist), default=0.0)
    for s in shortlist:
        s.features["rel_dense"] = s.features["dense"] - best


def nearness(text: str, span: Span, stems: set[str]) -> float:
    """1 / (1 + words between the span and the nearest of the question's words in the sentence); 0 if none."""
    tokens = [(m.start(), stem(m.group().lower())) for m in re.finditer(r"[^\W_]+", text)]
    hits = [i for i, (_, s) in enumerate(tokens) if s in stems]
    at = [i for i, (pos, _) in enumerate(tokens) if span.start <= pos < span.end]
    distance = min((abs(i - j) for i in at for j in hits), default=None)
    return 1.0 / (1 + distance) if distance is not None else 0.0


def pool_features(
    question: str,
    pool: Sequence[Sentence],
    idf: Callable[[Sequence[str]], dict[str, float]],
    context: str | None = None,
) -> None:
    """Features that compare a sentence with the rest of the pool (added in place); a follow-up's ``context``
    counts with it for ``absent`` ("How much did they pay?" asks about the cannery the turn before named).

    ``in_title``: one of its candidates is in its article's title; ``near``: a candidate of the kind asked
    for stands next to the question's words ("chief executive, Lena Ortiz"); ``rel_idf``: its coverage of the
    question's rare words against the best in the pool; ``counted`` set to 0 for every sentence when the question
    asks how many of a thing no sentence of the pool counts (counted_words).

    How many other articles repeat a sentence's names is not a sentence feature: a user's archive repeats its
    town and its people in every lead, so it chose the lead over the sentence that answers. It is read for the
    short answer instead (Reader.spans: several sources giving the same name).
    """
    best_idf = max((s.features["idf_cov"] for s in pool), default=0.0)
    count_of = counted_words(question)
    uncounted = bool(count_of) and not any(counts_something(s.text, count_of) for s in pool)
    absent = absent_share(f"{context}\n{question}" if context else question, pool, idf)
    missing = 0.0 if context else missing_share(question, pool)  # a follow-up's topic the turn before found
    expects = expected_type(question)
    stems = {stem(t) for t in reading_terms(question)}
    for sentence in pool:
        in_title, near = 0.0, 0.0
        title = f" {' '.join(_words(sentence.passage.title or ''))} "
        for span in answer_spans(sentence.text, question):
            key = f" {' '.join(_words(span.text))} "
            if key.strip():
                in_title = max(in_title, 1.0 if key in title else 0.0)
            if not expects or is_kind(span, expects):
                near = max(near, nearness(sentence.text, span, stems))
        sentence.features["in_title"] = in_title
        sentence.features["near"] = near
        sentence.features["rel_idf"] = sentence.features["idf_cov"] - best_idf
        sentence.features["absent"] = absent
        sentence.features["missing"] = missing
        if uncounted:
            sentence.features["counted"] = 0.0  # no passage read counts what was asked (counted_words)


def absent_share(question: str, pool: Sequence[Sentence], idf: Callable[[Sequence[str]], dict[str, float]]) -> float:
    """The share of the question's words, weighted by rarity, that no passage read uses at all, nor its title:
    "When does the new tram depot open?" of an archive that never mentions a tram. A question about what
    the articles do not cover asks with words they do not have. A question of how many people does not ask with
    "people" or a light verb ("How many people came to the opener?" of "A record crowd of 3,900 watched...")."""
    terms = reading_terms(question)
    not_asked = people_words(question)  # as checked_words and the asked words leave them out
    terms = [t for t in terms if loose_stem(t) not in not_asked]
    if not terms:
        return 0.0
    seen = read_words(pool, stem)
    weights = idf(terms)
    total = sum(weights.get(t, 1.0) for t in terms) or 1.0
    return sum(weights.get(t, 1.0) for t in terms if stem(t) not in seen) / total


def answerability_features(best: Sentence, span_prob: float, agree: float) -> dict[str, float]:
    """What the answerability model reads of the best sentence. ``stale``: how old its article is on the day
    the question is read as of (Retriever.reading_day), on the shortlist's 14-day half-life (0 fresh, towards
    1 old); 0 when undated or with no as-of date, as the retrieval's recency prior leaves those unfavoured
    rather than penalised. Questions about the news ask about its latest turn: when the articles that report
    it are missing, what is left is older coverage of the story, and an answer read from it is more often
    not the answer."""
    dated = best.features.get("dated", 0.0) if best.features.get("recent", 0.0) > 0 else 0.0
    return {
        "bias": 1.0,
        "logit": best.logit,
        "sentence": best.prob,
        "span": span_prob,
        "agree": agree,
        "pdense": best.features.get("pdense", 0.0),
        "idf_cov": best.features.get("idf_cov", 0.0),
        "dense": best.features.get("dense", 0.0),
        "title_cov": best.features.get("title_cov", 0.0),
        "typed": best.features.get("typed", 0.0),
        "stale": (1.0 - best.features.get("recent", 0.0)) if dated else 0.0,
        "absent": best.features.get("absent", 0.0),
    }
