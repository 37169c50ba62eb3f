# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app
# Python's own bytecode cache (__pycache__/, ignored by git) is used as for any installed
# package, even where the shell turns it off: every test process would compile the app again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-postgres install install-test check-lessons lint migrate demo clean catalogs messages check-messages icons

# Interface translations: translations/<lang>/LC_MESSAGES/messages.po, compiled for the app.
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
PYBABEL = $(BIN)/pybabel
EXTRACT = $(PYBABEL) extract -F translations/babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output --omit-header

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# setuptools' notes about the data folders would bury the demo sign-ins: kept in a log, shown on failure.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test,postgres]" > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

%.mo: %.po | $(VENV)/.installed
	$(PYBABEL) compile --statistics -i $< -o $@

catalogs: $(CATALOGS:.po=.mo)

## make messages: collect new interface strings into every catalog (then translate them).
messages: install
	$(EXTRACT) -o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

## make check-messages: fail if a catalog misses a string the code uses, or leaves one untranslated.
check-messages: install-test catalogs
	$(BIN)/pytest -q tests/test_catalog.py

## make run: set up, migrate the SQLite database in instance/, load the demo school, serve.
run: install catalogs
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	PORTAL_SESSION_COOKIE_SECURE=false $(FLASK) run --port $(PORT)

## make test: install the test tools and run the whole suite: the lessons check, lint, the suite
## on SQLite in TEST_WORKERS processes (0: in this one), then the browser tests, each timed.
TEST_WORKERS ?= 2
TIMED = sh -c 'start=$$(date +%s); "$$@"; status=$$?; \
  echo "$$0: $$(( $$(date +%s) - start )) s wall"; exit $$status'
test: install-test catalogs
	$(FLASK) lessons check --strict
	$(BIN)/ruff check .
	@$(TIMED) "suite (SQLite, without the browser)" $(BIN)/pytest -q -rs -n $(TEST_WORKERS) --ignore=tests/e2e
	@$(TIMED) "browser tests (tests/e2e)" $(BIN)/pytest -q -rs -p no:xdist tests/e2e

## make test-postgres: on a throwaway PostgreSQL server (apt-get install postgresql), a short
## classroom run (10 students, 10 s; fails on any 5xx, loss or double), then the whole suite in
## one process (its tests share the one database). Of the browser tests only the student's story
## runs here (it writes through every layer); the others test the browser, not the database.
test-postgres: install-test catalogs
	.ci/with-postgres sh -c 'PORTAL_DATABASE_URL="$$PORTAL_TEST_DATABASE_URL" \
	  $(BIN)/python benchmarks/classroom.py --students 10 --seconds 10 --reset --strict && \
	  $(BIN)/pytest -q -rs -p no:cacheprovider -p no:xdist --ignore=tests/e2e tests && \
	  $(BIN)/pytest -q -rs -p no:cacheprovider -p no:xdist tests/e2e/test_student_story.py'

## make icons: vendor the Lucide icons the site uses into static/icons/ (needs npm; results are committed).
icons: install
	$(BIN)/python tools/vendor_icons.py

check-lessons: install
	$(FLASK) lessons check

lint: install-test
	$(BIN)/ruff check .

migrate: install
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
