"""One answer for "registered in month M" and "registered at D" from every query family, on DuckDB and
PostgreSQL, at the edges of a month: an office whose registration ends mid-month (A), one that starts on
the last day of a month (B), one that ends on the first day of a month (E), one always registered (C) and
one never registered (U). Each family is read with the pre-aggregates fresh and with them switched off."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.domain import codes
from analytics.store import (
    aggregates,
    definitions,
    office_partners,
    queries_adoption,
    queries_channels,
    queries_forecast,
    queries_targets,
    schema,
)

D = dt.date
APR, MAY, JUN = D(2025, 4, 1), D(2025, 5, 1), D(2025, 6, 1)


def _code(n: int) -> str:
    first9 = f"30100{n:04d}"
    return first9 + codes.office_check_digit(first9)


A, B, C, E, U = (_code(n) for n in (1, 2, 3, 4, 5))
NAMES = {A: "A", B: "B", C: "C", E: "E", U: "U"}
REGISTRATIONS = [  # office, registered_on, ended_on
    (A, D(2024, 1, 10), D(2025, 6, 15)),   # ends mid-June
    (B, D(2025, 5, 31), None),             # starts on May's last day
    (C, D(2024, 1, 1), None),
    (E, D(2024, 1, 1), D(2025, 6, 1)),     # ends on June's first day: registered on no day of June
]
EXCHANGES = [  # month, sender, receiver, channel, sheets
    (APR, B, C, "fax", 2), (APR, A, C, "fax", 1),
    (MAY, B, C, "fax", 3), (MAY, E, C, "fax", 1),
    (JUN, A, C, "fax", 4), (JUN, E, C, "fax", 5), (JUN, U, C, "post", 6), (JUN, C, A, "digital", 7),
    (JUN, B, C, "email", 8),
]
# the rule, by hand, for these rows
IN_MONTH = {APR: {A, C, E}, MAY: {A, B, C, E}, JUN: {A, B, C}}
AT = {D(2025, 5, 30): {A, C, E}, D(2025, 5, 31): {A, B, C, E}, D(2025, 6, 1): {A, B, C},
      D(2025, 6, 14): {A, B, C}, D(2025, 6, 15): {B, C}, D(2025, 6, 30): {B, C}, D(2025, 4, 30): {A, C, E}}


@pytest.fixture
def edges(engine):
    with engine.begin() as conn:
        conn.execute(schema.offices.insert(), [
            {"office_code": c, "name": NAMES[c], "prefecture_code": "30", "municipality_code": "302015",
             "municipality": "和歌山市", "kind": "kyotaku" if c in (A, B) else "service"} for c in NAMES])
        conn.execute(schema.registrations.insert(), [
            {"office_code": c, "registered_on": on, "ended_on": end, "prefecture_code": "30"}
            for c, on, end in REGISTRATIONS])
        conn.execute(schema.exchanges.insert(), [
            {"month": m, "sender_code": s, "receiver_code": r, "form": "plan", "channel": ch, "sheets": n}
            for m, s, r, ch, n in EXCHANGES])
        aggregates.refresh(conn)
    assert aggregates.usable(engine)
    return engine


@pytest.fixture(params=["pre-aggregates", "raw"])
def source(request, edges, monkeypatch):
    if request.param == "raw":
        monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    return edges


def test_the_python_forms_of_the_rules_give_the_table_above():
    for month, want in IN_MONTH.items():
        assert {c for c, on, end in REGISTRATIONS if definitions.is_registered_in_month(on, end, month)} == want
    for d, want in AT.items():
        assert {c for c, on, end in REGISTRATIONS if definitions.is_registered_at(on, end, d)} == want


@pytest.mark.parametrize("d", sorted(AT))
def test_adoption_at_a_date(source, d):
    nation = queries_adoption.adoption(source, d, by="nation")
    assert int(nation["registered"].iat[0]) == len(AT[d])
    listed = queries_adoption.office_list(source, "30", d)
    assert set(listed.loc[listed["registered"], "office_code"]) == AT[d]
    by_kind = queries_adoption.adoption(source, d, by="kind").set_index("kind")["registered"]
    assert int(by_kind.get("kyotaku", 0)) == len(AT[d] & {A, B})


def test_adoption_by_month_and_the_forecast_series(source):
    monthly = queries_adoption.adoption_monthly(source, APR, JUN).set_index("month")["registered"]
    assert {m: int(monthly[m]) for m in IN_MONTH} == {m: len(s) for m, s in IN_MONTH.items()}
    # the forecast counts offices registered at each month's end: the same answer as adoption at that date
    series = queries_forecast.monthly_registered(source, start=APR, end=JUN)
    per_month = series.groupby("month")["registered"].sum()
    for m in IN_MONTH:
        end = definitions.month_last_day(m)
        assert int(per_month[m]) == len(AT[end]) == int(queries_adoption.adoption(source, end, by="nation")["registered"].iat[0])


def _missed(month) -> int:
    reg = IN_MONTH[month]
    return sum(n for m, s, r, ch, n in EXCHANGES if m == month and ch != "digital" and s in reg and r in reg)


def _unlockable(month) -> dict[str, int]:
    reg, out = IN_MONTH[month], {}
    for m, s, r, ch, n in EXCHANGES:
        if m == month and ch != "digital" and (s in reg) != (r in reg):
            target = r if s in reg else s
            out[target] = out.get(target, 0) + n
    return out


def test_channels_missed_digital_and_unlockable(source):
    by_month = queries_channels.channel_summary(source, ("month",)).set_index("month")
    assert {m: int(by_month.loc[m, "missed_digital_sheets"]) for m in IN_MONTH} == {m: _missed(m) for m in IN_MONTH}
    assert _missed(JUN) == 12 and _unlockable(JUN) == {E: 5, U: 6}  # the edges do decide these rows
    pairs = queries_channels.missed_pairs(source, month_from=JUN, month_to=JUN)
    assert set(zip(pairs["sender_code"], pairs["missed_digital_sheets"])) == {(A, 4), (B, 8)}
    got = queries_channels.registered_pairs(source, list(IN_MONTH), list(NAMES))
    assert got == {(m, c) for m, s in IN_MONTH.items() for c in s}
    office = queries_channels.office_monthly(source, A).set_index(["month", "direction"])
    assert int(office.loc[(JUN, "sent"), "missed_digital_sheets"]) == 4


@pytest.mark.parametrize("month", list(IN_MONTH))
def test_office_partners_registered_flags(source, month):
    partners = office_partners.office_partners(source, C, month)
    assert dict(zip(partners["partner_code"], partners["registered"])) == {
        p: p in IN_MONTH[month] for p in {s for m, s, r, *_ in EXCHANGES if m == month and r == C}
        | {r for m, s, r, *_ in EXCHANGES if m == month and s == C}}
    for code in NAMES:
        assert office_partners.is_registered(source, code, month) == (code in IN_MONTH[month])
    view = queries_channels.office_partners(source, C, month=month)
    assert dict(zip(view["partner_code"], view["registered"])) == dict(zip(partners["partner_code"], partners["registered"]))


@pytest.mark.parametrize("month", list(IN_MONTH))
def test_targets(source, month):
    ranked = queries_targets.unlockable(source, month_to=month)
    assert dict(zip(ranked["office_code"], ranked["unlockable_sheets"])) == _unlockable(month)
    fallback = queries_forecast.target_ranking(source, "30", month)
    assert dict(zip(fallback["office_code"], fallback["unlockable_sheets"])) == _unlockable(month)
    # over April–June: B is a target in April only and registered in June, the window's last month: left out
    window = queries_targets.unlockable(source, month_to=JUN, window=3)
    assert set(window["office_code"]) == {E, U}


def test_pre_aggregates_equal_the_direct_query(edges, monkeypatch):
    def read():
        return (queries_channels.channel_summary(edges, ("month", "channel")),
                queries_channels.missed_pairs(edges), queries_channels.office_monthly(edges, C),
                queries_targets.unlockable(edges, month_to=JUN, window=3))
    fresh = read()
    monkeypatch.setenv("CAREPLAN_AGGREGATES", "0")
    for a, b in zip(fresh, read()):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_the_month_end_in_sql_is_the_python_one(engine):
    months = [D(2024, 2, 1), D(2025, 2, 1), D(2025, 4, 1), D(2025, 12, 1)]
    m = sa.values(sa.column("month", sa.Date), name="mm").data([(x,) for x in months])
    q = sa.select(m.c.month, definitions.month_last_day_sql(m.c.month).label("end"))
    with engine.connect() as conn:
        got = {pd.Timestamp(a).date(): pd.Timestamp(b).date() for a, b in conn.execute(q)}
    assert got == {x: definitions.month_last_day(x) for x in months}
    assert got[D(2024, 2, 1)] == D(2024, 2, 29)
