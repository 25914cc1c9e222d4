"""newsbot's settings: one root with nested, documented sections.

Sources, first wins: explicit arguments, environment (``NEWSBOT_``, nested with ``__``),
``.env``, a TOML file (``config/newsbot.toml`` or ``NEWSBOT_CONFIG=path``), defaults.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from newsbot.config.errors import ConfigError

# The shipped configuration, found beside this file from any working directory (in a checkout it is
# config/newsbot.toml; installed, the package's copy). NEWSBOT_CONFIG names another.
DEFAULT_CONFIG_FILE = Path(__file__).with_name("newsbot.toml")

# Page furniture, one regular expression per rule. A rule that matches a whole line (after
# stripping) drops the line; INLINE_FURNITURE rules cut only the matched text out of a line.
DEFAULT_LINE_FURNITURE = [
    r"(?i)[•·*\-\s]*(print friendly, pdf (&|and) email|print friendly|send to kindle|print this( article| page)?|"
    r"email this( article| page)?|share this( article| story)?|share on (facebook|twitter|linkedin|whatsapp|x)|"
    r"tweet( this)?|share|email|print|pin it|save|copy link)[\s:]*",
    r"(?i)please let us know if you'?re having issues with commenting\.?",
    r"(?i)(we|this (web)?site) uses? cookies\b.{0,200}",
    r"(?i)(accept|manage) (all )?cookies|cookie (policy|settings|preferences)",
    r"(?i)advertisement|sponsored( content)?|skip advertisement|story continues below advertisement",
    r"(?i)(sign up|subscribe) (for|to) (our|the) [\w\s]{0,40}newsletters?\b.{0,120}",
    r"(?i)(ap|afp|reuters|getty images|ap photo|afp photo|reuters photo|photo|file photo)(\s*/\s*[\w .,'-]{1,60})?",
    r"(?i)(photo|image|picture|credit|photo credit)s?\s*:.{0,120}",
    r"(?i)(click|tap) here to .{0,80}",
    r"(?i)(\d+\s+)?comments?|leave a comment|view comments|show comments",
    # Ad-feedback widgets and newsletter sign-up / data-consent boxes captured with the page.
    r"(?i)(\d+\.\s*)?how relevant is this ad to you\??",
    r"(?i)video player was slow to load content\b.{0,300}",
    r"(?i).{0,240}\bsign up here\b.{0,120}",
    r"(?i)would you like to receive (the|our) .{0,60}newsletter\s*\??",
    r"(?i)the [\w ]{1,40} newsletter provides you with\b.{0,200}",
    r"(?i)we will use the (details|information) you have shared\b.{0,600}",
    r"(?i)if you wish to object to the use of your data\b.{0,200}",
    r"(?i)['\u2018\u2019]we['\u2018\u2019] includes .{0,160}",
]
DEFAULT_INLINE_FURNITURE = [
    r"\[(?i:photo|photos|image|images|picture|credit|photo credit|video)\s*:[^\]\n]{0,200}\]",
]


class Section(BaseModel):
    """A settings section: unknown keys are errors, so a typo never passes silently; inf and nan are not numbers."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class CleaningSettings(Section):
    """How page furniture is removed from article text at ingestion."""

    enabled: bool = Field(True, description="Remove page furniture at all.")
    line_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LINE_FURNITURE),
        description="Regular expressions; a line that matches one in full (after stripping) is dropped.",
    )
    inline_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INLINE_FURNITURE),
        description="Regular expressions whose matches are cut out of a line (e.g. [Photo: ...] credits).",
    )
    extra_line_patterns: list[str] = Field(
        default_factory=list, description="More line rules, added to line_patterns (handy in TOML or env)."
    )

    @field_validator("line_patterns", "inline_patterns", "extra_line_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})") from None
        return patterns


class CorpusSettings(Section):
    """Where the articles are and how they are read."""

    paths: list[Path] = Field(
        default_factory=lambda: [Path("seeds")],
        description="Folders (searched recursively) or files holding articles.",
    )
    extensions: list[str] = Field(
        default_factory=lambda: [".txt", ".md", ".html", ".htm", ".json", ".jsonl"],
        description="File endings that are read as articles; everything else is ignored.",
    )
    max_article_mb: float = Field(
        5.0, gt=0, le=1000, description="Largest article text accepted, in MB; a larger file or record is skipped."
    )
    follow_links_outside: bool = Field(
        False,
        description="Follow symbolic links that lead outside the corpus paths (off: they are reported and skipped).",
    )
    cleaning: CleaningSettings = Field(default_factory=CleaningSettings)


class IndexSettings(Section):
    """How articles become vectors."""

    data_dir: Path = Field(Path(".newsbot"), description="Where the embedded Chroma and the lexical index live.")
    embedder: str = Field(
        "minilm-l6-int8",
        description='"minilm-l6-int8" (bundled, offline) or "st:MODEL" for a sentence-transformers model '
        "(needs the sentence-transformers extra and the model on disk).",
    )
    chunk_tokens: int = Field(
        200,
        ge=32,
        le=512,
        description="Largest chunk, in tokens of the embedding model (a change needs `newsbot index --rebuild`).",
    )
    chunk_overlap: int = Field(
        40, ge=0, le=256, description="Tokens of whole sentences repeated between chunks (a change needs --rebuild)."
    )
    batch_size: int = Field(16, ge=1, le=256, description="Chunks embedded per model call (sorted by length).")
    watch_debounce_ms: int = Field(1500, ge=50, description="--watch waits this long after the last change.")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, value: int, info: Any) -> int:
        size = info.data.get("chunk_tokens")
        if size is not None and value >= size:
            raise ValueError(f"must be smaller than index.chunk_tokens ({size})")
        return value


class ChromaSettings(Section):
    """Where the vectors are stored."""

    mode: Literal["embedded", "http"] = Field(
        "embedded", description='"embedded": a PersistentClient under index.data_dir; "http": a `chroma run` server.'
    )
    host: str = Field("127.0.0.1", description="Chroma server host (http mode).")
    port: int = Field(8000, ge=1, le=65535, description="Chroma server port (http mode).")
    ssl: bool = Field(False, description="Use TLS to reach the Chroma server (http mode).")
    token: SecretStr | None = Field(None, description="Bearer token for the Chroma server, if it requires one.")
    timeout_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Seconds to wait for the Chroma server to answer a call, its whole reply included (http mode); "
        "a server that never answers, or drips its reply, is given up on with one line naming it.",
    )
    collection_prefix: str = Field(
        "newsbot", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$", description="Collection names start with this."
    )


class RetrievalSettings(Section):
    """How passages are found and ranked."""

    k: int = Field(8, ge=1, le=100, description="Passages returned for a question.")
    candidates: int = Field(60, ge=5, le=1000, description="Candidates taken from each of dense and lexical search.")
    rrf_k: float = Field(60.0, gt=0, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in the fusion.")
    lexical_weight: float = Field(2.0, ge=0, description="Weight of the BM25 ranking in the fusion.")
    recency_half_life_days: float = Field(
        7.0,
        gt=0,
        description="Recency prior: an article this many days older than --as-of gets half the boost "
        '(for "latest", "now" or "still" with no time named: than the newest relevant report).',
    )
    recency_weight: float = Field(
        2.0,
        ge=0,
        description='Recency prior strength for a question that asks for recency ("latest", "this week", "now", '
        '"still", "recently"): fused score x (1 + weight x 0.5^(age/half_life)); 0 = off.',
    )
    recency_tiebreak: float = Field(
        0.02,
        ge=0,
        description="The same prior's strength for any other question: enough to put the newest of reports that "
        "rank alike first (a developing story), too little to bury an older article; 0 = off.",
    )
    article_support: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Each passage gains this share of the scores of its article's two best other passages, "
        "so a story covered at length outranks a passing mention; 0 = off.",
    )
    dedup_overlap: float = Field(
        0.8,
        gt=0,
        le=1,
        description="A passage sharing this share of its word 5-grams with a better one is dropped (one story).",
    )


class AnswerSettings(Section):
    """How an answer is read from passages (the fitted reader: index/answer/reader.py, `newsbot eval --fit`)."""

    max_sentences: int = Field(
        2,
        ge=1,
        le=8,
        description="Sentences quoted in an answer: the reader's best, then the next it finds at least half as likely, "
        "from the same article or another.",
    )
    passages: int = Field(5, ge=1, le=20, description="Top passages whose sentences the reader considers.")
    shortlist: int = Field(
        16,
        ge=1,
        le=200,
        description="Sentences embedded per answer: the best by the reader's cheap features (speed vs. recall).",
    )
    min_confidence: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Abstain when the reader's confidence that the passages answer the question is below this; "
        "unset: the value calibrated when the reader was fitted.",
    )
    weights: Path | None = Field(
        None, description="A reader fitted by `newsbot eval --fit` (JSON); unset: the one shipped with newsbot."
    )
    generator: Literal["none", "openai"] = Field(
        "none",
        description='"none": the answer is the quoted sentences the reader picks; "openai": a language model at '
        "llm.base_url (any OpenAI-compatible chat endpoint) writes it, and every sentence is checked against "
        "the passage it cites.",
    )


class LLMSettings(Section):
    """The language model that writes answers when answer.generator = "openai"."""

    base_url: str = Field(
        "http://127.0.0.1:8080/v1",
        description="An OpenAI-compatible API: llama.cpp's llama-server, Ollama (http://127.0.0.1:11434/v1), "
        "vLLM, LM Studio or a hosted one.",
    )
    model: str = Field("", description="The model name the endpoint knows (e.g. llama3.2:3b for Ollama).")
    api_key: SecretStr | None = Field(
        None, description="Sent as a bearer token, if the endpoint needs one; set NEWSBOT_LLM__API_KEY (a secret)."
    )
    timeout_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Longest wait for the whole generated answer; then the quoted answer is shown, with a line saying "
        "so.",
    )
    max_tokens: int = Field(
        300,
        ge=16,
        le=4096,
        description="Longest generated answer, in the model's tokens; an endpoint that sends more than 8 characters "
        "a token is cut off there.",
    )
    passages: int = Field(4, ge=1, le=10, description="Passages the model is shown, each as its best sentences.")

    @field_validator("base_url")
    @classmethod
    def _is_http(cls, url: str) -> str:
        if not re.match(r"https?://[^\s/]+", url.strip()):
            raise ValueError(f"{masked_url(url)!r} is not an http(s) address; write e.g. http://127.0.0.1:8080/v1")
        return url.strip().rstrip("/")


def masked_url(text: str) -> str:
    """``text`` with the user name and password of any address in it replaced by ***."""
    return re.sub(r"(\b[a-zA-Z][\w+.-]*://)[^\s/@]*@", r"\1***@", text)


class DiscordSettings(Section):
    """The Discord front-end (`newsbot discord`)."""

    token: SecretStr | None = Field(
        None, description="Bot token from the Discord developer portal; set NEWSBOT_DISCORD__TOKEN (a secret)."
    )
    guild_ids: list[int] = Field(
        default_factory=list, description="Servers the bot answers in; empty = every server it is invited to."
    )
    channel_ids: list[int] = Field(
        default_factory=list,
        description="Channels the bot answers in (threads inside them included); empty = every channel.",
    )
    allow_dms: bool = Field(False, description="Answer questions sent in direct messages.")
    admin_role_ids: list[int] = Field(
        default_factory=list, description="Roles allowed to run /reindex, besides members with Manage Server."
    )
    cooldown_seconds: float = Field(
        5.0, gt=0, description="Per user: one question per this many seconds on average (0 < value)."
    )
    cooldown_burst: int = Field(3, ge=1, le=100, description="Per user: questions allowed in a quick burst.")
    max_question_chars: int = Field(500, ge=10, le=4000, description="Longest question accepted, in characters.")
    threads: bool = Field(
        True, description="Answer an @mention in a new thread named after the question (False: reply in place)."
    )
    context_turns: int = Field(
        3, ge=0, le=20, description="Earlier questions of a bot thread used as context for a follow-up."
    )
    dev_guild_ids: list[int] = Field(
        default_factory=list,
        description="Development servers: slash commands are synced there instantly instead of globally.",
    )
    watch_corpus: bool = Field(
        False,
        description="Watch corpus.paths (and every folder indexed with --corpus) and sync new articles in the "
        "background.",
    )
    workers: int = Field(
        2,
        ge=1,
        le=32,
        description="Questions answered at once (threads); more than the CPU cores only adds contention.",
    )
    follow_posts_per_hour: int = Field(
        10, ge=1, le=1000, description="Per channel: most new-article posts an hour for /follow (the rest wait)."
    )


class FetchSettings(Section):
    """How pages and feeds are fetched (`newsbot add`, `[feeds]`): politely, and never from inside your network."""

    folder: Path | None = Field(
        None,
        description='Where fetched pages are saved as raw copies; unset: "fetched" inside the first corpus path.',
    )
    timeout_seconds: float = Field(
        20.0, gt=0, le=600, description="Longest a request may take, connecting and reading included."
    )
    max_mb: float = Field(5.0, gt=0, le=1000, description="Largest response read, in MB; a larger page is refused.")
    per_host_seconds: float = Field(
        1.0, ge=0, le=3600, description="At least this many seconds between two requests to the same host."
    )
    respect_robots: bool = Field(True, description="Follow each site's robots.txt (pages it disallows are refused).")
    allow_private_addresses: bool = Field(
        False,
        description="Fetch from loopback, private, link-local and metadata addresses (off: refused, after "
        "every redirect too).",
    )
    private_hosts: list[str] = Field(
        default_factory=list,
        description='Hosts (e.g. "192.168.1.20" or "wiki.home") fetched even though their address is private.',
    )
    max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed before a page is given up on.")


class FeedsSettings(Section):
    """Feeds followed: RSS 2.0, Atom and JSON Feed. None by default, and then newsbot makes no request."""

    urls: list[str] = Field(default_factory=list, description="Feed addresses (http or https).")

    @field_validator("urls")
    @classmethod
    def _web_addresses(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"(?i)https?://[^/\s]+", url.strip()):
                raise ValueError(f"{url[:100]!r} is not an http(s) address; give one like https://example.org/rss.xml")
        return [url.strip() for url in urls]

    poll_minutes: float = Field(
        30.0, gt=0, le=10080, description="How often the feeds are polled by `index --watch`, the REPL and Discord."
    )
    full_text_chars: int = Field(
        1500,
        ge=0,
        description="An entry whose own content has at least this much text is saved as it is, without fetching "
        "its link (0: always fetch the link).",
    )
    max_backoff_minutes: float = Field(
        1440.0, ge=1, description="Longest wait before retrying a feed that keeps failing (doubling from poll_minutes)."
    )


class LoggingSettings(Section):
    """Logs go to stderr."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("WARNING", description="Log level.")


class Settings(BaseSettings):
    """The root of newsbot's settings."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    corpus: CorpusSettings = Field(default_factory=CorpusSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    feeds: FeedsSettings = Field(default_factory=FeedsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, TomlConfigSettingsSource(settings_cls, config_file())


def config_file() -> Path:
    """The TOML file in use: NEWSBOT_CONFIG, else the shipped newsbot.toml beside this module."""
    return Path(os.environ.get("NEWSBOT_CONFIG") or DEFAULT_CONFIG_FILE)


# NEWSBOT_ variables that are not settings: the configuration file's path, and the test suite's crash points.
NOT_SETTINGS = frozenset({"NEWSBOT_CONFIG", "NEWSBOT_FAILPOINT"})


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from every source, turning validation errors into one readable ConfigError."""
    path = config_file()
    if os.environ.get("NEWSBOT_CONFIG") and not path.is_file():
        raise ConfigError(f"NEWSBOT_CONFIG names {path}, which is not a file. Point it at a TOML file or unset it.")
    unknown = unknown_variables(os.environ)
    if Path(".env").is_file():
        from dotenv import dotenv_values

        unknown += unknown_variables(dotenv_values(".env"), "the variable {key} in .env")
    if unknown:
        raise ConfigError("\n".join(unknown))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except SettingsError as exc:  # a list or table setting in the environment or .env that is not JSON
        raise ConfigError(_describe_unparsed(str(exc))) from None
    except (ValueError, OSError) as exc:  # e.g. a TOML syntax error (tomllib names the line, not its text)
        raise ConfigError(f"could not read the configuration in {path}: {masked_url(str(exc))}") from None


def setting_names(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every section and leaf setting, dotted: "retrieval", "retrieval.k", "corpus.cleaning.enabled", ..."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        dotted = prefix + name
        names.append(dotted)
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names.extend(setting_names(kind, dotted + "."))
    return names


def secret_names(model: type[BaseModel] = Settings, prefix: str = "") -> set[str]:
    """The dotted names of the settings that hold secrets (SecretStr): their values are never printed."""
    found: set[str] = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= secret_names(kind, prefix + name + ".")
        elif "SecretStr" in str(kind):
            found.add(prefix + name)
    return found


SECRETS = secret_names()
_NAMES = setting_names()
LEAVES = {name for name in _NAMES if not any(other.startswith(name + ".") for other in _NAMES)}  # not sections


def unknown_variables(environ: Any, where: str = "the environment variable {key}") -> list[str]:
    """One message per NEWSBOT_ variable that names no setting, with the closest real one (values never shown:
    a misspelled NEWSBOT_DISCORD__TOKN holds a secret)."""
    known = setting_names()
    messages = []
    for key in sorted(environ):
        upper = key.upper()
        if not upper.startswith("NEWSBOT_") or upper in NOT_SETTINGS:
            continue
        dotted = upper.removeprefix("NEWSBOT_").lower().replace("__", ".")
        if dotted in known:
            continue
        close = difflib.get_close_matches(dotted, known, n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]} (NEWSBOT_{close[0].upper().replace('.', '__')})?"
            if close
            else "see docs/configuration.md for the settings"
        )
        messages.append(f"{where.format(key=key)} names no setting; {hint} Rename or unset it.")
    return messages


def _describe_unparsed(text: str) -> str:
    found = re.search(r'field "(\w+)" from source "(\w+)"', text)
    if not found:
        return f"could not read the settings: {text}"
    section, source = found.groups()
    where = ".env" if "DotEnv" in source else "the environment"
    names = sorted(k for k in os.environ if k.upper().startswith(f"NEWSBOT_{section.upper()}__"))
    settings = ", ".join(f"{k.removeprefix('NEWSBOT_').lower().replace('__', '.')} ({k})" for k in names) or section
    return (
        f"invalid setting {settings} in {where}: list and table values are written as JSON, "
        """e.g. NEWSBOT_CORPUS__PATHS='["seeds", "more"]'"""
    )


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        env = "NEWSBOT_" + "__".join(str(part).upper() for part in error["loc"])
        value = error.get("input")
        # A value is echoed only for a setting that holds no secret: never a section (`discord = "..."` in
        # the TOML file is a token put in the wrong place), a secret, or a password in an address.
        leaf = name in LEAVES and name not in SECRETS
        shown = f" = {masked_url(repr(value))}" if leaf and not isinstance(value, dict) else ""
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":  # a misspelled secret's value is never echoed
            close = difflib.get_close_matches(name, setting_names(), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else "see docs/configuration.md for the settings"
            lines.append(f"invalid setting {name}: there is no such setting; {hint} Rename or remove it.")
            continue
        lines.append(f"invalid setting {name}{shown}: {message} (set it in {config_file()} or {env})")
    return "\n".join(lines)


def setting_origins(settings: Settings, given: dict[str, Any] | None = None) -> dict[str, tuple[Any, str]]:
    """Every leaf setting, dotted, with its effective value (secrets masked) and the source it came from;
    ``given``: the values the command line passed to load_settings (they win over every other source)."""
    sources: list[tuple[str, dict[str, Any]]] = [("command line", given or {})]
    for label, source in (
        ("environment", EnvSettingsSource(Settings)),
        (".env", DotEnvSettingsSource(Settings)),
        (str(config_file()), TomlConfigSettingsSource(Settings, config_file())),
    ):
        try:
            sources.append((label, source()))
        except Exception:  # noqa: BLE001 - an unreadable source simply contributes nothing
            sources.append((label, {}))

    result: dict[str, tuple[Any, str]] = {}

    def walk(model: BaseModel, path: tuple[str, ...]) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            dotted = path + (name,)
            if isinstance(value, BaseModel):
                walk(value, dotted)
                continue
            origin = "default"
            for label, data in sources:
                if _has_path(data, dotted):
                    origin = label
                    break
            if isinstance(value, SecretStr):
                value = "**********" if value.get_secret_value() else ""
            elif isinstance(value, str):
                value = masked_url(value)
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, list):
                value = [str(v) if isinstance(v, Path) else v for v in value]
            result[".".join(dotted)] = (value, origin)

    walk(settings, ())
    return result


def _has_path(data: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True
