"""Label spreading: what makes unlabelled images pay when only a few are labelled (HOML 17.3.4's lesson).

The few labels flow to their nearest neighbours among all 60,000 training images, in the convolutional
autoencoder's code space (Kingma et al. 2014's M1 + TSVM idea: the codes of a model trained without labels,
and a classifier that also sees the unlabelled codes). The same spreading over raw pixels is the control that
says what the codes add. NumPy only.
"""

from __future__ import annotations

import numpy as np

SPREAD_NEIGHBOURS = 10
SPREAD_ALPHA = 0.9  # how much of each step comes from the neighbours (the labelled images are added back each step)
SPREAD_STEPS = 30


def standardise(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Each column to mean 0, variance 1 over ``train`` (flattened to rows), the same shift for ``others``."""
    rows = [np.asarray(a, np.float32).reshape(len(a), -1) for a in (train, *others)]
    mean, std = rows[0].mean(axis=0), rows[0].std(axis=0) + 1e-6
    return [(r - mean) / std for r in rows]


def nearest_neighbours(queries: np.ndarray, points: np.ndarray, k: int, exclude_self: bool = False) -> np.ndarray:
    """Indices (len(queries), k) of each query's ``k`` nearest ``points`` (Euclidean, unordered);
    ``exclude_self`` when ``queries`` is ``points`` (a point is not its own neighbour)."""
    out = np.empty((len(queries), k), np.int64)
    squared = (points**2).sum(axis=1)
    for i in range(0, len(queries), 2000):
        block = queries[i : i + 2000]
        distance = squared[None, :] - 2 * block @ points.T  # + |q|², the same along each row
        if exclude_self:
            distance[np.arange(len(block)), np.arange(i, i + len(block))] = np.inf
        out[i : i + len(block)] = np.argpartition(distance, k, axis=1)[:, :k]
    return out


def spread_labels(neighbours: np.ndarray, labelled: np.ndarray, labels: np.ndarray, steps: int = SPREAD_STEPS):
    """Class scores (N, 10) for every point of the neighbour graph: each step a point takes ``SPREAD_ALPHA`` of
    the mean scores of its neighbours — those it lists and those that list it, so a labelled image that is
    nobody's nearest still spreads — the labelled points their own label on top, and each row is renormalised."""
    n, k = neighbours.shape
    seeds = np.zeros((n, 10), np.float32)
    seeds[labelled, labels] = 1.0
    targets = neighbours.ravel()
    degree = k + np.bincount(targets, minlength=n)[:, None]  # out-edges plus in-edges
    scores = seeds.copy()
    for _ in range(steps):
        listed = scores[neighbours].sum(axis=1)
        listing = np.stack(
            [np.bincount(targets, weights=np.repeat(scores[:, c], k), minlength=n) for c in range(10)], axis=1
        )
        scores = SPREAD_ALPHA * (listed + listing) / degree + seeds
        scores /= scores.sum(axis=1, keepdims=True) + 1e-12
    return scores.astype(np.float32)


def classify_by_neighbours(scores: np.ndarray, query_neighbours: np.ndarray) -> np.ndarray:
    """Each query's class: the largest sum of its neighbours' spread scores (no query label is ever read)."""
    return scores[query_neighbours].sum(axis=1).argmax(axis=1)
