"""`make adversarial`: the hostile-input, crash and fault cases, run per category, with how many held.

Each case is a test (a hypothesis property counts once, though it draws 60 examples). "held" means the
product did what the README promises (one clear line, nothing lost, nothing hung, nothing injected);
"failed" is a defect. Run it from the project root: python tests/adversarial.py
"""

from __future__ import annotations

import re
import subprocess
import sys

CATEGORIES: dict[str, list[str]] = {
    "files (unreadable folders, bad names, links, encodings, NUL, blobs, broken formats)": [
        "tests/test_hostile_files.py",
        "tests/test_articles.py",
        "tests/test_fuzz.py::test_a_broken_file_arriving_loses_no_article",
        "tests/test_indexer.py::test_a_file_that_turns_bad_keeps_its_indexed_articles",
        "tests/test_indexer.py::test_a_record_prepended_to_a_jsonl_re_embeds_only_itself",
    ],
    "kills (SIGKILL at every point, SIGINT mid-rebuild, crashes while embedding)": [
        "tests/test_processes.py",
        "tests/test_indexer.py::test_a_crash_while_embedding_leaves_an_answering_index_that_the_next_run_repairs",
        "tests/test_indexer.py::test_a_crash_between_the_vector_write_and_the_delete_is_repaired",
        "tests/test_indexer.py::test_a_rebuild_is_made_beside_the_index_which_answers_until_it_is_complete",
        "tests/test_indexer.py::test_a_rebuild_gets_past_a_settings_change",
    ],
    "server and disk faults (silent or absent Chroma server, full disk, read-only, locks, other models)": [
        "tests/test_faults.py",
        "tests/test_chroma_server.py",
        "tests/test_indexer.py::test_another_model_with_the_same_name_is_refused_in_one_line",
    ],
    "questions and article text (escape sequences, markup, bad bytes, pings, closed pipes)": [
        "tests/test_hostile_input.py",
        "tests/test_fuzz.py",
    ],
    "config (misspelt variables, inf/nan, secrets of the wrong type, data dir that is a file)": [
        "tests/test_settings.py",
        "tests/test_cli.py::test_a_misspelled_environment_variable_names_the_closest_setting",
        "tests/test_cli.py::test_a_data_dir_that_is_a_file_is_named_as_a_file",
        "tests/test_fuzz.py::test_any_setting_value_loads_or_is_refused_in_one_line_naming_it",
    ],
}


def main() -> int:
    rows = []
    for category, targets in CATEGORIES.items():
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
            capture_output=True,
            text=True,
        )
        tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
        counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error|skipped)", tail)}
        held, failed = counts.get("passed", 0), counts.get("failed", 0) + counts.get("error", 0)
        rows.append((category, held + failed + counts.get("skipped", 0), held, failed, counts.get("skipped", 0)))
    print("| category | cases | held | failed | skipped |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    return 1 if any(r[3] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
