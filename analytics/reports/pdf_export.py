"""The pack as a PDF report (reportlab, A4 landscape): a title page, then for each figure a page with the
chart, its key figures, summary and definition/period/source line and a page with its numbers table; a
section without figure (前回比, the lagging municipalities, 働きかけ先, definitions) is its text and table.

Charts are vector: each is drawn by kaleido as a PDF of exactly its box on the page
(``figure_render.CHART_BOX``) and laid onto the reportlab page with pypdf, so that chart labels are text
(searchable, copyable) and at least ``style.PRINT_MIN_PT`` points, like every other text of the report.

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
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from analytics.i18n import t
from analytics.reports.figure_render import Box

FONT = "HeiseiKakuGo-W5"
MAX_ROWS = 10   # the full tables are in the XLSX; a page holds the top rows
PAGE = landscape(A4)
MARGIN_X, MARGIN_Y, PAD = 14 * mm, 12 * mm, 6   # PAD: the frame's own padding on each side (points)
WIDTH = PAGE[0] - 2 * MARGIN_X - 2 * PAD
# every chart gets the page's width and most of its height: the 47 prefectures in two columns of 24/23
# and a prefecture's map large enough to tell its municipalities apart
CHART_BOX = Box(width=WIDTH, height=370, font_pt=11)
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
        "small": ParagraphStyle("small", fontName=f, fontSize=9, leading=12.5, textColor=colors.HexColor("#333333")),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=8.5, leading=11),
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
    # columns as wide as their text asks (a sentence column wider than a rank), within bounds
    weights = [min(max(len(str(c)), *(len(_cell(v)) for v in frame[c].head(max_rows)), 4), 40)
               if len(frame) else max(len(str(c)), 4) for c in frame.columns] or [1]
    total = sum(weights)
    tbl = Table(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
    tbl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8F1FA")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return tbl


class ChartBox(Flowable):
    """The place of a chart on the page: draws nothing, notes its page and position so that the chart's
    own PDF is laid there after the build."""

    def __init__(self, key: str, box: Box, placed: dict):
        super().__init__()
        self.key, self.box, self.placed = key, box, placed
        self.width, self.height = box.width, box.height

    def wrap(self, avail_width, avail_height):
        return self.box.width, self.box.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.placed[self.key] = (self.canv.getPageNumber(), x, y)


def chart_pdfs(pack) -> dict[str, bytes]:
    """{section key: vector PDF of its chart at CHART_BOX}, every figure in one chromium session."""
    from analytics.reports import figure_render
    return figure_render.render_all({s.key: (s.figure, CHART_BOX) for s in pack.sections if s.figure is not None},
                                    "pdf")


def _move_patterns(page, ctm) -> None:
    """A pattern's matrix maps it to the page's default space, which the transformation a merged page's
    content gets does not move: a colour bar's gradient stayed where the chart's corner was (its 0 % end
    printed mid-blue). Each pattern of page gets the transformation itself."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject
    a2, b2, c2, d2, e2, f2 = ctm
    for ref in (page.get("/Resources", {}).get("/Pattern") or {}).values():
        pattern = ref.get_object()
        a, b, c, d, e, f = [float(v) for v in pattern.get("/Matrix", [1, 0, 0, 1, 0, 0])]
        pattern[NameObject("/Matrix")] = ArrayObject(FloatObject(v) for v in (
            a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2))


def _lay_charts(report: bytes, charts: dict[str, bytes], placed: dict) -> bytes:
    """Each chart's PDF page drawn on the report's page at its ChartBox, scaled to the box if it is not
    exactly its size (kaleido rounds to whole pixels)."""
    import pypdf
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(report)))
    for key, (page_no, x, y) in placed.items():
        if key not in charts:
            continue
        chart = pypdf.PdfReader(io.BytesIO(charts[key])).pages[0]
        cw, ch = float(chart.mediabox.width), float(chart.mediabox.height)
        s = min(CHART_BOX.width / cw, CHART_BOX.height / ch)
        dy = (CHART_BOX.height - ch * s) / 2
        move = pypdf.Transformation().scale(s).translate(x, y + dy)
        _move_patterns(chart, move.ctm)
        writer.pages[page_no - 1].merge_transformed_page(chart, move)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def to_pdf_bytes(pack, charts: dict[str, bytes] | None = None) -> bytes:
    """PDF bytes of the pack; charts ({section: chart PDF}, ``chart_pdfs``) are rendered when not given."""
    if charts is None:
        charts = chart_pdfs(pack)
    from analytics.reports.pack import _gap, _month_text, display, localised
    lang = pack.lang
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_Y,
                            bottomMargin=MARGIN_Y, title=pack.title, author="careplan", lang=lang)
    width = WIDTH
    placed: dict = {}
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
        if s.figure is not None:
            part.append(ChartBox(s.key, CHART_BOX, placed))
        if s.highlights:
            part.append(Paragraph(escape(t("export.highlights", lang)) + ": " +
                                  _gap(lang).join(escape(f"{a} {b}") for a, b in s.highlights), st["body"]))
        part.append(Paragraph(escape(s.summary), st["small"]))
        part.append(Paragraph(escape(s.footer(lang)), st["small"]))
        part.append(Spacer(1, 3 * mm))
        table = localised(display(s.table), lang)
        story += [PageBreak(), KeepTogether(part)]
        if s.key == "definitions":
            # every definition, over as many pages as it needs
            story.append(_table(table, st, width, lang, None))
        elif s.figure is None:
            story.append(_table(table, st, width, lang))
        else:
            # the figure's numbers on the next page, headed by the figure's title (a page of its own)
            story += [PageBreak(), KeepTogether([Paragraph(escape(t("export.table_of", lang, title=s.title)), st["h"]),
                                                 _table(table, st, width, lang)])]
    doc.build(story)
    return _lay_charts(buf.getvalue(), charts, placed)
