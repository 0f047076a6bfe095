"""The imbalance lesson's math (DB-VAE, Amini et al. 2019), in NumPy: how dense the training set is around each
image's latent code, and the sampling weights that draw rare images more often.

The density is DB-VAE's: one histogram per latent dimension over the whole training set, the dimensions taken as
independent, so an image's density is the product of its codes' histogram heights. The weights are
``Π_d 1 / (Q̂_d(z_d) + α)``: with α = 0 exactly inversely proportional to the density; α > 0 caps how far one
image in an almost empty bin can dominate the draw. α is chosen without knowing any group (``choose_alpha``): the
smallest of a grid whose draw is still worth half the training set (its effective sample size), so the common
images are not starved.
"""

from __future__ import annotations

import numpy as np

BINS = 10  # per latent dimension, as in DB-VAE's lab
ALPHA = 0.01  # smoothing α, added to each dimension's bin probability
ALPHAS = (0.01, 0.03, 0.1, 0.2, 0.3, 1.0)  # the grid choose_alpha picks from
MIN_ESS_SHARE = 0.5  # the draw must be worth at least this share of the training set


def bin_probabilities(codes: np.ndarray, bins: int = BINS) -> np.ndarray:
    """(N, D) codes → (N, D): the share of the training set in each code's bin, per dimension (each dimension's
    ``bins`` equal-width bins span its range, so every code is in one)."""
    z = np.asarray(codes, np.float64)
    out = np.empty_like(z)
    for d in range(z.shape[1]):
        counts, edges = np.histogram(z[:, d], bins=bins)
        which = np.clip(np.searchsorted(edges, z[:, d], side="right") - 1, 0, bins - 1)
        out[:, d] = counts[which] / len(z)
    return out


def log_density(codes: np.ndarray, bins: int = BINS) -> np.ndarray:
    """log Π_d Q̂_d(z_d) per image (the per-dimension histograms taken as independent): low = rare."""
    return np.log(bin_probabilities(codes, bins)).sum(axis=1)


def resampling_weights(codes: np.ndarray, bins: int = BINS, alpha: float = ALPHA) -> np.ndarray:
    """Sampling probability per image, ∝ Π_d 1 / (Q̂_d(z_d) + α); sums to 1."""
    log_w = -np.log(bin_probabilities(codes, bins) + alpha).sum(axis=1)
    w = np.exp(log_w - log_w.max())  # in logs: ten small factors multiply to numbers that underflow
    return w / w.sum()


def rarest(log_densities: np.ndarray, share: float) -> np.ndarray:
    """Indices of the ``share`` of images with the lowest density (ties broken by index)."""
    n = max(1, int(round(share * len(log_densities))))
    return np.argsort(log_densities, kind="stable")[:n]


def effective_sample_size(p: np.ndarray) -> float:
    """1 / Σ p²: how many distinct images a draw from ``p`` is worth (N for uniform weights)."""
    p = np.asarray(p, np.float64)
    return float(1.0 / np.square(p / p.sum()).sum())


def choose_alpha(codes: np.ndarray, grid=ALPHAS, min_ess_share: float = MIN_ESS_SHARE, bins: int = BINS) -> float:
    """The smallest α of ``grid`` (the strongest resampling) whose weights keep an effective sample size of at least
    ``min_ess_share`` of the images; the largest α if none does. Uses no labels and no group."""
    for alpha in sorted(grid):
        if effective_sample_size(resampling_weights(codes, bins, alpha)) >= min_ess_share * len(codes):
            return float(alpha)
    return float(max(grid))
