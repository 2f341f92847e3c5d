# The two commands: `make run` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PIP    := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: help setup run test lint typecheck unit bench clean

help:
	@echo "make run    set up and run the service (this release: the statute engine on a demo case)"
	@echo "make test   set up and run the whole suite: lint, types, tests"
	@echo "make bench  run the benchmarks in bench/ and print their figures"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "make: Python 3.11 or newer is needed as '$(PYTHON)'; install it or run: make PYTHON=python3.12 ..." >&2; exit 1; }
	@test -x $(BIN)/python || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing the project and its pinned tools into $(VENV)"
	@$(PIP) install --quiet --editable '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	@echo "==> the statute engine on a demo case (examples/assessment-in-progress.json)"
	@$(BIN)/ehcp timeline examples/assessment-in-progress.json --format table
	@echo
	@echo "Next: $(BIN)/ehcp timeline YOUR-CASE.json [--format table] [--as-of YYYY-MM-DD]"
	@echo "      $(BIN)/ehcp conventions   # the settings that read unverified parts of the law"
	@echo "The workflows, API and pages arrive with the next issues; see README.md."

lint: setup
	@echo "==> ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .

typecheck: setup
	@echo "==> mypy --strict"
	@$(BIN)/mypy

unit: setup
	@echo "==> pytest"
	@$(BIN)/pytest

test: lint typecheck unit

bench: setup
	@$(BIN)/python bench/timeline.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
