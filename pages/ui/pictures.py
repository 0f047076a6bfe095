"""Showing images: pixel-sharp PNGs at a size that suits the screen (bigger in lecture mode), each grid
with its PNG download and each animation with its GIF download.

Pictures travel inside the page's own message, as ``data:`` URLs: a 28×28 PNG is a few hundred bytes, and
as a media file it cost the server a stored file plus one more HTTP request per picture per rerun (the
Reconstruction row is nine), and the browser one more round trip before it could paint. Only bigger files
(animations) go through Streamlit's media files.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict

import numpy as np
import streamlit as st

from models.data import imaging
from pages.ui.i18n import t
from pages.ui.state import lecture_mode


def scale() -> int:
    return 7 if lecture_mode() else 4


def display(image: np.ndarray) -> np.ndarray:
    """A uint8 picture ready for st.image: contrast-stretched in lecture mode."""
    img = imaging.to_uint8(image)
    return imaging.contrast_stretch(img) if lecture_mode() else img


def show_image(image: np.ndarray, caption: str | None = None, factor: int | None = None, *, alt: str) -> None:
    """One picture, sent at its own resolution and enlarged by the browser (pixelated CSS, see ``layout``):
    a 28×28 PNG is a few hundred bytes, where the enlarged one cost the server an upscale and an encode per
    rerun. PNG, not Streamlit's default JPEG: pixel-sharp digits stay sharp on a projector. ``alt`` says what it
    shows to a screen reader (every picture has one, from the catalogue)."""
    picture = display(image)
    st.image(_inline_png(picture), caption=caption, width=picture.shape[1] * (factor or scale()), alt=alt)


def show_picture(picture: np.ndarray, caption: str | None = None, width: int | None = None, *, alt: str) -> None:
    """A colour picture (a map, a heat-map) shown as drawn: no contrast stretch, its own pixel size unless
    ``width``."""
    st.image(_inline_png(picture), caption=caption, width=width or picture.shape[1], alt=alt)


def show_row(images: list[np.ndarray], captions: list[str], *, alts: list[str]) -> None:
    """Pictures side by side, each with its caption, as one element: one row while each picture keeps 5.5rem,
    wrapped below that (the CSS in ``layout``). Not a column each: a slider move reruns the row, and every
    column and picture was one more message for the server to build and send to each student (the
    Reconstruction row was 19)."""
    pictures = [display(image) for image in images]
    width = max(p.shape[1] for p in pictures) * scale()
    st.image([_inline_png(p) for p in pictures], caption=captions, width=width, alt=alts)


def show_grid(
    images: np.ndarray,
    cols: int,
    caption: str | None,
    file_name: str,
    key: str,
    factor: int | None = None,
    *,
    alt: str,
) -> None:
    """Show a tiled grid (enlarged by the browser) and a button to download it as PNG at display size; the
    enlarged PNG is only made if someone downloads it."""
    picture = _tiled(images, cols)
    enlarge = factor or max(2, scale() - 2)
    st.image(_inline_png(picture), caption=caption, width=picture.shape[1] * enlarge, alt=alt)
    _png_button(picture, enlarge, file_name, key)


def download_grid(images: np.ndarray, cols: int, file_name: str, key: str) -> None:
    """Only the download button of a grid, for pictures the page already shows one by one with captions:
    the same row again as one picture was clutter, and one more image for the server to send per rerun."""
    _png_button(_tiled(images, cols), max(2, scale() - 2), file_name, key)


def _inline_png(picture: np.ndarray) -> str:
    """The picture as a ``data:`` URL, which ``st.image`` passes to the browser as it is (module docstring).
    Encoded once per distinct picture and process: a class shown the same input costs one encode. A small
    LRU of our own, since an ``st.cache_data`` hit (hashing and unpickling) costs more than the encode itself
    (docs/DECISIONS.md); a digest lookup here costs almost nothing, and a rerun shows up to nine pictures."""
    key = (picture.shape, hashlib.blake2b(np.ascontiguousarray(picture), digest_size=16).digest())
    with _URLS_LOCK:
        if (url := _URLS.get(key)) is not None:
            _URLS.move_to_end(key)
            return url
    url = "data:image/png;base64," + base64.b64encode(imaging.png_bytes(picture)).decode("ascii")
    with _URLS_LOCK:
        _URLS[key] = url
        if len(_URLS) > _URLS_KEPT:
            _URLS.popitem(last=False)
    return url


# The most recently shown pictures' URLs: ≤ 2,048 of ~1 kB (one digit) to ~20 kB (a GAN grid).
_URLS: OrderedDict[tuple, str] = OrderedDict()
_URLS_LOCK = threading.Lock()
_URLS_KEPT = 2048


def _tiled(images: np.ndarray, cols: int) -> np.ndarray:
    """The pictures as one grid: converted as one batch (a GAN grid is 32 pictures and more), each picture
    contrast-stretched on its own in lecture mode."""
    batch = imaging.to_uint8(images)
    if lecture_mode():
        batch = display(batch) if batch.ndim == 2 else np.stack([display(image) for image in batch])
    return imaging.grid(batch, cols)


def _png_button(picture: np.ndarray, enlarge: int, file_name: str, key: str) -> None:
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


def gif_download(frames: np.ndarray, file_name: str, key: str, *, alt: str) -> None:
    gif = _gif_bytes(frames)
    st.image(gif, caption=t("common.animation"), alt=t("alt.animation", what=alt))
    st.download_button(
        t("common.download_gif"),
        gif,
        file_name=file_name,
        mime="image/gif",
        key=f"dl-{key}",
        icon=":material/download:",
    )
