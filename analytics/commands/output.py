"""Printing report rows as table, JSON or CSV: one helper for every ``careplan report``.

JSON and CSV keep the machine keys and values of the DESIGN §6 contract (``kyotaku``, fractions). The table
is for a person: headings and kinds as the pages write them (居宅介護支援, not ``kyotaku``), fractions as
percents, in the language of ``--lang`` (default from LANG, Japanese when unset).
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import TYPE_CHECKING

from analytics import i18n
from analytics.domain import formats

if TYPE_CHECKING:  # cli.main sets the language before any command runs: no pandas until a table is printed
    import pandas as pd

_LANG = ["ja"]
PERCENT_COLUMNS = ("adoption_rate", "digital_share", "target_rate")
KIND_COLUMNS = ("kind",)


def default_lang(environ=None) -> str:
    """``en`` when LANG (or LC_ALL, LC_MESSAGES) names English, else Japanese."""
    environ = os.environ if environ is None else environ
    value = environ.get("LC_ALL") or environ.get("LC_MESSAGES") or environ.get("LANG") or ""
    return "en" if value.lower().startswith("en") else "ja"


def set_lang(lang: str | None) -> None:
    _LANG[0] = lang if lang in i18n.LANGS else default_lang()


def lang() -> str:
    return _LANG[0]


def t(key: str, **fmt) -> str:
    return i18n.message(key, lang(), **fmt)


def _clean(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def human(frame: pd.DataFrame, language: str | None = None) -> pd.DataFrame:
    """The table a person reads: kinds in words, fractions as percents, yes/no, localised headings."""
    language = language or lang()
    out = frame.copy()
    for c in out.columns:
        if c in PERCENT_COLUMNS:
            out[c] = out[c].map(formats.percent)
        elif c in KIND_COLUMNS:
            out[c] = out[c].map(lambda k: i18n.t(f"common.kind.{k}", language) if isinstance(k, str) else k)
        elif out[c].dtype == bool or c in ("suppressed", "reliable"):
            out[c] = out[c].map(lambda v: "" if v is None else i18n.t("cli.yes" if v else "cli.no", language))
    table = i18n.table(language)
    out.columns = [table.get(f"cli.col.{c}", c) for c in out.columns]
    return out


def emit(frame: pd.DataFrame, fmt: str, stream=None) -> None:
    """json: a list of row objects with the frame's column names as keys (the DESIGN §6 contract)."""
    stream = stream or sys.stdout
    from analytics import privacy
    from analytics.commands import access
    frame = privacy.public(frame, access.current())  # viewers: small counts suppressed (the services did)
    if fmt == "json":
        rows = [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        json.dump(rows, stream, ensure_ascii=False, indent=1)
        stream.write("\n")
    elif fmt == "csv":
        frame.to_csv(stream, index=False)
    else:
        stream.write(human(frame).to_string(index=False) if not frame.empty else t("cli.no_rows"))
        stream.write("\n")
