"""The three app-wide choices — dataset, lecture mode, language — kept across pages and in the URL.

Streamlit forgets a page's widgets when the page changes, so each choice lives in session state
(``kept-…``), starts from the URL on a session's first run (a bookmark: ``?dataset=Fashion-MNIST&
lecture=true&lang=ko``; the language falls back to the browser's), and is written back to the URL on
every run. Unknown URL values fall back to the defaults: an odd link never breaks a page.
"""

from __future__ import annotations

import streamlit as st

from models.registry import APP_DATASETS, DATASET_TITLES
from pages.ui.i18n import LANGUAGE_KEY, LANGUAGES, browser_language, language

DATASET_KEY, LECTURE_KEY = "kept-dataset", "kept-lecture"
_TRUE = ("true", "1", "yes", "on")


def _param(name: str) -> str:
    return str(st.query_params.get(name, "")).strip().lower()


def init_from_url() -> None:
    """On a session's first run, take the choices from the URL (or the browser for the language)."""
    by_name = {DATASET_TITLES[d].lower(): d for d in APP_DATASETS} | {d: d for d in APP_DATASETS}
    if DATASET_KEY not in st.session_state:
        st.session_state[DATASET_KEY] = by_name.get(_param("dataset"), APP_DATASETS[0])
    if LECTURE_KEY not in st.session_state:
        st.session_state[LECTURE_KEY] = _param("lecture") in _TRUE
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = _param("lang") if _param("lang") in LANGUAGES else browser_language()


_KEPT = {"dataset": DATASET_KEY, "lecture": LECTURE_KEY, "lang": LANGUAGE_KEY}


def sync_from_widgets() -> None:
    """Keep the sidebar switches' values (their widget keys: dataset, lecture, lang). Widget values are
    updated before the run starts, so calling this first makes the whole run follow a switch at once."""
    for widget_key, kept_key in _KEPT.items():
        if widget_key in st.session_state:
            st.session_state[kept_key] = st.session_state[widget_key]


def write_url() -> None:
    """Mirror the choices in the URL, so every view can be bookmarked."""
    st.query_params["dataset"] = DATASET_TITLES[current_dataset()]
    st.query_params["lang"] = language()
    if lecture_mode():
        st.query_params["lecture"] = "true"
    elif "lecture" in st.query_params:
        del st.query_params["lecture"]


def forget_section() -> None:
    """A page without section tabs (home) drops the ``section`` another page left in the URL."""
    if "section" in st.query_params:
        del st.query_params["section"]


def current_dataset() -> str:
    ds = st.session_state.get(DATASET_KEY, APP_DATASETS[0])
    return ds if ds in APP_DATASETS else APP_DATASETS[0]


def lecture_mode() -> bool:
    return bool(st.session_state.get(LECTURE_KEY, False))
