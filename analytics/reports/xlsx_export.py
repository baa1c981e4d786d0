"""The pack's tables as one workbook (formula-safe via analytics.reports.tabular): a cover sheet with the
title, dates and sources, then one sheet per section with localised headers."""
from __future__ import annotations

import pandas as pd

from analytics.i18n import t
from analytics.reports import tabular


def sheets(pack) -> dict[str, pd.DataFrame]:
    """{sheet name: frame}; sheet names are the section titles (cut to Excel's 31 characters, no []:*?/\\)."""
    from analytics.reports.pack import _month_text, localised
    lang = pack.lang
    cover_rows = [(pack.title, ""),
                  (t("export.title.created", lang, date=pack.created.isoformat()), ""),
                  (t("export.title.as_of", lang, date=pack.as_of.isoformat()), ""),
                  (t("export.title.latest", lang, month=_month_text(pack.latest_month, lang)), "")]
    if pack.demo_note:
        cover_rows.append((pack.demo_note, ""))
    cover_rows += [(t("export.title.sources", lang), src) for src in pack.sources]
    for s in pack.sections:
        for label, value in s.highlights:
            cover_rows.append((f"{s.title}: {label}", value))
    out = {t("export.sheet.title", lang): pd.DataFrame(cover_rows, columns=["", " "])}
    used = set(out)
    for s in pack.sections:
        name = sheet_name(s.title, used)
        used.add(name)
        out[name] = localised(s.table, lang)
    return out


def sheet_name(title: str, used: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in title)[:31]
    name, i = clean, 2
    while name in used:
        name = f"{clean[:28]}_{i}"
        i += 1
    return name


def to_xlsx_bytes(pack) -> bytes:
    return tabular.to_xlsx_bytes(sheets(pack))
