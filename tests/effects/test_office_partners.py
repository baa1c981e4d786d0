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


def test_own_office_found_when_it_only_receives_or_its_log_ends_earlier(engine):
    """The 効果試算 picker for an office user (busiest_offices with office_code) finds the office in its own
    latest month, counting sheets sent and received — as office_partners does — not only when it sent sheets
    in the data's latest month."""
    import datetime as dt

    from analytics.store import engine as store_engine
    from analytics.store import schema
    a, r, j, p = "3070100015", "3070200013", "3070100023", "3070200021"
    jul, aug = dt.date(2025, 7, 1), dt.date(2025, 8, 1)
    ex = pd.DataFrame([(aug, a, r, "plan", "fax", 12), (aug, a, r, "plan", "digital", 5),
                       (jul, j, p, "plan", "fax", 7), (jul, p, j, "actual", "fax", 4)],
                      columns=["month", "sender_code", "receiver_code", "form", "channel", "sheets"])
    with engine.begin() as conn:
        store_engine.bulk_insert(conn, schema.exchanges, ex.assign(batch_id=1))
    # r only receives: its partners (a, 17 sheets) exist, so it must be offered
    got = op.busiest_offices(engine, None, 1, None, r)
    assert got.office_code.tolist() == [r] and got.sheets.tolist() == [17]
    assert op.office_partners(engine, r).sheets.tolist() == [17]
    # j's log ends in July (the data's latest month is August): July, both directions
    got = op.busiest_offices(engine, None, 1, None, j)
    assert got.office_code.tolist() == [j] and got.sheets.tolist() == [11]
    # the all-office picker still lists senders of the data's latest month
    assert op.busiest_offices(engine).office_code.tolist() == [a]


def test_latest_month_of_an_office_same_through_the_pre_aggregate(engine, monkeypatch):
    """One office's latest month is read from exchanges_office_monthly while it is fresh: the same month as
    the raw table gives, for the fixture's office, its partners and an office with no exchanges."""
    from analytics.store import aggregates
    _load(engine)
    assert aggregates.ensure_fresh(engine) and aggregates.usable(engine)
    codes = [OFFICE, *PARTNERS, "3099999999"]
    through_aggregate = {c: op.latest_month(engine, c) for c in codes}
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    assert {c: op.latest_month(engine, c) for c in codes} == through_aggregate
    assert through_aggregate[OFFICE] == M2 and through_aggregate["3099999999"] is None
