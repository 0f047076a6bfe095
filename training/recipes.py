"""How each family is trained: build the networks from the registry, fit them, return the
inference bundle (encoder/decoder or generator/discriminator — no optimiser state)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from models.gan import GAN
from models.layers import ClippedGaussianNoise, MaskingNoise
from models.registry import ModelSpec, Recipe, is_conditional, noise_dim
from models.vae import VAE

PROGRESS_IMAGES = 20            # fixed-seed samples saved per GAN epoch (2 rows of 10)


@dataclass
class FitResult:
    bundle: keras.Model
    history: dict = field(default_factory=dict)
    progress_png: bytes | None = None


def make_dataset(inputs, targets, recipe: Recipe, shuffle: bool = True) -> tf.data.Dataset:
    """Batched tf.data pipeline with autotune off: it avoids the post-fit stall measured here."""
    options = tf.data.Options()
    options.autotune.enabled = False
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets) if targets is not None else inputs)
    if shuffle:
        ds = ds.shuffle(min(len(inputs), 60_000), seed=recipe.seed, reshuffle_each_iteration=True)
    return ds.batch(recipe.batch_size).prefetch(2).with_options(options)


def _optimizer(recipe: Recipe, **extra) -> keras.optimizers.Optimizer:
    return keras.optimizers.get({"class_name": recipe.optimizer,
                                 "config": {"learning_rate": recipe.learning_rate, **extra}})


def _noise_layer(recipe: Recipe) -> keras.layers.Layer | None:
    if recipe.noise is None:
        return None
    kind, level = recipe.noise
    if kind == "gaussian":
        return ClippedGaussianNoise(level, seed=recipe.seed, name="noise")
    if kind == "masking":
        return MaskingNoise(level, seed=recipe.seed, name="noise")
    raise ValueError(f"unknown training noise {kind!r}")


def _fit_kwargs(epochs: int, steps: int | None, verbose: int) -> dict:
    return {"epochs": epochs, "steps_per_epoch": steps, "verbose": verbose}


def fit_autoencoder(spec: ModelSpec, x: np.ndarray, epochs: int, steps: int | None, verbose: int) -> FitResult:
    recipe = spec.recipe
    encoder, decoder = spec.build()
    inputs = keras.Input(encoder.inputs[0].shape[1:])
    noise = _noise_layer(recipe)
    trainer = keras.Model(inputs, decoder(encoder(noise(inputs) if noise else inputs)))
    trainer.compile(optimizer=_optimizer(recipe), loss=recipe.loss)
    history = trainer.fit(make_dataset(x, x, recipe), **_fit_kwargs(epochs, steps, verbose))
    bundle_in = keras.Input(encoder.inputs[0].shape[1:], name="input")
    bundle = keras.Model(bundle_in, decoder(encoder(bundle_in)), name=spec.name)
    return FitResult(bundle, history.history)


def fit_vae(spec: ModelSpec, x: np.ndarray, epochs: int, steps: int | None, verbose: int) -> FitResult:
    recipe = spec.recipe
    encoder, decoder = spec.build()
    trainer = VAE(encoder, decoder, beta=recipe.beta, seed=recipe.seed)
    trainer.compile(optimizer=_optimizer(recipe))
    history = trainer.fit(make_dataset(x, None, recipe), **_fit_kwargs(epochs, steps, verbose))
    image = keras.Input((28, 28, 1), name="image")
    bundle = keras.Model(image, decoder(encoder(image)[0]), name=spec.name)
    return FitResult(bundle, history.history)


class _ProgressGrid(keras.callbacks.Callback):
    """Renders the same fixed latents after every epoch, so the app can replay training."""

    def __init__(self, generator: keras.Model, z: np.ndarray, labels: np.ndarray | None):
        super().__init__()
        self.generator, self.z, self.labels, self.frames = generator, z, labels, []

    def on_epoch_end(self, epoch, logs=None):
        inputs = [self.z, self.labels] if self.labels is not None else self.z
        images = np.asarray(self.generator.predict_on_batch(inputs))[..., 0]
        rows = images.reshape(2, 10, 28, 28).transpose(0, 2, 1, 3).reshape(56, 280)
        self.frames.append((np.clip(rows, 0, 1) * 255).round().astype(np.uint8))

    def png(self) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(np.concatenate(self.frames, axis=0), mode="L").save(buffer, format="PNG")
        return buffer.getvalue()


def fit_gan(spec: ModelSpec, x: np.ndarray, y: np.ndarray, epochs: int, steps: int | None,
            verbose: int) -> FitResult:
    recipe, conditional, z_dim = spec.recipe, is_conditional(spec), noise_dim(spec)
    generator, discriminator = spec.build()
    trainer = GAN(generator, discriminator, z_dim, conditional=conditional, seed=recipe.seed)
    trainer.compile(d_optimizer=_optimizer(recipe, beta_1=0.5), g_optimizer=_optimizer(recipe, beta_1=0.5))
    fixed_z = np.random.default_rng(recipe.seed).standard_normal((PROGRESS_IMAGES, z_dim)).astype(np.float32)
    fixed_labels = (np.arange(PROGRESS_IMAGES) % 10).astype(np.int32).reshape(-1, 1) if conditional else None
    progress = _ProgressGrid(generator, fixed_z, fixed_labels)
    data = make_dataset(x, y.astype(np.int32).reshape(-1, 1), recipe) if conditional else make_dataset(x, None, recipe)
    history = trainer.fit(data, callbacks=[progress], **_fit_kwargs(epochs, steps, verbose))
    z = keras.Input((z_dim,), name="z")
    image = keras.Input((28, 28, 1), name="image")
    if conditional:
        label = keras.Input((1,), dtype="int32", name="label")
        bundle = keras.Model([z, label, image], [generator([z, label]), discriminator([image, label])],
                             name=spec.name)
    else:
        bundle = keras.Model([z, image], [generator(z), discriminator(image)], name=spec.name)
    return FitResult(bundle, history.history, progress.png())


def fit_classifier(spec: ModelSpec, x: np.ndarray, y: np.ndarray, epochs: int, steps: int | None,
                   verbose: int) -> FitResult:
    model = spec.build()
    model.compile(optimizer=_optimizer(spec.recipe), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(make_dataset(x, y.astype(np.int32), spec.recipe), **_fit_kwargs(epochs, steps, verbose))
    bundle = spec.build()                       # an uncompiled twin: the checkpoint carries no optimiser
    bundle.set_weights(model.get_weights())
    return FitResult(bundle, history.history)


def fit(spec: ModelSpec, x: np.ndarray, y: np.ndarray | None, epochs: int | None = None,
        steps: int | None = None, verbose: int = 1) -> FitResult:
    """Train ``spec`` on ``x`` (float32 in [0, 1], or 3-D points for the toy) and labels ``y``."""
    keras.utils.set_random_seed(spec.recipe.seed)
    epochs = epochs or spec.recipe.epochs
    if spec.family == "vae":
        return fit_vae(spec, x, epochs, steps, verbose)
    if spec.family == "gan":
        return fit_gan(spec, x, y, epochs, steps, verbose)
    if spec.family == "classifier":
        return fit_classifier(spec, x, y, epochs, steps, verbose)
    return fit_autoencoder(spec, x, epochs, steps, verbose)
