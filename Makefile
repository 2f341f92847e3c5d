# The two commands: `make run` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: help setup run test lint typecheck unit bench replay-record clean assets screenshots

help:
	@echo "make run            set up and start the whole service (Temporal dev server and UI, worker, API, demo data)"
	@echo "make test           set up and run the whole suite: lint, types, tests"
	@echo "make bench          run the benchmarks in bench/ and print their figures"
	@echo "make replay-record  re-record tests/replay/histories (only when a workflow change is meant to break replay)"
	@echo "make assets         rebuild the committed CSS, JS and images in api/static from assets/ (needs node and npm)"
	@echo "make screenshots    retake the pages' screenshots in docs/screenshots (the browser lane, in chromium)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "make: Python 3.11 or newer is needed as '$(PYTHON)'; install it or run: make PYTHON=python3.12 ..." >&2; exit 1; }
	@test -x $(BIN)/python || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing the project and its pinned tools into $(VENV)"
	@$(PIP) install --quiet --editable '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	@$(BIN)/ehcp run

lint: setup
	@echo "==> ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@echo "==> lint-imports (the layers, [tool.importlinter] in pyproject.toml)"
	@$(BIN)/lint-imports --no-cache --no-logo

typecheck: setup
	@echo "==> mypy --strict"
	@$(BIN)/mypy

unit: setup
	@echo "==> pytest"
	@$(BIN)/pytest

test: lint typecheck unit

bench: setup
	@$(BIN)/python bench/timeline.py
	@$(BIN)/python bench/overdue_list.py
	@$(BIN)/python bench/pathways.py
	@$(BIN)/python bench/api_latency.py
	@$(BIN)/python bench/plan_history.py
	@$(BIN)/python bench/plan_cache.py
	@$(BIN)/python bench/fault_run.py
	@$(BIN)/python bench/pages.py

replay-record: setup
	@$(BIN)/python -m tests.replay.record

# Not part of run or test: the built files are committed (docs/pages-assets.md).
assets:
	@cd assets && npm ci --ignore-scripts --no-audit --no-fund && node build.mjs

screenshots: setup
	@EHCP_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
	@echo "var/ (the embedded databases and outbox) is kept; remove it yourself to start afresh"
