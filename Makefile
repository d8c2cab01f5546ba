# kpibot — `make demo` shows the main job on the embedded default (SQLite); `make lint` checks
# the code with ruff (pyproject.toml's [tool.ruff]); `make test` runs the whole suite on SQLite,
# PostgreSQL and DuckDB; `make bench` measures speed and memory.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_TICKETS ?= 1000000
TEST_WORKERS ?= 2

.PHONY: install demo lint test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kpibot demo --db sqlite:///demo/kpibot-demo.db

lint: $(STAMP)
	$(PY) -m ruff check bot kpi_engine tests benchmarks

test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) -q

bench: $(STAMP)
	$(PY) -m benchmarks.run --tickets $(BENCH_TICKETS)

clean:
	rm -rf $(VENV) demo/ .pytest_cache
