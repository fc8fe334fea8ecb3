# secreview — the README's two commands are `make demo` and `make test`.
# Installs use constraints.txt (every runtime, test and dev dependency pinned; `make lock`
# regenerates it); `make test-latest` runs the suite against the newest releases instead.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIN := -c constraints.txt
STAMP := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test
LATEST := .venv-latest

.PHONY: demo test test-latest lint bench lock clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PY) not found); try: make PY=python3 demo"; exit 2; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(PIN) --upgrade pip

# The OCR extra (issue 14) is part of `make demo` and `make test`: pictures and scanned pages;
# so is the desk extra (issue 15): `secreview serve`; the postgres extra (issue 16) of
# `make test`: the ledger suites run on PostgreSQL too.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q $(PIN) -e '.[ocr,desk]'
	@touch $@

$(TESTSTAMP): $(STAMP)
	$(BIN)/python -m pip install -q $(PIN) -e '.[test,ocr,desk,postgres]'
	@touch $@

demo: $(STAMP)
	@bash scripts/demo.sh $(BIN)

test: $(TESTSTAMP)
	$(BIN)/python -m pytest -q

# The same suite against the newest release of every dependency (no constraints): drift
# shows here first. A failing model-reproduction test names the library whose version moved.
test-latest:
	@command -v $(PY) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PY) not found)"; exit 2; }
	rm -rf $(LATEST)
	$(PY) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade pip
	$(LATEST)/bin/python -m pip install -q --upgrade --upgrade-strategy eager -e '.[test,ocr,desk,postgres]'
	$(LATEST)/bin/python -m pip freeze --exclude-editable > $(LATEST)/versions.txt
	$(LATEST)/bin/python -m pytest -q

lint: $(TESTSTAMP)
	$(BIN)/python -m pip install -q $(PIN) -e '.[test,dev,desk,postgres]'
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install -q $(PIN) -e '.[bench]'
	$(BIN)/python bench/run.py

# Re-pin every dependency after a change to pyproject.toml (pip-tools from the dev extra).
lock: $(TESTSTAMP)
	$(BIN)/python -m pip install -q $(PIN) -e '.[dev]'
	$(BIN)/pip-compile -q --all-extras --strip-extras --no-header --annotation-style=line \
	  --no-emit-index-url --no-emit-find-links --allow-unsafe -o constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) $(LATEST) demo-out bench/out
