"""ケアプランデータ連携 普及分析・費用対効果ダッシュボード — the product's logic.

Only ``analytics.ui`` imports Streamlit; everything else is plain Python usable from the CLI and tests.
"""

__version__ = "0.1.0"
