"""`newsbot eval`: its metrics on tiny hand-made cases with known answers, and a smoke run on tests/data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsbot import cli
from newsbot.index.app import Newsbot
from newsbot.index.eval.evaluate import (
    EvalInputError,
    answer_holders,
    hits_at,
    mrr_at,
    normalise,
    percentile,
    read_questions,
    retrieval_metrics,
    supports,
)

DATA = Path(__file__).parent / "data"


def test_hit_at_rank_one() -> None:
    ranked = ["g", "b", "c"]
    assert [hits_at(ranked, {"g"}, k) for k in (1, 5, 10)] == [1.0, 1.0, 1.0]
    assert mrr_at(ranked, {"g"}) == 1.0


def test_hit_at_rank_six_counts_for_ten_only() -> None:
    ranked = ["a", "b", "c", "d", "e", "g", "h"]
    assert [hits_at(ranked, {"g"}, k) for k in (1, 5, 10)] == [0.0, 0.0, 1.0]
    assert mrr_at(ranked, {"g"}) == pytest.approx(1 / 6)


def test_no_hit() -> None:
    assert [hits_at(["a", "b"], {"g"}, k) for k in (1, 5, 10)] == [0.0, 0.0, 0.0]
    assert mrr_at(["a", "b"], {"g"}) == 0.0
    assert mrr_at([], {"g"}) == 0.0


def test_duplicate_articles_count_once() -> None:
    # Six passages of "a" and one of "b": the gold article is the 3rd distinct article, not the 8th item.
    ranked = ["a", "a", "a", "b", "a", "a", "b", "g"]
    assert hits_at(ranked, {"g"}, 5) == 1.0
    assert mrr_at(ranked, {"g"}) == pytest.approx(1 / 3)


def test_several_gold_articles_take_the_best_rank() -> None:
    assert mrr_at(["a", "g2", "g1"], {"g1", "g2"}) == pytest.approx(1 / 2)


def test_retrieval_metrics_average_over_questions() -> None:
    metrics = retrieval_metrics([(["g"], {"g"}), (["a", "b", "c", "d", "e", "g"], {"g"}), (["a"], {"g"})])
    assert metrics == {"hits@1": 0.3333, "hits@5": 0.3333, "hits@10": 0.6667, "mrr@10": pytest.approx(0.3889, abs=1e-4)}


def test_answer_support_ignores_case_curly_quotes_and_punctuation() -> None:
    assert normalise("\u201cSquid Game\u201d") == "squid game"
    assert supports(['Netflix said "squid game" is back.'], ["\u201cSquid Game\u201d"])
    assert supports(["It costs $7 million, officials said."], ["$7 million"])
    assert supports(["The U.S. team won."], ["U.S."])
    assert not supports(["Squidward is back."], ["Squid"])  # whole words only
    assert not supports([], ["Europe"])
    assert not supports(["Europe"], [""])


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0


def test_answer_holders_are_every_article_whose_text_has_an_answer(bot: Newsbot, corpus: Path) -> None:
    """Gold or not: the cup result is in both wire stories, the storm's 300 homes in one feed item."""
    questions = read_questions(DATA / "eval" / "questions.jsonl")
    holders = answer_holders(bot, [corpus], questions)
    by_id = {q.id: holders[q.id] for q in questions}
    assert "https://sports.test/2022/06/18/marlow-rovers-cup" in by_id["t2"]  # the gold record, as indexed
    assert by_id["t3"] == {"https://weather-wire.test/2022/06/14/storm-ida-marlow"}
    assert all(by_id[q.id] for q in questions if q.answers)


def test_the_facade_gives_eval_the_reading_pool_and_the_embedders_rate(bot: Newsbot, corpus: Path) -> None:
    """Issue 28: eval and fitting ask the facade, not its fields. ``reading_pool`` is what fitting learns from:
    every sentence of the top passages with its features and its similarity to the question; ``embedding_rate``
    embeds a sample of the chunks a sync would make, storing nothing."""
    from newsbot.index.app import Query

    bot.sync([corpus])
    pool = bot.reading_pool(Query("How many homes lost power in the storm?"), 5)
    assert pool and all("dense" in s.features and "asked" in s.features for s in pool)
    assert any("300 homes" in s.text for s in pool)
    articles, _ = bot.read_corpus([corpus])
    rate = bot.embedding_rate([corpus], sample=3)
    assert rate["chunks"] == min(3, len(articles)) and rate["rate"] > 0


def test_bad_questions_file_names_the_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "1", "question": "Q?", "gold_article_ids": []}\n{"id": "2", "question": "Q?"}\n')
    with pytest.raises(EvalInputError, match=r"q\.jsonl:2: missing field 'gold_article_ids'"):
        read_questions(path)
    path.write_text('{"id": "1", "question": "Q?", "gold_article_ids": [], "asked_on": "June 3"}\n')
    with pytest.raises(EvalInputError, match=r"q\.jsonl:1: asked_on 'June 3' is not a YYYY-MM-DD date"):
        read_questions(path)


@pytest.mark.integration
def test_eval_smoke_run_writes_the_contract(
    tmp_path: Path, minilm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=minilm))
    out = tmp_path / "out"
    args = ["eval", "--corpus", str(DATA / "corpus"), "--questions", str(DATA / "eval" / "questions.jsonl")]
    args += ["--data-dir", str(tmp_path / "idx"), "--out", str(out), "--limit", "5"]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "newsbot" in printed and "bm25" in printed and "dense" in printed

    summary = json.loads((out / "summary.json").read_text())
    assert summary["questions"] == 5
    assert set(summary) == {
        "questions",
        "retrieval",
        "gold_cited_rate",
        "answer_support",
        "short_answer_right",
        "abstention",
        "latency_ms",
        "baselines",
    }
    for block in (summary["retrieval"], summary["baselines"]["bm25"], summary["baselines"]["dense"]):
        assert set(block) == {"hits@1", "hits@5", "hits@10", "mrr@10"}
        assert 0.0 <= block["mrr@10"] <= block["hits@10"] <= 1.0
    assert set(summary["abstention"]) == {
        "abstain_rate_without_gold",
        "abstain_rate_without_answer_articles",
        "answer_rate_with_gold",
    }
    assert set(summary["latency_ms"]) == {"retrieve", "answer", "total"}
    assert summary["retrieval"]["hits@5"] >= 0.8  # nine articles: the gold one is almost always near the top

    rows = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["t1", "t2", "t3", "t4", "t5"]
    for row in rows:
        assert {"id", "answered", "retrieved_article_ids", "cited_article_ids", "supported"} <= set(row)
        assert {"answered_without_gold", "answered_without_answer_articles", "answer", "timings_ms"} <= set(row)
        assert row["answer_articles"] >= len(row["gold_article_ids"])  # every gold article holds its answer
        assert len(row["retrieved_article_ids"]) == len(set(row["retrieved_article_ids"]))
        assert not row["supported"] or row["answered"]
    budget = next(r for r in rows if r["id"] == "t1")
    assert budget["retrieved_article_ids"][0] == "riverton-budget-june.txt"

    # A second run reuses the evaluation's own index: nothing is embedded again.
    assert cli.main(args) == 0
    assert "embedded 0 chunks" in capsys.readouterr().err


def test_eval_generator_measures_generated_answers_beside_the_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import FakeEmbedder
    from tests.llm_script import Reply, ScriptedLLM

    server = ScriptedLLM(Reply("The bridge cost $40 million [1]. It was designed by Gustave Eiffel [2]."))
    monkeypatch.setenv("NEWSBOT_LLM__BASE_URL", server.base_url)
    monkeypatch.setenv("NEWSBOT_LLM__MODEL", "scripted")
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=FakeEmbedder()))
    out = tmp_path / "out"
    args = ["eval", "--corpus", str(DATA / "corpus"), "--questions", str(DATA / "eval" / "questions.jsonl")]
    args += ["--data-dir", str(tmp_path / "idx"), "--out", str(out), "--generator"]
    try:
        assert cli.main(args) == 0
    finally:
        server.close()
    printed = capsys.readouterr().out
    assert "generated answers (openai:scripted; the model was asked for" in printed
    g = json.loads((out / "summary.json").read_text())["generator"]
    rows = [json.loads(line)["generated"] for line in (out / "questions.jsonl").read_text().splitlines()]
    asked = [r for r in rows if r["asked"]]
    assert g["asked"] == len(asked) > 0
    assert g["sentences"] == sum(r["kept"] + len(r["dropped"]) for r in asked) == 2 * len(asked)
    assert g["dropped_share"] == pytest.approx(sum(len(r["dropped"]) for r in asked) / g["sentences"], abs=1e-4)
    assert all("Eiffel" in r["dropped"][-1]["sentence"] for r in asked)  # no passage says so, ever
    assert g["fell_back"] == 0 and g["latency_ms"]["first_token"]["p50"] > 0
    assert 0 <= g["answer_support"] <= 1 and 0 <= g["abstain_rate_without_gold"] <= 1


def test_eval_asked_later_sets_each_question_beside_its_day(
    tmp_path: Path, minilm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--asked-on: the archive asked later, each question on its own day and again years on, side by side."""
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=minilm))
    questions = tmp_path / "questions.jsonl"
    rows = [json.loads(line) for line in (DATA / "eval" / "questions.jsonl").read_text().splitlines()]
    rows.append(
        {**rows[0], "id": "recent", "question": "How much is the Riverton council spending on parks this week?"}
    )
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "later"
    args = ["eval", "--corpus", str(DATA / "corpus"), "--questions", str(questions)]
    assert cli.main([*args, "--data-dir", str(tmp_path / "idx"), "--out", str(out), "--asked-on", "2031-01-01"]) == 0
    printed = capsys.readouterr().out
    assert "later / on the day" in printed and "bm25 alone" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["asked_later"] == "2031-01-01"
    assert summary["left_out"] == 1 and summary["questions"] == len(rows) - 1  # "this week" means another week later
    for when in ("on_the_day", "later"):
        assert set(summary[when]) == {"retrieval", "answer_support", "answered"}
    assert summary["later"]["retrieval"]["hits@5"] >= 0.8
    assert set(summary["ratio"]) == {"hits@5", "answer_support"}
    assert "recent" not in {json.loads(line)["id"] for line in (out / "questions.jsonl").read_text().splitlines()}
    code = cli.main([*args, "--asked-on", "someday", "--data-dir", str(tmp_path / "idx")])
    assert code == 2 and "--asked-on someday is not a date" in capsys.readouterr().err


def test_eval_selqa_scores_the_readers_order_inside_each_section(
    tmp_path: Path, minilm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--selqa: no index, no retrieval; the reader orders each section's sentences beside two baselines."""
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=minilm))
    out = tmp_path / "selqa"
    sample = DATA / "eval" / "selqa-sample.json"
    assert cli.main(["eval", "--selqa", str(sample), "--data-dir", str(tmp_path / "idx"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "newsbot's reader" in printed and "an answer's quotes hold the answer" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["questions"] == 3
    for name in ("reader", "overlap", "minilm"):
        assert 0.0 <= summary[name]["precision@1"] <= summary[name]["mrr"] <= 1.0
    # the quotes open with the reader's first sentence, so they hold the answer at least as often
    quotes = summary["quotes"]
    assert summary["reader"]["precision@1"] <= quotes["hold_an_answer"] <= 1.0 and 0.0 <= quotes["two_or_more"] <= 1.0
    # each answer sentence holds the question's own words; the reader finds two of the three (the third,
    # "How many people live in Riverton?", it reads as the section's lead)
    assert summary["reader"]["precision@1"] >= 2 / 3 and summary["overlap"]["precision@1"] >= 2 / 3
    bad = tmp_path / "bad.json"
    bad.write_text('{"question": "not a list"}')
    code = cli.main(["eval", "--selqa", str(bad), "--data-dir", str(tmp_path / "idx")])
    assert code == 2 and f"{bad}: expected a JSON list of SelQA records" in capsys.readouterr().err


def test_eval_reports_questions_no_article_answers_and_follow_ups_apart(
    tmp_path: Path, minilm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_newsbot", lambda settings: Newsbot(settings, embedder=minilm))
    questions = tmp_path / "questions.jsonl"
    rows = [
        {
            "id": "a",
            "question": "Which team did Marlow Rovers beat in the county cup final?",
            "answers": ["Riverton Athletic"],
            "gold_article_ids": ["wire-001"],
        },
        {
            "id": "b",
            "question": "Who scored twice for them?",
            "follows": "a",
            "answers": ["Dee Mensah"],
            "gold_article_ids": ["wire-001"],
        },
        {"id": "u", "question": "Who is the mayor of Springfield?", "answers": [], "gold_article_ids": []},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    args = ["eval", "--corpus", str(DATA / "corpus"), "--questions", str(questions), "--out", str(out)]
    assert cli.main([*args, "--data-dir", str(tmp_path / "idx")]) == 0
    assert "questions no article answers" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["questions"] == 2  # the answerable ones
    assert summary["unanswerable"] == {"questions": 1, "abstained": 1.0}  # Springfield is in no article
    assert summary["follow_ups"]["questions"] == 1
    written = {r["id"]: r for r in map(json.loads, (out / "questions.jsonl").read_text().splitlines())}
    assert written["u"]["answerable"] is False and written["u"]["answered"] is False
    assert written["b"]["follow_up"] is True
