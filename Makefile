# The two commands: `make run` (install, migrate, demo accounts, serve) and `make test`.
# `make serve`: production serving (no demo content) after `db upgrade`; docs/operations.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 5000
HOST ?= 127.0.0.1
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
FLASK := $(BIN)/flask --app wsgi

INTEROP := tests/interop/vc-js

# `make bench` (QUICK=1: briefly): docs/benchmarks.md. PostgreSQL: BENCH_DATABASE_URL, by default
# a `bench` database on the local server, created when missing (its schema is emptied each run).
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
# bench/import_ratio.py (importing 10,000 questions against a bulk insert): its template database.
BENCH_IMPORT_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/benchimp
IMPORT_QUICK = $(if $(QUICK),--runs 1 --questions 2000,)
# bench/scale.py (the pages that must stay flat, a small and a large institution): its database.
BENCH_SCALE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/benchscale
SCALE_QUICK = $(if $(QUICK),--small 50 --large 500 --repeat 3,)
# bench/workers.py (the spike under sync, gthread and gevent workers).
WORKERS_QUICK = $(if $(QUICK),--spike 100,)
# bench/instructions.py (a start and a save counted under callgrind).
INSTRUCTIONS_QUICK = $(if $(QUICK),--pairs 3,)

.PHONY: bench translations translations-update run serve test test-deps test-interop-deps lrs fuzz lint format install migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# The interface's catalogues (docs/i18n.md). `translations` compiles the .po files to .mo (the app
# also compiles a missing or older .mo when it starts); `translations-update` extracts the
# marked strings into app/translations/messages.pot and merges them into every .po.
BABEL := $(BIN)/pybabel
EXTRACT = $(BABEL) extract -F babel.cfg -k lazy_gettext -k _l --no-location --sort-output \
	-c TRANSLATORS: --no-wrap --project "Dry Needling Academy" -o app/translations/messages.pot .

translations: $(STAMP)
	$(BABEL) compile -d app/translations --statistics

translations-update: $(STAMP)
	$(EXTRACT)
	$(BABEL) update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --no-wrap \
		--ignore-obsolete
	$(BABEL) compile -d app/translations --statistics

migrate: $(STAMP) translations
	mkdir -p instance
	$(FLASK) db upgrade

# The address `make run` serves is the public base URL of its links and certificates
# (override PUBLIC_BASE_URL when a proxy serves it elsewhere).
RUN_BASE_URL = $${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}

demo: migrate
	PUBLIC_BASE_URL=$(RUN_BASE_URL) $(FLASK) demo setup

# gunicorn.conf.py reads HOST, PORT and WEB_CONCURRENCY (the demo keeps 2 workers by default).
run: demo
	@echo "== serving on http://$(HOST):$(PORT) (Ctrl-C to stop) =="
	PUBLIC_BASE_URL=$(RUN_BASE_URL) HOST=$(HOST) PORT=$(PORT) WEB_CONCURRENCY=$${WEB_CONCURRENCY:-2} \
		$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# Production: no demo content; APP_ENV defaults to production (SECRET_KEY required, secure
# cookies, HSTS), workers from cores (WEB_CONCURRENCY overrides). Set DATABASE_URL,
# RATELIMIT_STORAGE_URI and the rest in the environment (docs/operations.md).
serve: $(STAMP) translations
	mkdir -p instance
	APP_ENV=$${APP_ENV:-production} $(FLASK) db upgrade
	@echo "== serving on $(HOST):$(PORT) (APP_ENV=$${APP_ENV:-production}) =="
	APP_ENV=$${APP_ENV:-production} HOST=$(HOST) PORT=$(PORT) \
		$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# System packages the browser and PDF tests need (chromium, a CJK font): scripts/test-deps.
test-deps:
	scripts/test-deps

# The interop test's verifier (Digital Bazaar's vc-js), pinned by its package-lock.json.
# Without Node.js the interop test skips, saying so.
test-interop-deps:
	@if command -v npm >/dev/null 2>&1; then \
		cd $(INTEROP) && npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "== npm not found: the interop test (tests/interop) will skip =="; \
	fi

# Ralph's learning record store for the xAPI tests (tests/xapi), in its own virtualenv: its
# server extras pin click<8.2.1, older than Flask needs. `requests` is missing from its extras.
LRS_VENV := .venv-lrs
$(LRS_VENV)/.installed-stamp:
	$(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' 'requests>=2.32,<3'
	touch $@

lrs: $(LRS_VENV)/.installed-stamp

test: lint translations test-deps test-interop-deps lrs
	@echo "== tests on SQLite =="
	env -u TEST_DATABASE_URL -u DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ] || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		echo "== tests on PostgreSQL =="; \
		TEST_DATABASE_URL="$${TEST_DATABASE_URL:-$(PG_URL)}" $(BIN)/python -m pytest; \
	else \
		echo "== PostgreSQL not reachable: PostgreSQL run skipped =="; \
	fi

# A longer hunt than `make test` runs: FUZZ_EXAMPLES examples per form and API operation,
# on SQLite (or on the database TEST_DATABASE_URL names).
FUZZ_EXAMPLES ?= 300
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -o timeout=0 tests/fuzz

bench: $(STAMP)
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		createdb -h 127.0.0.1 -U postgres bench 2>/dev/null || true; \
		BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/run.py $(if $(QUICK),--quick,); \
		BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/workers.py $(WORKERS_QUICK); \
		BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/instructions.py $(INSTRUCTIONS_QUICK); \
		createdb -h 127.0.0.1 -U postgres benchimp 2>/dev/null || true; \
		$(BIN)/python bench/import_ratio.py --databases sqlite,postgresql --pg-url "$(BENCH_IMPORT_DATABASE_URL)" $(IMPORT_QUICK); \
		PYTHONPATH=. $(BIN)/python bench/scale.py $(SCALE_QUICK) --output bench/results/scale-sqlite.json; \
		createdb -h 127.0.0.1 -U postgres benchscale 2>/dev/null || true; \
		PYTHONPATH=. $(BIN)/python bench/scale.py $(SCALE_QUICK) --database-url "$(BENCH_SCALE_DATABASE_URL)" \
			--output bench/results/scale-postgresql.json; \
	else \
		echo "== PostgreSQL not reachable: SQLite only =="; \
		$(BIN)/python bench/run.py --databases sqlite $(if $(QUICK),--quick,); \
		$(BIN)/python bench/workers.py --databases sqlite $(WORKERS_QUICK); \
		$(BIN)/python bench/instructions.py --databases sqlite $(INSTRUCTIONS_QUICK); \
		$(BIN)/python bench/import_ratio.py --databases sqlite $(IMPORT_QUICK); \
		PYTHONPATH=. $(BIN)/python bench/scale.py $(SCALE_QUICK) --output bench/results/scale-sqlite.json; \
	fi

clean:
	rm -rf $(VENV) $(LRS_VENV) .pytest_cache .ruff_cache
