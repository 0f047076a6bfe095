"""Corruptions for the denoising demos, seeded and in NumPy, so a seed always gives the same image."""

from __future__ import annotations

import numpy as np

NOISE_TYPES = ("gaussian", "masking", "salt_pepper")


def corrupt(x: np.ndarray, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """Return a noisy copy of images ``x`` in [0, 1].

    gaussian: add N(0, level²) and clip; masking: zero each pixel with probability ``level``
    (the dropout noise the denoiser trains on); salt_pepper: set a ``level`` share of pixels to 0 or 1.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, np.float32)
    if kind == "gaussian":
        return np.clip(x + rng.normal(0.0, level, x.shape).astype(np.float32), 0.0, 1.0)
    if kind == "masking":
        return np.where(rng.random(x.shape) < level, 0.0, x).astype(np.float32)
    if kind == "salt_pepper":
        u = rng.random(x.shape)
        out = x.copy()
        out[u < level / 2] = 0.0
        out[(u >= level / 2) & (u < level)] = 1.0
        return out
    raise ValueError(f"unknown noise type {kind!r}; choose one of {NOISE_TYPES}")


def median_filter3(x: np.ndarray) -> np.ndarray:
    """3×3 median filter over the two spatial axes of (N, 28, 28[, 1]) images: the classical baseline."""
    img = np.asarray(x, np.float32)
    squeeze = img.ndim == 4
    if squeeze:
        img = img[..., 0]
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)), mode="edge")
    h, w = img.shape[1:]
    shifts = [padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3)]
    out = np.median(np.stack(shifts, axis=0), axis=0)
    return out[..., None] if squeeze else out
