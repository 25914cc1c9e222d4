"""The quick evaluation's metrics on hand-made cases, and a smoke run on the test corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.evaluate import _norm, hits, main, mrr


def test_hits_and_mrr() -> None:
    ranked = ["a", "b", "c", "d", "e", "f", "g"]
    assert [hits(ranked, {"a"}, k) for k in (1, 5, 10)] == [1.0, 1.0, 1.0]
    assert [hits(ranked, {"f"}, k) for k in (1, 5, 10)] == [0.0, 0.0, 1.0]
    assert [hits(ranked, {"z"}, k) for k in (1, 5, 10)] == [0.0, 0.0, 0.0]
    assert mrr(ranked, {"c", "f"}) == pytest.approx(1 / 3) and mrr(ranked, {"z"}) == 0.0


def test_answer_text_matching_ignores_case_quotes_and_punctuation() -> None:
    assert _norm("\u201cSquid Game\u201d") in _norm('Netflix said "squid game" is back.')


@pytest.mark.integration
def test_smoke_run_on_the_test_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "q1",
                "question": "Which team did Marlow Rovers beat 3-1 in the county cup final?",
                "asked_on": "2022-06-18",
                "answers": ["Riverton Athletic"],
                "gold_article_ids": ["wire-001"],
            }
        )
        + "\n"
    )
    corpus = Path(__file__).parent / "data" / "corpus" / "wire.jsonl"
    out = tmp_path / "rows.jsonl"
    assert (
        main(
            [
                "--corpus",
                str(corpus),
                "--questions",
                str(questions),
                "--data-dir",
                str(tmp_path / "d"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    row = json.loads(out.read_text())
    assert row["retrieved"][:3] == [1.0, 1.0, 1.0] and row["supported"] is True
    assert "retrieved articles: hits@1 1.000" in capsys.readouterr().out
