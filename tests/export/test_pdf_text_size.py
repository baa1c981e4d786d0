"""Issue #23: the printed pack is readable. Charts are vector (their labels are text a reader can search
and copy), and no character of the PDF, chart labels included, is under 8 pt; the 47 prefectures of the
ranking each have their name on its page."""
from __future__ import annotations

import io

import pytest

from analytics.domain import codes
from analytics.reports import figure_render, pdf_export, style

pdfplumber = pytest.importorskip("pdfplumber")


def _size(ch) -> float:
    """A character's type size: its box's height on an upright line; on a turned line (a y-axis title,
    drawn at 90°) the box's width across the line (pdfplumber's ``size`` there is the glyph's advance)."""
    return ch["size"] if ch["upright"] else ch["width"]


@pytest.fixture(scope="module")
def pdf(pref_pack, pref_chart_pdfs):
    return pdfplumber.open(io.BytesIO(pdf_export.to_pdf_bytes(pref_pack, pref_chart_pdfs)))


def _page_of(pdf, title: str):
    return next(p for p in pdf.pages if (p.extract_text() or "").strip().startswith(title))


def test_no_text_under_8pt_anywhere(pdf):
    small = [(i + 1, ch["text"], round(_size(ch), 1)) for i, page in enumerate(pdf.pages) for ch in page.chars
             if ch["text"].strip() and _size(ch) < style.PRINT_MIN_PT * 0.95]
    # 0.95: pdfplumber measures a glyph's box from the font's ascent and descent, a little under its size
    assert small == []
    sizes = [_size(ch) for page in pdf.pages for ch in page.chars if ch["text"].strip()]
    assert min(sizes) >= 7.6 and len(sizes) > 3000


def test_ranking_labels_are_text_on_its_page(pdf, pref_pack):
    page = _page_of(pdf, pref_pack.section("ranking").title)
    text = page.extract_text().replace(" ", "")
    ranked = pref_pack.section("ranking").table
    for rank, name in zip(ranked["rank"], ranked["prefecture"]):
        assert f"{rank}{name}" in text, name          # 「19 和歌山県」: rank and name, both text
    assert "登録率(%)" in text                          # the value axis's title
    assert "全国平均" in text
    # the chart's own labels (not only the table's): drawn in the chart's fonts, at 8 pt or more
    chart_chars = [ch for ch in page.chars if "NotoSansCJK" in ch["fontname"]]
    assert len(chart_chars) > 47 * 2
    assert min(_size(ch) for ch in chart_chars if ch["text"].strip()) >= 8 * 0.95
    # the value beside each bar copies as digits (9.1%), not as blanks
    assert f"{ranked['adoption_rate'].iloc[0] * 100:.1f}%" in text


def test_chart_text_names_ideographs_not_radicals(pdf, pref_pack):
    """青森県 and 長野県: chromium's PDF maps the shared glyph to a CJK radical (⻘, ⻑) unless fixed."""
    page = _page_of(pdf, pref_pack.section("ranking").title)
    text = page.extract_text()
    assert "青森県" in text and "長野県" in text
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in text)
    assert figure_render.ideograph(0x2ED8) == ord("青") and figure_render.ideograph(0x2F3F) == ord("手")
    assert figure_render.ideograph(ord("a")) == ord("a")


def test_charts_are_vector_and_fill_the_page_width(pref_chart_pdfs, pref_pack):
    for key, data in pref_chart_pdfs.items():
        page = pdfplumber.open(io.BytesIO(data)).pages[0]
        assert page.width == pytest.approx(pdf_export.CHART_BOX.width, abs=1), key
        assert len(page.chars) > 10, key                # text, not a picture of text
    # the map and ranking get the page's width: 47 names at 2.6 pt became 9–10 pt
    assert pdf_export.CHART_BOX.width > 700 and pdf_export.CHART_BOX.height >= 350


def test_english_pack_is_readable_too(export_engine):
    from analytics.reports import pack as pack_mod
    pack = pack_mod.build_pack(export_engine, "30", lang="en")
    doc = pdfplumber.open(io.BytesIO(pdf_export.to_pdf_bytes(pack)))
    text = "".join(p.extract_text() or "" for p in doc.pages)
    assert codes.prefecture_name("02", "en") in text and "Adoption rate (%)" in text
    assert "Offices to approach first" in text and "Change since" in text
    assert min(_size(ch) for p in doc.pages for ch in p.chars if ch["text"].strip()) >= 8 * 0.95


def _images(page) -> list:
    """The raster images a page draws, inside its form XObjects too (a chart laid on the page is one)."""
    found, todo = [], [page.get("/Resources", {})]
    while todo:
        resources = todo.pop()
        for ref in (resources.get_object().get("/XObject") or {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                found.append((obj.get("/Width"), obj.get("/Height")))
            elif obj.get("/Resources") is not None:
                todo.append(obj["/Resources"])
    return found


def test_maps_are_vector_drawings_not_pictures(pref_pack, pref_chart_pdfs, nation_pack):
    """The maps were a 879 × 416 picture at 98 ppi (MapLibre draws them on a WebGL canvas, which chromium
    prints as an image): on paper their outlines are drawn as paths, their colour bar's labels are text."""
    import pypdf
    report = pypdf.PdfReader(io.BytesIO(pdf_export.to_pdf_bytes(pref_pack, pref_chart_pdfs)))
    map_title = pref_pack.section("map").title
    pages = [p for p in report.pages if (p.extract_text() or "").strip().startswith(map_title)]
    assert len(pages) == 1
    assert _images(pages[0]) == []
    assert [i for i, p in enumerate(report.pages) if _images(p)] == []     # nor any other page
    nation_map = figure_render.render(nation_pack.section("map").figure, pdf_export.CHART_BOX, "pdf")
    for key, data in (("prefecture", pref_chart_pdfs["map"]), ("nation", nation_map)):
        chart = pypdf.PdfReader(io.BytesIO(data)).pages[0]
        assert _images(chart) == [], key
        text = pdfplumber.open(io.BytesIO(data)).pages[0].extract_text().replace(" ", "")
        assert "登録率(%)" in text, key                  # the colour bar's title, as text


def test_colour_bar_on_the_page_runs_over_the_whole_scale(pref_pack, pref_chart_pdfs):
    """The chart's gradient is a pattern, placed in the page's own space: laid on the report page without
    moving it too, the municipality map's colour bar started at mid-blue, not at the scale's pale 0 %."""
    pdfium = pytest.importorskip("pypdfium2")
    from analytics.reports import adoption_charts
    doc = pdfium.PdfDocument(pdf_export.to_pdf_bytes(pref_pack, pref_chart_pdfs))
    map_title = pref_pack.section("map").title
    page = next(p for p in doc if p.get_textpage().get_text_range().strip().startswith(map_title))
    image = page.render(scale=1).to_pil().convert("RGB")
    w, h = image.size
    # the colour bar: the column right of the map with the most blue pixels
    def blue(px):
        return px[2] > px[0] + 20
    x = max(range(int(w * 0.8), w), key=lambda x: sum(blue(image.getpixel((x, y))) for y in range(h)))
    column = [image.getpixel((x, y)) for y in range(h) if blue(image.getpixel((x, y)))]
    palest, darkest = max(column, key=sum), min(column, key=sum)
    first, last = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for _, c in adoption_charts.POINT_SCALE)
    assert all(abs(a - b) <= 12 for a, b in zip(palest, first)), palest
    assert all(abs(a - b) <= 12 for a, b in zip(darkest, last)), darkest
