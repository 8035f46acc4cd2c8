# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
PORT ?= 5000
export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test install i18n translations lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

## Compile the Babel catalogues (.po -> .mo).
translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -f -d translations 2>&1 | tail -n 1

## Extract, update and compile the catalogues after changing strings.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location \
		--sort-by-file --project=portal -o translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -f -d translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "Emails wait in the outbox until PORTAL_MAIL_SERVER is set; see them with: $(BIN)/flask --app wsgi outbox show"
	PORTAL_COOKIE_SECURE=$${PORTAL_COOKIE_SECURE:-false} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

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
	$(BIN)/python bench/pdf.py

clean:
	rm -rf $(VENV) instance/portal.db* .pytest_cache
