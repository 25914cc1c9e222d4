"""A channel that hears about new articles: /follow TOPIC, /following, /unfollow.

A follow is a saved question. After every sync the bot runs (the watcher, a feed poll, /reindex), each
follow's topic is asked of the newly indexed articles alone; the articles the reader's answer cites (its own
threshold decides, as for any question) are posted in the follow's channel: headline, date, source, link
and the one sentence that matched, mentions off. An article is posted once per channel; at most
discord.follow_posts_per_hour a channel, the rest wait their turn (kept on disk, like the follows).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.config.errors import UsageError
from newsbot.discord import render
from newsbot.discord.cog import command_error
from newsbot.discord.cog import ephemeral as _ephemeral
from newsbot.discord.render import NO_PINGS
from newsbot.index.app import Citation, private_dir

if TYPE_CHECKING:
    from newsbot.discord.client import NewsbotDiscord

log = logging.getLogger("newsbot.discord")

MAX_TOPIC_CHARS = 200
MAX_FOLLOWS_PER_CHANNEL = 25

SCHEMA = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY, guild_id INTEGER, channel_id INTEGER NOT NULL, topic TEXT NOT NULL,
    created_by INTEGER, created_at REAL NOT NULL, UNIQUE (channel_id, topic)
);
CREATE TABLE IF NOT EXISTS announced (
    channel_id INTEGER NOT NULL, article_id TEXT NOT NULL, follow_id INTEGER, citation TEXT NOT NULL,
    queued_at REAL NOT NULL, posted_at REAL, PRIMARY KEY (channel_id, article_id)
);
"""


@dataclass(frozen=True)
class Follow:
    id: int
    channel_id: int
    topic: str


class FollowBook:
    """The follows and what each channel was told, in DATA_DIR/discord.sqlite3 (they survive restarts)."""

    def __init__(self, path: Path) -> None:
        private_dir(path.parent)
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def add(self, guild_id: int | None, channel_id: int, topic: str, user_id: int) -> Follow:
        with self.lock:
            count = self.db.execute("SELECT count(*) FROM follows WHERE channel_id = ?", (channel_id,)).fetchone()[0]
            if count >= MAX_FOLLOWS_PER_CHANNEL:
                raise UsageError(f"this channel follows {count} topics already, the most allowed; /unfollow one first")
            try:
                cursor = self.db.execute(
                    "INSERT INTO follows (guild_id, channel_id, topic, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                    (guild_id, channel_id, topic, user_id, time.time()),
                )
            except sqlite3.IntegrityError:
                raise UsageError(f"this channel follows “{topic}” already; /following lists its topics") from None
        return Follow(int(cursor.lastrowid or 0), channel_id, topic)

    def in_channel(self, channel_id: int) -> list[Follow]:
        with self.lock:
            rows = self.db.execute(
                "SELECT id, channel_id, topic FROM follows WHERE channel_id = ? ORDER BY id", (channel_id,)
            ).fetchall()
        return [Follow(*row) for row in rows]

    def all(self) -> list[Follow]:
        with self.lock:
            rows = self.db.execute("SELECT id, channel_id, topic FROM follows ORDER BY id").fetchall()
        return [Follow(*row) for row in rows]

    def remove(self, channel_id: int, which: str) -> Follow:
        follows = self.in_channel(channel_id)
        if not follows:
            raise UsageError("this channel follows no topic; /follow TOPIC starts one")
        found = [f for f in follows if str(f.id) == which.strip() or f.topic.lower() == which.strip().lower()]
        if not found:
            listed = "; ".join(f"{f.id}: {f.topic}" for f in follows)
            raise UsageError(f"this channel follows no topic “{which}”. Its topics: {listed}")
        with self.lock:
            self.db.execute("DELETE FROM follows WHERE id = ?", (found[0].id,))
        return found[0]

    def queue(self, channel_id: int, follow_id: int, citation: Citation) -> bool:
        """Queue an article for a channel; False when the channel had it already (announced once)."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO announced (channel_id, article_id, follow_id, citation, queued_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (channel_id, citation.article_id, follow_id, json.dumps(citation.to_json()), time.time()),
            )
        return cursor.rowcount > 0

    def due(self, per_hour: int, now: float) -> list[tuple[int, str, str, str]]:
        """The queued posts each channel may send now: (channel, article, topic, citation JSON), oldest first."""
        with self.lock:
            rows = self.db.execute(
                "SELECT a.channel_id, a.article_id, coalesce(f.topic, ''), a.citation FROM announced a "
                "LEFT JOIN follows f ON f.id = a.follow_id WHERE a.posted_at IS NULL ORDER BY a.queued_at"
            ).fetchall()
            sent = dict(
                self.db.execute(
                    "SELECT channel_id, count(*) FROM announced WHERE posted_at > ? GROUP BY channel_id",
                    (now - 3600,),
                ).fetchall()
            )
        out = []
        for channel_id, article_id, topic, citation in rows:
            if sent.get(channel_id, 0) < per_hour:
                sent[channel_id] = sent.get(channel_id, 0) + 1
                out.append((channel_id, article_id, topic, citation))
        return out

    def next_room(self, now: float) -> float | None:
        """Seconds until a channel with posts waiting may post again; None when nothing waits."""
        with self.lock:
            row = self.db.execute(
                "SELECT min(oldest) FROM (SELECT (SELECT min(posted_at) FROM announced p WHERE p.channel_id = a.channel_id "
                "AND p.posted_at > ?) AS oldest FROM announced a WHERE a.posted_at IS NULL)",
                (now - 3600,),
            ).fetchone()
            waiting = self.db.execute("SELECT 1 FROM announced WHERE posted_at IS NULL LIMIT 1").fetchone()
        if waiting is None:
            return None
        return max(0.0, (row[0] or now) + 3600 - now)

    def posted(self, channel_id: int, article_id: str, now: float) -> None:
        with self.lock:
            self.db.execute(
                "UPDATE announced SET posted_at = ? WHERE channel_id = ? AND article_id = ?",
                (now, channel_id, article_id),
            )

    def forget_channel(self, channel_id: int) -> None:
        """The channel is gone or the bot may not post there: its follows and queue go."""
        with self.lock:
            self.db.execute("DELETE FROM follows WHERE channel_id = ?", (channel_id,))
            self.db.execute("DELETE FROM announced WHERE channel_id = ? AND posted_at IS NULL", (channel_id,))


def article_embed(citation: Citation, topic: str) -> discord.Embed:
    """One new article: headline (linked), date, source, the sentence that matched the topic."""
    embed = discord.Embed(
        title=render.clip(render.plain(citation.title or "(untitled)"), render.TITLE_LIMIT),
        url=render._safe_url(citation.url or "") or None,
        description=f"> {render.clip(render.plain(citation.quote), 1000)}",
        colour=render.ANSWER_COLOUR,
    )
    embed.add_field(name="Date", value=render.day(citation.published_at) or "undated")
    embed.add_field(name="Source", value=render.clip(render.plain(citation.source or "-"), 200))
    embed.set_footer(text=render.clip(f"New article on a topic this channel follows: {topic}", 200))
    return embed


class FollowCog(commands.Cog):
    """/follow, /following, /unfollow, and the posts they bring."""

    def __init__(self, bot: NewsbotDiscord) -> None:
        self.bot = bot
        self.app = bot.app
        self.config = bot.config
        self.book = FollowBook(Path(bot.settings.index.data_dir) / "discord.sqlite3")
        self._posting = asyncio.Lock()
        self._later: asyncio.TimerHandle | None = None  # the next try for posts held back by the hourly cap

    async def cog_unload(self) -> None:
        if self._later is not None:
            self._later.cancel()
        self.book.close()

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await command_error(interaction, error)

    def _check_manager(self, interaction: discord.Interaction) -> int:
        if interaction.guild_id is None or interaction.channel_id is None:
            raise UsageError("/follow works in a server channel, not in direct messages")
        if not interaction.permissions.manage_channels:
            raise UsageError("Only members with the Manage Channels permission can change what this channel follows.")
        return interaction.channel_id

    @app_commands.command(name="follow", description="Post new articles on a topic in this channel (Manage Channels).")
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.describe(topic="What to follow, as a question or a few words, e.g. Northport ferries")
    async def follow(self, interaction: discord.Interaction, topic: str) -> None:
        channel_id = self._check_manager(interaction)
        topic = " ".join(topic.split())
        if not topic:
            raise UsageError("Please name a topic, e.g. `/follow topic: Northport ferries`")
        if len(topic) > MAX_TOPIC_CHARS:
            raise UsageError(f"The topic is {len(topic)} characters long; the limit is {MAX_TOPIC_CHARS}.")
        added = self.book.add(interaction.guild_id, channel_id, topic, interaction.user.id)
        await _ephemeral(
            interaction,
            f"Following “{render.plain(added.topic)}” here: each new article that answers it is posted in this "
            f"channel (at most {self.config.follow_posts_per_hour} an hour). /unfollow {added.id} stops it.",
        )

    @app_commands.command(name="following", description="The topics this channel follows.")
    async def following(self, interaction: discord.Interaction) -> None:
        if interaction.channel_id is None:
            raise UsageError("/following works in a server channel")
        follows = self.book.in_channel(interaction.channel_id)
        text = (
            "\n".join(f"`{f.id}` {render.plain(f.topic)}" for f in follows)
            if follows
            else "This channel follows no topic. `/follow topic:` starts one (Manage Channels)."
        )
        await _ephemeral(interaction, text)

    @app_commands.command(name="unfollow", description="Stop following a topic in this channel (Manage Channels).")
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.describe(topic="The topic, or its number from /following")
    async def unfollow(self, interaction: discord.Interaction, topic: str) -> None:
        channel_id = self._check_manager(interaction)
        removed = self.book.remove(channel_id, topic)
        await _ephemeral(interaction, f"No longer following “{render.plain(removed.topic)}” here.")

    # ------------------------------------------------------------------------------------------ posting

    async def announce(self, article_ids: list[str]) -> int:
        """Match the newly indexed ``article_ids`` against every follow, queue what matched, post what each
        channel may post now. Returns the number of posts sent."""
        if article_ids:
            follows = self.book.all()
            for f in follows:
                try:
                    answer = await asyncio.to_thread(self.app.matching, f.topic, article_ids)
                except Exception:  # noqa: BLE001 - one follow's failure never stops the others
                    log.exception("matching follow %s failed", f.id)
                    continue
                if not answer.answered:
                    continue
                seen: set[str] = set()
                for citation in answer.citations:
                    if citation.article_id in seen:
                        continue
                    seen.add(citation.article_id)
                    self.book.queue(f.channel_id, f.id, citation)
        return await self.post_due()

    async def post_due(self) -> int:
        sent = 0
        async with self._posting:
            for channel_id, article_id, topic, data in self.book.due(self.config.follow_posts_per_hour, time.time()):
                fields = json.loads(data)
                citation = Citation(**{k: fields.get(k) for k in Citation.__dataclass_fields__ if k != "passage"})
                channel = self.bot.get_partial_messageable(channel_id)
                try:
                    await channel.send(embed=article_embed(citation, topic), allowed_mentions=NO_PINGS)
                except (discord.NotFound, discord.Forbidden) as exc:
                    log.warning("cannot post in channel %s (%s): its follows are removed", channel_id, exc)
                    self.book.forget_channel(channel_id)
                    continue
                except discord.HTTPException as exc:
                    log.warning("posting a new article in channel %s failed (%s); will try again", channel_id, exc)
                    continue
                self.book.posted(channel_id, article_id, time.time())
                sent += 1
            self._try_later()
        return sent

    def _try_later(self) -> None:
        """Posts held back by discord.follow_posts_per_hour go out when the hour frees room."""
        wait = self.book.next_room(time.time())
        if wait is None or self._later is not None:
            return

        def again() -> None:
            self._later = None
            asyncio.ensure_future(self.post_due())

        self._later = asyncio.get_running_loop().call_later(wait + 1, again)
