"""Every error a user may see. Each subclasses NewsbotError, and its text says what happened, then what to do.

Front ends catch NewsbotError at their edge and show its text as one message (the CLI: one line and exit 2;
the REPL: one line, and it goes on; Discord: an ephemeral reply). Anything else is a bug and keeps its
traceback. Nothing here imports anything, so any module (config/ too) may raise these.
"""

from __future__ import annotations


class NewsbotError(Exception):
    """An error a user can act on; ``str(error)`` is the whole message."""


class ConfigError(NewsbotError):
    """Invalid configuration; the message names the setting and what is allowed."""


class UsageError(NewsbotError):
    """A value a user typed is wrong (a CLI option, a REPL command, a question's filters); the message says
    which, and how to write it."""


class CorpusPathError(NewsbotError):
    """A configured corpus path does not exist; the user should fix the setting."""


class StoreError(NewsbotError):
    """Chroma cannot be opened or reached; the user should check the chroma settings."""


class IndexMismatchError(StoreError):
    """The stored index was built with other embedding or chunking settings."""


class IndexUnavailableError(StoreError):
    """The Chroma server does not answer right now; the next request tries again."""


class IndexWriteError(StoreError):
    """The index could not be written (disk full, read-only); what it held before still answers."""


class SyncBusyError(StoreError):
    """Another sync holds the data directory's lock."""


class EmbedderError(NewsbotError):
    """The embedding model could not be loaded; shown with what to install or configure."""


class ReaderError(NewsbotError):
    """The fitted reader's weights cannot be read; the message names the file and what to do."""


class EvalInputError(NewsbotError):
    """The questions file cannot be used; the message names the file, line and field."""


class DiscordStartError(NewsbotError):
    """The bot could not start (no token, token rejected); the message names the setting to fix."""


class FetchError(NewsbotError):
    """A page or feed gave nothing usable, with one line saying why; ``retry_after`` in seconds when the
    server said when to come back (429, 503)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RefusedAddress(FetchError):
    """A host whose address is not on the public internet (and not allowed by the fetch settings)."""


class NotAnArticle(FetchError):
    """A page that was fetched but is not an article (a PDF, an image, no main text, a login wall)."""


def user_message(exc: BaseException) -> str | None:
    """The text to show for an error users can act on; None for a bug (which keeps its traceback)."""
    return str(exc) if isinstance(exc, NewsbotError) else None
