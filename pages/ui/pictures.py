"""Showing images: pixel-sharp PNGs at a size that suits the screen (bigger in lecture mode), each grid
with its PNG download and each animation with its GIF download."""

from __future__ import annotations

import numpy as np
import streamlit as st

from models import imaging
from pages.ui.i18n import t
from pages.ui.state import lecture_mode


def scale() -> int:
    return 7 if lecture_mode() else 4


def display(image: np.ndarray) -> np.ndarray:
    """A uint8 picture ready for st.image: contrast-stretched in lecture mode."""
    img = imaging.to_uint8(image)
    return imaging.contrast_stretch(img) if lecture_mode() else img


def show_image(image: np.ndarray, caption: str | None = None, factor: int | None = None) -> None:
    """One picture, sent at its own resolution and enlarged by the browser (pixelated CSS, see ``layout``):
    a 28×28 PNG is a few hundred bytes, where the enlarged one cost the server an upscale and an encode per
    rerun. PNG, not Streamlit's default JPEG: pixel-sharp digits stay sharp on a projector."""
    picture = display(image)
    st.image(
        imaging.png_bytes(picture), caption=caption, width=picture.shape[1] * (factor or scale()), output_format="PNG"
    )


def show_grid(
    images: np.ndarray, cols: int, caption: str | None, file_name: str, key: str, factor: int | None = None
) -> None:
    """Show a tiled grid (enlarged by the browser) and a button to download it as PNG at display size; the
    enlarged PNG is only made if someone downloads it."""
    picture = imaging.grid(display(images) if np.ndim(images) == 2 else np.stack([display(i) for i in images]), cols)
    enlarge = factor or max(2, scale() - 2)
    st.image(imaging.png_bytes(picture), caption=caption, width=picture.shape[1] * enlarge, output_format="PNG")
    st.download_button(
        t("common.download_png"),
        lambda: imaging.png_bytes(imaging.upscale(picture, enlarge)),
        file_name=file_name,
        mime="image/png",
        key=f"dl-{key}",
        icon=":material/download:",
    )


# A GIF takes tens of milliseconds to encode: each distinct animation is encoded once per process.
_gif_bytes = st.cache_data(show_spinner=False, max_entries=64)(imaging.gif_bytes)


def gif_download(frames: np.ndarray, file_name: str, key: str) -> None:
    gif = _gif_bytes(frames)
    st.image(gif, caption=t("common.animation"))
    st.download_button(
        t("common.download_gif"),
        gif,
        file_name=file_name,
        mime="image/gif",
        key=f"dl-{key}",
        icon=":material/download:",
    )
