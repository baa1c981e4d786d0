"""Session fixtures for the forecast tests: the small demo database (built once, ≈2 s) and the synthetic
Bass database (known p, q)."""
from __future__ import annotations

import pytest

from analytics import cli
from analytics.store import engine as store_engine
from tests.forecast import synthetic


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('fc_demo') / 'demo.duckdb'}"
    assert cli.main(["--db", url, "demo", "--scale", "small", "--no-users"]) == 0  # data only: no sign-in
    yield url
    store_engine.dispose(url)


@pytest.fixture(scope="session")
def synthetic_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('fc_syn') / 'syn.duckdb'}"
    synthetic.build(store_engine.get_engine(url))
    yield url
    store_engine.dispose(url)
