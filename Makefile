# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   - install into .venv, crawl the bundled demo site, show the reprint clusters
#   make test   - install into .venv (with test tools) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= demo.db

.PHONY: demo test test-fast lint clean

demo: $(VENV)/.installed
	$(BIN)/wirecrawl --db $(DB) demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: every test not marked slow (no whole crawls in subprocesses, no benchmarks).
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow" -q $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
