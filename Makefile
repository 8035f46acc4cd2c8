# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
PORT ?= 5000
export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install system-check lock lock-check i18n translations lint format bench clean

## System packages first (WeasyPrint's libraries and a font; for tests chromium and pdftoppm):
## installed with apt-get as root, otherwise one line naming the apt-get command.
system-check:
	@scripts/check-system.sh $(SYSTEM_CHECK_ARGS)

## The lock must describe pyproject.toml (stdlib only: runs before .venv exists).
lock-check:
	@$(PYTHON) scripts/lockcheck.py

## Installs exactly what requirements.lock pins, checked by hash; never resolves afresh.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) scripts/lockcheck.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## Refreshes requirements.lock from pyproject.toml (pins kept unless a range excludes them;
## `make lock UPGRADE=1` moves every pin to the newest release the ranges allow).
lock:
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && \
		$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock; }
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" --quiet \
		$(if $(UPGRADE),--upgrade) -o requirements.lock
	$(BIN)/python scripts/lockcheck.py --stamp

install: system-check $(STAMP) translations

## Compile the Babel catalogues (.po -> .mo).
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -f -d translations 2>&1 | tail -n 1

## Extract, update and compile the catalogues after changing strings.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -k ngettext:1,2 --no-location \
		--sort-by-file --project=portal -o translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -f -d translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Emails wait in the outbox until PORTAL_MAIL_SERVER is set; see them with: $(BIN)/flask --app wsgi outbox show"
	PORTAL_COOKIE_SECURE=$${PORTAL_COOKIE_SECURE:-false} PORTAL_RUN_BANNER=1 PORTAL_OUTBOX_WORKER=1 \
		PORT=$(PORT) \
		$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: SYSTEM_CHECK_ARGS = --tests
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The benchmarks of bench/ (each appends its table to bench/RESULTS.md). The load test
## needs PostgreSQL with 100,000 customers: see bench/load.py.
bench: install
	bench/seed_demo.sh
	$(BIN)/python bench/customers_search.py --write
	$(BIN)/python bench/portal_invoices.py --write
	$(BIN)/python bench/dashboard.py --write
	$(BIN)/python bench/pdf.py

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache
