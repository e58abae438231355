# Two commands on a fresh machine (Python ≥ 3.11 and make):  make demo   make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test build validate lint audit clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## build the graph from graph/curated and run one example query
demo: $(STAMP)
	$(BIN)/tokutei-kg build
	@echo
	@echo '$$ tokutei-kg query actors-by-side'
	@$(BIN)/tokutei-kg query actors-by-side

$(VENV)/.lint-installed: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lint]'
	touch $@

## ruff (style, imports, complexity) on src and tests, without its cache (whose import-order verdicts
## depend on which modules exist); mypy (types, config in pyproject.toml) on src
lint: $(VENV)/.lint-installed
	$(BIN)/ruff check --no-cache src tests
	$(BIN)/mypy

$(VENV)/.audit-installed: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	touch $@

## pip-audit of the installed packages: a finding not listed in SECURITY.md fails; no service = a warning
audit: $(VENV)/.audit-installed
	$(BIN)/python .ci/audit.py --python $(BIN)/python --pip-audit $(BIN)/pip-audit

## run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

build: $(STAMP)
	$(BIN)/tokutei-kg build

validate: $(STAMP)
	$(BIN)/tokutei-kg validate

## benchmarks: every figure against rdflib alone and pyoxigraph alone (BENCH_SIZES=1e4,1e5 to limit)
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py --write benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) graph/built/*.nq graph/built/*.nq.json .pytest_cache
