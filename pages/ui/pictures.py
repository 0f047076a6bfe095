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
    # PNG, not Streamlit's default JPEG: pixel-sharp digits stay sharp on a projector.
    st.image(imaging.upscale(display(image), factor or scale()), caption=caption, output_format="PNG")


def show_grid(
    images: np.ndarray, cols: int, caption: str | None, file_name: str, key: str, factor: int | None = None
) -> None:
    """Show a tiled grid and a button to download it as PNG (at display resolution)."""
    picture = imaging.upscale(
        imaging.grid(display(images) if np.ndim(images) == 2 else np.stack([display(i) for i in images]), cols),
        factor or max(2, scale() - 2),
    )
    png = imaging.png_bytes(picture)  # encoded once: shown as-is and offered for download
    st.image(png, caption=caption)
    st.download_button(
        t("common.download_png"),
        png,
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
