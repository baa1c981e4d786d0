"""``careplan ingest KIND PATH… [--json]``: the same ``ingest_files`` the import page calls.

Exit 0 when every file was read (rejected rows included), 2 when at least one file was refused whole; each
refusal is printed on stderr in Japanese and English (and listed under ``refused`` with ``--json``), nothing
of that file is stored, and the other files may have been.
"""
from __future__ import annotations

import json
import pathlib
import sys

from analytics.errors import UserError
from analytics.ingest import ingest_files
from analytics.store.engine import get_engine


def run(args) -> int:
    missing = [p for p in args.paths if not pathlib.Path(p).exists()]
    if missing:
        raise UserError(f"ファイルが見つかりません: {', '.join(missing)}（パスを確認してください） / "
                        f"file not found: {', '.join(missing)} (check the path)")
    from analytics.commands import access
    signed_in = access.current().username if access.current().username != "local" else None
    summary = ingest_files(get_engine(args.db), args.kind, args.paths, imported_by=signed_in)
    if args.json:
        json.dump(summary.as_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{summary.kind}: ファイル {summary.files} 件 / files, 読込 {summary.rows_read} 行 / rows read, "
              f"取込 {summary.accepted} / accepted, 重複 {summary.duplicates} / duplicates, "
              f"除外 {summary.rejected} / rejected")
        for e in summary.errors[:20]:
            print(f"  {e['file']} {e['row']}行目 / row {e['row']} [{e['column']}] {e['value']!r}: {e['reason']}")
        if len(summary.errors) > 20:
            print(f"  … ほか {len(summary.errors) - 20} 件 / … and {len(summary.errors) - 20} more")
    for message in summary.refused:
        print(f"取込できません / refused: {message}", file=sys.stderr)
    others = summary.files - len(summary.refused)
    if summary.refused and others > 0:
        print(f"取込できなかったファイル {len(summary.refused)} 件のほか、{others} 件は上の件数のとおり処理しました / "
              f"{len(summary.refused)} file(s) refused whole; the other {others} file(s) were processed as counted "
              "above", file=sys.stderr)
    return 2 if summary.refused else 0
