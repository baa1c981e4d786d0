"""office_partners: SQL vs a pandas oracle on the same seeded fixture, DuckDB and PostgreSQL."""
import numpy as np
import pandas as pd

from analytics.store import office_partners as op

from .fixture_partners import M1, M2, OFFICE, PARTNERS
from .fixture_partners import load as _load


def _oracle(ex, regs, offices, month):
    first, last = op.month_bounds(month)
    m = ex[ex["month"] == month]
    sent = m[(m.sender_code == OFFICE) & (m.receiver_code != OFFICE)].assign(
        partner_code=lambda f: f.receiver_code, s=lambda f: f.sheets, r=0)
    recv = m[(m.receiver_code == OFFICE) & (m.sender_code != OFFICE)].assign(
        partner_code=lambda f: f.sender_code, s=0, r=lambda f: f.sheets)
    both = pd.concat([sent, recv])
    both["d"] = np.where(both.channel == "digital", both.sheets, 0)
    g = both.groupby("partner_code").agg(sheets_sent=("s", "sum"), sheets_received=("r", "sum"),
                                          digital_sheets=("d", "sum")).reset_index()
    g["sheets"] = g.sheets_sent + g.sheets_received
    active = regs[(regs.registered_on <= last) & (regs.ended_on.isna() | (regs.ended_on > first))]
    g["registered"] = g.partner_code.isin(active.office_code)
    g = g.merge(offices[["office_code", "name"]], left_on="partner_code", right_on="office_code", how="left")
    g = g.sort_values(["sheets", "partner_code"], ascending=[False, True])
    return g[["partner_code", "name", "sheets_sent", "sheets_received", "sheets", "digital_sheets",
              "registered"]].reset_index(drop=True)


def test_office_partners_matches_pandas_oracle(engine):
    ex, regs, offices = _load(engine)
    assert op.has_exchanges(engine)
    assert op.latest_month(engine, OFFICE) == M2
    got = op.office_partners(engine, OFFICE)
    want = _oracle(ex, regs, offices, M2)
    got["name"] = got["name"].where(got["name"].notna(), None)
    want["name"] = want["name"].where(want["name"].notna(), None)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)
    reg = dict(zip(got.partner_code, got.registered))
    assert reg.get(PARTNERS[0]) is True or reg.get(PARTNERS[0]) == True  # noqa: E712
    assert not reg.get(PARTNERS[2], False) and not reg.get(PARTNERS[4], False)
    assert reg.get(PARTNERS[1], True) and reg.get(PARTNERS[3], True)
    # July as well
    pd.testing.assert_frame_equal(op.office_partners(engine, OFFICE, M1).reset_index(drop=True)
                                  .assign(name=lambda f: f["name"].where(f["name"].notna(), None)),
                                  _oracle(ex, regs, offices, M1)
                                  .assign(name=lambda f: f["name"].where(f["name"].notna(), None)),
                                  check_dtype=False)


def test_profile_registration_and_picker(engine):
    ex, _, _ = _load(engine)
    assert op.office_profile(engine, OFFICE) == {"month": M2, "users": 60, "care_managers": 3}
    assert op.office_profile(engine, OFFICE, M1)["users"] == 80
    assert op.office_profile(engine, "9999999999") is None
    assert op.is_registered(engine, OFFICE, M2)
    assert not op.is_registered(engine, PARTNERS[4], M2)
    picker = op.busiest_offices(engine)
    want = ex[ex.month == M2].groupby("sender_code").sheets.sum().sort_values(ascending=False)
    assert picker.iloc[0]["office_code"] == want.index[0]
    assert dict(zip(picker.office_code, picker.sheets)) == {k: int(v) for k, v in want.items()}
    assert set(picker.prefecture_code) == {"30"}
    assert op.busiest_offices(engine, prefecture_code="13").empty
    assert op.busiest_offices(engine, office_code=OFFICE).office_code.tolist() == [OFFICE]


def test_empty_database(engine):
    assert not op.has_exchanges(engine)
    assert op.latest_month(engine) is None
    assert op.office_partners(engine, OFFICE).empty
    assert op.busiest_offices(engine).empty
