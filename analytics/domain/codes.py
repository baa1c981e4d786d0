"""Japanese identifiers: prefectures, 介護保険事業所番号, 地方公共団体コード, service type codes.

Pure functions; the only I/O is reading the reference tables shipped in ``analytics/reference/`` (lazily, once).
Dates and text helpers live in ``dates.py`` / ``text.py`` and are re-exported here so that callers
need one import: ``from analytics.domain.codes import parse_date, normalise_office_code, …``.
"""
from __future__ import annotations

import functools
import io
import re
import unicodedata
from typing import Iterable

import numpy as np
import pandas as pd

from analytics import i18n, reference
from analytics.domain.dates import (  # noqa: F401  (re-exported API)
    ERAS,
    fiscal_year,
    fiscal_year_label,
    fiscal_year_range,
    month_label,
    parse_date,
    parse_month,
    to_wareki,
)
from analytics.domain.text import is_missing, normalise_text  # noqa: F401

__all__ = [  # noqa: F822 - PREFECTURES and SERVICES come from __getattr__ (read on first use)
    "PREFECTURES", "SERVICES", "prefectures", "services", "prefecture_name", "parse_prefecture",
    "prefecture_from_office_code", "office_check_digit", "office_check_digits", "is_valid_office_code", "normalise_office_code",
    "office_code_problem", "municipality_check_digit", "is_valid_municipality_code",
    "normalise_municipality_code", "service_from_code", "service_name", "is_kyotaku_service", "office_kind",
    "parse_date", "parse_month", "normalise_text", "fiscal_year", "fiscal_year_label", "fiscal_year_range",
    "to_wareki", "month_label", "ERAS", "KYOTAKU_SERVICE_CODES", "REGIONS", "FORMS", "CHANNELS",
]


# ---------------------------------------------------------------- reference tables (lazy)

def prefectures() -> pd.DataFrame:
    """A copy of the 47 prefectures (analytics/reference/prefectures.csv): code '01'..'47', name_ja, name_short, name_en, region_ja,
    region_en, iso 'JP-01', capital_ja, capital_en, lat, lon (the prefectural office's city)."""
    return _prefectures().copy()


@functools.lru_cache(maxsize=None)
def _prefectures() -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(reference.read_text("prefectures.csv")), dtype=str, encoding="utf-8")
    frame["lat"] = frame["lat"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    return frame


@functools.lru_cache(maxsize=None)
def _prefecture_rows() -> dict[str, dict]:
    return {row["code"]: row for row in _prefectures().to_dict("records")}


def services() -> pd.DataFrame:
    """A copy of the service type codes of both systems (analytics/reference/services.csv): system 'kaigo' (2-character 介護給付
    サービス種類コード) or 'opendata' (3-digit 情報公表 file code), code, name_ja, name_en, kaigo_code
    (the 介護給付 code it maps to), kyotaku (bool), note."""
    return _services().copy()


@functools.lru_cache(maxsize=None)
def _services() -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(reference.read_text("services.csv")), dtype=str, encoding="utf-8", keep_default_na=False)
    frame["kyotaku"] = frame["kyotaku"] == "1"
    return frame


def __getattr__(name: str):
    # PEP 562: PREFECTURES and SERVICES are real DataFrames, read on first use (not at import time)
    if name == "PREFECTURES":
        return prefectures()
    if name == "SERVICES":
        return services()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


REGIONS: tuple[tuple[str, str], ...] = (
    ("北海道", "Hokkaido"), ("東北", "Tohoku"), ("関東", "Kanto"), ("中部", "Chubu"), ("近畿", "Kinki"),
    ("中国", "Chugoku"), ("四国", "Shikoku"), ("九州・沖縄", "Kyushu-Okinawa"),
)
KYOTAKU_SERVICE_CODES = frozenset({"43", "46"})
# the stored values of an exchange's form (帳票) and channel (送信方法), in the order pages and charts list them
FORMS = ("plan", "actual", "sheet1", "sheet2", "sheet6", "sheet7")
CHANNELS = ("fax", "post", "hand", "email", "digital")


# ---------------------------------------------------------------- prefectures

def _fold_latin(text: str) -> str:
    # Hyōgo → hyogo, Kōchi → kochi
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@functools.lru_cache(maxsize=None)
def _prefecture_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for row in _prefectures().itertuples(index=False):
        code = row.code
        for key in (code, str(int(code)), row.iso, row.name_ja, row.name_short, row.name_en.lower()):
            lookup[key.lower()] = code
        for suffix in ("-ken", "-to", "-fu", " ken", " prefecture", "-do", " to", " fu"):
            lookup[row.name_en.lower() + suffix] = code
        lookup["jp" + code] = code
    lookup["tokyo metropolis"] = "13"
    return lookup


def parse_prefecture(value: object) -> str | None:
    """JIS prefecture code '01'..'47' from 1, '01', 'JP-01', '和歌山', '和歌山県', 'Wakayama', '３０'; else None."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(value)
    if not text:
        return None
    key = _fold_latin(re.sub(r"\s+", " ", text)).strip()
    lookup = _prefecture_lookup()
    if key in lookup:
        return lookup[key]
    if re.fullmatch(r"\d{1,2}(\.0+)?", key):
        number = int(float(key))
        return f"{number:02d}" if 1 <= number <= 47 else None
    if re.fullmatch(r"jp[-_ ]?\d{1,2}", key):
        number = int(re.sub(r"\D", "", key))
        return f"{number:02d}" if 1 <= number <= 47 else None
    return None


def prefecture_names(lang: str = "ja") -> dict[str, str]:
    """{'01': '北海道', …, '47': '沖縄県'} (or English names), in JIS order."""
    table = _prefectures()
    return dict(zip(table["code"], table["name_ja" if lang == "ja" else "name_en"]))


def prefecture_name(code: object, lang: str = "ja") -> str | None:
    """'和歌山県' / 'Wakayama' for '30' (any form parse_prefecture accepts); None if unknown."""
    parsed = parse_prefecture(code)
    if parsed is None:
        return None
    row = _prefecture_rows()[parsed]
    return row["name_ja"] if lang == "ja" else row["name_en"]


def prefecture_region(code: object, lang: str = "ja") -> str | None:
    """The region (地方) of a prefecture: '近畿' / 'Kinki'."""
    parsed = parse_prefecture(code)
    if parsed is None:
        return None
    row = _prefecture_rows()[parsed]
    return row["region_ja"] if lang == "ja" else row["region_en"]


# ---------------------------------------------------------------- 介護保険事業所番号

# The check digit's constants (domain-facts §6a), the only copy: the Python check below, its numpy form
# (``office_check_digits``) and the SQL of the ingest fast path (analytics.ingest.fast) are built from them.
# Character values: the index in this alphabet (digits 0–9, A=10 … Z=32, skipping I, O and Q).
OFFICE_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
# weights of characters 1–9 from the left (from the right: 2, 1, 2, 1 …)
OFFICE_CHECK_WEIGHTS = (2, 1, 2, 1, 2, 1, 2, 1, 2)
OFFICE_CHECK_MODULUS = 10
# well-shaped: two digits, a digit or a letter of the alphabet, seven digits (ASCII only)
OFFICE_CODE_SHAPE = "^[0-9]{2}[0-9A-HJ-NPR-Z][0-9]{7}$"
_OFFICE_RE = re.compile(OFFICE_CODE_SHAPE)
_CHAR_VALUES = {c: i for i, c in enumerate(OFFICE_CODE_ALPHABET)}


def office_check_digits(values) -> np.ndarray:
    """Check digits of many 事業所番号 at once: ``values`` is n × 9 character values (``OFFICE_CODE_ALPHABET``
    indices) → n check digits (ints). Each character × its weight, the digits of each product summed;
    check = (modulus − sum mod modulus) mod modulus."""
    p = np.asarray(values, dtype=np.int64).reshape(-1, len(OFFICE_CHECK_WEIGHTS)) * np.array(OFFICE_CHECK_WEIGHTS)
    total = (p // 10 + p % 10).sum(axis=1)  # products are below 100 (32 × 2)
    return (OFFICE_CHECK_MODULUS - total % OFFICE_CHECK_MODULUS) % OFFICE_CHECK_MODULUS


def office_check_digit(code9: str) -> str:
    """Check digit (10th character) of a 介護保険事業所番号 from its first 9 characters (domain-facts §6a).

    From the right, multiply alternately by 2, 1, 2, 1 …; add the digits of each product;
    check = (10 − sum mod 10) mod 10. Letters count A=10 … Z=32 (I, O, Q skipped).
    """
    code9 = str(code9).upper()
    if len(code9) != 9 or any(c not in _CHAR_VALUES for c in code9):
        raise ValueError(f"need 9 characters of {OFFICE_CODE_ALPHABET}, got {code9!r}")
    return str(int(office_check_digits([[_CHAR_VALUES[c] for c in code9]])[0]))


def is_valid_office_code(code: object) -> bool:
    """True for a well-formed 10-character 事業所番号 (prefecture 01–47, letter only in position 3, check digit)."""
    if not isinstance(code, str) or not _OFFICE_RE.match(code):
        return False
    if not 1 <= int(code[:2]) <= 47:
        return False
    return office_check_digit(code[:9]) == code[9]


def _office_candidate(value: object) -> str:
    """NFKC, Excel quoting, spaces/hyphens and a lost leading zero handled; not validated."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise_text(value).upper()
    text = re.sub(r"[\s\-‐－ー−]", "", text)
    if re.fullmatch(r"\d+\.0+", text):  # 170102313.0 from a float column
        text = text.split(".")[0]
    if len(text) == 9 and text.isdigit():  # Excel dropped the leading zero (北海道 … 09 栃木)
        text = "0" + text
    return text


def normalise_office_code(value: object) -> str | None:
    """A valid 10-character 事業所番号 from messy input (全角, ="…", lost leading zero, lower case); else None."""
    if is_missing(value):
        return None
    text = _office_candidate(value)
    return text if is_valid_office_code(text) else None


def office_code_failing_check(value: object) -> str | None:
    """The 10-character 事業所番号 of a value that is well-formed (shape, prefecture 01–47) but whose check
    digit does not match, as みなし指定 offices' numbers (built from their 医療機関コード) may be; None
    otherwise (valid numbers included). The master (offices) is the authority on such numbers."""
    if is_missing(value):
        return None
    text = _office_candidate(value)
    if not _OFFICE_RE.match(text) or not 1 <= int(text[:2]) <= 47 or is_valid_office_code(text):
        return None
    return text


def office_code_problem(value: object) -> tuple[str, str] | None:
    """Why a value is not a valid 事業所番号, as (Japanese, English) sentences; None when it is valid."""
    if is_missing(value) or not normalise_text(value):
        return i18n.both("rows.office.empty")
    text = _office_candidate(value)
    bare = re.sub(r"[\s\-‐－ー−]", "", normalise_text(value))
    if re.fullmatch(r"\d{9}(\.0+)?", bare) and not is_valid_office_code(text):
        # 9 digits: a lost leading 0 was tried (and did not give a valid number) or the number is cut
        # short; never suggest a check digit here, it would make up another office's number
        return i18n.both("rows.office.nine_digits")
    if len(text) != 10:
        return i18n.both("rows.office.length", length=len(text))
    bad = [c for c in text if not (c.isdigit() or ("A" <= c <= "Z"))]
    if bad:
        return i18n.both("rows.office.character", char=bad[0])
    letters = [i for i, c in enumerate(text) if not c.isdigit()]
    if any(i != 2 for i in letters):
        return i18n.both("rows.office.letter_place")
    if letters and text[2] in "IOQ":
        return i18n.both("rows.office.letter_unused", char=text[2])
    if not 1 <= int(text[:2]) <= 47:
        return i18n.both("rows.office.prefecture", prefix=text[:2])
    expected = office_check_digit(text[:9])
    if expected != text[9]:
        return i18n.both("rows.office.check_digit", expected=expected)
    return None


def prefecture_from_office_code(code: object) -> str | None:
    """Prefecture code from positions 1–2 of a valid 事業所番号."""
    normal = normalise_office_code(code)
    return normal[:2] if normal else None


# ---------------------------------------------------------------- 地方公共団体コード

def municipality_check_digit(code5: str) -> str:
    """Check digit of a 地方公共団体コード: (11 − Σ dᵢ·(6,5,4,3,2) mod 11) mod 10 (domain-facts §6b)."""
    code5 = str(code5)
    if not re.fullmatch(r"\d{5}", code5):
        raise ValueError(f"need 5 digits, got {code5!r}")
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return str((11 - total % 11) % 10)


def is_valid_municipality_code(code: object) -> bool:
    """True for a 6-digit code with prefecture 01–47 and a correct check digit."""
    if not isinstance(code, str) or not re.fullmatch(r"\d{6}", code):
        return False
    return 1 <= int(code[:2]) <= 47 and municipality_check_digit(code[:5]) == code[5]


def normalise_municipality_code(value: object) -> str | None:
    """6-digit 地方公共団体コード from 5 digits (check digit added) or 6 (verified); None when invalid.

    A leading zero lost by Excel is restored when unambiguous: 4 digits → 5-digit form; 5 digits whose first
    two are not a prefecture code but whose zero-padded form is a valid 6-digit code (e.g. '91011').
    """
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s\-]", "", normalise_text(value))
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if not text.isdigit():
        return None
    if len(text) == 4:
        text = "0" + text
    if len(text) == 5:
        if not 1 <= int(text[:2]) <= 47 and is_valid_municipality_code("0" + text):
            return "0" + text
        if not 1 <= int(text[:2]) <= 47:
            return None
        return text + municipality_check_digit(text)
    if len(text) == 6 and is_valid_municipality_code(text):
        return text
    return None


def municipality_in_prefecture(value: object, prefecture: object) -> tuple[str | None, tuple[str, str] | None]:
    """(code, problem) of a 地方公共団体コード checked against the prefecture of its own row.

    An open-data CSV opened and saved in Excel loses the leading zero (011011 札幌市中央区 → 11011), and the
    5 digits left read as a code of another prefecture (埼玉). When the code's prefecture is not the row's,
    the zero is restored if that gives a valid code of the row's prefecture; else the code is refused with
    the reason. ``prefecture``: the row's 2-digit prefecture code (None: nothing to compare, code as is)."""
    code = normalise_municipality_code(value)
    pref = str(prefecture) if prefecture is not None and not is_missing(prefecture) else None
    if code is None or pref is None or code[:2] == pref:
        return code, None
    text = re.sub(r"[\s\-]", "", normalise_text(value))
    text = text.split(".")[0] if re.fullmatch(r"\d+\.0+", text) else text
    candidate = "0" + text
    if len(candidate) == 6 and is_valid_municipality_code(candidate) and candidate[:2] == pref:
        return candidate, None
    theirs = prefecture_name(code[:2]) or code[:2]
    ours = prefecture_name(pref) or pref
    theirs_en = prefecture_name(code[:2], "en") or code[:2]
    ours_en = prefecture_name(pref, "en") or pref
    return None, i18n.both("rows.municipality.other_prefecture", theirs=(theirs, theirs_en), ours=(ours, ours_en))


# ---------------------------------------------------------------- services

def _strip_qualifier(text: str) -> str:
    """Without a bracketed qualifier at the end (（短期利用）, (予防)): from the first opening bracket after
    the last closing one before the end; what ``re.sub(r"（[^）]*）$|\\([^)]*\\)$", "", text)`` gives, by
    a few scans (that pattern, searched, is quadratic on a long run of opening brackets)."""
    base = text[:-1] if text.endswith("\n") else text   # ``$`` also ends before a final line break
    for opener, closer in (("（", "）"), ("(", ")")):
        if base.endswith(closer):
            start = base.find(opener, base.rfind(closer, 0, len(base) - 1) + 1, len(base) - 1)
            if start >= 0:
                return base[:start].strip()
    return text.strip()


def _name_key(text: str) -> str:
    text = normalise_text(text)
    text = re.sub(r"\s+", "", text)
    return text


@functools.lru_cache(maxsize=None)
def _service_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    table = _services()
    # kaigo rows first so their names win; open-data names fill in the rest
    rows = [row for system in ("kaigo", "opendata")
            for row in table[table["system"] == system].itertuples(index=False)]
    for row in rows:
        lookup.setdefault(row.code.upper(), row.kaigo_code)
        for name in (row.name_ja, row.name_en.lower()):
            lookup.setdefault(_name_key(name), row.kaigo_code)
    # names without their bracketed qualifier only where no exact name claimed them:
    # 特定施設入居者生活介護（短期利用） must not take over plain 特定施設入居者生活介護 (33)
    for row in rows:
        for name in (row.name_ja, row.name_en.lower()):
            lookup.setdefault(_strip_qualifier(_name_key(name)), row.kaigo_code)
    aliases = {
        "訪問入浴": "12", "訪問リハ": "14", "通所リハ": "16", "ショートステイ": "21", "デイサービス": "15",
        "デイケア": "16", "ケアマネ": "43", "居宅介護支援事業所": "43", "介護予防支援事業所": "46",
        "複合型サービス": "77", "認知症GH": "32", "グループホーム": "32", "特養": "51", "老健": "52",
        "介護老人福祉施設": "51", "介護老人保健施設": "52", "介護療養型医療施設": "53", "介護医療院": "55",
        "短期入所療養介護": "22", "療養通所介護": "78", "特定施設": "33", "定期巡回": "76",
        "看多機": "77", "小多機": "73", "福祉用具販売": "41", "特定福祉用具購入": "41",
    }
    for name, code in aliases.items():
        lookup.setdefault(_name_key(name), code)
    return lookup


def service_from_code(code: object) -> str | None:
    """The 2-character 介護給付 サービス種類コード for a 2-digit code ('43'), a 3-digit open-data file code
    ('430' → '43', '780' → '78'), a 総合事業 code ('A1') or a service name ('居宅介護支援', '訪問介護');
    None when unknown. See data/README.md for the mapping and its judgement calls (155, 551)."""
    if is_missing(code) or isinstance(code, bool):
        return None
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    text = normalise_text(code)
    if not text:
        return None
    lookup = _service_lookup()
    upper = text.upper()
    if upper in lookup:
        return lookup[upper]
    key = _name_key(text)
    for candidate in (key, key.lower(), _strip_qualifier(key), re.sub(r"事業所$", "", key)):
        if candidate in lookup:
            return lookup[candidate]
    # jigyosho_430.csv style names
    match = re.fullmatch(r"(?:jigyosho_)?(\d{3})(?:\.csv)?", key.lower())
    if match and match.group(1) in lookup:
        return lookup[match.group(1)]
    return None


def service_name(code: object, lang: str = "ja") -> str | None:
    """Name of a service in Japanese or English, from any form service_from_code accepts."""
    kaigo = service_from_code(code)
    if kaigo is None:
        return None
    row = _service_rows()[kaigo]
    return row["name_ja"] if lang == "ja" else row["name_en"]


@functools.lru_cache(maxsize=None)
def _service_rows() -> dict[str, dict]:
    table = _services()
    return {row["code"]: row for row in table[table["system"] == "kaigo"].to_dict("records")}


def is_kyotaku_service(code: object) -> bool:
    """True for 居宅介護支援 (43, open data 430) and 介護予防支援 (46): the offices that write care plans."""
    return service_from_code(code) in KYOTAKU_SERVICE_CODES


def office_kind(service_codes: Iterable[object] | object) -> str:
    """'kyotaku' if any of an office's services is 居宅介護支援/介護予防支援, else 'service' (DESIGN §3)."""
    if isinstance(service_codes, (str, int, float)) or service_codes is None:
        service_codes = [service_codes]
    return "kyotaku" if any(is_kyotaku_service(c) for c in service_codes) else "service"
