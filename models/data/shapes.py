"""Shapes: dSprites' factor grid (Matthey et al. 2017), rendered here instead of downloaded.

Five known factors — shape (square, ellipse, heart), scale (6 values in [0.5, 1]), orientation (40 values in
[0, 2π]), x and y position (32 values each in [0, 1]) — one binary image per combination, 737,280 in dSprites'
order (y fastest). Rendered at 32×32, not 64×64: a quarter of the pixels, so four models train within the CPU
budget (docs/DECISIONS.md). dSprites' renderer was never published; ours fills vector shapes without
antialiasing, as theirs does, using only IEEE arithmetic on the pixel grid (no transcendental function per
pixel), so a render is byte-identical run to run.
"""

from __future__ import annotations

import math

import numpy as np

RESOLUTION = 32
SHAPES = ("square", "ellipse", "heart")
FACTORS = ("shape", "scale", "orientation", "x", "y")
CONTINUOUS_FACTORS = FACTORS[1:]
FACTOR_SIZES = (len(SHAPES), 6, 40, 32, 32)
SCALES = np.linspace(0.5, 1.0, 6)
ORIENTATIONS = np.linspace(0.0, 2.0 * math.pi, 40)
POSITIONS = np.linspace(0.0, 1.0, 32)
N_IMAGES = int(np.prod(FACTOR_SIZES))
HALF_SIZE = 0.16  # a scale-1 shape's half-width, as a share of the image (a rotated square may graze the edge)
MARGIN = 0.2  # positions 0 and 1 put the shape's centre this far from the image's edges
_CENTRES = (np.arange(RESOLUTION) + 0.5) / RESOLUTION  # pixel centres in [0, 1]


def factor_values(index: np.ndarray | int) -> np.ndarray:
    """Factor *indices* (N, 5) of image ``index`` in the grid's order (shape slowest, y fastest)."""
    return np.stack(np.unravel_index(np.asarray(index), FACTOR_SIZES), axis=-1).astype(np.int64)


def image_index(factors: np.ndarray) -> np.ndarray:
    """The inverse of ``factor_values``: row-major index of each (shape, scale, orientation, x, y)."""
    return np.ravel_multi_index(tuple(np.asarray(factors).T), FACTOR_SIZES)


def _inside(shape: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Is the point (u, v) of the shape's own frame (unit half-size, y down) inside the shape?"""
    if shape == 0:
        return (np.abs(u) <= 1.0) & (np.abs(v) <= 1.0)
    if shape == 1:
        return u * u + 4.0 * v * v <= 1.0  # semi-axes 1 and 0.5: elongated, so its orientation shows
    # The heart (x² + y² − 1)³ − x²y³ ≤ 0, lobes up (image y points down), fitted into the unit box.
    x, y = 1.15 * u, -1.15 * v + 0.12
    s = x * x + y * y - 1.0
    return s * s * s - x * x * y * y * y <= 0.0


def render(factors: np.ndarray) -> np.ndarray:
    """Binary uint8 images (N, 32, 32), 0 or 255 like MNIST's ink, for factor indices (N, 5)."""
    factors = np.atleast_2d(np.asarray(factors, dtype=np.int64))
    out = np.zeros((len(factors), RESOLUTION, RESOLUTION), np.uint8)
    # Images that share shape, scale and orientation share the per-pixel work: one group at a time.
    keys = factors[:, :3]
    groups = np.unique(keys, axis=0)
    for shape, scale_i, orient_i in groups:
        rows = np.flatnonzero((keys == (shape, scale_i, orient_i)).all(axis=1))
        half = HALF_SIZE * float(SCALES[scale_i])
        angle = float(ORIENTATIONS[orient_i])
        c, s = math.cos(angle), math.sin(angle)  # two libm calls per group, none per pixel
        cx = MARGIN + (1.0 - 2.0 * MARGIN) * POSITIONS[factors[rows, 3]]
        cy = MARGIN + (1.0 - 2.0 * MARGIN) * POSITIONS[factors[rows, 4]]
        dx = _CENTRES[None, None, :] - cx[:, None, None]
        dy = _CENTRES[None, :, None] - cy[:, None, None]
        u = (c * dx + s * dy) / half  # rotate the pixel into the shape's frame
        v = (c * dy - s * dx) / half
        out[rows] = _inside(int(shape), u, v) * np.uint8(255)
    return out


def generate(indices: np.ndarray | None = None, chunk: int = 32 * 32 * 40) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 32, 32) in {0, 255}, factor indices (N, 5)): the whole grid, or the given indices."""
    indices = np.arange(N_IMAGES) if indices is None else np.asarray(indices)
    factors = factor_values(indices)
    images = np.empty((len(indices), RESOLUTION, RESOLUTION), np.uint8)
    for start in range(0, len(indices), chunk):
        images[start : start + chunk] = render(factors[start : start + chunk])
    return images, factors


def factor_entropies() -> np.ndarray:
    """Each factor's exact entropy in nats: every value is equally common in the full grid."""
    return np.log(np.asarray(FACTOR_SIZES, dtype=np.float64))
