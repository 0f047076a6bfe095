"""Streamlit's floor for the cold-start benchmark: a one-picture app, launched and timed as the real pages are
(``bench/browser_bench.py``). No page of Latent Lab can paint its first picture sooner than this one does."""

import numpy as np
import streamlit as st

st.title("Floor")
digit = np.zeros((28, 28), np.uint8)
digit[6:22, 12:16] = 255  # a "1"
st.image(digit, width=112)
