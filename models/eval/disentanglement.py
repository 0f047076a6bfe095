"""Disentanglement by mutual information: the latent × factor MI matrix and MIG (Chen et al. 2018).

The standard estimator, as disentanglement_lib computes it: each latent's encoder means discretised into 20
equal-width bins, the discrete MI of every (latent, factor) pair, normalised by each factor's exact entropy.
The MI is scikit-learn's ``mutual_info_score`` formula in NumPy (the app reads these modules and never imports
scikit-learn); tests/test_disentanglement.py holds it to scikit-learn's own.
"""

from __future__ import annotations

import numpy as np

BINS = 20


def discretize(codes: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Each column of ``codes`` (N, D) into ``bins`` equal-width bins over its own range: ints (N, D)."""
    codes = np.asarray(codes, np.float64)
    out = np.empty(codes.shape, np.int64)
    for d in range(codes.shape[1]):
        edges = np.histogram_bin_edges(codes[:, d], bins)
        out[:, d] = np.digitize(codes[:, d], edges[1:-1])
    return out


def discrete_mi(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information in nats of two integer labelings, from their contingency table."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    joint = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(joint, (ai, bi), 1.0)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float(max(0.0, (joint[nz] * np.log(joint[nz] / outer[nz])).sum()))


def mutual_information(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> np.ndarray:
    """MI in nats between each discretised latent and each factor: (D latents, K factors)."""
    binned = discretize(codes, bins)
    return np.array(
        [[discrete_mi(factors[:, k], binned[:, d]) for k in range(factors.shape[1])] for d in range(binned.shape[1])]
    )


def mig(mi: np.ndarray, entropies: np.ndarray) -> tuple[float, np.ndarray]:
    """(MIG, each factor's gap): the top latent's MI minus the runner-up's, over the factor's entropy."""
    top = np.sort(mi, axis=0)[::-1]
    gaps = (top[0] - top[1]) / np.asarray(entropies, np.float64)
    return float(gaps.mean()), gaps


def disentanglement_report(codes: np.ndarray, factors: np.ndarray, entropies: np.ndarray, names) -> dict:
    """What a card holds: MIG, each factor's gap, the normalised MI matrix and each latent's best factor."""
    mi = mutual_information(codes, factors)
    score, gaps = mig(mi, entropies)
    normalised = mi / np.asarray(entropies)[None, :]
    return {
        "mig": round(score, 4),
        "mig_per_factor": {name: round(float(g), 4) for name, g in zip(names, gaps)},
        "mi_matrix": [[round(float(v), 4) for v in row] for row in normalised],
        "factor_of_latent": [names[int(k)] for k in normalised.argmax(axis=1)],
        "best_mi_per_factor": {name: round(float(v), 4) for name, v in zip(names, normalised.max(axis=0))},
        "mi_estimator": f"encoder means, {BINS} equal-width bins per latent, discrete MI, exact factor entropies",
    }
