"""Table tests for dates: parse_date, parse_month, 年度, 和暦 output."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analytics.domain.codes import (
    fiscal_year,
    fiscal_year_label,
    fiscal_year_range,
    month_label,
    parse_date,
    parse_month,
    to_wareki,
)

D = dt.date


@pytest.mark.parametrize("value, expected", [
    # 西暦
    ("2023-10-05", D(2023, 10, 5)), ("2023/10/5", D(2023, 10, 5)), ("2023/10/05", D(2023, 10, 5)),
    ("2023.10.5", D(2023, 10, 5)), ("20231005", D(2023, 10, 5)), ("2023年10月5日", D(2023, 10, 5)),
    ("2023-10-05 00:00:00", D(2023, 10, 5)), ("2023-10-05T13:45:00", D(2023, 10, 5)),
    ("2023年10月5日(木)", D(2023, 10, 5)), ("2023年10月5日（木）", D(2023, 10, 5)),
    ("２０２３／１０／５", D(2023, 10, 5)), ("２０２３年１０月５日", D(2023, 10, 5)), (" 2023-10-05 ", D(2023, 10, 5)),
    ("2024-02-29", D(2024, 2, 29)),
    # 令和
    ("令和5年10月5日", D(2023, 10, 5)), ("令和５年１０月５日", D(2023, 10, 5)), ("令和 5年 10月 5日", D(2023, 10, 5)),
    ("令和元年5月1日", D(2019, 5, 1)), ("令和1年5月1日", D(2019, 5, 1)), ("R5.10.5", D(2023, 10, 5)),
    ("R5/10/5", D(2023, 10, 5)), ("R05.10.05", D(2023, 10, 5)), ("r5.10.5", D(2023, 10, 5)),
    ("Ｒ５．１０．５", D(2023, 10, 5)), ("R1.5.1", D(2019, 5, 1)), ("R5-10-5", D(2023, 10, 5)),
    ("令和7年3月31日", D(2025, 3, 31)),
    # 平成, 昭和, 大正, 明治
    ("H31.4.30", D(2019, 4, 30)), ("平成31年4月30日", D(2019, 4, 30)), ("平成元年1月8日", D(1989, 1, 8)),
    ("H1.1.8", D(1989, 1, 8)), ("平成12年2月29日", D(2000, 2, 29)),
    ("昭和64年1月7日", D(1989, 1, 7)), ("S64.1.7", D(1989, 1, 7)), ("昭和元年12月25日", D(1926, 12, 25)),
    ("S20.8.15", D(1945, 8, 15)), ("大正15年12月24日", D(1926, 12, 24)), ("T1.7.30", D(1912, 7, 30)),
    ("明治45年7月29日", D(1912, 7, 29)),
    # objects
    (D(2023, 10, 5), D(2023, 10, 5)), (dt.datetime(2023, 10, 5, 9, 30), D(2023, 10, 5)),
    (pd.Timestamp("2023-10-05 12:00"), D(2023, 10, 5)), (np.datetime64("2023-10-05"), D(2023, 10, 5)),
    # Excel serial numbers (1900 system; 45204 = 2023-10-05)
    (45204, D(2023, 10, 5)), (45204.0, D(2023, 10, 5)), (45204.75, D(2023, 10, 5)), ("45204", D(2023, 10, 5)),
    (np.int64(45204), D(2023, 10, 5)), (43586, D(2019, 5, 1)), (20231005, D(2023, 10, 5)),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [
    None, "", "  ", math.nan, pd.NaT, pd.NA, np.datetime64("NaT"), True,
    "2023-02-30", "2023-13-01", "2023/0/5", "20231305", "2023-02-29",
    "令和元年4月30日", "R1.4.30", "平成31年5月1日", "H31.5.1", "昭和64年1月8日", "平成0年1月1日", "令和5年2月30日",
    "X5.10.5", "10/5/2023", "yesterday", "2023-10", -1, 0, 1e9,
])
def test_parse_date_rejects(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value, expected", [
    ("2025-08", D(2025, 8, 1)), ("202508", D(2025, 8, 1)), ("2025/8", D(2025, 8, 1)), ("2025/08", D(2025, 8, 1)),
    ("2025.8", D(2025, 8, 1)), ("2025年8月", D(2025, 8, 1)), ("２０２５年８月", D(2025, 8, 1)),
    ("令和7年8月", D(2025, 8, 1)), ("令和７年８月", D(2025, 8, 1)), ("R7.8", D(2025, 8, 1)), ("R7/08", D(2025, 8, 1)),
    ("R07.08", D(2025, 8, 1)), ("r7.8", D(2025, 8, 1)), ("令和元年5月", D(2019, 5, 1)), ("平成31年4月", D(2019, 4, 1)),
    ("H31.4", D(2019, 4, 1)), ("昭和64年1月", D(1989, 1, 1)), ("平成元年1月", D(1989, 1, 1)),
    # full dates → their month
    ("2025-08-15", D(2025, 8, 1)), ("20250815", D(2025, 8, 1)), ("令和7年8月15日", D(2025, 8, 1)),
    ("R7.8.15", D(2025, 8, 1)), (D(2025, 8, 15), D(2025, 8, 1)), (pd.Timestamp("2025-08-31"), D(2025, 8, 1)),
    (dt.datetime(2025, 8, 31, 23, 59), D(2025, 8, 1)), (45870, D(2025, 8, 1)), ("2025-08-01 00:00:00", D(2025, 8, 1)),
])
def test_parse_month(value, expected):
    assert parse_month(value) == expected


@pytest.mark.parametrize("value", [None, "", math.nan, pd.NaT, "2025-13", "202513", "2025/0", "令和元年4月",
                                   "平成31年5月", "R0.8", "August", "2025-02-30"])
def test_parse_month_rejects(value):
    assert parse_month(value) is None


@pytest.mark.parametrize("value, fy", [
    ("2024-03-31", 2023), ("2024-04-01", 2024), ("2025-12-31", 2025), ("2026-01-01", 2025), ("2026-03-31", 2025),
    (D(2023, 4, 20), 2023), ("R7.8.1", 2025), (None, None),
])
def test_fiscal_year(value, fy):
    assert fiscal_year(value) == fy


@pytest.mark.parametrize("fy, lang, label", [(2025, "ja", "2025年度"), (2025, "en", "FY2025"), (2019, "ja", "2019年度")])
def test_fiscal_year_label(fy, lang, label):
    assert fiscal_year_label(fy, lang) == label


def test_fiscal_year_range():
    assert fiscal_year_range(2025) == (D(2025, 4, 1), D(2026, 3, 31))


@pytest.mark.parametrize("value, with_day, expected", [
    ("2023-10-05", True, "令和5年10月5日"), ("2019-05-01", True, "令和元年5月1日"), ("2019-04-30", True, "平成31年4月30日"),
    ("1989-01-07", True, "昭和64年1月7日"), ("2025-08-01", False, "令和7年8月"), ("bad", True, None),
])
def test_to_wareki(value, with_day, expected):
    assert to_wareki(value, with_day=with_day) == expected


@pytest.mark.parametrize("value", ["2019-05-01", "2023-10-05", "1989-01-08", "1989-01-07", "2000-02-29"])
def test_wareki_round_trip(value):
    assert parse_date(to_wareki(value)) == parse_date(value)


@pytest.mark.parametrize("value, lang, expected", [("R7.8", "ja", "2025年8月"), ("2025-08-20", "en", "2025-08"),
                                                   ("x", "ja", None)])
def test_month_label(value, lang, expected):
    assert month_label(value, lang) == expected


@pytest.mark.parametrize("value, month, expected", [
    ("平成31年5月", True, ("平成31年5月という年月はありません。令和元年5月（2019-05）のことなら 令和元年5月 と入力してください",
                        "平成31年5月 does not exist (outside the 平成 era); if you mean 2019-05, write 令和元年5月")),
    ("H31.5", True, ("平成31年5月という年月はありません。令和元年5月（2019-05）のことなら 令和元年5月 と入力してください",
                  "平成31年5月 does not exist (outside the 平成 era); if you mean 2019-05, write 令和元年5月")),
    ("令和1年4月", True, ("令和元年4月という年月はありません。平成31年4月（2019-04）のことなら 平成31年4月 と入力してください",
                       "令和元年4月 does not exist (outside the 令和 era); if you mean 2019-04, write 平成31年4月")),
    ("平成32年1月", True, ("平成32年1月という年月はありません。令和2年1月（2020-01）のことなら 令和2年1月 と入力してください",
                        "平成32年1月 does not exist (outside the 平成 era); if you mean 2020-01, write 令和2年1月")),
    ("平成31年5月1日", False, ("平成31年5月1日という日付はありません。令和元年5月1日（2019-05-01）のことなら 令和元年5月1日 と入力してください",
                          "平成31年5月1日 does not exist (outside the 平成 era); if you mean 2019-05-01, write 令和元年5月1日")),
    ("令和5年4月", True, None), ("2025-13", True, None), ("令和5年13月", True, None),
])
def test_era_hint(value, month, expected):
    from analytics.domain.dates import era_hint
    assert era_hint(value, month) == expected


def test_reiwa_1_is_reiwa_gannen():
    assert parse_month("令和1年5月") == parse_month("令和元年5月") == D(2019, 5, 1)
    assert parse_date("令和1年5月1日") == D(2019, 5, 1)


def test_today_is_pinned_by_the_environment(monkeypatch):
    from analytics.domain import dates
    monkeypatch.setenv(dates.TODAY_ENV, "2026-01-31")
    assert dates.month_range() == (D(2000, 4, 1), D(2026, 2, 1))
    assert dates.date_range() == (D(2000, 4, 1), D(2026, 2, 28))
    monkeypatch.setenv(dates.TODAY_ENV, "not a date")
    assert dates.today() == dt.date.today()


# ---------------------------------------------------------------- the one date rule (dates.allowed_range)

@pytest.mark.parametrize("today, month, open_end, expected", [
    (D(2026, 1, 31), False, False, (D(2000, 4, 1), D(2026, 2, 28))),
    (D(2026, 1, 1), False, False, (D(2000, 4, 1), D(2026, 2, 28))),
    (D(2025, 12, 15), False, False, (D(2000, 4, 1), D(2026, 1, 31))),   # next month crosses the year
    (D(2024, 1, 10), False, False, (D(2000, 4, 1), D(2024, 2, 29))),    # leap February
    (D(2026, 1, 31), True, False, (D(2000, 4, 1), D(2026, 2, 1))),
    (D(2026, 1, 31), False, True, (D(2000, 4, 1), dt.date.max)),        # a planned 利用終了日
])
def test_allowed_range(monkeypatch, today, month, open_end, expected):
    from analytics.domain import dates
    monkeypatch.setenv(dates.TODAY_ENV, today.isoformat())
    assert dates.allowed_range(month, open_end) == expected


@pytest.mark.parametrize("day, month, problem", [
    (D(2000, 4, 1), False, False), (D(2000, 3, 31), False, True),       # 介護保険 began 2000-04-01
    (D(2026, 2, 28), False, False), (D(2026, 3, 1), False, True),       # end of next month, one past it
    (D(2026, 2, 1), True, False), (D(2026, 2, 15), True, False), (D(2026, 3, 1), True, True),
    (D(2000, 4, 1), True, False), (D(2000, 3, 1), True, True),
    (D(2117, 1, 1), False, True),                                        # 令和99年1月1日
])
def test_out_of_range_names_the_allowed_range(monkeypatch, day, month, problem):
    from analytics.domain import dates
    monkeypatch.setenv(dates.TODAY_ENV, "2026-01-31")
    found = dates.out_of_range(day, month=month)
    if not problem:
        assert found is None
        return
    ja, en = found
    if month:
        assert "2000年4月" in ja and "2026年2月" in ja and "from 2000-04" in en and "to 2026-02" in en
    else:
        assert "2000年4月1日" in ja and "2026年2月28日" in ja and "from 2000-04-01" in en and "to 2026-02-28" in en


def test_the_rule_is_the_one_an_import_uses(monkeypatch):
    """validate._dates and the CLI read the same bounds: a date one past next month is refused by both."""
    import pandas as pd

    from analytics.domain import dates
    from analytics.ingest import validate
    monkeypatch.setenv(dates.TODAY_ENV, "2026-01-31")
    frame = pd.DataFrame({"d": ["2026-02-28", "2026-03-01", "令和99年1月1日", "令和7年8月31日"]})

    p = validate._Problems()
    parsed = validate._dates(frame, "d", p, required=False)
    assert parsed.tolist() == [D(2026, 2, 28), None, None, D(2025, 8, 31)]
    errors = p.frame()
    assert errors["pos"].tolist() == [1, 2]
    assert set(errors["reason_ja"]) == {dates.range_problem()[0]}
