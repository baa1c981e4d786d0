"""``careplan report adoption`` (DESIGN §6): offices, registered and adoption rate by area or kind."""
from __future__ import annotations

import datetime as dt
import sys

import pandas as pd

from analytics.commands import access, arguments, output
from analytics.commands.output import emit
from analytics.services import adoption as services_adoption
from analytics.store import engine as store_engine


def parse_as_of(value: str | None, engine) -> dt.date:
    """--as-of by the one date rule (dates.allowed_range); the latest data's date when not given."""
    if not value:
        return services_adoption.default_as_of(engine)
    return arguments.date(value, "--as-of", "基準日")


def adoption_rows(engine, by: str, prefecture: str | None, as_of: dt.date, scope=None,
                  order: str = "code") -> pd.DataFrame:
    """The report's rows with exactly the contract's keys, for the signed-in scope."""
    return services_adoption.report_rows(engine, scope or access.current(), by, prefecture, as_of, order)


def extremes_note(rows: pd.DataFrame) -> str | None:
    """By municipality: the highest and lowest among the areas with enough offices, each with its n (the
    rule of ``services.adoption.rank_areas``), for stderr; None for other groupings."""
    ext, limit = rows.attrs.get("extremes"), rows.attrs.get("min_offices")
    if ext is None:
        return None
    from analytics.reports import summaries
    lang = output.lang()
    if ext["highest"] is None:
        return output.t("cli.muni.no_extremes", n=limit)
    return output.t("cli.muni.extremes", n=limit, ranked=ext["rankable"],
                    hi=summaries.area_with_rate(ext["highest"], lang), lo=summaries.area_with_rate(ext["lowest"], lang))


def run(args) -> int:
    engine = store_engine.get_engine(args.db)
    prefecture = arguments.prefecture(args.prefecture)
    as_of = parse_as_of(args.as_of, engine)
    rows = adoption_rows(engine, args.by, prefecture, as_of, order=getattr(args, "order", "code"))
    emit(rows, args.format)
    note = extremes_note(rows)
    if note:  # stderr, like the note below: JSON/CSV on stdout keep the contract's keys
        print(note, file=sys.stderr)
    missing = services_adoption.not_in_master(engine, as_of, prefecture)
    if len(missing):  # stderr, so JSON/CSV on stdout stay machine-readable
        key = "cli.not_in_master.one" if len(missing) == 1 else "cli.not_in_master.many"
        print(output.t(key, n=len(missing), date=as_of.isoformat()), file=sys.stderr)
    return 0
