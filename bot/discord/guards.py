"""The bot's guards: a per-user cooldown, and what a user is told when something fails (with a reference to the log)."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

import discord

from newsbot.discord.render import NO_PINGS

log = logging.getLogger("newsbot.discord")


class Cooldown:
    """Per-user token bucket: ``burst`` questions at once, then one per ``seconds``."""

    def __init__(self, seconds: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.burst = burst
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, user_id: int) -> float:
        """0 when the user may ask now (and a token is spent), else the seconds to wait."""
        now = self.clock()
        tokens, last = self._buckets.get(user_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.seconds)
        if tokens >= 1.0:
            self._buckets[user_id] = (tokens - 1.0, now)
            return 0.0
        self._buckets[user_id] = (tokens, now)
        return (1.0 - tokens) * self.seconds


def new_ref() -> str:
    return secrets.token_hex(2).upper()


def passing_trouble(error: BaseException) -> str | None:
    """What to tell the user when the index is briefly out of reach or busy (no reference needed)."""
    from newsbot.config.errors import IndexUnavailableError, SyncBusyError

    if isinstance(error, IndexUnavailableError):
        log.warning("index unavailable: %s", error)
        return "The index is unavailable right now, try again shortly."
    if isinstance(error, SyncBusyError):
        return "A sync is already running. Try again when it has finished."
    return None


def logged_error(error: BaseException, where: str) -> tuple[str, str]:
    """Log the full trace under a fresh reference: (the reference, the one text people are shown)."""
    ref = new_ref()
    log.error("error %s %s", ref, where, exc_info=error)
    text = (
        f"Something went wrong (ref {ref}). Please try again; if it keeps happening, tell the server admins this "
        "reference."
    )
    return ref, text


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """An ephemeral "something went wrong (ref XXXX)"; the full trace goes to the log under that ref."""
    ref, text = logged_error(error, f"in interaction {getattr(interaction, 'id', '?')}")
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not tell the user about error %s", ref)
