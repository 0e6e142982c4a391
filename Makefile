# Two commands on a fresh clone: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck pytest clean chromium screenshots load faults fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Create the venv, install, migrate and serve on the embedded SQLite default, with the demo
## home feeding it (a week of history first, then live activity at 60x): open http://127.0.0.1:8000
run: install
	$(BIN)/vigil db upgrade
	$(BIN)/vigil serve --demo --demo-backfill-days 7 --demo-speed 60

## Install test dependencies, start a throwaway PostgreSQL, run everything on SQLite and PostgreSQL.
test: install lint typecheck pytest

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install
	$(BIN)/mypy

pytest: install chromium
	$(BIN)/pytest -q -p no:cacheprovider

## The schemathesis fuzz of the whole API runs inside `make test` with few examples; this runs
## many more, boundary values included (SQLite, a few minutes).
fuzz: install
	VIGIL_FUZZ_FULL=1 $(BIN)/pytest -q -p no:cacheprovider --backends=sqlite \
		tests/reliability/test_schemathesis.py

## Mixed ingest + reads at a fixed rate against 2 serve + 2 worker processes on a throwaway
## PostgreSQL, then the single-process SQLite default; ends with `errors: N lost: M`.
## LOAD_ARGS="--duration 180 --rate 40" for a longer run.
LOAD_ARGS ?= --duration 60
load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

## Fault scenarios under load: PostgreSQL crash + restart, worker SIGKILL mid-job, notification
## receiver down then back, SQLite disk full. Each must end `errors: 0 lost: 0`.
FAULT_ARGS ?=
faults: install
	$(BIN)/python scripts/faults/run.py $(FAULT_ARGS)

## Debian's chromium for the dashboard's browser tests (CI runs as root).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

## Save a PNG of every dashboard page to docs/screenshots/ (demo data in a throwaway database).
screenshots: install chromium
	$(BIN)/python -m tests.web.screenshots docs/screenshots

clean:
	rm -rf $(VENV) vigil-data .pytest_cache .mypy_cache .ruff_cache
