"""What a presenter sees in the pack's files: every character of the PDF shows, each figure's page holds
its table, the definitions define the pack's own numbers in full, the XLSX reads as yen and percentages,
the title slide and the definitions slide stay on the 16:9 slide, and a prefecture's map fills its image."""
from __future__ import annotations

import io
import math
import pathlib
import re
import shutil
import subprocess

import openpyxl
import pytest
from pptx import Presentation
from pptx.util import Emu

from analytics.domain import kpis
from analytics.reports import adoption_charts, pdf_export, pptx_export, style, xlsx_export
from analytics.reports import pack as pack_mod

CMAP = pathlib.Path("/usr/share/poppler/cMap/Adobe-Japan1/UniJIS-UCS2-H")


def _pdf_pages(pack, charts, tmp_path) -> list[str]:
    from conftest import need
    need(shutil.which("pdftotext") is not None, "poppler-utils not installed")
    need(CMAP.parent.is_dir(), "poppler-data not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf_export.to_pdf_bytes(pack, charts))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def _cmap_codes() -> set[int]:
    codes: set[int] = set()
    for line in CMAP.read_text(encoding="latin-1").splitlines():
        if m := re.match(r"<([0-9a-f]+)>\s+<([0-9a-f]+)>\s+\d+", line):
            codes.update(range(int(m.group(1), 16), int(m.group(2), 16) + 1))
        elif m := re.match(r"<([0-9a-f]+)>\s+\d+", line):
            codes.add(int(m.group(1), 16))
    return codes


def test_pdf_text_has_no_character_the_japanese_font_cannot_show(pref_pack, pref_chart_pdfs, tmp_path):
    """「利用開始日 ≤ 月末」 printed an empty box: U+2264 is not in the Adobe-Japan1 CMap; ≦ is."""
    pages = _pdf_pages(pref_pack, pref_chart_pdfs, tmp_path)
    flat = "".join(pages).replace("\n", "")
    assert "利用開始日 ≦ 月末" in flat
    # nothing else the pack prints (either language's definitions included) lacks a glyph
    mapped = _cmap_codes()
    texts = [s.footer("ja") for s in pref_pack.sections] + [s.summary for s in pref_pack.sections]
    texts += [kpis.describe(k.key, lang) for k in kpis.KPIS for lang in ("ja", "en")]
    missing = {ch for text in texts for ch in pdf_export.escape(text) if ord(ch) >= 0x20 and ord(ch) not in mapped}
    assert missing == set()


def test_pdf_each_figure_has_its_page_then_its_table_page_and_definitions_are_complete(pref_pack, pref_chart_pdfs,
                                                                                       tmp_path):
    import dataclasses

    import pandas as pd
    # a prefecture with more municipalities than the page prints (和歌山県 has 30): the table page holds its
    # first rows and the 「…ほかN行」 line, never a page of their own
    savings = pref_pack.section("savings")
    many = dataclasses.replace(savings, table=pd.concat([savings.table] * 4, ignore_index=True))
    pref_pack = dataclasses.replace(pref_pack, sections=[many if s.key == "savings" else s
                                                         for s in pref_pack.sections])
    assert len(many.table) > pdf_export.MAX_ROWS
    pages = _pdf_pages(pref_pack, pref_chart_pdfs, tmp_path)
    firsts = [page.strip().splitlines()[0] for page in pages]
    # the title page; a figure: its chart page (title first) and its table page (「表: title」); a section
    # without figure (前回比, lagging municipalities, 働きかけ先): one page; then the definitions over as many
    # pages as they need
    expected = [pref_pack.title]
    for s in pref_pack.sections[:-1]:
        expected += [s.title, f"表: {s.title}"] if s.figure is not None else [s.title]
    assert firsts[:len(expected)] == expected
    assert [s.key for s in pref_pack.sections] == list(pack_mod.PREFECTURE_SECTION_KEYS)
    assert firsts[len(expected)] == "データの定義"
    savings_table = pages[expected.index(f"表: {savings.title}")].replace("\n", "")
    assert f"ほか{len(many.table) - pdf_export.MAX_ROWS}行" in savings_table
    definitions = "".join(pages[len(expected):]).replace("\n", "")
    for key in pack_mod.PACK_KPIS:
        assert kpis.label(key, "ja") in definitions, key
    assert "ほか" not in definitions                  # no 「…ほかN行」: every definition printed


def test_definitions_section_defines_the_packs_own_figures(pref_pack):
    table = pref_pack.section("definitions").table
    assert table["name"].tolist() == [kpis.label(k, "ja") for k in pack_mod.PACK_KPIS]
    # every figure a section prints is defined there
    for key in ("realised_yen", "potential_yen", "missed_digital_sheets", "effect_saving"):
        assert kpis.label(key, "ja") in table["name"].tolist()
    assert "平均絶対誤差率" not in table["name"].tolist()      # the forecast is not in the pack


def _text_height(frame, width_emu: int, default_pt: float) -> float:
    """Inches a text frame needs: lines of (full-width = 1 em, other = 0.55 em) characters at each run's
    size, 1.45 × size a line (Noto Sans CJK's line height)."""
    usable = (width_emu - 2 * 91440) / 914400 * 72
    total = 0.0
    for p in frame.paragraphs:
        size = next((r.font.size.pt for r in p.runs if r.font.size), default_pt)
        em = sum(1 if ord(ch) > 0x2E7F else 0.55 for ch in p.text)
        total += max(1, math.ceil(em * size / usable)) * size * 1.45
    return total / 72 + 0.1


def test_pptx_title_slide_is_centred_and_its_sources_fit(pref_pack, pref_slide_pngs):
    prs = Presentation(io.BytesIO(pptx_export.to_pptx_bytes(pref_pack, pref_slide_pngs)))
    slide = prs.slides[0]
    for shape in (slide.shapes.title, slide.placeholders[1]):
        assert abs(shape.left + shape.width / 2 - prs.slide_width / 2) < Emu(9144), shape.name
        assert shape.top + shape.height <= prs.slide_height
    sub = slide.placeholders[1]
    assert _text_height(sub.text_frame, sub.width, 18) <= sub.height / 914400
    lines = sub.text_frame.text.splitlines()
    assert all(f"・{src}" in lines for src in pref_pack.sources)


def test_pptx_definitions_slide_lists_every_definition_above_the_footer(pref_pack, pref_slide_pngs):
    prs = Presentation(io.BytesIO(pptx_export.to_pptx_bytes(pref_pack, pref_slide_pngs)))
    slide = prs.slides[len(prs.slides) - 1]
    table_shape = next(sh for sh in slide.shapes if sh.has_table)
    footer = next(sh for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.startswith("定義:"))
    tbl = table_shape.table
    names = [tbl.cell(i, 0).text for i in range(1, len(tbl.rows))]
    assert names == [kpis.label(k, "ja") for k in pack_mod.PACK_KPIS]
    # each row as tall as its tallest cell (PowerPoint grows rows to their text)
    height = 0.0
    for i in range(len(tbl.rows)):
        cells = []
        for j in range(len(tbl.columns)):
            cell = tbl.cell(i, j)
            need = _text_height(cell.text_frame, tbl.columns[j].width, 8) - 0.1
            cells.append(need + (cell.margin_top + cell.margin_bottom) / 914400)
        height += max(max(cells), tbl.rows[i].height / 914400)
    assert table_shape.top / 914400 + height <= footer.top / 914400


def test_xlsx_numbers_read_as_yen_counts_and_percentages(nation_pack):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_export.to_xlsx_bytes(nation_pack)))

    def column(sheet, header):
        ws = wb[xlsx_export.sheet_name(sheet, set())]
        j = [c.value for c in ws[1]].index(header) + 1
        return ws, [ws.cell(i, j) for i in range(2, ws.max_row + 1)]

    ws, rates = column("登録率の地図（全国）", "登録率")
    assert rates and all(c.number_format == "0.0%" for c in rates)
    assert any(isinstance(c.value, float) and 0 < c.value < 1 for c in rates)     # fractions, shown as %
    _, offices = column("登録率の地図（全国）", "事業所数")
    assert all(c.number_format == "#,##0" for c in offices)
    _, codes = column("登録率の地図（全国）", "都道府県コード")
    assert codes[0].value == "01" and codes[0].data_type == "s"       # codes stay text
    assert ws.column_dimensions["A"].width >= 14                      # 都道府県コード readable
    _, yen = column("削減効果（全国・最新月）", "全件データ連携時の削減額（円）")
    assert all(c.number_format == "#,##0" for c in yen) and max(c.value for c in yen) >= 10_000
    _, hours = column("削減効果（全国・最新月）", "実現した削減時間（時間）")
    assert all(c.number_format == "#,##0.0" for c in hours)
    _, change = column("効果試算の例（厚生労働省資料の事業所例）", "差（円/月）")
    assert change[0].value == -62434 and change[0].number_format == "#,##0"
    _, share = column("送信方法の割合（全国）", "割合")
    assert all(c.number_format == "0.0%" for c in share)


def test_prefecture_map_fills_the_slide_image(pref_pack):
    """The page's zoom left 和歌山県 a quarter of the image high; the pack's map fits the outline to it."""
    fig = pref_pack.section("map").figure
    zoom = fig.layout.map.zoom
    ring = adoption_charts._outline("30")
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    world = 512 * 2 ** zoom                      # web Mercator: the world's width in pixels at this zoom

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    height = (merc(max(lats)) - merc(min(lats))) / (2 * math.pi) * world
    width = (max(lons) - min(lons)) / 360 * world
    image_w, image_h = style.SLIDE_SIZE
    # the outline fills most of the image's height (less margins), and nothing of it is cut
    assert 0.65 * image_h <= height <= image_h - 100 and width <= image_w - 200
    assert fig.layout.map.center.lat == pytest.approx((max(lats) + min(lats)) / 2, abs=0.1)


def test_english_pack_has_no_japanese_outside_place_names(export_engine):
    """The demo's source label came from the database in Japanese (「デモデータ（架空）」) and the footers
    were joined by full-width spaces: an English pack speaks English (place names stay as they are)."""
    cjk = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    p = pack_mod.build_pack(export_engine, "30", lang="en")
    assert "Demo data (fictitious)" in p.sources
    texts = list(p.sources) + [p.title, p.demo_note]
    for s in p.sections:
        texts += [s.title, s.footer("en"), s.definition, s.period] + [label for label, _ in s.highlights]
    assert [text for text in texts if cjk.search(text)] == []


def test_pptx_charts_are_drawn_for_their_picture_so_their_type_reads_projected(pref_pack, pref_slide_pngs):
    """A chart's labels were 1600 × 900 pixels shrunk into 8.6 in (22 px → 8.5 pt); now each chart is
    laid out for its picture box in points, type SLIDE_CHART_PT (ticks one point less: ≥ 12 pt)."""
    from PIL import Image
    box = pptx_export.picture_box()
    assert box.font_pt - 1 >= 12
    prs = Presentation(io.BytesIO(pptx_export.to_pptx_bytes(pref_pack, pref_slide_pngs)))
    slides = list(prs.slides)[1:]
    for section, slide in zip(pref_pack.sections, slides):
        pics = [sh for sh in slide.shapes if sh.shape_type == 13]
        if section.figure is None:
            assert pics == []
            continue
        (pic,) = pics
        # the picture shows at the box's size: the type is as large on the slide as the layout says
        assert pic.width == int(box.width * pptx_export.EMU_PER_PT)
        assert pic.height == int(box.height * pptx_export.EMU_PER_PT)
        img = Image.open(io.BytesIO(pref_slide_pngs[section.key]))
        px = style.PX_PER_PT * pptx_export.PNG_SCALE
        assert img.size[0] / px == pytest.approx(box.width, abs=1), section.key   # kaleido rounds a pixel
        assert img.size[1] / px == pytest.approx(box.height, abs=1), section.key
    # the table-only sections (前回比, lagging, 働きかけ先) at 12 pt
    change = slides[[s.key for s in pref_pack.sections].index("change")]
    tables = [sh for sh in change.shapes if sh.has_table]
    sizes = {run.font.size.pt for sh in tables for row in sh.table.rows for cell in row.cells
             for p in cell.text_frame.paragraphs for run in p.runs}
    assert sizes == {pptx_export.SECTION_TABLE_FONT} and pptx_export.SECTION_TABLE_FONT >= 12
