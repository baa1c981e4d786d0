"""queries_forecast on DuckDB and PostgreSQL: hand-checked values and a pandas oracle on the same fixture."""
from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
import pytest

from analytics.store import queries_forecast as qf
from tests.forecast import fixture_data as fx

D = dt.date


def _oracle_monthly(prefecture, months):
    reg = fx.REGISTRATIONS.merge(fx.OFFICES[["office_code", "prefecture_code", "kind"]], on="office_code",
                                 suffixes=("_reg", ""))
    if prefecture:
        reg = reg[reg["prefecture_code"] == prefecture]
    rows = []
    for m in months:
        end = D(m.year, m.month, calendar.monthrange(m.year, m.month)[1])
        live = reg[(reg["registered_on"] <= end) & (reg["ended_on"].isna() | (reg["ended_on"] > end))]
        for kind in ("kyotaku", "service"):
            rows.append({"month": m, "kind": kind,
                         "registered": live.loc[live["kind"] == kind, "office_code"].nunique()})
    return pd.DataFrame(rows).sort_values(["kind", "month"], ignore_index=True)


def _registered_in(month):
    end = D(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    r = fx.REGISTRATIONS
    r = r[(r["registered_on"] <= end) & (r["ended_on"].isna() | (r["ended_on"] > month))]
    return set(r["office_code"])


def _oracle_targets(prefecture, kind):
    reg = _registered_in(fx.M)
    x = fx.EXCHANGES[(fx.EXCHANGES["month"] == fx.M) & (fx.EXCHANGES["channel"] != "digital")].copy()
    x["s"] = x["sender_code"].isin(reg)
    x["r"] = x["receiver_code"].isin(reg)
    side = pd.concat([x.loc[~x["s"] & x["r"], ["sender_code", "sheets"]].set_axis(["office_code", "sheets"], axis=1),
                      x.loc[x["s"] & ~x["r"], ["receiver_code", "sheets"]].set_axis(["office_code", "sheets"], axis=1)])
    out = side.groupby("office_code", as_index=False)["sheets"].sum().merge(fx.OFFICES, on="office_code")
    if prefecture:
        out = out[out["prefecture_code"] == prefecture]
    if kind:
        out = out[out["kind"] == kind]
    out = out.rename(columns={"sheets": "unlockable_sheets"})
    return out.sort_values(["unlockable_sheets", "office_code"], ascending=[False, True], ignore_index=True)


def test_series_months_from_first_registration_to_as_of(engine):
    fx.load(engine, as_of="2023-12-31")
    assert qf.series_months(engine) == (D(2023, 4, 1), D(2023, 12, 1))


def test_series_months_mid_month_as_of_stops_at_last_complete_month(engine):
    fx.load(engine, as_of="2024-01-20")
    assert qf.series_months(engine) == (D(2023, 4, 1), D(2023, 12, 1))


@pytest.mark.parametrize("prefecture", ["30", "13", None])
def test_monthly_registered_matches_pandas_oracle(engine, prefecture):
    fx.load(engine)
    got = qf.monthly_registered(engine, prefecture)
    months = [D(2023, m, 1) for m in range(4, 13)]
    pd.testing.assert_frame_equal(got, _oracle_monthly(prefecture, months), check_dtype=False)


def test_monthly_registered_hand_checked(engine):
    fx.load(engine)
    got = qf.monthly_registered(engine, "30").set_index(["month", "kind"])["registered"]
    # 05-31: office 02 registered that day counts; office 03 ended that day does not
    assert got[(D(2023, 5, 1), "kyotaku")] == 2
    # 08: 02 ended 07-31 and re-registers 09-01; 05 ended 08-15; 3099999999 is not in the master
    assert got[(D(2023, 8, 1), "kyotaku")] == 1
    assert got[(D(2023, 8, 1), "service")] == 1
    assert got[(D(2023, 9, 1), "kyotaku")] == 2
    assert got[(D(2023, 4, 1), "service")] == 0


def test_monthly_registered_counts_an_office_once_when_its_spans_overlap(engine):
    """Two registrations of 3010000002 that both cover 2023-05-31 count it once (a second span added by
    hand: 05-10 to 06-30); the oracle and the hand-checked count stay as they were."""
    from analytics.store import engine as store_engine
    from analytics.store import schema
    fx.load(engine)
    before = qf.monthly_registered(engine, "30")
    extra = pd.DataFrame({"office_code": ["3010000002"], "registered_on": [D(2023, 5, 10)],
                          "ended_on": [D(2023, 6, 30)], "prefecture_code": ["30"]})
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.registrations, extra)
    after = qf.monthly_registered(engine, "30")
    pd.testing.assert_frame_equal(after, before)
    assert after.set_index(["month", "kind"])["registered"][(D(2023, 5, 1), "kyotaku")] == 2
    by_pref = qf.monthly_registered(engine, by_prefecture=True)
    assert by_pref.set_index(["prefecture_code", "month", "kind"])["registered"][("30", D(2023, 5, 1), "kyotaku")] == 2


def test_master_size(engine):
    fx.load(engine)
    assert qf.master_size(engine, "30").set_index("kind")["offices"].to_dict() == {"kyotaku": 3, "service": 3}
    assert qf.master_size(engine).set_index("kind")["offices"].to_dict() == {"kyotaku": 4, "service": 4}


@pytest.mark.parametrize("prefecture,kind", [("30", None), ("30", "service"), ("30", "kyotaku"), (None, None)])
def test_target_ranking_matches_oracle(engine, prefecture, kind):
    fx.load(engine)
    got = qf.target_ranking(engine, prefecture, fx.M, kind)
    want = _oracle_targets(prefecture, kind)
    assert got["office_code"].tolist() == want["office_code"].tolist()
    assert got["unlockable_sheets"].tolist() == want["unlockable_sheets"].tolist()


def test_target_ranking_values(engine):
    fx.load(engine)
    got = qf.target_ranking(engine, "30", fx.M)
    # the target's own prefecture filters, not the sender's: 06 (和歌山) gets 7 + 2 from 東京
    assert list(zip(got["office_code"], got["unlockable_sheets"])) == [
        ("3010000006", 9), ("3010000003", 6), ("3010000005", 5)]


def test_channel_totals_and_unlocked(engine):
    fx.load(engine)
    assert qf.channel_totals(engine, "30", fx.M) == {"month": fx.M, "sheets": 36, "digital_sheets": 11}
    assert qf.channel_totals(engine, None, fx.M)["sheets"] == 38
    assert qf.unlocked_by_targets(engine, "30", ["3010000006"], fx.M) == 7
    assert qf.unlocked_by_targets(engine, None, ["3010000006"], fx.M) == 9
    # both sides joining unlocks the sheet between them as well
    assert qf.unlocked_by_targets(engine, "30", ["3010000006", "3010000003"], fx.M) == 16
    assert qf.unlocked_by_targets(engine, "30", [], fx.M) == 0


def test_monthly_registered_by_prefecture_matches_the_per_prefecture_series(engine):
    fx.load(engine)
    got = qf.monthly_registered(engine, by_prefecture=True)
    months = [D(2023, m, 1) for m in range(4, 13)]
    assert sorted(got["prefecture_code"].unique()) == ["13", "30"]
    for pref in ("13", "30"):
        one = got[got["prefecture_code"] == pref].drop(columns="prefecture_code").reset_index(drop=True)
        pd.testing.assert_frame_equal(one, _oracle_monthly(pref, months), check_dtype=False)
    sizes = qf.master_by_prefecture(engine)
    assert list(sizes.itertuples(index=False, name=None)) == [
        ("13", "kyotaku", 1), ("13", "service", 1), ("30", "kyotaku", 3), ("30", "service", 3)]
