"""UI helpers shared by every page: sidebar state, cached model loading, image display,
downloads and the image-input picker. No model math here: it lives in ``models/``."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from models import imaging
from models.checkpoints import CheckpointError, read_card
from models.preprocess import ImageInputError, Preprocessed, preprocess_array, preprocess_upload
from models.registry import DATASET_TITLES, IMAGE_DATASETS, REGISTRY, TOY_DATASET, get_spec
from pages.ui.runtime_tuning import freeze_long_lived_objects, skip_keras_reset_between_runs
from training.samples import sample_path

if TYPE_CHECKING:
    from models.inference import LoadedModel

CLASS_NAMES = {
    "mnist": [str(i) for i in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"],
}


# ---------------------------------------------------------------- app-wide state (sidebar)

NAVIGATION = [("app.py", "Home", ":material/home:"),
              ("pages/1_Reconstruction.py", "Reconstruction", ":material/compare:"),
              ("pages/2_Denoising.py", "Denoising", ":material/blur_off:"),
              ("pages/3_Latent_space.py", "Latent space", ":material/scatter_plot:"),
              ("pages/4_Beta_VAE.py", "β-VAE", ":material/tune:"),
              ("pages/5_GAN.py", "GAN", ":material/auto_awesome:")]


def app_frame() -> str:
    """Page setup shared by the home page and every page: layout, sidebar controls; returns the dataset."""
    st.set_page_config(page_title="Latent Lab", page_icon="🧪", layout="wide")
    skip_keras_reset_between_runs()
    sidebar_controls()
    dataset = current_dataset()
    _prewarm(dataset)
    return dataset


_last_page_work = 0.0                   # time.monotonic() of the last model fetch or picture by any page


def _note_page_work() -> None:
    global _last_page_work
    _last_page_work = time.monotonic()


def _pages_busy(quiet_s: float = 1.0) -> bool:
    return time.monotonic() - _last_page_work < quiet_s


class _QuietPrewarmThreads(logging.Filter):
    """Streamlit warns once per cached call that a background thread has no session; ours wants none."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not threading.current_thread().name.startswith("latent-lab-prewarm")


_QUIET_PREWARM = _QuietPrewarmThreads()


@st.cache_resource(show_spinner=False)
def _prewarm(dataset: str) -> threading.Thread:
    """Once per process and dataset, in the background: import TensorFlow, then load every model of the
    dataset into the shared cache. The home page never waits for it (it needs no TensorFlow), and a class
    that opens the app a minute after the lecturer started it finds every page's models ready."""
    def prewarm() -> None:
        importlib.import_module("models.inference")
        freeze_long_lived_objects(collect_first=True)
        for ds, name in [(ds, s.name) for s in REGISTRY.values() for ds in s.datasets if ds in (dataset, TOY_DATASET)]:
            while _pages_busy():        # give way: a page being drawn matters more than the next page
                time.sleep(0.2)
            try:
                _load_model_cached(ds, name)
            except CheckpointError:
                pass                    # the page that needs it says what is wrong and how to rebuild it

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QUIET_PREWARM)
    thread = threading.Thread(target=prewarm, daemon=True, name=f"latent-lab-prewarm-{dataset}")
    thread.start()
    return thread


def sidebar_controls() -> None:
    """Dataset and lecture mode, kept across pages and in the URL (``?dataset=Fashion-MNIST&lecture=true``)."""
    # Streamlit forgets a page's widgets when the page changes, so the two app-wide choices live in
    # session state ("kept-…"), start from the URL (a bookmark), and are written back to the URL every run.
    by_title = {DATASET_TITLES[d].lower(): d for d in IMAGE_DATASETS} | {d: d for d in IMAGE_DATASETS}
    if "kept-dataset" not in st.session_state:
        st.session_state["kept-dataset"] = by_title.get(str(st.query_params.get("dataset", "")).lower(),
                                                        IMAGE_DATASETS[0])
    if "kept-lecture" not in st.session_state:
        st.session_state["kept-lecture"] = str(st.query_params.get("lecture", "")).lower() in ("true", "1", "yes")
    with st.sidebar:
        st.markdown("### Latent Lab")
        for path, label, icon in NAVIGATION:
            st.page_link(path, label=label, icon=icon)
        st.divider()
        dataset = st.radio("Dataset", IMAGE_DATASETS, index=IMAGE_DATASETS.index(current_dataset()),
                           format_func=DATASET_TITLES.get, key="dataset", horizontal=True)
        lecture = st.toggle("Lecture mode", value=lecture_mode(), key="lecture",
                            help="Larger images, higher contrast, explanations collapsed: for a projector.")
    st.session_state["kept-dataset"], st.session_state["kept-lecture"] = dataset, lecture
    st.query_params["dataset"] = DATASET_TITLES[current_dataset()]
    if lecture_mode():
        st.query_params["lecture"] = "true"
    elif "lecture" in st.query_params:
        del st.query_params["lecture"]
    if lecture_mode():
        st.markdown("""<style>
            html, body, [class*="st-"] { font-size: 1.15rem; }
            .stApp { background: #ffffff; color: #000000; }
            h1, h2, h3 { font-weight: 800 !important; }
            img { image-rendering: pixelated; }
            </style>""", unsafe_allow_html=True)
    else:
        st.markdown("<style>img { image-rendering: pixelated; }</style>", unsafe_allow_html=True)


def current_dataset() -> str:
    ds = st.session_state.get("kept-dataset", IMAGE_DATASETS[0])
    return ds if ds in IMAGE_DATASETS else IMAGE_DATASETS[0]


def lecture_mode() -> bool:
    return bool(st.session_state.get("kept-lecture", False))


def explain(text: str) -> None:
    """Two or three sentences saying what a page shows; collapsed in lecture mode."""
    with st.expander("What am I looking at?", expanded=not lecture_mode()):
        st.markdown(text)


# ---------------------------------------------------------------- models and data (cached once per process)

@st.cache_resource(show_spinner="Loading model…", max_entries=64)
def _load_model_cached(dataset: str, name: str) -> "LoadedModel":
    from models.inference import load_model  # late: the home page never needs TensorFlow
    model = load_model(dataset, name)
    freeze_long_lived_objects()
    return model


def get_model(dataset: str, name: str, quiet: bool = False) -> "LoadedModel | None":
    """The shared, cached model; on a missing or broken checkpoint, say how to rebuild it and return None.

    Failures are not cached, so a model rebuilt while the app runs is picked up on the next rerun.
    """
    _note_page_work()
    try:
        return _load_model_cached(dataset, name)
    except CheckpointError as err:
        if not quiet:
            st.warning(f"**{get_spec(name).title}** is unavailable. {err}", icon="⚠️")
        return None


def model_status(dataset: str, name: str) -> tuple[bool, str, dict | None]:
    """(ready, message, card) without loading the weights: for the home page."""
    try:
        card = read_card(dataset, name)
    except CheckpointError as err:
        return False, str(err), None
    return True, "ready", card


@st.cache_data(show_spinner=False)
def get_sample(dataset: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The committed 1,000-image test sample (uint8, labels)."""
    try:
        with np.load(sample_path(dataset)) as data:
            return data["x"], data["y"]
    except (OSError, ValueError, KeyError):
        return None


def require_sample(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    sample = get_sample(dataset)
    if sample is None:
        st.error(f"The committed test sample {sample_path(dataset)} is missing or damaged. Rebuild it with: "
                 f"python -m training classifier --dataset {dataset}")
        st.stop()
    return sample


# ---------------------------------------------------------------- pictures

def scale() -> int:
    return 7 if lecture_mode() else 4


def display(image: np.ndarray) -> np.ndarray:
    """A uint8 picture ready for st.image: contrast-stretched in lecture mode."""
    img = imaging.to_uint8(image)
    return imaging.contrast_stretch(img) if lecture_mode() else img


def show_image(image: np.ndarray, caption: str | None = None, factor: int | None = None) -> None:
    _note_page_work()
    # PNG, not Streamlit's default JPEG: pixel-sharp digits stay sharp on a projector.
    st.image(imaging.upscale(display(image), factor or scale()), caption=caption, output_format="PNG")


def show_grid(images: np.ndarray, cols: int, caption: str | None, file_name: str, key: str,
              factor: int | None = None) -> None:
    """Show a tiled grid and a button to download it as PNG (at display resolution)."""
    _note_page_work()
    picture = imaging.upscale(imaging.grid(display(images) if np.ndim(images) == 2 else
                                           np.stack([display(i) for i in images]), cols),
                              factor or max(2, scale() - 2))
    png = imaging.png_bytes(picture)           # encoded once: shown as-is and offered for download
    st.image(png, caption=caption)
    st.download_button("Download PNG", png, file_name=file_name, mime="image/png",
                       key=f"dl-{key}", icon=":material/download:")


def gif_download(frames: np.ndarray, file_name: str, key: str) -> None:
    gif = imaging.gif_bytes(frames)
    st.image(gif, caption="Animation (GIF)")
    st.download_button("Download GIF", gif, file_name=file_name, mime="image/gif", key=f"dl-{key}",
                       icon=":material/download:")


# ---------------------------------------------------------------- image input picker

def image_input(key: str, dataset: str, default_class: int = 0) -> tuple[np.ndarray, str] | None:
    """Pick an input: committed test sample (by class or random), a drawing, or an upload.

    Returns (uint8 28×28 image, caption), or None while there is nothing usable yet.
    """
    x, y = require_sample(dataset)
    names = CLASS_NAMES[dataset]
    source = st.segmented_control("Input", ["Test sample", "Random", "Draw", "Upload"], default="Test sample",
                                  key=f"{key}-source", required=True)
    if source == "Test sample":
        c1, c2 = st.columns(2)
        label = c1.selectbox("Class", range(10), index=default_class, format_func=lambda i: f"{i}: {names[i]}",
                             key=f"{key}-class")
        members = np.flatnonzero(y == label)
        which = c2.number_input("Example", 0, len(members) - 1, 0, key=f"{key}-index")
        return x[members[which]], f"test image ({names[label]})"
    if source == "Random":
        seed = st.number_input("Seed", 0, 10_000, 0, key=f"{key}-seed")
        i = int(np.random.default_rng(seed).integers(len(x)))
        return x[i], f"random test image #{i} ({names[y[i]]})"
    if source == "Draw":
        return _drawn_input(key)
    return _uploaded_input(key)


def _show_preprocessed(result: Preprocessed, what: str) -> tuple[np.ndarray, str]:
    for note in result.notes:
        st.info(note, icon="ℹ️")
    c1, c2 = st.columns(2)
    c1.image(result.original, caption=f"{what} (original)", width=140)
    c2.image(imaging.upscale(result.image, 5), caption="as the model sees it (28×28)", width=140, output_format="PNG")
    return result.image, what


def _drawn_input(key: str) -> tuple[np.ndarray, str] | None:
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception as err:  # the component is optional: uploads and samples still work
        st.warning(f"The drawing canvas is unavailable ({err}). Use a test sample or upload an image.")
        return None
    st.caption("Draw one digit or garment with the mouse; it is centred and scaled like MNIST.")
    canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=224,
                       width=224, drawing_mode="freedraw", key=f"{key}-canvas", return_image_data=True)
    data = canvas.image_data if canvas is not None else None
    if data is None or np.asarray(data)[..., :3].max() == 0:
        st.info("Draw something to use it as input.")
        return None
    try:
        return _show_preprocessed(preprocess_array(np.asarray(data)[..., :3]), "your drawing")
    except ImageInputError as err:
        st.warning(str(err))
        return None


def _uploaded_input(key: str) -> tuple[np.ndarray, str] | None:
    upload = st.file_uploader("PNG or JPEG", type=["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"],
                              key=f"{key}-upload")
    if upload is None:
        st.info("Upload an image of a single digit or garment.")
        return None
    try:
        return _show_preprocessed(preprocess_upload(upload.getvalue()), upload.name)
    except ImageInputError as err:
        st.error(f"**{upload.name}**: {err}", icon="🚫")
        return None


def models_or_warn(dataset: str, names: list[str]) -> "dict[str, LoadedModel]":
    """Load several models; the missing ones get one warning each and are left out."""
    return {n: m for n in names if (m := get_model(dataset, n)) is not None}


def page_header(title: str, intro: str) -> str:
    """Page frame, title and explanation; returns the dataset in use."""
    dataset = app_frame()
    st.title(title)
    st.caption(f"Dataset: **{DATASET_TITLES[dataset]}** · change it in the sidebar")
    explain(intro)
    return dataset
