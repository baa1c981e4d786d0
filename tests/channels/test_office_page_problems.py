"""事業所ビュー upload: a typed 事業所番号 says what is wrong with it, and the rows left out of the uploaded
log are listed with row, column and reason (never the cell's value)."""
from __future__ import annotations

import pathlib

import pytest
from streamlit.testing.v1 import AppTest

from . import network as nw

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = "analytics/ui/views/"


@pytest.fixture(autouse=True)
def _only_existing_pages(monkeypatch):
    from analytics.ui import nav
    monkeypatch.setattr(nav, "PAGES", [p for p in nav.PAGES if (nav.PAGES_DIR / p[1]).exists()])


def upload_page(url: str, lang: str = "ja") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGES + "office.py").run()
    at.radio(key="office_source").set_value("upload").run()
    assert not at.exception, at.exception
    return at


def page_text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success") for e in at.get(kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang,typed,expected", [
    ("ja", "3010100019", "入力された事業所番号を使えません: 事業所番号の検査数字（10桁目）が合いません。"
                         "この番号なら末尾は 8 のはずです。"),
    ("en", "3010100019", "The office number entered cannot be used: The check digit (10th character) is wrong; "
                         "for this number it should be 8."),
    ("ja", "30101", "入力された事業所番号を使えません: 事業所番号は10桁です（5桁になっています）。桁数を確認してください。"),
    ("ja", "5010100010", "入力された事業所番号を使えません: 事業所番号の先頭2桁「50」は都道府県コード（01〜47）ではありません。"),
])
def test_typed_office_code_says_what_is_wrong(net_duck, lang, typed, expected):
    at = upload_page(net_duck, lang)
    at.text_input(key="office_code_typed").input(typed).run()
    assert not at.exception
    assert [e.value for e in at.error] == [expected]  # shown at once, before any file is uploaded
    assert "10桁の事業所番号を入力してください" not in expected


def test_valid_code_shows_no_error_until_a_file_comes(net_duck):
    at = upload_page(net_duck)
    at.text_input(key="office_code_typed").input(nw.K1).run()
    assert not at.exception and not at.error and not at.metric


BAD_LOG = ("対象年月,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
           f"2025-08,{nw.K1},{nw.S1},予定,FAX,5\n"
           f"2025-08,{nw.K1},{nw.S4},予定,伝書鳩,7\n"          # row 3: channel
           f"2025-08,{nw.K1},3070200048,予定,FAX,2\n"          # row 4: receiver check digit
           f"2025-08,{nw.K1},{nw.S1},実績,データ連携,山田太郎\n"  # row 5: a name typed into the count
           f"2025-08,{nw.K1},{nw.S1},実績,データ連携,3\n")


def test_rows_left_out_are_listed_with_row_column_and_reason(net_duck):
    at = upload_page(net_duck)
    at.text_input(key="office_code_typed").input(nw.K1).run()
    at.get("file_uploader")[0].upload("log.csv", BAD_LOG.encode("cp932"), "text/csv").run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning if "デモモード" not in w.value] == [
        "3行は読めなかったため除外しました。行・列・理由は下の表のとおりです（ファイルを直して、もう一度アップロードしてください）。"]
    assert at.expander[0].label == "除外した行（3行）"
    [table] = [d.value for d in at.dataframe if "理由" in d.value.columns]
    assert list(table.columns) == ["行", "列", "理由"]
    assert table["行"].tolist() == [3, 4, 5]
    assert table["列"].tolist() == ["送信方法", "送信先事業所番号", "件数"]
    assert table["理由"].iloc[0] == "送信方法が分かりません（FAX・郵送・手渡し・メール・データ連携）"
    assert table["理由"].iloc[1] == "事業所番号の検査数字（10桁目）が合いません。この番号なら末尾は 7 のはずです。"
    assert table["理由"].iloc[2].startswith("0以上の整数を入力してください")
    assert "伝書鳩" not in page_text(at) and "山田太郎" not in page_text(at)  # never the cell's value
    # the good rows are still shown: 5 fax + 3 digital
    got = {m.label: m.value for m in at.metric}
    assert got["提供票件数"] == "8" and got["データ連携の割合"] == f"{3 / 8 * 100:.1f}%"


def test_rows_left_out_in_english(net_duck):
    at = upload_page(net_duck, "en")
    at.text_input(key="office_code_typed").input(nw.K1).run()
    at.get("file_uploader")[0].upload("log.csv", BAD_LOG.encode("utf-8"), "text/csv").run()
    assert not at.exception
    [table] = [d.value for d in at.dataframe if "Reason" in d.value.columns]
    assert table["Row"].tolist() == [3, 4, 5]
    assert table["Column"].tolist() == ["Channel", "Receiver office number", "Sheets"]
    assert "check digit" in table["Reason"].iloc[1]


def test_cpds_zip_member_that_cannot_be_counted_is_listed(net_duck):
    import io
    import zipfile
    buf = io.BytesIO()
    body = "CSVバージョン,保険者番号,被保険者番号\n1,301010,0000000001\n".encode("cp932")
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"UPPLAN_202508_{nw.K1}_{nw.S1}_20250825100000.CSV", body)
        z.writestr("山田太郎様分.CSV", body)  # not a CPDS name; a personal-looking name must not be shown
    at = upload_page(net_duck)
    at.text_input(key="office_code_typed").input(nw.K1).run()
    at.get("file_uploader")[0].upload("cpds.zip", buf.getvalue(), "application/zip").run()
    assert not at.exception and not at.error
    [table] = [d.value for d in at.dataframe if "理由" in d.value.columns]
    assert table["行"].tolist() == [2] and table["列"].tolist() == ["ファイル名"]
    assert "山田" not in page_text(at)
    assert {m.label: m.value for m in at.metric}["提供票件数"] == "1"


def test_file_whose_every_row_is_left_out_says_so_not_office_missing(net_duck):
    """Every row rejected: the page says the file has no usable rows, not that the office is not in it
    (with an empty list of the numbers it holds)."""
    log = ("対象年月,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
           f"2025-08,{nw.K1},{nw.S1},予定,伝書鳩,5\n"
           f"2025-08,{nw.S1},{nw.K1},実績,狼煙,4\n")
    at = upload_page(net_duck)
    at.text_input(key="office_code_typed").input(nw.K1).run()
    at.get("file_uploader")[0].upload("log.csv", log.encode("cp932"), "text/csv").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "ファイルに使える行がありません（全ての行を除外しました）。上の表の理由を見てファイルを直し、"
        "もう一度アップロードしてください。"]
    [table] = [d.value for d in at.dataframe if "理由" in d.value.columns]
    assert table["行"].tolist() == [2, 3] and table["列"].tolist() == ["送信方法", "送信方法"]
    assert not at.metric


OWN_LOG = ("対象年月,送信元事業所番号,送信先事業所番号,帳票,送信方法,件数\n"
           f"2025-08,{nw.K3},{nw.S3},予定,データ連携,9\n"      # K3 and S3: not registered in the database
           f"2025-08,{nw.S3},{nw.K3},実績,データ連携,9\n"
           f"2025-08,{nw.K3},{nw.S4},予定,FAX,4\n")


def test_office_number_is_read_from_the_log_and_the_log_decides_registration(net_duck):
    """Nothing typed: the most frequent sender (K3, 13 sheets sent) is the own office, and the page says so.
    The log's データ連携 rows mean K3 and S3 were registered in August although the database has neither:
    no 「未登録」 notice, and 18 of K3's 22 sheets are digital."""
    at = upload_page(net_duck)
    assert [i.value for i in at.info][-1].startswith("提供票のやり取りのログ")   # asks for the file first
    at.get("file_uploader")[0].upload("log.csv", OWN_LOG.encode("cp932"), "text/csv").run()
    assert not at.exception and not at.error
    assert f"ログで送信の最も多い事業所番号 {nw.K3} を自分の事業所番号としました" in page_text(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["提供票件数"] == "22" and metrics["データ連携の割合"] == "81.8%"
    assert "利用登録がないため" not in page_text(at)   # officeview.self_unregistered: the database's view
