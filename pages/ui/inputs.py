"""The image-input picker every page uses: a committed test image (by class or at random), a drawing, or
an upload made MNIST-like. A bad file gets a clear message and the page keeps working."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from models.data import imaging
from models.data.preprocess import ImageInputError, Preprocessed, mnist_style, preprocess_array, preprocess_upload
from pages.ui.i18n import class_names, labeler, t
from pages.ui.layout import require_sample

SOURCES = ("sample", "random", "draw", "upload")
Style = Callable[[np.ndarray], np.ndarray]  # grayscale [0, 1] → the model's uint8 input


def image_input(key: str, dataset: str, default_class: int = 0) -> tuple[np.ndarray, str] | None:
    """Pick an input; returns (uint8 28×28 image, caption), or None while there is nothing usable yet."""
    x, y = require_sample(dataset)
    names = class_names(dataset)
    source = st.segmented_control(
        t("input.source"), SOURCES, default="sample", key=f"{key}-source", format_func=labeler("input."), required=True
    )
    if source == "sample":
        c1, c2 = st.columns(2)
        # Pills, not a select box: every class in view, one click, and on a cold start the select box's
        # widget code was the costliest thing the browser drew before the first picture (docs/DECISIONS.md).
        label = c1.pills(
            t("input.class"),
            range(10),
            default=default_class,
            format_func=lambda i: f"{i}: {names[i]}",
            key=f"{key}-class",
            required=True,
        )
        members = np.flatnonzero(y == label)
        which = c2.number_input(t("input.example"), 0, len(members) - 1, 0, key=f"{key}-index")
        return x[members[which]], t("input.test_image", name=names[label])
    if source == "random":
        seed = st.number_input(t("input.seed"), 0, 10_000, 0, key=f"{key}-seed")
        i = int(np.random.default_rng(seed).integers(len(x)))
        return x[i], t("input.random_image", index=i, name=names[y[i]])
    if source == "draw":
        return drawn_input(key)
    return uploaded_input(key)


def _show_preprocessed(result: Preprocessed, what: str) -> tuple[np.ndarray, str]:
    for note in result.notes:
        st.info(t(f"preprocess.{note.key}", **note.values), icon="ℹ️")
    c1, c2 = st.columns(2)
    c1.image(result.original, caption=t("input.original", what=what), width=140, alt=t("alt.input_original", what=what))
    c2.image(
        imaging.upscale(result.image, 5),
        caption=t("input.as_model_sees"),
        width=140,
        output_format="PNG",
        alt=t("alt.input_model_view", what=what),
    )
    return result.image, what


def drawn_input(key: str, style: Style = mnist_style) -> tuple[np.ndarray, str] | None:
    """A drawing on the canvas, made into the model's input by ``style`` (MNIST-like unless told)."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except Exception:  # the component is optional: uploads and samples still work
        st.warning(t("input.canvas_unavailable"))
        return None
    st.caption(t("input.draw_help"))
    canvas = st_canvas(
        stroke_width=18,
        stroke_color="#FFFFFF",
        background_color="#000000",
        height=224,
        width=224,
        drawing_mode="freedraw",
        key=f"{key}-canvas",
        return_image_data=True,
    )
    data = canvas.image_data if canvas is not None else None
    if data is None or np.asarray(data)[..., :3].max() == 0:
        st.info(t("input.draw_prompt"))
        return None
    try:
        return _show_preprocessed(preprocess_array(np.asarray(data)[..., :3], style), t("input.your_drawing"))
    except ImageInputError as err:
        st.warning(t(f"preprocess.{err.key}", **err.values))
        return None


def uploaded_input(key: str, style: Style = mnist_style) -> tuple[np.ndarray, str] | None:
    """An uploaded picture made into the model's input by ``style``; a bad file gets a sentence, not a traceback."""
    upload = st.file_uploader(
        t("input.upload_label"), type=["png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"], key=f"{key}-upload"
    )
    if upload is None:
        st.info(t("input.upload_prompt"))
        return None
    try:
        return _show_preprocessed(preprocess_upload(upload.getvalue(), style), upload.name)
    except ImageInputError as err:
        st.error(f"**{upload.name}**: {t(f'preprocess.{err.key}', **err.values)}", icon="🚫")
        return None
