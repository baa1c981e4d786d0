"""The 標準仕様's file names (issue #21, 1–2): both generations (v4.x with サービス種類コード after each
office number), companion files of a unit (利用者補足, 第3表, 第7表, 予防, images) counted apart, 第1表/第2表
as exchanges of those forms, deletion files (DLT…) applied to the exchange they withdraw, and only a name of
no pattern an error — shown unless it may name a person. Files built as the public ones are: CP932
contents without header, real name patterns, in a ZIP and a folder, through ingest_files and the CLI."""
from __future__ import annotations

import json

import pytest
from ingest_helpers import cpds_csv, cpds_zip, import_page, office, table

from analytics.cli import main
from analytics.ingest import columns, cpds, ingest_files
from analytics.store import engine as store_engine

CM, SVC = office(30, 7), office(30, 13)   # a 居宅介護支援 office (43) and a 訪問介護 office (11)
U1, U2, U3 = ("302018", "0000000001"), ("302018", "0000000002"), ("302018", "0000000003")
TS = "20250725101010"


def v4(prefix: str, sender=CM, s_svc="43", receiver=SVC, r_svc="11", ym: str | None = "202508", ts=TS,
       ext="CSV", branch="") -> str:
    """A v4.x file name: each office number followed by its サービス種類コード."""
    month = f"{ym}_" if ym else ""
    return f"{prefix}_{month}{sender}_{s_svc}_{receiver}_{r_svc}_{ts}{branch}.{ext}"


def unit() -> dict[str, bytes]:
    """One complete v4.1 unit of exchange as the software writes it: plan, actual, 第1表/第2表 (exchanges),
    第3表, 第7表, 利用者補足, 予防 基本情報 and its image (companions)."""
    return {
        v4("UPPLAN"): cpds_csv([U1, U2]),
        v4("UPJSK", SVC, "11", CM, "43"): cpds_csv([U1]),
        v4("UP1KYO", ym=None): cpds_csv([U1, U2, U3]),
        v4("UP2KYO", ym=None): cpds_csv([U1]),
        v4("UP3KYO", ym=None): cpds_csv([U1]),
        v4("UPSIKYU"): cpds_csv([U1]),
        v4("UPHOSOKU", ym="000000"): cpds_csv([U1, U2]),
        v4("UPKIHON", s_svc="46"): cpds_csv([U1]),
        v4("UPKIHON_IMAGE", s_svc="46", ext="jpg", branch="_0001"): b"\xff\xd8\xff\xe0" + bytes(64),
    }


@pytest.mark.parametrize("name,want", [
    ("UPPLAN_202508_3070001007_43_3070002013_11_20250725101010.CSV",
     ("exchange", "plan", "202508", "3070001007", "43", "3070002013", "11")),
    ("UPJSK_202508_3070002013_11_3070001007_43_20250725101010.csv",
     ("exchange", "actual", "202508", "3070002013", "11", "3070001007", "43")),
    ("UPPLAN_201912_0300000100_0300000005_20191025200201.CSV",        # before v4.0: no service codes
     ("exchange", "plan", "201912", "0300000100", None, "0300000005", None)),
    ("UP1KYO_3070001007_43_3070002013_11_20250725101010.CSV",
     ("exchange", "sheet1", None, "3070001007", "43", "3070002013", "11")),
    ("UP2KYO_3070001007_43_3070002013_11_20250725101010.CSV",
     ("exchange", "sheet2", None, "3070001007", "43", "3070002013", "11")),
    ("DLTPLAN_202508_3070001007_43_3070002013_11_20250725101010.CSV",
     ("deletion", "plan", "202508", "3070001007", "43", "3070002013", "11")),
    ("DLTJSK_202508_3070002013_11_3070001007_43_20250725101010.CSV",
     ("deletion", "actual", "202508", "3070002013", "11", "3070001007", "43")),
    ("DLT1KYO_3070001007_43_3070002013_11_20250725101010.CSV",
     ("deletion", "sheet1", None, "3070001007", "43", "3070002013", "11")),
    ("UP3KYO_3070001007_43_3070002013_11_20250725101010.CSV",
     ("companion", None, None, "3070001007", "43", "3070002013", "11")),
    ("UPSIKYU_202508_3070001007_43_3070002013_11_20250725101010.CSV",
     ("companion", None, "202508", "3070001007", "43", "3070002013", "11")),
    ("UPHOSOKU_000000_3070001007_43_3070002013_11_20250725101010.CSV",
     ("companion", None, "000000", "3070001007", "43", "3070002013", "11")),
    ("UPKIHON_202508_3070001007_46_3070002013_11_20250725101010.CSV",
     ("companion", None, "202508", "3070001007", "46", "3070002013", "11")),
    ("UPKIHON_SUB1_202508_3070001007_46_3070002013_11_20250725101010.CSV",
     ("companion", None, "202508", "3070001007", "46", "3070002013", "11")),
    ("UPKIHON_IMAGE_202508_3070001007_46_3070002013_11_20250725101010_0001.jpg",
     ("companion", None, "202508", "3070001007", "46", "3070002013", "11")),
])
def test_every_name_of_the_standard_parses(name, want):
    n = cpds.parse_name(name)
    assert (n.role, n.form, n.ym, n.sender, n.sender_service, n.receiver, n.receiver_service) == want
    assert cpds.service_problem(n) is None


@pytest.mark.parametrize("name", [
    "UPPLAN_202508.CSV", "PLAN_202508_3070001007_3070002013_20250725101010.CSV",
    "UPPLAN_202508_3070001007_43_3070002013_11_20250725101010.txt", "メモ.txt",
    "UPPLAN_202508_3070001007_3070002013_1.csv",                          # a number that is no timestamp
    "UPPLAN_3070001007_43_3070002013_11_20250725101010.CSV",              # a plan names its month
    "UP1KYO_202508_3070001007_43_3070002013_11_20250725101010.CSV",       # 第1表 names none
    "UPPLAN_202508_3070001007_43_3070002013_11_20250725101010_0001.CSV",  # 枝番: images only
    "UPKIHON_IMAGE_202508_3070001007_46_3070002013_11_20250725101010_0001.CSV",
    "UPPLAN_202508_3070001007_43_3070002013_11_20250725101010.jpg",
])
def test_other_names_do_not_parse(name):
    assert cpds.parse_name(name) is None


def _check(summary):
    assert summary.rows_read == (summary.accepted + summary.duplicates + summary.rejected + summary.companions
                                 + summary.deletions)
    assert not summary.refused


def test_a_v41_zip_counts_exchanges_and_companions(engine):
    files = unit() | {"memo.txt": b"memo", "山田太郎様分.csv": cpds_csv([U1]), "送付状.txt": b"x",
                      v4("UPPLAN", r_svc=""): cpds_csv([U1])}   # …_{receiver}__{ts}: fits no pattern
    s = ingest_files(engine, "cpds", [("unit.zip", cpds_zip(files))])
    _check(s)
    assert (s.files, s.rows_read, s.accepted, s.rejected, s.companions) == (1, 13, 4, 4, 5)
    stored = table(engine, "exchanges", "form")
    assert sorted(zip(stored["form"], stored["sheets"])) == [("actual", 1), ("plan", 2), ("sheet1", 3),
                                                             ("sheet2", 1)]
    # 第1表/第2表 carry no month: the month they were sent
    assert set(stored["month"].map(str)) == {"2025-08-01", "2025-07-01"}
    assert set(stored.loc[stored["form"] == "sheet1", "month"].map(str)) == {"2025-07-01"}
    # shown: Latin names; a name in kana or kanji may be a person's (山田太郎様分.csv, 送付状.txt alike)
    values = sorted(e["value"] for e in s.errors)
    assert values == sorted(["memo.txt", columns.PERSONAL_PLACEHOLDER, columns.PERSONAL_PLACEHOLDER,
                             v4("UPPLAN", r_svc="")])
    assert all(e["reason"].startswith("ファイル名が UPPLAN_年月_送信元[_サービス種類]") for e in s.errors)
    assert all("UP1KYO_" in e["reason"] and "DLT" in e["reason"] for e in s.errors)
    assert "山田" not in json.dumps(s.as_json(), ensure_ascii=False)


def test_a_v41_folder_through_the_cli(db_url, tmp_path, capsys):
    folder = tmp_path / "送信_202508"
    folder.mkdir()
    for name, data in unit().items():
        (folder / name).write_bytes(data)
    assert main(["--db", db_url, "ingest", "cpds", str(folder)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.endswith("取込 4 行、重複 0 行、除外 0 行 （ほかに関連ファイル 5 件: 利用者補足・第3表・第7表・予防など、"
                         "件数には数えません）")
    assert main(["--lang", "en", "--db", db_url, "ingest", "cpds", str(folder), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["rows_read"], out["accepted"], out["duplicates"], out["rejected"], out["companions"]) == (
        9, 0, 9, 0, 0)   # the same content again: every file a duplicate
    assert len(table(store_engine.get_engine(db_url), "exchanges")) == 4


def test_old_and_new_names_in_one_zip(engine):
    files = {f"UPPLAN_202508_{CM}_{SVC}_20250725101010.CSV": cpds_csv([U1]),
             v4("UPPLAN", ts="20250726101010"): cpds_csv([U2])}
    s = ingest_files(engine, "cpds", [("mixed.zip", cpds_zip(files))])
    _check(s)
    assert (s.accepted, s.companions) == (2, 0)
    # two keys: the older name says no サービス種類コード, the v4.1 name says 43 → 11
    stored = table(engine, "exchanges", "sender_service NULLS FIRST")
    got = stored[["sender_service", "receiver_service", "sheets"]].astype(object)
    assert got.where(got.notna(), None).values.tolist() == [[None, None, 1], ["43", "11", 1]]


@pytest.mark.parametrize("name,reason", [
    (v4("UPPLAN", r_svc="1").replace("_1_", "_"), "サービス種類コードが片方の事業所にしかありません"),
    (v4("UPPLAN", s_svc="4-"), "ファイル名が UPPLAN_"),                      # no pattern
    (v4("UPPLAN", s_svc="4"), "ファイル名が UPPLAN_"),
    (v4("UPPLAN", s_svc="1A"), "サービス種類コード 1A が読めません"),
    (v4("UPPLAN", receiver=CM), "送信元と送信先が同じ事業所です"),
    (v4("UP1KYO", ym=None, ts="20250725"), None),                          # a date only: still a month
    (v4("UPPLAN", ym="202513"), "年月が読めません"),
])
def test_service_codes_and_parts_are_checked(engine, name, reason):
    good = v4("UPJSK", SVC, "11", CM, "43")
    s = ingest_files(engine, "cpds", [("x.zip", cpds_zip({good: cpds_csv([U1]), name: cpds_csv([U1])}))])
    _check(s)
    if reason is None:
        assert (s.accepted, s.rejected) == (2, 0)
        return
    assert (s.accepted, s.rejected, s.companions) == (1, 1, 0)
    assert reason in s.errors[0]["reason"] and s.errors[0]["value"] == name


def test_a_deletion_withdraws_its_users_from_the_plan_sent_before_it(engine):
    files = {v4("UPPLAN"): cpds_csv([U1, U2]),
             v4("DLTPLAN", ts="20250726090000"): cpds_csv([U2]),          # later: U2's plan withdrawn
             v4("UPJSK", SVC, "11", CM, "43"): cpds_csv([U1]),
             v4("DLTJSK", SVC, "11", CM, "43", ts="20250724000000"): cpds_csv([U1]),   # earlier: no effect
             v4("UP1KYO", ym=None): cpds_csv([U3]),
             v4("DLT1KYO", ym=None, ts="20250725101011"): cpds_csv([U3]),  # every user: the 第1表 is gone
             v4("DLTPLAN", ym="202507"): cpds_csv([U1])}                    # its exchange is not here
    s = ingest_files(engine, "cpds", [("deletions.zip", cpds_zip(files))])
    _check(s)
    assert (s.rows_read, s.accepted, s.rejected, s.companions, s.deletions) == (7, 2, 0, 1, 4)
    assert s.deletions_not_found == 1   # DLTPLAN of 2025-07: neither here nor stored
    assert [n["note"].split(" / ")[0] for n in s.notes] == [
        f"削除ファイル {v4('DLTPLAN', ym='202507')[:-4]}: 対象の提供票（2025-07 {CM}→{SVC}）が見つかりません。"
        "この取込にもデータベースにもないため、何も削除していません（提供票を取り込んだ後に、この削除ファイルを"
        "もう一度取り込んでください）"]
    stored = table(engine, "exchanges", "form")
    assert list(zip(stored["form"], stored["sheets"])) == [("actual", 1), ("plan", 1)]
    assert set(stored["month"].map(str)) == {"2025-08-01"}


def test_an_unreadable_deletion_is_a_rejected_row(engine):
    files = {v4("UPPLAN"): cpds_csv([U1]), v4("DLTPLAN", ts="20250726090000"): b""}
    s = ingest_files(engine, "cpds", [("x.zip", cpds_zip(files))])
    _check(s)
    assert (s.accepted, s.rejected, s.companions) == (1, 1, 0)
    assert s.errors[0]["value"] == v4("DLTPLAN", ts="20250726090000")


def test_companions_only_are_counted_not_refused(engine):
    s = ingest_files(engine, "cpds", [("hosoku.zip", cpds_zip({v4("UPHOSOKU", ym="000000"): cpds_csv([U1])}))])
    _check(s)
    assert (s.rows_read, s.accepted, s.companions) == (1, 0, 1)


def test_no_name_of_the_standard_is_refused(engine):
    s = ingest_files(engine, "cpds", [("other.zip", cpds_zip({"a.csv": cpds_csv([U1])}))])
    assert s.refused_files == [{"file": "other.zip", "reason": (
        "ケアプランデータ連携の送受信ファイル（UPPLAN_／UPJSK_ など）がありません / no exchange files of the "
        "data exchange standard (UPPLAN_/UPJSK_ …) found")}]


def test_the_import_page_shows_companions(duck_url):
    at = import_page(duck_url)
    at.selectbox(key="import_kind").set_value("cpds").run()
    at.file_uploader(key="import_files").upload("unit.zip", cpds_zip(unit()), "application/zip").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"ファイル数": "1", "読込行数": "9", "取込": "4", "重複（登録済み）": "0", "除外": "0",
                       "関連ファイル（補足など）": "5"}


def test_one_partner_with_two_services_is_one_partner_its_services_said(engine):
    """The same office numbers for 訪問介護 (11) and 訪問看護 (13): two exchanges (the pair's services tell
    which service the sheets were for), one partner in 事業所ビュー with both codes."""
    from analytics.store import queries_channels as qc
    files = {v4("UPPLAN"): cpds_csv([U1, U2]), v4("UPPLAN", r_svc="13"): cpds_csv([U1])}
    s = ingest_files(engine, "cpds", [("two_services.zip", cpds_zip(files))])
    _check(s)
    assert s.accepted == 2
    stored = table(engine, "exchanges", "receiver_service")
    assert list(zip(stored["receiver_service"], stored["sheets"])) == [("11", 2), ("13", 1)]
    partners = qc.office_partners(engine, CM)
    assert partners[["partner_code", "sheets", "services"]].values.tolist() == [[SVC, 3, "11・13"]]
    assert qc.office_partners(engine, SVC)["services"].tolist() == ["43"]
