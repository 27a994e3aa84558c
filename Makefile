# Yanzhen: `make run` starts the whole app on a fresh machine; `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
DEMO_FIRMS ?= 2000
PORT ?= 5000

.PHONY: run test audit translations check-translations clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(PY) scripts/i18n.py build

check-translations: $(VENV)/.runtime
	$(PY) scripts/i18n.py check

# Migrate, load demo data once, then web + Celery worker + beat on the embedded default.
run: $(VENV)/.runtime translations
	$(PY) scripts/dev.py --port $(PORT) --demo-firms $(DEMO_FIRMS)

# ruff over the whole tree, then the suite on SQLite; the database tests again on PostgreSQL
# when DATABASE_URL is set.
test: $(VENV)/.dev translations
	bash scripts/test.sh

# Known vulnerabilities in the pinned requirements (pip-audit; needs the network).
audit: $(VENV)/.dev
	bash scripts/audit.sh

clean:
	rm -rf var .pytest_cache
