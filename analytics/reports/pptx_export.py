"""The pack as 16:9 slides (python-pptx): a title slide, then one slide per section with the chart image,
its key figures, and the definition/period/source line at the bottom. The screen-reader summary goes into
the slide notes and the picture's alternative text."""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.util import Emu, Pt

from analytics.i18n import t

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)   # 13.333 × 7.5 in (16:9)
FONT = "Noto Sans CJK JP"


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
    """PPTX bytes of the pack; pngs ({section: PNG}) are rendered when not given."""
    if pngs is None:
        from analytics.reports.png_export import pack_pngs
        pngs = pack_pngs(pack)
    lang = pack.lang
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    title_only = prs.slide_layouts[5]

    margin = Emu(457200)  # 0.5 in

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
        top = Emu(1100000)
        footer_h = Emu(700000)
        body_h = HEIGHT - top - footer_h - Emu(150000)
        side_w = Emu(3400000) if s.highlights else 0
        if s.key in pngs:
            pic_w = WIDTH - 2 * margin - side_w
            pic_h = int(pic_w * 9 / 16)
            if pic_h > body_h:
                pic_h = body_h
                pic_w = int(pic_h * 16 / 9)
            pic = slide.shapes.add_picture(io.BytesIO(pngs[s.key]), margin, top, width=pic_w, height=pic_h)
            pic._element.nvPicPr.cNvPr.set("descr", s.summary)
        elif s.figure is None:
            _table(slide, s, lang, margin, top, WIDTH - 2 * margin, body_h)
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


def _table(slide, s, lang, left, top, width, height) -> None:
    """A section without figure (definitions): every row of its table (the pack's own figures, PACK_KPIS),
    name, numerator, denominator and period, in small type with compact rows so that it ends above the
    footer (the sources are in the footer and the XLSX)."""
    from analytics.reports.pack import localised
    frame = localised(s.table, lang)
    cols = list(frame.columns)[:4]
    rows = len(frame)
    shape = slide.shapes.add_table(rows + 1, len(cols), left, top, width, ROW_HEIGHT * (rows + 1))
    tbl = shape.table
    for j, c in enumerate(cols):
        tbl.columns[j].width = int(width * TABLE_WIDTHS[j])
        tbl.cell(0, j).text = str(c)
    for i in range(rows):
        for j, c in enumerate(cols):
            value = frame.iloc[i][c]
            tbl.cell(i + 1, j).text = "" if value is None else str(value)
    for i in range(rows + 1):
        tbl.rows[i].height = ROW_HEIGHT
        for j in range(len(cols)):
            cell = tbl.cell(i, j)
            cell.margin_top = cell.margin_bottom = CELL_MARGIN
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size, run.font.name = Pt(TABLE_FONT), FONT
