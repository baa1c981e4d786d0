# Two commands on a fresh machine: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DEFAULT_DB := data/careplan.duckdb
DB ?= $(DEFAULT_DB)

.PHONY: run test lint lock bench fuzz demo clean-db

# the exact versions of requirements.lock (refresh: `make lock`), then the project itself without deps
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# the embedded database named explicitly: a URL in CAREPLAN_DB_URL or .streamlit/secrets.toml (a shared
# PostgreSQL database) is never filled with the demo by `make run`
$(DB): | $(VENV)/.installed
	$(VENV)/bin/careplan --db duckdb:///$(abspath $(DB)) demo --scale small

demo: $(VENV)/.installed
	$(VENV)/bin/careplan demo --scale small

# `careplan serve` = `streamlit run analytics/ui/app.py` after loading pandas/SQLAlchemy/DuckDB/plotly and
# opening the database once, so that the first page does not wait for them. With CAREPLAN_DB_URL set the
# app serves that database and no demo file is built; DB=path serves another embedded file.
SERVE_DB = $(if $(CAREPLAN_DB_URL),,$(if $(filter-out $(DEFAULT_DB),$(DB)),--db duckdb:///$(abspath $(DB)) ))
run: $(VENV)/.installed $(if $(CAREPLAN_DB_URL),,$(DB))
	$(VENV)/bin/careplan $(SERVE_DB)serve --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -q -p no:cacheprovider

# after changing dependencies in pyproject.toml: pin the newest versions that fit, for make and CI
lock: $(VENV)/.installed
	$(PY) -m pip install -q pip-tools
	$(VENV)/bin/pip-compile -q --upgrade --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml

bench: $(VENV)/.installed
	$(PY) -m benchmarks.run

# the long adversarial run (benchmarks/fuzz.py): N bad files per kind, TIMEOUT seconds per import; exit 1 on
# any crash, broken invariant or hang. Table in benchmarks/out/fuzz/results.md
N ?= 200
TIMEOUT ?= 20
FUZZ_SEED ?= 0
fuzz: $(VENV)/.installed
	$(PY) -m benchmarks.fuzz -n $(N) --timeout $(TIMEOUT) --seed $(FUZZ_SEED)

clean-db:
	rm -f $(DB) $(DB).wal
