# The two set-up commands (README): `make demo` and `make test`. Needs only Python >= 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv bench lint i18n clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "minewatch needs Python 3.11 or newer; found $$($(PYTHON) --version 2>&1)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "Your Python lacks venv/ensurepip. On Debian/Ubuntu: sudo apt-get install python3.11-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	MINEWATCH_HOME=$(CURDIR)/minewatch-data $(BIN)/minewatch demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

i18n: $(STAMP)
	$(BIN)/python scripts/i18n.py --check

lint: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) minewatch-data
