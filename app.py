"""Latent Lab: ``streamlit run app.py``. The frame (navigation, sidebar, URL state) is ``pages/ui/frame.py``;
the pages are ``pages/views/*.py``."""

from pages.ui.frame import run

run()
