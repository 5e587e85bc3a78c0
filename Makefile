# SecureCart — three commands: `make run` (serve the store with demo data), `make test`,
# and `make stack` (the whole stack on one machine: PostgreSQL + replica, Redis, moto,
# Celery worker and beat, notification consumers, gunicorn; see docs/stack.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= securecart.settings.local

.PHONY: install run serve migrate demo stack test test-fast lint services bench checkov clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# axe-core for the browser tests' accessibility checks (tests/e2e/axe.py).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_checkout

run: demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Serving SecureCart at http://$(HOST):$(PORT)/ (admin at /admin/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The real stack under honcho (Procfile.stack); Ctrl-C stops what it started.
stack: install
	VENV=$(VENV) bash scripts/stack.sh

test: install
	DJANGO_SETTINGS_MODULE=securecart.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# Start the services the real-service tests use that a machine may lack:
# a PostgreSQL streaming replica on 127.0.0.1:5433 (needs root and PostgreSQL 15)
# and redis-server on 127.0.0.1:6379. moto server is started by the tests.
services:
	bash scripts/pg-replica.sh up
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --daemonize yes

checkov:
	bash scripts/checkov.sh

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles var artifacts node_modules
