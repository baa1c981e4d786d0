"""``careplan report forecast --prefecture CODE [--target-rate X] [--free-pass] [--shogu] [--subsidy N
--subsidy-month YYYY-MM]``: the Bass fit per kind, the month the target adoption rate is reached (baseline,
and with the scenario when one is given, as on the 将来推計 page) and the six-month backtest error."""
from __future__ import annotations

import sys

from analytics.commands import arguments, output
from analytics.commands.output import emit
from analytics.domain import forecast as fc
from analytics.domain import formats
from analytics.errors import UserError
from analytics.services.forecast import COLUMNS, forecast_rows  # noqa: F401 - the report's rows
from analytics.store import engine as store_engine
from analytics.store import queries_forecast as qf


def run(args) -> int:
    code = arguments.prefecture(args.prefecture)
    if code is None:
        raise UserError("msg.prefecture_required")
    rate = arguments.number("target_rate", getattr(args, "target_rate", 0.5))
    subsidy = arguments.number("subsidy_offices", getattr(args, "subsidy", 0) or 0)
    subsidy_month = arguments.month(getattr(args, "subsidy_month", None), "--subsidy-month", check_range=False)
    if subsidy and subsidy_month is None:
        raise UserError("msg.subsidy_needs_month")
    scenario = fc.Scenario(free_pass=bool(getattr(args, "free_pass", False)),
                           shogu=bool(getattr(args, "shogu", False)),
                           subsidy_offices=subsidy, subsidy_month=subsidy_month if subsidy else None)
    engine = store_engine.get_engine(args.db)
    bounds = qf.series_months(engine)
    if bounds is None:
        raise UserError("msg.no_registrations")
    if subsidy:
        # a month in the history (or past the horizon) would add nothing while the output said "subsidy …"
        first = fc.add_months(bounds[1], 1)
        last = fc.add_months(bounds[1], int(fc.ASSUMPTION_VALUES["horizon_months"]))
        if not first <= subsidy_month <= last:
            data_end, lo, hi = (formats.iso_month(m) for m in (bounds[1], first, last))
            raise UserError("msg.subsidy_month_range", data_end=data_end, lo=lo, hi=hi)
    frame = forecast_rows(engine, code, rate, scenario=scenario)
    emit(frame, args.format)
    for ja, en in frame.attrs.get("notes", []):
        # stderr, so JSON/CSV on stdout stay machine-readable
        print(output.t("msg.note", text=(ja, en)), file=sys.stderr)
    return 0
