"""The course's 3-D toy data for the linear-autoencoder-equals-PCA demonstration."""

from __future__ import annotations

import numpy as np

TOY_POINTS, TOY_SEED = 200, 42  # the committed linear_ae_3d checkpoint was trained on these


def generate_3d_data(m: int = 200, seed: int = 42) -> np.ndarray:
    """Points near a tilted, curved 2-D sheet in 3-D (after HOML's ``generate_3d_data``)."""
    rng = np.random.default_rng(seed)
    angles = (rng.random(m) ** 3 + 0.5) * 2 * np.pi
    x = np.zeros((m, 3))
    x[:, 0], x[:, 1] = np.cos(angles), np.sin(angles) * 0.5
    x += 0.28 * rng.standard_normal((m, 3))
    x = x @ _rotation(-np.pi / 4, np.pi / 30, -np.pi / 20).T
    return (x + [0.2, 0.0, 0.2]).astype(np.float32)


def _rotation(a: float, b: float, c: float) -> np.ndarray:
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ ry @ rx
