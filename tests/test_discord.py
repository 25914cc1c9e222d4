"""The Discord front-end, driven through discord.py's real connection state with Discord-shaped payloads.

The answerer is the real one over the test corpus (fake embedder, real Chroma) unless a test needs
an answer of a particular shape; every REST call the bot makes is recorded by tests/discord_fake.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest

from newsbot.discord.client import NewsbotDiscord, build_bot
from newsbot.discord.guards import Cooldown
from newsbot.discord.render import answer_embeds, first_quote, split_on_sentences
from newsbot.index.answer.answerer import Answer, Citation
from newsbot.index.app import Newsbot, conversation_turn, turn_text
from newsbot.index.search import Query
from tests.discord_fake import (
    ADMIN_ROLE_ID,
    ALICE,
    BOB,
    BOT_ID,
    CHANNEL_ID,
    MANAGE_GUILD,
    OTHER_BOT,
    OTHER_CHANNEL_ID,
    FakeDiscord,
    Harness,
    mention_then_follow_up,
)
from tests.llm_script import Reply, ScriptedLLM

TODAY = date(2022, 6, 30)
ANSWERABLE = "Was the bridge cost paid for by a state grant?"
UNANSWERABLE = "What is the boiling point of liquid nitrogen in kelvin?"
EPHEMERAL = 64


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def services(bot: Newsbot, corpus: Path) -> Newsbot:
    bot.indexer.sync([corpus])
    return bot


@pytest.fixture
def make_discord(
    services: Newsbot, make_settings: Callable[..., Any], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[NewsbotDiscord, FakeDiscord, Harness]]:
    """A bot over the indexed test corpus, its fake Discord and the harness; settings sections as kwargs."""

    def make(
        answerer: Any = None, message_content: bool = True, **discord_settings: Any
    ) -> tuple[NewsbotDiscord, FakeDiscord, Harness]:
        settings = make_settings([corpus], discord=discord_settings)
        services.settings = settings
        bot = build_bot(settings, services)
        bot.today = lambda: TODAY
        if answerer is not None:
            monkeypatch.setattr(services, "ask", answerer.answer)
        fake = FakeDiscord(message_content=message_content)
        return bot, fake, Harness(bot, fake, monkeypatch)

    return make


def calls_to(fake: FakeDiscord, prefix: str, method: str = "POST") -> list[Any]:
    return [body for m, path, body in fake.calls if m == method and path.startswith(prefix)]


def followups(fake: FakeDiscord) -> list[dict[str, Any]]:
    return calls_to(fake, "/webhooks/")


def callbacks(fake: FakeDiscord) -> list[dict[str, Any]]:
    return calls_to(fake, "/interactions/")


async def ask_once(bot: Any, harness: Any, fake: FakeDiscord, question: str = ANSWERABLE) -> None:
    """Connect, ask one /ask, disconnect."""
    await harness.start()
    await harness.interaction(fake.slash("ask", {"question": question}))
    await bot.close()


def custom_ids(body: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in body.get("components", []) for c in row["components"]]


class StubAnswerer:
    """An Answerer returning a fixed answer (or raising), recording the queries it got."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None) -> None:
        self.fixed = answer
        self.error = error
        self.queries: list[Query] = []

    def answer(self, query: Query, k: int | None = None, on_token: Any = None) -> Answer:
        self.queries.append(query)
        if self.error:
            raise self.error
        assert self.fixed is not None
        return replace(self.fixed, question=query.text)


class RecordingAnswerer:
    """The real answerer, recording the queries it got."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.queries: list[Query] = []

    def answer(self, query: Query, k: int | None = None, on_token: Any = None) -> Answer:
        self.queries.append(query)
        return self.inner.answer(query, k)


def long_answer(n: int = 8, words: int = 260) -> Answer:
    sentences = [" ".join(f"w{i}x{j}" for j in range(words)) + "." for i in range(1, n + 1)]
    citations = tuple(
        Citation(
            n=i,
            article_id=f"a{i}",
            title=f"Article {i}",
            source="example.com",
            url=f"https://example.com/{i}",
            path=None,
            published_at="2022-06-0" + str(i % 9 + 1),
            quote=s,
            start=0,
            end=len(s),
            score=0.9,
            passage=s,
        )
        for i, s in enumerate(sentences, 1)
    )
    text = " ".join(f"{s} [{i}]" for i, s in enumerate(sentences, 1))
    return Answer("q", True, text, citations, (), {"total": 1.0})


# ---------------------------------------------------------------------------------------- /ask


def test_commands_registered_with_descriptions_for_every_option(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        await bot.close()

    run(scenario())
    (commands,) = calls_to(fake, "/applications/", "PUT")
    by_name = {c["name"]: c for c in commands}
    assert set(by_name) == {"ask", "reindex", "stats", "help", "follow", "following", "unfollow"}
    for command in commands:
        assert command["description"]
        for option in command.get("options", []):
            assert option["description"], (command["name"], option["name"])
    assert [o["name"] for o in by_name["ask"]["options"]] == ["question", "source", "since", "until"]


def test_ask_defers_then_follows_up_with_cited_embed_and_no_pings(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    run(ask_once(bot, harness, fake))
    (callback,) = callbacks(fake)
    assert callback["type"] == 5  # deferred "thinking", within the 3-second window
    (reply,) = followups(fake)
    assert reply["allowed_mentions"] == {"parse": []}
    answer_embed, sources = reply["embeds"]
    assert answer_embed["title"] == ANSWERABLE
    assert "[1]" in answer_embed["description"] and "grant" in answer_embed["description"].lower()
    assert sources["title"] == "Sources"
    assert re.search(r"\*\*\[1\]\*\* .+ — .+, 2022-06-\d\d", sources["description"])
    assert "“" in answer_embed["description"]  # the quote is in the answer, not repeated under Sources
    assert "“" not in sources["description"]
    ids = custom_ids(reply)
    assert any(re.fullmatch(r"newsbot:passage:[0-9a-f]{12}:1", i) for i in ids)
    assert sum(i.startswith("newsbot:vote:") for i in ids) == 2


def test_sources_link_without_preview_and_quotes_cannot_ping(make_discord: Any) -> None:
    citation = Citation(
        1,
        "a1",
        "Council [votes]",
        "example.com",
        "https://example.com/a(1)",
        None,
        "2022-06-12",
        "Hi @everyone and <@&812345678901234567>, *bold*.",
        0,
        10,
        0.9,
        "p",
    )
    answer = Answer("q", True, "Hi @everyone and <@&812345678901234567>, *bold*. [1]", (citation,), (), {})
    bot, fake, harness = make_discord(answerer=StubAnswerer(answer))

    run(ask_once(bot, harness, fake, "ping @everyone?"))
    (reply,) = followups(fake)
    assert reply["allowed_mentions"] == {"parse": []}
    text = json.dumps(reply["embeds"], ensure_ascii=False)
    assert "@everyone" not in text and "<@&812345678901234567>" not in text  # escaped with a zero-width space
    assert "[Council (votes)](<https://example.com/a%281%29>)" in reply["embeds"][1]["description"]


def test_abstention_is_rendered_as_such(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    run(ask_once(bot, harness, fake, UNANSWERABLE))
    (reply,) = followups(fake)
    (embed,) = reply["embeds"]
    assert embed["footer"]["text"] == "Not found in the indexed articles"
    assert embed["description"].startswith("I could not find an answer to that in the indexed articles.")
    assert not any(i.startswith("newsbot:passage:") for i in custom_ids(reply))


def test_long_answer_is_split_on_sentences_within_discord_limits(make_discord: Any) -> None:
    answer = long_answer()
    bot, fake, harness = make_discord(answerer=StubAnswerer(answer))

    run(ask_once(bot, harness, fake, "Tell me everything"))
    replies = followups(fake)
    assert len(replies) > 1
    text = ""
    for reply in replies:
        embeds = reply["embeds"]
        assert len(embeds) <= 10
        assert sum(len(e.get("title") or "") + len(e.get("description") or "") for e in embeds) <= 6000
        for embed in embeds:
            assert len(embed["description"]) <= 4096
            if embed.get("title") == "Sources":
                for block in embed["description"].split("\n**["):
                    assert "](<https://example.com/" in block and "\n" not in block  # whole source lines only
            else:
                text += " " + embed["description"]
        assert reply["allowed_mentions"] == {"parse": []}
    assert re.findall(r"\[(\d)\]", text) == [str(i) for i in range(1, 9)]
    for i in range(1, 9):  # every sentence arrives whole, followed by its marker
        assert f"w{i}x259.” [{i}]" in text
    assert custom_ids(replies[-1]) and not any(custom_ids(r) for r in replies[:-1])
    sources = "".join(e["description"] for r in replies for e in r["embeds"] if e.get("title") == "Sources")
    assert [int(n) for n in re.findall(r"\*\*\[(\d)\]\*\*", sources)] == list(range(1, 9))


def test_the_short_answer_leads_in_bold_and_the_sources_do_not_repeat_the_quote() -> None:
    from newsbot.index.answer.answerer import ShortAnswer

    quote = "Striker Dee Mensah scored twice in the final."
    citation = Citation(
        1,
        "a",
        "Cup final",
        "sports.test",
        "https://sports.test/a",
        None,
        "2022-06-18",
        quote,
        0,
        len(quote),
        0.9,
        quote,
    )
    answer = Answer("q", True, f"{quote} [1]", (citation,), (), {}, 0.8, ShortAnswer("Dee Mensah", 1, 8, 18))
    answer_embed, sources = answer_embeds(answer, "Who scored twice?")
    assert answer_embed.description == "**Dee Mensah**\n“Striker **Dee Mensah** scored twice in the final.” [1]"
    assert sources.title == "Sources" and "scored twice" not in (sources.description or "")
    assert "[Cup final](<https://sports.test/a>)" in (sources.description or "")


def test_a_thread_follow_up_borrows_the_names_of_the_first_quote_as_the_repl_does() -> None:
    """An answer may quote a second sentence (the lead beside the sentence that answers); the names a follow-up in
    the thread borrows are the first quote's, as in the REPL and `newsbot eval`, not the second's."""
    answer = replace(
        long_answer(2),
        question="Who is the deputy mayor?",
        citations=tuple(
            replace(c, quote=q)
            for c, q in zip(
                long_answer(2).citations,
                ["He named council member Grace Oduya as deputy mayor.", "Tomas Reyes took the oath of office."],
            )
        ),
    )
    description = answer_embeds(answer, answer.question)[0].description or ""
    assert "Tomas Reyes" in description and description.count("\n") == 1
    context = turn_text(answer.question, first_quote(description))
    assert context == conversation_turn(answer) == "Who is the deputy mayor? Grace Oduya"
    assert first_quote("a quote cut across two embeds") == "a quote cut across two embeds"


def test_split_on_sentences_cuts_between_sentences() -> None:
    text = "One two three. Four five six. Seven eight nine ten eleven."
    assert split_on_sentences(text, 20) == ["One two three.", "Four five six.", "Seven eight nine", "ten eleven."]
    assert split_on_sentences(text, 100) == [text]


# ---------------------------------------------------------------------------------------- refusals


def test_cooldown_allows_a_burst_then_asks_to_wait(make_discord: Any) -> None:
    bot, fake, harness = make_discord(answerer=StubAnswerer(long_answer(1, 5)))

    async def scenario() -> None:
        await harness.start()
        for _ in range(4):
            await harness.interaction(fake.slash("ask", {"question": "Again?"}))
        await harness.interaction(fake.slash("ask", {"question": "And me?"}, user_id=BOB))
        await bot.close()

    run(scenario())
    responses = callbacks(fake)
    assert [r["type"] for r in responses] == [5, 5, 5, 4, 5]
    refusal = responses[3]["data"]
    assert refusal["flags"] == EPHEMERAL
    assert re.fullmatch(r"You're asking faster than I can keep up\. Try again in \d s\.", refusal["content"])


def test_cooldown_bucket_refills_over_time() -> None:
    now = [0.0]
    cooldown = Cooldown(seconds=5, burst=3, clock=lambda: now[0])
    assert [cooldown.take(1) for _ in range(3)] == [0, 0, 0]
    assert cooldown.take(1) == pytest.approx(5.0)
    now[0] = 5.0
    assert cooldown.take(1) == 0
    assert cooldown.take(2) == 0  # per user


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("x" * 501, "Your question is 501 characters long; the limit is 500. Please shorten it."),
        ("   ", "Please ask a question, e.g. `/ask question: Who won the election?`"),
    ],
)
def test_bad_question_gets_a_short_ephemeral_reply(make_discord: Any, question: str, reply: str) -> None:
    bot, fake, harness = make_discord()

    run(ask_once(bot, harness, fake, question))
    (response,) = callbacks(fake)
    assert response["type"] == 4 and response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"] == reply
    assert followups(fake) == []


def test_question_outside_allowed_channels_is_declined(make_discord: Any) -> None:
    bot, fake, harness = make_discord(channel_ids=[CHANNEL_ID])

    async def scenario() -> None:
        await harness.start()
        await harness.interaction(fake.slash("ask", {"question": ANSWERABLE}, channel_id=OTHER_CHANNEL_ID))
        await harness.message(fake.message(f"<@{BOT_ID}> {ANSWERABLE}", channel_id=OTHER_CHANNEL_ID, mentions_bot=True))
        await bot.close()

    run(scenario())
    (response,) = callbacks(fake)
    assert response["data"]["flags"] == EPHEMERAL
    assert response["data"]["content"].startswith("I don't answer questions here.")
    assert calls_to(fake, "/channels/") == []  # the mention there is ignored


# ---------------------------------------------------------------------------------------- admin and stats


def test_reindex_refused_for_non_admin_and_run_for_admins(make_discord: Any, corpus: Path) -> None:
    bot, fake, harness = make_discord(admin_role_ids=[ADMIN_ROLE_ID])
    (corpus / "new.md").write_text(
        "---\ntitle: Ferry returns\n---\nThe Riverton ferry returned to service on Monday after repairs.\n"
    )

    async def scenario() -> None:
        await harness.start()
        await harness.interaction(fake.slash("reindex"))
        await harness.interaction(fake.slash("reindex", permissions=MANAGE_GUILD))
        await harness.interaction(fake.slash("reindex", user_id=BOB, roles=[ADMIN_ROLE_ID]))
        await bot.close()

    run(scenario())
    refused, first, second = callbacks(fake)
    assert refused["type"] == 4 and refused["data"]["flags"] == EPHEMERAL
    assert (
        refused["data"]["content"]
        == "Only members with the Manage Server permission (or an admin role) can run /reindex."
    )
    assert first["type"] == 5 and second["type"] == 5
    added, again = (body["embeds"][0]["description"] for body in followups(fake))
    assert added.startswith("**added** 1 · **updated** 0 · **removed** 0 · **skipped** 0 · unchanged 9")
    assert again.startswith("**added** 0 · **updated** 0 · **removed** 0 · **skipped** 0 · unchanged 10")


def test_reindex_runs_one_sync_at_a_time(make_discord: Any, services: Newsbot) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        with services.sync_lock.hold():  # a sync (the corpus watcher's, or `newsbot index`) is running
            await harness.interaction(fake.slash("reindex", permissions=MANAGE_GUILD))
        await bot.close()

    run(scenario())
    (response,) = callbacks(fake)
    assert response["data"]["content"] == "A sync is already running. Try again when it has finished."


def test_stats_shows_index_and_feedback(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        await harness.interaction(fake.slash("ask", {"question": ANSWERABLE}))
        vote = next(i for i in custom_ids(followups(fake)[0]) if i.endswith(":up"))
        await harness.interaction(fake.click(vote, fake._bot_message(CHANNEL_ID, followups(fake)[0])))
        await harness.interaction(fake.slash("stats"))
        await bot.close()

    run(scenario())
    stats = followups(fake)[-1]
    assert stats["flags"] == EPHEMERAL
    fields = {f["name"]: f["value"] for f in stats["embeds"][0]["fields"]}
    assert fields["Articles"] == "9"
    assert int(fields["Chunks"]) > 9
    assert fields["Questions"] == "1 asked, 1 answered"
    assert fields["Feedback"] == "👍 1 · 👎 0"
    assert fields["Dates"].startswith("2022-")


def test_help(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        await harness.interaction(fake.slash("help"))
        await bot.close()

    run(scenario())
    (response,) = callbacks(fake)
    assert response["data"]["flags"] == EPHEMERAL
    assert "/ask" in response["data"]["embeds"][0]["description"]


# ---------------------------------------------------------------------------------------- buttons


def test_passage_and_vote_buttons_work_after_a_restart(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def first_run() -> dict[str, Any]:
        await harness.start()
        await harness.interaction(fake.slash("ask", {"question": ANSWERABLE}))
        await bot.close()
        return fake._bot_message(CHANNEL_ID, followups(fake)[0])

    message = run(first_run())
    bot.feedback.close()
    passage_id = next(i for i in custom_ids(message) if i.startswith("newsbot:passage:"))
    down_id = next(i for i in custom_ids(message) if i.endswith(":down"))

    restarted, fake2, harness2 = make_discord()  # a new process: same data dir, no memory of the view

    async def second_run() -> None:
        await harness2.start()
        await harness2.interaction(fake2.click(passage_id, message))
        await harness2.interaction(fake2.click(down_id, message, user_id=BOB))
        await harness2.interaction(fake2.click(down_id, message, user_id=BOB))  # one vote per person
        await restarted.close()

    run(second_run())
    passage, vote, _ = callbacks(fake2)
    assert passage["type"] == 4 and passage["data"]["flags"] == EPHEMERAL
    shown = passage["data"]["embeds"][0]
    quote = message["embeds"][0]["description"].split(" [1]")[0].lstrip("“*")
    assert "**" in shown["description"] and shown["title"].startswith("[1] ")
    assert quote.split()[0] in shown["description"]
    assert vote["data"]["content"] == "Thanks, your 👎 is recorded." and vote["data"]["flags"] == EPHEMERAL
    assert restarted.feedback.counts() == {"questions": 1, "answered": 1, "up": 0, "down": 1}


# ---------------------------------------------------------------------------------------- mentions and threads


def test_mention_opens_a_thread_and_follow_ups_use_its_context(
    make_discord: Any, services: Newsbot, caplog: pytest.LogCaptureFixture
) -> None:
    answerer = RecordingAnswerer(services.answerer)
    bot, fake, harness = make_discord(answerer=answerer)

    async def scenario() -> None:
        await harness.start()
        await mention_then_follow_up(bot, harness, fake, ANSWERABLE, "And how much did it cost?")
        await bot.close()

    with caplog.at_level(logging.ERROR):
        run(scenario())
    # Issue 27 item 19: every @mention was logged at ERROR as an unknown command.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    thread_calls = [(m, p, b) for m, p, b in fake.calls if p.endswith("/threads")]
    assert len(thread_calls) == 1 and thread_calls[0][2]["name"] == ANSWERABLE
    thread_id = int(thread_calls[0][1].split("/")[4])
    in_thread = calls_to(fake, f"/channels/{thread_id}/messages")
    assert len(in_thread) == 2
    assert all(m["allowed_mentions"] == {"parse": []} for m in in_thread)
    assert in_thread[0]["embeds"][0]["title"] == ANSWERABLE
    first, follow_up = answerer.queries
    assert first.text == ANSWERABLE and first.context is None and first.as_of == TODAY
    assert follow_up.text == "And how much did it cost?"
    # the thread's earlier question steers retrieval, with the names its answer quoted ("it" may be one)
    assert follow_up.context == turn_text(ANSWERABLE, first_quote(in_thread[0]["embeds"][0]["description"]))
    assert follow_up.context.startswith(ANSWERABLE)


def test_messages_from_bots_are_ignored(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        await harness.message(
            fake.message(f"<@{BOT_ID}> {ANSWERABLE}", author=OTHER_BOT, mentions_bot=True, bot_author=True)
        )
        await bot.close()

    run(scenario())
    assert calls_to(fake, "/channels/") == []


# ---------------------------------------------------------------------------------------- failures and startup


def test_unexpected_error_gives_a_reference_and_logs_the_trace(
    make_discord: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake, harness = make_discord(answerer=StubAnswerer(error=RuntimeError("chroma exploded")))

    with caplog.at_level(logging.ERROR, logger="newsbot.discord"):
        run(ask_once(bot, harness, fake))
    (reply,) = followups(fake)
    assert reply["flags"] == EPHEMERAL
    ref = re.fullmatch(r"Something went wrong \(ref ([0-9A-F]{4})\)\. .*", reply["content"])
    assert ref is not None
    record = next(r for r in caplog.records if ref.group(1) in r.getMessage())
    assert record.exc_info is not None and "chroma exploded" in str(record.exc_info[1])


def test_starts_without_message_content_intent_with_one_warning(
    make_discord: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bot, fake, harness = make_discord(message_content=False)

    with caplog.at_level(logging.WARNING, logger="newsbot.discord"):
        run(ask_once(bot, harness, fake))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Message Content intent is not enabled" in warnings[0] and "Developer Portal" in warnings[0]
    assert bot.intents.message_content is False
    assert len(followups(fake)) == 1  # slash commands keep working


def test_question_is_logged_once_without_its_text_at_info(make_discord: Any, caplog: pytest.LogCaptureFixture) -> None:
    bot, fake, harness = make_discord()

    with caplog.at_level(logging.INFO, logger="newsbot.discord"):
        run(ask_once(bot, harness, fake))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("question ")]
    assert len(lines) == 1
    assert re.fullmatch(r"question answered=True citations=\d latency_ms=\d+ guild=\d+ channel=\d+", lines[0])
    assert ANSWERABLE not in caplog.text


def test_discord_without_token_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from newsbot import cli

    assert cli.main(["discord"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "newsbot: error: no Discord bot token: set NEWSBOT_DISCORD__TOKEN (in the environment or .env); "
        "docs/discord.md explains how to get one\n"
    )


def test_token_is_masked_in_config(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from newsbot import cli

    monkeypatch.setenv("NEWSBOT_DISCORD__TOKEN", "MTIz.secret-token-value")
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert "secret-token-value" not in out
    assert re.search(r'discord\.token\s+"\*+"\s+# environment', out)


def test_watch_corpus_syncs_new_articles_in_the_background(make_discord: Any, corpus: Path, services: Newsbot) -> None:
    bot, fake, harness = make_discord(watch_corpus=True)
    services.settings.index.watch_debounce_ms = 100

    async def scenario() -> None:
        await harness.start()
        deadline = asyncio.get_running_loop().time() + 30
        await asyncio.sleep(1.5)  # the watcher's first wake-up
        (corpus / "ferry.md").write_text("---\ntitle: Ferry returns\n---\nThe Riverton ferry returned on Monday.\n")
        while services.manifest.stats()["articles"] < 10:
            assert asyncio.get_running_loop().time() < deadline, "the new article was not synced"
            await asyncio.sleep(0.1)
        await bot.close()

    run(scenario())
    assert bot._watcher is not None and bot._watcher.done()


def test_the_watcher_syncs_after_a_sync_that_was_running(make_discord: Any, corpus: Path, services: Newsbot) -> None:
    """A change seen while /reindex or `newsbot index` holds the sync lock is synced once that sync is done."""
    bot, fake, harness = make_discord(watch_corpus=True)
    services.settings.index.watch_debounce_ms = 100

    async def scenario() -> None:
        await harness.start()
        await asyncio.sleep(1.5)  # the watcher's first wake-up
        with services.sync_lock.hold():
            (corpus / "ferry.md").write_text("---\ntitle: Ferry returns\n---\nThe Riverton ferry returned.\n")
            await asyncio.sleep(1.5)  # the watcher saw the change and found the lock held
            assert services.manifest.stats()["articles"] == 9
        deadline = asyncio.get_running_loop().time() + 30
        while services.manifest.stats()["articles"] < 10:
            assert asyncio.get_running_loop().time() < deadline, "the watcher gave up on the change"
            await asyncio.sleep(0.1)
        await bot.close()

    run(scenario())


def test_rejected_token_is_one_line_naming_the_variable(
    services: Newsbot, make_settings: Callable[..., Any], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yarl

    from newsbot.config.errors import DiscordStartError
    from newsbot.discord.client import run_bot
    from tests.discord_fake import FakeDiscordServer

    bot = build_bot(make_settings([corpus]), services)  # no harness: REST goes to the server
    server = FakeDiscordServer(FakeDiscord(reject_token=True))

    async def scenario() -> str:
        await server.start()
        monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{server.port}/api/v10")
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.fake.gateway_url))
        try:
            await run_bot(bot, "not-a-valid-token")
        except DiscordStartError as exc:
            return str(exc)
        finally:
            await server.stop()
        raise AssertionError("the bot started with a rejected token")

    assert run(scenario()) == (
        "Discord rejected the token in NEWSBOT_DISCORD__TOKEN; copy a new one from the Developer Portal "
        "(your application -> Bot -> Reset Token)"
    )


@pytest.mark.parametrize("allow_dms", [True, False])
def test_direct_messages_answered_only_when_allowed(make_discord: Any, allow_dms: bool) -> None:
    bot, fake, harness = make_discord(allow_dms=allow_dms)
    dm_channel = 710000000000000001

    async def scenario() -> None:
        await harness.start()
        await harness.message(fake.message(ANSWERABLE, channel_id=dm_channel, in_guild=False))
        await bot.close()

    run(scenario())
    replies = calls_to(fake, f"/channels/{dm_channel}/messages")
    if allow_dms:
        (reply,) = replies
        assert "[1]" in reply["embeds"][0]["description"] and reply["allowed_mentions"] == {"parse": []}
    else:
        assert replies == []


LOAD_QUESTIONS = {  # question -> a word of the source line of the article that answers it
    ANSWERABLE: "bridge",
    "Who scored twice for Marlow Rovers in the county cup final?": "sports.test",  # either wire story says it
    "How much will the Riverton council spend on new parks?": "Riverton",
    UNANSWERABLE: None,
}


class ThreadRecordingAnswerer:
    """The real answerer, noting which thread each answer ran on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.threads: list[int] = []

    def answer(self, query: Query, on_token: Any = None) -> Answer:
        self.threads.append(threading.get_ident())
        return self.inner.answer(query)


def test_fifty_concurrent_asks_are_all_answered_off_the_event_loop_which_never_lags(
    make_discord: Any, services: Newsbot
) -> None:
    answerer = ThreadRecordingAnswerer(services.answerer)
    bot, fake, harness = make_discord(answerer=answerer)
    questions = [list(LOAD_QUESTIONS)[i % len(LOAD_QUESTIONS)] for i in range(50)]
    lags: list[float] = []
    loop_threads: list[int] = []

    async def heartbeat(stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.005)
            lags.append(loop.time() - before - 0.005)

    async def scenario() -> None:
        loop_threads.append(threading.get_ident())
        await harness.start()
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop))
        for i, question in enumerate(questions):  # 50 members at once, each within their cooldown
            bot._connection.parse_interaction_create(fake.slash("ask", {"question": question}, user_id=ALICE + 100 + i))
        started = asyncio.get_running_loop().time()
        while len(followups(fake)) < 50 and asyncio.get_running_loop().time() - started < 120:
            await asyncio.sleep(0.01)
        stop.set()
        await beat
        await harness.settle()
        await bot.close()

    run(scenario())
    assert len(callbacks(fake)) == 50 and all(c["type"] == 5 for c in callbacks(fake))
    replies = followups(fake)
    assert len(replies) == 50
    for reply in replies:
        assert reply["allowed_mentions"] == {"parse": []}
        title = reply["embeds"][0]["title"]
        expected = LOAD_QUESTIONS[title]
        if expected is None:
            assert reply["embeds"][0]["footer"]["text"] == "Not found in the indexed articles"
        else:
            assert expected in reply["embeds"][-1]["description"], (title, reply["embeds"][-1]["description"])
    # No answer ran on the event loop's thread (so none can block it), and the loop kept beating throughout.
    # The lag is a figure to read, not a bound: timings belong to benchmarks, not to unit tests.
    assert len(answerer.threads) == 50 and loop_threads[0] not in answerer.threads
    assert len(lags) > 20
    print(f"50 concurrent /ask answered; worst event-loop lag {max(lags) * 1000:.1f} ms over {len(lags)} beats")


def test_an_unreachable_index_is_a_friendly_ephemeral_reply(make_discord: Any) -> None:
    from newsbot.config.errors import IndexUnavailableError
    from newsbot.index.store.chroma import UNAVAILABLE

    bot, fake, harness = make_discord(answerer=StubAnswerer(error=IndexUnavailableError(UNAVAILABLE)))

    run(ask_once(bot, harness, fake))
    (reply,) = followups(fake)
    assert reply["flags"] == EPHEMERAL
    assert reply["content"] == "The index is unavailable right now, try again shortly."


@pytest.fixture
def run_cli(request: pytest.FixtureRequest) -> Any:
    """`newsbot ARGS` in-process (conftest's run fixture; this module's run() drives coroutines)."""
    return request.getfixturevalue("run")


def test_no_route_to_discord_is_one_line_and_exit_2(run_cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_DISCORD__TOKEN", "MTIz.some-token")
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # nothing listens there
    assert run_cli("index")[0] == 0
    code, out, err = run_cli("discord")
    assert code == 2
    assert err.startswith("newsbot: error: cannot reach Discord (Cannot connect to host 127.0.0.1:9")
    assert err.rstrip().endswith("(discord.com on port 443 must be reachable), then run newsbot discord again")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_no_voice_warnings_for_a_text_bot(
    services: Newsbot, make_settings: Callable[..., Any], corpus: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as in a fresh process
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    with caplog.at_level(logging.WARNING):
        build_bot(make_settings([corpus]), services)
    assert not [r for r in caplog.records if "voice will NOT be supported" in r.getMessage()]


def test_a_lost_connection_is_logged_once_in_one_line_until_it_is_back(caplog: Any) -> None:
    from newsbot.discord.client import RECONNECT_LOG

    client_log = logging.getLogger("discord.client")
    RECONNECT_LOG.reset()
    with caplog.at_level(logging.WARNING, logger="discord.client"):
        for retry in (1.0, 2.0, 4.0):
            try:
                raise OSError("Cannot connect to host gateway.discord.gg:443")
            except OSError:
                client_log.exception("Attempting a reconnect in %.2fs", retry)  # what discord.py logs
        RECONNECT_LOG.reset()  # on_ready / on_resumed
        try:
            raise OSError("Connection reset by peer")
        except OSError:
            client_log.exception("Attempting a reconnect in %.2fs", 1.0)
    records = [r for r in caplog.records if r.name == "discord.client"]
    assert [r.getMessage() for r in records] == [
        "lost the connection to Discord (Cannot connect to host gateway.discord.gg:443); reconnecting on its own, "
        "logged once until it is back",
        "lost the connection to Discord (Connection reset by peer); reconnecting on its own, logged once until it is back",
    ]
    assert all(r.levelname == "WARNING" and r.exc_info is None for r in records)


def test_an_empty_index_is_said_with_the_command_that_fills_it(
    make_settings: Callable[..., Any], tmp_path: Path, fake_embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings([tmp_path / "no-articles"])
    bot = build_bot(settings, Newsbot(settings, embedder=fake_embedder))
    bot.today = lambda: TODAY
    fake = FakeDiscord()
    harness = Harness(bot, fake, monkeypatch)

    run(ask_once(bot, harness, fake))
    (reply,) = followups(fake)
    (embed,) = reply["embeds"]
    assert embed["footer"]["text"] == "Nothing is indexed yet"
    shown = embed["description"].replace("\\", "")  # as Discord shows it, markdown escapes gone
    assert shown.startswith("Nothing is indexed in ") and "Run `newsbot index`" in shown


def test_a_source_that_matches_nothing_is_said_as_such(make_discord: Any) -> None:
    bot, fake, harness = make_discord()

    async def scenario() -> None:
        await harness.start()
        await harness.interaction(fake.slash("ask", {"question": ANSWERABLE, "source": "nosuch.test"}))
        parks = "How much will Riverton spend on new parks?"
        await harness.interaction(fake.slash("ask", {"question": parks, "source": "RIVERTON LEDGER"}))
        await bot.close()

    run(scenario())
    missing, found = followups(fake)
    assert missing["embeds"][0]["footer"]["text"] == "No such source"
    assert missing["embeds"][0]["description"].startswith('No indexed source matches "nosuch.test"')
    assert "Riverton Ledger" in found["embeds"][-1]["description"]  # any case finds the source


# ------------------------------------------------------------------------------ generated answers, streamed


@pytest.fixture
def generating_discord(
    services: Newsbot, make_settings: Callable[..., Any], corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """A bot whose answers a scripted endpoint writes slowly, with every Discord call's time noted."""
    servers: list[ScriptedLLM] = []

    def make(reply: Reply) -> tuple[NewsbotDiscord, FakeDiscord, Harness, list[tuple[float, str, str, Any]]]:
        server = ScriptedLLM(reply)
        servers.append(server)
        settings = make_settings(
            [corpus], answer={"generator": "openai"}, llm={"base_url": server.base_url, "model": "scripted"}
        )
        services.settings = settings
        services.__dict__.pop("answerer", None)  # built again with the generator
        bot = build_bot(settings, services)
        bot.today = lambda: TODAY
        fake = FakeDiscord()
        timed: list[tuple[float, str, str, Any]] = []
        handle = fake.handle

        def noted(method: str, path: str, body: Any, params: Any = None) -> Any:
            timed.append((time.monotonic(), method, path, body))
            return handle(method, path, body, params)

        monkeypatch.setattr(fake, "handle", noted)
        return bot, fake, Harness(bot, fake, monkeypatch), timed

    yield make
    for server in servers:
        server.close()


SLOW = Reply(
    "Yes, the bridge cost of $40 million was paid for by a state grant [1]. It was designed by Gustave Eiffel [2].",
    piece_delay=0.2,
)


def _everything_sent(timed: list[tuple[float, str, str, Any]]) -> str:
    return json.dumps([body for _, method, _, body in timed if method in ("POST", "PATCH")])


def test_ask_posts_only_the_checked_answer_never_the_models_draft(generating_discord: Any) -> None:
    """Issue 27 item 13: the model's unchecked words were posted publicly while it wrote them."""
    bot, fake, harness, timed = generating_discord(SLOW)

    run(ask_once(bot, harness, fake))
    assert "Eiffel" not in _everything_sent(timed) and "grant [1]." not in _everything_sent(timed)
    (reply,) = followups(fake)
    description = reply["embeds"][0]["description"]
    assert description.startswith("**Yes, the bridge cost of $40 million was paid for by a state grant. [1]**\n“")
    assert "left out" in description and reply["allowed_mentions"] == {"parse": []}
    assert any(i.startswith("newsbot:vote:") for i in custom_ids(reply))


def test_a_mention_gets_only_the_checked_answer_in_its_thread(generating_discord: Any) -> None:
    bot, fake, harness, timed = generating_discord(SLOW)

    async def scenario() -> None:
        await harness.start()
        await harness.message(fake.message(f"<@{BOT_ID}> {ANSWERABLE}", mentions_bot=True))
        await bot.close()

    run(scenario())
    posted = [body for _, method, path, body in timed if method == "POST" and path.endswith("/messages")]
    assert "Eiffel" not in _everything_sent(timed)
    (answer,) = [body for body in posted if body.get("embeds")]
    assert "$40 million" in answer["embeds"][0]["description"] and not answer.get("content")


def test_a_failing_endpoint_gives_the_quoted_answer_with_one_line_saying_so(generating_discord: Any) -> None:
    bot, fake, harness, _ = generating_discord(Reply(status=503))

    run(ask_once(bot, harness, fake))
    (reply,) = followups(fake)
    first, *rest = reply["embeds"][0]["description"].split("\n")
    assert re.fullmatch(
        r"\*The language model at http://127\.0\.0\.1:\d+/v1 answered with HTTP 503, so this is the quoted answer "
        r"instead\.\*",
        first,
    )
    assert rest[0].startswith("“") and "grant" in rest[0]
