"""The presentation pack and its files: PPTX, PDF (rendered with pdftoppm), XLSX and CSV, checked against
the database's own query results."""
from __future__ import annotations

import datetime as dt
import io
import pathlib
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest

from analytics.reports import pack as pack_mod
from analytics.reports import style, tabular, xlsx_export
from analytics.store import queries_adoption as qa
from analytics.store import queries_savings as qs
from tests.export.conftest import FORMULA_MUNICIPALITY, FORMULA_OFFICE, PREFECTURE

# a prefecture's pack: the nation's sections and, after the ranking, 前回比 (since a year before the data's
# date 2025-08-31, no --since given), the lagging municipalities and the offices to approach first
SECTIONS = ["登録率の地図（和歌山県）", "都道府県別の登録率（順位）", "前回比（和歌山県・2024-08-31から）",
            "登録率の低い市区町村（和歌山県）", "働きかけ先（和歌山県・登録で連携が増える事業所）", "登録率の推移（和歌山県）",
            "送信方法の割合（和歌山県）", "削減効果（和歌山県・最新月）", "効果試算の例（厚生労働省資料の事業所例）", "データの定義"]
NATION_SECTIONS = ["登録率の地図（全国）", "都道府県別の登録率（順位）", "登録率の推移（全国）", "送信方法の割合（全国）",
                   "削減効果（全国・最新月）", "効果試算の例（厚生労働省資料の事業所例）", "データの定義"]


def test_pack_sections_and_numbers_match_queries(pref_pack, export_engine):
    assert pref_pack.title == "ケアプランデータ連携の普及状況と効果（和歌山県）"
    assert [s.title for s in pref_pack.sections] == SECTIONS
    assert pref_pack.since == dt.date(2024, 8, 31)
    as_of = qa.default_as_of(export_engine)
    row = qa.adoption(export_engine, as_of, "prefecture", prefecture=PREFECTURE).iloc[0]
    assert dict(pref_pack.section("map").highlights)["登録率"] == f"{row['adoption_rate'] * 100:.1f}%"
    assert dict(pref_pack.section("map").highlights)["登録事業所数"] == f"{int(row['registered']):,}事業所"
    effect = dict(pref_pack.section("effect").highlights)
    assert effect["削減時間（月）"] == "34.3時間"
    assert effect["人件費（月）"] == "95,218円 → 32,784円"
    assert effect["人件費の削減（月）"] == "62,434円（約6.2万円）"
    # money to the yen (DESIGN §4); 万円 only as a note: 12 × 66,618 = 799,416
    assert effect["削減額（年）"] == "799,416円（約79.9万円）" and effect["削減額（月・ライセンス料込み）"] == "66,618円（約6.7万円）"
    for s in pref_pack.sections:
        assert s.summary and "出典" in s.footer("ja") and s.source


def test_nation_ranking_is_the_adoption_query(nation_pack, export_engine):
    assert [s.title for s in nation_pack.sections] == NATION_SECTIONS
    as_of = qa.default_as_of(export_engine)
    expected = qa.adoption(export_engine, as_of, "prefecture").sort_values(
        ["adoption_rate", "prefecture_code"], ascending=[False, True])
    table = nation_pack.section("ranking").table
    assert table["prefecture_code"].tolist() == expected["prefecture_code"].tolist()
    assert table["registered"].tolist() == expected["registered"].tolist()
    assert table["rank"].tolist() == list(range(1, len(expected) + 1))


def test_png_per_chart(pref_pack, pref_pngs):
    from PIL import Image

    from analytics.reports import png_export
    assert sorted(pref_pngs) == sorted(s.key for s in pref_pack.sections if s.figure is not None)
    for key, data in pref_pngs.items():
        img = Image.open(io.BytesIO(data))
        assert img.size == style.SLIDE_SIZE, key
        assert len(img.convert("RGB").getcolors(1 << 20) or []) > 20, f"{key} looks blank"
    import zipfile
    names = zipfile.ZipFile(io.BytesIO(png_export.pngs_zip(pref_pack, pref_pngs))).namelist()
    assert names == ["01_map.png", "02_ranking.png", "03_trend.png", "04_channels.png", "05_savings.png",
                     "06_effect.png"]


def test_pptx_titles_and_numbers(pref_pack, pref_slide_pngs, export_engine):
    from pptx import Presentation

    from analytics.reports import pptx_export
    prs = Presentation(io.BytesIO(pptx_export.to_pptx_bytes(pref_pack, pref_slide_pngs)))
    slides = list(prs.slides)
    assert len(slides) == 1 + len(SECTIONS)
    assert prs.slide_width * 9 == prs.slide_height * 16
    assert slides[0].shapes.title.text == pref_pack.title
    first = "\n".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    assert f"データ基準日: {qa.default_as_of(export_engine).isoformat()}" in first
    assert "出典" in first
    assert [s.shapes.title.text for s in slides[1:]] == SECTIONS
    texts = ["\n".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame) for s in slides[1:]]
    row = qa.adoption(export_engine, qa.default_as_of(export_engine), "prefecture", prefecture=PREFECTURE).iloc[0]
    assert f"登録率: {row['adoption_rate'] * 100:.1f}%" in texts[0]
    latest = qa.latest_exchange_month(export_engine)
    sav = qs.savings(export_engine, "municipality", prefecture=PREFECTURE, month_from=latest, month_to=latest)
    # the unrounded municipality values summed, then rounded once to the yen
    assert f"全件データ連携時の削減額: {round(sav['potential_yen'].sum()):,}円" in texts[SECTIONS.index("削減効果（和歌山県・最新月）")]
    assert "削減時間（月）: 34.3時間" in texts[SECTIONS.index("効果試算の例（厚生労働省資料の事業所例）")]
    for text in texts:
        assert "出典:" in text and "定義:" in text      # the source/definition line on every slide
    pictures = [sum(1 for sh in s.shapes if sh.shape_type == 13) for s in slides[1:]]
    assert pictures == [1, 1, 0, 0, 0, 1, 1, 1, 1, 0]
    assert slides[1].notes_slide.notes_text_frame.text == pref_pack.section("map").summary


def test_pdf_pages_render_and_text(pref_pack, pref_chart_pdfs, export_engine, tmp_path):
    from conftest import need
    need(shutil.which("pdftoppm") is not None, "poppler-utils not installed")
    # the pack's Japanese font is the Adobe-Japan1 CID font every viewer maps to an installed one; poppler
    # maps it with poppler-data (without it the pages render blank)
    need(pathlib.Path("/usr/share/poppler/cMap/Adobe-Japan1").is_dir(), "poppler-data not installed")
    from PIL import Image

    from analytics.reports import pdf_export
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf_export.to_pdf_bytes(pref_pack, pref_chart_pdfs))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 1 + len(SECTIONS)
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == pages
    for png in pngs[:3]:
        img = Image.open(png).convert("L")
        lo, hi = img.getextrema()
        assert hi - lo > 100, f"{png.name} looks blank"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert pref_pack.title in text
    row = qa.adoption(export_engine, qa.default_as_of(export_engine), "prefecture", prefecture=PREFECTURE).iloc[0]
    assert f"登録率 {row['adoption_rate'] * 100:.1f}%" in text
    assert "34.3時間" in text
    for title in SECTIONS:
        assert title in text


def test_xlsx_sheets_and_values(nation_pack, export_engine):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_export.to_xlsx_bytes(nation_pack)))
    titles = [s.title for s in nation_pack.sections]
    assert wb.sheetnames == ["表紙"] + [xlsx_export.sheet_name(t, set()) for t in titles]
    cover = [r[0] for r in wb["表紙"].iter_rows(values_only=True)]
    assert nation_pack.title in cover
    rank = wb[xlsx_export.sheet_name("都道府県別の登録率（順位）", set())]
    rows = list(rank.iter_rows(values_only=True))
    assert rows[0][:6] == ("順位", "都道府県コード", "都道府県", "事業所数", "登録事業所数", "登録率")
    as_of = qa.default_as_of(export_engine)
    expected = qa.adoption(export_engine, as_of, "prefecture").sort_values(
        ["adoption_rate", "prefecture_code"], ascending=[False, True])
    assert [r[1] for r in rows[1:]] == expected["prefecture_code"].tolist()     # codes stay text ('01')
    assert [r[4] for r in rows[1:]] == expected["registered"].tolist()
    assert [r[5] for r in rows[1:]] == pytest.approx(expected["adoption_rate"].tolist())
    latest = qa.latest_exchange_month(export_engine)
    sav = qs.savings(export_engine, "prefecture", month_from=latest, month_to=latest)
    sheet = wb[xlsx_export.sheet_name("削減効果（全国・最新月）", set())]
    got = {r[0]: r[7] for r in list(sheet.iter_rows(values_only=True))[1:]}
    # each row of the exported table is rounded once, to the yen
    assert got == dict(zip(sav["prefecture_code"], sav["potential_yen"].round(0).astype(int)))


def test_formula_looking_names_are_inert(pref_pack, export_engine):
    table = pack_mod.localised(pref_pack.section("map").table)
    assert FORMULA_MUNICIPALITY in table["市区町村"].tolist()
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_export.to_xlsx_bytes(pref_pack)))
    sheet = wb[xlsx_export.sheet_name(SECTIONS[0], set())]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value == "'" + FORMULA_MUNICIPALITY and c.data_type == "s" for c in cells)
    for enc in tabular.CSV_ENCODINGS:
        text = tabular.to_csv_bytes(table, enc).decode(tabular.CSV_ENCODINGS[enc][1])
        assert "'" + FORMULA_MUNICIPALITY.replace('"', '""') in text
        assert "\n=" not in text and ",=" not in text
    offices = qa.office_list(export_engine, PREFECTURE, qa.default_as_of(export_engine))
    assert FORMULA_OFFICE in offices["name"].tolist()
    text = tabular.to_csv_bytes(offices, "excel").decode("utf-8-sig")
    assert f",'{FORMULA_OFFICE}," in text


def test_csv_variants_decode_as_labelled(pref_pack):
    table = pack_mod.localised(pref_pack.section("savings").table)
    utf8 = tabular.to_csv_bytes(table, "utf-8")
    excel = tabular.to_csv_bytes(table, "excel")
    sjis = tabular.to_csv_bytes(table, "cp932")
    assert not utf8.startswith(b"\xef\xbb\xbf") and excel.startswith(b"\xef\xbb\xbf")
    header = "都道府県コード,都道府県,市区町村コード,市区町村"
    assert utf8.decode("utf-8").startswith(header)
    assert excel.decode("utf-8-sig").startswith(header)
    assert sjis.decode("cp932").startswith(header)
    with pytest.raises(UnicodeDecodeError):
        sjis.decode("utf-8")
    back = pd.read_csv(io.BytesIO(sjis), encoding="cp932", dtype=str)
    assert back["都道府県"].unique().tolist() == ["和歌山県"]


def test_english_pack(export_engine):
    p = pack_mod.build_pack(export_engine, PREFECTURE, lang="en")
    assert p.title == "Care plan data exchange: adoption and effect (Wakayama)"
    assert dict(p.section("effect").highlights)["Hours saved per month"] == "34.3 h"
    assert "Source:" in p.section("trend").footer("en")


def test_cli_export(export_url, tmp_path, capsys):
    from analytics import cli
    out = tmp_path / "pack.xlsx"
    assert cli.main(["--db", export_url, "export", "xlsx", "--out", str(out), "--prefecture", "和歌山県"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1] == xlsx_export.sheet_name(SECTIONS[0], set())
    assert cli.main(["--db", export_url, "export", "pptx", "--out", str(out), "--prefecture", "Atlantis"]) == 2
    err = capsys.readouterr().err
    assert "都道府県「Atlantis」が分かりません" in err and "unknown prefecture" not in err
    assert cli.main(["--lang", "en", "--db", export_url, "export", "pptx", "--out", str(out), "--prefecture", "X"]) == 2
    err = capsys.readouterr().err
    assert "unknown prefecture 'X'" in err and "Traceback" not in err
    assert cli.main(["--db", export_url, "export", "pdf", "--out", str(tmp_path / "no" / "x.pdf")]) == 2


@pytest.mark.parametrize("value, lang, said", [
    ("2025-13-40", "ja", "比較日（--since）「2025-13-40」を日付として読めません"),
    ("2025-13-40", "en", "cannot read --since '2025-13-40' as a date"),
    ("2025-08-31", "ja", "比較日（--since）2025-08-31 はデータ基準日 2025-08-31 より前の日付にしてください"),
    ("2026-01-01", "en", "--since 2026-01-01 must be before the data's date 2025-08-31"),
])
def test_cli_export_since_is_checked_in_the_users_language(export_url, tmp_path, capsys, value, lang, said):
    from analytics import cli
    out = tmp_path / "pack.xlsx"
    assert cli.main(["--lang", lang, "--db", export_url, "export", "xlsx", "--out", str(out), "--prefecture", "30",
                     "--since", value]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and not out.exists()


def test_cli_export_since_sets_the_change_page(export_url, export_engine, tmp_path):
    from analytics import cli
    from analytics.services import adoption as service
    out = tmp_path / "pack.xlsx"
    assert cli.main(["--db", export_url, "export", "xlsx", "--out", str(out), "--prefecture", "30",
                     "--since", "令和7年1月31日"]) == 0
    wb = openpyxl.load_workbook(out)
    title = "前回比（和歌山県・2025-01-31から）"
    sheet = wb[xlsx_export.sheet_name(title, set())]
    rows = list(sheet.iter_rows(values_only=True))
    change = service.change(export_engine, None, dt.date(2025, 1, 31), qa.default_as_of(export_engine),
                            "prefecture").frame
    row = change[change["prefecture_code"] == "30"].iloc[0]
    found = {r[0]: r[1:] for r in rows if r and r[0]}
    assert str(found["登録事業所数"][0]) == f"{int(row['registered_start']):,}"
    assert str(found["登録事業所数"][1]) == f"{int(row['registered_end']):,}"
    rank_then = service.standing(change, "30", None, "rate_start")
    assert found["都道府県の中の順位"][0] == f"47都道府県中{rank_then['rank']}位"


def test_cli_export_as_viewer_hides_small_counts(tmp_path, monkeypatch):
    from analytics import auth, cli, demo
    from analytics.store import engine as store_engine
    url = f"duckdb:///{tmp_path / 'users.duckdb'}"
    demo.load(url, demo.generate("tiny"))
    auth.create_user(store_engine.get_engine(url), "viewer1", "password-1234", "viewer")
    monkeypatch.setenv("CAREPLAN_PASSWORD", "password-1234")
    out = tmp_path / "v.xlsx"
    assert cli.main(["--db", url, "--user", "viewer1", "export", "xlsx", "--out", str(out)]) == 0
    rows = list(openpyxl.load_workbook(out)[xlsx_export.sheet_name("登録率の地図（全国）", set())]
                .iter_rows(values_only=True))[1:]
    # the one rule (analytics.privacy): a count below 10 is blank, and so is the rate of its row
    assert all(v is None or v >= 10 for r in rows for v in (r[2], r[3]))
    small = [r for r in rows if r[2] is None or r[3] is None]
    assert small and all(r[4] is None for r in small)
    assert any(r[4] is not None for r in rows)
    # a viewer may not export a prefecture's municipality detail
    assert cli.main(["--db", url, "--user", "viewer1", "export", "xlsx", "--out", str(out), "--prefecture", "30"]) == 2
    store_engine.dispose(url)


def test_a_pack_reads_each_adoption_frame_once_and_the_next_build_reads_again(export_engine, nation_pack):
    """The national map and ranking need the same two adoption frames: read once per build, the same
    numbers in both sections; a later build reads the database again (nothing kept between builds)."""
    import collections

    import sqlalchemy as sa
    statements = collections.Counter()

    def count(conn, cursor, statement, parameters, context, executemany):
        statements[(statement, repr(parameters))] += 1

    sa.event.listen(export_engine, "before_cursor_execute", count)
    try:
        first = pack_mod.build_pack(export_engine, None, lang="ja")
        adoption_reads = sum(n for (s, _), n in statements.items() if "count(reg.office_code)" in s)
        # the pre-aggregates' freshness check (dataset_meta, import_batches) runs before each query: cheap
        repeated = [s for (s, _), n in statements.items()
                    if n > 1 and "dataset_meta" not in s and "import_batches" not in s]
        pack_mod.build_pack(export_engine, None, lang="ja")
        again = sum(n for (s, _), n in statements.items() if "count(reg.office_code)" in s)
    finally:
        sa.event.remove(export_engine, "before_cursor_execute", count)
    assert repeated == []
    assert adoption_reads == 2 and again == 4  # by prefecture and the nation, once per build
    mapped = first.section("map").table.set_index("prefecture_code")["registered"]
    ranked = first.section("ranking").table.set_index("prefecture_code")["registered"]
    assert mapped.sum() == ranked.sum() == nation_pack.section("map").table["registered"].sum() > 0
    pd.testing.assert_series_equal(mapped.sort_index(), ranked.sort_index(), check_dtype=False)



def test_prefecture_sections_suppress_small_counts_for_a_viewer(export_engine):
    """前回比, the lagging municipalities and 働きかけ先 read the services with the scope, so a restricted
    scope's pack has the same blanks as the pages (the tiny demo's 和歌山県 has 11 offices: under 10 per
    municipality everywhere)."""
    from analytics import auth
    from analytics.services import adoption as service
    viewer = auth.Scope("viewer", suppress_below=10)
    pack = pack_mod.build_pack(export_engine, PREFECTURE, lang="ja", scope=viewer)
    assert [s.key for s in pack.sections] == list(pack_mod.PREFECTURE_SECTION_KEYS)
    change = service.change(export_engine, viewer, pack.since, pack.as_of, "prefecture").frame
    row = change[change["prefecture_code"] == PREFECTURE].iloc[0]
    shown = dict(zip(pack.section("change").table["item"], pack.section("change").table["now"]))
    # a prefecture's total is an area aggregate (shown, README: viewer): the pack says what the service says
    assert shown["登録事業所数"] == f"{int(row['registered_end']):,}"
    lagging = pack.section("lagging").table
    munis = service.municipalities(export_engine, viewer, pack.as_of, PREFECTURE).frame
    assert munis["suppressed"].any()                           # municipality counts under 10 are blanked
    assert len(lagging) == int(munis["rankable"].sum()) == 0   # and a blanked area is never ranked
    for s in pack.sections:
        assert s.summary and s.source


@pytest.mark.parametrize("first,expected", [
    (dt.date(2025, 8, 31), dt.date(2025, 8, 30)),   # the data's first day: the day before it, never on it
    (dt.date(2025, 3, 1), dt.date(2025, 3, 1)),     # data since March: its first registration
    (dt.date(2023, 4, 1), dt.date(2024, 8, 31)),    # longer than a year: a year before
])
def test_default_since_is_before_the_data_date(engine, first, expected):
    """The 前回比 date the pack and the export page's date picker start from is before the data's date
    (the picker's max and the CLI's --since accept no later one)."""
    from analytics.ingest import ingest_files
    from tests.ingest.ingest_helpers import csv_bytes, office
    regs = csv_bytes([["事業所番号", "利用開始日"], [office(30, 1), first.isoformat()]], "cp932")
    assert ingest_files(engine, "registrations", [("regs.csv", regs)], imported_by="tester").accepted == 1
    since, _note = pack_mod.default_since(engine, dt.date(2025, 8, 31))
    assert since == expected
