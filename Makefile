# Two commands for a fresh machine: `make run` and `make test` (see README.md).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PG_URL ?= postgresql://postgres@127.0.0.1:5432/dapjang

.PHONY: run test lint test-sqlite test-postgres install install-dev system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The demo desk on first start: a fictional shop with queues, agents and tickets to look at.
run: install
	$(BIN)/dapjang serve --demo

lint: install-dev
	$(BIN)/ruff check dapjang tests bench
	$(BIN)/ruff format --check dapjang tests bench
	$(BIN)/mypy dapjang

# Dovecot, Chromium and swaks: the real servers and browser the tests use (Debian packages).
system-deps:
	./scripts/system-deps

test-sqlite: install-dev system-deps
	$(BIN)/pytest -q -p no:cacheprovider

# pytest-django creates test_dapjang on the server and drops it afterwards.
test-postgres: install-dev system-deps
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider --create-db

test: lint test-sqlite test-postgres
