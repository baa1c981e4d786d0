"""Adoption queries against pandas oracles of the DESIGN §3 definitions, same fixture, DuckDB and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.store import queries_adoption as qa

from . import fixture_data as fx

D = dt.date


def _registered_codes(at: dt.date) -> set[str]:
    r = fx.REGISTRATIONS
    ok = (r["registered_on"] <= at) & (r["ended_on"].isna() | (r["ended_on"].map(lambda e: e is not None and e == e and e > at)))
    return set(r.loc[ok, "office_code"])


def _registered_in_month(month: dt.date) -> set[str]:
    first, last = qa.month_bounds(month)
    r = fx.REGISTRATIONS
    ok = (r["registered_on"] <= last) & r["ended_on"].map(lambda e: e is None or e != e or e > first)
    return set(r.loc[ok, "office_code"])


def oracle_adoption(at, by, prefecture=None, kind=None) -> pd.DataFrame:
    o = fx.OFFICES.copy()
    if prefecture:
        o = o[o["prefecture_code"] == prefecture]
    if kind:
        o = o[o["kind"] == kind]
    o["registered"] = o["office_code"].isin(_registered_codes(at)).astype("int64")
    keys = {"prefecture": ["prefecture_code"], "municipality": ["prefecture_code", "municipality_code", "municipality"],
            "kind": ["kind"], "prefecture_kind": ["prefecture_code", "kind"]}[by]
    g = o.groupby(keys).agg(offices=("office_code", "size"), registered=("registered", "sum")).reset_index()
    g["adoption_rate"] = g["registered"] / g["offices"]
    return g.sort_values(keys).reset_index(drop=True)


def _cmp(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    got = got.sort_values(keys).reset_index(drop=True)[list(want.columns)]
    want = want.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("by,prefecture,kind", [
    ("prefecture", None, None), ("prefecture", None, "kyotaku"), ("municipality", None, None),
    ("municipality", "30", None), ("kind", None, None), ("kind", "30", None), ("prefecture_kind", None, None),
])
@pytest.mark.parametrize("at", [fx.AS_OF, D(2023, 5, 1), D(2025, 9, 1)])
def test_adoption_matches_oracle(loaded, by, prefecture, kind, at):
    got = qa.adoption(loaded, at, by=by, prefecture=prefecture, kind=kind)
    want = oracle_adoption(at, by, prefecture, kind)
    keys = [c for c in want.columns if c not in ("offices", "registered", "adoption_rate")]
    _cmp(got, want, keys)


def test_adoption_known_values(loaded):
    """Hand-checked: 和歌山 6 offices, registered 011 (re-registered), 037 (starts on D), 045; 029 ends on D."""
    got = qa.adoption(loaded, fx.AS_OF).set_index("prefecture_code")
    assert got.loc["30", ["offices", "registered"]].tolist() == [6, 3]
    assert got.loc["30", "adoption_rate"] == pytest.approx(0.5)
    assert got.loc["13", ["offices", "registered"]].tolist() == [4, 1]
    assert got.loc["01", ["offices", "registered"]].tolist() == [2, 0]
    assert "27" not in got.index  # not in the master: never a rate
    nation = qa.adoption(loaded, fx.AS_OF, by="nation")
    assert nation[["offices", "registered"]].iloc[0].tolist() == [12, 4]
    kinds = qa.adoption(loaded, fx.AS_OF, by="kind", prefecture="30").set_index("kind")
    assert kinds.loc["kyotaku", "registered"] == 2 and kinds.loc["service", "registered"] == 1


def test_adoption_municipality_coordinates(loaded):
    got = qa.adoption(loaded, fx.AS_OF, by="municipality", prefecture="30").set_index("municipality_code")
    want = fx.OFFICES[fx.OFFICES["prefecture_code"] == "30"].groupby("municipality_code")[["lat", "lon"]].mean()
    np.testing.assert_allclose(got.loc[want.index, ["lat", "lon"]].to_numpy(), want.to_numpy())


@pytest.mark.parametrize("by", ["prefecture", "municipality", "kind"])
def test_adoption_change_matches_oracle(loaded, by):
    start, end = D(2024, 3, 31), fx.AS_OF
    got = qa.adoption_change(loaded, start, end, by=by)
    a, b = oracle_adoption(start, by), oracle_adoption(end, by)
    keys = [c for c in a.columns if c not in ("offices", "registered", "adoption_rate")]
    want = a.merge(b, on=keys + ["offices"], suffixes=("_start", "_end"))
    want = want.rename(columns={"adoption_rate_start": "rate_start", "adoption_rate_end": "rate_end"})
    want["change"] = want["rate_end"] - want["rate_start"]
    want = want[keys + ["offices", "registered_start", "registered_end", "rate_start", "rate_end", "change"]]
    _cmp(got, want, keys)
    if by == "prefecture":
        w = got.set_index("prefecture_code")
        assert w.loc["30", "registered_start"] == 2 and w.loc["30", "registered_end"] == 3
        assert w.loc["30", "change"] == pytest.approx(1 / 6)


def oracle_monthly(start, end, by, prefectures=None, kind=None) -> pd.DataFrame:
    o = fx.OFFICES
    if prefectures:
        o = o[o["prefecture_code"].isin(prefectures)]
    if kind:
        o = o[o["kind"] == kind]
    rows = []
    for m in qa.months_between(start, end):
        codes = _registered_in_month(m)
        col = {"prefecture": "prefecture_code", "kind": "kind"}.get(by)
        groups = o.groupby(col) if col else [(None, o)]
        for key, part in groups:
            reg = int(part["office_code"].isin(codes).sum())
            row = {"month": m, "offices": len(part), "registered": reg, "adoption_rate": reg / len(part)}
            if col:
                row = {"month": m, col: key, **{k: v for k, v in row.items() if k != "month"}}
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("by,prefectures,kind", [
    ("nation", None, None), ("nation", None, "kyotaku"), ("prefecture", None, None), ("prefecture", ("30", "13"), None),
    ("kind", None, None), ("kind", ("30",), None),
])
def test_adoption_monthly_matches_oracle(loaded, by, prefectures, kind):
    start, end = D(2023, 3, 1), D(2025, 9, 30)
    got = qa.adoption_monthly(loaded, start, end, by=by, prefectures=prefectures, kind=kind)
    want = oracle_monthly(start, end, by, prefectures, kind)
    keys = ["month"] + {"prefecture": ["prefecture_code"], "kind": ["kind"]}.get(by, [])
    _cmp(got, want, keys)
    assert len(got) == len(want)  # months without registrations are present


def test_monthly_by_kind_sums_to_the_nation(loaded):
    start, end = D(2023, 3, 1), D(2025, 9, 30)
    by_kind = qa.adoption_monthly(loaded, start, end, by="kind")
    assert set(by_kind["kind"]) == set(fx.OFFICES["kind"])
    total = by_kind.groupby("month")[["offices", "registered"]].sum().reset_index()
    nation = qa.adoption_monthly(loaded, start, end)
    assert total["offices"].tolist() == nation["offices"].tolist()
    assert total["registered"].tolist() == nation["registered"].tolist()
    assert nation["registered"].max() > 0


def test_monthly_uses_registered_in_month_definition(loaded):
    got = qa.adoption_monthly(loaded, D(2023, 6, 1), D(2023, 6, 1), by="prefecture", prefectures=("30",))
    # 3070000011 ended on 2023-06-01: after June's first day? No (equal) -> not registered in June
    assert got["registered"].tolist() == [0]
    got = qa.adoption_monthly(loaded, D(2023, 5, 1), D(2023, 5, 1), by="prefecture", prefectures=("30",))
    assert got["registered"].tolist() == [1]


def test_not_in_master(loaded):
    got = qa.not_in_master(loaded, fx.AS_OF)
    r = fx.REGISTRATIONS
    codes = _registered_codes(fx.AS_OF) - set(fx.OFFICES["office_code"])
    want = r[r["office_code"].isin(codes)].groupby("office_code").agg(
        prefecture_code=("prefecture_code", "min"), registered_on=("registered_on", "min")).reset_index()
    _cmp(got, want, ["office_code"])
    assert got["office_code"].tolist() == ["2770000017"]
    counts = qa.not_in_master_counts(loaded, D(2024, 12, 1))
    assert dict(zip(counts["prefecture_code"], counts["not_in_master"])) == {"27": 1, "30": 1}
    assert qa.not_in_master(loaded, fx.AS_OF, prefecture="30").empty


@pytest.mark.parametrize("search,kind,expected", [
    (None, None, ["3070000011", "3070000029", "3070000037", "3070000045", "3070000052", "3070000060"]),
    ("御坊", None, ["3070000045", "3070000060"]),
    ("3070000052", None, ["3070000052"]),
    ("00000", "kyotaku", ["3070000011", "3070000029", "3070000045"]),
    ("100%_", None, []),
])
def test_office_list(loaded, search, kind, expected):
    got = qa.office_list(loaded, "30", fx.AS_OF, search=search, kind=kind)
    assert got["office_code"].tolist() == expected
    regs = _registered_codes(fx.AS_OF)
    assert got["registered"].tolist() == [c in regs for c in expected]


def test_office_list_registered_on(loaded):
    got = qa.office_list(loaded, "30", fx.AS_OF).set_index("office_code")
    assert got.loc["3070000011", "registered_on"] == D(2023, 10, 5)
    assert pd.isna(got.loc["3070000029", "registered_on"])


def test_digital_share_and_funnel(loaded):
    got = qa.digital_share(loaded).iloc[0]
    x = fx.EXCHANGES[fx.EXCHANGES["month"] == D(2025, 8, 1)]
    assert got["month"] == D(2025, 8, 1)
    assert got["sheets"] == x["sheets"].sum() == 40
    assert got["digital_sheets"] == x.loc[x["channel"] == "digital", "sheets"].sum() == 30
    assert got["digital_share"] == pytest.approx(0.75)
    july = qa.digital_share(loaded, D(2025, 7, 1)).iloc[0]
    assert july["digital_share"] == pytest.approx(10 / 15)
    dig = x[x["channel"] == "digital"]
    want = (set(dig["sender_code"]) | set(dig["receiver_code"])) & set(fx.OFFICES["office_code"])
    assert qa.digital_offices(loaded) == len(want) == 4
    assert qa.digital_offices(loaded, prefecture="13") == 2


def test_empty_database(engine):
    assert qa.adoption(engine, fx.AS_OF).empty
    nation = qa.adoption(engine, fx.AS_OF, by="nation")
    assert nation["offices"].tolist() == [0] and nation["adoption_rate"].isna().all()
    assert qa.digital_share(engine)["sheets"].tolist() == [0]
    assert qa.digital_offices(engine) == 0
    assert qa.registration_span(engine) == (None, None)
    assert qa.default_as_of(engine) == dt.date.today()


def test_default_as_of_and_span(loaded):
    assert qa.default_as_of(loaded) == fx.AS_OF
    assert qa.registration_span(loaded) == (D(2023, 4, 1), D(2025, 9, 1))
