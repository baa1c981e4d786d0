"""A tiny deterministic demo database (1/200 sample, ≈1,400 offices, ≈39k exchange rows) for the export
tests, with one 和歌山県 municipality and one office renamed to text a spreadsheet would run as a formula."""
from __future__ import annotations

import pytest

from analytics import demo
from analytics.store import engine as store_engine

FORMULA_MUNICIPALITY = '=HYPERLINK("http://example.invalid","x")'
FORMULA_OFFICE = "=1+2"
PREFECTURE = "30"


@pytest.fixture(scope="session")
def export_url(tmp_path_factory):
    data = demo.generate("tiny", seed=20231005)
    offices = data.offices
    wakayama = offices[offices["prefecture_code"] == PREFECTURE]
    muni = sorted(wakayama["municipality_code"].dropna().unique())[0]
    offices.loc[offices["municipality_code"] == muni, "municipality"] = FORMULA_MUNICIPALITY
    first = wakayama.index[0]
    offices.loc[first, "name"] = FORMULA_OFFICE
    url = f"duckdb:///{tmp_path_factory.mktemp('export') / 'export.duckdb'}"
    demo.load(url, data)
    yield url
    store_engine.dispose(url)


@pytest.fixture(scope="session")
def export_engine(export_url):
    return store_engine.get_engine(export_url)


@pytest.fixture(scope="session")
def pref_pack(export_engine):
    from analytics.reports import pack
    return pack.build_pack(export_engine, PREFECTURE, lang="ja")


@pytest.fixture(scope="session")
def nation_pack(export_engine):
    from analytics.reports import pack
    return pack.build_pack(export_engine, None, lang="ja")


@pytest.fixture(scope="session")
def pref_pngs(pref_pack):
    """PNGs rendered once (kaleido + Debian chromium) for the PPTX and PDF tests."""
    import shutil

    from conftest import need
    need(shutil.which("chromium") is not None or shutil.which("chromium-browser") is not None,
         "Debian chromium not installed (apt-get install chromium fonts-noto-cjk)")
    from analytics.reports import png_export
    return png_export.pack_pngs(pref_pack)


def _need_chromium():
    import shutil

    from conftest import need
    need(shutil.which("chromium") is not None or shutil.which("chromium-browser") is not None,
         "Debian chromium not installed (apt-get install chromium fonts-noto-cjk fonts-liberation)")


@pytest.fixture(scope="session")
def pref_slide_pngs(pref_pack):
    """The slides' chart pictures, drawn for the picture's size on the slide (kaleido, one session)."""
    _need_chromium()
    from analytics.reports import pptx_export
    return pptx_export.slide_pngs(pref_pack)


@pytest.fixture(scope="session")
def pref_chart_pdfs(pref_pack):
    """The PDF's vector charts (kaleido, one session)."""
    _need_chromium()
    from analytics.reports import pdf_export
    return pdf_export.chart_pdfs(pref_pack)
