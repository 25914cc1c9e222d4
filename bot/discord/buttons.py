"""The buttons under an answer, which survive restarts: "Show passage [n]" and 👍 / 👎."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from newsbot.discord import render
from newsbot.discord.guards import report_error
from newsbot.discord.render import NO_PINGS
from newsbot.index.app import Answer

if TYPE_CHECKING:
    from newsbot.discord.client import NewsbotDiscord


def answer_view(answer_id: str, answer: Answer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for citation in answer.citations[:20]:
        view.add_item(PassageButton(answer_id, citation.n))
    view.add_item(VoteButton(answer_id, True))
    view.add_item(VoteButton(answer_id, False))
    return view


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"newsbot:(?P<answer>[0-9a-f]{12})"
):
    """A button under an answer, known by its custom id after a restart. A failure becomes an error report
    with a reference the user can quote."""

    def __init__(self, answer_id: str, custom_id: str, label: str | None = None, emoji: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=custom_id)
        )
        self.answer_id = answer_id

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            client: NewsbotDiscord = interaction.client  # type: ignore[assignment]
            await self.respond(interaction, client)
        except Exception as exc:  # noqa: BLE001
            await report_error(interaction, exc)

    async def respond(self, interaction: discord.Interaction, client: NewsbotDiscord) -> None:
        raise NotImplementedError


class PassageButton(AnswerButton, template=r"newsbot:passage:(?P<answer>[0-9a-f]{12}):(?P<n>\d{1,2})"):
    """ "Show passage [n]": the whole passage behind a quote, to the person who clicks."""

    def __init__(self, answer_id: str, n: int) -> None:
        super().__init__(answer_id, f"newsbot:passage:{answer_id}:{n}", label=f"Show passage [{n}]")
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PassageButton:
        return cls(match["answer"], int(match["n"]))

    async def respond(self, interaction: discord.Interaction, client: NewsbotDiscord) -> None:
        citation = client.feedback.citation(self.answer_id, self.n)
        if citation is None:
            await interaction.response.send_message(
                "That passage is no longer available. Ask the question again for fresh sources.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.send_message(
            embed=render.passage_embed(citation), ephemeral=True, allowed_mentions=NO_PINGS
        )


class VoteButton(AnswerButton, template=r"newsbot:vote:(?P<answer>[0-9a-f]{12}):(?P<vote>up|down)"):
    """👍 / 👎 on an answer; one vote per person, the latest counts."""

    def __init__(self, answer_id: str, up: bool) -> None:
        super().__init__(answer_id, f"newsbot:vote:{answer_id}:{'up' if up else 'down'}", emoji="👍" if up else "👎")
        self.up = up

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(match["answer"], match["vote"] == "up")

    async def respond(self, interaction: discord.Interaction, client: NewsbotDiscord) -> None:
        known = client.feedback.vote(self.answer_id, interaction.user.id, self.up)
        text = (
            f"Thanks, your {'👍' if self.up else '👎'} is recorded."
            if known
            else "I no longer have that answer on record, so the vote was not counted."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
