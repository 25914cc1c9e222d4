"""`newsbot discord`: a thin Discord front-end over the same newsbot facade (index/app.py) the CLI and REPL use.

The client is start-up and wiring: intents, the cog, the buttons, the command tree and the corpus watcher. What
the bot does is in cog.py: the slash commands, the @mention listener (answered in threads, with follow-ups), their
checks (place, question, cooldown) and answering off the event loop; the buttons are in buttons.py, the cooldown
and error reports in guards.py. Nothing slow runs on the event loop: answering and syncing go to threads.
Every message is sent with mentions disabled.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import discord
from discord.ext import commands

from newsbot.config.errors import DiscordStartError, SyncBusyError
from newsbot.config.settings import DiscordSettings, Settings
from newsbot.discord.buttons import PassageButton, VoteButton
from newsbot.discord.cog import NewsCog
from newsbot.discord.feedback import FeedbackLog
from newsbot.discord.follows import FollowCog
from newsbot.discord.render import NO_PINGS
from newsbot.index.app import Answer, Newsbot, PollReport, Query, Stats, SyncReport, today

log = logging.getLogger("newsbot.discord")


class NewsbotApp(Protocol):
    """What the bot needs of newsbot (index/app.py's Newsbot): ask, sync the corpus, stats. All blocking."""

    def ask(self, query: Query, on_token: Callable[[str], None] | None = None) -> Answer: ...

    def sync(self) -> SyncReport: ...

    def sync_running(self) -> bool: ...

    def watch(
        self,
        on_change: Callable[[], None],
        paths: list[Path] | None = None,
        stop: threading.Event | None = None,
        on_ready: Callable[[list[Path]], None] | None = None,
    ) -> None: ...

    def stats(self) -> Stats: ...

    def follow_feeds(self, stop: threading.Event, on_saved: Callable[[PollReport], None] | None = None) -> None: ...

    def matching(self, topic: str, article_ids: list[str]) -> Answer: ...


class NewsbotDiscord(commands.Bot):
    """The bot. Receives newsbot, its settings and the feedback log; builds nothing itself."""

    def __init__(
        self,
        app: NewsbotApp,
        settings: Settings,
        feedback: FeedbackLog,
        today: Callable[[], date] = today,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # for follow-ups without a mention; dropped at start if not granted
        # A text bot: discord.py's start-up warnings that voice needs PyNaCl and davey are noise here.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=NO_PINGS,
            help_command=None,
        )
        self.app = app
        self.settings = settings
        self.config: DiscordSettings = settings.discord
        self.feedback = feedback
        self.today = today
        self.message_content = True
        self._watch_stop = threading.Event()
        self._watcher: asyncio.Future[None] | None = None
        self.follows: FollowCog | None = None

    async def setup_hook(self) -> None:
        self._check_message_content_intent()
        await self.add_cog(NewsCog(self))
        self.follows = FollowCog(self)
        await self.add_cog(self.follows)
        self.add_dynamic_items(PassageButton, VoteButton)
        if self.config.dev_guild_ids:
            for guild_id in self.config.dev_guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()
        loop = asyncio.get_running_loop()
        if self.config.watch_corpus:  # the watcher polls the feeds too
            self._watcher = asyncio.ensure_future(asyncio.to_thread(self._watch, loop))
        elif self.settings.feeds.urls:
            self._watcher = asyncio.ensure_future(asyncio.to_thread(self._follow_feeds, loop))

    async def on_ready(self) -> None:
        RECONNECT_LOG.reset()  # connected: the next lost connection is logged again

    async def on_resumed(self) -> None:
        RECONNECT_LOG.reset()

    def _check_message_content_intent(self) -> None:
        flags = self.application.flags if self.application else None
        if flags is not None and (flags.gateway_message_content or flags.gateway_message_content_limited):
            return
        # Without it Discord refuses the connection (4014); with it off, mentions still carry their text.
        self.intents.message_content = False
        self._connection._intents.message_content = False
        self.message_content = False
        log.warning(
            "the Message Content intent is not enabled for this bot: @mentions and slash commands work, but "
            "follow-up questions in threads need a mention. Enable it in the Discord Developer Portal: "
            "your application -> Bot -> Privileged Gateway Intents -> Message Content Intent."
        )

    async def close(self) -> None:
        self._watch_stop.set()
        if self._watcher is not None:
            await asyncio.wait([self._watcher], timeout=5)
        await super().close()

    async def on_command_error(self, context: commands.Context[Any], exception: Exception) -> None:
        """The prefix is a mention, so every question by @mention looks like an unknown command to discord.py's
        command layer (the cog answers it from on_message): that is not an error. Anything else is logged."""
        if isinstance(exception, commands.CommandNotFound):
            return
        await super().on_command_error(context, exception)  # type: ignore[arg-type]

    # -------------------------------------------------------------------------------------- syncing

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        # corpus.paths and every folder indexed with --corpus, and the feeds; the same watcher as
        # `newsbot index --watch`
        self.app.watch(
            lambda: self._sync(loop),
            stop=self._watch_stop,
            on_ready=lambda watched: log.info("watching %s for new articles", ", ".join(map(str, watched))),
        )

    def _follow_feeds(self, loop: asyncio.AbstractEventLoop) -> None:
        """No watcher: poll the feeds on their interval and sync what they bring."""
        self.app.follow_feeds(self._watch_stop, lambda _report: self._sync(loop))

    def _sync(self, loop: asyncio.AbstractEventLoop) -> None:
        """A background sync (off the event loop); its new articles go to the channels following them."""
        while not self._watch_stop.is_set():
            try:
                report = self.app.sync()
            except SyncBusyError:  # /reindex (or `newsbot index`) is syncing: go after it
                self._watch_stop.wait(1.0)
                continue
            except Exception:  # noqa: BLE001 - a failed background sync is logged; watching goes on
                log.exception("background sync failed (still watching)")
                return
            log.info("background sync: %s", report.summary())
            if report.added_ids and not loop.is_closed():
                asyncio.run_coroutine_threadsafe(self.synced(report), loop)
            return

    async def synced(self, report: SyncReport) -> None:
        """After any sync this process ran: tell the channels that follow a topic about its new articles."""
        if self.follows is not None and report.added_ids:
            try:
                sent = await self.follows.announce(report.added_ids)
            except Exception:  # noqa: BLE001 - announcing never breaks the sync or the bot
                log.exception("announcing new articles failed")
                return
            if sent:
                log.info("posted %d new articles to following channels", sent)


# ------------------------------------------------------------------------------------------- wiring


def build_bot(settings: Settings, app: Newsbot | None = None) -> NewsbotDiscord:
    """The bot over newsbot (built from settings unless given)."""
    feedback = FeedbackLog(Path(settings.index.data_dir) / "discord.sqlite3")
    return NewsbotDiscord(app or Newsbot(settings), settings, feedback)


def token_of(settings: Settings) -> str:
    token = settings.discord.token.get_secret_value().strip() if settings.discord.token else ""
    if not token:
        raise DiscordStartError(
            "no Discord bot token: set NEWSBOT_DISCORD__TOKEN (in the environment or .env); "
            "docs/discord.md explains how to get one"
        )
    return token


class ReconnectLog(logging.Filter):
    """discord.py logs every failed reconnect attempt with a full traceback, over and over while Discord is
    out of reach. Keep the first of a run as one warning line and drop the rest until the bot is connected
    again (``reset``, on ready and on resume)."""

    def __init__(self) -> None:
        super().__init__()
        self.quiet = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Attempting a reconnect"):
            return True
        if self.quiet:
            return False
        self.quiet = True
        cause = record.exc_info[1] if record.exc_info else None
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200] if cause else "no reason given"
        record.msg = "lost the connection to Discord (%s); reconnecting on its own, logged once until it is back"
        record.args = (reason,)
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True

    def reset(self) -> None:
        self.quiet = False


RECONNECT_LOG = ReconnectLog()
logging.getLogger("discord.client").addFilter(RECONNECT_LOG)


async def run_bot(bot: NewsbotDiscord, token: str) -> None:
    """Start the bot and run until it is closed; warm the model first so the first question is quick."""
    await asyncio.to_thread(lambda: bot.app.ask(Query("warm up", as_of=None)))
    try:
        async with bot:
            await bot.start(token)
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        # Only the login gets here: once connected, discord.py reconnects by itself (see ReconnectLog).
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise DiscordStartError(
            f"cannot reach Discord ({reason}); check this machine's internet connection, DNS, proxy or firewall "
            "(discord.com on port 443 must be reachable), then run newsbot discord again"
        ) from None
    except discord.LoginFailure:
        raise DiscordStartError(
            "Discord rejected the token in NEWSBOT_DISCORD__TOKEN; copy a new one from the Developer Portal "
            "(your application -> Bot -> Reset Token)"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise DiscordStartError(
            "Discord refused the Message Content intent; enable it in the Developer Portal "
            "(your application -> Bot -> Privileged Gateway Intents)"
        ) from None
