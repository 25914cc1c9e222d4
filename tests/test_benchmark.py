"""make bench's tables: each quiz set reported beside the others (figures made up here; the real ones come from
`newsbot eval`)."""

from __future__ import annotations

from typing import Any

from newsbot.index.eval.benchmark import kinds_table


def summary(support: float, questions: int) -> dict[str, Any]:
    return {
        "answer_support": support,
        "questions": questions,
        "gold_cited_rate": 0.6,
        "abstention": {"abstain_rate_without_answer_articles": 0.7, "answer_rate_with_gold": 0.8},
    }


def test_the_train_set_is_reported_beside_the_2023_set_and_together() -> None:
    later = {"ratio": {"hits@5": 0.9, "answer_support": 1.0}}
    figures = {
        "eval": summary(0.5, 102),
        "eval_2023": summary(0.3, 300),
        "eval_train": summary(0.4, 900),
        "later_train": later,
    }
    table = "\n".join(kinds_table(figures))
    assert "| quiz on the day, 2023 | support | 0.300 |" in table
    assert "| quiz on the day, train set | support | 0.400 |" in table
    assert "| quiz on the day, 2023 + train | support | 0.375 |" in table  # (0.3 x 300 + 0.4 x 900) / 1200
    assert "| archive asked later, train | hits@5 later ÷ on the day | 0.900 |" in table


def test_without_the_train_set_there_is_no_combined_row() -> None:
    table = "\n".join(kinds_table({"eval": summary(0.5, 102), "eval_2023": summary(0.3, 300)}))
    assert "2023 + train" not in table and "train set" not in table


def test_each_user_archive_has_its_rows() -> None:
    def archive(support: float, abstained: float, follow_ups: float | None) -> dict[str, Any]:
        out: dict[str, Any] = {"answer_support": support, "unanswerable": {"abstained": abstained}}
        if follow_ups is not None:
            out["follow_ups"] = {"answer_support": follow_ups}
        return out

    figures = {
        "eval": summary(0.5, 102),
        "archive": archive(0.8, 0.95, 0.9),
        "pinecrest": archive(0.65, 0.55, None),
        "westbrook": archive(0.825, 0.6875, 0.857),
    }
    table = "\n".join(kinds_table(figures))
    assert "| a user's own archive, asked today | answered with the answer quoted | 0.800 | 0.338 | ≥ 0.90 |" in table
    assert "| a second user's archive | answered with the answer quoted | 0.650 | not measured | ≥ 0.90 |" in table
    assert "| a second user's archive | abstained where no article answers | 0.550 | not measured | ≥ 0.90 |" in table
    assert "a second user's archive | follow-ups" not in table  # none asked, no row
    assert "| a third user's archive | abstained where no article answers | 0.688 | not measured | ≥ 0.90 |" in table
    assert "| a third user's archive | follow-ups answered with the answer quoted | 0.857 |" in table


def test_selqa_has_its_quotes_row_when_measured() -> None:
    def selqa(quotes: dict[str, float] | None) -> dict[str, Any]:
        out: dict[str, Any] = {name: {"precision@1": 0.8, "mrr": 0.9} for name in ("reader", "overlap", "minilm")}
        if quotes is not None:
            out["quotes"] = quotes
        return out

    table = "\n".join(kinds_table({"eval": summary(0.5, 102), "selqa": selqa({"hold_an_answer": 0.85})}))
    assert (
        "| plain sentence choice, SelQA dev | an answer's quotes hold the answer | 0.850 | not measured |  |" in table
    )
    table = "\n".join(kinds_table({"eval": summary(0.5, 102), "selqa": selqa(None)}))  # a summary from before
    assert (
        "an answer's quotes" not in table
        and "| plain sentence choice, SelQA dev | precision@1, the reader's order" in table
    )
