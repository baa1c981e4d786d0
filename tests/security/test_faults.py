"""Faults: a real `careplan ingest` killed (SIGKILL) at 20 moments of its run leaves the database as before or
as after the whole import, never in between, and the same file imports completely afterwards; two imports
at once lose nothing. (A kill seen to land inside the transaction: tests/ingest/test_ingest_cli.py.)

Concurrency on DuckDB: one process may write a database file, so concurrent imports are threads sharing
the app's engine (as Streamlit sessions do); on PostgreSQL, threads with their own connections.
"""
from __future__ import annotations

import concurrent.futures as cf
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import sqlalchemy as sa
from channels import network as nw

from analytics import ingest
from analytics.store import engine as store_engine

from .helpers import cpds_csv, csv_bytes, office
from .helpers import zip_bytes as cpds_zip

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLES = ("offices", "office_services", "registrations", "exchanges", "profiles", "import_batches",
          "rejected_rows")


def snapshot(url: str) -> dict:
    eng = store_engine.get_engine(url)
    with eng.connect() as conn:
        out = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in TABLES}
        out["sheets"] = conn.execute(sa.text("SELECT COALESCE(SUM(sheets), 0) FROM exchanges")).scalar()
    return out


def close(url: str) -> None:
    store_engine.dispose(url)


def exchange_rows(n: int, month: str = "2025-06", seed: int = 0) -> list[list]:
    rng = random.Random(seed)
    codes = [nw.K1, nw.K2, nw.K3, nw.S1, nw.S2, nw.S3, nw.S4]
    rows = [["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]]
    for i in range(n):
        a, b = rng.sample(codes, 2)
        rows.append([month, a, b, rng.choice(["予定", "実績"]), rng.choice(["FAX", "データ連携", "郵送"]), i % 7 + 1])
    rows.append([month, "bad-code", nw.K1, "予定", "FAX", 1])  # one rejected row
    return rows


def files(tmp: pathlib.Path) -> dict[str, pathlib.Path]:
    """One file per kind, each with accepted and rejected rows."""
    new = [office(30, 500 + i, "7", 20) for i in range(30)]
    made = {
        "exchanges": csv_bytes(exchange_rows(3000), "cp932"),
        "offices": csv_bytes([["事業所番号", "事業所名", "サービス種類コード", "都道府県"]]
                             + [[c, f"新事業所{i}", "43" if i % 2 else "15", "30"] for i, c in enumerate(new)]
                             + [["123", "bad", "43", "30"]], "utf-8-sig"),
        "registrations": csv_bytes([["事業所番号", "利用開始日"]] + [[c, "令和7年4月1日"] for c in new]
                                   + [[nw.K3, "2025-05-01"], ["x", "2025-05-01"]]),
        "profiles": csv_bytes([["事業所番号", "対象年月", "利用者数", "ケアマネジャー数"]]
                              + [[c, "2025-08", 30 + i, 2] for i, c in enumerate(new)] + [[nw.K1, "2025-08", "-1", 1]]),
        "cpds": cpds_zip({f"UPPLAN_202508_{nw.K1}_{c}_20250805120000.csv":
                          cpds_csv([("302018", f"{i:010d}"), ("302018", f"{i + 1:010d}")])
                          for i, c in enumerate([nw.S1, nw.S2, nw.S3, nw.S4])}
                         | {"UPPLAN_202508_badsender_3070100015.csv": cpds_csv([("302018", "0000000001")])}),
    }
    out = {}
    for kind, data in made.items():
        path = tmp / (f"{kind}.zip" if kind == "cpds" else f"{kind}.csv")
        path.write_bytes(data)
        out[kind] = path
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The network database before the import, and the expected state after a full import of each kind."""
    tmp = tmp_path_factory.mktemp("faults")
    base_file = tmp / "base.duckdb"
    url = f"duckdb:///{base_file}"
    nw.load(url)
    before = snapshot(url)
    close(url)
    inputs = files(tmp)
    after = {}
    for kind, path in inputs.items():
        ref = tmp / f"ref_{kind}.duckdb"
        shutil.copy(base_file, ref)
        ref_url = f"duckdb:///{ref}"
        summary = ingest.ingest_files(store_engine.get_engine(ref_url), kind, [path])
        assert summary.accepted > 0 and summary.rejected > 0 and not summary.refused, (kind, summary)
        after[kind] = snapshot(ref_url)
        close(ref_url)
    return tmp, base_file, before, after, inputs


def _spawn(url: str, kind: str, path: pathlib.Path):
    return subprocess.Popen([sys.executable, "-m", "analytics", "--db", url, "ingest", kind, str(path)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _run_time(base_file: pathlib.Path, tmp: pathlib.Path, kind: str, path: pathlib.Path) -> float:
    """Seconds from start to exit of an import nobody kills (python start-up included), on a copy."""
    db = tmp / f"timed_{kind}.duckdb"
    shutil.copy(base_file, db)
    started = time.monotonic()
    proc = _spawn(f"duckdb:///{db}", kind, path)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode(errors="replace")
    return time.monotonic() - started


# per kind, kills spread evenly over the second half of its run (where the reading, checking and storing
# are; the first half is mostly python start-up), and 8 SIGKILLs at random moments: 20 kills
SPREAD = [("exchanges", 3), ("offices", 3), ("registrations", 2), ("profiles", 2), ("cpds", 2)]
PLAN = ([(kind, ("spread", (k + 1) / (m + 1))) for kind, m in SPREAD for k in range(m)]
        + [(kind, ("random", i)) for i, kind in enumerate(
            ["exchanges", "offices", "registrations", "profiles", "cpds", "exchanges", "offices", "cpds"])])


def test_import_killed_at_20_points_leaves_database_consistent(base):
    tmp, base_file, before, after, inputs = base
    assert len(PLAN) == 20
    took = {kind: _run_time(base_file, tmp, kind, inputs[kind]) for kind, _m in SPREAD}
    rng = random.Random(20231005)
    runs = []
    for i, (kind, (how, n)) in enumerate(PLAN):
        db = tmp / f"kill_{i}.duckdb"
        shutil.copy(base_file, db)
        delay = took[kind] * (0.5 + 0.5 * n) if how == "spread" else rng.uniform(0.3, 1.8)
        runs.append((f"duckdb:///{db}", kind, how, delay))

    def one(run):
        url, kind, how, delay = run
        proc = _spawn(url, kind, inputs[kind])
        time.sleep(delay)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _out, err = proc.communicate(timeout=120)
        return proc.returncode, err.decode(errors="replace")

    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, runs))
    for (url, kind, how, delay), (code, err) in zip(runs, results):
        assert code in (0, -signal.SIGKILL), (kind, how, delay, code, err)  # finished or killed, nothing else
        state = snapshot(url)
        assert state in (before, after[kind]), (kind, how, delay, state, before, after[kind])
        # and the same file imports completely afterwards (nothing half-stored blocks it)
        ingest.ingest_files(store_engine.get_engine(url), kind, [inputs[kind]])
        again = snapshot(url)
        for name in ("offices", "office_services", "registrations", "exchanges", "profiles", "sheets"):
            assert again[name] == after[kind][name], (kind, how, delay, name)
        close(url)


def _import_threads(url: str, jobs: list[tuple[str, str, bytes]]):
    eng = store_engine.get_engine(url)

    def one(job):
        kind, name, data = job
        for attempt in range(5):
            try:
                return ingest.ingest_files(eng, kind, [(name, data)], imported_by=f"t{attempt}")
            except sa.exc.DBAPIError as exc:  # DuckDB: a write-write conflict aborts one transaction
                if "onflict" not in str(exc) or attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
    with cf.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def test_two_imports_at_once_lose_nothing(db_url):
    nw.load(db_url)
    before = snapshot(db_url)
    a = csv_bytes(exchange_rows(2000, "2025-05", seed=1))
    b = csv_bytes(exchange_rows(2000, "2025-04", seed=2))
    regs = csv_bytes([["事業所番号", "利用開始日"]] + [[office(30, 700 + i, "7", 20), "2025-04-01"] for i in range(200)])
    summaries = _import_threads(db_url, [("exchanges", "a.csv", a), ("exchanges", "b.csv", b),
                                         ("registrations", "r.csv", regs)])
    assert [s.refused for s in summaries] == [[], [], []]
    state = snapshot(db_url)
    expected_sheets = sum(int(r[5]) for r in exchange_rows(2000, "2025-05", 1)[1:-1]) \
        + sum(int(r[5]) for r in exchange_rows(2000, "2025-04", 2)[1:-1])
    assert state["sheets"] == before["sheets"] + expected_sheets
    assert state["registrations"] == before["registrations"] + 200
    assert state["import_batches"] == before["import_batches"] + 3
    assert state["rejected_rows"] == before["rejected_rows"] + 2
    keys = pd.read_sql("SELECT month, sender_code, receiver_code, form, channel, COUNT(*) n FROM exchanges "
                       "GROUP BY 1, 2, 3, 4, 5 HAVING COUNT(*) > 1", store_engine.get_engine(db_url))
    assert keys.empty


def test_same_file_twice_at_once_is_stored_once(db_url):
    nw.load(db_url)
    before = snapshot(db_url)
    a = csv_bytes(exchange_rows(1500, "2025-03", seed=3))
    summaries = _import_threads(db_url, [("exchanges", "a.csv", a), ("exchanges", "a-copy.csv", a)])
    expected = sum(int(r[5]) for r in exchange_rows(1500, "2025-03", 3)[1:-1])
    state = snapshot(db_url)
    # both finish; the rows are stored once (the second is a duplicate or found them already there)
    assert all(not s.refused for s in summaries)
    assert state["sheets"] == before["sheets"] + expected, "rows lost or stored twice"
