"""Latent Lab: ``streamlit run app.py``. The frame (navigation, sidebar, URL state) is ``pages/ui/frame.py``;
the pages are ``pages/views/*.py``."""

from pages.ui.runtime_tuning import one_blas_thread_from_the_start

one_blas_thread_from_the_start()  # before anything imports NumPy

from pages.ui.frame import run  # noqa: E402

run()
