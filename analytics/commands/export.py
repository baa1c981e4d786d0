"""`careplan export pptx|pdf|xlsx --out FILE [--prefecture CODE]`: the presentation pack (DESIGN §6)."""
from __future__ import annotations

import pathlib
import sys

from analytics.cli import UserError
from analytics.commands import arguments


def run(args) -> int:
    from analytics.reports import pack as pack_mod
    from analytics.store import engine as store_engine

    prefecture = arguments.prefecture(getattr(args, "prefecture", None))
    out = pathlib.Path(args.out)
    if out.parent and not out.parent.exists():
        raise UserError(f"出力先のフォルダ {out.parent} がありません。既存のフォルダを指定してください / "
                        f"the folder {out.parent} does not exist; give an existing folder for --out")
    try:
        engine = store_engine.get_engine(store_engine.resolve_url(getattr(args, "db", None)))
        from analytics.commands import access
        scope = access.current()   # signed-in scope (admin without users); viewers get small counts hidden
        suppress = scope.suppress_below if scope.suppresses_small_counts() else None
        pack = pack_mod.build_pack(engine, prefecture, lang=getattr(args, "lang", None) or "ja",
                                   suppress_below=suppress)
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"データベースを読めません。--db を確認するか `careplan demo` でデータを作成してください / "
                        f"cannot read the database; check --db or build data with `careplan demo` "
                        f"({type(exc).__name__}: {exc})") from None
    what = args.what
    if what == "xlsx":
        from analytics.reports.xlsx_export import to_xlsx_bytes
        data = to_xlsx_bytes(pack)
    else:
        from analytics.reports.png_export import pack_pngs
        try:
            pngs = pack_pngs(pack)
        except Exception as exc:
            raise UserError("図の画像化に失敗しました。chromium と fonts-noto-cjk を入れてください / "
                            f"rendering charts failed; install chromium and fonts-noto-cjk ({exc})") from None
        if what == "pptx":
            from analytics.reports.pptx_export import to_pptx_bytes
            data = to_pptx_bytes(pack, pngs)
        else:
            from analytics.reports.pdf_export import to_pdf_bytes
            data = to_pdf_bytes(pack, pngs)
    out.write_bytes(data)
    print(f"{out} を作成しました / wrote {out} ({len(data):,} bytes, {pack.title})", file=sys.stderr)
    return 0
