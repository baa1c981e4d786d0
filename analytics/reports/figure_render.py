"""The pack's charts drawn at their printed size: PDF (vector; text stays text) for the PDF report and PNG
for the slides, every figure of a pack in one kaleido/chromium session (``png_export.renderer``).

A figure is laid out for its box in points (``style.apply_print_style``), so that the type is as large on
paper or on the projected slide as the numbers say: a 1600 × 900 image shrunk into a third of a page
printed its prefecture names at 2.6 pt.
"""
from __future__ import annotations

import dataclasses
import unicodedata
import warnings

import plotly.graph_objects as go

from analytics.reports import print_maps, style


@dataclasses.dataclass(frozen=True)
class Box:
    """Where a chart goes: width and height in points and the smallest type it may use there."""
    width: float
    height: float
    font_pt: float = 11


def render(fig: go.Figure, box: Box, fmt: str, scale: float = 1.0) -> bytes:
    """fig as ``fmt`` ("pdf" or "png") bytes laid out for ``box``."""
    as_xy = fmt == "pdf" and print_maps.has_map(fig)
    if as_xy:
        fig = print_maps.to_xy(fig)     # a MapLibre map prints as a picture (see print_maps)
    styled = style.apply_print_style(go.Figure(fig), box.width, box.height, box.font_pt)
    if as_xy:       # its axes are hidden: no room below for tick labels and an axis title
        styled.update_layout(margin=dict(b=10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # plotly warns that kaleido options are ignored with a server
        data = styled.to_image(format=fmt, width=styled.layout.width, height=styled.layout.height, scale=scale)
    return fix_text(data) if fmt == "pdf" else data


def render_all(figures: dict[str, tuple[go.Figure, Box]], fmt: str, scale: float = 1.0) -> dict[str, bytes]:
    """{key: bytes} for {key: (figure, box)}, in one chromium session."""
    from analytics.reports.png_export import renderer
    with renderer():
        return {key: render(fig, box, fmt, scale) for key, (fig, box) in figures.items()}


# Chromium writes the text of a chart with the glyphs of the font, and Noto Sans CJK shares some glyphs
# between an ideograph and a radical: its PDF then says 「⻘森県」 (U+2ED8 CJK RADICAL BLUE) and a search
# for 青森県 finds nothing. The radicals' unified ideographs (Unicode EquivalentUnifiedIdeograph.txt, the
# ones the Kangxi block's NFKC does not cover):
RADICALS = {0x2E8C: "小", 0x2E8D: "小", 0x2E9F: "母", 0x2EA0: "民", 0x2EC1: "虎", 0x2EC4: "西", 0x2EC6: "角",
            0x2ED1: "長", 0x2ED7: "雨", 0x2ED8: "青", 0x2EDD: "食", 0x2EE1: "首", 0x2EE3: "骨", 0x2EE4: "鬼",
            0x2EE9: "黄", 0x2EEB: "斉", 0x2EED: "歯", 0x2EEF: "竜", 0x2EF2: "亀"}


def ideograph(code: int) -> int:
    """The unified ideograph a radical's glyph stands for (the code itself otherwise)."""
    if code in RADICALS:
        return ord(RADICALS[code])
    if 0x2F00 <= code <= 0x2FD5 or 0xF900 <= code <= 0xFAFF:
        return ord(unicodedata.normalize("NFKC", chr(code))[0])
    return code


def _fix_cmap(text: str) -> str:
    import re

    def repl(m):
        code = int(m.group(1), 16)
        new = ideograph(code)
        return m.group(0) if new == code else f"<{new:04X}>"
    return re.sub(r"(?<=> )<([0-9A-Fa-f]{4})>", repl, text)


def fix_text(pdf: bytes) -> bytes:
    """The chart PDF with every font's ToUnicode map naming ideographs, not radicals (see RADICALS)."""
    import io

    import pypdf
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter(clone_from=reader)
    seen: set = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            cmap = font.get("/ToUnicode")
            if cmap is None or id(cmap.get_object()) in seen:
                continue
            stream = cmap.get_object()
            seen.add(id(stream))
            old = stream.get_data().decode("latin-1")
            new = _fix_cmap(old)
            if new != old:
                stream.set_data(new.encode("latin-1"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
