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
    Image.fromarray(to_uint8(image)).save(buffer, format="PNG")  # (H, W): grey; (H, W, 3): colour
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


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def scatter_rgb(
    points: np.ndarray,
    colours: np.ndarray,
    limits: tuple[float, float, float, float],
    size: int = 320,
    dot: int = 1,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Points drawn as small squares of their colour (``colours``: (N, 3) uint8) on a ``size``² RGB picture over
    ``limits`` = (x_min, x_max, y_min, y_max), y up; on white or on ``background`` (an RGB picture of that size).
    A picture, not a chart, because it is redrawn several times a second while a model trains."""
    out = np.full((size, size, 3), 255, np.uint8) if background is None else background.copy()
    x0, x1, y0, y1 = limits
    p = np.asarray(points, np.float64)
    cols = np.round((p[:, 0] - x0) / (x1 - x0) * (size - 1)).astype(int)
    rows = np.round((y1 - p[:, 1]) / (y1 - y0) * (size - 1)).astype(int)
    keep = np.isfinite(p).all(axis=1) & (cols >= 0) & (cols < size) & (rows >= 0) & (rows < size)
    for dy in range(-dot, dot + 1):
        for dx in range(-dot, dot + 1):
            r, c = np.clip(rows[keep] + dy, 0, size - 1), np.clip(cols[keep] + dx, 0, size - 1)
            out[r, c] = colours[keep]
    out[[0, -1], :] = out[:, [0, -1]] = 160  # a thin frame: the picture's edge is the map's
    return out


def fit_limits(points: np.ndarray, floor: float = 1.0) -> tuple[float, float, float, float]:
    """Square limits around the middle 98% of ``points`` with a margin (at least ``floor`` wide): a map that
    fills its picture whatever the scale of the codes."""
    p = np.asarray(points, np.float64)
    p = p[np.isfinite(p).all(axis=1)]
    if not len(p):
        return -floor, floor, -floor, floor
    lo, hi = np.percentile(p, 1, axis=0), np.percentile(p, 99, axis=0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) * 0.6, floor / 2)
    return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half


def heat_rgb(values: np.ndarray, size: int, low: str, high: str) -> np.ndarray:
    """A (G, G) grid of values in [0, 1] as an RGB picture, ``low`` → white at 0.5 → ``high`` (hex colours),
    enlarged to ``size`` pixels by nearest neighbour."""
    v = np.clip(np.asarray(values, np.float64), 0, 1)[..., None]
    white, lo, hi = np.full(3, 255.0), np.array(hex_rgb(low), float), np.array(hex_rgb(high), float)
    rgb = np.where(v < 0.5, lo + (white - lo) * (v / 0.5), white + (hi - white) * ((v - 0.5) / 0.5))
    idx = np.minimum((np.arange(size) * v.shape[0]) // size, v.shape[0] - 1)
    return rgb[idx][:, idx].round().astype(np.uint8)
