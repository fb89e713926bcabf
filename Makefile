# nebase-analysis: plain targets (cookiecutter-data-science style).
# `make demo` and `make test` create .venv from pyproject.toml when it is missing.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
NEBASE := $(VENV)/bin/nebase
STAMP  := $(VENV)/.installed
SEED   ?= 0
JOBS   ?= 2

.PHONY: help install demo test test-fast bench templates clean-data clean

help:
	@echo "make demo   - synthetic national batch -> data/raw, then the whole pipeline -> reports/index.html"
	@echo "make test   - run the test suite"
	@echo "make bench  - run the benchmarks in benchmarks/"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(NEBASE) synth --out data/raw --seed $(SEED) --format mixed
	$(NEBASE) run --raw data/raw --processed data/processed --reports reports --jobs $(JOBS)
	$(NEBASE) sheets --processed data/processed --roster data/raw/experts/roster.xlsx --out reports/score_sheets
	@echo "报告索引（用浏览器打开）：$(CURDIR)/reports/index.html"

test: $(STAMP)
	$(PY) -m pytest -q -n $(JOBS)

test-fast: $(STAMP)
	$(PY) -m pytest -q -x -m "not slow"

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

templates: $(STAMP)
	$(NEBASE) template --out reports/templates

clean-data:
	find data/raw data/processed reports -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +

clean: clean-data
	rm -rf $(VENV) .pytest_cache *.egg-info
