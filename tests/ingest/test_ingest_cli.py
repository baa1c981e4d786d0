"""`careplan ingest`: JSON contract, exit codes, refusal on stderr, and a real import killed (SIGKILL)
mid-transaction."""
from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from ingest_helpers import counts, csv_bytes, office, table

from analytics.cli import main
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
MONTHLY_ORDER = "month, prefecture_code, municipality_code, form, channel, sender_registered, receiver_registered"
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
    assert list(out) == ["kind", "files", "rows_read", "accepted", "duplicates", "rejected", "errors", "refused",
                         "skipped", "warnings", "notes", "companions", "deletions", "deletions_not_found"]
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
    assert captured.err == "取込できません: photo.csv: 表形式のテキストファイルではありません。CSV・XLSX・Parquetで保存してください\n"
    assert main(["--lang", "en", "--db", db_url, "ingest", "exchanges", str(bad), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refused: photo.csv: ") and "save it as CSV" in err and "保存" not in err
    assert counts(store_engine.get_engine(db_url)) == {k: 0 for k in counts(store_engine.get_engine(db_url))}


def test_cli_plain_summary_and_missing_file(duck_url, tmp_path, capsys):
    path = _write(tmp_path, "p.csv", [["事業所番号", "年月", "利用者数"], [A, "2025-08", "90"]])
    assert main(["--db", duck_url, "ingest", "profiles", path]) == 0
    out = capsys.readouterr().out
    assert out == "事業所の利用者数・ケアマネジャー数: ファイル 1 件、読込 1 行、取込 1 行、重複 0 行、除外 0 行\n"
    path = _write(tmp_path, "p2.csv", [["事業所番号", "年月", "利用者数"], [A, "2025-09", "91"]])
    assert main(["--lang", "en", "--db", duck_url, "ingest", "profiles", path]) == 0
    assert capsys.readouterr().out == ("Office users and care managers: 1 file(s), 1 rows read, 1 accepted, "
                                       "0 duplicates, 0 rejected\n")
    assert main(["--db", duck_url, "ingest", "profiles", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def big_exchange_log(path: pathlib.Path, n: int) -> pathlib.Path:
    """n exchange rows with n different keys (500 receivers × 200 senders × form × channel × month), plain
    UTF-8: big enough that DuckDB writes row groups into the database file before the commit."""
    i = np.arange(n)
    receivers = np.array([office(30, 5000 + k) for k in range(500)])
    senders = np.array([office(30, 100 + k) for k in range(200)])
    months = pd.period_range("2023-01", periods=24, freq="M").strftime("%Y-%m").to_numpy()
    frame = pd.DataFrame({"対象年月": months[(i // 1_000_000) % 24], "送信元事業所番号": senders[(i // 500) % 200],
                          "送信先事業所番号": receivers[i % 500], "帳票": np.array(["予定", "実績"])[(i // 100_000) % 2],
                          "送信方法": np.array(["FAX", "データ連携", "郵送", "メール", "手渡し"])[(i // 200_000) % 5],
                          "件数": i % 9 + 1})
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def wait_until_storing(proc: subprocess.Popen, db: pathlib.Path, timeout: float = 240) -> None:
    """Return once the import is storing rows inside its open transaction: the database file has grown
    (DuckDB writes a big insert's row groups ahead) while no write-ahead log exists yet (DuckDB writes the
    log at commit, so a log seen first means the commit came before this poll could see the import)."""
    wal = db.with_name(db.name + ".wal")
    size = db.stat().st_size
    assert not wal.exists()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert not wal.exists(), "committed before the import was seen storing: make the file bigger"
        if db.stat().st_size > size:
            return
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.002)
    raise AssertionError(f"the import did not start storing within {timeout} s")


def test_killed_load_leaves_database_as_before(tmp_path):
    """A real `careplan ingest` killed (SIGKILL) while it stores a file: nothing of the file remains, and
    running it again imports every row."""
    db = tmp_path / "kill.duckdb"
    url = f"duckdb:///{db}"
    eng = store_engine.get_engine(url)
    small = _write(tmp_path, "first.csv", [["対象年月", "送信元", "送信先", "帳票", "送信方法"], ["2025-07", A, B, "予定", "FAX"]])
    assert main(["--db", url, "ingest", "exchanges", small]) == 0
    before = counts(eng)
    before_rows = table(eng, "exchanges")
    before_monthly = table(eng, "exchanges_monthly", MONTHLY_ORDER)
    n = 600_000
    big_path = big_exchange_log(tmp_path / "big.csv", n)
    store_engine.dispose(url)  # DuckDB allows one writing process per file
    proc = subprocess.Popen([sys.executable, "-m", "analytics", "--db", url, "ingest", "exchanges", str(big_path)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_storing(proc, db)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    eng = store_engine.get_engine(url)
    assert counts(eng) == before
    pd.testing.assert_frame_equal(table(eng, "exchanges"), before_rows)
    pd.testing.assert_frame_equal(table(eng, "exchanges_monthly", MONTHLY_ORDER),
                                  before_monthly)
    # and the same file loads normally afterwards
    store_engine.dispose(url)
    proc = subprocess.run([sys.executable, "-m", "analytics", "--db", url, "ingest", "exchanges", str(big_path),
                           "--json"], cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert (out["rows_read"], out["accepted"], out["duplicates"], out["rejected"]) == (n, n, 0, 0)
    eng = store_engine.get_engine(url)
    assert counts(eng)["exchanges"] == before["exchanges"] + n
    assert counts(eng)["import_batches"] == before["import_batches"] + 1
    assert table(eng, "exchanges")["sheets"].sum() == 1 + sum(k % 9 + 1 for k in range(n))