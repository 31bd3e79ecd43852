# Two commands for a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: install front-end translations run serve test lint bench races lighthouse messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $@

install: $(VENV)/.installed front-end translations

# The English catalogue, compiled (the .mo files are not committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d bootcamp/translations

# The partial Plotly.js bundle from the npm registry (package-lock.json); without npm, or offline, the app
# serves the full bundle of the plotly Python package instead, and everything still works.
front-end:
	@if [ -f node_modules/plotly.js-basic-dist-min/plotly-basic.min.js ]; then :; \
	elif command -v npm >/dev/null 2>&1 && npm ci --omit=dev --no-audit --no-fund --ignore-scripts --loglevel=error; then :; \
	else echo "Note: npm unavailable or the registry unreachable: the full Plotly.js bundle of the plotly package will be served."; fi

# Links are built on BASE_URL (required outside tests and debugging): the address this serves, unless given.
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	$(BIN)/flask attendance calendars
	$(BIN)/flask followups send  # today's follow-ups and questionnaires (cron's daily run): read at /admin/outbox
	$(BIN)/flask placements send  # today's emails to company tutors (cron's daily run)
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Production-style: gunicorn with several workers (PORT, WORKERS, HOST honoured; see gunicorn.conf.py).
serve: install
	$(BIN)/flask db upgrade
	$(BIN)/flask attendance calendars
	PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# The whole suite in parallel (pytest-xdist, one worker per core; the browser tests together on one of them):
# SQLite, PostgreSQL too with TEST_DATABASE_URL, Chromium when /usr/bin/chromium is there. COVERAGE=1 adds the
# coverage report (CI does), HYPOTHESIS_PROFILE=ci the deep fuzzing, TEST_WORKERS=0 a run in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test front-end
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(if $(COVERAGE),--cov --cov-report=term) $(PYTEST_ARGS)

# A ten-year programme under gunicorn, measured with wrk (installed from Debian's packages when missing).
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/imports.py

# The concurrency figures (issue 12): races against gunicorn with 3, 6 and 9 workers, SQLite and PostgreSQL.
races: $(VENV)/.installed-test
	$(BIN)/python bench/races.py

# Lighthouse's mobile audit of /login, /me, /insertion and the grid in Debian's Chromium (issue 14's goals):
# Lighthouse comes from bench/lighthouse-npm/package.json (npm), Chromium from Debian's packages when missing.
lighthouse: install
	@[ -x /usr/bin/chromium ] || (apt-get update -qq && apt-get install -y -qq chromium)
	@[ -x bench/lighthouse-npm/node_modules/.bin/lighthouse ] || npm ci --prefix bench/lighthouse-npm --no-audit --no-fund --loglevel=error || npm install --prefix bench/lighthouse-npm --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py

lint: $(VENV)/.installed-test
	$(BIN)/flake8 bootcamp tests bench wsgi.py migrations/env.py

# Extract every string marked for translation (the interface is written in French) and merge them into the
# English catalogue: new strings arrive untranslated, and tests/test_i18n.py fails until they are translated.
messages: install
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file bootcamp/translations/messages.pot --project Bootcamp --no-location --sort-output .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 120 -i bootcamp/translations/messages.pot -d bootcamp/translations -l en

clean:
	rm -rf $(VENV) node_modules bench/lighthouse-npm/node_modules .pytest_cache .coverage htmlcov
