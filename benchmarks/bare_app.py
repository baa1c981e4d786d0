"""The yardstick of ``benchmarks.render``: a bare Streamlit app with one plotly chart and nothing else (no
sidebar, no database, no caches), served by ``streamlit run`` with the same options as the app."""
import plotly.graph_objects as go
import streamlit as st

st.title("Bare Streamlit")
st.plotly_chart(go.Figure(go.Bar(x=[f"{i:02d}" for i in range(1, 48)], y=[i % 10 for i in range(1, 48)])),
                key="bare")
