"""`streamlit run app.py` in a checkout: the app is analytics/ui/app.py, which `careplan serve` serves."""
import runpy

runpy.run_module("analytics.ui.app", run_name="__main__")  # run anew on every rerun (an import would not)
