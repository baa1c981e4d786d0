"""Builders of real-format input files for the ingest tests (CP932, BOM, XLSX, open data, CPDS ZIPs)."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import sqlalchemy as sa

from analytics.domain.codes import office_check_digit

OPEN_DATA_COLUMNS = [
    "都道府県コード又は市町村コード", "No", "都道府県名", "市区町村名", "事業所名", "事業所名カナ", "サービスの種類",
    "住所", "方書（ビル名等）", "緯度", "経度", "電話番号", "FAX番号", "法人番号", "法人の名称", "事業所番号",
    "利用可能曜日", "利用可能曜日特記事項", "定員", "URL", "高齢者の方と障害者の方が同時一体的に利用できるサービス",
    "介護保険の通常の指定基準を満たしている", "障害福祉の通常の指定基準を満たしている", "備考",
]


def office(pref: int, serial: int, klass: str = "7", area: int = 10) -> str:
    """A valid 10-character 事業所番号 (check digit computed)."""
    code9 = f"{pref:02d}{klass}{area:02d}{serial:04d}"
    return code9 + office_check_digit(code9)


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig", sep: str = ",") -> bytes:
    text = "\r\n".join(sep.join(str(c) for c in r) for r in rows) + "\r\n"
    return text.encode(encoding)


def xlsx_bytes(rows: list[list], title_rows: int = 0) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"タイトル行 {i + 1}"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def open_data_row(no: int, muni_code: str, pref_name: str, muni: str, name: str, service_name: str,
                  office_code: str, lat=34.2260, lon=135.1675) -> list:
    """One row of the MHLW open-data file, 24 columns in the published order (with personal-looking fields)."""
    return [muni_code, no, pref_name, muni, name, "ジギョウショ", service_name, "和歌山市小松原通1-1",
            "ビル2F", lat, lon, "073-441-0000", "073-441-0001", "1234567890123", "社会福祉法人テスト会",
            office_code, "月火水木金", "", "", "https://example.jp", "", "", "", ""]


def open_data_csv(rows: list[list]) -> bytes:
    return csv_bytes([OPEN_DATA_COLUMNS] + rows, "utf-8-sig")


# personal values written into CPDS files; none may ever reach the database
PERSONAL_VALUES = ["山田太郎", "ヤマダタロウ", "鈴木花子", "和歌山市小松原通一丁目", "19400101", "H123456789",
                   "0000012345", "0000067890"]


def cpds_csv(users: list[tuple[str, str]], header: bool = False) -> bytes:
    """A CP932 exchange file: CSVバージョン first; one row per (保険者番号, 被保険者番号) with personal fields."""
    rows = []
    if header:
        rows.append(["CSVバージョン", "対象年月", "保険者番号", "被保険者番号", "氏名", "フリガナ", "生年月日", "住所"])
    names = ["山田太郎", "鈴木花子", "佐藤一郎"]
    for i, (insurer, insured) in enumerate(users):
        rows.append(["202410", "202508", insurer, insured, names[i % 3], "ヤマダタロウ", "19400101",
                     "和歌山市小松原通一丁目"])
    return csv_bytes(rows, "cp932")


def cpds_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).fetchall()[0][0]
                for t in ("offices", "office_services", "registrations", "exchanges", "profiles",
                          "import_batches", "rejected_rows")}


def table(engine, name: str, order: str = "") -> pd.DataFrame:
    with engine.connect() as conn:
        res = conn.execute(sa.text(f"SELECT * FROM {name}" + (f" ORDER BY {order}" if order else "")))
        return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


def all_text(engine) -> str:
    """Every value in every table, as one string (to prove personal data never landed)."""
    parts = []
    for name in ("offices", "office_services", "registrations", "exchanges", "profiles", "import_batches",
                 "rejected_rows", "dataset_meta"):
        parts.append(table(engine, name).astype(str).to_csv(index=False))
    return "\n".join(parts)


def import_page(url: str, lang: str = "ja"):
    """An AppTest that has opened データ取込 on the database at ``url`` in ``lang``."""
    import pathlib

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(pathlib.Path(__file__).resolve().parents[2] / "app.py"), default_timeout=60)
    at.session_state["db_url"] = url
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("analytics/ui/views/data_import.py").run()
    assert not at.exception, at.exception
    return at
