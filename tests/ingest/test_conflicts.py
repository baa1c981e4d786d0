"""Exchanges re-imported with another count for a stored key: rejected with a reason, the stored value kept
(DuckDB and PostgreSQL; the fast CSV path, the pandas path, CPDS and the CLI's JSON)."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from ingest_helpers import cpds_csv, cpds_zip, csv_bytes, import_page, office, table

from analytics.cli import main
from analytics.ingest import ingest_files, load, spec_for
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
HEAD = ["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]
STORED = [HEAD, ["2025-04", A, B, "予定", "FAX", "10"], ["2025-04", A, C, "予定", "データ連携", "5"],
          ["2025-04", A, B, "実績", "郵送", "3"]]
CORRECTED = [HEAD, ["2025-04", A, B, "予定", "FAX", "12"], ["2025-04", A, C, "予定", "データ連携", "5"],
             ["2025-04", A, B, "実績", "郵送", "3"]]
REASON_JA = ("同じ対象年月・送信元・送信先・帳票・送信方法の行が保存済みで、件数が異なります（保存済み 10、このファイル 12）。"
             "保存済みの値を残しました")
REASON_EN = ("a row with the same month, sender, receiver, form and channel is already stored with a different "
             "count (stored 10, this file 12); the stored value was kept")


def _sheets(engine) -> dict:
    e = table(engine, "exchanges", "month, sender_code, receiver_code, form, channel")
    return {(r.month.isoformat()[:7], r.sender_code, r.receiver_code, r.form, r.channel): int(r.sheets)
            for r in e.itertuples()}


def _totals(s) -> tuple:
    return s.rows_read, s.accepted, s.duplicates, s.rejected


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])  # the fast CSV path and the pandas path
def test_other_count_is_rejected_with_reason_and_stored_value_kept(engine, encoding):
    first = ingest_files(engine, "exchanges", [("exc_ok.csv", csv_bytes(STORED, encoding))])
    assert _totals(first) == (3, 3, 0, 0)
    s = ingest_files(engine, "exchanges", [("exc_corrected.csv", csv_bytes(CORRECTED, encoding))])
    assert _totals(s) == (3, 0, 2, 1)
    assert s.rows_read == s.accepted + s.duplicates + s.rejected
    assert len(s.errors) == 1
    err = s.errors[0]
    assert (err["file"], err["column"]) == ("exc_corrected.csv", "sheets")
    assert err["reason"] == f"{REASON_JA} / {REASON_EN}"
    assert err["value"] == f"2025-04 {A}→{B} plan fax: 12"
    assert _sheets(engine)[("2025-04", A, B, "plan", "fax")] == 10  # the stored value was kept
    rej = table(engine, "rejected_rows")
    assert rej[["file", "column_name", "reason_ja", "reason_en"]].values.tolist() == [
        ["exc_corrected.csv", "sheets", REASON_JA, REASON_EN]]
    batch = table(engine, "import_batches", "batch_id").iloc[-1]
    assert (batch["rows_read"], batch["accepted"], batch["duplicates"], batch["rejected"]) == (3, 0, 2, 1)


def test_identical_rows_stay_duplicates_and_new_keys_are_stored(engine):
    ingest_files(engine, "exchanges", [("a.csv", csv_bytes(STORED))])
    # other content (rows reordered, one new key): the identical rows are duplicates, nothing rejected
    other = [HEAD, STORED[3], STORED[1], ["2025-05", A, B, "予定", "FAX", "7"]]
    s = ingest_files(engine, "exchanges", [("b.csv", csv_bytes(other))])
    assert _totals(s) == (3, 1, 2, 0) and s.errors == []
    assert table(engine, "rejected_rows").empty
    assert _sheets(engine)[("2025-05", A, B, "plan", "fax")] == 7
    assert sum(_sheets(engine).values()) == 10 + 5 + 3 + 7


def test_one_row_per_sheet_every_row_of_the_key_counts_as_rejected(engine):
    ingest_files(engine, "exchanges", [("a.csv", csv_bytes([HEAD, ["2025-04", A, B, "予定", "FAX", "2"]]))])
    per_sheet = [HEAD] + [["2025-04", A, B, "予定", "FAX", ""]] * 3 + [["2025-04", A, C, "予定", "FAX", ""]]
    s = ingest_files(engine, "exchanges", [("b.csv", csv_bytes(per_sheet))])
    assert _totals(s) == (4, 1, 0, 3)
    assert [e["reason"].split(" / ")[1] for e in s.errors] == [
        "a row with the same month, sender, receiver, form and channel is already stored with a different "
        "count (stored 2, this file 3); the stored value was kept"]
    assert _sheets(engine) == {("2025-04", A, B, "plan", "fax"): 2, ("2025-04", A, C, "plan", "fax"): 1}


def test_rows_carrying_row_numbers_are_listed_row_by_row(engine):
    """load.load lists each file row of a conflicting key when the accepted rows carry ``_row``."""
    ingest_files(engine, "exchanges", [("a.csv", csv_bytes(STORED))])
    rows = pd.DataFrame({"month": [dt.date(2025, 4, 1)] * 3, "sender_code": [A, A, A],
                         "receiver_code": [B, B, C], "form": ["plan", "plan", "plan"],
                         "channel": ["fax", "fax", "digital"], "sheets": [6, 5, 5], "_row": [2, 4, 3]})
    errors = pd.DataFrame({"pos": [2], "column": ["form"], "value": ["x"], "reason_ja": ["j"], "reason_en": ["e"],
                           "row": [5]})
    counts = load.load(engine, spec_for("exchanges"), "rows.csv", "hash-rows", rows, errors, 4, "tester")
    assert (counts.rows_read, counts.accepted, counts.duplicates, counts.rejected) == (4, 0, 1, 3)
    # the conflicts come back with the counts, one per file row, in row order (the summary lists them)
    got = counts.conflicts
    assert got["row"].tolist() == [2, 4] and got["column"].tolist() == ["sheets", "sheets"]
    assert "保存済み 10、このファイル 11" in got["reason_ja"].iloc[0]
    assert errors["row"].tolist() == [5]  # the caller's own frame is left as it was
    rej = table(engine, "rejected_rows", "row_number")
    assert rej["row_number"].tolist() == [2, 4, 5]
    assert _sheets(engine)[("2025-04", A, B, "plan", "fax")] == 10


def test_cpds_member_with_other_user_count_is_rejected(engine):
    name = f"UPPLAN_202508_{A}_{B}_20250825100000.CSV"
    two = cpds_zip({name: cpds_csv([("301010", "0000012345"), ("301010", "0000067890")])})
    three = cpds_zip({name: cpds_csv([("301010", "0000012345"), ("301010", "0000067890"), ("301010", "0000000001")]),
                      f"UPJSK_202508_{A}_{B}_20250825100000.CSV": cpds_csv([("301010", "0000012345")])})
    assert _totals(ingest_files(engine, "cpds", [("a.zip", two)])) == (1, 1, 0, 0)
    s = ingest_files(engine, "cpds", [("b.zip", three)])
    assert _totals(s) == (2, 1, 0, 1)
    assert [(e["row"], e["column"]) for e in s.errors] == [(2, "sheets")]  # member 2 in name order (UPPLAN)
    assert "保存済み 2、このファイル 3" in s.errors[0]["reason"]
    assert _sheets(engine) == {("2025-08", A, B, "plan", "digital"): 2, ("2025-08", A, B, "actual", "digital"): 1}


def test_months_not_stored_skip_the_conflict_probe(engine, monkeypatch):
    calls = []
    monkeypatch.setattr(load, "_fetch_conflicts", lambda *a: calls.append(a) or load._no_conflicts_found())
    ingest_files(engine, "exchanges", [("a.csv", csv_bytes(STORED))])
    ingest_files(engine, "exchanges", [("b.csv", csv_bytes([HEAD, ["2025-05", A, B, "予定", "FAX", "1"]]))])
    assert calls == []
    ingest_files(engine, "exchanges", [("c.csv", csv_bytes(CORRECTED))])  # a stored month: probed
    assert len(calls) == 1


def test_cli_json_counts_add_up(db_url, tmp_path, capsys):
    ok, corrected = tmp_path / "exc_ok.csv", tmp_path / "exc_corrected.csv"
    ok.write_bytes(csv_bytes(STORED))
    corrected.write_bytes(csv_bytes(CORRECTED))
    assert main(["--db", db_url, "ingest", "exchanges", str(ok), "--json"]) == 0
    capsys.readouterr()
    assert main(["--db", db_url, "ingest", "exchanges", str(corrected), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["rows_read"], out["accepted"], out["duplicates"], out["rejected"]) == (3, 0, 2, 1)
    assert [(e["file"], e["column"], e["reason"]) for e in out["errors"]] == [
        ("exc_corrected.csv", "sheets", f"{REASON_JA} / {REASON_EN}")]
    eng = store_engine.get_engine(db_url)
    assert _sheets(eng)[("2025-04", A, B, "plan", "fax")] == 10


def test_import_page_shows_the_conflict(duck_url):
    at = import_page(duck_url)
    at.selectbox(key="import_kind").set_value("exchanges").run()
    for name, rows in (("exc_ok.csv", STORED), ("exc_corrected.csv", CORRECTED)):
        at.file_uploader(key="import_files").upload(name, csv_bytes(rows), "text/csv").run()
        at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["読込行数"], metrics["取込"], metrics["重複（登録済み）"], metrics["除外"]) == ("3", "0", "2", "1")
    [rejected] = [df.value for df in at.dataframe if "理由" in df.value.columns]
    assert rejected["理由"].tolist() == [f"{REASON_JA} / {REASON_EN}"]
    assert rejected["値"].tolist() == [f"2025-04 {A}→{B} plan fax: 12"] and rejected["行"].isna().all()
