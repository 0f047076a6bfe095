"""DCGAN and class-conditional GAN: builders and the composite model that trains them.

Each network has its own optimiser; ``train_step`` updates the discriminator, then the
generator, differentiating only with respect to the network being updated (so no
``trainable = False`` re-compile trick is needed).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from models.autoencoders import IMAGE_SHAPE

NUM_CLASSES = 10


def _generator_body(h, width: int):
    h = layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))                     # 14×14
    return layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(h)  # 28×28


def _discriminator_body(h, width: int):
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(h))
    h = layers.Dropout(0.3)(h)
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, strides=2, padding="same")(h))
    h = layers.Dropout(0.3)(h)
    return layers.Dense(1, name="logit")(layers.Flatten()(h))


def dcgan(noise_dim: int = 64, width: int = 32) -> tuple[keras.Model, keras.Model]:
    """DCGAN sized for a CPU: transposed-conv generator, strided-conv discriminator (logit output)."""
    z = keras.Input((noise_dim,), name="z")
    generator = keras.Model(z, _generator_body(z, width), name="generator")
    image = keras.Input(IMAGE_SHAPE, name="image")
    discriminator = keras.Model(image, _discriminator_body(image, width), name="discriminator")
    return generator, discriminator


def conditional_gan(noise_dim: int = 64, width: int = 32, embed_dim: int = 16) -> tuple[keras.Model, keras.Model]:
    """Class-conditional GAN: both networks also read the class label (learned embeddings)."""
    z = keras.Input((noise_dim,), name="z")
    label = keras.Input((1,), dtype="int32", name="label")
    label_code = layers.Flatten()(layers.Embedding(NUM_CLASSES, embed_dim)(label))
    generator = keras.Model([z, label], _generator_body(layers.Concatenate()([z, label_code]), width),
                            name="generator")
    image = keras.Input(IMAGE_SHAPE, name="image")
    d_label = keras.Input((1,), dtype="int32", name="label")
    label_plane = layers.Reshape(IMAGE_SHAPE)(layers.Embedding(NUM_CLASSES, 28 * 28)(d_label))
    h = layers.Concatenate()([image, label_plane])
    discriminator = keras.Model([image, d_label], _discriminator_body(h, width), name="discriminator")
    return generator, discriminator


class GAN(keras.Model):
    """Adversarial training with the non-saturating loss; conditional when ``conditional=True``."""

    def __init__(self, generator: keras.Model, discriminator: keras.Model, noise_dim: int,
                 conditional: bool = False, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.noise_dim, self.conditional = noise_dim, conditional
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in ("d_loss", "g_loss", "d_real", "d_fake")}

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _generate(self, batch, labels, training):
        z = keras.random.normal((batch, self.noise_dim), seed=self.seed_generator)
        inputs = [z, labels] if self.conditional else z
        return self.generator(inputs, training=training)

    def _discriminate(self, images, labels, training):
        inputs = [images, labels] if self.conditional else images
        return self.discriminator(inputs, training=training)

    def train_step(self, data):
        real, labels = data if isinstance(data, tuple) else (data, None)
        batch = ops.shape(real)[0]
        # 1. Discriminator: real → 1, fake → 0.
        fake = self._generate(batch, labels, training=True)
        with tf.GradientTape() as tape:
            real_logit = self._discriminate(real, labels, training=True)
            fake_logit = self._discriminate(fake, labels, training=True)
            d_loss = (self.bce(ops.ones_like(real_logit), real_logit)
                      + self.bce(ops.zeros_like(fake_logit), fake_logit))
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        # 2. Generator: make the discriminator say 1 on fresh fakes.
        with tf.GradientTape() as tape:
            fake_logit = self._discriminate(self._generate(batch, labels, training=True), labels, training=True)
            g_loss = self.bce(ops.ones_like(fake_logit), fake_logit)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss),
                            ("d_real", ops.mean(ops.sigmoid(real_logit))),
                            ("d_fake", ops.mean(ops.sigmoid(fake_logit)))):
            self.trackers[name].update_state(value)
        return {n: t.result() for n, t in self.trackers.items()}
