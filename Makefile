# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: demo test install system-packages dbt-parse lint clean bench bench-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# The dbt manifest Dagster loads its assets from (prepared once, not on every run).
dbt-parse: install
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet

# `tweetchat run` parses the dbt project itself when it changed; it prints where things are.
demo: install
	$(BIN)/tweetchat run
	@echo
	@echo "Query the warehouse read-only: warehouse/tweetchat.duckdb (see README)"
	@echo "Dagster UI: $(BIN)/tweetchat ui   then open http://127.0.0.1:3000"

# Chromium for the reports' browser tests: Debian's package, which Playwright drives (a
# browser download by Playwright itself would fail offline). Needs root or sudo.
system-packages:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install system-packages dbt-parse
	$(BIN)/pytest

# twarc-csv 0.7.2, the baseline analysts flatten exports with, in its own environment: it
# needs pandas<2.1 and numpy<2, which the warehouse's own environment cannot have.
TWARC_VENV := benchmarks/.venv-twarc
$(TWARC_VENV)/bin/twarc2:
	$(PYTHON) -m venv $(TWARC_VENV)
	$(TWARC_VENV)/bin/pip install --quiet "twarc-csv==0.7.2" "pandas<2.1" "numpy<2"

bench-venv: $(TWARC_VENV)/bin/twarc2

# The benchmark table of docs/benchmarks.md (10k, 100k and 1M posts: about half an hour).
# BENCH_POSTS="10000 100000" make bench for a shorter run.
BENCH_POSTS ?= 10000 100000 1000000
bench: install dbt-parse bench-venv
	$(BIN)/python -m benchmarks.run --posts $(BENCH_POSTS)
	$(BIN)/python -m benchmarks.incremental

lint: install
	$(BIN)/ruff check orchestration tests benchmarks

clean:
	rm -rf warehouse output .dagster dbt_project/target dbt_project/logs test-artifacts
