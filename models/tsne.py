"""t-SNE (van der Maaten & Hinton 2008) in NumPy, for the codings map of the Reconstruction page.

Exact (all pairs), which is fine for the 1,000-image committed sample: a few seconds per model here. It
is computed once per checkpoint by ``python -m training.tsne`` and stored beside it, so the app only reads it.
"""

from __future__ import annotations

import numpy as np


def _conditional_probabilities(sq_dist: np.ndarray, perplexity: float, tol: float = 1e-5) -> np.ndarray:
    """Row-wise Gaussian affinities whose entropy matches log(perplexity) (binary search on the precision)."""
    n = len(sq_dist)
    target = np.log(perplexity)
    p = np.zeros((n, n))
    for i in range(n):
        d = np.delete(sq_dist[i], i)
        lo, hi, beta = 0.0, np.inf, 1.0
        for _ in range(64):
            w = np.exp(-(d - d.min()) * beta)
            total = w.sum()
            entropy = np.log(total) + beta * ((d - d.min()) * w).sum() / total
            if abs(entropy - target) < tol:
                break
            if entropy > target:
                lo, beta = beta, beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi, beta = beta, (beta + lo) / 2
        p[i, np.arange(n) != i] = w / total
    return p


def tsne(x: np.ndarray, perplexity: float = 30.0, iterations: int = 750, seed: int = 0) -> np.ndarray:
    """2-D embedding of the rows of ``x`` (PCA to 50 dimensions first, as the paper does)."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    x = x - x.mean(axis=0)
    if x.shape[1] > 50:
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        x = x @ vt[:50].T
    sq = (x**2).sum(axis=1)
    sq_dist = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    p = _conditional_probabilities(sq_dist, perplexity)
    p = np.maximum((p + p.T) / (2 * len(x)), 1e-12)
    rng = np.random.default_rng(seed)
    y = rng.standard_normal((len(x), 2)) * 1e-4
    velocity, gains = np.zeros_like(y), np.ones_like(y)
    for it in range(iterations):
        exaggeration = 12.0 if it < 250 else 1.0
        sq_y = (y**2).sum(axis=1)
        num = 1.0 / (1.0 + sq_y[:, None] + sq_y[None, :] - 2 * y @ y.T)
        np.fill_diagonal(num, 0.0)
        q = np.maximum(num / num.sum(), 1e-12)
        pq = (exaggeration * p - q) * num
        grad = 4.0 * ((np.diag(pq.sum(axis=1)) - pq) @ y)
        gains = np.where(np.sign(grad) != np.sign(velocity), gains + 0.2, gains * 0.8).clip(0.01)
        velocity = (0.5 if it < 250 else 0.8) * velocity - 200.0 * gains * grad
        y = y + velocity
        y -= y.mean(axis=0)
    return y.astype(np.float32)
