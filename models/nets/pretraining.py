"""Unsupervised pretraining (HOML 17.3.4): a classifier that reuses an autoencoder's lower layer.

With few labels, a network trained from scratch has little to learn from; the stacked autoencoder's first
layer (784 → 100, SELU) already learned features of *all* 60,000 unlabelled images. The classifier here is
that layer, a 64-unit hidden layer and a softmax: trained from random weights (scratch), or starting from the
autoencoder's layer kept frozen, or fine-tuned. A pretrained layer's outputs are standardised with their mean
and variance over the unlabelled images (no labels needed); without it the SELU features' scale (mean ≈ 5)
stalled the small head in the few hundred steps each point gets.

Reusing a layer as the book does gains little here (±2 points): a small network from scratch already
learns those features from a few labels. What makes the unlabelled images pay is their *neighbourhoods*:
``spread_labels`` lets the few labels flow to the nearest neighbours among all 60,000 training images, in
the convolutional autoencoder's code space (``models/eval/label_spreading.py``).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

VARIANTS = ("scratch", "frozen", "fine_tuned")
HEAD_UNITS = 64


def reused_layer(encoder: keras.Model) -> keras.layers.Dense:
    """The encoder's first dense layer (784 → 100), the part of the autoencoder a classifier reuses."""
    return next(layer for layer in encoder.layers if isinstance(layer, keras.layers.Dense))


def feature_statistics(encoder: keras.Model, unlabelled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the reused layer's outputs over unlabelled images (float, (N, 28, 28, 1))."""
    layer = reused_layer(encoder)
    lower = keras.Model(encoder.inputs, layer.output)
    features = np.concatenate(
        [np.asarray(lower.predict_on_batch(unlabelled[i : i + 4096])) for i in range(0, len(unlabelled), 4096)]
    )
    return features.mean(axis=0), features.var(axis=0)


def few_label_classifier(
    variant: str, encoder: keras.Model | None = None, statistics: tuple[np.ndarray, np.ndarray] | None = None
) -> keras.Model:
    """784 → 100 SELU (random, or the encoder's frozen / fine-tuned) → 64 ReLU → 10 softmax."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    image = keras.Input((28, 28, 1), name="image")
    first = keras.layers.Dense(100, activation="selu", kernel_initializer="lecun_normal", name="lower")
    h = first(keras.layers.Flatten()(image))
    if variant != "scratch":
        if encoder is None or statistics is None:
            raise ValueError("a pretrained variant needs the encoder and its feature statistics")
        first.set_weights(reused_layer(encoder).get_weights())
        first.trainable = variant == "fine_tuned"
        h = keras.layers.Normalization(mean=statistics[0], variance=statistics[1])(h)
    h = keras.layers.Dense(HEAD_UNITS, activation="relu")(h)
    return keras.Model(image, keras.layers.Dense(10, activation="softmax")(h), name=f"classifier_{variant}")


def fit_few_labels(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, seed: int) -> keras.Model:
    """Adam (1e-3) for a fixed number of steps on batches of up to 32 labelled images (repeated)."""
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    batch = min(32, len(x))
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).repeat().batch(batch)
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    return model
