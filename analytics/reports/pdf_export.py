"""The pack as a PDF report (reportlab, A4 landscape): a title page, then a page per section with the
chart image, its key figures, the numbers table and the definition/period/source line.

Japanese text: Noto Sans CJK is CFF-flavoured OpenType, which reportlab cannot embed, so the text uses
the Adobe-Japan1 CID font ``HeiseiKakuGo-W5`` built into reportlab (every PDF viewer and poppler map it
to an installed Japanese gothic font, Noto Sans CJK JP here). Text stays extractable (pdftotext).
"""
from __future__ import annotations

import io
import math
from xml.sax.saxutils import escape as _xml_escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, KeepInFrame, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from analytics.i18n import t

FONT = "HeiseiKakuGo-W5"
MAX_ROWS = 10   # the full tables are in the XLSX; a page holds the chart and the top rows
# Characters the font's Adobe-Japan1 CMap (UniJIS-UCS2-H) does not map, and the JIS character readers know
# for each: unmapped, a viewer draws an empty box (「利用開始日 ≤ 月末」 in the trend and definitions pages)
# and pdftotext drops the character.
NO_GLYPH = str.maketrans({"≤": "≦", "≥": "≧"})


def escape(text) -> str:
    """Text for a Paragraph: XML-escaped, with characters the CID font cannot show replaced."""
    return _xml_escape(str(text).translate(NO_GLYPH))


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


def _table(frame: pd.DataFrame, st, width: float, lang: str, max_rows: int | None = MAX_ROWS) -> Table:
    """The table's first max_rows rows (None: every row) and a line saying how many more the XLSX holds."""
    max_rows = len(frame) if max_rows is None else max_rows
    rows = [[Paragraph(escape(str(c)), st["cell"]) for c in frame.columns]]
    for _, r in frame.head(max_rows).iterrows():
        rows.append([Paragraph(escape(_cell(v.item() if hasattr(v, "item") else v)), st["cell"]) for v in r])
    if len(frame) > max_rows:
        more = [Paragraph(escape(t("export.more_rows", lang, n=len(frame) - max_rows)), st["cell"])]
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
    from analytics.reports.pack import _gap, _month_text, display, localised
    lang = pack.lang
    st = _styles()
    buf = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=pack.title, author="careplan", lang=lang)
    pad = 6   # the frame's own padding on each side (points)
    width = doc.width - 2 * pad
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
        part = [Paragraph(escape(s.title), st["h"])]
        if s.key in pngs:
            img_w = width * 0.45
            part.append(Image(io.BytesIO(pngs[s.key]), width=img_w, height=img_w * 9 / 16))
        if s.highlights:
            part.append(Paragraph(escape(t("export.highlights", lang)) + ": " +
                                  _gap(lang).join(escape(f"{a} {b}") for a, b in s.highlights), st["body"]))
        part.append(Paragraph(escape(s.summary), st["small"]))
        part.append(Paragraph(escape(s.footer(lang)), st["small"]))
        part.append(Spacer(1, 3 * mm))
        if s.figure is None:
            # the definitions page (no figure) prints every definition, over as many pages as it needs
            story += [PageBreak()] + part + [_table(localised(display(s.table), lang), st, width, lang, None)]
        else:
            # a figure's page: the chart, its lines and the table's top rows on one page, shrunk a little
            # when they would not fit (else the table's last rows stood alone on the next page)
            part.append(_table(localised(display(s.table), lang), st, width, lang))
            story += [PageBreak(), KeepInFrame(width, doc.height - 2 * pad, part, mode="shrink")]
    doc.build(story)
    return buf.getvalue()
