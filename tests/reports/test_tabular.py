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
