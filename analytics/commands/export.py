"""`careplan export pptx|pdf|xlsx --out FILE [--prefecture CODE] [--since DATE]`: the presentation pack
(DESIGN §6); --since: the date a prefecture's 前回比 page compares with (default: a year before the data's)."""
from __future__ import annotations

import os
import pathlib
import sys

from sqlalchemy.exc import OperationalError

from analytics import i18n
from analytics.commands import arguments
from analytics.commands.output import t
from analytics.errors import UserError


def _not_writable(out: pathlib.Path, reason: str | tuple[str, str]) -> UserError:
    """``reason``: a (ja, en) pair (``i18n.both``) or the system's own words (``strerror``)."""
    return UserError("msg.export_not_writable", out=out, reason=reason)


def _check_out(out: pathlib.Path, what: str) -> pathlib.Path:
    """--out must name a file that can be written, in a folder that exists; checked before the pack is
    built (which takes seconds), so a mistyped path is said at once."""
    if out.is_dir():
        raise UserError("msg.export_out_is_folder", out=out, example=out / ("pack." + what))
    folder = out.parent
    if not folder.exists():
        raise UserError("msg.export_no_folder", folder=folder)
    if not folder.is_dir():
        raise UserError("msg.export_not_a_folder", folder=folder)
    if out.exists() and not os.access(out, os.W_OK):
        raise _not_writable(out, i18n.both("msg.export_read_only"))
    if not out.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise _not_writable(out, i18n.both("msg.export_folder_not_writable"))
    return out


def run(args) -> int:
    from analytics.reports import pack as pack_mod
    from analytics.store import engine as store_engine

    prefecture = arguments.prefecture(getattr(args, "prefecture", None))
    since = arguments.date(getattr(args, "since", None), "--since", "比較日")
    out = _check_out(pathlib.Path(args.out), args.what)
    try:
        engine = store_engine.get_engine(store_engine.resolve_url(getattr(args, "db", None)))
        from analytics.commands import access
        scope = access.current()   # signed-in scope (admin without users); viewers get small counts hidden
        if since is not None and since >= pack_mod.default_as_of(engine):
            raise UserError("msg.since_not_before", since=since.isoformat(),
                            as_of=pack_mod.default_as_of(engine).isoformat())
        pack = pack_mod.build_pack(engine, prefecture, lang=getattr(args, "lang", None) or "ja", scope=scope,
                                   since=since)
    except (UserError, store_engine.UnusableDatabase, OperationalError):
        raise  # the latter two: cli.main names the database and what to fix (server down, privileges)
    except Exception as exc:
        raise UserError("msg.export_cannot_read_db", detail=f"{type(exc).__name__}: {exc}") from None
    what = args.what
    if what == "xlsx":
        from analytics.reports.xlsx_export import to_xlsx_bytes
        data = to_xlsx_bytes(pack)
    else:
        from analytics.reports import pdf_export, pptx_export
        render = pptx_export.slide_pngs if what == "pptx" else pdf_export.chart_pdfs
        try:
            charts = render(pack)
        except Exception as exc:
            raise UserError("msg.export_render_failed", detail=exc) from None
        data = pptx_export.to_pptx_bytes(pack, charts) if what == "pptx" else pdf_export.to_pdf_bytes(pack, charts)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise _not_writable(out, exc.strerror or type(exc).__name__) from None
    print(t("msg.export_wrote", out=out, size=len(data), title=pack.title), file=sys.stderr)
    return 0
