"""Image-quality, VAE and GAN metrics in NumPy: one definition shared by training cards,
benchmarks, tests and the app, so every number shown is computed the same way."""

from __future__ import annotations

import numpy as np

EPS = 1e-7


def mse_per_image(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean squared error of each image (first axis) over all its pixels."""
    diff = np.asarray(x, np.float64) - np.asarray(y, np.float64)
    return (diff**2).reshape(len(diff), -1).mean(axis=1)


def bce_per_image(x: np.ndarray, x_hat: np.ndarray, reduce: str = "mean") -> np.ndarray:
    """Binary cross-entropy of each image, pixels in [0, 1]; ``reduce`` is 'mean' or 'sum'."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    p = np.clip(np.asarray(x_hat, np.float64).reshape(len(x), -1), EPS, 1 - EPS)
    bce = -(x * np.log(p) + (1 - x) * np.log(1 - p))
    return bce.sum(axis=1) if reduce == "sum" else bce.mean(axis=1)


def psnr_per_image(clean: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Peak signal-to-noise ratio in dB for images in [0, 1] (capped at 100 dB for identical images)."""
    mse = mse_per_image(clean, other)
    return np.where(mse > 0, 10 * np.log10(1.0 / np.maximum(mse, 1e-10)), 100.0)


def _gaussian_window(size: int = 7, sigma: float = 1.5) -> np.ndarray:
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax**2) / (2 * sigma**2))
    return g / g.sum()


def _filter_valid(img: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 'valid' convolution over the last two axes."""
    k = len(window)
    rows = sum(window[i] * img[..., i : img.shape[-2] - k + 1 + i, :] for i in range(k))
    return sum(window[i] * rows[..., :, i : img.shape[-1] - k + 1 + i] for i in range(k))


def ssim_per_image(clean: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Structural similarity (Wang et al. 2004, 7×7 Gaussian window σ=1.5) of images in [0, 1]."""
    x = np.asarray(clean, np.float64)
    x = x[..., 0] if x.ndim == 4 else x
    y = np.asarray(other, np.float64).reshape(x.shape)
    w = _gaussian_window()
    c1, c2 = 0.01**2, 0.03**2
    mx, my = _filter_valid(x, w), _filter_valid(y, w)
    sxx = _filter_valid(x * x, w) - mx**2
    syy = _filter_valid(y * y, w) - my**2
    sxy = _filter_valid(x * y, w) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx**2 + my**2 + c1) * (sxx + syy + c2))
    return ssim.reshape(len(x), -1).mean(axis=1)


def gaussian_kl_per_dim(z_mean: np.ndarray, z_log_var: np.ndarray) -> np.ndarray:
    """KL(N(mean, exp(log_var)) ‖ N(0, 1)) for each sample and latent dimension, in nats."""
    m = np.asarray(z_mean, np.float64)
    lv = np.asarray(z_log_var, np.float64)
    return 0.5 * (np.exp(lv) + m**2 - 1.0 - lv)


def active_dimensions(kl_per_dim_mean: np.ndarray, threshold: float = 0.01) -> int:
    """Latent dimensions whose mean KL exceeds ``threshold`` nats (the rest collapsed to the prior)."""
    return int((np.asarray(kl_per_dim_mean) > threshold).sum())


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (the FID formula)."""
    a = np.asarray(features_a, np.float64)
    b = np.asarray(features_b, np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr(sqrt(A B)) = Σ sqrt(eig(sqrt(A) B sqrt(A))), all real and non-negative.
    vals, vecs = np.linalg.eigh(cov_a)
    sqrt_a = (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    middle = np.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    trace_sqrt = np.sqrt(np.clip(middle, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def class_histogram(predicted: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Share of samples assigned to each class."""
    counts = np.bincount(np.asarray(predicted, np.int64), minlength=num_classes)
    return counts / max(1, counts.sum())


def confident_share(probs: np.ndarray, threshold: float = 0.9) -> float:
    """Share of images the classifier assigns to one class with probability ≥ ``threshold``: the number a
    lecturer can say out loud ("the classifier is ≥ 90% sure of N% of these samples")."""
    return float((np.asarray(probs).max(axis=1) >= threshold).mean())


def principal_angles_deg(basis_a: np.ndarray, basis_b: np.ndarray) -> np.ndarray:
    """Principal angles (degrees) between the column spaces of two matrices."""
    qa, _ = np.linalg.qr(np.asarray(basis_a, np.float64))
    qb, _ = np.linalg.qr(np.asarray(basis_b, np.float64))
    cosines = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)
    return np.degrees(np.arccos(cosines))


def pca(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-``k`` principal axes (columns), their explained variance, and the data mean."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    mean = x.mean(axis=0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    return vt[:k].T, (s[:k] ** 2) / (len(x) - 1), mean


def sparsity_stats(codings: np.ndarray, target: float = 0.1) -> dict:
    """What the course reads off a sparse coding layer: share of activations under ``target``
    and the distribution of each unit's mean activation."""
    c = np.asarray(codings, np.float64)
    unit_means = c.mean(axis=0)
    edges = np.linspace(0.0, 1.0, 11)
    hist, _ = np.histogram(unit_means, bins=edges)
    return {
        "share_activations_below_target": float((c < target).mean()),
        "share_units_mean_in_0.1_0.2": float(((unit_means >= 0.1) & (unit_means < 0.2)).mean()),
        "unit_mean_histogram": {"edges": edges.round(2).tolist(), "counts": hist.tolist()},
        "mean_activation": float(c.mean()),
    }
