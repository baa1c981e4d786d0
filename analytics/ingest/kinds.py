"""One ``KindSpec`` per file kind: what an import of that kind reads, checks, stores and refreshes.

``ingest_files`` looks the spec up once, by the kind's name, at the start of an import; from then on the
import asks the spec (how to read and check a file, which key makes a row a duplicate, how to store the
rows, which pre-aggregates to refresh) and never compares the kind's name again. The column table of a
kind (headers and aliases, required set) is ``analytics.ingest.columns``; the row checks are
``analytics.ingest.validate``; the loaders are ``analytics.ingest.load``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from analytics.domain.file_kinds import FILE_KINDS
from analytics.errors import FileRefused
from analytics.ingest import columns, cpds, fast, load, master_snapshots, read, snapshots, validate
from analytics.store import aggregates, definitions, schema


def fast_path() -> bool:
    """DuckDB's CSV reader for exchange files (CAREPLAN_INGEST_FAST=0 turns it off), read when used."""
    return os.environ.get("CAREPLAN_INGEST_FAST", "1") != "0"


class Checked(tuple):
    """What a check returns: (accepted rows, problems with their position, rows read, rows summed on the key
    or None); besides, ``skipped`` (total rows, counted in rows read), ``notes`` ((ja, en) sentences the
    summary says of the input), ``warnings`` (values stored with a warning) and ``companions`` (rows read
    that are known files of the input but no row of ours: cpds' 利用者補足, 第3表 …) and ``deletions``
(cpds' deletion files, ``cpds.DELETION_COLUMNS``: counted in rows read, applied by the load)."""
    skipped: int = 0
    notes: tuple = ()
    warnings: int = 0
    companions: int = 0
    deletions: pd.DataFrame | None = None

    def __new__(cls, rows, errors, rows_read, aggregated, skipped: int = 0, notes=(), warnings: int = 0,
                companions: int = 0, deletions: pd.DataFrame | None = None):
        out = super().__new__(cls, (rows, errors, rows_read, aggregated))
        out.skipped, out.notes, out.warnings, out.companions = skipped, tuple(notes), warnings, companions
        out.deletions = deletions
        return out


# a check's arguments: (name, bytes or members, as-of date or None: only kinds with takes_as_of get one)
Check = Callable[..., Checked]
# what a store returns: (duplicate rows, conflicts: keys stored with another count)
Store = Callable[[object, int, object, object], tuple]


@dataclass(frozen=True)
class KindSpec:
    name: str                                   # the machine key (import_batches.kind, the CLI argument)
    label_ja: str
    label_en: str
    table: columns.TableSpec | None             # the column table; None: the files carry none of ours
    check: Check                                # read and check one input: (name, bytes or members)
    store: Store                                # (connection, batch_id, rows, aggregated) → (dup, conflicts)
    dedupe_key: tuple[str, ...]                 # a row with a stored key is a duplicate (or a conflict)
    refresh: Callable[[object, int], None] | None = None  # pre-aggregates after accepted rows
    folder_is_one_input: bool = False           # a folder is one exchange unit (cpds), not a file each
    position_column: str | None = None          # the rows' own position column (members of a folder)
    zip_of_files: bool = False                  # a ZIP of CSVs is taken, each member read as its own file
    takes_as_of: bool = False                   # a file may be a snapshot on a date (--as-of)
    as_of_optional: bool = False                # the date may be left out (an office master without one)
    name_date: Callable[[str], object] | None = None  # the as-of date a file's name gives, without reading it

    def label(self, lang: str = "ja") -> str:
        return self.label_ja if lang == "ja" else self.label_en


# ---------------------------------------------------------------- checks

def _errors_out(file: str, errors, row_numbers, row_files=None):
    """Problems with the row as the user counts it and where it was read (row_files: the sheet of each
    row of a workbook of several sheets)."""
    errors = validate.personal_safe(errors)
    if errors.empty:
        return errors.assign(row=pd.Series(dtype="int64"))
    rows = errors["pos"].map(lambda p: int(row_numbers[p])) if row_numbers is not None else errors["pos"] + 1
    where = errors["pos"].map(row_files) if row_files is not None else file
    return errors.assign(row=rows.astype("int64"), file=where)


def _table_check(kind: str, validator: Callable) -> Check:
    """Read the file as a table of the kind's columns, then ``validator(table, file name)``."""
    def check(name: str, content, as_of=None) -> Checked:
        table = read.read_table(kind, name, content)
        checked = validator(table, name, as_of)
        return Checked(checked.rows, _errors_out(name, checked.errors, table.row_numbers, table.row_files),
                       checked.rows_read, None, checked.skipped, checked.notes, checked.warnings)
    return check


def _rows_only(validator: Callable) -> Callable:
    """A validator that needs only the table (the file's name tells it nothing)."""
    return lambda table, _name, _as_of=None: validator(table)


def _registrations(table, name: str, as_of) -> Checked:
    """A dated list, or a snapshot: the as-of date from the option, the title rows or the file name (only
    looked for when the option is given or the file has no date column)."""
    if as_of is None and "registered_on" in table.frame.columns:
        return validate.registrations(table)
    day, source = snapshots.as_of_for(table.title, name, as_of)
    return validate.registrations(table, day, source)


def _offices(table, name: str, as_of=None):
    """An open-data file's name (jigyosho_430.csv) says which service its offices provide; a master on a
    date (the option, else the _YYYYMMDDhhmmss of the published name) is a snapshot (master_snapshots)."""
    checked = validate.offices(table, read.open_data_service(name))
    day, source = master_snapshots.as_of_for(name, as_of)
    if day is not None:
        checked.rows = checked.rows.assign(as_of=day, as_of_source=source)
        # a row rejected for another column (a damaged municipality code) still lists its office: not closed
        rejected = checked.errors["pos"].unique() if not checked.errors.empty else []
        checked.rows.attrs["listed_not_stored"] = validate.listed_office_codes(table, rejected)
    return checked


_check_offices = _table_check("offices", _offices)


def _check_exchanges(name: str, content, _as_of=None) -> Checked:
    # a fake .xlsx: read_table says so; a total row (合計): the table reader skips it
    # office numbers the master holds although their check digit fails: the table path knows them
    if (fast_path() and not read._EXCEL_NAME.search(name) and not read.has_total_cell(content)
            and not validate.KNOWN_UNCHECKED.get()):
        quick = fast.check(name, content)  # plain UTF-8 logs: checked inside DuckDB; None = not plain
        if quick is not None:
            rows, errors, rows_read = quick
            return Checked(rows, validate.personal_safe(errors).assign(file=name), rows_read, None)
    return _table_check("exchanges", _rows_only(validate.exchanges))(name, content)


def _check_cpds(name: str, content, _as_of=None) -> Checked:
    if isinstance(content, list):  # a folder: (member, bytes) pairs
        members = content
    else:
        fmt = read.sniff_kind(name, content)
        if fmt == "zip":
            members = cpds.members_of_zip(name, content)
        elif fmt == "badzip" or read._ZIP_NAME.search(name):  # cut short, or not a ZIP at all
            raise read.damaged(name if read._ZIP_NAME.search(name) else name + ".zip")
        else:
            members = [(name, content)]
    try:
        rows, errors, rows_read, agg, companions, deletions = cpds.check(name, members)
    except FileRefused as exc:
        exc.file = exc.file or name
        raise
    return Checked(rows, _errors_out(name, errors, None), rows_read, agg, companions=companions,
                   deletions=deletions)


def _store_cpds(conn, batch_id, rows, aggregated):
    """The 標準仕様's files: the exchange key includes both offices' サービス種類コード (null: older names)."""
    return load.store_exchanges(conn, batch_id, rows, aggregated, key=load.CPDS_KEY)


# ---------------------------------------------------------------- stores

def _store_offices(conn, batch_id, rows, aggregated):
    """The offices upserted as before; a dated master's coverage and offices recorded; then the closures
    derived again from all dated masters (an undated import may add offices a dated master covers)."""
    dup = load.store_offices(conn, batch_id, rows)
    if "as_of" in rows.columns and len(rows):
        master_snapshots.store(conn, batch_id, rows)
    master_snapshots.reconcile(conn)
    return dup, None


def _keyed(table, key: tuple[str, ...], attrs: list[str], coalesce: tuple[str, ...]) -> Store:
    def store(conn, batch_id, rows, aggregated):
        return load.upsert_keyed(conn, batch_id, rows, table, list(key), attrs, coalesce), None
    return store


_REGISTRATION_KEY = ("office_code", "registered_on")


def _store_registrations(conn, batch_id, rows, aggregated):
    """Dated rows upserted as before; a snapshot's rows recorded as one; then the snapshot registrations
    derived again from all snapshots (a dated list changes them too: its dates win)."""
    dated = rows[definitions.dated_rows(rows)].assign(registered_from_snapshot=False)
    dup = load.upsert_keyed(conn, batch_id, dated, schema.registrations, list(_REGISTRATION_KEY),
                            ["ended_on", "prefecture_code", "registered_from_snapshot"],
                            coalesce=("ended_on",)) if len(dated) else 0
    snapshot = rows[rows["as_of"].notna()]
    if len(snapshot):
        undated = int((~definitions.dated_rows(snapshot)).sum())
        dup = dup + min(snapshots.store(conn, batch_id, snapshot), undated)
    snapshots.reconcile(conn)
    return dup, None
_PROFILE_KEY = ("office_code", "month")


def _spec(name: str, **kw) -> KindSpec:
    table = columns.SPECS.get(name)
    label = (table.label_ja, table.label_en) if table else columns.CPDS_LABEL
    return KindSpec(name, *label, table=table, **kw)


SPECS: dict[str, KindSpec] = {s.name: s for s in (
    _spec("offices", check=_check_offices, zip_of_files=True, store=_store_offices, dedupe_key=("office_code",),
          refresh=lambda conn, batch_id: aggregates.refresh(conn), takes_as_of=True,
          as_of_optional=True, name_date=master_snapshots.date_in_name),
    _spec("registrations", check=_table_check("registrations", _registrations), zip_of_files=True,
          store=_store_registrations, dedupe_key=_REGISTRATION_KEY,
          refresh=lambda conn, batch_id: aggregates.refresh(conn), takes_as_of=True),
    _spec("exchanges", check=_check_exchanges, zip_of_files=True, store=load.store_exchanges, dedupe_key=tuple(load.EXCHANGE_KEY),
          refresh=aggregates.add_batch),
    _spec("profiles", check=_table_check("profiles", _rows_only(validate.profiles)),
          store=_keyed(schema.profiles, _PROFILE_KEY, ["users", "care_managers"],
                       coalesce=("users", "care_managers")),
          dedupe_key=_PROFILE_KEY),
    _spec("cpds", check=_check_cpds, store=_store_cpds, dedupe_key=tuple(load.CPDS_KEY),
          refresh=aggregates.add_batch, folder_is_one_input=True, position_column="_pos"),
)}
KINDS = FILE_KINDS
assert tuple(SPECS) == FILE_KINDS, "a spec for every kind of file, in the order the CLI lists them"


def spec_for(kind: str) -> KindSpec:
    """The spec of a kind's name; a name that is no kind is a programming error (the CLI and the import
    page offer only ``KINDS``)."""
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}") from None
