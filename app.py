"""Latent Lab: the entry point. ``streamlit run app.py``"""

import streamlit as st

from pages.common import sidebar_controls

st.set_page_config(page_title="Latent Lab", page_icon="🧪", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/reconstruction.py", title="Reconstruction", icon=":material/compare:"),
    st.Page("pages/denoising.py", title="Denoising", icon=":material/blur_off:"),
    st.Page("pages/latent_space.py", title="Latent space", icon=":material/scatter_plot:"),
    st.Page("pages/beta_vae.py", title="β-VAE", icon=":material/tune:"),
    st.Page("pages/gan.py", title="GAN", icon=":material/auto_awesome:"),
]

page = st.navigation(PAGES)
sidebar_controls()
page.run()
