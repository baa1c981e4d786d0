"""Chart style, number formats and the text summaries."""
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analytics.reports import style, summaries


@pytest.mark.parametrize("fn, args, expected", [
    (style.format_yen_man, (62434,), "6.2万円"),
    (style.format_yen_man, (744000,), "74.4万円"),
    (style.format_yen_man, (62434, "en"), "6.2 ×10k yen"),
    (style.format_yen_man, (None,), "–"),
    (style.format_yen_man, (99_994_999,), "9,999.5万円"),       # below 1億: 万円 with a decimal
    (style.format_yen_man, (406_331_234,), "4億633万円"),        # a national sum, as people write it
    (style.format_yen_man, (199_999_999,), "2億円"),            # rounds up to a whole 億
    (style.format_yen_man, (1_200_050_000,), "12億5万円"),
    (style.format_yen_man, (-406_331_234,), "-4億633万円"),
    (style.format_yen_man, (406_331_234, "en"), "40,633.1 ×10k yen"),
    (style.format_yen, (95218,), "95,218円"),
    (style.format_hours, (34.3,), "34.3時間"),
    (style.format_hours, (34.3, "en"), "34.3 h"),
    (style.format_hours, (411.6,), "411.6時間"),
    (style.format_percent, (0.1234,), "12.3%"),
    (style.format_count, (1234, "事業所", "offices"), "1,234事業所"),
    (style.format_count, (1234, "事業所", "offices", "en"), "1,234 offices"),
    (style.fiscal_year_label, (2025,), "2025年度"),
    (style.fiscal_year_label, (2025, "en"), "FY2025"),
])
def test_formats(fn, args, expected):
    assert fn(*args) == expected


def test_template_and_palette():
    assert style.TEMPLATE in pio.templates
    assert style.PALETTE[:3] == ["#0072B2", "#E69F00", "#56B4E9"]     # Okabe–Ito
    fig = go.Figure([go.Scatter(y=[1, 2], mode="lines"), go.Scatter(y=[2, 1], mode="lines"),
                     go.Bar(y=[1]), go.Bar(y=[2])])
    out = style.apply_style(fig, for_slides=True, title="題")
    assert out.layout.font.size == style.SLIDE_FONT_SIZE and out.layout.width == 1600
    assert "Noto Sans CJK JP" in out.layout.font.family
    assert [tr.line.dash for tr in out.data[:2]] == ["solid", "dash"]      # not by colour alone
    assert [tr.marker.pattern.shape for tr in out.data[2:]] == ["", "/"]


def test_summaries():
    frame = pd.DataFrame({"label": ["A県", "B県", "C県", "D県"], "adoption_rate": [0.1, 0.4, 0.2, None]})
    text = summaries.describe("ranking", frame, "ja", area="全国", national=0.25, top=1)
    assert text == "全国（3地域）で値が高いのは B県 40.0%、低いのは A県 10.0% です。全国は 25.0% です。"
    trend = pd.DataFrame({"month": pd.to_datetime(["2024-04-01", "2025-08-01"]), "adoption_rate": [0.05, 0.125]})
    assert summaries.describe("trend", trend, "en", area="Wakayama") == \
        "Adoption in Wakayama went from 5.0% in 2024-04 to 12.5% in 2025-08 (+7.5 points)."
    mix = pd.DataFrame({"month": [1, 1], "channel": ["FAX", "データ連携"], "sheets": [75, 25]})
    assert "FAX 75.0%、データ連携 25.0%" in summaries.describe("channel_mix", mix, "ja", area="全国")
    assert summaries.describe("unknown", mix, "en") == "A chart of 2 rows of data."


def test_summary_read_off_any_figure_names_values_and_extremes():
    import pandas as pd

    from analytics.reports import adoption_charts as ac
    from analytics.reports import summaries
    frame = pd.DataFrame({"prefecture_code": ["01", "13", "30", "27", "40", "47", "02"],
                          "prefecture": ["北海道", "東京都", "和歌山県", "大阪府", "福岡県", "沖縄県", "青森県"],
                          "adoption_rate": [0.10, 0.25, 0.50, 0.05, 0.30, 0.20, 0.15],
                          "offices": [10] * 7, "registered": [1] * 7})
    text = summaries.from_figure(ac.ranking_bar(frame, national=0.2))
    assert text == ("登録率（7項目）で大きいのは 和歌山県 50.0%、福岡県 30.0%、東京都 25.0%、"
                    "小さいのは 大阪府 5.0%、北海道 10.0%、青森県 15.0%。")
    # the map's outline, highlight and inset traces are not read as data
    assert summaries.from_figure(ac.choropleth_map(frame, highlight="30")).startswith("登録率（7項目）で大きいのは 和歌山県 50.0%")
    import plotly.graph_objects as go
    line = go.Figure(go.Scatter(x=["2024-09", "2025-08"], y=[4.0, 10.0], mode="lines", name="全国"))
    assert summaries.from_figure(line) == "全国は 2024-09 の 4 から 2025-08 の 10 へ。"
    assert summaries.from_figure(ac.ranking_bar(frame.iloc[:0])) == "この図に表示するデータがありません。"


@pytest.mark.parametrize("value,lang,expected", [
    ("2025-08-01T00:00:00", "ja", "2025年8月"), ("2025-08-01 00:00:00", "en", "2025-08"),
    ("2025-08-15", "ja", "2025-08-15"), ("和歌山県", "ja", "和歌山県"), (3, "en", "3"),
])
def test_summary_labels_read_months_as_people_do(value, lang, expected):
    from analytics.reports import summaries
    assert summaries._label(value, lang) == expected


def test_summary_reads_the_figure_without_copying_map_outlines(monkeypatch):
    """from_figure skips the GeoJSON copy; the text is the same as read off the full to_plotly_json()."""
    import numpy as np
    import plotly.graph_objects as go

    from analytics.reports import adoption_charts as ac
    from analytics.reports import summaries
    frame = pd.DataFrame({"prefecture_code": ["01", "13", "30", "27"],
                          "prefecture": ["北海道", "東京都", "和歌山県", "大阪府"],
                          "adoption_rate": [0.10, 0.25, 0.50, 0.05], "offices": [10] * 4, "registered": [1] * 4})
    heat = go.Figure(go.Heatmap(z=np.array([[1.5, 2.0], [0.5, 9.0]]), x=["a", "b"], y=["c", "d"], name="率"))
    dates = go.Figure(go.Scatter(x=pd.to_datetime(["2024-09-01", "2025-08-01"]), y=np.array([4.0, 10.0]),
                                 mode="lines", name="全国"))
    figures = [ac.choropleth_map(frame, highlight="30"), ac.ranking_bar(frame, national=0.2), heat, dates]
    light = [summaries.from_figure(f, "ja") for f in figures]
    assert "geojson" not in summaries._light_spec(figures[0])["data"][0]
    assert figures[0].to_plotly_json()["data"][0].get("geojson")  # the figure itself still has it
    monkeypatch.setattr(summaries, "_light_spec", lambda fig: fig.to_plotly_json())
    assert light == [summaries.from_figure(f, "ja") for f in figures]
    assert light[0] == "登録率（4項目、大きい順）: 和歌山県 50.0%、東京都 25.0%、北海道 10.0%、大阪府 5.0%。"
    assert "0.5" in light[2] and "9" in light[2]
    assert light[3] == "全国は 2024年9月 の 4 から 2025年8月 の 10 へ。"
