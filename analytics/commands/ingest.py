"""``careplan ingest KIND PATH… [--json]``: the same ``ingest_files`` the import page calls.

Exit 0 when every file was read (rejected rows included), 2 when at least one file was refused whole; each
refusal is printed on stderr in the language of ``--lang`` (and listed under ``refused`` with ``--json``), nothing
of that file is stored, and the other files may have been.
"""
from __future__ import annotations

import json
import pathlib
import sys

from analytics import i18n
from analytics.commands.output import lang, t
from analytics.errors import UserError
from analytics.ingest import ingest_files, spec_for
from analytics.store.engine import get_engine


def run(args) -> int:
    missing = [p for p in args.paths if not pathlib.Path(p).exists()]
    if missing:
        raise UserError("msg.files_not_found", files=", ".join(missing))
    from analytics.commands import access, arguments
    as_of = arguments.date(getattr(args, "as_of", None), "--as-of", "基準日")
    if as_of is not None and not spec_for(args.kind).takes_as_of:
        raise UserError("msg.as_of_not_taken", kind=spec_for(args.kind).label(lang()))
    signed_in = access.current().username if access.current().username != "local" else None
    summary = ingest_files(get_engine(args.db), args.kind, args.paths, imported_by=signed_in, as_of=as_of)
    if args.json:
        json.dump(summary.as_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(t("msg.ingest_summary", kind=spec_for(summary.kind).label(lang()), files=summary.files,
                rows_read=summary.rows_read, accepted=summary.accepted, duplicates=summary.duplicates,
                rejected=summary.rejected)
              + (" " + t("msg.ingest_companions", companions=summary.companions) if summary.companions else "")
              + (" " + t("msg.ingest_deletions", deletions=summary.deletions, not_found=summary.deletions_not_found)
                 if summary.deletions else ""))
        if summary.skipped:
            print(t("msg.ingest_skipped", n=summary.skipped))
        for note in summary.notes:
            print(t("msg.ingest_note", file=note["file"], note=i18n.part(note["note"], lang())))
        said = "msg.ingest_master_snapshot" if spec_for(summary.kind).as_of_optional else "msg.ingest_snapshot"
        for snap in summary.snapshots:
            print(t(said, file=snap["file"], date=snap["as_of"], source=t(f"msg.snapshot_source.{snap['source']}")))
        for e in summary.errors[:20]:
            print(t("msg.ingest_error_row", file=e["file"], row=e["row"], column=e["column"], value=repr(e["value"]),
                    reason=i18n.part(e["reason"], lang())))
        if len(summary.errors) > 20:
            print(t("msg.ingest_more_errors", n=len(summary.errors) - 20))
    for refused in summary.refused_files:
        print(t("msg.refused", text=f"{refused['file']}: {i18n.part(refused['reason'], lang())}"), file=sys.stderr)
    others = summary.files - len(summary.refused)
    if summary.refused and others > 0:
        print(t("msg.refused_and_processed", refused=len(summary.refused), others=others), file=sys.stderr)
    return 2 if summary.refused else 0
