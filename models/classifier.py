"""Small CNN classifier per dataset: scores generated images (Fréchet distance in its feature
space, class coverage, confidence) and labels reconstructions in the app."""

from __future__ import annotations

import keras
from keras import layers

from models.autoencoders import IMAGE_SHAPE

FEATURE_LAYER = "features"


def cnn_classifier(num_classes: int = 10) -> keras.Model:
    image = keras.Input(IMAGE_SHAPE, name="image")
    h = layers.MaxPooling2D(2)(layers.Conv2D(32, 3, padding="same", activation="relu")(image))
    h = layers.MaxPooling2D(2)(layers.Conv2D(64, 3, padding="same", activation="relu")(h))
    h = layers.Dropout(0.3)(layers.Flatten()(h))
    features = layers.Dense(128, activation="relu", name=FEATURE_LAYER)(h)
    probs = layers.Dense(num_classes, activation="softmax", name="probs")(layers.Dropout(0.3)(features))
    return keras.Model(image, probs, name="classifier")
