"""Custom layers and regularizers of the zoo.

Every class here is a registered Keras serializable with a complete ``get_config``, so a
checkpoint that contains it loads with ``safe_mode=True`` (no ``Lambda``, no pickles).
"""

from __future__ import annotations

import keras
from keras import ops

PACKAGE = "latent_lab"


@keras.saving.register_keras_serializable(package=PACKAGE)
class DenseTranspose(keras.layers.Layer):
    """Dense layer that reuses the transposed kernel of another ``Dense`` (tied weights).

    While training, the kernel *is* the tied layer's kernel, so encoder and decoder share
    it. The kernel is also saved with this layer, so a checkpoint is self-contained: after
    loading, the layer owns a copy of the (identical) kernel and gives identical outputs.
    """

    def __init__(self, units: int, tied_to: keras.layers.Dense | None = None, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        # A plain reference, not a tracked sub-layer: the tied kernel belongs to the encoder.
        object.__setattr__(self, "_tied_to", tied_to)

    def build(self, input_shape):
        input_dim = int(input_shape[-1])
        if self._tied_to is None:
            self.own_kernel = self.add_weight(
                name="kernel", shape=(self.units, input_dim), initializer="glorot_uniform"
            )
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    @property
    def kernel(self):
        return self._tied_to.kernel if self._tied_to is not None else self.own_kernel

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.kernel)) + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def save_own_variables(self, store):
        store["0"] = ops.convert_to_numpy(self.kernel)
        store["1"] = ops.convert_to_numpy(self.bias)

    def load_own_variables(self, store):
        self.kernel.assign(store["0"])
        self.bias.assign(store["1"])

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": keras.activations.serialize(self.activation)}


@keras.saving.register_keras_serializable(package=PACKAGE)
class Sampling(keras.layers.Layer):
    """Reparameterisation trick: z = mean + exp(log_var / 2) * eps, eps ~ N(0, I).

    Draws its noise from a seeded ``SeedGenerator`` so training runs are reproducible.
    """

    def __init__(self, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class ClippedGaussianNoise(keras.layers.Layer):
    """Adds N(0, stddev²) to pixels in [0, 1] and clips back to [0, 1]; active only in training."""

    def __init__(self, stddev: float, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        noise = keras.random.normal(ops.shape(inputs), stddev=self.stddev, seed=self.seed_generator)
        return ops.clip(inputs + noise, 0.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskingNoise(keras.layers.Layer):
    """Dropout noise on the input image: zeroes each pixel with probability ``rate``.

    Unlike ``keras.layers.Dropout`` it does not rescale the kept pixels, so a noisy image
    keeps the brightness of the clean one. Active only in training.
    """

    def __init__(self, rate: float, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = int(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return ops.where(keep, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package=PACKAGE)
class KLSparsity(keras.layers.Layer):
    """Identity layer that adds weight · Σ_units KL(target ‖ mean activation) as a loss.

    A layer rather than an ``activity_regularizer`` because Keras divides activity
    regularisation by the batch size, which would shrink a penalty on batch means.
    """

    def __init__(self, weight: float = 0.05, target: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.weight = float(weight)
        self.target = float(target)

    def call(self, activations):
        mean = ops.clip(ops.mean(activations, axis=0), 1e-7, 1.0 - 1e-7)
        self.add_loss(self.weight * ops.sum(bernoulli_kl(self.target, mean)))
        return activations

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "weight": self.weight, "target": self.target}


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinibatchStdDev(keras.layers.Layer):
    """Appends one channel holding the batch's mean standard deviation (Karras et al. 2018, ProGAN).

    A discriminator that sees how varied a batch is can tell a collapsed generator's batch (every
    sample alike) from a real one, so the generator is pushed to cover all the modes: the cheap lever
    against the DCGAN dropping whole classes. One image alone gets a zero channel (no NaN).
    """

    def call(self, features):
        std = ops.sqrt(ops.var(features, axis=0) + 1e-8)
        shape = ops.shape(features)
        channel = ops.ones((shape[0], shape[1], shape[2], 1), dtype=features.dtype) * ops.mean(std)
        return ops.concatenate([features, channel], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)


def bernoulli_kl(p, q):
    """KL(Bernoulli(p) ‖ Bernoulli(q)), element-wise."""
    return p * ops.log(p / q) + (1.0 - p) * ops.log((1.0 - p) / (1.0 - q))


CUSTOM_OBJECTS = {
    cls.__name__: cls
    for cls in (DenseTranspose, Sampling, ClippedGaussianNoise, MaskingNoise, KLSparsity, MinibatchStdDev)
}
