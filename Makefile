# Two commands do all set-up on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench figures clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml firmware_protocol/harness-requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps -r firmware_protocol/harness-requirements.txt
	$(BIN)/python -m compileall -q src/dorsi  # byte-code, as a wheel install writes (start-up without it: +80 ms)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dorsi demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks firmware_protocol
	$(BIN)/ruff format --check src tests benchmarks firmware_protocol
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# the figures README and docs quote, regenerated into docs/figures.md (~25 min on 2 shared cores)
figures: $(STAMP)
	$(BIN)/python benchmarks/figures.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
