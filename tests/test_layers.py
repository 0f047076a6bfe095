"""Custom layers: config round-trips, save → load (safe_mode) with identical outputs, tying, noise."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models.nets.layers import ClippedGaussianNoise, DenseTranspose, KLSparsity, MaskingNoise, Sampling

LAYERS = [
    DenseTranspose(12, activation="sigmoid"),
    Sampling(seed=3),
    ClippedGaussianNoise(0.55, seed=1),
    MaskingNoise(0.5, seed=2),
    KLSparsity(weight=0.01, target=0.1),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def _tiny_model() -> keras.Model:
    x = keras.Input((12,))
    dense = keras.layers.Dense(6, activation="sigmoid")
    h = dense(MaskingNoise(0.3)(ClippedGaussianNoise(0.2)(x)))
    h = KLSparsity(0.01)(h)
    z = Sampling(seed=0)([h, h])  # stochastic: checked separately below
    out = DenseTranspose(12, tied_to=dense, activation="sigmoid")(h)
    return keras.Model(x, [out, z])


def test_save_load_safe_mode_identical_outputs(tmp_path):
    model = _tiny_model()
    x = np.random.default_rng(0).random((5, 12)).astype(np.float32)
    before = model.predict_on_batch(x)[0]
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True, compile=False)
    np.testing.assert_allclose(loaded.predict_on_batch(x)[0], before, rtol=0, atol=1e-7)


def test_dense_transpose_shares_kernel_while_training():
    dense = keras.layers.Dense(4)
    x = keras.Input((8,))
    model = keras.Model(x, DenseTranspose(8, tied_to=dense)(dense(x)))
    assert model.layers[-1].kernel is dense.kernel
    model.compile("sgd", "mse")
    data = np.random.default_rng(0).random((16, 8)).astype(np.float32)
    model.fit(data, data, epochs=1, verbose=0)
    assert model.layers[-1].kernel is dense.kernel  # still the same variable
    assert len(model.trainable_weights) == 3  # kernel, encoder bias, decoder bias


def test_noise_layers_only_act_in_training():
    x = np.full((4, 28, 28, 1), 0.5, np.float32)
    for layer in (ClippedGaussianNoise(0.55), MaskingNoise(0.5)):
        np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
        noisy = np.asarray(layer(x, training=True))
        assert not np.allclose(noisy, x) and noisy.min() >= 0 and noisy.max() <= 1
    dropped = np.asarray(MaskingNoise(0.5)(x, training=True))
    assert set(np.unique(dropped)) <= {0.0, 0.5}  # no 1/(1-rate) rescaling
    assert 0.4 < (dropped == 0).mean() < 0.6


def test_sampling_statistics():
    mean = np.full((20_000, 2), [1.0, -2.0], np.float32)
    log_var = np.full((20_000, 2), np.log([0.25, 4.0]), np.float32)
    z = np.asarray(Sampling(seed=0)([mean, log_var]))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 2.0], rtol=0.03)


def test_kl_sparsity_penalty_matches_numpy():
    acts = np.random.default_rng(1).random((32, 5)).astype(np.float32)
    layer = KLSparsity(weight=0.5, target=0.1)
    layer(acts)
    q = acts.mean(axis=0)
    expected = 0.5 * np.sum(0.1 * np.log(0.1 / q) + 0.9 * np.log(0.9 / (1 - q)))
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)
