"""The frame around every page: navigation, the sidebar (dataset, lecture mode, language), URL state and
style, built once per run; then the chosen page draws itself. ``app.py`` calls ``run()``.

Why ``pages/`` also holds one-line scripts named like the URLs (``pages/Denoising.py``, …): while a
``pages/`` folder exists, Streamlit runs a fresh server's *first* session in its legacy mode, which looks
the URL up among ``pages/*.py`` before ``app.py`` has declared its navigation (and says "page not found"
otherwise). Those scripts only call ``run()``; every later run goes through ``st.navigation`` directly.
"""

from pages.ui.runtime_tuning import (
    freeze_server_objects,
    one_blas_thread_from_the_start,
    one_blas_thread_per_product,
    send_replies_at_once,
    skip_the_repl_check,
)

one_blas_thread_from_the_start()  # before anything imports NumPy: every entry script imports this module first

# Imported once here, by the first run, not by two sessions' first runs at once (the views import it lazily);
# pandas, which only tables need, is imported later and safely: ``layout.prepare_tables``.
import functools
import threading

import plotly.graph_objects  # noqa: F401
import streamlit as st

from models.registry import APP_DATASETS, DATASET_TITLES
from pages.ui import rooms, state
from pages.ui.document import set_document_language
from pages.ui.i18n import LANGUAGES, language, t
from pages.ui.layout import RUNS, apply_style, prepare_tables_alone
from pages.ui.live import left_the_page
from pages.ui.loaders import model_store

# (script, catalogue section, icon); the scripts are in pages/views/ (see the module docstring).
PAGES = [
    ("pages/views/home.py", "home", ":material/home:"),
    ("pages/views/reconstruction.py", "rec", ":material/compare:"),
    ("pages/views/denoising.py", "dn", ":material/blur_off:"),
    ("pages/views/latent_space.py", "ls", ":material/scatter_plot:"),
    ("pages/views/beta_vae.py", "bv", ":material/tune:"),
    ("pages/views/gan.py", "gan", ":material/auto_awesome:"),
    ("pages/views/why.py", "why", ":material/travel_explore:"),
    ("pages/views/learn.py", "learn", ":material/model_training:"),
]
URL_PATHS = {
    "home": "",
    "rec": "Reconstruction",
    "dn": "Denoising",
    "ls": "Latent_space",
    "bv": "Beta_VAE",
    "gan": "GAN",
    "why": "Why_generative_models",
    "learn": "Learn",
}


def run() -> None:
    """Build the frame for this run and draw the chosen page (a following class's pages take turns)."""
    with rooms.turn(), RUNS.run():
        _run()


def _run() -> None:
    freeze_server_objects()
    skip_the_repl_check()
    send_replies_at_once()
    state.init_from_url()
    state.sync_from_widgets()  # a switch moved on the last run: the whole page, navigation too, follows it now
    # On a projector every pixel of width goes to the pictures: the sidebar starts collapsed in lecture mode.
    st.set_page_config(
        page_title="Latent Lab",
        page_icon=":material/science:",  # an emoji would load Streamlit's emoji table first: ~0.4 s of a cold start
        layout="wide",
        initial_sidebar_state="collapsed" if state.lecture_mode() else "auto",
    )

    pages = {
        key: st.Page(path, title=t(f"{key}.nav"), icon=icon, url_path=URL_PATHS[key] or None, default=key == "home")
        for path, key, icon in PAGES
    }
    page = st.navigation(list(pages.values()))
    here = next(key for key, p in pages.items() if p.url_path == page.url_path)
    rooms.begin(pages, here)  # a follower catches up with the lecturer (may switch page: a new run)
    with st.sidebar:
        st.radio(
            t("frame.dataset"),
            APP_DATASETS,
            index=APP_DATASETS.index(state.current_dataset()),
            format_func=DATASET_TITLES.get,
            key="dataset",
            horizontal=True,
        )
        st.toggle(t("frame.lecture"), value=state.lecture_mode(), key="lecture", help=t("frame.lecture_help"))
        st.radio(
            t("frame.language"),
            list(LANGUAGES),
            index=list(LANGUAGES).index(language()),
            format_func=LANGUAGES.get,
            key="lang",
            horizontal=True,
        )
        set_document_language(language())
        rooms.sidebar()
    state.write_url()
    rooms.write_url()
    apply_style()
    rooms.banner()
    try:
        page.run()
        if page.url_path != URL_PATHS["learn"]:
            left_the_page()  # a live-training run ends when its session goes to another page
    finally:
        rooms.end(here)  # the lecturer's page as drawn, for the room's followers
        one_blas_thread_per_product()  # for the class's reruns; looking OpenBLAS up delayed the first picture
        # Only now the other pages' models (and pandas, for tables): loading them while this page draws slows
        # its first render.
        model_store().after_page(state.current_dataset(), BACKGROUND_DELAY_S)
        _prepare_tables_in_background()


@functools.cache
def _prepare_tables_in_background() -> None:
    """Once per process, once the browser has had time to paint the first page (pandas takes ~0.8 s of a core)."""
    timer = threading.Timer(BACKGROUND_DELAY_S, prepare_tables_alone)
    timer.daemon = True
    timer.start()


BACKGROUND_DELAY_S = 1.5  # work for other pages waits this long after a page has drawn (docs/DECISIONS.md)
