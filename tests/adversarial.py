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
    # Issue 27: a newcomer run and a second adversarial round.
    "nothing lost (folders indexed with --corpus, kills at the rebuild switch, huge articles, bad records)": [
        "tests/test_nothing_lost.py",
        "tests/test_processes.py::test_a_rebuild_killed_at_its_switch_leaves_an_index_that_answers",
        "tests/test_processes.py::test_asking_an_empty_chroma_server_creates_nothing_there",
        "tests/test_processes.py::test_watch_follows_a_rebuild_made_by_another_process",
        "tests/test_processes.py::test_watch_follows_a_corpus_folder_replaced_in_place",
    ],
    "hangs (a server that drips its reply, a model that never stops, a reply that is not a stream)": [
        "tests/test_chroma_server.py::test_a_server_that_drips_its_reply_is_given_up_on_after_the_timeout",
        "tests/test_generator.py::test_a_reply_longer_than_max_tokens_allows_is_cut_there_and_repeats_are_said_once",
        "tests/test_generator.py::test_a_failing_endpoint_falls_back_to_the_quoted_answer",
    ],
    "the check (contradictions, made-up quotations, foreign links, planted instructions, drafts)": [
        "tests/test_generator.py::test_a_claim_its_quote_does_not_make_is_left_out",
        "tests/test_generator.py::test_a_faithful_claim_and_a_true_quotation_are_kept",
        "tests/test_generator.py::test_links_the_passages_do_not_hold_are_removed",
        "tests/test_generator.py::test_a_sentence_that_addresses_the_model_is_told_from_news",
        "tests/test_generator.py::test_the_terminal_draft_is_labelled_and_erased_before_the_checked_answer",
        "tests/test_discord.py::test_ask_posts_only_the_checked_answer_never_the_models_draft",
        "tests/test_discord.py::test_a_mention_gets_only_the_checked_answer_in_its_thread",
    ],
    "secrets, terminal, time (passwords in addresses, escape sequences in logs, time zones, small faults)": [
        "tests/test_cli.py::test_a_password_in_the_llm_address_is_never_printed",
        "tests/test_generator.py::test_a_password_in_the_llm_address_is_sent_as_basic_auth_and_never_logged",
        "tests/test_cli.py::test_log_lines_never_carry_terminal_escape_sequences",
        "tests/test_cli.py::test_an_article_of_today_in_any_time_zone_is_not_hidden",
        "tests/test_cli.py::test_an_as_of_day_at_the_end_of_the_calendar_still_answers",
        "tests/test_cli.py::test_ctrl_c_outside_a_sync_says_nothing_of_syncing",
        "tests/test_cli.py::test_smaller_command_line_faults",
        "tests/test_cli.py::test_a_misspelt_option_names_the_closest_one",
        "tests/test_discord.py::test_mention_opens_a_thread_and_follow_ups_use_its_context",
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
