"""What the Denoising page computes: one corrupted image through each denoiser, and PSNR against noise level.

Pages call these and only draw the results; benchmarks time these same calls.
"""

from __future__ import annotations

import numpy as np

from models.data.noise import corrupt, median_filter3
from models.eval import metrics
from models.runtime.inference import (
    Autoencoder,
    to_model_input,
)


def denoise_row(
    models: dict[str, Autoencoder], clean: np.ndarray, kind: str, level: float, seed: int
) -> dict[str, tuple[np.ndarray, float, float]]:
    """{key: (image, PSNR, SSIM)} for the noisy input ("noisy"), each denoiser (its name) and the 3×3 median
    filter ("median")."""
    x = to_model_input(clean[None])
    noisy = corrupt(x, kind, level, seed)
    outputs = {"noisy": noisy, **{n: m.reconstruct(noisy) for n, m in models.items()}, "median": median_filter3(noisy)}
    return {
        label: (img[0, ..., 0], float(metrics.psnr_per_image(x, img)[0]), float(metrics.ssim_per_image(x, img)[0]))
        for label, img in outputs.items()
    }


def psnr_curve(
    models: dict[str, Autoencoder], clean: np.ndarray, kind: str, levels: np.ndarray, seed: int = 0
) -> dict[str, list[float]]:
    """Mean PSNR over ``clean`` images at each noise level, for each denoiser, the noisy input and the filter."""
    x = to_model_input(clean)
    curves: dict[str, list[float]] = {"noisy": [], "median": [], **{n: [] for n in models}}
    for level in levels:
        noisy = corrupt(x, kind, float(level), seed)
        curves["noisy"].append(float(metrics.psnr_per_image(x, noisy).mean()))
        curves["median"].append(float(metrics.psnr_per_image(x, median_filter3(noisy)).mean()))
        for name, model in models.items():
            curves[name].append(float(metrics.psnr_per_image(x, model.reconstruct(noisy)).mean()))
    return curves
