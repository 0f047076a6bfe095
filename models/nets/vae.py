"""Variational autoencoders: encoder/decoder builders and the composite model that trains them."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from models.nets.autoencoders import IMAGE_SHAPE
from models.nets.layers import Sampling


def gaussian_kl(z_mean, z_log_var):
    """KL(q(z|x) ‖ N(0, I)) per sample and dimension, in nats."""
    return 0.5 * (ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var)


def bernoulli_nll(x, x_hat):
    """−log p(x|z) of each image under a Bernoulli decoder, summed over pixels (nats)."""
    x_hat = ops.clip(x_hat, 1e-7, 1.0 - 1e-7)
    nll = -(x * ops.log(x_hat) + (1.0 - x) * ops.log(1.0 - x_hat))
    return ops.sum(ops.reshape(nll, (ops.shape(x)[0], -1)), axis=1)


def dense_vae(
    latent_dim: int = 10, hidden: tuple[int, ...] = (256, 128), image_shape: tuple[int, int, int] = IMAGE_SHAPE
) -> tuple[keras.Model, keras.Model]:
    """Dense VAE: encoder outputs (z_mean, z_log_var); decoder maps z to pixel probabilities."""
    image = keras.Input(image_shape, name="image")
    h = layers.Flatten()(image)
    for units in hidden:
        h = layers.Dense(units, activation="relu")(h)
    encoder = keras.Model(
        image,
        [layers.Dense(latent_dim, name="z_mean")(h), layers.Dense(latent_dim, name="z_log_var")(h)],
        name="encoder",
    )
    z = keras.Input((latent_dim,), name="z")
    h = z
    for units in reversed(hidden):
        h = layers.Dense(units, activation="relu")(h)
    pixels = image_shape[0] * image_shape[1] * image_shape[2]
    out = layers.Reshape(image_shape)(layers.Dense(pixels, activation="sigmoid")(h))
    return encoder, keras.Model(z, out, name="decoder")


def conv_vae(latent_dim: int = 2) -> tuple[keras.Model, keras.Model]:
    """Convolutional VAE after the keras-io example (32/64 filters, 16-unit bottleneck)."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(image)
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Dense(16, activation="relu")(layers.Flatten()(h))
    encoder = keras.Model(
        image,
        [layers.Dense(latent_dim, name="z_mean")(h), layers.Dense(latent_dim, name="z_log_var")(h)],
        name="encoder",
    )
    z = keras.Input((latent_dim,), name="z")
    h = layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(z))
    h = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)
    out = layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid")(h)
    return encoder, keras.Model(z, out, name="decoder")


def total_correlation(z, z_mean, z_log_var, dataset_size: int):
    """Mean over the batch of log q(z) − Σ_d log q(z_d), by minibatch-weighted sampling (Chen et al. 2018)."""
    # log q(z_i,d | x_j) for every pair (i, j) of the batch: (batch, batch, dims).
    diff = ops.expand_dims(z, 1) - ops.expand_dims(z_mean, 0)
    log_var = ops.expand_dims(z_log_var, 0)
    log_q = -0.5 * (ops.square(diff) * ops.exp(-log_var) + log_var + ops.log(2.0 * np.pi))
    log_nm = ops.log(float(dataset_size) * ops.cast(ops.shape(z)[0], "float32"))
    log_qz = ops.logsumexp(ops.sum(log_q, axis=2), axis=1) - log_nm
    log_prod_qzd = ops.sum(ops.logsumexp(log_q, axis=1) - log_nm, axis=1)
    return ops.mean(log_qz - log_prod_qzd)


class VAE(keras.Model):
    """Trains an encoder/decoder pair on −ELBO = reconstruction + β·KL (Bernoulli likelihood).

    ``tc_weight`` > 0 makes it a β-TCVAE: the KL's total-correlation part weighs ``1 + tc_weight``
    (Chen et al.'s β), estimated on each batch of a dataset of ``dataset_size`` images.
    """

    def __init__(
        self,
        encoder: keras.Model,
        decoder: keras.Model,
        beta: float = 1.0,
        seed: int = 0,
        tc_weight: float = 0.0,
        dataset_size: int = 60_000,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.tc_weight, self.dataset_size = float(tc_weight), int(dataset_size)
        # A variable, not a constant of the traced step: live training changes β while it trains.
        self.beta = keras.Variable(float(beta), trainable=False, dtype="float32", name="beta")
        self.sampling = Sampling(seed=seed)
        names = ("loss", "reconstruction", "kl", "tc") if self.tc_weight else ("loss", "reconstruction", "kl")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, x, training=False):
        z_mean, z_log_var = self.encoder(x, training=training)
        return self.decoder(self.sampling([z_mean, z_log_var]), training=training)

    def _elbo_terms(self, x, training):
        z_mean, z_log_var = self.encoder(x, training=training)
        z = self.sampling([z_mean, z_log_var])
        reconstruction = ops.mean(bernoulli_nll(x, self.decoder(z, training=training)))
        kl = ops.mean(ops.sum(gaussian_kl(z_mean, z_log_var), axis=1))
        loss = reconstruction + self.beta * kl
        if not self.tc_weight:
            return loss, reconstruction, kl
        tc = total_correlation(z, z_mean, z_log_var, self.dataset_size)
        return loss + self.tc_weight * tc, reconstruction, kl, tc

    def _update(self, *values):
        for tracker, value in zip(self.trackers.values(), values):
            tracker.update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            terms = self._elbo_terms(x, training=True)
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(terms[0], weights), weights))
        return self._update(*terms)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update(*self._elbo_terms(x, training=False))

    def state_variables(self) -> list:
        """Everything a resumed run needs (training/run_state.py): weights, optimiser, the sampler's seed."""
        networks = self.encoder.weights + self.decoder.weights
        return [*networks, *self.optimizer.variables, self.sampling.seed_generator.state]
