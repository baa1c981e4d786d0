"""`careplan export pptx|pdf|xlsx --out FILE [--prefecture CODE]`: the presentation pack (DESIGN §6)."""
from __future__ import annotations

import os
import pathlib
import sys

from sqlalchemy.exc import OperationalError

from analytics.commands import arguments
from analytics.errors import UserError


def _not_writable(out: pathlib.Path, reason_ja: str, reason_en: str | None = None) -> UserError:
    return UserError(f"{out} に書き込めません（{reason_ja}）。書き込めるフォルダのファイル名を --out に指定するか、"
                     f"アクセス権を確認してください / cannot write {out} ({reason_en or reason_ja}); give a file "
                     f"in a writable folder with --out or check its permissions")


def _check_out(out: pathlib.Path, what: str) -> pathlib.Path:
    """--out must name a file that can be written, in a folder that exists; checked before the pack is
    built (which takes seconds), so a mistyped path is said at once."""
    if out.is_dir():
        raise UserError(f"--out の {out} はフォルダです。ファイル名まで指定してください（例: {out / ('pack.' + what)}） / "
                        f"--out {out} is a folder; give a file name (e.g. {out / ('pack.' + what)})")
    folder = out.parent
    if not folder.exists():
        raise UserError(f"出力先のフォルダ {folder} がありません。既存のフォルダを指定してください / "
                        f"the folder {folder} does not exist; give an existing folder for --out")
    if not folder.is_dir():
        raise UserError(f"出力先の {folder} はフォルダではありません。既存のフォルダを指定してください / "
                        f"{folder} is not a folder; give an existing folder for --out")
    if out.exists() and not os.access(out, os.W_OK):
        raise _not_writable(out, "読み取り専用のファイル", "the file is read-only")
    if not out.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise _not_writable(out, "フォルダに書き込めません", "the folder is not writable")
    return out


def run(args) -> int:
    from analytics.reports import pack as pack_mod
    from analytics.store import engine as store_engine

    prefecture = arguments.prefecture(getattr(args, "prefecture", None))
    out = _check_out(pathlib.Path(args.out), args.what)
    try:
        engine = store_engine.get_engine(store_engine.resolve_url(getattr(args, "db", None)))
        from analytics.commands import access
        scope = access.current()   # signed-in scope (admin without users); viewers get small counts hidden
        pack = pack_mod.build_pack(engine, prefecture, lang=getattr(args, "lang", None) or "ja", scope=scope)
    except (UserError, store_engine.UnusableDatabase, OperationalError):
        raise  # the latter two: cli.main names the database and what to fix (server down, privileges)
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
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise _not_writable(out, exc.strerror or type(exc).__name__) from None
    print(f"{out} を作成しました / wrote {out} ({len(data):,} bytes, {pack.title})", file=sys.stderr)
    return 0
