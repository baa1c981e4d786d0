"""Ingestion: read → normalise → validate → load, one reader per file kind (DESIGN §2).

``ingest_files(engine, kind, paths_or_uploads)`` is what the CLI (`careplan ingest`) and the import page
call. Each file is loaded in its own transaction; a file that cannot be read at all is refused whole
(``FileRefused``) and stores nothing; re-importing the same content adds nothing.
"""
from __future__ import annotations

import contextvars
import hashlib
import pathlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from analytics import i18n
from analytics.errors import FileRefused
from analytics.ingest import columns, limits, load, validate
from analytics.ingest.kinds import KINDS, KindSpec, fast_path, spec_for
from analytics.store import engine as store_engine

MAX_ERRORS_IN_SUMMARY = 10_000  # all of them are kept in rejected_rows; the summary shows the first ones

__all__ = ["KINDS", "FileRefused", "IngestSummary", "KindSpec", "columns", "fast_path", "ingest_files",
           "snapshot_date", "spec_for"]


@dataclass
class IngestSummary:
    kind: str
    files: int = 0
    rows_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0                                   # 合計/小計 rows (in rows_read; not data, not rejected)
    warnings: int = 0                                  # values stored with a warning (see notes)
    companions: int = 0   # known files of an input that are no row of ours (cpds: 利用者補足, 第3表, 第7表 …)
    deletions: int = 0    # deletion files (cpds: DLTPLAN_ …), applied to the exchange they withdraw or not found
    deletions_not_found: int = 0  # of them: the exchange is neither in the input nor in the database
    errors: list[dict] = field(default_factory=list)   # file, row, column, value, reason ("日本語 / English")
    notes: list[dict] = field(default_factory=list)    # file, note ("日本語 / English"): what else was done
    refused: list[str] = field(default_factory=list)   # one message per refused file ("file: ja / en")
    refused_files: list[dict] = field(default_factory=list)  # the same as {"file", "reason"}
    batch_ids: list[int] = field(default_factory=list)
    # snapshots read: {"file", "as_of" (ISO), "source": option | title | name}, for the user to confirm
    snapshots: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        """DESIGN §6's keys, plus ``refused``: one ``{"file", "reason"}`` per file refused whole (nothing of
        it stored; the other files may have been); ``skipped``: total rows; ``companions``: known files of
        the input that are no row of ours (cpds); ``deletions``: deletion files (cpds), so rows_read = accepted +
        duplicates + rejected + skipped + companions + deletions; ``deletions_not_found``: those of them whose
        exchange is neither in the input nor stored (each also a note); ``notes``: one ``{"file", "note"}`` per
        thing said of a file; and ``snapshots`` when files were read as snapshots: one ``{"file", "as_of",
        "source"}`` each (source: option, title or name)."""
        return {"kind": self.kind, "files": self.files, "rows_read": self.rows_read, "accepted": self.accepted,
                "duplicates": self.duplicates, "rejected": self.rejected, "errors": self.errors,
                "refused": list(self.refused_files), "skipped": self.skipped, "warnings": self.warnings,
                "notes": list(self.notes), "companions": self.companions, "deletions": self.deletions,
                "deletions_not_found": self.deletions_not_found} | (
                    {"snapshots": list(self.snapshots)} if self.snapshots else {})


# (fraction done, the step as a (Japanese, English) pair of the message catalogue)
Progress = Callable[[float, tuple[str, str]], None]


def _inputs(spec: KindSpec, items) -> list[tuple[str, object]]:
    """(display name, source) where source is bytes, a file path or a list of (member, bytes) for folders
    (or the ``FileRefused`` of an archive or member that cannot be read). Display names go through
    ``display_name`` (a name that may name a person is masked)."""
    raw = _raw_inputs(spec, items)
    if spec.zip_of_files:
        raw = [pair for name, source in raw for pair in _zip_members(name, source)]
    return [(columns.display_name(name), source) for name, source in raw]


def _zip_members(name: str, source) -> list[tuple[str, object]]:
    """A ZIP of files as its members ("archive.zip/jigyosho_430.csv", bytes), each its own input, with the
    archive-bomb bounds of ``limits`` (cpds.members_of_zip); any other input as it is. A damaged member is
    refused in its turn, a whole archive over a bound in the archive's."""
    from analytics.ingest import cpds, read
    if isinstance(source, pathlib.Path):
        try:
            with source.open("rb") as fh:
                if fh.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                    return [(name, source)]
        except OSError:
            return [(name, source)]  # its turn says it cannot be opened
    elif not isinstance(source, bytes) or not source.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return [(name, source)]
    try:
        data = _bytes(source, name)
        if read.sniff_kind(name, data) != "zip":
            return [(name, data)]
        members = cpds.members_of_zip(name, data)
    except FileRefused as exc:
        return [(name, exc)]
    if not members:
        return [(name, FileRefused("refused.zip_empty", name))]
    return [(f"{name}/{member}", FileRefused(content.key, f"{name}/{member}", **content.values)
             if isinstance(content, cpds.Damaged) else content) for member, content in members]


def _raw_inputs(spec: KindSpec, items) -> list[tuple[str, object]]:
    if (isinstance(items, (str, pathlib.Path)) or hasattr(items, "getvalue")
            or (isinstance(items, tuple) and len(items) == 2 and isinstance(items[1], (bytes, bytearray)))):
        items = [items]
    out: list[tuple[str, object]] = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], (bytes, bytearray, memoryview)):
            out.append((str(item[0]), bytes(item[1])))
        elif hasattr(item, "getvalue") and hasattr(item, "name"):  # Streamlit UploadedFile
            out.append((item.name, item.getvalue()))
        else:
            path = pathlib.Path(item)
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
                if spec.folder_is_one_input:
                    out.append((path.name, [(p.name, p) for p in files]))
                else:
                    out.extend((p.name, p) for p in files)
            else:
                out.append((path.name, path))
    return out


def _bytes(source, name: str = "") -> bytes:
    if isinstance(source, pathlib.Path):
        try:
            limits.check_size(name or source.name, source.stat().st_size)  # before reading it into memory
            return source.read_bytes()
        except OSError as exc:
            raise FileRefused("refused.cannot_open", reason=exc.strerror) from None
    limits.check_size(name, len(source))
    return source


def _hash(source, display: str = "") -> tuple[str, object]:
    """Content hash (sha256) and the loaded content."""
    if isinstance(source, list):  # a folder of cpds files: name and content of each, in order
        h = hashlib.sha256()
        members = []
        limits.check_entries(display, len(source))
        unpacked = 0
        for name, p in source:
            data = _bytes(p, name)
            unpacked += len(data)
            limits.check_unpacked(display, unpacked)
            members.append((name, data))
            h.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest(), members
    data = _bytes(source, display)
    return hashlib.sha256(data).hexdigest(), data


def _check(spec: KindSpec, name: str, content, as_of=None):
    """Read and check one input: (rows, errors with row numbers, rows_read, aggregated or None)."""
    return spec.check(name, content, as_of)


@dataclass
class _Prepared:
    """One file hashed, read and checked, nothing written yet."""
    content_hash: str | None = None
    content: object = None                  # kept only when the file was not checked (stored before)
    checked: tuple | None = None            # _check's result; None when the content was stored before
    refused: FileRefused | None = None


def _prepare(engine, spec: KindSpec, name: str, source, ask_stored: bool, as_of=None) -> _Prepared:
    """Hash, read and check one file. ``ask_stored``: skip the check of content stored before (the
    caller asks again before storing); off where another thread cannot see the database (an in-memory
    DuckDB has one database per thread)."""
    p = _Prepared()
    if isinstance(source, FileRefused):  # an archive or ZIP member that could not be read (_zip_members)
        p.refused = source
        return p
    try:
        p.content_hash, content = _hash(source, name)
        # the same file on another date is another snapshot (the date given, or the one its name gives:
        # a master republished unchanged under a new timestamp is still that date's master)
        day = as_of if as_of is not None else (spec.name_date(name) if spec.name_date is not None else None)
        if day is not None:
            p.content_hash = hashlib.sha256(f"{p.content_hash}@{day.isoformat()}".encode()).hexdigest()
        if ask_stored and load.find_batch(engine, spec.name, p.content_hash) is not None:
            p.content = content
        else:
            p.checked = _check(spec, name, content, as_of)
    except FileRefused as exc:  # met in the file's turn, as if raised there
        p.refused = exc
    return p


def _store(engine, spec: KindSpec, name: str, p: _Prepared, imported_by: str, summary: IngestSummary,
           report: Progress, base: float, n: int, as_of=None) -> load.Counts:
    """Store one prepared file (its own transaction) or record it as a duplicate; FileRefused as read."""
    if p.refused is not None:
        raise p.refused
    # asked (again) here: the file before this one, stored meanwhile, may have had the same content
    earlier = load.find_batch(engine, spec.name, p.content_hash)
    if earlier is not None:
        return load.record_duplicate(engine, spec.name, name, p.content_hash, imported_by, int(earlier.rows_read))
    checked = p.checked or _check(spec, name, p.content, as_of)
    rows, errors, rows_read, agg = checked
    p.checked = p.content = None  # the rows live only as long as this call
    summary.skipped += checked.skipped
    summary.warnings += checked.warnings
    summary.notes.extend({"file": name, "note": f"{ja} / {en}"} for ja, en in checked.notes)
    if isinstance(rows, pd.DataFrame) and "as_of" in rows.columns and len(rows) and rows["as_of"].notna().any():
        summary.snapshots.append({"file": name, "as_of": pd.Timestamp(rows["as_of"].iloc[0]).date().isoformat(),
                                  "source": rows["as_of_source"].iloc[0]})
    report(base + 0.6 / n, i18n.both("msg.progress_storing", name=name))
    counts = load.load(engine, spec, name, p.content_hash, rows, errors, rows_read, imported_by, agg,
                       companions=checked.companions, deletion_files=checked.deletions)
    summary.notes.extend({"file": name, "note": f"{ja} / {en}"} for ja, en in counts.notes)
    if counts.conflicts is not None and not counts.conflicts.empty:  # keys stored with another count
        errors = pd.concat([errors, counts.conflicts[[c for c in counts.conflicts.columns if c in errors.columns]]],
                           ignore_index=True) if not errors.empty else counts.conflicts
    for e in errors.head(max(0, MAX_ERRORS_IN_SUMMARY - len(summary.errors))).itertuples():
        summary.errors.append({"file": getattr(e, "file", None) or name, "row": int(e.row), "column": e.column,
                               "value": e.value, "reason": f"{e.reason_ja} / {e.reason_en}"})
    return counts


def snapshot_date(kind: str, name: str, data: bytes):
    """For the import page, before importing: (whether the file is a snapshot needing an as-of date, the
    date found in its title rows or name or None). (False, None) for a kind without as-of dates, a file
    with a date column, or a file that cannot be read (the import says why). An office master may take
    one (True, the date of its published name or None: the date is optional)."""
    from analytics.ingest import master_snapshots, read, snapshots
    if not spec_for(kind).takes_as_of:
        return False, None
    if spec_for(kind).as_of_optional:  # a master: dated (a complete snapshot) or not (open on every day)
        return True, master_snapshots.date_in_name(name)
    try:
        table = read.read_table(kind, name, data)
    except FileRefused:
        return False, None
    if "registered_on" in table.frame.columns:
        return False, None
    return True, snapshots.as_of_for(table.title, name, None)[0]


def ingest_files(engine, kind: str, paths_or_uploads: Iterable, *, imported_by: str | None = None,
                 progress: Progress | None = None, as_of=None) -> IngestSummary:
    """Import files of one kind; each file is its own transaction. Paths, folders (cpds) and
    (name, bytes) pairs or Streamlit uploads are accepted. ``as_of`` (kinds with ``takes_as_of``): the
    files are snapshots on that date (analytics.ingest.snapshots).

    With several files, the next file is hashed, read and checked in a second thread while the current
    one is stored: pyarrow, DuckDB and hashlib release the GIL, so the two overlap on two cores. Files
    are still stored one at a time, in the given order, each in its own transaction; at most the file
    being stored and the next one are held as checked rows."""
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa
    spec = spec_for(kind)  # the one lookup of the kind: the rest of the import asks the spec
    if as_of is not None and not spec.takes_as_of:
        raise ValueError(f"kind {kind!r} takes no as-of date")
    imported_by = imported_by or load.default_user()
    summary = IngestSummary(kind=kind)
    inputs = _inputs(spec, paths_or_uploads)
    report = progress or (lambda fraction, message: None)
    n = max(len(inputs), 1)
    ask_stored = not isinstance(engine.pool, sa.pool.SingletonThreadPool)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careplan-read")
    # the master's office numbers that fail the check digit, known to this import's checks (its thread too)
    known = validate.KNOWN_UNCHECKED.set(load.master_codes_failing_check(engine))
    context = contextvars.copy_context()
    submit = lambda *a: pool.submit(context.run, _prepare, *a)  # noqa: E731
    try:
        with store_engine.bulk_writes(engine):  # DuckDB: one checkpoint for the whole call
            ahead = submit(engine, spec, *inputs[0], ask_stored, as_of) if inputs else None
            for i, (name, _) in enumerate(inputs):
                summary.files += 1
                report(i / n, i18n.both("msg.progress_reading", name=name))
                p = ahead.result()  # an unexpected error of the read surfaces here, in the file's turn
                ahead = submit(engine, spec, *inputs[i + 1], ask_stored, as_of) if i + 1 < len(inputs) else None
                try:
                    counts = _store(engine, spec, name, p, imported_by, summary, report, i / n, n, as_of)
                except FileRefused as exc:
                    exc.file = exc.file or name
                    summary.refused.append(exc.message())
                    summary.refused_files.append({"file": exc.file, "reason": f"{exc.ja} / {exc.en}"})
                    continue
                summary.batch_ids.append(counts.batch_id)
                summary.rows_read += counts.rows_read
                summary.accepted += counts.accepted
                summary.duplicates += counts.duplicates
                summary.rejected += counts.rejected
                summary.companions += counts.companions
                summary.deletions += counts.deletions
                summary.deletions_not_found += counts.deletions_not_found
    finally:
        # on an error or an interrupt, the file being read ahead is abandoned, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
        validate.KNOWN_UNCHECKED.reset(known)
    report(1.0, i18n.both("msg.progress_done"))
    return summary
