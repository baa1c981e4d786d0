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

from analytics import settings
from analytics.domain import codes, dates
from analytics.errors import FileRefused
from analytics.ingest import columns as cols
from analytics.ingest import limits
from analytics.ingest.read import MEMBER_ERRORS, decode, member_problem
from analytics.ingest.validate import ERROR_COLUMNS

NAME = re.compile(r"^(UPPLAN|UPJSK)_(\d{6})_([0-9A-Za-z]{10})_([0-9A-Za-z]{10})(?:_(\d{8,14}))?\.csv$",
                  re.IGNORECASE)
FORM = {"UPPLAN": "plan", "UPJSK": "actual"}

_INSURER = re.compile(r"^\d{6}$")
_INSURED = re.compile(r"^[0-9A-Z]{10}$")


@dataclass(frozen=True)
class Damaged:
    """A member of a valid archive whose data cannot be read (CRC, compression, header): what is wrong, in
    ja and en. ``check`` rejects it as a row; the archive's other members are read."""
    ja: str
    en: str


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
                raise FileRefused("パスワード付きのZIPは読めません", "password-protected archives are not supported",
                                  name)
            try:
                out.append((base, budget.read(z, info)))
            except MEMBER_ERRORS as exc:  # this member only (bounds passed are FileRefused: the archive)
                out.append((base, _damaged(exc, info)))
    return out


def _damaged(exc: BaseException, info: zipfile.ZipInfo) -> Damaged:
    ja, en = member_problem(exc, info)
    if isinstance(exc, NotImplementedError):
        return Damaged(f"ZIPの中のこのファイルは読めません（{ja}）。標準のZIP（Deflate）で圧縮し直してください",
                       f"this file in the ZIP cannot be read ({en}); zip it again with standard (Deflate) "
                       "compression")
    return Damaged(f"ZIPの中のこのファイルが壊れています（{ja}）。元のファイルからもう一度ZIPを作るか、"
                   "ダウンロードし直してください",
                   f"this file in the ZIP is damaged ({en}); zip the original files again or download the "
                   "archive again")


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


_SAFE_NAME = re.compile(r"^(UPPLAN|UPJSK)_[0-9A-Za-z_.\-]*$", re.IGNORECASE)


def _safe_name(member: str) -> str:
    """A member's name for the rejected-rows list: shown only when shaped like an exchange file's name
    (a misnamed file may be named after the care user)."""
    return member if _SAFE_NAME.match(member) else cols.PERSONAL_PLACEHOLDER


def check(file: str, members: list[tuple[str, bytes | Damaged]]):
    """Per member: its key and distinct users; errors for names and contents that cannot be counted (a
    ``Damaged`` member, a member that is not CSV text) — one rejected row each, the other members counted.

    Returns (rows, errors, rows_read, aggregated) where aggregated has the exchange key, sheets (distinct
    users over all files of the key) and n_rows (files of the key).
    """
    rows, errors, users_by_key = [], [], {}
    members = sorted(members, key=lambda m: m[0])
    if not any(NAME.match(m[0]) for m in members):
        raise FileRefused("UPPLAN_／UPJSK_ で始まる送受信ファイルがありません",
                          "no UPPLAN_/UPJSK_ exchange files found", file)
    for pos, (member, data) in enumerate(members):
        def err(ja, en, column="file_name", pos=pos, member=member):  # this file's place and name
            errors.append({"pos": pos, "column": column, "value": _safe_name(member), "reason_ja": ja,
                           "reason_en": en})

        if isinstance(data, Damaged):  # whatever its name: the archive must be made again
            err(data.ja, data.en)
            continue
        m = NAME.match(member)
        if not m:
            err("ファイル名が UPPLAN_年月_送信元_送信先_日時.CSV の形式ではありません",
                "the file name is not UPPLAN_/UPJSK_{YYYYMM}_{sender}_{receiver}_{timestamp}.CSV")
            continue
        prefix, ym, sender_raw, receiver_raw = m.group(1).upper(), m.group(2), m.group(3), m.group(4)
        month = codes.parse_month(ym)
        sender = codes.normalise_office_code(sender_raw)
        receiver = codes.normalise_office_code(receiver_raw)
        if month is None:
            err("ファイル名の年月が読めません", "cannot read the month in the file name")
            continue
        lo, hi = dates.month_range()
        if not lo <= month <= hi:
            ja, en = dates.range_problem(month=True)
            err(f"ファイル名の{ja}", f"in the file name, {en}")
            continue
        if sender is None or receiver is None:
            bad = sender_raw if sender is None else receiver_raw
            ja, en = codes.office_code_problem(bad) or ("事業所番号が不正です", "invalid office number")
            err(f"ファイル名の事業所番号 {bad}: {ja}", f"office number {bad} in the file name: {en}")
            continue
        if sender == receiver:
            err("送信元と送信先が同じ事業所です", "sender and receiver are the same office")
            continue
        try:
            pairs = _user_pairs(member, data)
        except FileRefused as exc:  # empty, not text, or an encoding that cannot be told
            err(exc.ja, exc.en)
            continue
        except csv.Error as exc:  # e.g. a quote left open swallowing the rest into one overlong value
            err("CSVとして読めません（引用符の閉じ忘れや長すぎる値がないか確認してください）",
                f"cannot read as CSV ({exc}); check for a quote left open or an overlong value")
            continue
        if not pairs:
            err("利用者（保険者番号・被保険者番号）の行が見つかりません",
                "no user rows (insurer and insured numbers) found in the file")
            continue
        key = (month, sender, receiver, FORM[prefix], "digital")
        users_by_key.setdefault(key, set()).update(pairs)
        rows.append({"_pos": pos, "month": month, "sender_code": sender, "receiver_code": receiver,
                     "form": FORM[prefix], "channel": "digital", "sheets": len(pairs)})
    key_cols = ["month", "sender_code", "receiver_code", "form", "channel"]
    frame = pd.DataFrame(rows, columns=["_pos"] + key_cols + ["sheets"])
    agg = pd.DataFrame([k + (len(v),) for k, v in users_by_key.items()], columns=key_cols + ["sheets"])
    if not frame.empty:
        agg = agg.merge(frame.groupby(key_cols).size().rename("n_rows").reset_index(), on=key_cols)
    else:
        agg["n_rows"] = pd.Series(dtype="int64")
    users_by_key.clear()  # the pairs go no further than this function
    return frame, pd.DataFrame(errors, columns=ERROR_COLUMNS), len(members), agg
