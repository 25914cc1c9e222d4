"""Answers written by a language model, with every sentence checked against the passage it cites.

The reader (reader.py) decides first whether the passages answer the question at all; only then is the
model asked. It sees the top passages, numbered, and must end each claim with [n]. Its answer is then
checked sentence by sentence (``check``): a citation number that names no passage is removed; a sentence
is kept only when the passage it cites holds one sentence that supports it, and that sentence becomes the
citation's verbatim quote; an uncited sentence is kept only when some passage supports it. When nothing
survives, newsbot abstains as the reader would. When the endpoint fails or is slow, the reader's quoted
answer is shown, with one line saying why.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import numpy as np

from newsbot.config.errors import ConfigError
from newsbot.config.settings import LLMSettings
from newsbot.index.answer.answerer import Answer, Citation, Dropped, ExtractiveAnswerer, OnToken, Read
from newsbot.index.search import Passage, Query
from newsbot.index.text import query_terms, sentence_spans, soft_wrapped, stem

log = logging.getLogger("newsbot.generator")

SYSTEM = (
    "You answer questions about the news using only the numbered passages you are given. "
    "Answer in one or two short sentences of your own words. End every sentence with the number of the "
    "passage it comes from in square brackets, like [1] or [2]. Never use a number that is not a passage. "
    "If the passages do not answer the question, say only: I don't know."
)

# A generated sentence is supported by a sentence of a passage when
# - at least SUPPORT_COVER of its content words (stemmed) occur in that sentence or the article's title,
# - at least SUPPORT_COVER of the words it adds to the question (what it claims, not what it restates)
#   occur in that sentence itself (a yes/no answer adds none: then its words as a whole count),
# - every number it states occurs in that sentence, and
# - the two mean the same to the embedding model: cosine at least SUPPORT_COSINE.
# Rules, not fitted: a claim must take most of its new words and all of its figures from the quote that backs
# it. SUPPORT_COSINE is set below the cosine of a plain restatement and above that of a claim on the same
# topic that the sentence does not make (BENCHMARKS.md gives the measured drop rate).
SUPPORT_COVER = 0.5
SUPPORT_COSINE = 0.4
PROMPT_SENTENCES = 3  # sentences shown per passage: the reader's best of it, in the article's order
# The most text read from the model: llm.max_tokens tokens at this many characters each (English averages about
# four; twice that leaves room). An endpoint that ignores max_tokens is cut off there and the rest never read.
CHARS_PER_TOKEN = 8

# Words that turn a claim around or hedge it: a claim may use one only where its quote does ("not", "never",
# "may"...). "n't" is read as "not", "cannot" as "can not".
_TURNING = frozenset(
    {
        *("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without"),
        *("may", "might", "could", "would", "should", "must", "will", "shall", "can"),
        *("cancelled", "canceled", "postponed", "denied"),
    }
)
_QUOTED = re.compile(r"[\"“]([^\"“”]{3,})[\"”]")  # words the model puts in quotation marks
_LINK = re.compile(r"\[([^\]]*)\]\((\S+?)\)|(?:https?://|www\.)[^\s<>()\]]+", re.IGNORECASE)
# A passage sentence that addresses the model rather than reporting news (an instruction planted in an article)
# is never shown to it and never supports a claim.
_ADDRESSED = re.compile(
    r"\b(?:system (?:note|prompt|message|instruction)s?|(?:note|message|instructions?) (?:to|for) the "
    r"(?:assistant|ai|model|chatbot|bot)|ignore (?:all |any )?(?:previous|prior|above|earlier) "
    r"(?:instructions|text|messages)|(?:as an|you are an?) (?:ai|assistant|language model))\b",
    re.IGNORECASE,
)

_CITE = re.compile(r"\s*\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_NOT_TEXT = re.compile(r"\s*\[[\s\d,;.:\-\u2013]*\]")  # what is left of a citation mark that is not one
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W_]+")
_REPLIES = {"yes", "no", "know", "don"}  # words of a reply, not of a claim ("Yes, ...", "I don't know.")


class GenerationError(Exception):
    """The endpoint failed: the text says how, without secrets (it is shown to the user)."""


class ChatModel(Protocol):
    """A chat model that streams its answer. ``stream`` yields pieces of text; it raises GenerationError."""

    label: str

    def stream(self, system: str, user: str) -> Iterator[str]: ...


class OpenAIChat:
    """Any OpenAI-compatible chat-completions endpoint (llama-server, Ollama, vLLM, LM Studio, hosted APIs),
    streamed through the openai client library.

    Not llama-index's OpenAILike: its streaming generators hold the HTTP response until garbage collection,
    so a server went on generating for newsbot after it had given up on a slow answer. Here the response is
    closed as soon as the reader stops.
    """

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.model.strip():
            raise ConfigError(
                'answer.generator is "openai" but llm.model is empty; set NEWSBOT_LLM__MODEL to a model the '
                f"endpoint at {shown_url(settings.base_url)} serves (docs/generated-answers.md)"
            )
        self.settings = settings
        self.label = f"openai:{settings.model}"
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import openai

            key = self.settings.api_key.get_secret_value() if self.settings.api_key else "none"
            # A user name and password in llm.base_url go in a header, never in the address the client logs.
            parts = urlsplit(self.settings.base_url)
            headers = {}
            if parts.username is not None or parts.password is not None:
                pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
                headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
                if self.settings.api_key is None:
                    key = "none"
            self._client = openai.OpenAI(
                base_url=shown_url(self.settings.base_url),
                api_key=key,
                default_headers=headers or None,
                timeout=self.settings.timeout_s,
                max_retries=0,  # a retry would spend the user's wait twice; the quoted answer is the fallback
            )
        return self._client

    def stream(self, system: str, user: str) -> Iterator[str]:
        import openai

        where = shown_url(self.settings.base_url)
        finished = False
        said = False
        chunks: Any = None
        try:
            chunks = self.client.chat.completions.create(
                model=self.settings.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                max_tokens=self.settings.max_tokens,
                temperature=0.0,
                stream=True,
            )
            for chunk in chunks:
                for choice in chunk.choices or ():
                    if choice.delta is not None and choice.delta.content:
                        said = True
                        yield choice.delta.content
                    finished = finished or bool(choice.finish_reason)
        except openai.APITimeoutError:
            raise GenerationError(f"the language model at {where} did not answer in time") from None
        except openai.APIConnectionError:
            raise GenerationError(f"the language model at {where} could not be reached") from None
        except openai.AuthenticationError:
            raise GenerationError(f"the language model at {where} refused the key (llm.api_key)") from None
        except openai.APIStatusError as exc:
            raise GenerationError(f"the language model at {where} answered with HTTP {exc.status_code}") from None
        except ValueError:  # json.JSONDecodeError among them: a reply that is not the protocol
            raise GenerationError(f"the language model at {where} sent a reply newsbot cannot read") from None
        except Exception as exc:  # noqa: BLE001 - a broken connection mid-stream, whatever the client raises
            raise GenerationError(f"the language model at {where} broke off ({type(exc).__name__})") from None
        finally:
            if chunks is not None:
                chunks.close()  # a reader that stops early hangs up now: the server stops generating
        if not finished:
            if not said:  # e.g. a plain JSON completion where a stream was asked for
                raise GenerationError(
                    f"the language model at {where} sent no streamed answer (it must stream chat completions "
                    "as server-sent events, as OpenAI-compatible servers do)"
                )
            raise CutOff(f"the language model at {where} stopped mid-answer")


def shown_url(url: str) -> str:
    """An endpoint's address as newsbot prints it: any user name and password in it left out."""
    return re.sub(r"^(\w+://)[^/@]*@", r"\1", url)


class CutOff(GenerationError):
    """The stream ended without saying it was finished; what arrived may still be checked."""


@dataclass(frozen=True)
class Support:
    """A sentence of a passage that backs a generated claim."""

    passage: Passage
    start: int  # in the article's cleaned text
    end: int
    text: str
    cosine: float


@dataclass(frozen=True)
class Checked:
    """A generated answer after the check: its kept claims with their support, and what was left out."""

    kept: tuple[tuple[str, Support], ...]
    dropped: tuple[Dropped, ...]


class GeneratingAnswerer:
    """The reader decides whether the articles answer; the model writes the answer; ``check`` keeps what the
    passages support. Built by the facade when answer.generator = "openai"."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        chat: ChatModel,
        settings: LLMSettings,
        embed: Callable[[list[str]], np.ndarray],
    ) -> None:
        self.extractive = extractive
        self.chat = chat
        self.settings = settings
        self.embed = embed

    def answer(self, query: Query, k: int | None = None, on_token: OnToken | None = None) -> Answer:
        found = self.extractive.read(query, k)
        if isinstance(found, Answer):
            return replace(found, generator=self.chat.label)
        return replace(self._answer(found, on_token), follow_up=found.follow_up)

    def _answer(self, found: Read, on_token: OnToken | None) -> Answer:
        if not found.answers:  # the reader finds no answer in the passages: abstain as without a model
            return replace(self.extractive.finish(found), generator=self.chat.label)
        shown = shown_passages(found, self.settings.passages)
        asked_at = time.perf_counter()
        text, trouble, first_at = self._generate(prompt(found.question, shown), on_token)
        spent = {"generate": (time.perf_counter() - asked_at) * 1000}
        if first_at is not None:  # from the question to the model's first words, as the user waits for them
            spent["first_token"] = (first_at - found.started) * 1000
        if trouble is not None and not isinstance(trouble, CutOff):
            log.warning("generation failed, showing the quoted answer: %s", trouble)
            quoted = self.extractive.finish(found)
            return replace(
                quoted,
                generator=self.chat.label,
                notice=f"{_sentence_case(str(trouble))}, so this is the quoted answer instead.",
                timings_ms=found.timings(**spent),
            )
        checked = check(found.question, text, shown, self.embed, cut_off=trouble is not None)
        if not checked.kept:
            words, citations, reason = self.extractive.abstention(found)
            return Answer(
                found.question,
                False,
                words,
                citations,
                tuple(found.passages),
                found.timings(**spent),
                found.reading.confidence,
                reason=reason,
                generator=self.chat.label,
                dropped=checked.dropped,
            )
        words, citations = compose(checked)
        return Answer(
            found.question,
            True,
            words,
            citations,
            tuple(found.passages),
            found.timings(**spent),
            found.reading.confidence,
            generator=self.chat.label,
            generated=True,
            dropped=checked.dropped,
        )

    def _generate(
        self, messages: tuple[str, str], on_token: OnToken | None
    ) -> tuple[str, GenerationError | None, float | None]:
        """The model's text, streamed to ``on_token``, what went wrong, if anything, and when its first words
        came. The whole answer must arrive within llm.timeout_s: the stream is read in a thread, so a stalled
        one cannot hold on."""
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        given_up = threading.Event()  # past the deadline: stop reading, so the endpoint stops generating

        def produce() -> None:
            stream = self.chat.stream(*messages)
            try:
                for piece in stream:
                    if given_up.is_set():
                        return
                    pieces.put(("text", piece))
                pieces.put(("done", None))
            except GenerationError as exc:
                pieces.put(("error", exc))
            except Exception as exc:  # noqa: BLE001 - anything else the client raises is a failed endpoint
                pieces.put(("error", GenerationError(f"the language model failed ({type(exc).__name__})")))
            finally:
                with contextlib.suppress(Exception):  # closes the HTTP response: the server stops generating
                    getattr(stream, "close", lambda: None)()

        threading.Thread(target=produce, name="newsbot-generate", daemon=True).start()
        deadline = time.monotonic() + self.settings.timeout_s
        text = ""
        first_at: float | None = None
        while True:
            try:
                kind, value = pieces.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                given_up.set()
                where = shown_url(self.settings.base_url)
                took = f"did not finish within {self.settings.timeout_s:g} s"
                return text, GenerationError(f"the language model at {where} {took}"), first_at
            if kind == "done":
                return text, None, first_at
            if kind == "error":
                return text, value, first_at
            if first_at is None:
                first_at = time.perf_counter()
            room = self.settings.max_tokens * CHARS_PER_TOKEN - len(text)
            text += value[:room]
            if on_token is not None and value[:room]:
                on_token(value[:room])
            if len(value) >= room:  # more than max_tokens allows: stop reading; the endpoint stops generating
                given_up.set()
                where = shown_url(self.settings.base_url)
                return text, CutOff(f"the language model at {where} sent more than llm.max_tokens allows"), first_at


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def shown_passages(found: Read, limit: int) -> list[tuple[Passage, list[tuple[int, int]]]]:
    """The passages the model sees, best first, each with the spans (in passage text) of its best sentences
    by the reader, in the passage's order. Passages without a sentence the reader rated are left out."""
    best: dict[str, list[tuple[int, int]]] = {}
    order: list[Passage] = []
    for sentence in found.reading.sentences:
        p = sentence.passage
        if _ADDRESSED.search(p.text[sentence.start - p.start : sentence.end - p.start]):
            continue
        if p.chunk_id not in best:
            if len(order) == limit:
                continue
            best[p.chunk_id] = []
            order.append(p)
        if len(best[p.chunk_id]) < PROMPT_SENTENCES:
            best[p.chunk_id].append((sentence.start - p.start, sentence.end - p.start))
    return [(p, sorted(best[p.chunk_id])) for p in order]


def prompt(question: str, shown: Sequence[tuple[Passage, list[tuple[int, int]]]]) -> tuple[str, str]:
    """The system and user messages: numbered passages (title, date, best sentences), then the question."""
    blocks = []
    for n, (p, spans) in enumerate(shown, 1):
        head = " · ".join(x for x in (p.title, p.published_at) if x)
        body = " ".join(p.text[a:b] for a, b in spans)
        blocks.append(f"[{n}] {head}\n{body}" if head else f"[{n}] {body}")
    return SYSTEM, "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\nAnswer:"


def _content(text: str) -> set[str]:
    return {stem(w) for w in query_terms(text)}


def _turning(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.lower().replace("n't", " not").replace("cannot", "can not"))
    return {w for w in words if w in _TURNING}


def _folded(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).casefold()


def without_foreign_links(sentence: str, passages: Sequence[Passage]) -> str:
    """The sentence with every link the passages do not contain taken out (a markdown link keeps its words)."""
    held = " ".join(p.text for p in passages)

    def keep(match: re.Match[str]) -> str:
        if match[2] is not None:  # [words](address)
            return match[0] if match[2] in held else match[1]
        return match[0] if match[0] in held else ""

    return " ".join(_LINK.sub(keep, sentence).split())


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def claims(text: str) -> list[tuple[str, list[int]]]:
    """The generated text as sentences, each without its citation marks, with the numbers it cited."""
    text = text.strip()
    out: list[tuple[str, list[int]]] = []
    for span in sentence_spans(text, soft_wraps=True):
        raw = text[span.start : span.end]
        cited = [int(n) for group in _CITE.findall(raw) for n in re.split(r"\s*[,;]\s*", group)]
        sentence = " ".join(_NOT_TEXT.sub("", _CITE.sub("", raw)).split())
        if out and not _WORD.search(sentence) and cited:  # "[2]" alone after a full stop: the last sentence's
            out[-1][1].extend(cited)
            continue
        if _WORD.search(sentence):
            out.append((sentence, cited))
    return out


def check(
    question: str,
    text: str,
    shown: Sequence[tuple[Passage, list[tuple[int, int]]]],
    embed: Callable[[list[str]], np.ndarray],
    cut_off: bool = False,
) -> Checked:
    """Keep each generated sentence that a sentence of the passage it cites supports; see the module doc."""
    passages = [p for p, _ in shown]
    kept: list[tuple[str, Support]] = []
    dropped: list[Dropped] = []
    found = claims(text)
    said: set[str] = set()
    for i, (sentence, cited) in enumerate(found):
        if cut_off and i == len(found) - 1 and not sentence.rstrip().endswith((".", "!", "?", '"', "”")):
            dropped.append(Dropped(sentence, "cut off: the model stopped mid-sentence"))
            continue
        sentence = without_foreign_links(sentence, passages)
        if not _WORD.search(sentence):
            continue
        said_before = " ".join(sentence.casefold().split())
        if said_before in said:
            continue  # the same sentence again (a model caught in a loop): said once
        said.add(said_before)
        real = [n for n in dict.fromkeys(cited) if 1 <= n <= len(passages)]
        invented = [n for n in cited if n not in real]
        where = [passages[n - 1] for n in real] if real else passages
        support = best_support(question, sentence, where, embed)
        if support is not None:
            kept.append((sentence, support))
            continue
        if real:
            names = ", ".join(f"[{n}]" for n in real)
            reason = f"not supported by the passage it cites ({names})"
        elif invented:
            names = ", ".join(f"[{n}]" for n in invented)
            reason = f"cites {names}, which names no passage, and no passage supports it"
        else:
            reason = "no citation, and no passage supports it"
        dropped.append(Dropped(sentence, reason))
    return Checked(tuple(kept), tuple(dropped))


def best_support(
    question: str, sentence: str, passages: Sequence[Passage], embed: Callable[[list[str]], np.ndarray]
) -> Support | None:
    """The sentence of ``passages`` that best supports ``sentence``, if one does (the rules above)."""
    words = _content(sentence) - _REPLIES
    if not words:
        return None  # "I don't know." and the like claim nothing
    new = words - _content(question)  # empty for "Yes, the bridge was paid for by a grant": the whole claim counts
    numbers = _numbers(sentence)
    turning = _turning(sentence)
    quoted = [_folded(q) for q in _QUOTED.findall(sentence)]
    candidates: list[tuple[float, Passage, int, int, str]] = []
    for p in passages:
        title = _content(p.title or "")
        for span in sentence_spans(p.text, soft_wraps=soft_wrapped(p.path)):
            quote = p.text[span.start : span.end]
            if _ADDRESSED.search(quote):
                continue
            have = _content(quote)
            cover = len(words & (have | title)) / len(words)
            if (
                cover >= SUPPORT_COVER
                and new <= have
                and numbers <= _numbers(quote)
                and turning <= _turning(quote)
                and all(q in _folded(quote) for q in quoted)
            ):
                candidates.append((cover, p, span.start, span.end, quote))
    if not candidates:
        return None
    vectors = np.asarray(embed([sentence] + [c[4] for c in candidates]), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    cosines = vectors[1:] @ vectors[0]
    _, i = max((cover + float(cos), i) for i, ((cover, *_), cos) in enumerate(zip(candidates, cosines)))
    if float(cosines[i]) < SUPPORT_COSINE:
        return None
    _, p, a, b, quote = candidates[i]
    return Support(p, p.start + a, p.start + b, quote, float(cosines[i]))


def compose(checked: Checked) -> tuple[str, tuple[Citation, ...]]:
    """The kept claims, each ending with [n]; one citation per supporting sentence, numbered in order."""
    numbers: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    parts = []
    for sentence, s in checked.kept:
        key = (s.passage.article_id, s.start)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(Citation.quoting(numbers[key], s.passage, s.text, s.start, s.end, s.cosine))
        parts.append(f"{sentence} [{numbers[key]}]")
    return " ".join(parts), tuple(citations)
