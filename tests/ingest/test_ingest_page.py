"""The データ取込 page: upload a CSV through AppTest, import, and read the summary back."""
from __future__ import annotations

from ingest_helpers import csv_bytes, import_page, office, table

A, B, C = office(30, 1), office(30, 2), office(30, 3)




def test_import_page_upload_and_summary(duck_url):
    at = import_page(duck_url)
    assert at.title[0].value == "データ取込"
    at.selectbox(key="import_kind").set_value("exchanges").run()
    # the page explains the columns from the same alias table the readers use
    assert any("送信元事業所番号" in str(df.value.to_csv()) for df in at.dataframe)
    rows = [["対象年月", "送信元", "送信先", "帳票", "送信方法", "件数"],
            ["2025-08", A, B, "予定", "FAX", "3"], ["2025-08", A, C, "実績", "データ連携", "2"],
            ["2025-08", A, A, "予定", "FAX", "1"]]
    at.file_uploader(key="import_files").upload("log.csv", csv_bytes(rows, "cp932"), "text/csv").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"ファイル数": "1", "読込行数": "3", "取込": "2", "重複（登録済み）": "0", "除外": "1"}
    rejected = [df.value for df in at.dataframe if "理由" in df.value.columns]
    assert len(rejected) == 1 and rejected[0].iloc[0]["行"] == 4 and rejected[0].iloc[0]["列"] == "送信先事業所番号"
    history = [df.value for df in at.dataframe if "ファイル名" in df.value.columns]
    assert list(history[0]["ファイル名"]) == ["log.csv"]
    from analytics.store.engine import get_engine
    assert table(get_engine(duck_url), "exchanges")["sheets"].sum() == 5

    # the same upload again: nothing added, all rows duplicates
    at.button(key="import_run").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["取込"], metrics["重複（登録済み）"], metrics["除外"]) == ("0", "3", "0")


def test_import_page_refused_file_and_english(duck_url):
    at = import_page(duck_url, "en")
    at.file_uploader(key="import_files").upload("notes.csv", "a,b\n1,2\n".encode(), "text/csv").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("notes.csv" in e.value and "required column" in e.value for e in at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Files"] == "1" and metrics["Accepted"] == "0"


def test_import_history_names_the_demo_and_separates_thousands(tmp_path):
    from analytics import demo
    url = f"duckdb:///{tmp_path / 'tiny.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    at = import_page(url)
    shown = [df for df in at.dataframe if "ファイル名" in df.value.columns][0]
    assert set(shown.value["種類"]) == {"デモデータ"}
    # counts shown with the viewer's thousands separators (numbers stay numbers for sorting)
    import json
    config = json.loads(shown.proto.columns)
    assert config["読込行数"]["type_config"] == {"type": "number", "format": "localized"}
