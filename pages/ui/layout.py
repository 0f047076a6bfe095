"""The parts every page shares: its header and explanation, its section tabs, the lecture-mode style, and how
a missing model or sample is reported (one way everywhere: a translated warning with the rebuild command)."""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import streamlit as st

from models.checkpoints import CheckpointError
from models.registry import DATASET_TITLES, IMAGE_DATASETS, get_spec, specs_for
from pages.ui.i18n import model_title, t
from pages.ui.loaders import get_sample, model_store, sample_location
from pages.ui.state import current_dataset, lecture_mode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np

    from models.runtime.inference import LoadedModel

# Pictures are sent at their own resolution and enlarged here: pixelated, and never wider than their column.
# A row of pictures (``pictures.show_row``: one element, several pictures) stays one row while each picture
# keeps at least 5.5rem, shrinking alike to fit, and wraps below that (a laptop beside the sidebar, a phone).
_ROW = '.stImage:has(> [data-testid="stImageContainer"] ~ [data-testid="stImageContainer"])'
_PICTURE_CSS = f"""
    img {{ image-rendering: pixelated; }}
    [data-testid="stImageContainer"] {{ max-width: 100%; }}
    [data-testid="stImageContainer"] img {{ max-width: 100%; height: auto; }}
    {_ROW} {{ flex-wrap: wrap; column-gap: 0.4rem; }}
    {_ROW} > [data-testid="stImageContainer"] {{ flex: 1 1 5.5rem; min-width: 0; max-width: max-content; }}
    .stMain h2 {{ font-size: 1.75rem; }}
    [data-testid="stButtonGroup"] div:has(> button) {{ flex-wrap: wrap; row-gap: 0.4rem; }}"""
# Pills and segmented controls wrap in a narrow column: Streamlit scrolls them sideways, out of sight.
# Contrast (WCAG): captions and help text ≥ 4.5:1 on white in the normal theme (Streamlit fades them with
# opacity 0.6: 3:1), ≥ 7:1 in lecture mode, for a projector in a lit room.
_FADED = ", ".join(
    f"{part}, {part} *"
    for part in (
        '[data-testid="stCaptionContainer"]',
        '[data-testid="stImageCaption"]',
        '[data-testid="stWidgetLabel"]',
    )
)
_NORMAL_CONTRAST = f"{_FADED} {{ color: #4a4e5a !important; opacity: 1 !important; }}"  # 8:1
_LECTURE_CONTRAST = f"""{_FADED}, [data-testid="stMarkdownContainer"] p, .stApp label, .stApp button p {{
        color: #1c1c1c !important; opacity: 1 !important; }}
    .stApp button[kind="primary"] {{ background-color: #4a2fc8 !important; border-color: #4a2fc8 !important; }}
    .stApp button[kind="primary"] p {{ color: #ffffff !important; }}"""  # white on a darker violet: 8.3:1 (AAA)
# Lecture mode scales the whole page (every size in Streamlit is in rem), so titles grow with the text.
_LECTURE_CSS = f"""<style>
    html {{ font-size: 20px; }}
    .stApp {{ background: #ffffff; color: #000000; }}
    h1, h2, h3 {{ font-weight: 800 !important; }}{_PICTURE_CSS}
    {_LECTURE_CONTRAST}
    </style>"""
_NORMAL_CSS = f"<style>{_PICTURE_CSS}\n    {_NORMAL_CONTRAST}</style>"


_TABLES_LOCK = threading.Lock()


class _RunsAndImport:
    """Script runs and the background import of pandas never overlap. Plotly reads ``sys.modules["pandas"]``
    without importing it, so a figure built while another thread imports pandas met it half initialised
    ("partially initialized module 'pandas' has no attribute 'Series'"); the import waits for a moment no
    run is under way, and runs that start meanwhile wait for it (≈ 0.8 s, once per process)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._runs = 0
        self._importing = False

    @contextlib.contextmanager
    def run(self) -> Iterator[None]:
        with self._changed:
            while self._importing:
                self._changed.wait()
            self._runs += 1
        try:
            yield
        finally:
            with self._changed:
                self._runs -= 1
                self._changed.notify_all()

    def guarded(self, func: Callable) -> Callable:
        """For a fragment's function: its reruns alone are runs too."""

        @functools.wraps(func)
        def run(*args, **kwargs):
            with self.run():
                return func(*args, **kwargs)

        return run

    def alone(self, work: Callable[[], None], timeout: float) -> bool:
        """Do ``work`` while no run is under way; False if none stopped within ``timeout`` s (try again)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._runs == 0, timeout):
                return False
            self._importing = True
        try:
            work()
        finally:
            with self._changed:
                self._importing = False
                self._changed.notify_all()
        return True


RUNS = _RunsAndImport()


def _import_pandas() -> None:
    with _TABLES_LOCK:
        import pandas  # noqa: F401


def prepare_tables() -> None:
    """Import pandas, which Streamlit's tables need, once per process and under one lock.

    Nothing else on a page needs it, so no page's first picture waits for its ~0.8 s import (the frame runs
    ``prepare_tables_alone`` in the background once the first page has drawn). A table drawn before then
    imports it in its own run.
    """
    _import_pandas()


def prepare_tables_alone() -> None:
    """The background import: between runs (``RUNS``), retried until a moment comes."""
    while "pandas" not in sys.modules and not RUNS.alone(_import_pandas, timeout=2.0):
        pass


def table(rows: Any, **kwargs) -> None:
    """``st.dataframe``, pandas imported safely first (``prepare_tables``)."""
    prepare_tables()
    st.dataframe(rows, **kwargs)


def apply_style() -> None:
    st.html(_LECTURE_CSS if lecture_mode() else _NORMAL_CSS)


def explain(text: str) -> None:
    """Two or three sentences saying what a page shows; collapsed in lecture mode."""
    with st.expander(t("common.what_am_i_looking_at"), expanded=not lecture_mode()):
        st.markdown(text)


def page_header(page: str, models: Callable[[str], list[str]] = lambda dataset: []) -> str:
    """Ask for the page's models (they load while the page draws), then draw its title and explanation.

    Returns the dataset in use. ``page`` names the catalogue section (``<page>.title``, ``<page>.intro``);
    ``models(dataset)`` lists the models the page shows.
    """
    dataset = current_dataset()
    names = models(dataset)
    if dataset not in IMAGE_DATASETS and not any(dataset in get_spec(n).datasets for n in names):  # the shapes
        st.title(t(f"{page}.title"))
        st.info(t("shapes.none_on_page", dataset=DATASET_TITLES[dataset]))
        st.stop()
    store = model_store()
    store.request(dataset, names)  # the rest of the dataset is queued once the page has drawn (frame)
    st.title(t(f"{page}.title"))
    st.caption(t("common.dataset_caption", dataset=DATASET_TITLES[dataset]))
    explain(t(f"{page}.intro"))
    return dataset


def draw_sections(page: str, sections: Mapping[str, Callable[[], None]]) -> str:
    """A tab per section (name → function that draws it); only the open one runs (lazy tabs): a cold start
    draws one section and its pictures, not every chart of the page. Returns the open section's name.

    The open tab is remembered by section name (``<page>-tab-name`` in the session), so it stays open when
    the language, and with it every label, changes; setting that name opens a section (tests). The URL keeps
    it too (``?section=pca``): a bookmark or a reload opens the same tab; a name the page lacks is ignored.
    """
    names = list(sections)
    labels = [t(f"{page}.tab_{name}") for name in names]
    key, name_key = f"{page}-tab", f"{page}-tab-name"
    from_url = str(st.query_params.get("section", ""))
    if name_key not in st.session_state and from_url in names:
        st.session_state[name_key] = from_url
    remembered = st.session_state.get(name_key)
    if remembered in names and st.session_state.get(key) not in labels:
        st.session_state[key] = labels[names.index(remembered)]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    name, tab = next(((n, tab) for n, tab in zip(names, tabs) if tab.open), (names[0], tabs[0]))
    st.session_state[name_key] = st.query_params["section"] = name
    with tab:
        sections[name]()
    return name


def get_model(dataset: str, name: str, quiet: bool = False) -> LoadedModel | None:
    """The shared model; on a missing or broken checkpoint, say so with the rebuild command, return None."""
    try:
        return model_store().get(dataset, name)
    except CheckpointError as err:
        if not quiet:
            st.warning(
                t(
                    "common.model_unavailable",
                    model=model_title(name),
                    command=get_spec(name).checkpoint_command(dataset),
                ),
                icon="⚠️",
            )
            st.caption(f"`{err}`")
        return None


def weights_of(*models: LoadedModel | None) -> tuple[str, ...]:
    """The checkpoints' weight hashes, for a cached result's key: a checkpoint rebuilt while the app runs is
    not answered with results of the old one."""
    return tuple("" if m is None else m.card.get("weights_sha256", "") for m in models)


def models_or_warn(dataset: str, names: list[str]) -> dict[str, LoadedModel]:
    """Load several models; the missing ones get one warning each and are left out."""
    return {n: m for n in names if (m := get_model(dataset, n)) is not None}


def require_sample(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    sample = get_sample(dataset)
    if sample is None:
        st.error(
            t(
                "common.sample_missing",
                path=sample_location(dataset),
                command=specs_for(dataset)[0].checkpoint_command(dataset),  # the first model trained writes it
            )
        )
        st.stop()
    return sample
