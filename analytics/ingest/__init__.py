"""Ingestion: read → normalise → validate → load, one reader per file kind (DESIGN §2).

``ingest_files(engine, kind, paths_or_uploads)`` is what the CLI (`careplan ingest`) and the import page
call. Each file is loaded in its own transaction; a file that cannot be read at all is refused whole
(``FileRefused``) and stores nothing; re-importing the same content adds nothing.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd

from analytics.errors import FileRefused
from analytics.ingest import columns, cpds, fast, limits, load, read, validate
from analytics.store import engine as store_engine

KINDS = ("offices", "registrations", "exchanges", "profiles", "cpds")
MAX_ERRORS_IN_SUMMARY = 10_000  # all of them are kept in rejected_rows; the summary shows the first ones
# exchange logs that are plain UTF-8 CSV take analytics.ingest.fast (same result, checked in DuckDB);
# CAREPLAN_INGEST_FAST=0 sends every file the pandas way (used by the tests that compare the two)


def fast_path() -> bool:
    """DuckDB's CSV reader for exchange files (CAREPLAN_INGEST_FAST=0 turns it off), read when used."""
    return os.environ.get("CAREPLAN_INGEST_FAST", "1") != "0"

__all__ = ["KINDS", "FileRefused", "IngestSummary", "ingest_files", "columns"]


@dataclass
class IngestSummary:
    kind: str
    files: int = 0
    rows_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)   # file, row, column, value, reason ("日本語 / English")
    refused: list[str] = field(default_factory=list)   # one message per refused file ("file: ja / en")
    refused_files: list[dict] = field(default_factory=list)  # the same as {"file", "reason"}
    batch_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        """DESIGN §6's keys, plus ``refused``: one ``{"file", "reason"}`` per file refused whole (nothing of
        it stored; the other files may have been)."""
        return {"kind": self.kind, "files": self.files, "rows_read": self.rows_read, "accepted": self.accepted,
                "duplicates": self.duplicates, "rejected": self.rejected, "errors": self.errors,
                "refused": list(self.refused_files)}


Progress = Callable[[float, str], None]


# a file or folder name that may name a care user (山田太郎様分.zip, 利用者_鈴木.csv): shown masked everywhere.
# An honorific only after a name-like word and at its end (then a non-letter, the end, or 分/宛/用 as in
# 山田太郎様分): 様式第1号.csv, 御殿場.csv and さんぽ会.csv are ordinary names.
_LETTER = r"[^\W\d_]"
_PERSONAL_NAME = re.compile(rf"(?<={_LETTER})(?:様|殿|さん)(?:分|宛て?|用)?(?!{_LETTER})|氏名|利用者(?!数)")


def display_name(name: str) -> str:
    """The name an upload is recorded and shown under: the stem replaced by the personal-data placeholder
    when it looks like it names a person (history, errors and summaries all get this one), the extension kept."""
    name = str(name)
    if not _PERSONAL_NAME.search(unicodedata.normalize("NFKC", name)):
        return name
    dot = name.rfind(".")
    ext = name[dot:] if dot > 0 and re.fullmatch(r"\.[0-9A-Za-z]{1,5}", name[dot:]) else ""
    return columns.PERSONAL_PLACEHOLDER + ext


def _inputs(kind: str, items) -> list[tuple[str, object]]:
    """(display name, source) where source is bytes, a file path or a list of (member, bytes) for folders.
    Display names go through ``display_name`` (a name that may name a person is masked)."""
    return [(display_name(name), source) for name, source in _raw_inputs(kind, items)]


def _raw_inputs(kind: str, items) -> list[tuple[str, object]]:
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
                if kind == "cpds":
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
            raise FileRefused("ファイルを開けません（パスを確認してください）",
                              f"cannot open the file ({exc.strerror}); check the path") from None
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


def _errors_out(file: str, errors: pd.DataFrame, row_numbers) -> pd.DataFrame:
    errors = validate.personal_safe(errors)
    if errors.empty:
        return errors.assign(row=pd.Series(dtype="int64"))
    rows = errors["pos"].map(lambda p: int(row_numbers[p])) if row_numbers is not None else errors["pos"] + 1
    return errors.assign(row=rows.astype("int64"), file=file)


def _check(kind: str, name: str, content):
    """Read and validate one input: (rows, errors with row numbers, rows_read, aggregated or None)."""
    if kind == "cpds":
        fmt = None if isinstance(content, list) else read.sniff_kind(name, content)
        if isinstance(content, list):
            members = content
        elif fmt == "zip":
            members = cpds.members_of_zip(name, content)
        elif fmt == "badzip" or read._ZIP_NAME.search(name):  # cut short, or not a ZIP at all
            raise read.damaged(name if read._ZIP_NAME.search(name) else name + ".zip")
        else:
            members = [(name, content)]
        try:
            rows, errors, rows_read, agg = cpds.check(name, members)
        except FileRefused as exc:
            exc.file = exc.file or name
            raise
        return rows, _errors_out(name, errors, None), rows_read, agg
    if kind == "exchanges" and fast_path() and not read._EXCEL_NAME.search(name):  # a fake .xlsx: read_table says so
        quick = fast.check(name, content)  # plain UTF-8 logs: checked inside DuckDB; None = not plain
        if quick is not None:
            rows, errors, rows_read = quick
            return rows, validate.personal_safe(errors).assign(file=name), rows_read, None
    table = read.read_table(kind, name, content)
    if kind == "offices":
        checked = validate.offices(table, read.open_data_service(name))
    else:
        checked = validate.VALIDATORS[kind](table)
    return checked.rows, _errors_out(name, checked.errors, table.row_numbers), checked.rows_read, None


@dataclass
class _Prepared:
    """One file hashed, read and checked, nothing written yet."""
    content_hash: str | None = None
    content: object = None                  # kept only when the file was not checked (stored before)
    checked: tuple | None = None            # _check's result; None when the content was stored before
    refused: FileRefused | None = None


def _prepare(engine, kind: str, name: str, source, ask_stored: bool) -> _Prepared:
    """Hash, read and check one file. ``ask_stored``: skip the check of content stored before (the
    caller asks again before storing); off where another thread cannot see the database (an in-memory
    DuckDB has one database per thread)."""
    p = _Prepared()
    try:
        p.content_hash, content = _hash(source, name)
        if ask_stored and load.find_batch(engine, kind, p.content_hash) is not None:
            p.content = content
        else:
            p.checked = _check(kind, name, content)
    except FileRefused as exc:  # met in the file's turn, as if raised there
        p.refused = exc
    return p


def _store(engine, kind: str, name: str, p: _Prepared, imported_by: str, summary: IngestSummary,
           report: Progress, base: float, n: int) -> load.Counts:
    """Store one prepared file (its own transaction) or record it as a duplicate; FileRefused as read."""
    if p.refused is not None:
        raise p.refused
    # asked (again) here: the file before this one, stored meanwhile, may have had the same content
    earlier = load.find_batch(engine, kind, p.content_hash)
    if earlier is not None:
        return load.record_duplicate(engine, kind, name, p.content_hash, imported_by, int(earlier.rows_read))
    rows, errors, rows_read, agg = p.checked or _check(kind, name, p.content)
    p.checked = p.content = None  # the rows live only as long as this call
    report(base + 0.6 / n, f"{name}: 保存中 / storing")
    counts = load.load(engine, kind, name, p.content_hash, rows, errors, rows_read, imported_by, agg)
    if counts.conflicts is not None and not counts.conflicts.empty:  # keys stored with another count
        errors = pd.concat([errors, counts.conflicts[[c for c in counts.conflicts.columns if c in errors.columns]]],
                           ignore_index=True) if not errors.empty else counts.conflicts
    for e in errors.head(max(0, MAX_ERRORS_IN_SUMMARY - len(summary.errors))).itertuples():
        summary.errors.append({"file": name, "row": int(e.row), "column": e.column,
                               "value": e.value, "reason": f"{e.reason_ja} / {e.reason_en}"})
    return counts


def ingest_files(engine, kind: str, paths_or_uploads: Iterable, *, imported_by: str | None = None,
                 progress: Progress | None = None) -> IngestSummary:
    """Import files of one kind; each file is its own transaction. Paths, folders (cpds) and
    (name, bytes) pairs or Streamlit uploads are accepted.

    With several files, the next file is hashed, read and checked in a second thread while the current
    one is stored: pyarrow, DuckDB and hashlib release the GIL, so the two overlap on two cores. Files
    are still stored one at a time, in the given order, each in its own transaction; at most the file
    being stored and the next one are held as checked rows."""
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    imported_by = imported_by or load.default_user()
    summary = IngestSummary(kind=kind)
    inputs = _inputs(kind, paths_or_uploads)
    report = progress or (lambda fraction, message: None)
    n = max(len(inputs), 1)
    ask_stored = not isinstance(engine.pool, sa.pool.SingletonThreadPool)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="careplan-read")
    try:
        with store_engine.bulk_writes(engine):  # DuckDB: one checkpoint for the whole call
            ahead = pool.submit(_prepare, engine, kind, *inputs[0], ask_stored) if inputs else None
            for i, (name, _) in enumerate(inputs):
                summary.files += 1
                report(i / n, f"{name}: 読み込み中 / reading")
                p = ahead.result()  # an unexpected error of the read surfaces here, in the file's turn
                ahead = pool.submit(_prepare, engine, kind, *inputs[i + 1], ask_stored) if i + 1 < len(inputs) else None
                try:
                    counts = _store(engine, kind, name, p, imported_by, summary, report, i / n, n)
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
    finally:
        # on an error or an interrupt, the file being read ahead is abandoned, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
    report(1.0, "完了 / done")
    return summary
