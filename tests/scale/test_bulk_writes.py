"""An import of several files on a DuckDB file checkpoints once, at the end of the call
(store_engine.bulk_writes): the log may grow meanwhile, every file's commit is still durable, and the
database is left folded with DuckDB's own threshold back."""
from __future__ import annotations

import pathlib
import random
import sys

import sqlalchemy as sa

from analytics.ingest import ingest_files
from analytics.store import engine as store_engine

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "ingest"))
from ingest_helpers import csv_bytes, office  # noqa: E402

HEADER = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]


def _month_file(month: str, n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    offices = [office(30, i) for i in range(1, 80)]
    rows = [HEADER]
    for _ in range(n):
        s, r = rng.sample(offices, 2)
        rows.append([month, s, r, rng.choice(["plan", "actual"]), rng.choice(["fax", "digital"]), str(rng.randint(1, 4))])
    return csv_bytes(rows)


def _threshold(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT current_setting('checkpoint_threshold')").scalar()


def test_one_checkpoint_per_call_and_every_file_kept(duck_url):
    eng = store_engine.get_engine(duck_url)
    default = _threshold(eng)
    files = [(f"2025-0{m}.csv", _month_file(f"2025-0{m}", 2000, m)) for m in (6, 7, 8)]
    seen = []
    s = ingest_files(eng, "exchanges", files, progress=lambda f, msg: seen.append(_threshold(eng)))
    assert s.files == 3 and s.accepted > 0 and not s.refused
    assert set(seen[:-1]) == {"953.6 MiB"}       # raised while the files are read and stored
    assert seen[-1] == "16.0 MiB"                # "done" is reported after the closing checkpoint
    assert _threshold(eng) == default == "16.0 MiB"  # DuckDB's own again afterwards
    wal = pathlib.Path(store_engine.duckdb_path(duck_url).as_posix() + ".wal")
    assert not wal.exists() or wal.stat().st_size == 0  # folded into the file by the closing checkpoint
    with eng.connect() as conn:
        before = conn.execute(sa.text("SELECT month, sum(sheets) FROM exchanges GROUP BY month ORDER BY month")).all()
    assert len(before) == 3
    store_engine.dispose(duck_url)                    # reopened from the file alone
    with store_engine.get_engine(duck_url).connect() as conn:
        after = conn.execute(sa.text("SELECT month, sum(sheets) FROM exchanges GROUP BY month ORDER BY month")).all()
    assert after == before


def test_threshold_back_after_a_failed_call(duck_url, monkeypatch):
    import analytics.ingest as ingest_pkg
    eng = store_engine.get_engine(duck_url)

    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")
    monkeypatch.setattr(ingest_pkg, "_store", boom)
    try:
        ingest_files(eng, "exchanges", [("a.csv", _month_file("2025-08", 10, 1))])
    except RuntimeError:
        pass
    else:
        raise AssertionError("the store error should surface")
    assert _threshold(eng) == "16.0 MiB"


def test_concurrent_calls_keep_the_threshold_until_the_last_leaves(duck_url):
    """Two imports into one database at once (two browser sessions of the import page, two threads): the
    first to finish must not put the threshold back under the other."""
    import threading
    eng = store_engine.get_engine(duck_url)
    both_in, first_out, seen = threading.Barrier(2), threading.Event(), {}

    def first():
        with store_engine.bulk_writes(eng):
            both_in.wait(timeout=30)
        first_out.set()

    def second():
        with store_engine.bulk_writes(eng):
            both_in.wait(timeout=30)
            first_out.wait(timeout=30)
            seen["after the first left"] = _threshold(eng)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert seen == {"after the first left": "953.6 MiB"}   # the second call is still storing
    assert _threshold(eng) == "16.0 MiB"


def test_nothing_changes_on_an_in_memory_database():
    url = "duckdb:///:memory:"
    eng = store_engine.get_engine(url)
    try:
        with store_engine.bulk_writes(eng):
            assert _threshold(eng) == "16.0 MiB"
    finally:
        store_engine.dispose(url)
