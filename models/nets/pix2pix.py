"""pix2pix (Isola et al. 2017) between the CycleGAN's two handwriting styles, trained *with* the pairs.

On the test split the CycleGAN is scored against pairs it never saw; on the training split the pairs exist too
(every digit and its 3×3 dilation, ``models.data.styles.embolden``), so the same translation can be learned the
supervised way: a U-Net generator (its skip connections hand the input's strokes straight to the output), a
PatchGAN discriminator that judges (input, output) pairs patch by patch, and an L1 loss to the true image of the
other style, weighted 100 as in the paper. One generator per direction, as the CycleGAN has, so both are scored
the same way (``models.eval.evaluation.evaluate_cyclegan``).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from models.nets.autoencoders import IMAGE_SHAPE

L1_WEIGHT = 100.0  # the paper's λ
PIX2PIX_LOSSES = ("g_adversarial", "l1", "d_loss")  # what the trainer logs (the card's curves)


def _down(h, filters: int, norm: bool = True):
    h = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=not norm)(h)
    return layers.LeakyReLU(0.2)(layers.BatchNormalization()(h) if norm else h)


def unet(name: str, width: int = 16) -> keras.Model:
    """U-Net at 28×28: C w (28×28) – C w (14×14) – C 2w (7×7) – C 4w (7×7, the bottleneck), then transposed
    convolutions back up, each reading its mirror's features (the skips), and at 28×28 one more convolution on
    the full-resolution features; sigmoid output. The 28×28 level is what makes a 3×3 dilation (a max over
    neighbours) easy: without it the strokes had to come back up from 14×14 (docs/DECISIONS.md)."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    e0 = layers.LeakyReLU(0.2)(layers.Conv2D(width, 3, padding="same")(image))  # 28×28×w
    e1 = _down(image, width, norm=False)  # 14×14×w (no batch norm on the first layer, as the paper)
    e2 = _down(e1, 2 * width)  # 7×7×2w
    b = layers.Conv2D(4 * width, 3, padding="same", use_bias=False)(e2)
    b = layers.LeakyReLU(0.2)(layers.BatchNormalization()(b))  # 7×7×4w
    d1 = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(layers.Concatenate()([b, e2]))
    d1 = layers.Dropout(0.5)(layers.ReLU()(layers.BatchNormalization()(d1)))  # 14×14: the paper's noise is dropout
    d2 = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(layers.Concatenate()([d1, e1]))
    d2 = layers.ReLU()(layers.BatchNormalization()(d2))  # 28×28
    d3 = layers.ReLU()(layers.Conv2D(width, 3, padding="same")(layers.Concatenate()([d2, e0])))
    return keras.Model(image, layers.Conv2D(1, 3, padding="same", activation="sigmoid")(d3), name=name)


def patch_discriminator(name: str, width: int = 16) -> keras.Model:
    """PatchGAN on the (source, candidate) pair stacked as two channels: one real/fake logit per patch (7×7)."""
    source = keras.Input(IMAGE_SHAPE, name="source")
    candidate = keras.Input(IMAGE_SHAPE, name="candidate")
    h = _down(layers.Concatenate()([source, candidate]), width, norm=False)  # 14×14
    h = _down(h, 2 * width)  # 7×7
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(layers.Conv2D(4 * width, 3, padding="same")(h)))
    return keras.Model([source, candidate], layers.Conv2D(1, 3, padding="same")(h), name=name)


def pix2pix(width: int = 16) -> tuple[keras.Model, keras.Model, keras.Model, keras.Model]:
    """(G: regular → bold, F: bold → regular, D judging (regular, bold?) pairs, D judging (bold, regular?))."""
    return (
        unet("to_bold", width),
        unet("to_regular", width),
        patch_discriminator("critic_bold", width),
        patch_discriminator("critic_regular", width),
    )


class Pix2Pix(keras.Model):
    """Trains both directions on paired batches ``(regular, bold)``: each generator minimises the non-saturating
    adversarial loss + ``L1_WEIGHT`` × L1 to the true image; each discriminator tells true pairs from made ones."""

    def __init__(self, to_bold, to_regular, critic_bold, critic_regular, **kw):
        super().__init__(**kw)
        self.to_bold, self.to_regular = to_bold, to_regular
        self.critic_bold, self.critic_regular = critic_bold, critic_regular
        self.trackers = {n: keras.metrics.Mean(name=n) for n in PIX2PIX_LOSSES}
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def compile(self, g_optimizer, d_optimizer):
        super().compile()
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def _networks(self):
        return (self.to_bold, self.to_regular, self.critic_bold, self.critic_regular)

    def state_variables(self) -> list:
        """Everything a resumed run must restore: networks, optimisers and the dropout layers' seed states."""
        nets = self._networks()
        variables = [v for net in nets for v in net.weights]
        variables += list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        seeds = [
            layer.seed_generator.state
            for net in nets
            for layer in net.layers
            if getattr(layer, "seed_generator", None) is not None
        ]
        return variables + seeds

    def train_step(self, data):
        regular, bold = data[:2]  # fit gives (regular, bold); train_on_batch(regular, bold) adds a weight slot
        directions = (
            (self.to_bold, self.critic_bold, regular, bold),
            (self.to_regular, self.critic_regular, bold, regular),
        )
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            adversarial = l1 = d_loss = 0.0
            for generator, critic, source, target in directions:
                fake = generator(source, training=True)
                real_logit = critic([source, target], training=True)
                fake_logit = critic([source, fake], training=True)
                adversarial += self.bce(ops.ones_like(fake_logit), fake_logit)
                l1 += ops.mean(ops.abs(fake - target))
                d_loss += 0.5 * (
                    self.bce(ops.ones_like(real_logit), real_logit) + self.bce(ops.zeros_like(fake_logit), fake_logit)
                )
            g_loss = adversarial + L1_WEIGHT * l1
        g_weights = self.to_bold.trainable_weights + self.to_regular.trainable_weights
        d_weights = self.critic_bold.trainable_weights + self.critic_regular.trainable_weights
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_weights), g_weights))
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_weights), d_weights))
        for name, value in (("g_adversarial", adversarial), ("l1", l1), ("d_loss", d_loss)):
            self.trackers[name].update_state(value)
        return {n: t.result() for n, t in self.trackers.items()}
