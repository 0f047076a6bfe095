"""The CycleGAN's two handwriting styles and the names of its logged losses, in plain NumPy.

Why a module of its own: the trainer, the card's evaluation and the app all need the styles (``embolden``)
and the loss names, and the app must not import TensorFlow to get them (``models/nets/cyclegan.py`` builds the
networks with Keras).
"""

from __future__ import annotations

import numpy as np

LOSSES = ("g_adversarial", "cycle", "identity", "d_loss")  # what the trainer logs (the card's curves)


def embolden(images: np.ndarray) -> np.ndarray:
    """3×3 grey dilation (each pixel becomes the brightest of its neighbourhood): bolder strokes.

    Works on (N, 28, 28) or (N, 28, 28, 1) arrays of any dtype and keeps shape and dtype.
    """
    x = np.asarray(images)
    squeeze = x.ndim == 4
    planes = x[..., 0] if squeeze else x
    padded = np.pad(planes, ((0, 0), (1, 1), (1, 1)))
    h, w = planes.shape[1:]
    out = np.max([padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=0)
    return out[..., None] if squeeze else out


def unpaired_domains(images: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``images`` in two seeded halves: the first stays regular, the second is emboldened.
    No image appears in both, so the training data holds no pair."""
    order = np.random.default_rng(seed).permutation(len(images))
    half = len(images) // 2
    return images[order[:half]], embolden(images[order[half : 2 * half]])
