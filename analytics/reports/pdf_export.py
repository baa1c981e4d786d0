"""The pack as a PDF report (reportlab, A4 landscape): a title page, then a page per section with the
chart image, its key figures, the numbers table and the definition/period/source line.

Japanese text: Noto Sans CJK is CFF-flavoured OpenType, which reportlab cannot embed, so the text uses
the Adobe-Japan1 CID font ``HeiseiKakuGo-W5`` built into reportlab (every PDF viewer and poppler map it
to an installed Japanese gothic font, Noto Sans CJK JP here). Text stays extractable (pdftotext).
"""
from __future__ import annotations

import io
import math

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from analytics.i18n import t

FONT = "HeiseiKakuGo-W5"
MAX_ROWS = 10   # the full tables are in the XLSX; a page holds the chart and the top rows


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles():
    f = _font()
    return {
        "title": ParagraphStyle("title", fontName=f, fontSize=24, leading=32, spaceAfter=12),
        "h": ParagraphStyle("h", fontName=f, fontSize=18, leading=24, spaceAfter=6),
        "body": ParagraphStyle("body", fontName=f, fontSize=11, leading=16),
        "small": ParagraphStyle("small", fontName=f, fontSize=8.5, leading=12, textColor=colors.HexColor("#333333")),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=7.5, leading=9.5),
    }


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(frame: pd.DataFrame, st, width: float, lang: str) -> Table:
    rows = [[Paragraph(escape(str(c)), st["cell"]) for c in frame.columns]]
    for _, r in frame.head(MAX_ROWS).iterrows():
        rows.append([Paragraph(escape(_cell(v.item() if hasattr(v, "item") else v)), st["cell"]) for v in r])
    if len(frame) > MAX_ROWS:
        more = [Paragraph(escape(t("export.more_rows", lang, n=len(frame) - MAX_ROWS)), st["cell"])]
        rows.append(more + [""] * (len(frame.columns) - 1))
    n = max(len(frame.columns), 1)
    tbl = Table(rows, colWidths=[width / n] * n, repeatRows=1)
    tbl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8F1FA")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return tbl


def to_pdf_bytes(pack, pngs: dict[str, bytes] | None = None) -> bytes:
    if pngs is None:
        from analytics.reports.png_export import pack_pngs
        pngs = pack_pngs(pack)
    from analytics.reports.pack import _month_text, display, localised
    lang = pack.lang
    st = _styles()
    buf = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=pack.title, author="careplan", lang=lang)
    width = page[0] - 28 * mm
    story = [Spacer(1, 30 * mm), Paragraph(escape(pack.title), st["title"]),
             Paragraph(escape(t("export.title.created", lang, date=pack.created.isoformat())), st["body"]),
             Paragraph(escape(t("export.title.as_of", lang, date=pack.as_of.isoformat())), st["body"]),
             Paragraph(escape(t("export.title.latest", lang, month=_month_text(pack.latest_month, lang))),
                       st["body"])]
    if pack.demo_note:
        story.append(Paragraph(escape(pack.demo_note), st["body"]))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(escape(t("export.title.sources", lang)), st["body"]))
    story += [Paragraph("・" + escape(src), st["small"]) for src in pack.sources]
    for s in pack.sections:
        story += [PageBreak(), Paragraph(escape(s.title), st["h"])]
        if s.key in pngs:
            img_w = width * 0.45
            story.append(Image(io.BytesIO(pngs[s.key]), width=img_w, height=img_w * 9 / 16))
        if s.highlights:
            story.append(Paragraph(escape(t("export.highlights", lang)) + ": " +
                                   "　".join(escape(f"{a} {b}") for a, b in s.highlights), st["body"]))
        story.append(Paragraph(escape(s.summary), st["small"]))
        story.append(Paragraph(escape(s.footer(lang)), st["small"]))
        story.append(Spacer(1, 3 * mm))
        story.append(_table(localised(display(s.table), lang), st, width, lang))
    doc.build(story)
    return buf.getvalue()
