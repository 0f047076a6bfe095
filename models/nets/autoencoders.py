"""Builders for the deterministic autoencoders of the zoo.

Every builder returns ``(encoder, decoder)``: named functional models mapping (28, 28, 1)
images in [0, 1] to codings and back. Training adds noise layers and the optimiser; the
checkpoint keeps only encoder and decoder.
"""

from __future__ import annotations

import keras
from keras import layers

from models.nets.layers import DenseTranspose, KLSparsity

IMAGE_SHAPE = (28, 28, 1)


def _image_input() -> keras.KerasTensor:
    return keras.Input(IMAGE_SHAPE, name="image")


def _dense_decoder(code_size: int, hidden: tuple[int, ...], activation: str, init: str) -> keras.Model:
    codings = keras.Input((code_size,), name="codings")
    h = codings
    for units in hidden:
        h = layers.Dense(units, activation=activation, kernel_initializer=init)(h)
    h = layers.Dense(784, activation="sigmoid")(h)
    return keras.Model(codings, layers.Reshape(IMAGE_SHAPE)(h), name="decoder")


def linear_ae(code_size: int = 16) -> tuple[keras.Model, keras.Model]:
    """784 → k → 784 with no activations: trained with MSE it spans PCA's top-k subspace."""
    image = _image_input()
    codings = layers.Dense(code_size, name="codings")(layers.Flatten()(image))
    encoder = keras.Model(image, codings, name="encoder")
    z = keras.Input((code_size,), name="codings")
    decoder = keras.Model(z, layers.Reshape(IMAGE_SHAPE)(layers.Dense(784)(z)), name="decoder")
    return encoder, decoder


def linear_ae_3d(code_size: int = 2) -> tuple[keras.Model, keras.Model]:
    """The course's toy: 3-D points projected to a 2-D plane by a linear autoencoder."""
    points = keras.Input((3,), name="points")
    encoder = keras.Model(points, layers.Dense(code_size, name="codings")(points), name="encoder")
    z = keras.Input((code_size,), name="codings")
    decoder = keras.Model(z, layers.Dense(3)(z), name="decoder")
    return encoder, decoder


def stacked_ae(hidden: int = 100, code_size: int = 30) -> tuple[keras.Model, keras.Model]:
    """784-100-30 SELU stacked autoencoder with a mirrored decoder."""
    image = _image_input()
    h = layers.Flatten()(image)
    h = layers.Dense(hidden, activation="selu", kernel_initializer="lecun_normal")(h)
    codings = layers.Dense(code_size, activation="selu", kernel_initializer="lecun_normal", name="codings")(h)
    encoder = keras.Model(image, codings, name="encoder")
    return encoder, _dense_decoder(code_size, (hidden,), "selu", "lecun_normal")


def layerwise_stacked_ae(hidden: int = 100, code_size: int = 30) -> tuple[keras.Model, keras.Model]:
    """The stacked AE's shape (784-100-30 SELU, mirrored), its four dense layers named for the two shallow
    autoencoders that train them one at a time (``training.recipes.fit_layerwise``): ``hidden`` + ``pixels`` are
    the first (784-100-784), ``codings`` + ``hidden_out`` the second (100-30-100, on the first one's codings)."""
    image = _image_input()
    h = layers.Dense(hidden, activation="selu", kernel_initializer="lecun_normal", name="hidden")(
        layers.Flatten()(image)
    )
    codings = layers.Dense(code_size, activation="selu", kernel_initializer="lecun_normal", name="codings")(h)
    encoder = keras.Model(image, codings, name="encoder")
    z = keras.Input((code_size,), name="codings")
    h = layers.Dense(hidden, activation="selu", kernel_initializer="lecun_normal", name="hidden_out")(z)
    pixels = layers.Dense(784, activation="sigmoid", name="pixels")(h)
    return encoder, keras.Model(z, layers.Reshape(IMAGE_SHAPE)(pixels), name="decoder")


def dense_ae(hidden: tuple[int, ...] = (256, 128), code_size: int = 2) -> tuple[keras.Model, keras.Model]:
    """Plain deterministic dense AE; with a 2-D code it is the map the VAE is compared with."""
    image = _image_input()
    h = layers.Flatten()(image)
    for units in hidden:
        h = layers.Dense(units, activation="relu")(h)
    encoder = keras.Model(image, layers.Dense(code_size, name="codings")(h), name="encoder")
    return encoder, _dense_decoder(code_size, tuple(reversed(hidden)), "relu", "glorot_uniform")


def course_dense_ae(code_size: int = 32) -> tuple[keras.Model, keras.Model]:
    """The course's first autoencoder: 784 → 32 (ReLU) → 784 (sigmoid), one dense layer each way."""
    image = _image_input()
    codings = layers.Dense(code_size, activation="relu", name="codings")(layers.Flatten()(image))
    return keras.Model(image, codings, name="encoder"), _dense_decoder(code_size, (), "relu", "glorot_uniform")


def overcomplete_ae(channels: int = 4) -> tuple[keras.Model, keras.Model]:
    """An overcomplete code: 3×3 convolutions into ``channels`` feature maps at full 28×28 resolution (4 maps: a
    3,136-number code for a 784-pixel image), and one 3×3 convolution back. Nothing forces it to compress, and a
    convolution's shared weights learn the same copy at every position (a dense one never learns the pixels at
    the border, which no digit inks)."""
    image = _image_input()
    codings = layers.Conv2D(channels, 3, padding="same", activation="relu", name="codings")(image)
    z = keras.Input(codings.shape[1:], name="codings")
    pixels = layers.Conv2D(1, 3, padding="same", activation="sigmoid", name="pixels")(z)
    return keras.Model(image, codings, name="encoder"), keras.Model(z, pixels, name="decoder")


def tied_ae(hidden: int = 100, code_size: int = 30) -> tuple[keras.Model, keras.Model]:
    """Same shape as the stacked AE, but each decoder layer reuses an encoder kernel, transposed."""
    image = _image_input()
    dense_1 = layers.Dense(hidden, activation="selu", kernel_initializer="lecun_normal")
    dense_2 = layers.Dense(code_size, activation="selu", kernel_initializer="lecun_normal", name="codings")
    encoder = keras.Model(image, dense_2(dense_1(layers.Flatten()(image))), name="encoder")
    z = keras.Input((code_size,), name="codings")
    h = DenseTranspose(hidden, tied_to=dense_2, activation="selu")(z)
    h = DenseTranspose(784, tied_to=dense_1, activation="sigmoid")(h)
    decoder = keras.Model(z, layers.Reshape(IMAGE_SHAPE)(h), name="decoder")
    return encoder, decoder


def _conv_encoder(code_size: int) -> keras.Model:
    """Strided convolutions down to 7×7×64, then a dense code (cheaper than conv + max-pool here)."""
    image = _image_input()
    h = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(image)  # 14×14×32
    h = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)  # 7×7×64
    codings = layers.Dense(code_size, name="codings")(layers.Flatten()(h))
    return keras.Model(image, codings, name="encoder")


def _code_to_grid(code_size: int) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    z = keras.Input((code_size,), name="codings")
    return z, layers.Reshape((7, 7, 64))(layers.Dense(7 * 7 * 64, activation="relu")(z))


def conv_ae_upsampling(code_size: int = 64) -> tuple[keras.Model, keras.Model]:
    """Convolutional AE whose decoder upsamples (nearest neighbour) and then convolves."""
    z, h = _code_to_grid(code_size)
    h = layers.Conv2D(32, 3, padding="same", activation="relu")(layers.UpSampling2D(2)(h))  # 14×14×32
    out = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(layers.UpSampling2D(2)(h))
    return _conv_encoder(code_size), keras.Model(z, out, name="decoder")


def conv_ae_transpose(code_size: int = 64) -> tuple[keras.Model, keras.Model]:
    """Convolutional AE whose decoder learns its upsampling with strided transposed convolutions."""
    z, h = _code_to_grid(code_size)
    h = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu")(h)  # 14×14×32
    out = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(h)
    return _conv_encoder(code_size), keras.Model(z, out, name="decoder")


def recurrent_ae(hidden: int = 100, code_size: int = 30) -> tuple[keras.Model, keras.Model]:
    """Reads an image as a sequence of 28 rows with LSTMs (100 → 30) and writes it back row by row."""
    image = _image_input()
    rows = layers.Reshape((28, 28))(image)
    h = layers.LSTM(hidden, return_sequences=True)(rows)
    encoder = keras.Model(image, layers.LSTM(code_size, name="codings")(h), name="encoder")
    z = keras.Input((code_size,), name="codings")
    h = layers.RepeatVector(28)(z)
    h = layers.LSTM(hidden, return_sequences=True)(h)
    h = layers.Dense(28, activation="sigmoid")(h)
    decoder = keras.Model(z, layers.Reshape(IMAGE_SHAPE)(h), name="decoder")
    return encoder, decoder


def denoising_conv_ae(filters: int = 32) -> tuple[keras.Model, keras.Model]:
    """Small convolutional denoiser (7×7×filters code); the noise is added by the training model."""
    image = _image_input()
    h = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(image)
    codings = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu", name="codings")(h)
    encoder = keras.Model(image, codings, name="encoder")
    z = keras.Input((7, 7, filters), name="codings")
    h = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(z)
    h = layers.Conv2DTranspose(filters, 3, strides=2, padding="same", activation="relu")(h)
    out = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h)
    return encoder, keras.Model(z, out, name="decoder")


def sparse_ae(
    penalty: str,
    hidden: int = 100,
    code_size: int = 300,
    l1: float = 1e-4,
    kl_weight: float = 0.005,
    target: float = 0.1,
) -> tuple[keras.Model, keras.Model]:
    """784-100-300 autoencoder with sigmoid codings pushed to sparsity by an L1 or a KL penalty."""
    image = _image_input()
    h = layers.Dense(hidden, activation="selu", kernel_initializer="lecun_normal")(layers.Flatten()(image))
    h = layers.Dense(code_size, activation="sigmoid")(h)
    if penalty == "l1":
        codings = layers.ActivityRegularization(l1=l1, name="codings")(h)
    elif penalty == "kl":
        codings = KLSparsity(weight=kl_weight, target=target, name="codings")(h)
    else:
        raise ValueError(f"penalty must be 'l1' or 'kl', not {penalty!r}")
    encoder = keras.Model(image, codings, name="encoder")
    return encoder, _dense_decoder(code_size, (hidden,), "selu", "lecun_normal")
