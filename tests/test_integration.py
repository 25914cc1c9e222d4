"""The real pieces together: the bundled MiniLM model, a real embedded Chroma, the seeds, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsbot.index.app import Newsbot
from newsbot.index.search import Query
from tests.conftest import CORPUS, SEEDS

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module", params=["embedded", "http"])
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, minilm) -> Newsbot:
    """The seeds indexed with the real model, in an embedded Chroma and on a `chroma run` server."""
    from newsbot.config.settings import Settings

    data = tmp_path_factory.mktemp("seeded")
    chroma = {}
    if request.param == "http":
        chroma = {
            "mode": "http",
            "port": request.getfixturevalue("shared_chroma_server").port,
            "collection_prefix": "seeded",
        }
    bot = Newsbot(
        Settings(corpus={"paths": [str(SEEDS)]}, index={"data_dir": str(data)}, chroma=chroma), embedder=minilm
    )
    report = bot.indexer.sync([SEEDS])
    assert report.added == 2 and not report.skipped
    return bot


def test_the_bundled_model_gives_sentence_transformers_like_vectors(minilm) -> None:
    vectors = minilm.embed_documents(
        [
            "Who ordered the attack on Kirkuk?",
            "The Iraqi prime minister ordered the offensive on Kirkuk.",
            "A recipe for banana bread.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]
    # batching and length-sorting do not change a vector
    assert np.allclose(minilm.embed_documents(["A recipe for banana bread."])[0], vectors[2], atol=1e-5)


def test_who_ordered_the_attack_on_kirkuk(seeded: Newsbot) -> None:
    answer = seeded.answerer.answer(Query("Who ordered the attack on Kirkuk?"))
    assert answer.answered
    assert "Haider al-Abadi" in answer.text and "[1]" in answer.text
    citation = answer.citations[0]
    assert citation.title == "Iran-Backed Militias, Iraqi Forces, Joined by IRGC General, Attack Kurdish City of Kirkuk"
    original = (SEEDS / citation.path).read_text(encoding="utf-8")
    assert " ".join(citation.quote.split()) in " ".join(original.split())


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many people fled Kirkuk?", "61,000"),
        ("What did the Iraqi army seize control of?", "airport"),
    ],
)
def test_seed_questions_are_answered_with_the_fact(seeded: Newsbot, question: str, expected: str) -> None:
    answer = seeded.answerer.answer(Query(question))
    assert answer.answered and expected in " ".join(c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "What is the recipe for banana bread?",
        "Who won the 2022 FIFA World Cup final?",
        "How do I reset my router password?",
    ],
)
def test_it_abstains_on_what_the_seeds_do_not_cover(seeded: Newsbot, question: str) -> None:
    answer = seeded.answerer.answer(Query(question))
    assert not answer.answered and answer.citations == ()


def test_test_corpus_answers_with_the_real_model(minilm, tmp_path: Path) -> None:
    from newsbot.config.settings import Settings

    bot = Newsbot(Settings(corpus={"paths": [str(CORPUS)]}, index={"data_dir": str(tmp_path)}), embedder=minilm)
    bot.indexer.sync([CORPUS])
    answer = bot.answerer.answer(Query("How much did the Gull Point harbor bridge cost?"))
    assert answer.answered and "$40 million" in " ".join(c.quote for c in answer.citations)
    answer = bot.answerer.answer(Query("Who is the chief executive of Glimmer Robotics?"))
    # The fitted reader quotes the Glimmer story; which of its sentences it picks ("... raised $12 million"
    # or "The company's chief executive, Lena Ortiz, ...") is the reader's known weak spot (see README).
    assert answer.answered and answer.citations[0].article_id.endswith("glimmer-robotics-funding")


def test_the_installed_command_end_to_end(tmp_path: Path) -> None:
    """`newsbot index` then `newsbot ask --json` as separate processes, as a user runs them."""
    exe = Path(sys.executable).parent / "newsbot"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["NEWSBOT_CONFIG"] = str(ROOT / "config" / "newsbot.toml")
    env["NEWSBOT_CORPUS__PATHS"] = json.dumps([str(SEEDS)])
    index = subprocess.run(
        [str(exe), "index", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert index.returncode == 0, index.stderr
    assert json.loads(index.stdout)["articles"] == 2
    assert (tmp_path / ".newsbot").is_dir()
    ask = subprocess.run(
        [str(exe), "ask", "Who ordered the attack on Kirkuk?", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ask.returncode == 0, ask.stderr
    data = json.loads(ask.stdout)  # exactly one JSON object on stdout
    assert data["answered"] and data["citations"][0]["path"] == "000_b9ae511cf7b2cd6e.txt"
    again = subprocess.run(
        [str(exe), "index", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert json.loads(again.stdout)["embedded_chunks"] == 0
    # Answering and a sync with nothing to write never import llama-index (1.3 s of a cold start):
    # it is loaded only to write chunks (ChromaVectorStore) or for llama-index retrievers.
    for argv in (["ask", "Who ordered the attack on Kirkuk?", "--json"], ["index", "--json"]):
        code = "import sys; from newsbot.cli import main; code = main(sys.argv[1:]); "
        code += "print('llama_index' in sys.modules, file=sys.stderr); sys.exit(code)"
        run = subprocess.run(
            [sys.executable, "-c", code, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
        )
        assert run.returncode == 0 and run.stderr.splitlines()[-1] == "False", (argv, run.stderr)


# ------------------------------------------------------------------------------------------ follow-ups

README_QUESTION = "Who ordered the attack on Kirkuk?"
README_FOLLOW_UP = "what about the airport?"
AIRPORT = "seized control of the city’s airport"


def test_the_readme_follow_up_in_the_repl(seeded: Newsbot) -> None:
    from rich.console import Console

    from newsbot.repl import Repl

    lines = iter([README_QUESTION, README_FOLLOW_UP, ":quit"])
    console = Console(record=True, width=200)
    repl = Repl(seeded, seeded.settings, read=lambda prompt: next(lines), console=console)
    assert repl.run() == 0
    assert repl.last_answer is not None and repl.last_answer.answered
    assert AIRPORT in repl.last_answer.citations[0].quote
    assert AIRPORT in console.export_text()


def test_a_follow_up_that_changes_topic_is_answered_on_its_own(seeded: Newsbot) -> None:
    """After the Kirkuk question, a question about something else gets exactly the answer it gets alone."""
    question = "How many people fled the city since late Sunday?"
    alone = seeded.answerer.answer(Query(question))
    after = seeded.answerer.answer(Query(question, context=README_QUESTION))
    assert alone.answered and "61,000" in alone.citations[0].quote
    assert after.text == alone.text
    unrelated = seeded.answerer.answer(Query("What is the recipe for banana bread?", context=README_QUESTION))
    assert not unrelated.answered  # the earlier question does not lend it an answer


def test_the_readme_follow_up_in_a_discord_thread(seeded: Newsbot, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from newsbot.discord.client import build_bot
    from tests.discord_fake import FakeDiscord, Harness, mention_then_follow_up

    bot = build_bot(seeded.settings, seeded)
    fake = FakeDiscord()
    harness = Harness(bot, fake, monkeypatch)

    async def scenario() -> None:
        await harness.start()
        await mention_then_follow_up(bot, harness, fake, README_QUESTION, README_FOLLOW_UP)
        await bot.close()

    asyncio.run(scenario())
    thread_id = int(next(p for _, p, _ in fake.calls if p.endswith("/threads")).split("/")[4])
    sent = [b for m, p, b in fake.calls if m == "POST" and p == f"/channels/{thread_id}/messages"]
    assert len(sent) == 2
    first, follow_up = (" ".join(e.get("description", "") for e in m["embeds"]) for m in sent)
    assert "**Iraqi Prime Minister Haider al-Abadi**" in first or "Haider al-Abadi" in first
    assert "airport" in follow_up and "could not find" not in follow_up
