# Two commands on a fresh machine: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DB := data/careplan.duckdb

.PHONY: run test bench demo clean-db

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	$(PY) -m pip install -q --no-deps japanmap==0.6.0
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# the embedded database named explicitly: a URL in CAREPLAN_DB_URL or .streamlit/secrets.toml (a shared
# PostgreSQL database) is never filled with the demo by `make run`
$(DB): | $(VENV)/.installed
	$(VENV)/bin/careplan --db duckdb:///$(abspath $(DB)) demo --scale small

demo: $(VENV)/.installed
	$(VENV)/bin/careplan demo --scale small

# analytics.ui.serve = `streamlit run app.py` after loading pandas/SQLAlchemy/DuckDB/plotly and opening the
# database once, so that the first page does not wait for them
# with CAREPLAN_DB_URL set the app serves that database and no demo file is built
run: $(VENV)/.installed $(if $(CAREPLAN_DB_URL),,$(DB))
	$(PY) -m analytics.ui.serve --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

test: $(VENV)/.installed-test
	$(PY) -m pytest -q -p no:cacheprovider

bench: $(VENV)/.installed-test
	$(PY) -m benchmarks.run

clean-db:
	rm -f $(DB) $(DB).wal
