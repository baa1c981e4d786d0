import io

import openpyxl
import pandas as pd
import pytest

from analytics.reports import tabular

FRAME = pd.DataFrame({"事業所名": ["=HYPERLINK(\"http://x\")", "さくら居宅", "+1", "@SUM(A1)", "－2"],
                      "change": [-3, 4, 0, 1, 2]})


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+81", "'+81"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("＝SUM(A1)", "'＝SUM(A1)"), ("ふつう", "ふつう"), ("", ""), (-5, -5), (None, None),
])
def test_neutralise(value, expected):
    assert tabular.neutralise(value) == expected


@pytest.mark.parametrize("encoding,codec", [("utf-8", "utf-8"), ("excel", "utf-8-sig"), ("cp932", "cp932")])
def test_csv_variants_decode_as_labelled(encoding, codec):
    data = tabular.to_csv_bytes(FRAME, encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "excel")
    back = pd.read_csv(io.BytesIO(data), encoding=codec, dtype=str)
    assert back["事業所名"].tolist()[1] == "さくら居宅"
    assert back["事業所名"].tolist()[0].startswith("'=")
    assert back["change"].tolist()[0] == "-3"  # numbers stay numbers


def test_xlsx_formula_comes_out_inert():
    wb = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx_bytes({"一覧": FRAME})))
    ws = wb["一覧"]
    assert ws["A2"].value == "'=HYPERLINK(\"http://x\")"
    assert ws["A2"].data_type == "s"
    assert ws["B2"].value == -3


CODES = pd.DataFrame({"prefecture_code": ["01", "13"], "事業所番号": ["0110100012", "1310100015"],
                      "市区町村コード": ["011002", "131016"], "事業所名": ["01の家", "=1+1"], "sheets": [1, 2]})


@pytest.mark.parametrize("encoding,codec", [("excel", "utf-8-sig"), ("cp932", "cp932")])
def test_excel_csv_keeps_leading_zeros_of_codes(encoding, codec):
    """Excel opened 北海道's 都道府県コード 01 as the number 1 and 0110100012 as 110100012."""
    back = pd.read_csv(io.BytesIO(tabular.to_csv_bytes(CODES, encoding)), encoding=codec, dtype=str)
    assert back["prefecture_code"].tolist() == ['="01"', "13"]
    assert back["事業所番号"].tolist() == ['="0110100012"', "1310100015"]
    assert back["市区町村コード"].tolist() == ['="011002"', "131016"]
    assert back["事業所名"].tolist() == ["01の家", "'=1+1"]      # names are not codes; formulas stay inert


def test_plain_utf8_csv_keeps_codes_as_data():
    back = pd.read_csv(io.BytesIO(tabular.to_csv_bytes(CODES, "utf-8")), dtype=str)
    assert back["prefecture_code"].tolist() == ["01", "13"]


def test_excel_quoted_codes_read_back_by_the_app():
    """The app's readers strip ="…" (DESIGN §2), so an exported list can be imported again."""
    from analytics.domain import codes
    code = "011010001" + codes.office_check_digit("011010001")
    frame = pd.DataFrame({"office_code": [code], "municipality_code": ["011002"]})
    back = pd.read_csv(io.BytesIO(tabular.to_csv_bytes(frame, "excel")), encoding="utf-8-sig", dtype=str)
    assert back["office_code"].tolist() == [f'="{code}"']
    assert codes.normalise_office_code(back["office_code"][0]) == code
    assert codes.normalise_municipality_code(back["municipality_code"][0]) == "011002"


def test_english_headings_of_codes_keep_their_zeros_too():
    """The English UI heads the columns 'Prefecture code' and 'Office no.': Excel dropped their zeros."""
    frame = pd.DataFrame({"Prefecture code": ["01"], "Office no.": ["0110100012"], "Partner office no.": ["0210100010"],
                          "Office": ["01 House"]})
    back = pd.read_csv(io.BytesIO(tabular.to_csv_bytes(frame, "excel")), encoding="utf-8-sig", dtype=str)
    assert back.iloc[0].tolist() == ['="01"', '="0110100012"', '="0210100010"', "01 House"]
