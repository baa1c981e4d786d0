"""The pack's tables as one workbook (formula-safe via analytics.reports.tabular): a cover sheet with the
title, dates and sources, then one sheet per section with localised headers."""
from __future__ import annotations

import pandas as pd

from analytics.i18n import t
from analytics.reports import tabular

# Excel number formats by the column's key in the section tables: yen and counts with thousands separators,
# hours to 0.1, fractions as percentages (the cells keep the exact values).
PERCENT, INTEGER, HOURS = "0.0%", "#,##0", "#,##0.0"


def column_format(key: str) -> str | None:
    if key in ("adoption_rate", "share", "digital_share"):
        return PERCENT
    if key.endswith("_yen") or key in ("before", "after", "change", "offices", "registered", "sheets",
                                        "digital_sheets", "missed_digital_sheets"):
        return INTEGER
    if key.endswith("_hours"):
        return HOURS
    return None


def workbook(pack) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]]]:
    """({sheet name: frame}, {sheet name: {header: number format}}): sheet names are the section titles (cut
    to Excel's 31 characters, no []:*?/\\); each section's formats follow its column keys, then its headers
    are localised."""
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
    cover = t("export.sheet.title", lang)
    frames, formats = {cover: pd.DataFrame(cover_rows, columns=["", " "])}, {cover: {}}
    for s in pack.sections:
        name = sheet_name(s.title, set(frames))
        frames[name] = localised(s.table, lang)
        formats[name] = {header: f for key, header in zip(s.table.columns, frames[name].columns)
                         if (f := column_format(str(key)))}
    return frames, formats


def sheet_name(title: str, used: set[str]) -> str:
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in title)[:31]
    name, i = clean, 2
    while name in used:
        name = f"{clean[:28]}_{i}"
        i += 1
    return name


def to_xlsx_bytes(pack) -> bytes:
    return tabular.to_xlsx_bytes(*workbook(pack))
