"""Growing past one machine, the tested part: the app's queries run unchanged when ``exchanges`` is a DuckDB
view over month-partitioned Parquet files (hive layout), and give the same answers as the table."""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from analytics import demo
from analytics.store import engine as store_engine
from analytics.store import queries_channels as qc
from analytics.store import queries_targets as qt
from scale import helpers


def test_queries_over_partitioned_parquet(tmp_path, monkeypatch):
    tiny = helpers.tiny()
    url = f"duckdb:///{tmp_path / 'table.duckdb'}"
    demo.load(url, tiny.data)
    eng = store_engine.get_engine(url)
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")    # both sides read exchanges itself
    want = [qc.channel_summary(eng, ("prefecture_code", "month")), qt.unlockable(eng, prefecture="13", window=3),
            qc.missed_pairs(eng, limit=50)]
    folder = tmp_path / "exchanges"
    with eng.connect() as conn:
        conn.exec_driver_sql(
            f"COPY (SELECT *, strftime(month, '%Y-%m') AS part_month FROM exchanges) TO '{folder}' "
            "(FORMAT parquet, PARTITION_BY (part_month))")
        conn.exec_driver_sql("DROP TABLE exchanges")
        conn.exec_driver_sql(
            "CREATE VIEW exchanges AS SELECT month, sender_code, receiver_code, form, channel, sheets, batch_id "
            f"FROM read_parquet('{folder}/*/*.parquet', hive_partitioning = true)")
        conn.commit()
    assert len(list(folder.glob("part_month=*"))) == 12
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT sum(sheets) FROM exchanges")).scalar() == tiny.exchanges["sheets"].sum()
    got = [qc.channel_summary(eng, ("prefecture_code", "month")), qt.unlockable(eng, prefecture="13", window=3),
           qc.missed_pairs(eng, limit=50)]
    for g, w in zip(got, want):
        assert len(w) > 0
        pd.testing.assert_frame_equal(g, w, check_dtype=False)
    store_engine.dispose(url)
