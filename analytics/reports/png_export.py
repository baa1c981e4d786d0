"""PNG images of the pack's figures (kaleido 1.x with Debian's chromium; it finds /usr/bin/chromium itself).

One kaleido server is started for a whole batch (≈0.3–0.6 s per image instead of ≈2 s). Never let plotly
or kaleido fetch a browser of their own (the machines reach no download site); Japanese glyphs need
fonts-noto-cjk installed.
"""
from __future__ import annotations

import contextlib
import io
import warnings
import zipfile

import plotly.graph_objects as go

from analytics.reports import style


@contextlib.contextmanager
def renderer():
    """Keep one kaleido/chromium process for the images rendered inside the block."""
    import kaleido
    started = False
    try:
        kaleido.start_sync_server(silence_warnings=True)
        started = True
    except Exception:  # already running or not supported: fall back to one process per image
        pass
    try:
        yield
    finally:
        if started:
            with contextlib.suppress(Exception):
                kaleido.stop_sync_server(silence_warnings=True)


def figure_png(fig: go.Figure, for_slides: bool = True, title: str | None = None, scale: float = 1.0) -> bytes:
    """fig as PNG bytes in the slide style (16:9, large type)."""
    styled = style.apply_style(go.Figure(fig), for_slides=for_slides, title=title)
    w, h = style.SLIDE_SIZE if for_slides else (1200, 700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # plotly warns that kaleido options are ignored with a server
        return styled.to_image(format="png", width=w, height=h, scale=scale)


def pack_pngs(pack) -> dict[str, bytes]:
    """{section key: PNG bytes} for every section with a figure."""
    out: dict[str, bytes] = {}
    with renderer():
        for s in pack.sections:
            if s.figure is not None:
                out[s.key] = figure_png(s.figure)
    return out


def pngs_zip(pack, pngs: dict[str, bytes] | None = None) -> bytes:
    """A ZIP of one PNG per chart, named <nn>_<section>.png (nn: the chart's place among the charts)."""
    pngs = pngs if pngs is not None else pack_pngs(pack)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        # numbered among the charts (a prefecture pack's table-only sections leave no gaps)
        for i, s in enumerate((s for s in pack.sections if s.key in pngs), 1):
            zf.writestr(f"{i:02d}_{s.key}.png", pngs[s.key])
    return buf.getvalue()
