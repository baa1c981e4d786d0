"""The rules of DESIGN §3, written once: every query and pre-aggregate composes these expressions.

No other module compares ``registered_on`` / ``ended_on`` or writes the channel rule
(tests/store/test_definitions.py reads analytics/ and fails when one does). Each rule's first docstring
paragraph is the English text of the same rule in ``analytics.domain.kpis.RULES``, which the
「データの定義」 page prints; a test keeps them word for word the same.

The SQL forms are SQLAlchemy Core (DuckDB and PostgreSQL alike). The few in-memory forms (an uploaded log
that is never stored, the demo generator, a row check of an import) sit beside their SQL form and are
tested against it.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analytics.store import schema

O, R, X = schema.offices, schema.registrations, schema.exchanges

DIGITAL = "digital"  # the channel value of ケアプランデータ連携 (codes.CHANNELS)


# ---------------------------------------------------------------- months

def month_last_day(month: dt.date) -> dt.date:
    """The last day of the month of ``month``."""
    nxt = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def month_last_day_sql(month_col):
    """The last day of a first-of-month date column, in SQL (DuckDB and PostgreSQL)."""
    return sa.cast(month_col + sa.literal_column("INTERVAL '1 month'", type_=sa.Interval)
                   - sa.literal_column("INTERVAL '1 day'", type_=sa.Interval), sa.Date)


def months_with_ends(months) -> sa.Values:
    """A VALUES table (month, month_end) of first-of-month dates and their last days."""
    return sa.values(sa.column("month", sa.Date), sa.column("month_end", sa.Date), name="m").data(
        [(m, month_last_day(m)) for m in months])


# ---------------------------------------------------------------- registration

def registered_at(d, reg=R):
    """Registered at date D: start date ≤ D and (no end date or end date > D).

    In SQL: registered_on ≤ D and (ended_on is null or ended_on > D). ``d``: a date or a date column; ``reg``: the registrations table or an alias/subquery of it."""
    return sa.and_(reg.c.registered_on <= d, sa.or_(reg.c.ended_on.is_(None), reg.c.ended_on > d))


def registered_in_month(first, last, reg=R):
    """Registered in a month: registered on some day of the month (start date ≤ the month's last day and (no end date or end date > its first day)).

    In SQL: registered_on ≤ last and (ended_on is null or ended_on > first); ``first`` / ``last``: M's first and last day, dates or date columns (``month_last_day``,
    ``month_last_day_sql``, ``months_with_ends``)."""
    return sa.and_(reg.c.registered_on <= last, sa.or_(reg.c.ended_on.is_(None), reg.c.ended_on > first))


def registered_offices_in_month(month: dt.date):
    """SELECT of the distinct office codes registered in the month of ``month``."""
    first = month.replace(day=1)
    return sa.select(R.c.office_code).where(registered_in_month(first, month_last_day(first))).distinct()


def registered_months(months, name: str = "regm"):
    """CTE (month, office_code) of every office registered in each month of ``months`` (a selectable with a
    first-of-month ``month`` column); distinct because an office may have several (overlapping) rows."""
    q = (sa.select(months.c.month, R.c.office_code).distinct()
         .select_from(months.join(R, registered_in_month(months.c.month, month_last_day_sql(months.c.month)))))
    return q.cte(name)


def from_snapshot(reg=R):
    """Snapshot registration: in a list without start dates (the offices using the system on a date), the
    start date is the date of the first list naming the office (registered on or before it) and the end
    date that of the first later list of its prefecture not naming it; dates of dated lists win.

    In SQL: registered_from_snapshot is true (the rows are derived by analytics.ingest.snapshots.reconcile)."""
    return reg.c.registered_from_snapshot.is_(True)


def snapshot_registrations(coverage: pd.DataFrame, members: pd.DataFrame,
                           dated: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``from_snapshot`` in pandas: the registrations the snapshots say, and the dated ones they end.

    coverage: prefecture_code, S (the snapshot dates of each prefecture); members: office_code, S,
    prefecture_code, batch_id (who each snapshot lists); dated: office_code, registered_on, ended_on,
    prefecture_code (the registrations with a 利用開始日). Returns (runs: office_code, registered_on, ended_on,
    prefecture_code, batch_id; ends: the dated rows that end, with their new ended_on)."""
    dated = dated.copy()
    present = members[["office_code", "S"]].assign(present=True)
    # a dated registration current at a later snapshot of its prefecture that does not list it ends then
    ends = dated.reset_index().merge(coverage, on="prefecture_code")
    ends = ends[registered_at_mask(ends["registered_on"], ends["ended_on"], ends["S"])
                & (ends["registered_on"] < ends["S"])]
    ends = ends.merge(present, on=["office_code", "S"], how="left")
    ends = ends[ends["present"].isna()].groupby("index")["S"].min()
    changed = dated.loc[ends.index].assign(ended_on=ends)
    dated.loc[ends.index, "ended_on"] = ends
    # runs of snapshot dates listing an office that no dated registration explains (is current at)
    offices = members[["office_code", "prefecture_code"]].drop_duplicates("office_code", keep="last")
    grid = offices.merge(coverage, on="prefecture_code").merge(
        members[["office_code", "S", "batch_id"]].assign(present=True), on=["office_code", "S"], how="left")
    grid["present"] = grid["present"].fillna(False).astype(bool)
    on_dates = grid[["office_code", "S"]].reset_index().merge(dated[["office_code", "registered_on", "ended_on"]],
                                                              on="office_code")
    explained = on_dates[registered_at_mask(on_dates["registered_on"], on_dates["ended_on"], on_dates["S"])]["index"]
    grid["open"] = grid["present"] & ~grid.index.isin(explained.unique())
    grid = grid.sort_values(["office_code", "S"], kind="stable").reset_index(drop=True)
    grid["run"] = (grid["open"] != grid.groupby("office_code")["open"].shift()).cumsum()
    grid["next_S"] = grid.groupby("office_code")["S"].shift(-1)
    runs = (grid[grid["open"]].groupby("run")
            .agg(office_code=("office_code", "first"), registered_on=("S", "min"),
                 ended_on=("next_S", lambda s: s.iloc[-1]), prefecture_code=("prefecture_code", "first"),
                 batch_id=("batch_id", "first")).reset_index(drop=True))
    # a dated registration starting inside a run ends the run there
    later = runs.reset_index().merge(dated[["office_code", "registered_on"]].rename(columns={"registered_on": "d"}),
                                     on="office_code")
    later = later[later["d"] > later["registered_on"]].groupby("index")["d"].min()
    runs.loc[later.index, "ended_on"] = pd.concat([runs.loc[later.index, "ended_on"], later], axis=1).min(axis=1)
    return runs, changed


def dated_rows(rows: pd.DataFrame) -> pd.Series:
    """The rows of a registration list that carry a 利用開始日 (a snapshot's rows may not)."""
    return rows["registered_on"].notna()


def is_registered_at(registered_on, ended_on, d: dt.date) -> bool:
    """``registered_at`` for one registration row held in Python (dates; ended_on None/NaT when open)."""
    end = None if ended_on is None or pd.isna(ended_on) else pd.Timestamp(ended_on).date()
    return pd.Timestamp(registered_on).date() <= d and (end is None or end > d)


def registered_at_mask(registered_on: pd.Series, ended_on: pd.Series, d) -> pd.Series:
    """``registered_at`` vectorised over pandas Series (ended_on NaT when open; ``d`` a date or a Series)."""
    reg, end, day = pd.to_datetime(registered_on), pd.to_datetime(ended_on), pd.to_datetime(d)
    return (reg <= day) & (end.isna() | (end > day))


def is_registered_in_month(registered_on, ended_on, month: dt.date) -> bool:
    """``registered_in_month`` for one registration row held in Python."""
    first = month.replace(day=1)
    end = None if ended_on is None or pd.isna(ended_on) else pd.Timestamp(ended_on).date()
    return pd.Timestamp(registered_on).date() <= month_last_day(first) and (end is None or end > first)


def registered_in_months_matrix(registered_on: np.ndarray, ended_on: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``registered_in_month`` vectorised: rows × months booleans (datetime64 arrays, NaT = open end)."""
    reg = registered_on.astype("datetime64[D]")
    end = ended_on.astype("datetime64[D]")
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    last = (months.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return (reg[:, None] <= last[None, :]) & (np.isnat(end)[:, None] | (end[:, None] > first[None, :]))


def ends_before_start(registered_on: pd.Series, ended_on: pd.Series) -> pd.Series:
    """The import's row check: a registration whose ended_on is before its registered_on (a same-day end
    is allowed: such a row is registered on no day)."""
    return pd.to_datetime(ended_on) < pd.to_datetime(registered_on)


# ---------------------------------------------------------------- offices

def kind_at(d, off=O):
    """Office kind at date D: 居宅介護支援 (43/430, 46) if one of its services open at D is one, else service office; a service gone from a dated master (complete for its prefecture and service type) counts no more from that date, and counts again once a later one lists it.

    In SQL: ``offices.kind`` (the kind of every service the master ever listed, ``kind_from_services``) made
    'service' where all of the office's 居宅介護支援 services are closed at D (``kind_lapses``: rows of
    ``service_closures``, derived by ``analytics.ingest.master_snapshots.reconcile``). ``off``: ``offices``
    or an alias; ``d`` a date. A master imported without a date closes no service: the kind is then the
    stored one on every day. In pandas: ``kind_at_frame``."""
    return _lapsed_kind(off, off.c.office_code.in_(kind_lapses(d, d)))


def kind_in_month(first, last, off=O):
    """``kind_at`` for a month (as ``office_open_in_month`` is ``office_open_at`` for one): 居宅介護支援 when
    one of its 居宅介護支援 services is open on some day of the month, i.e. not all of them closed through
    it; ``first`` / ``last`` the month's first and last day (dates)."""
    return _lapsed_kind(off, off.c.office_code.in_(kind_lapses(first, last)))


def of_kind(kind: str, kind_col):
    """The offices of ``kind`` ('kyotaku' | 'service'), given the office's kind column or expression at the
    date or month at hand (``kind_at``, ``kind_in_month``, ``kind_of``; the ``kind`` column of
    ``offices_at``)."""
    return kind_col == kind


def kind_lapses(first, last, dates=None):
    """SELECT of the office codes whose every 居宅介護支援 service is closed from ``first`` through ``last``
    (``closed_through_month`` of ``service_closures``; first = last = D: closed at D). ``dates``: a
    selectable whose columns ``first`` / ``last`` are; the SELECT then also has ``first`` as its column
    ``d``, one row per (date, office), to join (``kind_of``)."""
    from analytics.domain.codes import KYOTAKU_SERVICE_CODES
    sc, s = schema.service_closures, schema.office_services
    kyotaku = sorted(KYOTAKU_SERVICE_CODES)
    counts = (sa.select(s.c.office_code, sa.func.count().label("n")).where(s.c.service_code.in_(kyotaku))
              .group_by(s.c.office_code).subquery("kyotaku_services"))
    closed = sa.func.count(sa.distinct(sc.c.service_code))
    keys = [first.label("d")] if dates is not None else []
    q = (sa.select(*keys, sc.c.office_code)
         .select_from((dates.join(sc, sa.true()) if dates is not None else sc)
                      .join(counts, counts.c.office_code == sc.c.office_code))
         .where(sc.c.service_code.in_(kyotaku), closed_through_month(first, last, sc))
         .group_by(*keys, sc.c.office_code).having(closed == sa.func.max(counts.c.n)))
    return q


def kind_of(lapses, off=O):
    """The kind of an office of ``off`` outer-joined against an alias of ``kind_lapses(…, dates)`` on its
    date and office code: 'service' where the lapse matched, else ``offices.kind``."""
    return _lapsed_kind(off, lapses.c.office_code.is_not(None))


def _lapsed_kind(off, lapsed):
    return sa.case((sa.and_(off.c.kind == "kyotaku", lapsed), "service"), else_=off.c.kind)


def offices_at(d):
    """SELECT of the master at D: the offices open at D (``office_open_at``) with their kind at D
    (``kind_at``) as column ``kind``, and the other columns of ``offices``; to be used as a subquery in
    place of ``offices``."""
    cols = [c if c.name != "kind" else kind_at(d).label("kind") for c in O.c]
    return sa.select(*cols).where(office_open_at(d))


def kind_at_frame(services: pd.DataFrame, closures: pd.DataFrame, d) -> pd.Series:
    """``kind_at`` in pandas, from the services themselves: services: office_code, service_code (every
    service the master listed); closures: office_code, service_code, closed_on, reopened_on (NaT: still
    closed; ``service_closures_from_snapshots``). Returns the kind at ``d`` per office_code."""
    from analytics.domain.codes import office_kind
    day = pd.Timestamp(d)
    c = closures.assign(closed_on=pd.to_datetime(closures["closed_on"]),
                        reopened_on=pd.to_datetime(closures["reopened_on"]))
    shut = c[(c["closed_on"] <= day) & (c["reopened_on"].isna() | (c["reopened_on"] > day))]
    shut = set(zip(shut["office_code"], shut["service_code"]))
    open_ = services[[(o, s) not in shut for o, s in zip(services["office_code"], services["service_code"])]]
    kinds = open_.groupby("office_code")["service_code"].agg(office_kind)
    return kinds.reindex(sorted(set(services["office_code"])), fill_value="service").rename("kind")


def kind_from_services(office_code_col, services=None):
    """``offices.kind`` in SQL from ``office_services``: 'kyotaku' when any service code is 居宅介護支援 /
    介護予防支援 (``analytics.domain.codes.KYOTAKU_SERVICE_CODES``), else 'service'. The kind of every
    service ever listed: ``kind_at`` takes off the services a dated master closed."""
    from analytics.domain.codes import KYOTAKU_SERVICE_CODES
    s = schema.office_services if services is None else services
    kyotaku = sa.exists().where(s.c.office_code == office_code_col,
                                s.c.service_code.in_(sorted(KYOTAKU_SERVICE_CODES)))
    return sa.case((kyotaku, "kyotaku"), else_="service")


def office_open_at(d, code_col=None):
    """Open at date D: the office is in the master and not closed at D: closed from the first dated master (complete for its prefecture and service types) on or before D that lists none of its services, until a later one lists it again; an office of a master imported without a date is open on every day.

    In SQL: no ``office_closures`` row of the 事業所番号 ``code_col`` (default ``offices.office_code``) with
    closed_on ≤ D and (reopened_on is null or reopened_on > D); ``d`` a date or a date column. The rows are
    derived by ``analytics.ingest.master_snapshots.reconcile`` (``office_closures_from_snapshots``)."""
    C = schema.office_closures
    code_col = O.c.office_code if code_col is None else code_col
    return ~sa.exists().where(C.c.office_code == code_col, closed_through_month(d, d, C))


def office_open_in_month(first, last, code_col=None):
    """Open in a month: open on some day of it (the month's denominator, as ``registered_in_month`` is its
    numerator): no closure covering the whole month (``closed_through_month``)."""
    C = schema.office_closures
    code_col = O.c.office_code if code_col is None else code_col
    return ~sa.exists().where(C.c.office_code == code_col, closed_through_month(first, last))


def closed_through_month(first, last, closures=None):
    """The closure rows (``office_closures``, ``service_closures`` or an alias) covering a whole month:
    closed_on ≤ its first day and (reopened_on null or reopened_on > its last day); first = last = D: the
    rows closed at D. A month's count of open offices is the master's count less the offices of these rows
    (closures are few: no month × office grid is needed)."""
    c = schema.office_closures if closures is None else closures
    return sa.and_(c.c.closed_on <= first, sa.or_(c.c.reopened_on.is_(None), c.c.reopened_on > last))


ANY_SERVICE = "*"  # master_snapshots / master_snapshot_services: a list without a service column

_CLOSURE_COLUMNS = ["office_code", "closed_on", "reopened_on"]


def _service_states(coverage: pd.DataFrame, members: pd.DataFrame, offices: pd.DataFrame,
                    services: pd.DataFrame) -> pd.DataFrame:
    """office_code, service_code, S, state (open) on every snapshot date, by the rule of
    ``office_closures_from_snapshots``."""
    dates_ = pd.DataFrame({"S": sorted(pd.to_datetime(coverage["S"]).unique())})
    pairs = offices[["office_code", "prefecture_code"]].merge(services[["office_code", "service_code"]],
                                                            on="office_code", how="left")
    pairs["service_code"] = pairs["service_code"].fillna(ANY_SERVICE)
    grid = pairs.merge(dates_, how="cross")
    cov = coverage.assign(S=pd.to_datetime(coverage["S"]))
    mem = members.assign(S=pd.to_datetime(members["S"]))

    def flag(frame, keys, table, name):
        hit = table[keys].drop_duplicates().assign(**{name: True})
        return frame.merge(hit, on=keys, how="left")[name].fillna(False).astype(bool).to_numpy()

    whole = grid["service_code"] == ANY_SERVICE
    covered = (flag(grid, ["S", "prefecture_code", "service_code"], cov, "c")
               | flag(grid.assign(service_code=ANY_SERVICE), ["S", "prefecture_code", "service_code"], cov, "c")
               | (whole.to_numpy() & flag(grid, ["S", "prefecture_code"], cov, "c")))
    present = (flag(grid, ["S", "office_code", "service_code"], mem, "p")
               | flag(grid.assign(service_code=ANY_SERVICE), ["S", "office_code", "service_code"], mem, "p")
               | (whole.to_numpy() & flag(grid, ["S", "office_code"], mem, "p")))
    grid["state"] = pd.Series(present, index=grid.index).where(covered)
    grid = grid.sort_values(["office_code", "service_code", "S"], kind="stable")
    grid["state"] = grid.groupby(["office_code", "service_code"])["state"].ffill()
    grid["state"] = grid["state"].fillna(True).astype(bool)
    return grid[["office_code", "service_code", "S", "state"]]


def _closed_runs(states: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The runs of snapshot dates where ``state`` is false, per ``keys``: keys, closed_on, reopened_on."""
    states = states.sort_values(keys + ["S"], kind="stable")
    states = states.assign(run=(states["state"] != states.groupby(keys)["state"].shift()).cumsum(),
                           next_S=states.groupby(keys)["S"].shift(-1))
    closed = states[~states["state"]]
    cols = keys + ["closed_on", "reopened_on"]
    if closed.empty:
        return pd.DataFrame(columns=cols)
    agg = {k: (k, "first") for k in keys}
    runs = closed.groupby("run").agg(**agg, closed_on=("S", "min"), reopened_on=("next_S", lambda s: s.iloc[-1]))
    return runs.reset_index(drop=True)[cols].sort_values(keys + ["closed_on"], ignore_index=True)


def office_closures_from_snapshots(coverage: pd.DataFrame, members: pd.DataFrame, offices: pd.DataFrame,
                                   services: pd.DataFrame) -> pd.DataFrame:
    """``office_open_at`` in pandas: the closures the master snapshots say.

    coverage: S, prefecture_code, service_code (what each dated master covers; '*' every service);
    members: S, office_code, service_code (what it lists); offices: office_code, prefecture_code (the
    master's); services: office_code, service_code (every service the master ever listed). A service of an
    office is open until a snapshot covering its prefecture and service does not list it, and open again
    at one that does; a snapshot not covering it keeps its state (before the first: open). The office is
    closed on the dates where none of its services is open. Returns office_code, closed_on, reopened_on
    (NaT: still closed)."""
    if coverage.empty:
        return pd.DataFrame(columns=_CLOSURE_COLUMNS)
    states = _service_states(coverage, members, offices, services)
    office = states.groupby(["office_code", "S"], as_index=False)["state"].any()
    return _closed_runs(office, ["office_code"])


def service_closures_from_snapshots(coverage: pd.DataFrame, members: pd.DataFrame, offices: pd.DataFrame,
                                    services: pd.DataFrame) -> pd.DataFrame:
    """The closures of each service of an office, by the rule of ``office_closures_from_snapshots`` (same
    inputs): office_code, service_code ('*' for an office listed without services), closed_on, reopened_on
    (NaT: still closed). An office is closed exactly where all its services are (``kind_at`` reads these)."""
    if coverage.empty:
        return pd.DataFrame(columns=["office_code", "service_code", "closed_on", "reopened_on"])
    return _closed_runs(_service_states(coverage, members, offices, services), ["office_code", "service_code"])


def in_master(code_col):
    """In the master: the office number is in the office master; registrations of other numbers are counted and listed separately, never in a rate.

    In SQL: a row of ``offices`` has the 事業所番号 ``code_col``."""
    return sa.exists().where(O.c.office_code == code_col)


def in_master_at(code_col, d):
    """In the master at D: the office number is in the office master and the office is open at D; a registration of another number, or of an office the master closed by D (gone from a dated master), is counted and listed separately with its closing date, never in a rate.

    In SQL: ``in_master`` and ``office_open_at`` of the 事業所番号 ``code_col`` at ``d``."""
    return sa.and_(in_master(code_col), office_open_at(d, code_col))


def closed_on_at(code_col, d):
    """The date the master closed the office ``code_col`` (the closure in force at ``d``), else null."""
    C = schema.office_closures
    return (sa.select(sa.func.max(C.c.closed_on))
            .where(C.c.office_code == code_col, C.c.closed_on <= d,
                   sa.or_(C.c.reopened_on.is_(None), C.c.reopened_on > d)).scalar_subquery())


# ---------------------------------------------------------------- channels

def is_digital(channel_col):
    """Digital: a sheet shared through the care plan data exchange system (fax, post, hand and e-mail are not).

    In SQL: channel = 'digital' (データ連携)."""
    return channel_col == DIGITAL


def digital_sheets(channel_col, sheets_col):
    """The sheets of a row that went digitally (0 otherwise): to be summed."""
    return sa.case((is_digital(channel_col), sheets_col), else_=0)


def missed_digital(channel_col, sender_registered, receiver_registered):
    """Missed digital (二重管理): sheets sent by a non-digital channel although sender and receiver were both registered that month.

    ``sender_registered`` / ``receiver_registered``: the 0/1 flags of ``flag``."""
    return sa.and_(sa.not_(is_digital(channel_col)), sender_registered == 1, receiver_registered == 1)


def unlockable(channel_col, sender_registered, receiver_registered):
    """Unlockable: non-digital sheets where exactly one side is registered that month; the unregistered side is the target.

    Flags as for ``missed_digital``; ``unregistered_side`` names the target."""
    return sa.and_(sa.not_(is_digital(channel_col)), (sender_registered + receiver_registered) == 1)


def unregistered_side(fx):
    """(target, partner) of an unlockable row of a flagged selectable: the unregistered side and the other."""
    target = sa.case((fx.c.sender_registered == 0, fx.c.sender_code), else_=fx.c.receiver_code)
    partner = sa.case((fx.c.sender_registered == 0, fx.c.receiver_code), else_=fx.c.sender_code)
    return target, partner


def digital_share(digital, sheets):
    """Digital share: digital sheets / all sheets (undefined where there are no sheets).

    ``digital`` / ``sheets``: SQL expressions (summed), or pandas Series for the share of a small result."""
    if isinstance(sheets, pd.Series):
        return (digital / sheets.where(sheets > 0)).astype(float)
    return rate(digital, sheets)


def rate(num, den):
    """num / den as a fraction in SQL, NULL where den is 0."""
    return sa.case((den > 0, sa.cast(num, sa.Double) / den), else_=None)


def flag(regm_alias):
    """0/1: the office of an outer join against ``registered_months`` was registered that month."""
    return sa.case((regm_alias.c.office_code.is_(None), 0), else_=1)


def sender_prefecture(off=O, col=X.c.sender_code):
    """A sheet's area is its sender's: offices.prefecture_code, else the 事業所番号's digits 1–2."""
    return sa.func.coalesce(off.c.prefecture_code, sa.func.substr(col, 1, 2))


def flagged_exchanges(where=(), regm=None):
    """exchanges rows matching ``where`` with the sender's area and the registration flags of both sides
    that month: month, prefecture_code, municipality_code, form, channel, sender_registered,
    receiver_registered, sheets, sender_code, receiver_code. ``regm``: the (month, office_code) registered
    set to join (default: ``registered_months`` of the months of those rows; PostgreSQL's rebuild passes
    the set staged as a table)."""
    e = X
    if regm is None:
        regm = registered_months(sa.select(e.c.month).distinct().where(*where).cte("m"))
    rs, rr = regm.alias("rs"), regm.alias("rr")
    so = O.alias("so")
    source = (e.outerjoin(rs, sa.and_(rs.c.month == e.c.month, rs.c.office_code == e.c.sender_code))
              .outerjoin(rr, sa.and_(rr.c.month == e.c.month, rr.c.office_code == e.c.receiver_code))
              .outerjoin(so, so.c.office_code == e.c.sender_code))
    return (sa.select(e.c.month, sender_prefecture(so).label("prefecture_code"),
                      so.c.municipality_code.label("municipality_code"), e.c.form, e.c.channel,
                      flag(rs).label("sender_registered"), flag(rr).label("receiver_registered"), e.c.sheets,
                      e.c.sender_code, e.c.receiver_code)
            .select_from(source).where(*where))


# ---------------------------------------------------------------- the same rules on a small in-memory frame

def digital_sheets_frame(frame: pd.DataFrame) -> pd.Series:
    """``digital_sheets`` on a frame with channel and sheets columns."""
    return frame["sheets"].where(frame["channel"] == DIGITAL, 0)


def missed_digital_sheets_frame(frame: pd.DataFrame) -> pd.Series:
    """``missed_digital`` on a flagged frame: the row's sheets where the rule holds, else 0."""
    both = (frame["sender_registered"] == 1) & (frame["receiver_registered"] == 1)
    return frame["sheets"].where((frame["channel"] != DIGITAL) & both, 0)
