"""`make bench`: newsbot's speed and memory on the RealTimeQA corpus, written to BENCHMARKS.md.

    python -m newsbot.index.eval.benchmark --realtimeqa ../shared/eval/realtimeqa --work-dir .bench --out BENCHMARKS.md

Each step runs `newsbot` as a separate process, the way a user runs it, and records its wall time
and peak RSS: a full index build, the raw embedder on a sample of the same chunks (so the
pipeline's overhead shows as a ratio), a no-op re-sync, adding one article, a cold `newsbot ask`,
and `newsbot eval` on the dev questions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Runs a command and prints its children's peak RSS (KiB on Linux) as the last line of stderr.
_MEASURE = (
    "import resource, subprocess, sys;"
    "code = subprocess.call(sys.argv[1:]);"
    "print('maxrss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr);"
    "sys.exit(code)"
)

NEW_ARTICLE = {
    "id": "bench-new-article",
    "url": "https://example.org/2022/07/01/bench-new-article",
    "title": "Harbour authority opens a new ferry terminal",
    "published_at": "2022-07-01",
    "text": "The harbour authority opened a new ferry terminal on Friday after two years of building work. "
    "The terminal cost 48 million dollars and can handle twelve crossings a day, officials said. "
    "Passengers praised the shorter queues, while local shops hoped for more visitors over the summer.",
}


def run(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall seconds, peak RSS (MB), exit code and stdout of one whole process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    rss = next(
        (int(line.split()[1]) / 1024 for line in reversed(done.stderr.splitlines()) if line.startswith("maxrss_kib")),
        0.0,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed with exit {done.returncode}:\n{done.stderr[-3000:]}")
    return {"seconds": seconds, "rss_mb": rss, "code": done.returncode, "stdout": done.stdout}


def raw_embedder_rate(corpus: Path, sample: int, work_dir: Path) -> dict[str, float]:
    """The bundled model alone on a random sample of the chunks the index holds (same chunker, same text)."""
    from newsbot.config.settings import Settings
    from newsbot.index.app import Newsbot

    bot = Newsbot(Settings(index={"data_dir": str(work_dir / "raw-embedder")}))
    try:
        return bot.embedding_rate([corpus], sample)
    finally:
        bot.close()


def machine() -> str:
    memory = ""
    try:
        kib = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        memory = f", {kib / 1024 / 1024:.0f} GB memory"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--realtimeqa", type=Path, required=True, help="Folder with corpus.jsonl and questions-dev.jsonl."
    )
    parser.add_argument("--work-dir", type=Path, default=Path(".bench"), help="Scratch space (deleted first).")
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    parser.add_argument("--sample", type=int, default=3000, help="Chunks for the raw embedder's rate.")
    parser.add_argument(
        "--keep-index",
        action="store_true",
        help="Reuse the index and the build and raw-embedder figures of the last run in --work-dir; "
        "re-measure the rest (minutes instead of an hour).",
    )
    parser.add_argument(
        "--realtimeqa-2023",
        type=Path,
        help="Also evaluate on this set (corpus.jsonl, questions.jsonl): the period the reader is fitted on.",
    )
    parser.add_argument(
        "--data-dir-2023",
        type=Path,
        help="The 2023 set's index (default WORK/data-2023; built, or brought up to date, incrementally).",
    )
    parser.add_argument(
        "--realtimeqa-train",
        type=Path,
        help="Also evaluate on this set (corpus.jsonl, questions.jsonl): 2023-24 weeks the 2023 set leaves out, "
        "fitted on as well.",
    )
    parser.add_argument(
        "--data-dir-train",
        type=Path,
        help="The train set's index (default WORK/data-train; built, or brought up to date, incrementally).",
    )
    parser.add_argument("--selqa", type=Path, help="SelQA's folder: plain sentence choice on selqa-ass-dev.json.")
    parser.add_argument(
        "--asked-on",
        default="today",
        help="The day the archive is asked later (default today): the quiz sets' questions asked then.",
    )
    args = parser.parse_args(argv)

    corpus = (args.realtimeqa / "corpus.jsonl").resolve()
    questions = (args.realtimeqa / "questions-dev.jsonl").resolve()
    work = args.work_dir.resolve()
    data, extra = work / "data", work / "new-articles"
    if not args.keep_index and work.exists():
        shutil.rmtree(work)
    extra.mkdir(parents=True, exist_ok=True)
    for stale in extra.iterdir():
        stale.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    defaults = work / "defaults.toml"  # an empty file: defaults only, the repository's TOML does not leak in
    defaults.write_text("# make bench runs newsbot with its defaults\n")
    env["NEWSBOT_CONFIG"] = str(defaults)
    newsbot = [sys.executable, "-m", "newsbot", "--data-dir", str(data)]
    index_cmd = newsbot + ["index", "--corpus", str(corpus), "--corpus", str(extra), "--json"]
    figures: dict[str, Any] = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": machine()}

    previous = work / "figures.json"
    if args.keep_index and previous.exists() and data.exists():
        # Re-measure everything after the build, which (with the raw embedder's rate) is taken from the
        # last run: bring the index back to the corpus alone first (the last run added an article).
        last = json.loads(previous.read_text())
        figures["build"], figures["raw"] = last["build"], last["raw"]
        figures["build"]["measured"] = last.get("build", {}).get("measured", last["date"])
        figures["build"]["reused"] = True
        print("reusing the index and the build figures of", figures["build"]["measured"], file=sys.stderr, flush=True)
        run(index_cmd, env)
    else:
        if data.exists():  # --keep-index without the figures of a finished run: measure a full build after all
            print(f"no finished run in {work}: building from scratch", file=sys.stderr, flush=True)
            shutil.rmtree(data)
        print("full build ...", file=sys.stderr, flush=True)
        build = run(index_cmd, env)
        report = json.loads(build["stdout"].strip().splitlines()[-1])
        figures["build"] = {
            "seconds": build["seconds"],
            "rss_mb": build["rss_mb"],
            "embedded_chunks": report["embedded_chunks"],
            "articles": report["articles"],
            "chunks": report["chunks"],
            "sync_seconds": report["seconds"],
            "measured": figures["date"],
        }
        print("raw embedder ...", file=sys.stderr, flush=True)
        figures["raw"] = raw_embedder_rate(corpus, args.sample, args.work_dir)
        # Kept at once: a later step that fails must not cost the hour the build took (--keep-index reuses it).
        previous.write_text(json.dumps(figures, indent=2) + "\n")
    print("no-op re-sync ...", file=sys.stderr, flush=True)
    noop = run(index_cmd, env)
    figures["noop"] = {
        "seconds": noop["seconds"],
        "rss_mb": noop["rss_mb"],
        "embedded": json.loads(noop["stdout"].strip().splitlines()[-1])["embedded_chunks"],
    }
    print("add one article ...", file=sys.stderr, flush=True)
    (extra / "new.jsonl").write_text(json.dumps(NEW_ARTICLE) + "\n")
    add = run(index_cmd, env)
    added = json.loads(add["stdout"].strip().splitlines()[-1])
    figures["add"] = {"seconds": add["seconds"], "rss_mb": add["rss_mb"], "added": added["added"]}
    print("cold ask ...", file=sys.stderr, flush=True)
    ask = run(newsbot + ["ask", "How much did the new ferry terminal cost?", "--as-of", "2022-07-02", "--json"], env)
    figures["ask"] = {
        "seconds": ask["seconds"],
        "rss_mb": ask["rss_mb"],
        "answered": json.loads(ask["stdout"])["answered"],
    }
    print("eval ...", file=sys.stderr, flush=True)
    out = work / "eval"
    ev = run(
        newsbot
        + [
            "eval",
            "--corpus",
            str(corpus),
            "--corpus",
            str(extra),
            "--questions",
            str(questions),
            "--data-dir",
            str(data),
            "--out",
            str(out),
        ],
        env,
    )
    figures["eval"] = json.loads((out / "summary.json").read_text())
    figures["eval_process"] = {"seconds": ev["seconds"], "rss_mb": ev["rss_mb"]}
    print("eval with generated answers (the packaged local model) ...", file=sys.stderr, flush=True)
    out_generated = work / "eval-generator"
    run(
        newsbot
        + ["eval", "--corpus", str(corpus), "--corpus", str(extra), "--questions", str(questions)]
        + ["--data-dir", str(data), "--out", str(out_generated), "--generator", "local"],
        env,
    )
    figures["eval_generator"] = json.loads((out_generated / "summary.json").read_text())
    for key, folder, data_dir in (
        ("2023", args.realtimeqa_2023, args.data_dir_2023),
        ("train", args.realtimeqa_train, args.data_dir_train),
    ):
        if folder:
            figures.update(
                quiz_set(key, folder.resolve(), (data_dir or work / f"data-{key}").resolve(), work, args, env)
            )
    figures.update(four_kinds(newsbot, corpus, extra, questions, data, work, args, env))
    (work / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    args.out.write_text(markdown(figures, args))
    print(f"wrote {args.out} and {work / 'figures.json'}", file=sys.stderr)
    return 0


REPO = Path(__file__).resolve().parents[2]
ARCHIVE = REPO / "tests" / "data" / "archive"
ARCHIVE_QUESTIONS = REPO / "tests" / "data" / "eval" / "archive-questions.jsonl"
# A second person's archive, in another town's voice, written after the reader was fitted.
PINECREST = REPO / "tests" / "data" / "archive-pinecrest"
PINECREST_QUESTIONS = REPO / "tests" / "data" / "eval" / "pinecrest-questions.jsonl"
# A third, of 2025, written and measured once before any rule was tried on it.
WESTBROOK = REPO / "tests" / "data" / "archive-westbrook"
WESTBROOK_QUESTIONS = REPO / "tests" / "data" / "eval" / "westbrook-questions.jsonl"
# A fourth, of 2025-26, written on 2026-12-07 and measured once before anything was read of it.
ALDER_FALLS = REPO / "tests" / "data" / "archive-alderfalls"
ALDER_FALLS_QUESTIONS = REPO / "tests" / "data" / "eval" / "alderfalls-questions.jsonl"
# A fifth, of 2025-26, written on 2026-12-07 and measured once before any change was tried on it.
LAKEMOOR = REPO / "tests" / "data" / "archive-lakemoor"
LAKEMOOR_QUESTIONS = REPO / "tests" / "data" / "eval" / "lakemoor-questions.jsonl"
# A sixth, of 2025-26, written on 2026-12-08 and measured once before any change was tried on it.
QUARRYVILLE = REPO / "tests" / "data" / "archive-quarryville"
QUARRYVILLE_QUESTIONS = REPO / "tests" / "data" / "eval" / "quarryville-questions.jsonl"
# Each user archive: its key in the figures, its rows' label, its articles and its questions.
USER_ARCHIVES = (
    ("archive", "a user's own archive, asked today", ARCHIVE, ARCHIVE_QUESTIONS),
    ("pinecrest", "a second user's archive", PINECREST, PINECREST_QUESTIONS),
    ("westbrook", "a third user's archive", WESTBROOK, WESTBROOK_QUESTIONS),
    ("alderfalls", "a fourth user's archive", ALDER_FALLS, ALDER_FALLS_QUESTIONS),
    ("lakemoor", "a fifth user's archive", LAKEMOOR, LAKEMOOR_QUESTIONS),
    ("quarryville", "a sixth user's archive", QUARRYVILLE, QUARRYVILLE_QUESTIONS),
)


def quiz_set(
    key: str, folder: Path, data: Path, work: Path, args: argparse.Namespace, env: dict[str, str]
) -> dict[str, Any]:
    """Another RealTimeQA set (corpus.jsonl, questions.jsonl) in its own index: asked on the day and later."""
    corpus, questions = str(folder / "corpus.jsonl"), str(folder / "questions.jsonl")
    ask = [
        sys.executable,
        "-m",
        "newsbot",
        "eval",
        "--corpus",
        corpus,
        "--questions",
        questions,
        "--data-dir",
        str(data),
    ]
    print(f"eval on the {key} set ...", file=sys.stderr, flush=True)
    run(ask + ["--out", str(work / f"eval-{key}")], env)
    print(f"the {key} set asked later ...", file=sys.stderr, flush=True)
    run(ask + ["--out", str(work / f"later-{key}"), "--asked-on", args.asked_on], env)
    return {
        f"eval_{key}": json.loads((work / f"eval-{key}" / "summary.json").read_text()),
        f"later_{key}": json.loads((work / f"later-{key}" / "summary.json").read_text()),
    }


def four_kinds(
    newsbot: list[str],
    corpus: Path,
    extra: Path,
    questions: Path,
    data: Path,
    work: Path,
    args: argparse.Namespace,
    env: dict[str, str],
) -> dict[str, Any]:
    """The kinds of questions beyond the quiz on the day: the dev questions asked later, a user's own archive
    asked today (the committed set, in its own data directory) and, with --selqa, plain sentence choice."""
    found: dict[str, Any] = {}
    print("the dev questions asked later ...", file=sys.stderr, flush=True)
    run(
        newsbot
        + ["eval", "--corpus", str(corpus), "--corpus", str(extra), "--questions", str(questions)]
        + ["--data-dir", str(data), "--out", str(work / "later"), "--asked-on", args.asked_on],
        env,
    )
    found["later"] = json.loads((work / "later" / "summary.json").read_text())
    for key, _, folder, asked in USER_ARCHIVES:
        print(f"a user's own archive ({folder.name}) ...", file=sys.stderr, flush=True)
        run(
            [sys.executable, "-m", "newsbot", "eval", "--corpus", str(folder), "--questions", str(asked)]
            + ["--data-dir", str(work / f"data-{key}"), "--out", str(work / key)],
            env,
        )
        found[key] = json.loads((work / key / "summary.json").read_text())
    if args.selqa:
        print("SelQA ...", file=sys.stderr, flush=True)
        run(
            [sys.executable, "-m", "newsbot", "eval", "--selqa", str(args.selqa.resolve() / "selqa-ass-dev.json")]
            + ["--data-dir", str(work / "data-selqa"), "--out", str(work / "selqa")],
            env,
        )
        found["selqa"] = json.loads((work / "selqa" / "summary.json").read_text())
    return found


# Each kind's figures before issue 26 (commit 26c7ca4: the quiz-fitted reader, recency for every question). The dev
# figures are that commit's make bench (2026-12-03); the rest were measured on 2026-12-06 with 26c7ca4's engine and
# the same eval commands (the archive's follow-ups then got the earlier question alone as their context).
BEFORE_KINDS: dict[str, float] = {
    "dev_support": 0.569,
    "dev_gold_cited": 0.695,
    "dev_abstained": 0.686,
    "dev_answered": 0.931,
    "y2023_support": 0.361,
    "archive_support": 0.338,
    "archive_abstained": 0.708,
    "archive_follow_ups": 0.200,
    "selqa_reader": 0.785,
    "selqa_overlap": 0.785,
    "selqa_minilm": 0.769,
}


def kinds_table(f: dict[str, Any]) -> list[str]:
    """One table: each kind of question with its figures now, before issue 26, and the target."""
    e, b = f["eval"], BEFORE_KINDS

    def row(kind: str, figure: str, now: float | None, key: str, target: str) -> str:
        shown = f"{now:.3f}" if now is not None else "not measured"
        was = f"{b[key]:.3f}" if key in b else "not measured"
        return f"| {kind} | {figure} | {shown} | {was} | {target} |"

    lines = [
        "## Four kinds of questions",
        "",
        "| kind | figure | now | before (26c7ca4) | target |",
        "| --- | --- | --- | --- | --- |",
        row(
            "quiz on the day, dev", "answer text in the quotes (support)", e["answer_support"], "dev_support", "≥ 0.65"
        ),
        row(
            "quiz on the day, dev", "gold article cited, of answered", e["gold_cited_rate"], "dev_gold_cited", "≥ 0.80"
        ),
        row(
            "quiz on the day, dev",
            "abstained with every answer-holding article removed",
            e["abstention"]["abstain_rate_without_answer_articles"],
            "dev_abstained",
            "≥ 0.80",
        ),
        row(
            "quiz on the day, dev",
            "answered with the gold article there",
            e["abstention"]["answer_rate_with_gold"],
            "dev_answered",
            "≥ 0.90",
        ),
    ]
    sets = []
    for name, key, before in (("2023", "eval_2023", "y2023_support"), ("train set", "eval_train", "")):
        if key in f:
            sets.append(f[key])
            lines.append(row(f"quiz on the day, {name}", "support", f[key]["answer_support"], before, "≥ 0.45"))
    if len(sets) > 1:
        both = sum(e["answer_support"] * e["questions"] for e in sets) / sum(e["questions"] for e in sets)
        lines.append(row("quiz on the day, 2023 + train", "support", both, "", "≥ 0.45"))
    for name, later in (("dev", f.get("later")), ("2023", f.get("later_2023")), ("train", f.get("later_train"))):
        if later:
            ratio = later["ratio"]
            lines.append(
                row(
                    f"archive asked later, {name}",
                    "hits@5 later ÷ on the day",
                    ratio["hits@5"],
                    f"{name}_later_hits5",
                    "≥ 0.95",
                )
            )
            lines.append(
                row(
                    f"archive asked later, {name}",
                    "support later ÷ on the day",
                    ratio["answer_support"],
                    f"{name}_later_support",
                    "≥ 0.95",
                )
            )
    if "selqa" in f:
        q = f["selqa"]
        lines.append(
            row(
                "plain sentence choice, SelQA dev",
                "precision@1, the reader's order",
                q["reader"]["precision@1"],
                "selqa_reader",
                "≥ 0.82",
            )
        )
        lines.append(
            row(
                "plain sentence choice, SelQA dev",
                "precision@1, word overlap alone",
                q["overlap"]["precision@1"],
                "selqa_overlap",
                "",
            )
        )
        lines.append(
            row(
                "plain sentence choice, SelQA dev",
                "precision@1, MiniLM similarity alone",
                q["minilm"]["precision@1"],
                "selqa_minilm",
                "",
            )
        )
        if "quotes" in q:
            lines.append(
                row(
                    "plain sentence choice, SelQA dev",
                    "an answer's quotes hold the answer",
                    q["quotes"]["hold_an_answer"],
                    "selqa_quotes",
                    "",
                )
            )
    for key, kind, _, _ in USER_ARCHIVES:
        if key not in f:
            continue
        a = f[key]
        lines.append(row(kind, "answered with the answer quoted", a["answer_support"], f"{key}_support", "≥ 0.90"))
        lines.append(
            row(
                kind, "abstained where no article answers", a["unanswerable"]["abstained"], f"{key}_abstained", "≥ 0.90"
            )
        )
        if "follow_ups" in a:
            lines.append(
                row(
                    kind,
                    "follow-ups answered with the answer quoted",
                    a["follow_ups"]["answer_support"],
                    f"{key}_follow_ups",
                    "",
                )
            )
    lines.append("")
    return lines


def later_lines(name: str, later: dict[str, Any]) -> list[str]:
    """The asked-later retrieval and support beside the same questions asked on their day, and BM25 alone."""
    lines = [
        f"### {name}: asked on their day and as of {later['asked_later']} ({later['questions']} questions; "
        f"{later['left_out']} that name a time left out)",
        "",
        "| | Hits@1 | Hits@5 | Hits@10 | MRR@10 | support | answered |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for when, label in (("on_the_day", "on the day"), ("later", "later")):
        r, m = later[when]["retrieval"], later[when]
        lines.append(
            f"| newsbot, {label} | {r['hits@1']:.3f} | {r['hits@5']:.3f} | {r['hits@10']:.3f} | {r['mrr@10']:.3f} "
            f"| {m['answer_support']:.3f} | {m['answered']:.3f} |"
        )
    r = later["bm25"]
    lines += [
        f"| BM25 alone | {r['hits@1']:.3f} | {r['hits@5']:.3f} | {r['hits@10']:.3f} | {r['mrr@10']:.3f} | | |",
        "",
    ]
    return lines


# The dev figures before the fitted reader and the answer-holding measure (BENCHMARKS.md of commit eec2dc5).
BEFORE_READER = {
    "newsbot": {"hits@1": 0.627, "hits@5": 0.902, "hits@10": 0.922, "mrr@10": 0.740},
    "answer_support": 0.500,
    "gold_cited_rate": 0.613,
    "answer_rate_with_gold": 0.912,
    "abstain_rate_without_gold": 0.245,
}


def quality(e: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    """The retrieval table (newsbot beside its baselines) and the answers table of one eval summary."""
    lines = [
        "| retrieval (article level) | Hits@1 | Hits@5 | Hits@10 | MRR@10 |",
        "| --- | --- | --- | --- | --- |",
    ]
    systems = [("newsbot", e["retrieval"])] + [(f"{k} alone", v) for k, v in e["baselines"].items()]
    if before:
        systems.append(("newsbot before (eec2dc5)", before["newsbot"]))
    for name, m in systems:
        lines.append(f"| {name} | {m['hits@1']:.3f} | {m['hits@5']:.3f} | {m['hits@10']:.3f} | {m['mrr@10']:.3f} |")
    a = e["abstention"]

    def was(key: str) -> str:
        return f"{before[key]:.3f}" if before and key in before else "—"

    lines += [
        "",
        "| answers | figure | before (eec2dc5) | target |",
        "| --- | --- | --- | --- |",
        f"| answer text in the cited quotes | {e['answer_support']:.3f} | {was('answer_support')} | ≥ 0.70 |",
        f"| gold article cited, of answered questions | {e['gold_cited_rate']:.3f} | {was('gold_cited_rate')} | ≥ 0.85 |",
        f"| answered with the gold article there | {a['answer_rate_with_gold']:.3f} | {was('answer_rate_with_gold')} | ≥ 0.90 |",
        f"| abstained with the gold article removed | {a['abstain_rate_without_gold']:.3f} | {was('abstain_rate_without_gold')} |  |",
        f"| abstained with every answer-holding article removed | {a['abstain_rate_without_answer_articles']:.3f} | not measured | ≥ 0.80 |",
        f"| short answer holds the answer, of answered | {e['short_answer_right']:.3f} | — |  |",
        "",
    ]
    return lines


def generated(e: dict[str, Any]) -> list[str]:
    """Generated answers beside the reader's quoted ones, on the same questions in the same run."""
    g, a = e["generator"], e["abstention"]
    first, whole = g["latency_ms"]["first_token"], g["latency_ms"]["total"]
    return [
        f"## Generated answers ({e['questions']} dev questions; {g['model']}, the packaged local model, on 2 threads)",
        "",
        "The model is asked only when the reader finds an answer in the passages; each of its sentences is kept "
        "only when a sentence of a passage supports it (docs/generated-answers.md).",
        "",
        "| | reader (quoted) | model (checked) | target |",
        "| --- | --- | --- | --- |",
        f"| answer text in the cited quotes | {e['answer_support']:.3f} | {g['answer_support']:.3f} | |",
        f"| answer text in the model's own words | — | {g['words_hold_answer']:.3f} | |",
        f"| gold article cited, of answered questions | {e['gold_cited_rate']:.3f} | {g['gold_cited_rate']:.3f} | |",
        f"| answered with the gold article there | {a['answer_rate_with_gold']:.3f} | {g['answer_rate_with_gold']:.3f} | |",
        f"| abstained with the gold article removed | {a['abstain_rate_without_gold']:.3f} | "
        f"{g['abstain_rate_without_gold']:.3f} | |",
        f"| generated sentences dropped by the check | — | {g['dropped_share']:.3f} of {g['sentences']} | |",
        f"| questions where nothing survived the check (abstained) | — | {g['nothing_survived']} of {g['asked']} asked | |",
        f"| endpoint failed or too slow (quoted answer shown) | — | {g['fell_back']} | |",
        f"| first token p50 / p95 | — | {first['p50'] / 1000:.1f} / {first['p95'] / 1000:.1f} s | p50 ≤ 5 s |",
        f"| whole answer p50 / p95 | {e['latency_ms']['total']['p50'] / 1000:.2f} / "
        f"{e['latency_ms']['total']['p95'] / 1000:.2f} s | {whole['p50'] / 1000:.1f} / {whole['p95'] / 1000:.1f} s "
        "| p50 ≤ 30 s |",
        "",
    ]


def markdown(f: dict[str, Any], args: argparse.Namespace) -> str:
    b, raw, e = f["build"], f["raw"], f["eval"]
    rate = b["embedded_chunks"] / b["sync_seconds"] if b["sync_seconds"] else 0.0
    peak = max(f[s]["rss_mb"] for s in ("build", "noop", "add", "ask", "eval_process"))
    lat = e["latency_ms"]
    rows = [
        (
            "Full build",
            f"{b['articles']} articles, {b['chunks']} chunks in {b['seconds'] / 60:.1f} min: {rate:.1f} chunks/s",
            f"{b['rss_mb']:.0f} MB",
            "",
        ),
        ("Raw embedder, same chunks", f"{raw['rate']:.1f} chunks/s ({raw['chunks']} sampled chunks)", "", ""),
        ("Indexing / raw embedder", f"{rate / raw['rate']:.2f}", "", "≥ 0.90"),
        (
            "No-op re-sync (whole process)",
            f"{f['noop']['seconds']:.1f} s = {f['noop']['seconds'] / b['seconds'] * 100:.1f}% of the build",
            f"{f['noop']['rss_mb']:.0f} MB",
            "≤ 3%",
        ),
        ("Add one article (whole process)", f"{f['add']['seconds']:.1f} s", f"{f['add']['rss_mb']:.0f} MB", "≤ 3 s"),
        ("Cold `newsbot ask` (whole process)", f"{f['ask']['seconds']:.1f} s", f"{f['ask']['rss_mb']:.0f} MB", "≤ 4 s"),
        ("Peak RSS of the above and the dev eval", f"{peak:.0f} MB", "", "≤ 1.5 GB"),
        (
            "Warm answer p50 / p95",
            f"{lat['total']['p50']:.0f} / {lat['total']['p95']:.0f} ms (retrieve {lat['retrieve']['p50']:.0f} / {lat['retrieve']['p95']:.0f}, answer {lat['answer']['p50']:.0f} / {lat['answer']['p95']:.0f})",
            "",
            "≤ 400 / 800 ms",
        ),
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {f['date']} on {f['machine']}, with `make bench` (RealTimeQA corpus and dev questions)"
        + (
            f"; the full build and the raw embedder's rate are from an earlier run on {b['measured']}, reused with "
            "`--keep-index`, and the rest from this one."
            if b.get("reused")
            else "."
        ),
        "",
        "| measure | figure | peak RSS | target |",
        "| --- | --- | --- | --- |",
        *[f"| {a} | {b_} | {c} | {d} |" for a, b_, c, d in rows],
        "",
        f"## Quality ({e['questions']} dev questions)",
        "",
        *quality(e, BEFORE_READER),
    ]
    if "eval_generator" in f:
        lines += generated(f["eval_generator"])
    for key, title in (
        ("eval_2023", "the 2023 set ({} questions; the reader is fitted here)"),
        ("eval_train", "the train set ({} questions of 2023-24, realtimeqa-train; the reader is fitted here)"),
    ):
        if key in f:
            lines += [f"## Quality on {title.format(f[key]['questions'])}", "", *quality(f[key], None)]
    lines += kinds_table(f)
    if "later" in f:
        lines += later_lines("Dev questions", f["later"])
    if "later_2023" in f:
        lines += later_lines("2023 questions", f["later_2023"])
    if "later_train" in f:
        lines += later_lines("Train set questions", f["later_train"])
    for key, _, folder, _ in USER_ARCHIVES:
        if key in f:
            lines += [
                f"### A user's own archive ({f[key]['questions']} questions an article answers, "
                f"{f[key]['unanswerable']['questions']} none does; tests/data/{folder.name})",
                "",
                *quality(f[key], None),
            ]
    lines += [
        "## Commands",
        "",
        "    make bench REALTIMEQA=../shared/eval/realtimeqa",
        "",
        "which runs",
        "",
        f"    python -m newsbot.index.eval.benchmark --realtimeqa REALTIMEQA --work-dir {args.work_dir} --out {args.out}",
        "",
        "and, as separate processes in that order (DATA and NEW under the work dir; NEW starts empty):",
        "",
        "    newsbot --data-dir DATA index --corpus REALTIMEQA/corpus.jsonl --corpus NEW --json   # full build",
        "    newsbot --data-dir DATA index --corpus REALTIMEQA/corpus.jsonl --corpus NEW --json   # no-op re-sync",
        "    # NEW/new.jsonl gets one article, then",
        "    newsbot --data-dir DATA index --corpus REALTIMEQA/corpus.jsonl --corpus NEW --json   # add one article",
        '    newsbot --data-dir DATA ask "How much did the new ferry terminal cost?" --as-of 2022-07-02 --json',
        "    newsbot --data-dir DATA eval --corpus REALTIMEQA/corpus.jsonl --corpus NEW \\",
        "        --questions REALTIMEQA/questions-dev.jsonl --data-dir DATA --out WORK/eval",
        "    newsbot --data-dir DATA eval --corpus REALTIMEQA/corpus.jsonl --corpus NEW \\",
        "        --questions REALTIMEQA/questions-dev.jsonl --data-dir DATA --out WORK/eval-generator --generator local",
        *(
            [
                "    newsbot eval --corpus REALTIMEQA_2023/corpus.jsonl --questions REALTIMEQA_2023/questions.jsonl \\",
                "        --data-dir DATA_2023 --out WORK/eval-2023   # with --realtimeqa-2023",
            ]
            if "eval_2023" in f
            else []
        ),
        *(
            [
                "    newsbot eval --corpus REALTIMEQA_TRAIN/corpus.jsonl --questions REALTIMEQA_TRAIN/questions.jsonl \\",
                "        --data-dir DATA_TRAIN --out WORK/eval-train   # with --realtimeqa-train; and --asked-on today",
            ]
            if "eval_train" in f
            else []
        ),
        "    newsbot --data-dir DATA eval --corpus REALTIMEQA/corpus.jsonl --corpus NEW \\",
        "        --questions REALTIMEQA/questions-dev.jsonl --data-dir DATA --out WORK/later --asked-on today",
        *(
            line
            for key, _, folder, asked in USER_ARCHIVES
            for line in (
                f"    newsbot eval --corpus {folder.relative_to(REPO)} --questions {asked.relative_to(REPO)} \\",
                f"        --data-dir WORK/data-{key} --out WORK/{key}",
            )
        ),
        "    newsbot eval --selqa SELQA/selqa-ass-dev.json --data-dir WORK/data-selqa --out WORK/selqa   # with --selqa",
        "",
        f"The raw embedder's rate is the bundled model alone on {raw['chunks']} chunks sampled from the same",
        "chunker's output, embedded 256 at a time as the indexer does. Peak RSS is each process's maximum",
        "resident set. Figures come from one run on a shared machine; expect a few percent of noise.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
