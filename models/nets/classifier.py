"""Small CNN classifier per dataset: scores generated images (Fréchet distance in its feature
space, class coverage, confidence) and labels reconstructions in the app.

It is the judge of every GAN, so it must be strong (issue #10: ≥ 99.3% on MNIST, ≥ 92.5% on
Fashion-MNIST) yet cheap to train on two CPU cores: batch-normalised 3×3 convolutions, one at
28×28 and two at 14×14 (~0.46M parameters; the full VGG-style pair at 28×28 cost 2.4× the time).
"""

from __future__ import annotations

import keras
from keras import layers

from models.nets.autoencoders import IMAGE_SHAPE


def _block(h, filters: int, convs: int, dropout: float):
    for _ in range(convs):
        h = layers.Conv2D(filters, 3, padding="same", use_bias=False)(h)
        h = layers.ReLU()(layers.BatchNormalization()(h))
    return layers.Dropout(dropout)(layers.MaxPooling2D(2)(h))


def cnn_classifier(features_layer: str, num_classes: int = 10) -> keras.Model:
    """``features_layer`` names the layer GANs are scored in (the registry's ``CLASSIFIER_FEATURES``)."""
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = _block(_block(image, 32, 1, 0.1), 64, 2, 0.25)  # 28 → 14 → 7
    h = layers.Flatten()(h)
    features = layers.Dense(128, activation="relu", name=features_layer)(h)
    probs = layers.Dense(num_classes, activation="softmax", name="probs")(layers.Dropout(0.4)(features))
    return keras.Model(image, probs, name="classifier")
