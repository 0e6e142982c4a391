# Two commands on a fresh clone: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Create the venv, install, migrate and serve on the embedded SQLite default.
run: install
	$(BIN)/vigil db upgrade
	$(BIN)/vigil serve

## Install test dependencies, start a throwaway PostgreSQL, run everything on SQLite and PostgreSQL.
test: install lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q -p no:cacheprovider

clean:
	rm -rf $(VENV) vigil-data .pytest_cache .mypy_cache .ruff_cache
