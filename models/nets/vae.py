"""Variational autoencoders: encoder/decoder builders and the composite model that trains them."""

from __future__ import annotations

import keras
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


def dense_vae(latent_dim: int = 10, hidden: tuple[int, ...] = (256, 128)) -> tuple[keras.Model, keras.Model]:
    """Dense VAE: encoder outputs (z_mean, z_log_var); decoder maps z to pixel probabilities."""
    image = keras.Input(IMAGE_SHAPE, name="image")
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
    out = layers.Reshape(IMAGE_SHAPE)(layers.Dense(784, activation="sigmoid")(h))
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


class VAE(keras.Model):
    """Trains an encoder/decoder pair on −ELBO = reconstruction + β·KL (Bernoulli likelihood)."""

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        # A variable, not a constant of the traced step: live training changes β while it trains.
        self.beta = keras.Variable(float(beta), trainable=False, dtype="float32", name="beta")
        self.sampling = Sampling(seed=seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "reconstruction", "kl")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, x, training=False):
        z_mean, z_log_var = self.encoder(x, training=training)
        return self.decoder(self.sampling([z_mean, z_log_var]), training=training)

    def _elbo_terms(self, x, training):
        z_mean, z_log_var = self.encoder(x, training=training)
        x_hat = self.decoder(self.sampling([z_mean, z_log_var]), training=training)
        reconstruction = ops.mean(bernoulli_nll(x, x_hat))
        kl = ops.mean(ops.sum(gaussian_kl(z_mean, z_log_var), axis=1))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _update(self, loss, reconstruction, kl):
        for name, value in zip(("loss", "reconstruction", "kl"), (loss, reconstruction, kl)):
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            loss, reconstruction, kl = self._elbo_terms(x, training=True)
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._update(loss, reconstruction, kl)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._update(*self._elbo_terms(x, training=False))
