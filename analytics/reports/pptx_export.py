"""The pack as 16:9 slides (python-pptx): a title slide, then one slide per section with the chart image,
its key figures, and the definition/period/source line at the bottom. The screen-reader summary goes into
the slide notes and the picture's alternative text.

Each chart is drawn for the picture's own size on the slide (``slide_pngs``: ``PICTURE_BOX`` points, type
``SLIDE_CHART_PT``), so that its smallest label is ``SLIDE_CHART_PT`` − 1 points on the 13.33 in slide:
readable projected. A section without figure shows its table (at most ``pack_table`` rows)."""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Emu, Pt

from analytics.i18n import t

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)   # 13.333 × 7.5 in (16:9)
FONT = "Noto Sans CJK JP"
MARGIN = Emu(457200)            # 0.5 in
TOP, FOOTER_H = Emu(1100000), Emu(700000)
BODY_H = HEIGHT - TOP - FOOTER_H - Emu(150000)
SIDE_W = Emu(3400000)           # the key figures beside the chart
EMU_PER_PT = 12700
SLIDE_CHART_PT = 14             # chart type on the slide (tick labels one point less)
PNG_SCALE = 2.5                 # pixels per CSS pixel: sharp when projected


def picture_box():
    """The chart's box on a slide, in points (width, height), beside the key figures."""
    from analytics.reports.figure_render import Box
    w = (WIDTH - 2 * MARGIN - SIDE_W) / EMU_PER_PT
    return Box(width=w, height=min(w * 9 / 16, BODY_H / EMU_PER_PT), font_pt=SLIDE_CHART_PT)


def slide_pngs(pack) -> dict[str, bytes]:
    """{section key: PNG of its chart drawn for the slide's picture box}, in one chromium session."""
    from analytics.reports import figure_render
    box = picture_box()
    return figure_render.render_all({s.key: (s.figure, box) for s in pack.sections if s.figure is not None},
                                    "png", scale=PNG_SCALE)


def _text(frame, text: str, size: int, bold: bool = False) -> None:
    frame.word_wrap = True
    p = frame.paragraphs[0]
    p.text = text
    for run in p.runs:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT


def _add_lines(frame, lines: list[str], size: int) -> None:
    frame.word_wrap = True
    for i, line in enumerate(lines):
        p = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        p.text = line
        for run in p.runs:
            run.font.size = Pt(size)
            run.font.name = FONT


def to_pptx_bytes(pack, pngs: dict[str, bytes] | None = None) -> bytes:
    """PPTX bytes of the pack; pngs ({section: PNG}, ``slide_pngs``) are rendered when not given."""
    if pngs is None:
        pngs = slide_pngs(pack)
    lang = pack.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    title_only = prs.slide_layouts[5]

    margin = MARGIN

    # title slide: the layout's placeholders are placed for 4:3; spread them over the 16:9 width
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    title, sub = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = margin, Emu(914400), WIDTH - 2 * margin, Emu(1371600)
    sub.left, sub.top, sub.width = margin, Emu(2560320), WIDTH - 2 * margin
    sub.height = HEIGHT - sub.top - Emu(274320)
    title.text = pack.title
    for run in title.text_frame.paragraphs[0].runs:
        run.font.name, run.font.size, run.font.bold = FONT, Pt(36), True
    lines = [t("export.title.created", lang, date=pack.created.isoformat()),
             t("export.title.as_of", lang, date=pack.as_of.isoformat()),
             t("export.title.latest", lang, month=_month(pack.latest_month, lang))]
    if pack.demo_note:
        lines.append(pack.demo_note)
    _add_lines(sub.text_frame, lines, 16)
    # the sources one a line, smaller (as on the PDF's title page)
    sources = [t("export.title.sources", lang)] + ["・" + src for src in pack.sources]
    for line in sources:
        p = sub.text_frame.add_paragraph()
        p.text = line
        for run in p.runs:
            run.font.size, run.font.name = Pt(14), FONT

    for s in pack.sections:
        slide = prs.slides.add_slide(title_only)
        slide.shapes.title.text = s.title
        title_frame = slide.shapes.title
        title_frame.left, title_frame.top = margin, Emu(228600)
        title_frame.width, title_frame.height = WIDTH - 2 * margin, Emu(800000)
        for run in title_frame.text_frame.paragraphs[0].runs:
            run.font.name, run.font.size, run.font.bold = FONT, Pt(30), True
        top, footer_h, body_h = TOP, FOOTER_H, BODY_H
        side_w = SIDE_W if s.highlights else 0
        if s.key in pngs:
            box = picture_box()
            pic_w, pic_h = int(box.width * EMU_PER_PT), int(box.height * EMU_PER_PT)
            pic = slide.shapes.add_picture(io.BytesIO(pngs[s.key]), margin, top, width=pic_w, height=pic_h)
            pic._element.nvPicPr.cNvPr.set("descr", s.summary)
        elif s.key == "definitions":
            _table(slide, s, lang, margin, top, WIDTH - 2 * margin, body_h)
        elif s.figure is None:
            _section_table(slide, s, lang, margin, top, WIDTH - 2 * margin - side_w - Emu(150000), body_h)
        if s.highlights:
            box = slide.shapes.add_textbox(WIDTH - margin - side_w, top, side_w, body_h)
            lines = [t("export.highlights", lang)] + [f"{label}: {value}" for label, value in s.highlights]
            _add_lines(box.text_frame, lines, 16)
            box.text_frame.paragraphs[0].runs[0].font.bold = True
        foot = slide.shapes.add_textbox(margin, HEIGHT - footer_h - Emu(100000), WIDTH - 2 * margin, footer_h)
        _add_lines(foot.text_frame, [s.footer(lang)], 11)
        slide.notes_slide.notes_text_frame.text = s.summary
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _month(m, lang: str) -> str:
    from analytics.reports.pack import _month_text
    return _month_text(m, lang)


TABLE_FONT = 8                      # pt
TABLE_WIDTHS = (0.16, 0.44, 0.24, 0.16)   # name, numerator, denominator, period
CELL_MARGIN = Emu(22860)            # 0.025 in above and below the text
ROW_HEIGHT = Emu(219456)            # 0.24 in: one line of 8 pt; PowerPoint grows a row to its text


def _fill(slide, frame, cols, widths, left, top, width, row_height, font_pt) -> None:
    """A slide table of frame's cols: header and rows, column widths as fractions of width, type font_pt
    (row_height None: PowerPoint's own row height for the text)."""
    rows = len(frame)
    shape = slide.shapes.add_table(rows + 1, len(cols), left, top, width, (row_height or Emu(320040)) * (rows + 1))
    tbl = shape.table
    for j, c in enumerate(cols):
        tbl.columns[j].width = int(width * widths[j])
        tbl.cell(0, j).text = str(c)
    for i in range(rows):
        for j, c in enumerate(cols):
            value = frame.iloc[i][c]
            tbl.cell(i + 1, j).text = "" if value is None else str(value)
    for i in range(rows + 1):
        if row_height:
            tbl.rows[i].height = row_height
        for j in range(len(cols)):
            cell = tbl.cell(i, j)
            cell.margin_top = cell.margin_bottom = CELL_MARGIN
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size, run.font.name = Pt(font_pt), FONT


def _table(slide, s, lang, left, top, width, height) -> None:
    """A section without figure (definitions): every row of its table (the pack's own figures, PACK_KPIS),
    name, numerator, denominator and period, in small type with compact rows so that it ends above the
    footer (the sources are in the footer and the XLSX)."""
    from analytics.reports.pack import localised
    frame = localised(s.table, lang)
    _fill(slide, frame, list(frame.columns)[:4], TABLE_WIDTHS, left, top, width, ROW_HEIGHT, TABLE_FONT)


SECTION_TABLE_FONT = 12             # pt: a section's table (前回比, lagging, 働きかけ先) read projected
SECTION_TABLE_ROWS = 10


def _section_table(slide, s, lang, left, top, width, height) -> None:
    """A section's table (its first SECTION_TABLE_ROWS rows) at a projected-readable size."""
    from analytics.reports.pack import display, localised
    frame = localised(display(s.table), lang).head(SECTION_TABLE_ROWS)
    cols = list(frame.columns)
    if not cols:
        return
    weights = [min(max(len(str(c)), *(len(str(v)) for v in frame[c]), 3), 30) for c in cols]
    _fill(slide, frame, cols, [w / sum(weights) for w in weights], left, top, width, None, SECTION_TABLE_FONT)
