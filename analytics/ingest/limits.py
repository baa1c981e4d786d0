"""Bounds on what one import may make us read: file size, rows per file, ZIP entries, unpacked size and
expansion ratio (archive bombs, XLSX included: it is a ZIP too). Values come from ``analytics.settings``.

Every refusal is a ``FileRefused``: the key of one sentence of the catalogue (``refused.json``) that says what
to do.
The declared sizes in a ZIP's directory can lie, so members are read through a counting reader that stops
as soon as a bound is passed.
"""
from __future__ import annotations

import zipfile

from analytics import settings
from analytics.errors import FileRefused

CHUNK = 1024 * 1024
# below this many unpacked bytes a high ratio is harmless (a small file of repeated text compresses well)
RATIO_FLOOR = 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / settings.MB:,.0f}"


def check_size(name: str, nbytes: int) -> None:
    limit = settings.max_upload_bytes()
    if nbytes > limit:
        raise FileRefused("refused.too_large", name, size=_mb(nbytes), limit=_mb(limit))


def check_rows(name: str, rows: int) -> None:
    limit = int(settings.get("max_rows_per_file"))
    if rows > limit:
        raise FileRefused("refused.too_many_rows", name, rows=rows, limit=limit)


def check_entries(name: str, count: int) -> None:
    limit = int(settings.get("max_zip_entries"))
    if count > limit:
        raise FileRefused("refused.too_many_entries", name, count=count, limit=limit)


def _too_big(name: str) -> FileRefused:
    limit = settings.max_unpacked_bytes()
    return FileRefused("refused.unpacks_too_big", name, limit=_mb(limit))


def check_unpacked(name: str, nbytes: int) -> None:
    """A folder of exchange files is bounded like an unpacked ZIP."""
    if nbytes > settings.max_unpacked_bytes():
        raise _too_big(name)


def _bomb(name: str) -> FileRefused:
    ratio = int(settings.get("max_zip_ratio"))
    return FileRefused("refused.zip_bomb", name, ratio=ratio)


def is_folder(info: zipfile.ZipInfo) -> bool:
    """A folder entry of an archive (ZipInfo.is_dir fails with IndexError on an empty member name)."""
    return info.filename.endswith("/")


def check_archive(name: str, z: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's file entries, refused when the directory already shows it is too big or a bomb."""
    infos = [i for i in z.infolist() if not is_folder(i)]
    check_entries(name, len(infos))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > settings.max_unpacked_bytes():
        raise _too_big(name)
    ratio = int(settings.get("max_zip_ratio"))
    if total > RATIO_FLOOR and total > ratio * max(packed, 1):
        raise _bomb(name)
    if any(i.file_size > RATIO_FLOOR and i.file_size > ratio * max(i.compress_size, 1) for i in infos):
        raise _bomb(name)
    return infos


class Budget:
    """Unpacked bytes read so far from one archive, checked against the size and ratio bounds."""

    def __init__(self, name: str, packed_size: int):
        self.name, self.packed, self.used = name, max(packed_size, 1), 0
        self.limit = settings.max_unpacked_bytes()
        self.ratio = int(settings.get("max_zip_ratio"))

    def read(self, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        parts = []
        with z.open(info) as fh:
            while True:
                chunk = fh.read(CHUNK)
                if not chunk:
                    break
                self.used += len(chunk)
                if self.used > self.limit:
                    raise _too_big(self.name)
                if self.used > RATIO_FLOOR and self.used > self.ratio * self.packed:
                    raise _bomb(self.name)
                parts.append(chunk)
        return b"".join(parts)


def check_xlsx(name: str, data: bytes) -> None:
    """An .xlsx is a ZIP: refuse a bomb before openpyxl unpacks it."""
    import io
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            check_archive(name, z)
    except zipfile.BadZipFile:
        return  # openpyxl reports the unreadable file in its own words
