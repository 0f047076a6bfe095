"""Metric formulas checked against independent numerical computations."""

from __future__ import annotations

import numpy as np
from keras import ops

from models.data.noise import corrupt, median_filter3
from models.eval import metrics
from models.nets.vae import gaussian_kl


def _kl_by_integration(mu: float, var: float) -> float:
    """KL(N(mu, var) ‖ N(0, 1)) by numerical integration on a fine grid."""
    z = np.linspace(mu - 12 * np.sqrt(var), mu + 12 * np.sqrt(var), 200_001)
    q = np.exp(-((z - mu) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var)
    log_q = -((z - mu) ** 2) / (2 * var) - 0.5 * np.log(2 * np.pi * var)
    log_p = -(z**2) / 2 - 0.5 * np.log(2 * np.pi)
    return float(np.trapezoid(q * (log_q - log_p), z))


def test_gaussian_kl_matches_numerical_integration():
    for mu, var in [(0.0, 1.0), (1.5, 0.3), (-2.0, 4.0), (0.2, 0.01)]:
        expected = _kl_by_integration(mu, var)
        np.testing.assert_allclose(metrics.gaussian_kl_per_dim(mu, np.log(var)), expected, rtol=1e-5, atol=1e-8)
        keras_kl = gaussian_kl(np.float32([mu]), np.float32([np.log(var)]))  # the training loss term
        np.testing.assert_allclose(ops.convert_to_numpy(keras_kl)[0], expected, rtol=1e-4, atol=1e-6)


def test_psnr_ssim_basic_properties():
    rng = np.random.default_rng(0)
    x = rng.random((3, 28, 28))
    assert np.all(metrics.psnr_per_image(x, x) == 100.0)
    np.testing.assert_allclose(metrics.ssim_per_image(x, x), 1.0)
    noisy = corrupt(x, "gaussian", 0.3, seed=1)
    np.testing.assert_allclose(
        metrics.psnr_per_image(x, noisy), 10 * np.log10(1 / ((x - noisy) ** 2).reshape(3, -1).mean(axis=1))
    )
    assert np.all(metrics.ssim_per_image(x, noisy) < 0.9)


def test_frechet_distance_known_values():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20_000, 3))
    assert abs(metrics.frechet_distance(a, a)) < 1e-8
    b = a * 2.0 + 1.0  # mean shift 1 per dim, variance 4: d = 3·1 + 3·(1 + 4 − 2·2) = 6
    np.testing.assert_allclose(metrics.frechet_distance(a, b), 6.0, rtol=0.02)


def test_principal_angles_and_pca():
    basis = np.eye(4)[:, :2]
    np.testing.assert_allclose(metrics.principal_angles_deg(basis, basis @ [[2, 1], [0, 3]]), [0, 0], atol=1e-6)
    np.testing.assert_allclose(metrics.principal_angles_deg(np.eye(4)[:, :1], np.eye(4)[:, 1:2]), [90.0])
    rng = np.random.default_rng(0)
    data = rng.standard_normal((5000, 3)) * [5.0, 1.0, 0.1]
    axes, var, _ = metrics.pca(data, 1)
    np.testing.assert_allclose(np.abs(axes[:, 0]), [1, 0, 0], atol=0.01)
    np.testing.assert_allclose(var, [25.0], rtol=0.05)


def test_corruptions_and_median_filter():
    x = np.full((2, 28, 28), 0.5, np.float32)
    assert np.array_equal(corrupt(x, "masking", 0.5, seed=3), corrupt(x, "masking", 0.5, seed=3))
    masked = corrupt(x, "masking", 0.5, seed=3)
    assert 0.45 < (masked == 0).mean() < 0.55
    sp = corrupt(x, "salt_pepper", 0.2, seed=0)
    assert 0.17 < ((sp == 0) | (sp == 1)).mean() < 0.23
    spot = x.copy()
    spot[:, 10, 10] = 1.0
    np.testing.assert_allclose(median_filter3(spot), x)  # an isolated outlier vanishes


def test_sparsity_stats():
    codes = np.array([[0.0, 0.15], [0.05, 0.15]])
    stats = metrics.sparsity_stats(codes)
    assert stats["share_activations_below_target"] == 0.5
    assert stats["share_units_mean_in_0.1_0.2"] == 0.5
