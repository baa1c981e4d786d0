"""Small builders shared by the security tests (valid 事業所番号, CSV bytes, CPDS files and ZIPs)."""
from __future__ import annotations

import io
import zipfile

from analytics.domain.codes import office_check_digit

# personal values written into CPDS files and uploads; none may reach the database, logs or downloads
PERSONAL = ["山田太郎", "ヤマダタロウ", "19400101", "和歌山市小松原通一丁目", "H123456789", "0000012345"]


def office(pref: int, serial: int, klass: str = "7", area: int = 10) -> str:
    code9 = f"{pref:02d}{klass}{area:02d}{serial:04d}"
    return code9 + office_check_digit(code9)


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(",".join(str(c) for c in r) for r in rows) + "\r\n").encode(encoding)


def cpds_csv(users: list[tuple[str, str]]) -> bytes:
    rows = [["CSVバージョン", "対象年月", "保険者番号", "被保険者番号", "氏名", "フリガナ", "生年月日", "住所"]]
    rows += [["202410", "202508", a, b, "山田太郎", "ヤマダタロウ", "19400101", "和歌山市小松原通一丁目"] for a, b in users]
    return csv_bytes(rows, "cp932")


def zip_bytes(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()
