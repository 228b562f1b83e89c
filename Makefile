# The two commands a new machine needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app conference
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

# Parallel test workers (pytest-xdist): `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= auto

.PHONY: install run test bench lint format hooks migrations-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list or the pinned versions change.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## make run: install, migrate, load the demo on first start, serve with the scheduler beside it.
# No gunicorn access log: URLs can hold one-time tokens. The app logs each request by endpoint.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)/ with the scheduler. Ctrl-C stops both."
	@$(FLASK) scheduler & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) 'conference:create_app()'

## make test: lint (ruff, mypy), then the whole suite in parallel (browser tests when Chromium is present).
test: install
	@started=$$SECONDS; status=0; \
	$(MAKE) --no-print-directory lint && $(BIN)/python -m pytest -n $(TEST_WORKERS) || status=$$?; \
	echo "make test: $$((SECONDS - started)) s ($$( ((status)) && echo failed || echo passed))"; \
	exit $$status

## make bench: every main page and console answer against a floor page, then a mixed load, on a
## database filled by `flask --app conference seed-scale` (BENCH_DATABASE_URL, else DATABASE_URL).
## A benchmark, not a test: CI does not run it. Options: make bench BENCH_ARGS="--passes 5".
bench: install
	$(BIN)/python -m bench --workers $(WORKERS) $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make hooks: run the linters before every commit (see README, "Contributing").
hooks: install
	$(BIN)/pre-commit install

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
