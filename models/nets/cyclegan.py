"""CycleGAN (Zhu et al. 2017) between two 28×28 handwriting styles: regular ↔ bold MNIST digits.

Why these domains: the course shows horse ↔ zebra, a change of *style* that keeps the *content*. Bold
strokes are made from MNIST by a 3×3 dilation (``embolden``) applied to one half of the training set only;
the other half stays regular, so no digit is ever seen in both styles and the pairs are never given. On the
test split the pairs *are* known, which lets the card score the translation against the truth that training
never saw.

The paper's recipe scaled to 28×28: residual generators (G: regular → bold, F: bold → regular), PatchGAN
discriminators, the least-squares adversarial loss, cycle consistency (weight 10), an identity loss, a
50-image history of generated images for the discriminators, and a learning rate constant for the first half
of the run and decaying linearly to zero over the second.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf
from keras import layers, ops

from models.data.styles import LOSSES
from models.nets.autoencoders import IMAGE_SHAPE

CYCLE_WEIGHT = 10.0
# Why small and fading: the identity loss asks G(bold) = bold, but making a bold digit bolder is exactly G's
# job, so at the paper's 0.5 × 10 it held G near the identity; it only steadies the first steps here.
IDENTITY_WEIGHT = 0.5
IDENTITY_FADE_FRACTION = 0.25  # of the run's steps: linearly to zero by then
HISTORY_SIZE = 50


def _residual_block(h, width: int):
    r = layers.ReLU()(layers.Conv2D(width, 3, padding="same")(h))
    return layers.Add()([h, layers.Conv2D(width, 3, padding="same")(r)])


def _generator(name: str, width: int, blocks: int) -> keras.Model:
    """c7s1-w, d2w, residual blocks at 14×14, u w, c7s1-1 (the paper's ResNet generator at 28×28).

    It draws a *change* to its input (a correction in [−1, 1], zero at the start, the sum clipped to [0, 1]):
    a generator starts as the identity and only has to learn the change of style.
    """
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.ReLU()(layers.Conv2D(width, 7, padding="same")(image))
    h = layers.ReLU()(layers.Conv2D(2 * width, 3, strides=2, padding="same")(h))  # 14×14
    for _ in range(blocks):
        h = _residual_block(h, 2 * width)
    h = layers.ReLU()(layers.Conv2DTranspose(width, 3, strides=2, padding="same")(h))  # 28×28
    h = layers.Concatenate()([h, image])  # the last layer sees the input's exact strokes
    change = layers.Conv2D(1, 7, padding="same", activation="tanh", kernel_initializer="zeros")(h)
    out = layers.ReLU(max_value=1.0)(layers.Add()([image, change]))
    return keras.Model(image, out, name=name)


def _discriminator(name: str, width: int) -> keras.Model:
    """PatchGAN: C w – C 2w – C 4w, one real/fake score per overlapping patch of the 7×7 grid."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(image))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, strides=2, padding="same")(h))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(4 * width, 3, padding="same")(h))
    return keras.Model(image, layers.Conv2D(1, 3, padding="same")(h), name=name)


def cyclegan(width: int = 16, blocks: int = 3) -> tuple[keras.Model, keras.Model, keras.Model, keras.Model]:
    """(G: regular → bold, F: bold → regular, D_regular, D_bold)."""
    return (
        _generator("to_bold", width, blocks),
        _generator("to_regular", width, blocks),
        _discriminator("critic_regular", 2 * width),
        _discriminator("critic_bold", 2 * width),
    )


@keras.saving.register_keras_serializable(package="latent_lab")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The paper's schedule: ``rate`` for the first half of ``total_steps``, then linearly to zero."""

    def __init__(self, rate: float, total_steps: int):
        self.rate, self.total_steps = float(rate), int(total_steps)

    def __call__(self, step):
        half = self.total_steps / 2
        done = ops.clip((ops.cast(step, "float32") - half) / max(half, 1.0), 0.0, 1.0)
        return self.rate * (1.0 - done)

    def get_config(self) -> dict:
        return {"rate": self.rate, "total_steps": self.total_steps}


class ImageHistory:
    """The paper's pool (Shrivastava et al. 2017): the discriminators see, half of the time, a generated image
    from earlier steps instead of the newest, so the generators cannot chase a discriminator that only
    remembers their last move. Its contents are variables (saved with the run state)."""

    def __init__(self, name: str, seed: int, size: int = HISTORY_SIZE):
        self.images = tf.Variable(tf.zeros((size, *IMAGE_SHAPE)), trainable=False, name=f"{name}_images")
        self.filled = tf.Variable(0, trainable=False, name=f"{name}_filled")
        self.seed = keras.random.SeedGenerator(seed, name=f"{name}_seed")
        self.size = size

    @property
    def variables(self) -> list:
        return [self.images, self.filled, self.seed.state]

    def query(self, fakes):
        """Each image of ``fakes``: kept while the pool fills; then, with probability ½, swapped for a stored
        one (which it replaces)."""
        n = tf.shape(fakes)[0]
        slots = keras.random.randint((n,), 0, self.size, seed=self.seed)
        coin = keras.random.uniform((n,), seed=self.seed) < 0.5
        full = self.filled >= self.size
        swap = tf.logical_and(coin, full)
        stored = tf.gather(self.images, slots)
        out = tf.where(swap[:, None, None, None], stored, fakes)
        # While filling: write into the next free slots; once full: the swapped images replace what they took.
        fill_slots = tf.minimum(self.filled + tf.range(n), self.size - 1)
        write_slots = tf.where(full, slots, fill_slots)
        write = tf.logical_or(swap, tf.logical_not(full))
        self.images.scatter_nd_update(tf.boolean_mask(write_slots, write)[:, None], tf.boolean_mask(fakes, write))
        self.filled.assign(tf.minimum(self.filled + n, self.size))
        return out


Translate = Callable[[tf.Tensor], tf.Tensor]


def cycle_consistency_loss(to_b: Translate, to_a: Translate, a, b, translated=None):
    """Mean ‖F(G(a)) − a‖₁ + mean ‖G(F(b)) − b‖₁: zero exactly when each round trip returns its input.
    ``translated``: (G(a), F(b)) when the caller already has them (the trainer: no second forward pass)."""
    there_b, there_a = translated if translated is not None else (to_b(a), to_a(b))
    return ops.mean(ops.abs(to_a(there_b) - a)) + ops.mean(ops.abs(to_b(there_a) - b))


def identity_loss(to_b: Translate, to_a: Translate, a, b):
    """Mean ‖G(b) − b‖₁ + mean ‖F(a) − a‖₁: a generator shown its own target style should leave it alone."""
    return ops.mean(ops.abs(to_b(b) - b)) + ops.mean(ops.abs(to_a(a) - a))


def _least_squares(scores, target: float):
    return ops.mean(ops.square(scores - target))


class CycleGAN(keras.Model):
    """Trains both generators and both discriminators on unpaired batches ``(a, b)``."""

    def __init__(self, to_bold, to_regular, critic_regular, critic_bold, total_steps: int = 1, seed: int = 0, **kw):
        super().__init__(**kw)
        self.to_bold, self.to_regular = to_bold, to_regular
        self.critic_regular, self.critic_bold = critic_regular, critic_bold
        self.total_steps = max(int(total_steps), 1)
        self.trackers = {n: keras.metrics.Mean(name=n) for n in LOSSES}
        self.history_regular = ImageHistory("history_regular", seed)
        self.history_bold = ImageHistory("history_bold", seed + 1)

    def compile(self, g_optimizer, d_optimizer):
        super().compile()
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    @property
    def metrics(self):
        return list(self.trackers.values())

    def state_variables(self) -> list:
        """Everything a resumed run must restore: networks, optimisers, the two image histories."""
        nets = (self.to_bold, self.to_regular, self.critic_regular, self.critic_bold)
        variables = [v for net in nets for v in net.weights]
        variables += list(self.g_optimizer.variables) + list(self.d_optimizer.variables)
        return variables + self.history_regular.variables + self.history_bold.variables

    def identity_weight(self):
        """IDENTITY_WEIGHT at the first step, fading linearly to zero at IDENTITY_FADE_FRACTION of the run."""
        done = ops.cast(self.g_optimizer.iterations, "float32") / (IDENTITY_FADE_FRACTION * self.total_steps)
        return IDENTITY_WEIGHT * ops.clip(1.0 - done, 0.0, 1.0)

    def train_step(self, data):
        a, b = data
        G = lambda x: self.to_bold(x, training=True)  # noqa: E731
        F = lambda x: self.to_regular(x, training=True)  # noqa: E731
        identity_weight = self.identity_weight()
        with tf.GradientTape() as tape:
            fake_b, fake_a = G(a), F(b)
            adversarial = _least_squares(self.critic_bold(fake_b), 1.0) + _least_squares(
                self.critic_regular(fake_a), 1.0
            )
            cycle = cycle_consistency_loss(G, F, a, b, translated=(fake_b, fake_a))
            identity = identity_loss(G, F, a, b)
            g_loss = adversarial + CYCLE_WEIGHT * cycle + identity_weight * identity
        g_weights = self.to_bold.trainable_weights + self.to_regular.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        pooled_a = self.history_regular.query(tf.stop_gradient(fake_a))
        pooled_b = self.history_bold.query(tf.stop_gradient(fake_b))
        with tf.GradientTape() as tape:
            d_loss = 0.5 * (
                _least_squares(self.critic_regular(a), 1.0)
                + _least_squares(self.critic_regular(pooled_a), 0.0)
                + _least_squares(self.critic_bold(b), 1.0)
                + _least_squares(self.critic_bold(pooled_b), 0.0)
            )
        d_weights = self.critic_regular.trainable_weights + self.critic_bold.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        for name, value in (
            ("g_adversarial", adversarial),
            ("cycle", cycle),
            ("identity", identity),
            ("d_loss", d_loss),
        ):
            self.trackers[name].update_state(value)
        return {n: t.result() for n, t in self.trackers.items()}


def translation_bundle(to_bold: keras.Model, to_regular: keras.Model, name: str = "cyclegan") -> keras.Model:
    """What the checkpoint ships: both generators side by side (no discriminators, no optimiser); the pix2pix
    ships the same way."""
    regular = keras.Input(IMAGE_SHAPE, name="regular")
    bold = keras.Input(IMAGE_SHAPE, name="bold")
    return keras.Model([regular, bold], [to_bold(regular), to_regular(bold)], name=name)
