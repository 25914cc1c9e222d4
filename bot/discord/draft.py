"""A generated answer shown growing in one Discord message while the model writes it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from newsbot.discord import render

log = logging.getLogger("newsbot.discord")
DRAFT_INTERVAL = 1.0  # seconds between edits of a growing answer


class Draft:
    """A generated answer shown growing in one message while the model writes it: edited at most once per
    DRAFT_INTERVAL seconds (well within Discord's rate limits), never after ``close``. The checked answer
    then replaces it (``shown``: whether there is a draft message to replace)."""

    def __init__(self, show: Callable[[str], Awaitable[None]]) -> None:
        self.loop = asyncio.get_running_loop()
        self._show = show
        self.text = ""
        self.shown = False
        self.closed = False
        self._last = -DRAFT_INTERVAL
        self._task: asyncio.Task[None] | None = None
        self._editing = False

    def on_token(self, piece: str) -> None:
        """From the answering thread: add a piece of text; the next edit shows it."""
        self.loop.call_soon_threadsafe(self._add, piece)

    def _add(self, piece: str) -> None:
        if self.closed:
            return
        self.text += piece
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._edit())

    async def _edit(self) -> None:
        wait = self._last + DRAFT_INTERVAL - self.loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if self.closed or not self.text.strip():
            return
        self._last = self.loop.time()
        self._editing = True
        try:
            await self._show(render.clip(render.plain(self.text), render.CONTENT_LIMIT - 40) + " ▍")
            self.shown = True
        except discord.HTTPException as exc:  # a draft is a courtesy: the checked answer still comes
            log.debug("draft edit failed: %s", exc)
        finally:
            self._editing = False

    async def close(self) -> None:
        """No more edits: the one in flight, if any, finishes first, so the checked answer lands last."""
        self.closed = True
        task = self._task
        if task is not None and not task.done():
            if not self._editing:
                task.cancel()  # still waiting for its turn
            await asyncio.gather(task, return_exceptions=True)
