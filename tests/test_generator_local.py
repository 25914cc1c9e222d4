"""A real small instruct model (SmolLM2-135M-Instruct, from its PyPI package) served by llama.cpp (the xllamacpp
wheel) on loopback, answering through the same OpenAI-compatible path users point at their own server."""

from __future__ import annotations

import platform
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.settings import Settings
from newsbot.index.answer.generator import claims
from newsbot.index.app import Newsbot, Query
from tests.conftest import CORPUS
from tests.test_generator import QUESTION, assert_checkable

pytestmark = pytest.mark.integration

if not (sys.platform == "linux" and platform.machine() == "x86_64"):
    pytest.skip("the local-llm extra ships for x86-64 Linux only", allow_module_level=True)


@pytest.fixture(scope="module")
def local_llm() -> Iterator[Any]:
    from newsbot.index.answer.local_llm import serve

    server = serve()
    yield server
    server.close()


def test_the_packaged_model_answers_through_the_checked_path(local_llm: Any, minilm: Any, tmp_path: Path) -> None:
    settings = Settings(
        corpus={"paths": [str(CORPUS)]},
        index={"data_dir": str(tmp_path)},
        answer={"generator": "openai"},
        llm={"base_url": local_llm.base_url, "model": local_llm.model, "timeout_s": 120, "max_tokens": 80},
    )
    bot = Newsbot(settings, embedder=minilm)
    bot.sync()
    streamed: list[str] = []
    answer = bot.ask(Query(QUESTION), on_token=streamed.append)
    assert answer.generator == "openai:smollm2-135m" and answer.notice == ""  # the model answered in time
    text = "".join(streamed)
    assert text.strip(), "the model streamed nothing"
    assert "generate" in answer.timings_ms
    # Every sentence it wrote was either kept, with a quote from the passage that supports it, or dropped.
    kept = len(re.findall(r"\[\d+\]", answer.text)) if answer.generated else 0
    assert kept + len(answer.dropped) == len(claims(text))
    print(f"model: {text!r}\nnewsbot: {answer.text!r}\ndropped: {answer.dropped}")
    assert answer.answered == answer.generated
    assert_checkable(answer)
