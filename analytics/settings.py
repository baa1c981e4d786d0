"""Operational settings in one declarative table (limits, privacy), read from the environment or
``.streamlit/secrets.toml`` (``[careplan]`` section), else the default.

Precedence: environment variable, then ``[careplan] name = …`` in secrets.toml, then the default. Values are
read when asked for (never at import time), so tests and deployments can change them without restarting.
``tests/security/test_settings_docs.py`` fails when a setting is missing from README "Configuration".
"""
from __future__ import annotations

import os
import re
import secrets as _secrets
import tomllib
from dataclasses import dataclass

from analytics import i18n, locations

MB = 1024 ** 2


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    env: str
    help_ja: str
    help_en: str


SETTINGS: tuple[Setting, ...] = (
    Setting("max_upload_mb", 200, "CAREPLAN_MAX_UPLOAD_MB",
            "1ファイル（ZIPは圧縮後）の最大サイズ（MB）。画面では server.maxUploadSize も効きます",
            "largest file accepted, in MB (a ZIP as uploaded); the app's server.maxUploadSize also applies"),
    Setting("max_rows_per_file", 5_000_000, "CAREPLAN_MAX_ROWS_PER_FILE",
            "1ファイルの最大データ行数（超えたら分割してください）",
            "most data rows in one file (split larger files)"),
    Setting("max_zip_entries", 200_000, "CAREPLAN_MAX_ZIP_ENTRIES",
            "ZIP（送受信ファイル）の中のファイル数の上限",
            "most files inside one ZIP of exchange files"),
    Setting("max_zip_ratio", 100, "CAREPLAN_MAX_ZIP_RATIO",
            "ZIPの展開後サイズ ÷ 圧縮サイズの上限（ZIP爆弾の防止）",
            "largest unpacked/packed size ratio of a ZIP (stops archive bombs)"),
    Setting("max_unpacked_mb", 2048, "CAREPLAN_MAX_UNPACKED_MB",
            "ZIPの展開後の合計サイズの上限（MB）",
            "largest total unpacked size of one ZIP, in MB"),
    Setting("max_cell_chars", 1_000, "CAREPLAN_MAX_CELL_CHARS",
            "1つのセルの最大文字数。これより長い値の行は「値が長すぎます」として除外します（コード・日付・事業所名はずっと短い）",
            "most characters in one cell; a row with a longer value is rejected as too long (codes, dates and "
            "office names are far shorter)"),
    Setting("suppress_below", 10, "CAREPLAN_SUPPRESS_BELOW",
            "公開（閲覧者）向けの出力で、この数未満の件数を秘匿します",
            "in public (viewer) output, counts below this are suppressed"),
    Setting("min_offices_for_rank", 5, "CAREPLAN_MIN_OFFICES_FOR_RANK",
            "市区町村の順位と「最も高い・最も低い」は、事業所がこの数以上の市区町村だけで決めます（1〜3事業所の100%・0%を成功・失敗と読まないため）",
            "municipalities are ranked, and named highest or lowest, only with at least this many offices (so "
            "that 100 % or 0 % of 1–3 offices is not read as a success or a failure)"),
    Setting("hash_secret", "", "CAREPLAN_HASH_SECRET",
            "利用者を数えるときの鍵付きハッシュ（HMAC-SHA256）の秘密鍵。未設定ならプロセスごとの乱数（保存しません）",
            "secret key of the keyed hash (HMAC-SHA256) used to count distinct users; unset = a random "
            "per-process key (nothing hashed is stored)"),
)
_BY_NAME = {s.name: s for s in SETTINGS}
_PROCESS_SECRET = _secrets.token_bytes(32)


def _from_secrets(name: str):
    path = locations.secrets_path()
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError):
        return None
    return (data.get("careplan") or {}).get(name)


class SettingError(ValueError):
    """A malformed setting: one sentence naming the variable, the value given and the form it must have,
    raised with the key of the sentence in the catalogue (``values.json``) and its values (``ja`` and ``en``
    separately, ``str()`` is both)."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        self.ja, self.en = i18n.both(key, **values)
        super().__init__(f"{self.ja} / {self.en}")


# smallest value each whole-number setting accepts (a limit of 0 would refuse every file)
MINIMUM = {"suppress_below": 0}


def _where(setting: Setting, from_env: bool) -> tuple[str, str]:
    if from_env:
        return i18n.both("setting.where.env", env=setting.env)
    return i18n.both("setting.where.secrets", name=setting.name)


def _whole_number(setting: Setting, raw, from_env: bool) -> int:
    low = MINIMUM.get(setting.name, 1)
    value = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"[+-]?[0-9]+", raw.strip()):
        value = int(raw.strip())
    if value is None or value < low:
        raise SettingError("setting.not_whole_number", where=_where(setting, from_env), raw=str(raw), low=low,
                           default=setting.default)
    return value


def get(name: str):
    """The setting's value, converted to the default's type; a malformed value raises ``SettingError``
    (a ValueError) saying which variable, what was given and what it must be."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    from_env = raw is not None and raw != ""
    if not from_env:
        raw = _from_secrets(name)
    if raw is None or raw == "":
        return setting.default
    if isinstance(setting.default, int):
        return _whole_number(setting, raw, from_env)
    return str(raw)


def validate_all() -> None:
    """Raise ``SettingError`` for the first malformed setting (the CLI and the app call it on start)."""
    for setting in SETTINGS:
        get(setting.name)


def hash_key() -> bytes:
    """The HMAC key: configured, else random for this process (so hashes are never comparable across runs)."""
    configured = get("hash_secret")
    return configured.encode("utf-8") if configured else _PROCESS_SECRET


def max_upload_bytes() -> int:
    return int(get("max_upload_mb")) * MB


def max_cell_chars() -> int:
    """Cells longer than this are rejected by their length before any parser or check reads them."""
    return int(get("max_cell_chars"))


def max_unpacked_bytes() -> int:
    return int(get("max_unpacked_mb")) * MB
