"""Streamlit's floor with a model page's controls, for the cold-start benchmark (``bench/browser_bench.py``):
the one-picture app of ``floor_app.py`` given the elements the Reconstruction page draws before its first
picture — navigation to seven pages, the sidebar's three switches, a title, the intro, the section tabs and the
input picker — and its row of nine pictures, with none of Latent Lab's code or models behind them.

What it costs over the floor is Streamlit drawing those elements; what a model page costs over it, both opened at
the page's address, is the app's own work (imports, models, computing the pictures). Self-contained on purpose:
it imports nothing of the app.
"""

import numpy as np
import streamlit as st

digit = np.zeros((28, 28), np.uint8)
digit[6:22, 12:16] = 255  # a "1", as in floor_app.py

# The app's seven addresses, so that this floor can be opened where a model page is (its deep-link probe included).
ADDRESSES = ["", "Reconstruction", "Denoising", "Latent_space", "Beta_VAE", "GAN", "Learn"]
st.navigation(
    [
        st.Page(lambda: None, title=f"Page {i}", icon=":material/home:", url_path=path or "home", default=i == 0)
        for i, path in enumerate(ADDRESSES)
    ]
)
st.set_page_config(page_title="Floor with controls", page_icon=":material/science:", layout="wide")
with st.sidebar:
    st.radio("Dataset", ["MNIST", "Fashion-MNIST"], horizontal=True, key="dataset")
    st.toggle("Lecture mode", key="lecture", help="Bigger pictures, for a projector")
    st.radio("Language", ["English", "한국어"], horizontal=True, key="lang")
st.title("Floor with controls")
st.caption("Dataset: MNIST")
with st.expander("What am I looking at?", expanded=True):
    st.markdown("Every autoencoder compresses the same input to its codings and reconstructs it from them. " * 3)
tabs = st.tabs(["Side by side", "Shapes", "PCA", "Codings", "Sparsity"])
with tabs[0]:
    st.segmented_control("Input", ["Test sample", "Random", "Draw", "Upload"], default="Test sample", required=True)
    left, right = st.columns(2)
    left.pills("Class", range(10), default=0, format_func=lambda i: f"{i}: digit {i}", required=True)
    right.number_input("Example", 0, 100, 0)
    st.image([digit] * 9, caption=[f"Model {i}: MSE 0.0123" for i in range(9)], width=112)
