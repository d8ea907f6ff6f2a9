# Firstclass: the commands a newcomer types. `make demo` runs the demo, `make test` the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
# Tests run against real PostgreSQL; override for another server or user.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/firstclass
PYTEST_ARGS ?=
# Where `make demo` serves the site; e.g. `make demo DEMO_ADDR=127.0.0.1:8010` when 8000 is taken.
DEMO_ADDR ?= 0.0.0.0:8000

.PHONY: help demo test test-unit test-e2e lint lint-ruff lint-format lint-migrations bench install install-dev clean-demo

help:
	@echo "make demo   install and run web + worker + beat with demo data (SQLite, no services needed)"
	@echo "make test   install test tools and run the whole suite (PostgreSQL and Redis on localhost)"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  measure response times (bench/run.py)"

# Python 3.12: pyenv's 3.12.1 if present (.python-version), else python3.12 on PATH.
$(PY):
	@python=""; \
	if command -v pyenv >/dev/null && [ -x "$$(pyenv root)/versions/3.12.1/bin/python3.12" ]; then \
		python="$$(pyenv root)/versions/3.12.1/bin/python3.12"; \
	elif command -v python3.12 >/dev/null; then \
		python="$$(command -v python3.12)"; \
	else \
		echo "Python 3.12 is required: install it (e.g. 'pyenv install 3.12.1') and run make again." >&2; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)

# Stamps make a second `make demo` start at once instead of re-running pip.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(PY) manage.py rundemo $(DEMO_ADDR)

# The whole suite: everything but the browser tests on two xdist workers, then the browser tests.
# pytest's exit code 5 ("no tests collected") counts as a failure.
test: install-dev test-unit test-e2e

test-unit: install-dev
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(PY) -m pytest -n 2 --dist loadgroup -m "not e2e" $(PYTEST_ARGS)

test-e2e: install-dev
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(PY) -m pytest -m e2e $(PYTEST_ARGS)

# `make -k lint` runs all three even when one fails.
lint: lint-ruff lint-format lint-migrations

lint-ruff: install-dev
	$(VENV)/bin/ruff check .

lint-format: install-dev
	$(VENV)/bin/ruff format --check .

lint-migrations: install-dev
	$(PY) manage.py makemigrations --check --dry-run

# Every registered script of bench/run.py, each in scratch databases on DATABASE_URL's server, then one
# table (metric, value, target, pass/fail). `make bench BENCH_ARGS=--quick`: small sizes; `--strict`
# also fails on a missed target; `BENCH_ARGS="grants selection"`: some scripts.
bench: install-dev
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" $(PY) bench/run.py $(BENCH_ARGS)

# Forget the demo's database, broker folders and beat schedule (var/ holds nothing else).
clean-demo:
	rm -rf var/firstclass.sqlite3* var/broker var/celerybeat-schedule*
