"""`careplan ingest`: JSON contract, exit codes, refusal on stderr, and a load killed mid-transaction."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pandas as pd
from ingest_helpers import counts, csv_bytes, office, table

from analytics.cli import main
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _write(tmp_path, name, rows, encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, encoding))
    return str(path)


def test_cli_json_and_idempotence(db_url, tmp_path, capsys):
    path = _write(tmp_path, "reg.csv", [["事業所番号", "登録日"], [A, "R5.10.5"], [B, "2023-11-01"], ["123", "x"]],
                  "cp932")
    assert main(["--db", db_url, "ingest", "registrations", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["kind", "files", "rows_read", "accepted", "duplicates", "rejected", "errors", "refused"]
    assert out["refused"] == []
    assert (out["kind"], out["files"], out["rows_read"], out["accepted"], out["duplicates"], out["rejected"]) == (
        "registrations", 1, 3, 2, 0, 1)
    assert {(e["file"], e["row"], e["column"]) for e in out["errors"]} == {
        ("reg.csv", 4, "office_code"), ("reg.csv", 4, "registered_on")}
    assert all(set(e) == {"file", "row", "column", "value", "reason"} and " / " in e["reason"] for e in out["errors"])
    assert main(["--db", db_url, "ingest", "registrations", path, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["accepted"], again["duplicates"], again["rejected"], again["errors"]) == (0, 3, 0, [])
    eng = store_engine.get_engine(db_url)
    assert len(table(eng, "registrations")) == 2


def test_cli_refused_exit_2_nothing_stored(db_url, tmp_path, capsys):
    bad = tmp_path / "photo.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    code = main(["--db", db_url, "ingest", "exchanges", str(bad), "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out)["files"] == 1
    assert "photo.csv" in captured.err and "CSV" in captured.err and "save it as CSV" in captured.err
    assert counts(store_engine.get_engine(db_url)) == {k: 0 for k in counts(store_engine.get_engine(db_url))}


def test_cli_plain_summary_and_missing_file(duck_url, tmp_path, capsys):
    path = _write(tmp_path, "p.csv", [["事業所番号", "年月", "利用者数"], [A, "2025-08", "90"]])
    assert main(["--db", duck_url, "ingest", "profiles", path]) == 0
    out = capsys.readouterr().out
    assert "取込 1 / accepted" in out and "profiles" in out
    assert main(["--db", duck_url, "ingest", "profiles", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_killed_load_leaves_database_as_before(tmp_path):
    url = f"duckdb:///{tmp_path / 'kill.duckdb'}"
    eng = store_engine.get_engine(url)
    small = _write(tmp_path, "first.csv", [["対象年月", "送信元", "送信先", "帳票", "送信方法"], ["2025-07", A, B, "予定", "FAX"]])
    assert main(["--db", url, "ingest", "exchanges", small]) == 0
    before = counts(eng)
    before_rows = table(eng, "exchanges")
    n = 200_000
    big = pd.DataFrame({"対象年月": "2025-08", "送信元": [A, B, C, A] * (n // 4), "送信先": [B, C, A, C] * (n // 4),
                        "帳票": ["予定", "実績"] * (n // 2), "送信方法": ["FAX", "データ連携", "郵送", "メール"] * (n // 4),
                        "件数": range(n)})
    big_path = tmp_path / "big.csv"
    big.to_csv(big_path, index=False, encoding="cp932")
    store_engine.dispose(url)  # DuckDB allows one writing process per file
    env = dict(os.environ, CAREPLAN_TEST_KILL_AFTER_STAGE="1")
    proc = subprocess.run([sys.executable, "-m", "analytics", "--db", url, "ingest", "exchanges", str(big_path)],
                          cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert proc.returncode == 9, proc.stderr.decode()
    eng = store_engine.get_engine(url)
    assert counts(eng) == before
    pd.testing.assert_frame_equal(table(eng, "exchanges"), before_rows)
    # and the same file loads normally afterwards
    store_engine.dispose(url)
    proc = subprocess.run([sys.executable, "-m", "analytics", "--db", url, "ingest", "exchanges", str(big_path),
                           "--json"], cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert (out["rows_read"], out["accepted"], out["rejected"]) == (n, n, 0)
    eng = store_engine.get_engine(url)
    assert counts(eng)["exchanges"] == before["exchanges"] + 4
    assert table(eng, "exchanges")["sheets"].sum() == 1 + sum(range(n))
