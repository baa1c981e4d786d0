"""Channel, missed-digital, target and savings queries: hand values and a pandas oracle, DuckDB and PostgreSQL."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.domain.effects import vector_effect
from analytics.store import queries_channels as qc
from analytics.store import queries_savings as qs
from analytics.store import queries_targets as qt

from . import network as nw


@pytest.fixture
def net(engine, db_url):
    nw.load(db_url)
    return engine


def test_hand_values_by_prefecture_month(net):
    df = qc.channel_summary(net, ("prefecture_code", "month"))
    got = {(r.prefecture_code, r.month): (r.sheets, r.digital_sheets, r.missed_digital_sheets)
           for r in df.itertuples()}
    assert got == {("30", nw.JUL): (20, 4, 8), ("30", nw.AUG): (112, 20, 3), ("27", nw.AUG): (7, 0, 0)}
    aug30 = df[(df.prefecture_code == "30") & (df.month == nw.AUG)].iloc[0]
    assert aug30.digital_share == pytest.approx(20 / 112)


@pytest.mark.parametrize("group", [
    ["prefecture_code", "month"], ["month"], ["form"], ["prefecture_code", "month", "form"],
    ["municipality_code"], ["month", "channel"], [],
])
def test_summary_matches_oracle(net, group):
    got = qc.channel_summary(net, group)
    if not group:
        exp = nw.flagged()
        assert got.loc[0, "sheets"] == exp["sheets"].sum()
        assert got.loc[0, "digital_sheets"] == exp["digital"].sum()
        assert got.loc[0, "missed_digital_sheets"] == exp["missed"].sum()
        return
    exp = nw.oracle_summary(group)
    cols = group + ["sheets", "digital_sheets", "missed_digital_sheets", "digital_share"]
    got = got[cols].sort_values(group, na_position="last").reset_index(drop=True)
    exp = exp[cols].sort_values(group, na_position="last").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)


def test_summary_filters_prefecture_and_month(net):
    got = qc.channel_summary(net, ("form",), prefecture="30", month_from=nw.AUG, month_to=nw.AUG)
    assert dict(zip(got["form"], got["sheets"])) == {"plan": 77, "actual": 35}
    assert dict(zip(got["form"], got["digital_sheets"])) == {"plan": 10, "actual": 10}
    assert dict(zip(got["form"], got["missed_digital_sheets"])) == {"plan": 3, "actual": 0}


def test_missed_pairs(net):
    got = qc.missed_pairs(net)
    assert got[["sender_code", "receiver_code", "missed_digital_sheets"]].values.tolist() == [
        [nw.K1, nw.S2, 8], [nw.K2, nw.S1, 3]]
    assert got.loc[0, "receiver_name"] == "=デイサービスうめ"
    aug = qc.missed_pairs(net, month_from=nw.AUG, month_to=nw.AUG, prefecture="30")
    assert aug[["sender_code", "receiver_code", "missed_digital_sheets"]].values.tolist() == [[nw.K2, nw.S1, 3]]
    assert qc.missed_pairs(net, prefecture="27").empty
    # oracle: total of the pairs = total missed
    assert got["missed_digital_sheets"].sum() == nw.flagged()["missed"].sum()


def test_targets_known_order(net):
    got = qt.unlockable(net, prefecture="30")
    assert got[["rank", "office_code", "unlockable_sheets", "registered_partners"]].values.tolist() == [
        [1, nw.X, 24, 1], [2, nw.S3, 16, 2], [3, nw.S2, 16, 1], [4, nw.S4, 6, 1]]
    assert got.loc[1, "name"] == "通所介護みかん" and got.loc[1, "municipality"] == "海南市"
    assert pd.isna(got.loc[0, "name"])  # X is not in the master: still listed, area from its code
    assert got.loc[0, "prefecture_code"] == "30"
    # S5 is a target of prefecture 27
    assert qt.unlockable(net, prefecture="27")[["office_code", "unlockable_sheets"]].values.tolist() == [[nw.S5, 14]]


@pytest.mark.parametrize("month_to, window", [(nw.AUG, 1), (nw.AUG, 2), (nw.JUL, 1)])
def test_targets_match_oracle(net, month_to, window):
    got = qt.unlockable(net, prefecture="30", month_to=month_to, window=window)
    exp = nw.oracle_targets(month_to, window, prefecture="30")
    assert got["office_code"].tolist() == exp["office_code"].tolist()
    assert got["unlockable_sheets"].tolist() == pytest.approx(exp["unlockable_sheets"].tolist())
    assert got["registered_partners"].tolist() == exp["registered_partners"].tolist()


def test_targets_window_and_filters(net):
    # July alone: K2 (registered only from Aug 31) is a target there with 2 sheets to S1
    jul = qt.unlockable(net, prefecture="30", month_to=nw.JUL)
    assert jul[["office_code", "unlockable_sheets"]].values.tolist() == [[nw.K2, 2]]
    two = qt.unlockable(net, prefecture="30", window=2)
    assert two["unlockable_sheets"].tolist() == [12.0, 8.0, 8.0, 3.0]  # averaged per month, K2 gone
    assert two["months"].tolist() == [2] * 4
    kaina = qt.unlockable(net, prefecture="30", municipality="302023")
    assert kaina["office_code"].tolist() == [nw.S3]
    svc = qt.unlockable(net, prefecture="30", kind="service", top=2)
    assert svc["office_code"].tolist() == [nw.S3, nw.S2]


def test_savings_by_prefecture_uses_the_effect_model(net):
    got = qs.savings(net, "prefecture")
    exp = nw.oracle_summary(["prefecture_code"])
    exp = exp.set_index("prefecture_code")
    for row in got.itertuples():
        s, d = exp.loc[row.prefecture_code, "sheets"], exp.loc[row.prefecture_code, "digital_sheets"]
        real = vector_effect(pd.Series([float(s)]), pd.Series([float(d)]))
        pot = vector_effect(pd.Series([float(s)]), pd.Series([float(s)]))
        assert row.sheets == s and row.digital_sheets == d
        # unrounded: callers sum first and round once (DESIGN §4)
        assert row.realised_hours == pytest.approx(real["hours_saved"][0], abs=1e-6)
        assert row.realised_yen == pytest.approx(real["yen_saved"][0], abs=1e-6)
        assert row.potential_hours == pytest.approx(pot["hours_saved"][0], abs=1e-6)
        assert row.potential_yen == pytest.approx(pot["yen_saved"][0], abs=1e-6)
    p30 = got[got.prefecture_code == "30"].iloc[0]
    assert p30.prefecture == "和歌山県"
    # per-user model: 0.62 h paper, 0.20 h digital → 0.42 h per digital sheet
    assert p30.realised_hours == pytest.approx(24 * 0.42)      # 10.08, not 10.1
    assert p30.potential_hours == pytest.approx(132 * 0.42)    # 55.44, not 55.4
    assert got["prefecture_code"].tolist() == ["30", "27"]  # largest potential first


def test_savings_by_municipality_one_month(net):
    got = qs.savings(net, "municipality", prefecture="30", month_from=nw.AUG, month_to=nw.AUG)
    by = {r.municipality_code: (r.municipality, r.sheets, r.digital_sheets) for r in got.itertuples()}
    assert by["302015"] == ("和歌山市", 10 + 8 + 5 + 6 + 7 + 12 + 10 + 8, 20)
    assert by["302023"] == ("海南市", 6 + 3 + 5 + 20, 0)
    assert sum(v[1] for v in by.values()) == 112  # X (not in master) has no municipality: its own row
    assert None in by or any(pd.isna(k) for k in by)


def test_empty_database(engine):
    assert qc.channel_summary(engine, ("prefecture_code", "month")).empty
    assert qt.unlockable(engine, prefecture="30").empty
    assert qs.savings(engine).empty
    assert qc.missed_pairs(engine).empty


def test_office_monthly_and_partners(net):
    got = qc.office_monthly(net, nw.K1)
    aug_sent = got[(got.month == nw.AUG) & (got.direction == "sent")].iloc[0]
    assert (aug_sent.sheets, aug_sent.digital_sheets, aug_sent.missed_digital_sheets) == (48, 10, 0)
    aug_recv = got[(got.month == nw.AUG) & (got.direction == "received")].iloc[0]
    assert (aug_recv.sheets, aug_recv.digital_sheets) == (42, 10)
    jul_sent = got[(got.month == nw.JUL) & (got.direction == "sent")].iloc[0]
    assert (jul_sent.sheets, jul_sent.missed_digital_sheets) == (12, 8)
    partners = qc.office_partners(net, nw.K1)
    assert partners[["partner_code", "registered", "paper_sheets"]].values.tolist() == [
        [nw.X, False, 24], [nw.S2, False, 16], [nw.S5, False, 14], [nw.S3, False, 10], [nw.S4, False, 6],
        [nw.S1, True, 0]]


def test_office_partners_say_which_way_the_sheets_went(net):
    """Per partner, sheets K1 sent (plans) and sheets it received (actuals), from the database and from the
    same log read in memory (upload mode): a partner K1 only sends to (S4) has nothing received."""
    want = {  # August: partner → (sent by K1, received by K1, paper)
        nw.X: (12, 12, 24), nw.S2: (8, 8, 16), nw.S5: (7, 7, 14), nw.S3: (5, 5, 10), nw.S4: (6, 0, 6),
        nw.S1: (10, 10, 0)}
    db = qc.office_partners(net, nw.K1)
    registered = qc.registered_pairs(net, nw.EXCHANGES["month"].unique(),
                                     set(nw.EXCHANGES["sender_code"]) | set(nw.EXCHANGES["receiver_code"]))
    local = qc.local_office_partners(qc.local_flags(nw.EXCHANGES, registered), nw.K1)
    for got in (db, local):
        assert {r.partner_code: (r.sheets_sent, r.sheets_received, r.paper_sheets)
                for r in got.itertuples()} == want
        assert (got["sheets_sent"] + got["sheets_received"] == got["sheets"]).all()
        assert list(got.columns) == qc.PARTNER_COLUMNS
    # S4 received K1's plans and K3's: from S4's side both are received, nothing sent
    s4 = qc.office_partners(net, nw.S4).set_index("partner_code")
    assert s4.loc[nw.K1, ["sheets_sent", "sheets_received"]].tolist() == [0, 6]
    assert s4.loc[nw.K3, ["sheets_sent", "sheets_received"]].tolist() == [0, 20]
