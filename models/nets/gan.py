"""DCGAN and class-conditional GAN: builders and the composite model that trains them.

Levers the trainer offers, each cheap on a CPU (which model uses which, and what each was measured to buy:
docs/DECISIONS.md):
- an exponential moving average of the generator's weights (Yazıcı et al. 2019): when on, the EMA generator
  is what the checkpoint ships and its card also scores the raw one (``ablation``);
- the non-saturating loss with one-sided label smoothing (real target 0.9, Salimans et al. 2016);
- a minibatch-standard-deviation channel in the DCGAN's discriminator (``models.nets.layers.MinibatchStdDev``,
  Karras et al. 2018): seeing each batch's variety, it punishes a generator that drops classes;
- a class head on the DCGAN's discriminator, trained on real labels, whose reading of the fakes the
  unconditional generator is trained to make confident and balanced over the batch (the CatGAN terms,
  ``GAN.class_balance``);
- generators twice as wide as their discriminators (``g_width``);
- training resumable epoch by epoch (``training/run_state.py``);
- the conditional GAN's discriminator has an *auxiliary classifier* head (AC-GAN, Odena et al. 2017): the
  generator is also trained to make that head read the class it was asked for.

Each network has its own optimiser; ``train_step`` differentiates only with respect to the network
being updated, so no ``trainable = False`` re-compile trick is needed.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from models.nets.autoencoders import IMAGE_SHAPE
from models.nets.layers import MinibatchStdDev

NUM_CLASSES = 10


def generator_loss(fake_logit, saturating=0.0):
    """The generator's loss on the discriminator's logits of its fakes (D = sigmoid(logit)).

    The minimax game min_G max_D E[log D(x)] + E[log(1 − D(G(z)))] gives the generator the *saturating* loss
    log(1 − D(G(z))) = −softplus(logit): early on, when D rejects every fake (D(G(z)) ≈ 0), its gradient −D
    vanishes and the generator learns nothing. The *non-saturating* loss −log D(G(z)) = softplus(−logit)
    (Goodfellow et al. 2014) has the same fixed point but a gradient −(1 − D) ≈ −1 there. ``saturating`` (0 or 1,
    a variable so live training switches it without re-tracing) picks one; both are batch means.
    """
    non_saturating = ops.mean(ops.softplus(-fake_logit))
    minimax = -ops.mean(ops.softplus(fake_logit))
    return saturating * minimax + (1.0 - saturating) * non_saturating


def _generator_body(h, width: int):
    h = layers.Dense(7 * 7 * 2 * width, use_bias=False)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    h = layers.Reshape((7, 7, 2 * width))(h)
    h = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))  # 14×14
    return layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(h)  # 28×28


def _discriminator_features(h, width: int, name: str = "features", minibatch_std: bool = False):
    h = layers.LeakyReLU(0.2)(layers.Conv2D(width, 4, strides=2, padding="same")(h))
    h = layers.Dropout(0.3)(h)
    h = layers.LeakyReLU(0.2)(layers.Conv2D(2 * width, 4, strides=2, padding="same")(h))
    h = layers.Dropout(0.3)(h)
    if minibatch_std:
        h = MinibatchStdDev()(h)
    return layers.Flatten(name=name)(h)


def dcgan(
    noise_dim: int = 64,
    width: int = 32,
    g_width: int | None = None,
    minibatch_std: bool = False,
    class_head: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """DCGAN sized for a CPU: transposed-conv generator, strided-conv discriminator (logit output).

    ``g_width`` widens the generator alone (its convolutions cost little here); ``minibatch_std`` lets the
    discriminator see each batch's variety (``models.nets.layers.MinibatchStdDev``); ``class_head`` adds class
    logits on the discriminator's shared features (outputs ``[logit, class_logits]``), trained on real
    labels, which the generator's class-balance terms read (``GAN``'s ``class_balance``).
    """
    z = keras.Input((noise_dim,), name="z")
    generator = keras.Model(z, _generator_body(z, g_width or width), name="generator")
    image = keras.Input(IMAGE_SHAPE, name="image")
    features = _discriminator_features(image, width, minibatch_std=minibatch_std)
    logit = layers.Dense(1, name="logit")(features)
    outputs = [logit, layers.Dense(NUM_CLASSES, name="class_logits")(features)] if class_head else logit
    discriminator = keras.Model(image, outputs, name="discriminator")
    return generator, discriminator


def conditional_gan(
    noise_dim: int = 64,
    width: int = 32,
    embed_dim: int = 16,
    g_width: int | None = None,
    minibatch_std: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """Generator reads [z, label]; discriminator reads [image, label] (the label as a learned second image
    channel) and returns [real/fake logit, class logits of its auxiliary head]. ``g_width`` and
    ``minibatch_std`` as in ``dcgan``."""
    z = keras.Input((noise_dim,), name="z")
    label = keras.Input((1,), dtype="int32", name="label")
    label_code = layers.Flatten()(layers.Embedding(NUM_CLASSES, embed_dim)(label))
    body = _generator_body(layers.Concatenate()([z, label_code]), g_width or width)
    generator = keras.Model([z, label], body, name="generator")
    image = keras.Input(IMAGE_SHAPE, name="image")
    d_label = keras.Input((1,), dtype="int32", name="label")
    label_plane = layers.Reshape(IMAGE_SHAPE)(layers.Embedding(NUM_CLASSES, 28 * 28)(d_label))
    features = _discriminator_features(layers.Concatenate()([image, label_plane]), width, minibatch_std=minibatch_std)
    logit = layers.Dense(1, name="logit")(features)
    # The auxiliary head sees the image only: it must say which class is drawn, not echo the label channel.
    image_features = _discriminator_features(image, width // 2, name="class_features")
    class_logits = layers.Dense(NUM_CLASSES, name="class_logits")(image_features)
    discriminator = keras.Model([image, d_label], [logit, class_logits], name="discriminator")
    return generator, discriminator


def dense_gan(noise_dim: int = 30) -> tuple[keras.Model, keras.Model]:
    """HOML ch. 17's first GAN: a dense SELU generator 30-100-150-784 and discriminator 784-150-100-1 (logit).
    Small enough to train live in front of a class."""
    z = keras.Input((noise_dim,), name="z")
    h = layers.Dense(150, activation="selu")(layers.Dense(100, activation="selu")(z))
    generator = keras.Model(
        z, layers.Reshape(IMAGE_SHAPE)(layers.Dense(784, activation="sigmoid")(h)), name="generator"
    )
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.Dense(100, activation="selu")(layers.Dense(150, activation="selu")(layers.Flatten()(image)))
    return generator, keras.Model(image, layers.Dense(1)(h), name="discriminator")


def points_gan(noise_dim: int = 2, width: int = 64) -> tuple[keras.Model, keras.Model]:
    """GAN Lab's networks: noise → two ReLU layers → a 2-D point, and a 2-D point → two ReLU layers → a logit."""
    z = keras.Input((noise_dim,), name="z")
    h = layers.Dense(width, activation="relu")(layers.Dense(width, activation="relu")(z))
    generator = keras.Model(z, layers.Dense(2)(h), name="generator")
    point = keras.Input((2,), name="point")
    h = layers.Dense(width, activation="relu")(layers.Dense(width, activation="relu")(point))
    return generator, keras.Model(point, layers.Dense(1)(h), name="discriminator")


class GAN(keras.Model):
    """Adversarial training with the non-saturating loss (or, for the lesson, the saturating one: ``saturating``)
    and an EMA copy of the generator.

    ``conditional=True`` feeds labels to both networks and, when the discriminator has a class head,
    adds the auxiliary-classifier losses (discriminator: classify real images; generator: make the
    discriminator read the asked class in its fakes).

    An unconditional generator whose discriminator has a class head (trained on real labels, so its
    features know the classes: Salimans et al. 2016) gets the CatGAN terms (Springenberg 2016), weighted by
    ``class_balance``: each fake should read as *one* class (low entropy of the head's prediction: no
    strokes halfway between two digits) and the batch as *all* classes evenly (high entropy of the batch's
    mean prediction: no class dropped).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        noise_dim: int,
        conditional: bool = False,
        seed: int = 0,
        ema_decay: float = 0.0,
        label_smoothing: float = 0.0,
        aux_weight: float = 1.0,
        class_balance: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.noise_dim, self.conditional = noise_dim, conditional
        self.ema_decay, self.real_target, self.aux_weight = ema_decay, 1.0 - label_smoothing, aux_weight
        self.class_balance = class_balance
        # A discriminator that ends in a sigmoid (the course's DCGAN) outputs a probability, not a logit.
        self.probabilities = getattr(discriminator.layers[-1], "activation", None) is keras.activations.sigmoid
        # 1.0: the minimax game's saturating generator loss (``generator_loss``); a variable: live training flips it.
        self.saturating = keras.Variable(0.0, trainable=False, dtype="float32", name="saturating")
        # Real labels feed the discriminator's class head even when the generator draws unconditionally.
        self.uses_labels = conditional or len(discriminator.outputs) == 2
        self.ema_generator = keras.models.clone_model(generator) if ema_decay else None
        if self.ema_generator is not None:
            self.ema_generator.set_weights(generator.get_weights())
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = ["d_loss", "g_loss", "d_real", "d_fake"] + (["aux_accuracy"] if conditional else [])
        names += ["fake_class_entropy", "batch_class_entropy"] if class_balance and not conditional else []
        self.trackers = {n: keras.metrics.Mean(name=n) for n in names}

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.cce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def shipped_generator(self) -> keras.Model:
        """The generator that goes into the checkpoint: the EMA copy when there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def _generate(self, batch, labels, training):
        z = keras.random.normal((batch, self.noise_dim), seed=self.seed_generator)
        inputs = [z, labels] if self.conditional else z
        return self.generator(inputs, training=training)

    def _discriminate(self, images, labels, training):
        inputs = [images, labels] if self.conditional else images
        out = self.discriminator(inputs, training=training)
        if isinstance(out, (list, tuple)):
            return out[0], out[1]
        if self.probabilities:  # back to the logit, clipped as Keras' cross-entropy on probabilities clips
            p = ops.clip(out, 1e-7, 1.0 - 1e-7)
            return ops.log(p) - ops.log1p(-p), None
        return out, None

    def _aux_loss(self, class_logits, labels):
        if class_logits is None or labels is None:
            return 0.0
        return self.aux_weight * self.cce(ops.reshape(labels, (-1,)), class_logits)

    def _class_balance_loss(self, class_logits) -> tuple:
        """CatGAN's generator terms: (class_balance × (per-fake class entropy − entropy of the batch's mean
        class), the per-fake entropy, the batch's entropy)."""
        probs = ops.softmax(class_logits, axis=-1)
        per_fake = ops.mean(-ops.sum(probs * ops.log(probs + 1e-8), axis=-1))
        mean = ops.mean(probs, axis=0)
        batch = -ops.sum(mean * ops.log(mean + 1e-8))
        return self.class_balance * (per_fake - batch), per_fake, batch

    def train_step(self, data):
        real, labels = data if isinstance(data, tuple) else (data, None)
        batch = ops.shape(real)[0]
        # 1. Discriminator: real → 0.9 (one-sided smoothing), fake → 0; its class head reads real labels.
        fake = self._generate(batch, labels, training=True)
        with tf.GradientTape() as tape:
            real_logit, real_classes = self._discriminate(real, labels, training=True)
            fake_logit, _ = self._discriminate(fake, labels, training=True)
            d_loss = (
                self.bce(ops.full_like(real_logit, self.real_target), real_logit)
                + self.bce(ops.zeros_like(fake_logit), fake_logit)
                + self._aux_loss(real_classes, labels)
            )
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights))
        # 2. Generator: make the discriminator say "real" (and read the asked class) on fresh fakes.
        with tf.GradientTape() as tape:
            fake_logit, fake_classes = self._discriminate(
                self._generate(batch, labels, training=True), labels, training=True
            )
            g_loss = generator_loss(fake_logit, self.saturating)
            entropies = None
            if self.conditional:
                g_loss += self._aux_loss(fake_classes, labels)
            elif self.class_balance and fake_classes is not None:
                balance, *entropies = self._class_balance_loss(fake_classes)
                g_loss += balance
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights))
        # 3. EMA generator: weights (and batch-norm statistics) follow the trained one slowly.
        if self.ema_generator is not None:
            for ema, current in zip(self.ema_generator.weights, self.generator.weights):
                ema.assign(self.ema_decay * ema + (1.0 - self.ema_decay) * current)
        updates = [
            ("d_loss", d_loss),
            ("g_loss", g_loss),
            ("d_real", ops.mean(ops.sigmoid(real_logit))),
            ("d_fake", ops.mean(ops.sigmoid(fake_logit))),
        ]
        if "aux_accuracy" in self.trackers and fake_classes is not None:
            hits = ops.equal(ops.argmax(fake_classes, axis=-1), ops.cast(ops.reshape(labels, (-1,)), "int64"))
            updates.append(("aux_accuracy", ops.mean(ops.cast(hits, "float32"))))
        if entropies is not None:
            updates += [("fake_class_entropy", entropies[0]), ("batch_class_entropy", entropies[1])]
        for name, value in updates:
            self.trackers[name].update_state(value)
        return {n: t.result() for n, t in self.trackers.items()}


def course_dcgan(noise_dim: int = 32) -> tuple[keras.Model, keras.Model]:
    """The course notes' DCGAN as written there. Discriminator: three 5×5 stride-2 convolutions of 64, 128 and 256
    filters, each with LeakyReLU and dropout 0.4, then one sigmoid unit. Generator: Dense 7·7·64 with batch norm
    (momentum 0.9) and LeakyReLU, then twice upsampling + a 5×5 transposed convolution (32, then 16 filters) with
    batch norm and LeakyReLU, and a 5×5 transposed convolution to one sigmoid channel. (The discriminator's
    output is a probability: ``GAN`` reads it back as a logit.)"""
    z = keras.Input((noise_dim,), name="z")
    h = layers.Dense(7 * 7 * 64)(z)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization(momentum=0.9)(h))
    h = layers.Reshape((7, 7, 64))(h)
    for filters in (32, 16):  # 7×7 → 14×14 → 28×28
        h = layers.Conv2DTranspose(filters, 5, padding="same")(layers.UpSampling2D(2)(h))
        h = layers.LeakyReLU(0.2)(layers.BatchNormalization(momentum=0.9)(h))
    image_out = layers.Conv2DTranspose(1, 5, padding="same", activation="sigmoid")(h)
    generator = keras.Model(z, image_out, name="generator")
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = image
    for filters in (64, 128, 256):  # 28×28 → 14×14 → 7×7 → 4×4
        h = layers.Dropout(0.4)(layers.LeakyReLU(0.2)(layers.Conv2D(filters, 5, strides=2, padding="same")(h)))
    probability = layers.Dense(1, activation="sigmoid", name="probability")(layers.Flatten()(h))
    return generator, keras.Model(image, probability, name="discriminator")
