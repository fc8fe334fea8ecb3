# secreview — the README's two commands are `make demo` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PY) not found); try: make PY=python3 demo"; exit 2; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[ocr]'
	@touch $@

$(TESTSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,ocr]'
	@touch $@

demo: $(STAMP)
	@bash examples/demo.sh $(BIN)

test: $(TESTSTAMP)
	$(BIN)/python -m pytest -q

lint: $(TESTSTAMP)
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-out bench/out
