"""The system's own exchange files (``UPPLAN_…`` plans, ``UPJSK_…`` actuals) in a folder or ZIP.

Only counts leave this module: month, sender, receiver and form come from the file name; sheets = the
number of distinct users (保険者番号 + 被保険者番号) inside, counted in memory. Names, addresses, birth
dates and insured numbers in the files are never stored, logged or shown (domain-facts §6d).
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from analytics import i18n, settings
from analytics.domain import codes, dates
from analytics.errors import FileRefused
from analytics.ingest import columns as cols
from analytics.ingest import limits
from analytics.ingest.read import MEMBER_ERRORS, decode, member_problem
from analytics.ingest.validate import ERROR_COLUMNS

# ---------------------------------------------------------------- the file names of the 標準仕様
# The one table of the standard's file names (domain-facts §6d): every prefix a unit of exchange may hold
# and what it is. Both generations are read: before v4.0 ``UPPLAN_{YYYYMM}_{sender}_{receiver}_{ts}.CSV``;
# from v4.0 (令和6年7月) / v4.1 (令和6年10月) each office number is followed by its 2-character
# サービス種類コード: ``UPPLAN_{YYYYMM}_{sender}_{svc}_{receiver}_{svc}_{ts}.CSV``.
EXCHANGE_FORMS = {"UPPLAN": "plan", "UPJSK": "actual", "UP1KYO": "sheet1", "UP2KYO": "sheet2"}
# a deletion file withdraws the users it lists from the exchange of the same key (DLTPLAN → UPPLAN …)
DELETES = {"DLT" + p[2:]: p for p in EXCHANGE_FORMS}  # DLTPLAN, DLTJSK, DLT1KYO, DLT2KYO
# known files of a unit that are no exchange of ours: 第3表, 第7表, 利用者補足, 予防 (基本情報, 画像), and the
# deletions of those
COMPANIONS = ("UP3KYO", "UPSIKYU", "UPHOSOKU", "UPKIHON_SUB1", "UPKIHON_IMAGE", "UPKIHON",
              "DLT3KYO", "DLTSIKYU", "DLTHOSOKU", "DLTKIHON")
# 第1表/第2表/第3表 (and their deletions) carry no YYYYMM; every other file does. Only 予防's images are
# pictures, numbered by a 4-digit 枝番 after the timestamp.
NO_MONTH = frozenset({"UP1KYO", "UP2KYO", "UP3KYO", "DLT1KYO", "DLT2KYO", "DLT3KYO"})
IMAGES = frozenset({"UPKIHON_IMAGE"})
PREFIXES = tuple(sorted({*EXCHANGE_FORMS, *DELETES, *COMPANIONS}, key=len, reverse=True))
FORM = EXCHANGE_FORMS  # the form of an exchange file's prefix
_OFFICE, _SVC = r"[0-9A-Za-z]{10}", r"[0-9A-Za-z]{2}"
NAME = re.compile(rf"^(?P<prefix>{'|'.join(PREFIXES)})_(?:(?P<ym>\d{{6}})_)?"
                  rf"(?P<sender>{_OFFICE})(?:_(?P<sender_service>{_SVC}))?_"
                  rf"(?P<receiver>{_OFFICE})(?:_(?P<receiver_service>{_SVC}))?"
                  rf"(?:_(?P<ts>\d{{8,14}})(?:_(?P<branch>\d{{4}}))?)?\.(?P<ext>csv|jpe?g)$", re.IGNORECASE)
_SERVICE = re.compile(r"^(?:\d{2}|[A-Z][0-9A-Z])$")



@dataclass(frozen=True)
class FileName:
    """What a file name of the standard says: its prefix, role (exchange, deletion, companion), the
    exchange form it is or deletes, the month, both offices and (v4.x) their サービス種類コード."""
    prefix: str
    role: str                   # "exchange" | "deletion" | "companion"
    form: str | None            # the exchange form of the file, or of the exchange a deletion withdraws
    ym: str | None
    sender: str
    receiver: str
    sender_service: str | None
    receiver_service: str | None
    ts: str | None


def parse_name(member: str) -> FileName | None:
    """The parts of a file name of the standard (either generation); None for any other name."""
    m = NAME.match(member)
    if not m:
        return None
    prefix = m["prefix"].upper()
    image = prefix in IMAGES
    if (m["ym"] is None) != (prefix in NO_MONTH) or (m["ext"].lower() != "csv") != image or (
            m["branch"] is not None and not image):
        return None
    form = EXCHANGE_FORMS.get(prefix) or EXCHANGE_FORMS.get(DELETES.get(prefix, ""))
    role = "exchange" if prefix in EXCHANGE_FORMS else "deletion" if prefix in DELETES else "companion"
    svc = [s.upper() if s else None for s in (m["sender_service"], m["receiver_service"])]
    return FileName(prefix, role, form, m["ym"], m["sender"], m["receiver"], *svc, m["ts"])


def deletion_key(name: FileName) -> str:
    """A deletion file's identity: its name's parts without the extension (office numbers, codes and the
    time it was sent are public; nothing personal), so the same deletion is applied once."""
    return "_".join(p for p in (name.prefix, name.ym, name.sender, name.sender_service, name.receiver,
                                name.receiver_service, name.ts) if p)


DELETION_COLUMNS = ["_pos", "deletion_key", "month", "sender_code", "receiver_code", "form", "channel",
                    "sender_service", "receiver_service", "users", "in_input"]


def service_problem(name: FileName) -> tuple[str, str] | None:
    """A v4.x name's サービス種類コード: both offices have one or neither, each 2 digits or a letter and a
    character (総合事業 A1…)."""
    pair = (name.sender_service, name.receiver_service)
    if (pair[0] is None) != (pair[1] is None):
        return i18n.both("rows.cpds.service_one_side")
    for code in pair:
        if code is not None and not _SERVICE.match(code):
            return i18n.both("rows.cpds.service_code", code=code)
    return None


_INSURER = re.compile(r"^\d{6}$")
_INSURED = re.compile(r"^[0-9A-Z]{10}$")


@dataclass(frozen=True)
class Damaged:
    """A member of a valid archive whose data cannot be read (CRC, compression, header): what is wrong, as
    the key of its message in the catalogue and the message's values. ``check`` rejects it as a row; the
    archive's other members are read."""
    key: str
    values: dict

    @property
    def pair(self) -> tuple[str, str]:
        return i18n.both(self.key, **self.values)


def members_of_zip(name: str, data: bytes) -> list[tuple[str, bytes | Damaged]]:
    """(member name, bytes) for each file in the archive, bounded against archive bombs; a member whose
    data is damaged comes as (member name, ``Damaged``). The archive as a whole (no readable directory, a
    password, too big, a bomb) is refused."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        from analytics.ingest.read import damaged
        raise damaged(name if name.lower().endswith(".zip") else name + ".zip") from None
    with z:
        # bounds from analytics.settings: entries, unpacked size and expansion ratio (archive bombs)
        infos = limits.check_archive(name, z)
        budget = limits.Budget(name, len(data))
        out = []
        for info in infos:
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if info.filename.startswith("__MACOSX/") or base.startswith(".") or not base:
                continue
            if info.flag_bits & 0x1:
                raise FileRefused("refused.zip_encrypted", name)
            try:
                out.append((base, budget.read(z, info)))
            except MEMBER_ERRORS as exc:  # this member only (bounds passed are FileRefused: the archive)
                out.append((base, _damaged(exc, info)))
    return out


def _damaged(exc: BaseException, info: zipfile.ZipInfo) -> Damaged:
    problem = member_problem(exc, info)
    if isinstance(exc, NotImplementedError):
        return Damaged("refused.member_unsupported", {"problem": problem})
    return Damaged("refused.member_damaged", {"problem": problem})


def _user_pairs(member: str, data: bytes) -> set[bytes]:
    """Distinct users as HMAC-SHA256 of (保険者番号, 被保険者番号) keyed by ``settings.hash_key()``; the
    columns by header alias, else the first column pair that looks like them."""
    text = decode(data, member)
    rows = list(csv.reader(io.StringIO(text)))
    rows = [[codes.normalise_text(c).upper() for c in r] for r in rows if any(c.strip() for c in r)]
    insurer_col = insured_col = None
    start = 0
    for i, row in enumerate(rows[:5]):
        normed = [cols.norm_header(c) for c in row]
        if "被保険者番号" in normed:
            insured_col = normed.index("被保険者番号")
            insurer_col = normed.index("保険者番号") if "保険者番号" in normed else None
            start = i + 1
            break
    body = rows[start:]
    if insured_col is None:
        width = max((len(r) for r in body), default=0)
        for c in range(width - 1):
            cells = [(r[c], r[c + 1]) for r in body if len(r) > c + 1]
            if cells and all(_INSURER.match(a) and _INSURED.match(b) for a, b in cells):
                insurer_col, insured_col = c, c + 1
                break
    if insured_col is None:
        return set()
    pairs = set()
    key = settings.hash_key()
    for r in body:
        if len(r) > insured_col and r[insured_col]:
            insurer = r[insurer_col] if insurer_col is not None and len(r) > insurer_col else ""
            # keyed hash at once: raw insured numbers never leave this file's processing
            pairs.add(hmac.new(key, f"{insurer}\0{r[insured_col]}".encode("utf-8"), hashlib.sha256).digest())
    return pairs


_ASCII_NAME = re.compile(r"^[0-9A-Za-z_.\- ()]+$")


def _safe_name(member: str) -> str:
    """A member's name for the rejected-rows list: shown unless it may name a care user (a misnamed file
    may be named after the person: 山田太郎様分.csv, UPPLAN_202508_山田太郎_x.csv). Shown: names in Latin
    letters, digits and punctuation that do not look personal (利用者, 様 … as ``display_name`` tells);
    a name with kana or kanji could be a person's and is masked."""
    # the one rule for names that may name a person: columns.display_name
    ok = _ASCII_NAME.match(member) and cols.display_name(member) == member
    return member if ok else cols.PERSONAL_PLACEHOLDER


def _month_of(name: FileName):
    """The month a file is for: its YYYYMM, else (第1表/第2表 carry none) the month it was sent."""
    ym = name.ym or (name.ts[:6] if name.ts else None)
    return codes.parse_month(ym) if ym else None


def check(file: str, members: list[tuple[str, bytes | Damaged]]):
    """Per member: its key and distinct users; errors for names and contents that cannot be counted (a
    ``Damaged`` member, a member that is not CSV text) — one rejected row each, the other members counted.

    A name of the standard is read in either generation (before or from v4.0, with the offices'
    サービス種類コード, kept: the key of an exchange is month, sender, receiver, form, channel and both
    codes). Companion files of the unit (利用者補足, 第3表, 第7表, 予防 …) are counted as companions, not
    read. A deletion file (DLTPLAN_ …) withdraws the users it lists from the exchange files of its key sent
    before it in the same input (an exchange file left with no user is a companion: withdrawn); each
    deletion is handed back too, for the load to apply to the exchange stored by an earlier import
    (``load.apply_deletions``) or to report as not found.

    Returns (rows, errors, rows_read, aggregated, companions, deletions) where aggregated has the exchange
    key, sheets (distinct users over all files of the key) and n_rows (files of the key); deletions has
    ``DELETION_COLUMNS`` (users: the distinct users it lists; in_input: a file of its key is here);
    rows_read = len(rows) + rejected members + companions + len(deletions).
    """
    errors, files, deletions, companions = [], [], [], 0
    members = sorted(members, key=lambda m: m[0])
    if not any(NAME.match(m[0]) for m in members):
        raise FileRefused("refused.no_exchange_files", file)
    for pos, (member, data) in enumerate(members):
        def err(ja, en, column="file_name", pos=pos, member=member):  # this file's place and name
            errors.append({"pos": pos, "column": column, "value": _safe_name(member), "reason_ja": ja,
                           "reason_en": en})

        if isinstance(data, Damaged):  # whatever its name: the archive must be made again
            err(*data.pair)
            continue
        name = parse_name(member)
        if name is None:
            err(*i18n.both("rows.cpds.name", rule=i18n.both("rows.cpds.name_rule")))
            continue
        problem = service_problem(name)
        if problem is not None:
            err(*problem)
            continue
        if name.role == "companion":
            companions += 1
            continue
        month = _month_of(name)
        sender = codes.normalise_office_code(name.sender)
        receiver = codes.normalise_office_code(name.receiver)
        if month is None:
            err(*i18n.both("rows.cpds.month"))
            continue
        lo, hi = dates.month_range()
        if not lo <= month <= hi:
            err(*i18n.both("rows.cpds.month_range", problem=dates.range_problem(month=True)))
            continue
        if sender is None or receiver is None:
            bad = name.sender if sender is None else name.receiver
            problem = codes.office_code_problem(bad) or i18n.both("rows.office.invalid")
            err(*i18n.both("rows.cpds.office", code=bad, problem=problem))
            continue
        if sender == receiver:
            err(*i18n.both("rows.same_office"))
            continue
        try:
            pairs = _user_pairs(member, data)
        except FileRefused as exc:  # empty, not text, or an encoding that cannot be told
            err(exc.ja, exc.en)
            continue
        except csv.Error as exc:  # e.g. a quote left open swallowing the rest into one overlong value
            err(*i18n.both("rows.cpds.csv", reason=str(exc)))
            continue
        if not pairs:
            err(*i18n.both("rows.cpds.no_users"))
            continue
        key = (month, sender, receiver, name.form, "digital", name.sender_service, name.receiver_service)
        if name.role == "exchange":
            files.append((pos, key, name.ts or "", pairs))
        else:
            deletions.append((pos, key, name.ts or "", pairs, deletion_key(name)))
    withdrawn = []
    for pos, key, ts, gone, dkey in deletions:  # a deletion withdraws its users from what was sent before it
        here = False  # its exchange is in the input (sent before it: withdrawn; after it: sent again)
        for _p, k, sent, pairs in files:
            if k == key:
                here = True
                if sent <= ts:
                    pairs -= gone
        withdrawn.append((pos, dkey, *key, len(gone), here))
    rows, users_by_key, files_by_key = [], {}, {}
    for pos, key, _ts, pairs in files:
        if not pairs:  # every user of it withdrawn by a deletion
            companions += 1
            continue
        users_by_key.setdefault(key, set()).update(pairs)
        files_by_key[key] = files_by_key.get(key, 0) + 1
        rows.append({"_pos": pos, "month": key[0], "sender_code": key[1], "receiver_code": key[2],
                     "form": key[3], "channel": "digital", "sender_service": key[5],
                     "receiver_service": key[6], "sheets": len(pairs)})
    key_cols = ["month", "sender_code", "receiver_code", "form", "channel", "sender_service", "receiver_service"]
    frame = pd.DataFrame(rows, columns=["_pos"] + key_cols + ["sheets"])
    agg = pd.DataFrame([k + (len(v), files_by_key[k]) for k, v in users_by_key.items()],
                       columns=key_cols + ["sheets", "n_rows"]).astype({"sheets": "int64", "n_rows": "int64"})
    for f in (frame, agg):  # text or None (an older name), never a float NaN
        for c in key_cols[-2:]:
            f[c] = f[c].astype(object)
    users_by_key.clear()  # the pairs go no further than this function
    files.clear()
    deletions.clear()
    return (frame, pd.DataFrame(errors, columns=ERROR_COLUMNS), len(members), agg, companions,
            pd.DataFrame(withdrawn, columns=DELETION_COLUMNS))
