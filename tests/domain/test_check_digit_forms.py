"""The 事業所番号 check digit has one formula (analytics.domain.codes): the Python check, its numpy form used by
ingest (validate's byte check and arrow check), the DuckDB SQL of the fast path and the demo's integer form
all agree on one table."""
from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from analytics.demo import master
from analytics.domain import codes
from analytics.ingest import fast, validate


def _with_check(first9: str) -> str:
    return first9 + codes.office_check_digit(first9)


def _wrong(code: str) -> str:
    return code[:9] + str((int(code[9]) + 1) % 10)


VALID = _with_check("301234567")
LETTER = _with_check("30A000012")
ZERO = _with_check("011010001")
TABLE = [  # value, clean and valid as it is, valid after normalising (normalise_office_code)
    (VALID, True, True),
    (_wrong(VALID), False, False),                       # check digit off by one
    (LETTER, True, True),                                # a letter at position 3 (A=10)
    (_with_check("30Z999999"), True, True),              # the last letter, Z=32
    (_wrong(LETTER), False, False),
    ("30I" + VALID[3:], False, False),                   # I, O and Q are never used
    (LETTER[:2] + LETTER[2].lower() + LETTER[3:], False, True),  # lower case: clean only after normalising
    ("3" + LETTER[:1] + LETTER[2:], False, False),       # a letter elsewhere
    (ZERO, True, True),
    (ZERO[1:], False, True),                             # Excel lost the leading zero
    (_with_check("481234567"), False, False),            # prefecture 48
    (_with_check("001234567"), False, False),            # prefecture 00
    ("３０１２３４５６７" + VALID[9], False, True),        # 全角 digits
    (VALID[:9], False, False),                           # 9 characters
    ("", False, False),
]


def test_the_table_holds_what_it_says():
    assert codes.is_valid_office_code(VALID) and codes.is_valid_office_code(LETTER)
    assert VALID[9] == codes.office_check_digit(VALID[:9])


@pytest.mark.parametrize("value,clean,valid", TABLE)
def test_python_check(value, clean, valid):
    assert codes.is_valid_office_code(value) is clean
    assert (codes.normalise_office_code(value) is not None) is valid


def test_numpy_arrow_and_sql_forms_agree_with_python():
    values = [v for v, _, _ in TABLE]
    want = np.array([clean for _, clean, _ in TABLE])
    assert (validate.clean_valid_office_codes(np.array(values, dtype=object)) == want).all()
    assert (validate._clean_valid_arrow(pa.array(values, pa.string())) == want).all()
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(values, pa.string())}))
    got = con.sql(f"SELECT {fast.CLEAN_VALID_CODE} AS ok FROM t").to_arrow_table().column(0).to_pylist()
    assert got == list(want)


def test_every_check_digit_of_one_position_agrees():
    # each character value at position 3 and each digit elsewhere: the check digit from every form
    first9 = [f"30{c}{d}0000{d}" for c in codes.OFFICE_CODE_ALPHABET for d in "0159"]
    values = [codes.office_check_digit(x) for x in first9]
    codes10 = [x + v for x, v in zip(first9, values)]
    assert validate.clean_valid_office_codes(np.array(codes10, dtype=object)).all()
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(codes10, pa.string())}))
    assert all(con.sql(f"SELECT {fast.CLEAN_VALID_CODE} FROM t").to_arrow_table().column(0).to_pylist())
    digits_only = [x for x in first9 if x.isdigit()]
    assert [str(d) for d in master.office_check_digits(np.array([int(x) for x in digits_only]))] == [
        codes.office_check_digit(x) for x in digits_only]
    wrong = [x + str((int(v) + 1) % 10) for x, v in zip(first9, values)]
    assert not validate.clean_valid_office_codes(np.array(wrong, dtype=object)).any()
