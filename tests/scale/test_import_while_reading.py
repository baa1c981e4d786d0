"""Two processes on one PostgreSQL database: ``careplan ingest exchanges`` imports a file while sessions on
an app server (websocket sessions, as browsers open them) keep opening 概要. No reader gets an error, and
every reader sees the 概要 tiles either as before the import or as after it, never part of it (one
transaction per file). The 1M-row run of the same check is in the benchmark (``benchmarks/load.py``)."""
from __future__ import annotations

import pytest
from browser.conftest import serve
from conftest import _new_pg_database

from analytics import demo
from analytics.domain import formats
from analytics.services import adoption
from analytics.store import engine as store_engine
from benchmarks import load
from scale import helpers

pytestmark = pytest.mark.postgres


def test_readers_see_the_whole_import_or_none_of_it(pg_server, tmp_path, tmp_path_factory):
    data = helpers.tiny()
    url = _new_pg_database(pg_server)
    demo.load(url, data.master_only())
    store_engine.dispose(url)
    log = helpers.write_csv(data.exchanges, tmp_path / "exchanges.csv")   # 37,776 rows, one file

    with serve(url, tmp_path_factory) as base:
        report = load.import_while_reading_at(base, url, str(log), tmp_path, readers=3, after_reads=2)

    assert report["import_exit"] == 0
    assert report["errors"] == 0, report["error_samples"]
    assert report["mixed"] == 0, report["mixed_samples"]
    assert report["reads"] == report["saw_before"] + report["saw_after"]
    assert report["saw_after"] >= 3          # the rounds read after the import had finished
    # before: no exchanges, so no digital share; after: the share of the imported sheets, as the service says
    tiles_before, tiles_after = dict(report["tiles_before"]), dict(report["tiles_after"])
    share_label = next(k for k in tiles_after if k in tiles_before and tiles_before[k] != tiles_after[k])
    assert tiles_before[share_label] == "–"
    engine = store_engine.get_engine(url)
    share = adoption.digital_share(engine).iloc[0]
    expected = data.exchanges[data.exchanges["month"] == data.exchanges["month"].max()]
    digital = expected.loc[expected["channel"] == "digital", "sheets"].sum() / expected["sheets"].sum()
    assert share["digital_share"] == pytest.approx(digital)
    assert tiles_after[share_label] == formats.percent(share["digital_share"])
    store_engine.dispose(url)
