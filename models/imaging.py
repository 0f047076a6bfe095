"""Turning model outputs into pictures: grids, upscaling, PNG and GIF bytes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] (any trailing channel of 1 dropped) → uint8."""
    x = np.asarray(images)
    if x.dtype != np.uint8:
        x = (np.clip(x, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return x[..., 0] if x.ndim >= 3 and x.shape[-1] == 1 else x


def grid(images: np.ndarray, cols: int, pad: int = 2, pad_value: int = 40) -> np.ndarray:
    """Tile (N, H, W) images into rows of ``cols``, separated by ``pad`` pixels."""
    x = to_uint8(images)
    if x.ndim == 2:
        x = x[None]
    n, h, w = x.shape
    rows = -(-n // cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), pad_value, np.uint8)
    for i, img in enumerate(x):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = img
    return out


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: crisp pixels on a projector, no blur."""
    x = to_uint8(image)
    return np.kron(x, np.ones((factor, factor), np.uint8)) if factor > 1 else x


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(image), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def gif_bytes(frames: np.ndarray, scale: int = 4, ms_per_frame: int = 120, bounce: bool = True) -> bytes:
    """An animated GIF of the frames (enlarged), played forwards then backwards when ``bounce``."""
    seq = [upscale(f, scale) for f in to_uint8(frames)]
    if bounce and len(seq) > 2:
        seq = seq + seq[-2:0:-1]
    images = [Image.fromarray(f, mode="L") for f in seq]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buffer.getvalue()


def stretch(image: np.ndarray) -> np.ndarray:
    """Float min..max → 0..1 before any rounding: faint patterns (a few grey levels) become visible."""
    x = np.asarray(image, np.float64)
    span = float(x.max() - x.min())
    return (x - x.min()) / span if span > 1e-12 else np.zeros_like(x)


def contrast_stretch(image: np.ndarray) -> np.ndarray:
    """Map the image's own min..max to 0..255: used by lecture mode for a higher-contrast display."""
    x = np.asarray(to_uint8(image), np.float32)
    lo, hi = float(x.min()), float(x.max())
    return x.astype(np.uint8) if hi - lo < 1 else ((x - lo) * 255.0 / (hi - lo)).round().astype(np.uint8)
