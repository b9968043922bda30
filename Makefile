# Anjian: `make run` sets up and serves the demo; `make test` sets up and runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Test workers (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
RUN_DEBS := fonts-noto-cjk gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libjpeg62-turbo
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils iproute2 util-linux
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format sysdeps-run sysdeps-test bench migrate demo clean-db help

help:
	@echo "make run    - install, migrate, load demo data, serve http://127.0.0.1:$(PORT)"
	@echo "make test   - install test dependencies, run ruff and every pytest test"
	@echo "make bench  - run the benchmarks and write bench/RESULTS.md"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[test]'
	@touch $@ $(VENV)/.run-installed

# System packages: installed with apt-get when root, otherwise a message says what to install.
define ensure_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

sysdeps-run:
	$(call ensure_debs,$(RUN_DEBS))

sysdeps-test:
	$(call ensure_debs,$(TEST_DEBS))

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

run: sysdeps-run $(VENV)/.run-installed var/secret_key
	@export SECRET_KEY="$$(cat var/secret_key)"; set -e; \
	$(PY) manage.py migrate --noinput -v0; \
	$(PY) manage.py compilemessages -v0 --ignore=.venv; \
	$(PY) manage.py collectstatic --noinput -v0; \
	$(PY) manage.py seed_demo; \
	$(PY) manage.py demo_accounts; \
	echo "Serving http://127.0.0.1:$(PORT)/  (Ctrl+C to stop)"; \
	exec $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) anjian.asgi:application

test: export ANJIAN_TESTING := 1
test: sysdeps-test $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py compilemessages -v0 --ignore=.venv
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: sysdeps-test $(VENV)/.test-installed
	$(PY) bench/run.py

clean-db:
	rm -f var/anjian.sqlite3 var/anjian.sqlite3-wal var/anjian.sqlite3-shm
