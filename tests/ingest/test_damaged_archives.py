"""Damaged archives (#24, 1): an .xlsx whose ZIP opens but whose sheet is cut short or fails its CRC is
refused with a message that says so, for every kind that takes .xlsx; one damaged member of a CPDS ZIP
(bad CRC, a lying size, an unknown compression method, a name that differs between the directory and the
local header, corrupt deflate data, binary garbage, NUL bytes, a quote left open) is one rejected row and the
archive's other members are read. No traceback on the reader, through ingest_files, the CLI or the import page;
nothing of a refused file reaches the database. Every damaged file is made here from a good one."""
from __future__ import annotations

import io
import pathlib
import random
import struct
import zipfile
import zlib

import pytest
from conftest import cli_in_both_languages
from ingest_helpers import counts, cpds_csv, import_page, office, table, xlsx_bytes

from analytics.errors import FileRefused
from analytics.ingest import columns, cpds, ingest_files, preview, read
from analytics.store import engine as store_engine

A, B, C = office(30, 1), office(30, 2), office(30, 3)
SHEET = "xl/worksheets/sheet1.xml"

# one good file per kind that takes .xlsx (read.read_table: sniffed as xlsx for every kind but cpds)
GOOD_ROWS = {
    "offices": [["事業所番号", "事業所名"]] + [[office(30, i), f"居宅{i}"] for i in range(1, 41)],
    "registrations": [["事業所番号", "利用開始日"]] + [[office(30, i), "2024-01-01"] for i in range(1, 41)],
    "exchanges": [["対象年月", "送信元事業所番号", "送信先事業所番号", "帳票", "送信方法", "件数"]]
                 + [["2025-08", A, office(30, 10 + i), "予定", "FAX", i] for i in range(1, 41)],
    "profiles": [["事業所番号", "対象年月", "利用者数", "ケアマネジャー数"]]
                + [[office(30, i), "2025-08", "90", "3"] for i in range(1, 41)],
}

EXCEL_ADVICE_JA = "。元のファイルをもう一度保存・ダウンロードするか、Excelで開けるなら保存し直してください"
EXCEL_ADVICE_EN = "; save or download the original again, or open it in Excel and save it again if Excel can open it"


def excel_refusal(file: str, what_ja: str, what_en: str) -> str:
    return (f"{file}: Excelファイルが壊れています（{what_ja}）{EXCEL_ADVICE_JA} / "
            f"the Excel file is damaged ({what_en}){EXCEL_ADVICE_EN}")


CUT_JA, CUT_EN = f"シート {SHEET} のXMLが途中で切れているか壊れています", f"the XML of sheet {SHEET} is cut short or broken"
CRC_JA, CRC_EN = f"{SHEET} のCRCが一致しません", f"{SHEET}: its CRC does not match"


# ---------------------------------------------------------------- building damaged archives

def rezip(data: bytes, change=lambda name, body: body, stored: tuple[str, ...] = ()) -> bytes:
    """The archive written again, each member's content through change(name, content) (CRC and sizes
    then agree with the new content: a valid ZIP holding a damaged file); members in ``stored`` uncompressed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            method = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            out.writestr(info.filename, change(info.filename, src.read(info)), compress_type=method)
    return buf.getvalue()


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int:
    """Offset of a member's (compressed) data: past its local header, name and extra field."""
    n, e = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + n + e


def _central(data: bytes, info: zipfile.ZipInfo) -> int:
    """Offset of a member's central-directory entry."""
    pos = data.index(b"PK\x01\x02")
    while True:
        n = struct.unpack("<H", data[pos + 28:pos + 30])[0]
        if data[pos + 46:pos + 46 + n].decode("utf-8", "replace") == info.filename:
            return pos
        pos = data.index(b"PK\x01\x02", pos + 1)


def _info(data: bytes, member: str) -> zipfile.ZipInfo:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.getinfo(member)


def flip_deflated(data: bytes, member: str) -> bytes:
    """One byte of a deflated member's compressed data flipped where the data still inflates, to other
    content: the stored CRC no longer matches (the first such byte from the middle on)."""
    info = _info(data, member)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    start = _data_start(data, info)
    packed = data[start:start + info.compress_size]
    original = zlib.decompress(packed, -15)
    for i in range(len(packed) // 2, len(packed)):
        changed = bytearray(packed)
        changed[i] ^= 0x01
        try:
            if zlib.decompress(bytes(changed), -15) != original:
                return data[:start + i] + bytes([changed[i]]) + data[start + i + 1:]
        except zlib.error:
            continue
    raise AssertionError("no byte to flip")


def flip_stored(data: bytes, member: str, at: int = 20) -> bytes:
    """One byte of a stored member's data changed (a digit for a digit: the content still reads)."""
    info = _info(data, member)
    assert info.compress_type == zipfile.ZIP_STORED
    pos = _data_start(data, info) + at
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]


def lie_size(data: bytes, member: str, delta: int) -> bytes:
    """The member's unpacked size in its local header and the central directory changed by delta."""
    info = _info(data, member)
    b = bytearray(data)
    b[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", info.file_size + delta)
    c = _central(data, info)
    b[c + 24:c + 28] = struct.pack("<I", info.file_size + delta)
    return bytes(b)


def set_method(data: bytes, member: str, method: int) -> bytes:
    """The member's compression method in its local header and the central directory set to method."""
    info = _info(data, member)
    b = bytearray(data)
    b[info.header_offset + 8:info.header_offset + 10] = struct.pack("<H", method)
    c = _central(data, info)
    b[c + 10:c + 12] = struct.pack("<H", method)
    return bytes(b)


def rename_in_local_header(data: bytes, member: str) -> bytes:
    """The member's name in its local header differs from the central directory's (first letter)."""
    info = _info(data, member)
    b = bytearray(data)
    b[info.header_offset + 30] = ord("X")
    return bytes(b)


def garble_deflated(data: bytes, member: str) -> bytes:
    """The member's compressed data overwritten with 0xFF (an invalid deflate block: zlib.error)."""
    info = _info(data, member)
    start = _data_start(data, info)
    return data[:start] + b"\xff" * info.compress_size + data[start + info.compress_size:]


def xlsx(kind: str, *, stored: bool = False) -> bytes:
    good = xlsx_bytes(GOOD_ROWS[kind])
    return rezip(good, stored=(SHEET,)) if stored else good


def cut_sheet(kind: str) -> bytes:
    return rezip(xlsx(kind), lambda name, body: body[:len(body) // 2] if name == SHEET else body)


# ---------------------------------------------------------------- XLSX: refused, for every kind

@pytest.mark.parametrize("kind", list(GOOD_ROWS))
def test_the_good_workbooks_are_read(kind):
    """The files damaged below are good before: every row of each is read."""
    assert len(read.read_table(kind, "good.xlsx", xlsx(kind)).frame) == 40
    assert len(read.read_table(kind, "good.xlsx", xlsx(kind, stored=True)).frame) == 40


@pytest.mark.parametrize("kind", list(GOOD_ROWS))
@pytest.mark.parametrize("damage,what", [
    ("cut", (CUT_JA, CUT_EN)),                # the sheet's XML cut in half (the ZIP itself is valid)
    ("flip_deflated", (CRC_JA, CRC_EN)),      # a flipped byte in the deflated sheet: other XML, bad CRC
    ("flip_stored", (CRC_JA, CRC_EN)),        # a flipped digit in a stored sheet: the XML reads, the CRC fails
])
def test_a_damaged_sheet_is_refused_as_such(duck_url, kind, damage, what):
    data = {"cut": lambda: cut_sheet(kind), "flip_deflated": lambda: flip_deflated(xlsx(kind), SHEET),
            "flip_stored": lambda: flip_stored(xlsx(kind, stored=True), SHEET)}[damage]()
    with zipfile.ZipFile(io.BytesIO(data)) as z:   # the container is a valid ZIP: only the sheet is damaged
        assert z.namelist() == zipfile.ZipFile(io.BytesIO(xlsx(kind))).namelist()
    with pytest.raises(FileRefused) as exc:
        read.read_table(kind, "book.xlsx", data)
    assert exc.value.message() == excel_refusal("book.xlsx", *what)
    assert exc.value.__cause__ is None and exc.value.__suppress_context__

    eng = store_engine.get_engine(duck_url)
    before = counts(eng)
    s = ingest_files(eng, kind, [("book.xlsx", data), ("good.xlsx", xlsx(kind))])
    assert s.refused == [excel_refusal("book.xlsx", *what)]
    assert s.refused_files == [{"file": "book.xlsx", "reason": excel_refusal("book.xlsx", *what).split(": ", 1)[1]}]
    assert (s.files, s.rows_read, s.accepted, s.rejected) == (2, 40, 40, 0)  # the good file only
    after = counts(eng)
    assert after["import_batches"] == before["import_batches"] + 1 and after["rejected_rows"] == 0


def test_a_damaged_member_at_open_is_named(duck_url):
    """The workbook part openpyxl reads when opening (xl/workbook.xml) fails its CRC: named, not 'cannot open'."""
    data = flip_deflated(xlsx("exchanges"), "xl/workbook.xml")
    with pytest.raises(FileRefused) as exc:
        read.read_table("exchanges", "book.xlsx", data)
    assert exc.value.message() == excel_refusal("book.xlsx", "xl/workbook.xml のCRCが一致しません",
                                                "xl/workbook.xml: its CRC does not match")


def test_an_unknown_compression_method_in_a_sheet_is_refused():
    data = set_method(xlsx("offices"), SHEET, 99)
    with pytest.raises(FileRefused) as exc:
        read.read_table("offices", "book.xlsx", data)
    assert exc.value.message() == excel_refusal("book.xlsx", f"{SHEET} の圧縮方式（99）に対応していません",
                                                f"{SHEET}: compression method 99 is not supported")


# ---------------------------------------------------------------- CPDS ZIPs: one rejected member

PLAN = f"UPPLAN_202508_{A}_{B}_20250825100000.CSV"
BAD = f"UPPLAN_202508_{A}_{C}_20250826100000.CSV"     # third in name order (UPJSK, UPPLAN A→B, A→C): row 3
ACTUAL = f"UPJSK_202508_{B}_{A}_20250905100000.CSV"
USERS = [("301001", "0000012345"), ("301001", "0000067890")]

DAMAGED_JA = "ZIPの中のこのファイルが壊れています（{}）。元のファイルからもう一度ZIPを作るか、ダウンロードし直してください"
DAMAGED_EN = "this file in the ZIP is damaged ({}); zip the original files again or download the archive again"
CRC = (DAMAGED_JA.format("CRCが一致しません"), DAMAGED_EN.format("its CRC does not match"))
NOT_TEXT = ("表形式のテキストファイルではありません。CSV・XLSX・Parquetで保存してください",
            "not a text table; save it as CSV, XLSX or Parquet")


def cpds_archive(bad_content: bytes | None = None, bad_name: str = BAD, method=zipfile.ZIP_DEFLATED) -> bytes:
    """Two good exchange files and a third (bad_name; a good one unless bad_content), that one written
    with ``method``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(PLAN, cpds_csv(USERS))
        z.writestr(bad_name, bad_content if bad_content is not None else cpds_csv(USERS[:1]), compress_type=method)
        z.writestr(ACTUAL, cpds_csv(USERS[:1]))
    return buf.getvalue()


def _garbage() -> bytes:
    return random.Random(24).randbytes(6000)


def _nul_bytes() -> bytes:
    return cpds_csv(USERS).replace(b",", b",\x00")   # a NUL after every comma (a half-converted UTF-16 file)


def _open_quote() -> bytes:
    # a quote opened on the first row and never closed: the rest is one value past csv's field limit
    return cpds_csv(USERS) + b'202410,"' + b"x" * 300_000 + b"\r\n"


CPDS_CASES = {
    "bad_crc": (lambda: flip_stored(cpds_archive(method=zipfile.ZIP_STORED), BAD, at=30), CRC),
    "bad_crc_deflated": (lambda: flip_deflated(cpds_archive(), BAD), CRC),
    "size_smaller": (lambda: lie_size(cpds_archive(), BAD, -10), CRC),
    "size_smaller_stored": (lambda: lie_size(cpds_archive(method=zipfile.ZIP_STORED), BAD, -10), CRC),
    "method_99": (lambda: set_method(cpds_archive(), BAD, 99),
                  ("ZIPの中のこのファイルは読めません（圧縮方式（99）に対応していません）。標準のZIP（Deflate）で圧縮し直してください",
                   "this file in the ZIP cannot be read (compression method 99 is not supported); zip it again "
                   "with standard (Deflate) compression")),
    "method_9": (lambda: set_method(cpds_archive(), BAD, 9),   # deflate64
                 ("ZIPの中のこのファイルは読めません（圧縮方式（9）に対応していません）。標準のZIP（Deflate）で圧縮し直してください",
                  "this file in the ZIP cannot be read (compression method 9 is not supported); zip it again "
                  "with standard (Deflate) compression")),
    "method_14_not_lzma": (lambda: set_method(cpds_archive(), BAD, 14), CRC),   # says LZMA, holds deflate
    "method_12_not_bzip2": (lambda: set_method(cpds_archive(), BAD, 12),
                            (DAMAGED_JA.format("データが壊れているか、サイズが合いません"),
                             DAMAGED_EN.format("its data is damaged or its sizes are wrong"))),
    "corrupt_deflate": (lambda: garble_deflated(cpds_archive(), BAD),
                        (DAMAGED_JA.format("データが壊れているか、サイズが合いません"),
                         DAMAGED_EN.format("its data is damaged or its sizes are wrong"))),
    "header_name_differs": (lambda: rename_in_local_header(cpds_archive(), BAD),
                            (DAMAGED_JA.format("名前がZIPの目次と見出しで違います"),
                             DAMAGED_EN.format("its name in the archive's directory and header differ"))),
    "binary_garbage": (lambda: cpds_archive(_garbage()), NOT_TEXT),
    "nul_bytes": (lambda: cpds_archive(_nul_bytes()), NOT_TEXT),
    "open_quote": (lambda: cpds_archive(_open_quote()),
                   ("CSVとして読めません（引用符の閉じ忘れや長すぎる値がないか確認してください）",
                    "cannot read as CSV (field larger than field limit (131072)); check for a quote left open or "
                    "an overlong value")),
}


def test_the_good_archive_counts_three_files():
    _rows, errors, n, agg, _companions, _deletions = cpds.check("x.zip", cpds.members_of_zip("x.zip", cpds_archive()))
    assert (n, len(errors), sorted(agg["sheets"])) == (3, 0, [1, 1, 2])   # BAD intact: A→C plan, one user


@pytest.mark.parametrize("case", list(CPDS_CASES))
def test_one_damaged_member_is_one_rejected_row(duck_url, case):
    make, (ja, en) = CPDS_CASES[case]
    data = make()
    members = cpds.members_of_zip("cpds.zip", data)
    assert [m[0] for m in members] == [PLAN, BAD, ACTUAL]
    assert [isinstance(m[1], bytes) for m in members] == [True, case in ("binary_garbage", "nul_bytes", "open_quote"),
                                                          True]

    eng = store_engine.get_engine(duck_url)
    s = ingest_files(eng, "cpds", [("cpds.zip", data)])
    assert s.refused == []
    assert (s.files, s.rows_read, s.accepted, s.duplicates, s.rejected) == (1, 3, 2, 0, 1)
    assert s.rows_read == s.accepted + s.duplicates + s.rejected
    assert s.errors == [{"file": "cpds.zip", "row": 3, "column": "file_name", "value": BAD,
                         "reason": f"{ja} / {en}"}]
    rej = table(eng, "rejected_rows")
    assert rej[["row_number", "column_name", "value", "reason_ja", "reason_en"]].values.tolist() == [
        [3, "file_name", BAD, ja, en]]
    got = {(r.sender_code, r.receiver_code, r.form): r.sheets for r in table(eng, "exchanges").itertuples()}
    assert got == {(A, B, "plan"): 2, (B, A, "actual"): 1}   # the A→C file is not among them


def test_a_damaged_member_with_a_personal_name_is_not_named(duck_url):
    name = "山田太郎様.CSV"
    data = flip_deflated(cpds_archive(bad_name=name), name)
    s = ingest_files(store_engine.get_engine(duck_url), "cpds", [("cpds.zip", data)])
    assert (s.rows_read, s.accepted, s.rejected) == (3, 2, 1)
    [err] = s.errors
    assert err["value"] == columns.PERSONAL_PLACEHOLDER and err["reason"] == f"{CRC[0]} / {CRC[1]}"
    assert "山田" not in table(store_engine.get_engine(duck_url), "rejected_rows").to_csv()


def test_a_damaged_member_in_the_office_view_upload():
    """The 事業所ビュー reads a CPDS ZIP through the same members: the damaged one is a problem row."""
    rows, problems = preview.read_uploaded_log("cpds.zip", set_method(cpds_archive(), BAD, 99))
    assert len(rows) == 2
    assert problems[["row", "column"]].values.tolist() == [[3, "file_name"]]
    assert problems["reason_ja"].iloc[0].startswith("ZIPの中のこのファイルは読めません（圧縮方式（99）")
    with pytest.raises(FileRefused) as exc:
        preview.read_uploaded_log("log.xlsx", cut_sheet("exchanges"))
    assert exc.value.message() == excel_refusal("log.xlsx", CUT_JA, CUT_EN)


# ---------------------------------------------------------------- the CLI

def _cli(capsys, *argv) -> tuple[int, str, str]:
    url = store_engine.resolve_url(argv[argv.index("--db") + 1])
    return cli_in_both_languages(capsys, list(argv), dispose=lambda: store_engine.dispose(url))


def _rows(db: pathlib.Path, name: str) -> int:
    eng = store_engine.get_engine(f"duckdb:///{db}")
    try:
        return counts(eng)[name]
    finally:
        store_engine.dispose(f"duckdb:///{db}")


def test_cli_refuses_a_damaged_workbook_and_reads_a_damaged_archive(capsys, tmp_path):
    db = tmp_path / "x.duckdb"
    book = tmp_path / "book.xlsx"
    book.write_bytes(flip_deflated(xlsx("registrations"), SHEET))
    code, out, err = _cli(capsys, "--db", f"duckdb:///{db}", "ingest", "registrations", str(book))
    assert code == 2 and "Traceback" not in err + out
    assert err == (f"取込できません: book.xlsx: Excelファイルが壊れています（{CRC_JA}）{EXCEL_ADVICE_JA} / "
                   f"refused: book.xlsx: the Excel file is damaged ({CRC_EN}){EXCEL_ADVICE_EN}\n")
    assert out == "ケアプランデータ連携システムの利用登録事業所一覧: ファイル 1 件、読込 0 行、取込 0 行、重複 0 行、除外 0 行\n"
    assert (_rows(db, "registrations"), _rows(db, "import_batches")) == (0, 0)

    archive = tmp_path / "cpds.zip"
    archive.write_bytes(garble_deflated(cpds_archive(), BAD))
    code, out, err = _cli(capsys, "--db", f"duckdb:///{db}", "ingest", "cpds", str(archive))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == ("ケアプランデータ連携システムの送受信ファイル（UPPLAN_／UPJSK_、フォルダまたはZIP）: "
                        "ファイル 1 件、読込 3 行、取込 2 行、重複 0 行、除外 1 行")
    assert lines[1] == (f"  cpds.zip 3行目 [file_name] {BAD!r}: "
                        f"{DAMAGED_JA.format('データが壊れているか、サイズが合いません')}")
    assert (_rows(db, "exchanges"), _rows(db, "rejected_rows")) == (2, 1)


# ---------------------------------------------------------------- the import page



def test_import_page_shows_a_damaged_workbook_refused(duck_url):
    at = import_page(duck_url, "ja")
    at.selectbox(key="import_kind").set_value("profiles").run()
    at.file_uploader(key="import_files").upload("book.xlsx", cut_sheet("profiles"),
                                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    [error] = [e.value for e in at.error]
    assert error.endswith(f"- {excel_refusal('book.xlsx', CUT_JA, CUT_EN)}")
    assert not at.success
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["ファイル数"], metrics["読込行数"], metrics["取込"]) == ("1", "0", "0")
    assert counts(store_engine.get_engine(duck_url))["import_batches"] == 0


def test_import_page_lists_the_damaged_member_of_an_archive(duck_url):
    at = import_page(duck_url, "en")
    at.selectbox(key="import_kind").set_value("cpds").run()
    at.file_uploader(key="import_files").upload("cpds.zip", set_method(cpds_archive(), BAD, 99),
                                                "application/zip").run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Rows read"], metrics["Accepted"], metrics["Rejected"]) == ("3", "2", "1")
    [rejected] = [df.value for df in at.dataframe if len(df.value) == 1 and BAD in df.value.to_csv()]
    assert "compression method 99 is not supported" in rejected.to_csv()
