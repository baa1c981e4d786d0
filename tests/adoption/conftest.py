"""Fixtures for the adoption tests: the fixture database as a DuckDB file and an AppTest opener."""
from __future__ import annotations

import pathlib

import pytest

from . import fixture_data as fx

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory):
    return fx.build_duckdb_file(tmp_path_factory.mktemp("adoption") / "fixture.duckdb")


@pytest.fixture
def open_page(fixture_url, monkeypatch):
    """open_page("prefectures", lang="ja") -> an AppTest that has run that page on the fixture database."""
    from streamlit.testing.v1 import AppTest

    from analytics.ui import nav
    # pages other helpers have registered but not written yet must not break these tests
    monkeypatch.setattr(nav, "PAGES", [p for p in nav.PAGES if (nav.PAGES_DIR / p[1]).exists()])

    def _open(page: str, lang: str = "ja", url: str | None = None, **state):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["db_url"] = url or fixture_url
        at.session_state["lang"] = lang
        for k, v in state.items():
            at.session_state[k] = v
        at.run()
        at.switch_page(f"analytics/ui/views/{page}.py").run()
        assert not at.exception, [e.message for e in at.exception]
        return at
    return _open


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(request, tmp_path_factory):
    """The fixture loaded once per module and backend (the queries only read it): the same data on DuckDB
    and on the PostgreSQL server of the test run."""
    from conftest import _new_pg_database

    from analytics.store import engine as store_engine
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path_factory.mktemp('loaded') / 'loaded.duckdb'}"
    else:
        url = _new_pg_database(request.getfixturevalue("pg_server"))
    eng = store_engine.get_engine(url)
    fx.load(eng)
    yield eng
    store_engine.dispose(url)
