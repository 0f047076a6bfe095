"""How each family is trained: build the networks from the registry, fit them, return the
inference bundle (encoder/decoder or generator/discriminator — no optimiser state)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from models.data.styles import embolden, unpaired_domains
from models.nets.cyclegan import ConstantThenLinearDecay, CycleGAN, translation_bundle
from models.nets.gan import GAN
from models.nets.layers import ClippedGaussianNoise, MaskingNoise
from models.nets.pix2pix import Pix2Pix
from models.nets.vae import VAE
from models.registry import ModelSpec, Recipe
from training.run_state import RunState

PROGRESS_IMAGES = 20  # fixed-seed samples saved per GAN epoch (2 rows of 10)


@dataclass
class FitResult:
    bundle: keras.Model
    history: dict = field(default_factory=dict)
    progress_png: bytes | None = None
    raw_generator: keras.Model | None = None  # GANs with EMA: the trained (non-averaged) generator
    seconds_before: float = 0.0  # a resumed run: training seconds spent by earlier calls


def make_dataset(inputs, targets, recipe: Recipe, shuffle: bool = True) -> tf.data.Dataset:
    """Batched tf.data pipeline with autotune off: it avoids the post-fit stall measured here."""
    options = tf.data.Options()
    options.autotune.enabled = False
    ds = tf.data.Dataset.from_tensor_slices((inputs, targets) if targets is not None else inputs)
    if shuffle:
        ds = ds.shuffle(min(len(inputs), 60_000), seed=recipe.seed, reshuffle_each_iteration=True)
    return ds.batch(recipe.batch_size).prefetch(2).with_options(options)


def _optimizer(recipe: Recipe, **extra) -> keras.optimizers.Optimizer:
    return keras.optimizers.get(
        {"class_name": recipe.optimizer, "config": {"learning_rate": recipe.learning_rate, **extra}}
    )


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


def autoencoder_trainer(spec: ModelSpec) -> tuple[keras.Model, keras.Model, keras.Model]:
    """(trainer, encoder, decoder): the compiled model ``fit`` trains (noise layer first for denoisers); live
    training (``training/live``) fits the same one."""
    recipe = spec.recipe
    encoder, decoder = spec.build()
    inputs = keras.Input(encoder.inputs[0].shape[1:])
    noise = _noise_layer(recipe)
    trainer = keras.Model(inputs, decoder(encoder(noise(inputs) if noise else inputs)))
    trainer.compile(optimizer=_optimizer(recipe), loss=recipe.loss)
    return trainer, encoder, decoder


def fit_autoencoder(spec: ModelSpec, x: np.ndarray, y, epochs: int, steps: int | None, verbose: int) -> FitResult:
    trainer, encoder, decoder = autoencoder_trainer(spec)
    history = trainer.fit(make_dataset(x, x, spec.recipe), **_fit_kwargs(epochs, steps, verbose))
    bundle_in = keras.Input(encoder.inputs[0].shape[1:], name="input")
    bundle = keras.Model(bundle_in, decoder(encoder(bundle_in)), name=spec.name)
    return FitResult(bundle, history.history)


LAYERWISE_PHASES = ("phase1", "phase2")


def fit_layerwise(spec: ModelSpec, x: np.ndarray, y, epochs: int, steps: int | None, verbose: int) -> FitResult:
    """One autoencoder at a time (HOML ch. 17): train the shallow 784-100-784 autoencoder on the images, then a
    100-30-100 one on its codings, then stack them (``models.nets.autoencoders.layerwise_stacked_ae`` names the
    layers each phase trains). Each phase runs ``epochs`` epochs; the history keeps each phase's loss and seconds."""
    recipe = spec.recipe
    encoder, decoder = spec.build()
    hidden, codings = encoder.get_layer("hidden"), encoder.get_layer("codings")
    hidden_out, pixels = decoder.get_layer("hidden_out"), decoder.get_layer("pixels")
    image = keras.Input(encoder.inputs[0].shape[1:])
    flat = keras.layers.Flatten()(image)
    first = keras.Model(image, keras.layers.Reshape(image.shape[1:])(pixels(hidden(flat))), name="phase1")
    code_in = keras.Input((hidden.units,))
    second = keras.Model(code_in, hidden_out(codings(code_in)), name="phase2")
    history: dict[str, list[float]] = {}
    data_x = x
    for phase, model in zip(LAYERWISE_PHASES, (first, second)):
        start = time.perf_counter()
        model.compile(optimizer=_optimizer(recipe), loss=recipe.loss)
        logs = model.fit(make_dataset(data_x, data_x, recipe), **_fit_kwargs(epochs, steps, verbose)).history
        history[f"{phase}_loss"] = [float(v) for v in logs["loss"]]
        history[f"{phase}_seconds"] = [time.perf_counter() - start]
        if phase == "phase1":  # the second autoencoder learns to reproduce the first one's codings
            data_x = np.asarray(keras.Model(image, hidden(flat)).predict(x, batch_size=2048, verbose=0))
    bundle_in = keras.Input(encoder.inputs[0].shape[1:], name="input")
    return FitResult(keras.Model(bundle_in, decoder(encoder(bundle_in)), name=spec.name), history)


def vae_trainer(spec: ModelSpec, dataset_size: int = 60_000) -> VAE:
    """The compiled VAE ``fit`` trains; live training fits the same one (a β-TCVAE's total correlation is
    estimated for a dataset of ``dataset_size`` images)."""
    recipe = spec.recipe
    trainer = VAE(
        *spec.build(), beta=recipe.beta, seed=recipe.seed, tc_weight=recipe.tc_weight, dataset_size=dataset_size
    )
    trainer.compile(optimizer=_optimizer(recipe))
    return trainer


def fit_vae(spec: ModelSpec, x: np.ndarray, y, epochs: int, steps: int | None, verbose: int) -> FitResult:
    trainer = vae_trainer(spec)
    history = trainer.fit(make_dataset(x, None, spec.recipe), **_fit_kwargs(epochs, steps, verbose))
    encoder, decoder = trainer.encoder, trainer.decoder
    image = keras.Input(tuple(encoder.inputs[0].shape[1:]), name="image")  # 28×28, or 32×32 for the shapes
    bundle = keras.Model(image, decoder(encoder(image)[0]), name=spec.name)
    return FitResult(bundle, history.history)


class _ProgressGrid:
    """Renders the same fixed latents after every epoch, so the app can replay training."""

    def __init__(self, z: np.ndarray, labels: np.ndarray | None, frames: list[np.ndarray] | None = None):
        self.z, self.labels, self.frames = z, labels, list(frames or [])

    def add(self, generator: keras.Model) -> None:
        inputs = [self.z, self.labels] if self.labels is not None else self.z
        images = np.asarray(generator.predict_on_batch(inputs))[..., 0]
        rows = images.reshape(2, 10, 28, 28).transpose(0, 2, 1, 3).reshape(56, 280)
        self.frames.append((np.clip(rows, 0, 1) * 255).round().astype(np.uint8))

    def png(self) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(np.concatenate(self.frames, axis=0), mode="L").save(buffer, format="PNG")
        return buffer.getvalue()


def gan_trainer(spec: ModelSpec) -> GAN:
    recipe = spec.recipe
    generator, discriminator = spec.build()
    trainer = GAN(
        generator,
        discriminator,
        spec.noise_dim,
        conditional=spec.conditional,
        seed=recipe.seed,
        ema_decay=recipe.ema_decay,
        label_smoothing=recipe.label_smoothing,
        class_balance=recipe.class_balance,
    )
    trainer.compile(
        d_optimizer=_optimizer(recipe, beta_1=recipe.beta_1), g_optimizer=_optimizer(recipe, beta_1=recipe.beta_1)
    )
    # Build the optimisers now, so a resumed run can restore their moments before the first step.
    trainer.d_optimizer.build(discriminator.trainable_variables)
    trainer.g_optimizer.build(generator.trainable_variables)
    return trainer


def fit_gan(
    spec: ModelSpec,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    steps: int | None,
    verbose: int,
    run_dir: Path | None = None,
    resume: bool = False,
    stop_after: int | None = None,
) -> FitResult:
    """Train epoch by epoch; after each, save the full state to ``run_dir`` (see ``training/run_state.py``).

    ``resume`` continues from the last saved epoch and ends where an uninterrupted run ends.
    ``stop_after`` ends after that many epochs of this call (tests use it to simulate an interruption).
    """
    recipe = spec.recipe
    trainer = gan_trainer(spec)
    fixed_z = np.random.default_rng(recipe.seed).standard_normal((PROGRESS_IMAGES, spec.noise_dim)).astype(np.float32)
    fixed_labels = (np.arange(PROGRESS_IMAGES) % 10).astype(np.int32).reshape(-1, 1) if spec.conditional else None
    state = RunState(run_dir, spec, epochs, steps) if run_dir is not None else None
    saved = state.load(trainer) if (state is not None and resume) else None
    start_epoch, history, frames, seconds_before = saved if saved else (0, {}, [], 0.0)
    call_start = time.perf_counter()
    if saved and verbose:
        print(f"[resume] {spec.name}: continuing after epoch {start_epoch} of {epochs} ({run_dir})", flush=True)
    progress = _ProgressGrid(fixed_z, fixed_labels, frames)
    labels = y.astype(np.int32).reshape(-1, 1) if trainer.uses_labels else None
    for epoch in range(start_epoch, epochs):
        if stop_after is not None and epoch - start_epoch >= stop_after:
            break
        # A fresh, epoch-seeded shuffle: the same batches whether or not the run was interrupted.
        data = make_dataset(x, labels, replace(recipe, seed=recipe.seed + epoch))
        logs = trainer.fit(data, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=steps, verbose=verbose).history
        for key, values in logs.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        progress.add(trainer.shipped_generator)
        if state is not None:
            state.save(trainer, epoch + 1, history, progress.frames, seconds_before + time.perf_counter() - call_start)
    return FitResult(
        gan_bundle(spec, trainer.shipped_generator, trainer.discriminator),
        history,
        progress.png(),
        raw_generator=trainer.generator if trainer.ema_generator is not None else None,
        seconds_before=seconds_before,
    )


def gan_bundle(spec: ModelSpec, generator: keras.Model, discriminator: keras.Model) -> keras.Model:
    """The inference networks only: generator and discriminator side by side, no optimiser state."""
    z = keras.Input((spec.noise_dim,), name="z")
    image = keras.Input((28, 28, 1), name="image")
    if spec.conditional:
        label = keras.Input((1,), dtype="int32", name="label")
        return keras.Model([z, label, image], [generator([z, label]), discriminator([image, label])], name=spec.name)
    return keras.Model([z, image], [generator(z), discriminator(image)], name=spec.name)


def fit_classifier(
    spec: ModelSpec, x: np.ndarray, y: np.ndarray, epochs: int, steps: int | None, verbose: int
) -> FitResult:
    model = spec.build()
    # Cosine decay to zero over the run: the last epochs settle into a minimum (≈ +0.5% test accuracy).
    steps_per_epoch = steps or -(-len(x) // spec.recipe.batch_size)
    rate = keras.optimizers.schedules.CosineDecay(spec.recipe.learning_rate, epochs * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(make_dataset(x, y.astype(np.int32), spec.recipe), **_fit_kwargs(epochs, steps, verbose))
    bundle = spec.build()  # an uncompiled twin: the checkpoint carries no optimiser
    bundle.set_weights(model.get_weights())
    return FitResult(bundle, history.history)


CURVE_POINTS_PER_EPOCH = 5  # the CycleGAN's loss curve: one point per fifth of an epoch


def _unpaired_batches(regular: np.ndarray, bold: np.ndarray, batch_size: int, seed: int) -> tf.data.Dataset:
    """One epoch of (regular, bold) batches, each half shuffled by its own seed (autotune off, as above)."""
    options = tf.data.Options()
    options.autotune.enabled = False
    halves = [
        tf.data.Dataset.from_tensor_slices(half).shuffle(len(half), seed=seed + i)
        for i, half in enumerate((regular, bold))
    ]
    return tf.data.Dataset.zip(tuple(halves)).batch(batch_size).prefetch(2).with_options(options)


def _translation_epochs(
    spec: ModelSpec,
    trainer: keras.Model,
    epochs: int,
    steps: int | None,
    verbose: int,
    run_dir: Path | None,
    resume: bool,
    stop_after: int | None,
    steps_per_epoch: int,
    batches: Callable[[int], tf.data.Dataset],
) -> tuple[dict[str, list[float]], float]:
    """The CycleGAN's and pix2pix's resumable epochs: ``batches(epoch)`` is that epoch's seeded data; the full
    state is saved after each; a loss point every fifth of an epoch. The history and the seconds of earlier calls."""
    state = RunState(run_dir, spec, epochs, steps) if run_dir is not None else None
    saved = state.load(trainer) if (state is not None and resume) else None
    start_epoch, history, _, seconds_before = saved if saved else (0, {}, [], 0.0)
    if saved and verbose:
        print(f"[resume] {spec.name}: continuing after epoch {start_epoch} of {epochs} ({run_dir})", flush=True)
    call_start = time.perf_counter()
    points = 1 if steps else CURVE_POINTS_PER_EPOCH
    for epoch in range(start_epoch, epochs):
        if stop_after is not None and epoch - start_epoch >= stop_after:
            break
        logs = trainer.fit(
            batches(epoch).repeat(), epochs=points, steps_per_epoch=max(1, steps_per_epoch // points), verbose=verbose
        )
        for key, values in logs.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        if state is not None:
            state.save(trainer, epoch + 1, history, [], seconds_before + time.perf_counter() - call_start)
    return history, seconds_before


def fit_cyclegan(
    spec: ModelSpec,
    x: np.ndarray,
    y,
    epochs: int,
    steps: int | None,
    verbose: int,
    run_dir: Path | None = None,
    resume: bool = False,
    stop_after: int | None = None,
) -> FitResult:
    """Unpaired training: one half of the images regular, the other half emboldened (``models/data/styles.py``).

    Resumable like the GANs: the full state is saved after every epoch, each epoch's shuffle is seeded by its
    index and the schedules read the optimiser's step, so a resumed run ends where an uninterrupted one ends.
    Keras logs a point every fifth of an epoch, so the card holds a loss curve rather than a handful of numbers.
    """
    recipe = spec.recipe
    regular, bold = unpaired_domains(x, recipe.seed)
    steps_per_epoch = steps or len(regular) // recipe.batch_size
    # The schedules' length: whole epochs of batches. The curve's chunks (a fifth of an epoch, rounded down) run
    # up to four steps fewer per epoch, so the rate ends just above zero (as the shipped checkpoint was trained).
    total = epochs * steps_per_epoch
    trainer = CycleGAN(*spec.build(), total_steps=total, seed=recipe.seed)

    def adam() -> keras.optimizers.Optimizer:  # the paper's Adam, one per side, each with its own schedule
        return keras.optimizers.Adam(ConstantThenLinearDecay(recipe.learning_rate, total), beta_1=0.5)

    trainer.compile(adam(), adam())
    trainer.g_optimizer.build(trainer.to_bold.trainable_variables + trainer.to_regular.trainable_variables)
    trainer.d_optimizer.build(trainer.critic_regular.trainable_variables + trainer.critic_bold.trainable_variables)
    history, seconds_before = _translation_epochs(
        spec, trainer, epochs, steps, verbose, run_dir, resume, stop_after, steps_per_epoch,
        lambda epoch: _unpaired_batches(regular, bold, recipe.batch_size, recipe.seed + 2 * epoch),
    )  # fmt: skip
    return FitResult(translation_bundle(trainer.to_bold, trainer.to_regular), history, seconds_before=seconds_before)


def _paired_batches(regular: np.ndarray, bold: np.ndarray, batch_size: int, seed: int) -> tf.data.Dataset:
    """One epoch of (regular, bold) batches: each digit with its own emboldened twin, shuffled together."""
    options = tf.data.Options()
    options.autotune.enabled = False
    pairs = tf.data.Dataset.from_tensor_slices((regular, bold)).shuffle(len(regular), seed=seed)
    # Whole batches only (batch statistics from a full batch); a set smaller than one batch is one batch.
    return pairs.batch(min(batch_size, len(regular)), drop_remainder=True).prefetch(2).with_options(options)


def fit_pix2pix(
    spec: ModelSpec,
    x: np.ndarray,
    y,
    epochs: int,
    steps: int | None,
    verbose: int,
    run_dir: Path | None = None,
    resume: bool = False,
    stop_after: int | None = None,
) -> FitResult:
    """Paired training (``models/nets/pix2pix.py``): every training digit and its emboldened twin.

    Resumable as the CycleGAN: the full state is saved after every epoch, each epoch's shuffle is seeded by its
    index and the learning rate is constant (the paper's Adam 2e-4, beta_1 0.5), so a resumed run ends where an
    uninterrupted one ends.
    """
    recipe = spec.recipe
    regular = x.astype(np.float32)
    bold = embolden(regular)
    steps_per_epoch = steps or len(regular) // recipe.batch_size
    trainer = Pix2Pix(*spec.build())

    def adam() -> keras.optimizers.Optimizer:
        return keras.optimizers.Adam(recipe.learning_rate, beta_1=recipe.beta_1)

    trainer.compile(adam(), adam())
    trainer.g_optimizer.build(trainer.to_bold.trainable_variables + trainer.to_regular.trainable_variables)
    trainer.d_optimizer.build(trainer.critic_bold.trainable_variables + trainer.critic_regular.trainable_variables)
    history, seconds_before = _translation_epochs(
        spec, trainer, epochs, steps, verbose, run_dir, resume, stop_after, steps_per_epoch,
        lambda epoch: _paired_batches(regular, bold, recipe.batch_size, recipe.seed + epoch),
    )  # fmt: skip
    bundle = translation_bundle(trainer.to_bold, trainer.to_regular, name=spec.name)
    return FitResult(bundle, history, seconds_before=seconds_before)


# Each family's training (models.registry.FAMILIES), by family name: (spec, x, y, epochs, steps, verbose), and for
# the resumable ones also (run_dir, resume, stop_after).
TRAINERS: dict[str, Callable[..., FitResult]] = {
    "autoencoder": fit_autoencoder,
    "vae": fit_vae,
    "gan": fit_gan,
    "classifier": fit_classifier,
    "cyclegan": fit_cyclegan,
    "layerwise": fit_layerwise,
    "pix2pix": fit_pix2pix,
}


def fit(
    spec: ModelSpec,
    x: np.ndarray,
    y: np.ndarray | None,
    epochs: int | None = None,
    steps: int | None = None,
    verbose: int = 1,
    run_dir: Path | None = None,
    resume: bool = False,
    stop_after: int | None = None,
) -> FitResult:
    """Train ``spec`` on ``x`` (float32 in [0, 1], or 3-D points for the toy) and labels ``y``.

    GANs (the long runs) save their full state to ``run_dir`` after every epoch and can ``resume``.
    """
    keras.utils.set_random_seed(spec.recipe.seed)
    epochs = epochs or spec.recipe.epochs
    train = TRAINERS[spec.family]
    if spec.kind.resumable:
        return train(spec, x, y, epochs, steps, verbose, run_dir, resume, stop_after)
    return train(spec, x, y, epochs, steps, verbose)
