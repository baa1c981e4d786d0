"""SQLAlchemy Core schema: one declaration for DuckDB and PostgreSQL.

Why no autoincrement columns: duckdb-engine emits SERIAL for them and fails (stack-notes); ids come from
a Sequence. Why no primary key on ``exchanges``: a composite key on a 10⁸-row table costs minutes and
gigabytes on load; idempotency there is kept by anti-joining the staged rows on their natural key.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
)

from analytics.domain.codes import CHANNELS, FORMS  # noqa: F401  (re-exported: schema.CHANNELS)

# 2: per-office pre-aggregates (analytics.store.aggregates_office); 3: no month index on DuckDB;
# 4: PostgreSQL indexes exchanges_monthly by month; 5: registration snapshots (registered_from_snapshot,
# registration_snapshots, snapshot_offices); 6: office master snapshots (master_snapshots,
# master_snapshot_services, office_closures); 7: the サービス種類コード of a v4.x exchange file's name
# (exchanges.sender_service / receiver_service) and the deletion files applied (exchange_deletions);
# 8: the closures of each service of an office (service_closures), derived from the stored master snapshots
SCHEMA_VERSION = 8

metadata = MetaData()

batch_seq = Sequence("import_batch_seq", metadata=metadata)

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
    Column("note", Text),
)

import_batches = Table(
    "import_batches", metadata,
    Column("batch_id", BigInteger, batch_seq, primary_key=True, autoincrement=False),
    Column("kind", String(20), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("imported_by", String(100)),
    Column("rows_read", BigInteger, nullable=False, default=0),
    Column("accepted", BigInteger, nullable=False, default=0),
    Column("duplicates", BigInteger, nullable=False, default=0),
    Column("rejected", BigInteger, nullable=False, default=0),
)

rejected_rows = Table(
    "rejected_rows", metadata,
    Column("batch_id", BigInteger, nullable=False),
    Column("file", Text, nullable=False),
    Column("row_number", BigInteger, nullable=False),
    Column("column_name", Text),
    Column("value", Text),
    Column("reason_ja", Text, nullable=False),
    Column("reason_en", Text, nullable=False),
)

# 事業所: one row per 事業所番号 (the licence is per number). kind: 'kyotaku' (居宅介護支援 43/430, 46)
# when any of the services it was ever listed with is one, else 'service'; its kind at a date is
# definitions.kind_at (service_closures take off the services a dated master closed).
offices = Table(
    "offices", metadata,
    Column("office_code", String(10), primary_key=True, autoincrement=False),
    Column("name", Text),
    Column("prefecture_code", String(2), nullable=False),
    Column("municipality_code", String(6)),
    Column("municipality", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("kind", String(10), nullable=False),
    Column("batch_id", BigInteger),
)

# サービス種類: 2-digit 介護給付 code (the open data's 3-digit file codes are mapped on read).
office_services = Table(
    "office_services", metadata,
    Column("office_code", String(10), nullable=False),
    Column("service_code", String(3), nullable=False),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("office_code", "service_code"),
)

# Office master snapshots: the open data republished complete (June, December) on a date, for the
# prefectures × サービス種類 it covers (service_code '*': a list without a service column covers the whole
# prefecture). Stored as facts; office_closures is recomputed from them (analytics.ingest.master_snapshots).
master_snapshots = Table(
    "master_snapshots", metadata,
    Column("as_of", Date, nullable=False),
    Column("prefecture_code", String(2), nullable=False),
    Column("service_code", String(3), nullable=False),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("as_of", "prefecture_code", "service_code"),
)

master_snapshot_services = Table(
    "master_snapshot_services", metadata,
    Column("as_of", Date, nullable=False),
    Column("office_code", String(10), nullable=False),
    Column("service_code", String(3), nullable=False),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("office_code", "service_code", "as_of"),
)

# An office closed from closed_on (the first snapshot of its coverage not listing any of its services) until
# reopened_on (the next one listing it again; null: still closed). No row: open on every day (a master
# imported without a date, the demo).
office_closures = Table(
    "office_closures", metadata,
    Column("office_code", String(10), nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("reopened_on", Date),
    PrimaryKeyConstraint("office_code", "closed_on"),
)

# A service of an office closed from closed_on (the first snapshot covering its prefecture and サービス種類 that
# does not list it) until reopened_on (the next one listing it again; null: still closed); service_code '*':
# an office listed without services. Derived with office_closures (an office is closed where all its
# services are); the office's kind at a date reads them (definitions.kind_at): an office whose 居宅介護支援
# closed but whose 訪問介護 stays open is a service office from that date.
service_closures = Table(
    "service_closures", metadata,
    Column("office_code", String(10), nullable=False),
    Column("service_code", String(3), nullable=False),
    Column("closed_on", Date, nullable=False),
    Column("reopened_on", Date),
    PrimaryKeyConstraint("office_code", "service_code", "closed_on"),
)

registrations = Table(
    "registrations", metadata,
    Column("office_code", String(10), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("prefecture_code", String(2), nullable=False),
    Column("batch_id", BigInteger),
    # true: derived from snapshots (analytics.ingest.snapshots): registered on or before registered_on (the
    # first snapshot listing it), ended_on the first later snapshot of its prefecture that does not list it
    Column("registered_from_snapshot", Boolean, default=False, server_default="false"),
    PrimaryKeyConstraint("office_code", "registered_on"),
)

# Registration snapshots: a list of the offices using the system on a date (no 利用開始日), complete for the
# prefectures it covers. Stored as facts; the snapshot-derived registrations are recomputed from them.
registration_snapshots = Table(
    "registration_snapshots", metadata,
    Column("as_of", Date, nullable=False),
    Column("prefecture_code", String(2), nullable=False),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("prefecture_code", "as_of"),
)

snapshot_offices = Table(
    "snapshot_offices", metadata,
    Column("as_of", Date, nullable=False),
    Column("office_code", String(10), nullable=False),
    Column("prefecture_code", String(2), nullable=False),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("office_code", "as_of"),
)

# 提供票 exchanges aggregated to (month, sender, receiver, form, channel). month = first day of month.
# form: plan | actual | sheet1 | sheet2 | sheet6 | sheet7; channel: fax | post | hand | email | digital.
exchanges = Table(
    "exchanges", metadata,
    Column("month", Date, nullable=False),
    Column("sender_code", String(10), nullable=False),
    Column("receiver_code", String(10), nullable=False),
    Column("form", String(10), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("sheets", BigInteger, nullable=False),
    Column("batch_id", BigInteger),
    # the sender's and receiver's サービス種類コード from a v4.x (令和6年7月〜) file name of the 標準仕様
    # (UPPLAN_{YYYYMM}_{sender}_43_{receiver}_11_…): one office number with several services is one office,
    # but the pair's services say which service the sheets were for. Null: an older name, or a log without them.
    Column("sender_service", String(2)),
    Column("receiver_service", String(2)),
)
# PostgreSQL only: DuckDB skips months by its zone maps (exchange logs come a month per file, so stored
# rows are mostly in month order; a file of several months still reads right, only with fewer skips),
# while an ART index there costs every import ≈0.2 s per million rows at commit.
Index("ix_exchanges_month", exchanges.c.month).ddl_if(dialect="postgresql")

# Deletion files of the 標準仕様 (DLTPLAN_/DLTJSK_/DLT1KYO_/DLT2KYO_…) applied to the exchange they withdraw,
# once each: deletion_key is the file's name without its extension (public office numbers, codes and the
# time it was sent; no personal data), so the same deletion in a later folder is not applied again.
# users: the distinct users it withdrew (taken off the exchange's sheets).
exchange_deletions = Table(
    "exchange_deletions", metadata,
    Column("deletion_key", String(80), primary_key=True, autoincrement=False),
    Column("month", Date, nullable=False),
    Column("sender_code", String(10), nullable=False),
    Column("receiver_code", String(10), nullable=False),
    Column("form", String(10), nullable=False),
    Column("sender_service", String(2)),
    Column("receiver_service", String(2)),
    Column("users", BigInteger, nullable=False),
    Column("batch_id", BigInteger),
)

profiles = Table(
    "profiles", metadata,
    Column("office_code", String(10), nullable=False),
    Column("month", Date, nullable=False),
    Column("users", Integer),
    Column("care_managers", Integer),
    Column("batch_id", BigInteger),
    PrimaryKeyConstraint("office_code", "month"),
)

# Facts about the dataset itself: demo scale and sampling, generator seed, data as-of date …
dataset_meta = Table(
    "dataset_meta", metadata,
    Column("key", String(50), primary_key=True, autoincrement=False),
    Column("value", Text),
)

# Sign-in: password hashes only (argon2); role admin|prefecture|office|viewer; scope = prefecture or office code.
users = Table(
    "users", metadata,
    Column("username", String(100), primary_key=True, autoincrement=False),
    Column("password_hash", Text),
    Column("role", String(20), nullable=False),
    Column("scope", String(10)),
    Column("created_at", DateTime, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
)

audit_seq = Sequence("audit_log_seq", metadata=metadata)
audit_log = Table(
    "audit_log", metadata,
    Column("event_id", BigInteger, audit_seq, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("username", String(100)),
    Column("action", String(30), nullable=False),
    Column("detail", Text),
)

# Monthly pre-aggregate of exchanges (analytics.store.aggregates): sheets and rows by month × sender's
# area × form × channel × registration flags. No key: an import appends its batch's delta, readers sum.
# Used only while dataset_meta 'aggregates_token' matches the data (else queries read exchanges).
exchanges_monthly = Table(
    "exchanges_monthly", metadata,
    Column("month", Date, nullable=False),
    Column("prefecture_code", String(2)),
    Column("municipality_code", String(6)),
    Column("form", String(10), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("sender_registered", Integer, nullable=False),
    Column("receiver_registered", Integer, nullable=False),
    Column("sheets", BigInteger, nullable=False),
    Column("n_rows", BigInteger, nullable=False),
)
# PostgreSQL: the latest month and one month's rows by index (at 10⁸ exchanges this table holds ≈10⁶ rows,
# read in full twice for 概要's national share without it); DuckDB: zone maps, rows arrive month by month
Index("ix_exchanges_monthly_month", exchanges_monthly.c.month).ddl_if(dialect="postgresql")

# Per-office pre-aggregates (analytics.store.aggregates_office), rebuilt and appended together with
# exchanges_monthly under the same freshness token. No keys: deltas are appended, readers sum. DuckDB finds
# a slice by zone maps (a rebuild writes the rows ordered by the lookup columns); PostgreSQL by the indexes.
# 二重管理 pairs: non-digital sheets with sender and receiver both registered that month.
exchanges_missed_pairs = Table(
    "exchanges_missed_pairs", metadata,
    Column("month", Date, nullable=False),
    Column("prefecture_code", String(2), nullable=False),   # the sender's area
    Column("sender_code", String(10), nullable=False),
    Column("receiver_code", String(10), nullable=False),
    Column("sheets", BigInteger, nullable=False),
)
Index("ix_exchanges_missed_pairs", exchanges_missed_pairs.c.prefecture_code,
      exchanges_missed_pairs.c.month).ddl_if(dialect="postgresql")

# Unlockable: non-digital sheets with exactly one side registered that month; office_code = the
# unregistered side (the target), partner_code = the registered one.
exchanges_unlockable = Table(
    "exchanges_unlockable", metadata,
    Column("month", Date, nullable=False),
    Column("prefecture_code", String(2), nullable=False),   # the target's area
    Column("office_code", String(10), nullable=False),
    Column("partner_code", String(10), nullable=False),
    Column("sheets", BigInteger, nullable=False),
)
Index("ix_exchanges_unlockable", exchanges_unlockable.c.prefecture_code,
      exchanges_unlockable.c.month).ddl_if(dialect="postgresql")

# The same per target and month (exactly one row each): sheets and distinct registered partners, for the
# default one-month ranking without regrouping the pairs. An import recomputes the targets it touches.
exchanges_targets = Table(
    "exchanges_targets", metadata,
    Column("month", Date, nullable=False),
    Column("prefecture_code", String(2), nullable=False),   # the target's area
    Column("office_code", String(10), nullable=False),
    Column("sheets", BigInteger, nullable=False),
    Column("partners", BigInteger, nullable=False),
)
Index("ix_exchanges_targets", exchanges_targets.c.prefecture_code,
      exchanges_targets.c.month).ddl_if(dialect="postgresql")

# One office's sheets by month and direction ('sent' | 'received'; a sheet sent to itself is 'sent').
exchanges_office_monthly = Table(
    "exchanges_office_monthly", metadata,
    Column("month", Date, nullable=False),
    Column("office_code", String(10), nullable=False),
    Column("direction", String(8), nullable=False),
    Column("sheets", BigInteger, nullable=False),
    Column("digital_sheets", BigInteger, nullable=False),
    Column("missed_digital_sheets", BigInteger, nullable=False),
)
Index("ix_exchanges_office_monthly", exchanges_office_monthly.c.office_code).ddl_if(dialect="postgresql")

KINDS = ("kyotaku", "service")
