"""What people say to the bot: the slash commands (/ask, /reindex, /stats, /help, with one error hook) and
the @mention listener (questions in threads, follow-ups without a mention)."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, TypedDict

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.config.errors import UsageError
from newsbot.discord import render
from newsbot.discord.buttons import answer_view
from newsbot.discord.guards import Cooldown, logged_error, passing_trouble, report_error
from newsbot.discord.render import NO_PINGS
from newsbot.index.app import Answer, Query, Stats, SyncReport, parse_day, turn_text

log = logging.getLogger("newsbot.discord")

if TYPE_CHECKING:
    from newsbot.discord.client import NewsbotApp, NewsbotDiscord


HELP_TEXT = (
    "I answer questions from the indexed news articles and quote my sources, so you can check every claim.\n\n"
    "**Ask**\n"
    "• `/ask question:` — optionally `source:` (e.g. cnn.com), `since:` / `until:` (YYYY-MM-DD)\n"
    "• or mention me: `@newsbot who ordered the attack on Kirkuk?` — I answer in a thread, "
    "where follow-up questions need no mention\n\n"
    "**Read the answer**\n"
    "• `[1]`, `[2]` point to the sources below the answer: title, source, date and the quoted sentence\n"
    "• **Show passage** reveals the whole passage behind a quote (only to you)\n"
    "• 👍 / 👎 tell us whether the answer helped\n"
    "• When the articles do not say, I tell you so instead of guessing\n\n"
    "**More**\n"
    "• `/stats` — what is indexed\n"
    "• `/reindex` — pick up new articles now (Manage Server or an admin role)"
)


class Send(TypedDict, total=False):
    """One message of an answer, as keyword arguments for ``send``."""

    embeds: list[discord.Embed]
    allowed_mentions: discord.AllowedMentions
    view: discord.ui.View


_ANSWERS_QUESTIONS = {"ask"}  # the commands bound to discord.channel_ids / guild_ids (/help, /stats answer anywhere)


def _parse_day(value: str | None, option: str) -> date | None:
    return parse_day(render.clip(value, 40), f"{option}: ") if value else None


class NewsCog(commands.Cog):
    """The slash commands, the message listener, their checks and the answering: what the bot does. The client
    (client.py) only starts it; the cog asks the client for nothing but who the bot is and what day it is."""

    def __init__(self, bot: NewsbotDiscord) -> None:
        self.bot = bot
        self.app: NewsbotApp = bot.app
        self.config = bot.config
        self.feedback = bot.feedback
        self.cooldown = Cooldown(self.config.cooldown_seconds, self.config.cooldown_burst)
        # Answering is CPU-bound: more threads than cores only fight over the GIL, which the event loop
        # (the gateway heartbeat) needs too.
        self.workers = ThreadPoolExecutor(self.config.workers, thread_name_prefix="newsbot-answer")

    async def cog_unload(self) -> None:
        self.workers.shutdown(wait=False, cancel_futures=True)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Before every slash command of the cog: questions are answered only where the settings allow."""
        command = interaction.command
        if command is not None and command.name in _ANSWERS_QUESTIONS:
            try:
                self._check_place(interaction)
            except UsageError as exc:  # discord.py routes only its own errors to cog_app_command_error
                raise app_commands.CheckFailure(str(exc)) from None
        return True

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await command_error(interaction, error)

    # ------------------------------------------------------------------------------ checks and replies

    def place_allowed(self, guild_id: int | None, channel: object) -> bool:
        """Whether questions are answered here: allowed server, allowed channel (a thread counts as its parent)."""
        if guild_id is None:
            return self.config.allow_dms
        if self.config.guild_ids and guild_id not in self.config.guild_ids:
            return False
        if not self.config.channel_ids:
            return True
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & set(self.config.channel_ids))

    def check_question(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise UsageError("Please ask a question, e.g. `/ask question: Who won the election?`")
        limit = self.config.max_question_chars
        if len(question) > limit:
            raise UsageError(
                f"Your question is {len(question)} characters long; the limit is {limit}. Please shorten it."
            )
        return question

    def check_cooldown(self, user_id: int) -> None:
        wait = self.cooldown.take(user_id)
        if wait > 0:
            raise UsageError(f"You're asking faster than I can keep up. Try again in {wait:.0f} s.")

    def messages_for(self, answer_id: str, answer: Answer, question: str) -> list[Send]:
        """kwargs for each message to send; the buttons go with the last one."""
        messages = render.pack_messages(render.answer_embeds(answer, question))
        sends: list[Send] = [{"embeds": embeds, "allowed_mentions": NO_PINGS} for embeds in messages]
        sends[-1]["view"] = answer_view(answer_id, answer)
        return sends

    def _check_place(self, interaction: discord.Interaction) -> None:
        if not self.place_allowed(interaction.guild_id, interaction.channel):
            raise UsageError(
                "I don't answer questions here. Please ask in one of the channels the server admins set up for me."
                if interaction.guild_id
                else "I don't answer direct messages. Please ask in a server channel."
            )

    @app_commands.command(name="ask", description="Ask a question; the answer quotes and cites the news articles.")
    @app_commands.describe(
        question="Your question, e.g. Who ordered the attack on Kirkuk?",
        source="Only use articles from this source, e.g. cnn.com",
        since="Only use articles published on or after this date (YYYY-MM-DD)",
        until="Only use articles published on or before this date (YYYY-MM-DD)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: str,
        source: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        question = self.check_question(question)
        first, last = _parse_day(since, "since"), _parse_day(until, "until")
        query = Query(question, source=(source or "").strip() or None, since=first, until=last, as_of=self.bot.today())
        self.check_cooldown(interaction.user.id)
        # "newsbot is thinking…" until the answer is checked: a model's unchecked words are never posted.
        await interaction.response.defer(thinking=True)
        answer_id, answer = await self.answer(query, interaction.guild_id, interaction.channel_id, interaction.user.id)
        for kwargs in self.messages_for(answer_id, answer, question):
            await interaction.followup.send(**kwargs)

    @app_commands.command(name="reindex", description="Pick up new, changed and removed articles now (admins).")
    async def reindex(self, interaction: discord.Interaction) -> None:
        if not self._is_admin(interaction):
            raise UsageError("Only members with the Manage Server permission (or an admin role) can run /reindex.")
        if self.app.sync_running():
            raise UsageError("A sync is already running. Try again when it has finished.")
        await interaction.response.defer(thinking=True)
        started = time.perf_counter()
        report = await asyncio.to_thread(self.app.sync)  # SyncBusyError if one started meanwhile: the hook
        log.info("reindex by %s: %s", interaction.user.id, report.summary())
        await self.bot.synced(report)
        await interaction.followup.send(
            embed=sync_embed(report, time.perf_counter() - started), allowed_mentions=NO_PINGS
        )

    def _is_admin(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            return False
        if interaction.permissions.manage_guild:
            return True
        roles = {role.id for role in getattr(interaction.user, "roles", [])}
        return bool(roles & set(self.config.admin_role_ids))

    @app_commands.command(name="stats", description="What is indexed, and how the answers have been received.")
    async def stats(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        stats = await asyncio.to_thread(self.app.stats)
        counts = self.feedback.counts()
        await interaction.followup.send(embed=stats_embed(stats, counts), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="help", description="What newsbot can do and how to ask.")
    async def help(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="newsbot", description=HELP_TEXT, colour=render.ANSWER_COLOUR)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """@mentions, direct messages and follow-ups in the bot's threads."""
        if message.author.bot or self.bot.user is None:
            return
        try:
            await self._on_message(message)
        except Exception as exc:  # noqa: BLE001 - any failure becomes a reference the user can quote
            text = passing_trouble(exc)
            if text is not None:
                await message.channel.send(text, allowed_mentions=NO_PINGS)
                return
            _, text = logged_error(exc, f"while answering message {message.id}")
            await message.channel.send(text, allowed_mentions=NO_PINGS)

    async def _on_message(self, message: discord.Message) -> None:
        assert self.bot.user is not None
        channel = message.channel
        is_dm = message.guild is None
        bot_thread = channel if isinstance(channel, discord.Thread) and channel.owner_id == self.bot.user.id else None
        in_bot_thread = bot_thread is not None
        mentioned = self.bot.user.mentioned_in(message) and not message.mention_everyone
        if is_dm and not self.config.allow_dms:
            return
        if not (mentioned or in_bot_thread or is_dm):
            return
        if not self.place_allowed(message.guild.id if message.guild else None, channel):
            log.debug("ignored a question in channel %s (not in discord.channel_ids / guild_ids)", channel.id)
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", "", message.content).strip()
        if not question and not mentioned:
            return  # e.g. an image, or a follow-up whose text we cannot read without the intent
        try:
            question = self.check_question(question)
            self.check_cooldown(message.author.id)
        except UsageError as exc:
            await message.reply(str(exc), mention_author=False, allowed_mentions=NO_PINGS)
            return

        context = await self._thread_context(bot_thread, message) if bot_thread is not None else None
        target: discord.abc.Messageable = channel
        if mentioned and not is_dm and not isinstance(channel, discord.Thread) and self.config.threads:
            target = await message.create_thread(name=render.clip(question, 90), auto_archive_duration=1440)
        async with target.typing():  # until the answer is checked: a model's unchecked words are never posted
            query = Query(question, as_of=self.bot.today(), context=context)
            answer_id, answer = await self.answer(
                query, message.guild.id if message.guild else None, channel.id, message.author.id
            )
        for kwargs in self.messages_for(answer_id, answer, question):
            await target.send(**kwargs)

    # -------------------------------------------------------------------------------------- answering

    async def answer(
        self,
        query: Query,
        guild_id: int | None,
        channel_id: int | None,
        user_id: int,
    ) -> tuple[str, Answer]:
        """Answer off the event loop; only the checked answer is ever shown (no draft of a model's words)."""
        started = time.perf_counter()

        def answer_and_record() -> tuple[str, Answer]:  # off the event loop: the answer, and its record for the buttons
            found = self.app.ask(query)
            answer_id = secrets.token_hex(6)
            self.feedback.record(answer_id, found, guild_id, channel_id, user_id)
            return answer_id, found

        answer_id, answer = await asyncio.get_running_loop().run_in_executor(self.workers, answer_and_record)
        log.info(
            "question answered=%s citations=%d latency_ms=%.0f guild=%s channel=%s",
            answer.answered,
            len(answer.citations),
            (time.perf_counter() - started) * 1000,
            guild_id,
            channel_id,
        )
        log.debug("question text: %r", query.text)
        return answer_id, answer

    async def _thread_context(self, thread: discord.Thread, message: discord.Message) -> str | None:
        """The thread's last few questions, oldest first: people's messages and the questions the bot answered."""
        turns = self.config.context_turns
        if turns == 0:
            return None
        questions: list[str] = []
        assert self.bot.user is not None
        async for earlier in thread.history(limit=turns * 4, before=message):
            if earlier.author.id == self.bot.user.id:
                embed = earlier.embeds[0] if earlier.embeds and earlier.embeds[0].title != "Sources" else None
                if embed is not None and embed.title:
                    # the question, with the names its first quote holds (what "she" in a follow-up means)
                    questions.append(turn_text(embed.title, render.first_quote(embed.description or "")))
            elif not earlier.author.bot:
                text = re.sub(rf"<@!?{self.bot.user.id}>", "", earlier.content).strip()
                if text:
                    questions.append(text)
        seen: list[str] = []
        for q in questions:  # newest first; a person's question and the bot's answer title repeat it
            if q not in seen:
                seen.append(q)
        return "\n".join(reversed(seen[:turns])) or None


async def command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """Every cog's slash-command error: what the user can act on as a reply only they see, a passing trouble
    (a sync running, the index out of reach) as its line, anything else as a reference to the logged trace."""
    original = getattr(error, "original", error)
    text = str(original) if isinstance(original, UsageError | app_commands.CheckFailure) else passing_trouble(original)
    if text is not None:
        await ephemeral(interaction, text)
        return
    await report_error(interaction, original)


async def ephemeral(interaction: discord.Interaction, text: str) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def sync_embed(report: SyncReport, seconds: float) -> discord.Embed:
    lines = [
        f"**added** {report.added} · **updated** {report.updated} · **removed** {report.removed} · "
        f"**skipped** {len(report.skipped)} · unchanged {report.unchanged}",
        f"{report.articles} articles, {report.chunks} chunks; took {seconds:.1f} s",
    ]
    for skip in report.skipped[:5]:
        lines.append(f"• skipped `{render.clip(skip.path, 120)}`: {render.plain(render.clip(skip.reason, 200))}")
    if len(report.skipped) > 5:
        lines.append(f"• … and {len(report.skipped) - 5} more (see `newsbot index` on the server)")
    return discord.Embed(title="Index synced", description="\n".join(lines), colour=render.ANSWER_COLOUR)


def stats_embed(stats: Stats, counts: dict[str, int]) -> discord.Embed:
    embed = discord.Embed(title="newsbot stats", colour=render.ANSWER_COLOUR)
    embed.add_field(name="Articles", value=str(stats.get("articles", 0)))
    embed.add_field(name="Chunks", value=str(stats.get("chunks", 0)))
    sources = stats.get("sources") or {}
    top = ", ".join(f"{render.plain(k)} ({v})" for k, v in list(sources.items())[:8]) or "-"
    embed.add_field(name=f"Sources ({len(sources)})", value=render.clip(top, 1000), inline=False)
    embed.add_field(name="Dates", value=f"{stats.get('oldest') or '-'} → {stats.get('newest') or '-'}")
    embed.add_field(name="Last sync", value=str(stats.get("last_sync") or "never"))
    embed.add_field(
        name="Questions",
        value=f"{counts['questions']} asked, {counts['answered']} answered",
        inline=False,
    )
    embed.add_field(name="Feedback", value=f"👍 {counts['up']} · 👎 {counts['down']}")
    return embed
