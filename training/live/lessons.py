"""The three lessons of the Watch it learn page, built from the zoo's own code: the registry's specs, the trainers
and datasets ``training/recipes.py`` fits offline, so a live run of N epochs is an offline run of N epochs.
Keras is imported here; only the worker process imports this module."""

from __future__ import annotations

import functools
from dataclasses import replace

import keras
import numpy as np

from models.analysis.latents import principal_plane
from models.data.samples import load_sample
from models.registry import ModelSpec, lesson_spec
from models.runtime.inference import to_model_input
from training.live.protocol import GRID, LIMIT, MAP_IMAGES, RECONSTRUCTED, SAMPLES, Settings
from training.recipes import autoencoder_trainer, gan_trainer, make_dataset, vae_trainer
from training.run_state import RunState

POINTS = 60_000  # real points drawn for the 2-D GAN (one "epoch")
SHOWN_POINTS = 500


def real_points(kind: str, n: int, seed: int) -> np.ndarray:
    """GAN Lab's real distributions: 8 Gaussians on a ring of radius 2, or 25 on a 5 × 5 grid."""
    rng = np.random.default_rng(seed)
    if kind == "ring":
        angles = rng.integers(0, 8, n) * (2 * np.pi / 8)
        centres, spread = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1), 0.08
    else:
        centres, spread = rng.integers(-2, 3, (n, 2)).astype(np.float64), 0.05
    return (centres + spread * rng.standard_normal((n, 2))).astype(np.float32)


def _spec(settings: Settings) -> ModelSpec:
    """The lesson's registry spec with this run's recipe changes (learning rate, batch size, seed, β)."""
    spec = lesson_spec(settings.lesson)
    recipe = replace(
        spec.recipe,
        learning_rate=settings.learning_rate,
        batch_size=settings.batch_size,
        seed=settings.seed,
        beta=settings.beta,
    )
    return replace(spec, recipe=recipe)


class Lesson:
    """A model, its trainer and data; ``dataset(batch)`` feeds ``trainer.fit``; ``arrays()`` is what a snapshot
    shows; ``losses`` names the logs drawn as curves."""

    losses: tuple[str, ...] = ("loss",)

    def __init__(self, settings: Settings, train: tuple[np.ndarray, np.ndarray]):
        keras.utils.set_random_seed(settings.seed)
        self.spec = _spec(settings)
        self.x, self.y = train

    def dataset(self, batch_size: int):
        return make_dataset(self.x, self.targets(), replace(self.spec.recipe, batch_size=batch_size))

    def targets(self):
        return None

    def steps_per_epoch(self, batch_size: int) -> int:
        return max(1, -(-len(self.x) // batch_size))

    def apply(self, values: dict) -> None:
        """Change learning rates (and β) while it trains: they are variables of the traced step."""
        raise NotImplementedError

    def variables(self) -> list:
        """Everything the run's next step depends on (weights, optimiser moments, seed states), in a fixed
        order: what a parked run saves and another worker restores into the same lesson built afresh."""
        raise NotImplementedError

    def arrays(self) -> dict[str, np.ndarray]:
        raise NotImplementedError


class LatentLesson(Lesson):
    """The 2-D autoencoder (``ae``), VAE (``vae``) or the course's 32-D dense AE (``course_ae``, its codes drawn on
    their first two principal components): the map of the sample's codes and 8 reconstructions."""

    def __init__(self, settings: Settings, train, sample):
        super().__init__(settings, train)
        self.variational = settings.lesson == "vae"
        if self.variational:
            self.trainer = vae_trainer(self.spec)
            self.encoder, self.decoder = self.trainer.encoder, self.trainer.decoder
            self.losses = ("reconstruction", "kl")
        else:
            self.trainer, self.encoder, self.decoder = autoencoder_trainer(self.spec)
        self.trainer.optimizer.build(self.trainer.trainable_variables)  # its moments exist before a restore
        x_map, self.labels = sample[0][:MAP_IMAGES], sample[1][:MAP_IMAGES]
        self.map_x = to_model_input(x_map)
        picks = [int(np.flatnonzero(self.labels == c)[0]) for c in range(RECONSTRUCTED)]
        self.originals = self.map_x[picks]

    def targets(self):
        return None if self.variational else self.x

    def apply(self, values: dict) -> None:
        if "learning_rate" in values:
            self.trainer.optimizer.learning_rate.assign(values["learning_rate"])
        if "beta" in values and self.variational:
            self.trainer.beta.assign(values["beta"])

    def variables(self) -> list:
        return [*self.trainer.variables, *self.trainer.optimizer.variables]

    def arrays(self) -> dict[str, np.ndarray]:
        # predict_on_batch runs a traced function: half the time of an eager call, and snapshots cost training time
        codes = self.encoder.predict_on_batch(self.map_x)
        codes = principal_plane(np.asarray(codes[0] if self.variational else codes))  # the course AE's 32-D code
        z = self.encoder.predict_on_batch(self.originals)
        recon = np.asarray(self.decoder.predict_on_batch(z[0] if self.variational else z))[..., 0]
        return {"codes": codes, "labels": self.labels, "originals": self.originals[..., 0], "reconstructions": recon}


class GanLesson(Lesson):
    """A GAN (the zoo's ``GAN`` trainer) with one learning rate per network."""

    losses = ("d_loss", "g_loss")

    def __init__(self, settings: Settings, train):
        super().__init__(settings, train)
        self.trainer = gan_trainer(self.spec)
        self.trainer.g_optimizer.learning_rate.assign(settings.g_learning_rate)
        self.apply({"g_loss": settings.g_loss})
        self.fixed_z = (
            np.random.default_rng(settings.seed).standard_normal((self.shown(), self.spec.noise_dim)).astype(np.float32)
        )

    def shown(self) -> int:
        return SAMPLES

    def apply(self, values: dict) -> None:
        if "learning_rate" in values:
            self.trainer.d_optimizer.learning_rate.assign(values["learning_rate"])
        if "g_learning_rate" in values:
            self.trainer.g_optimizer.learning_rate.assign(values["g_learning_rate"])
        if "g_loss" in values:  # the minimax game's saturating loss, or the non-saturating one (models/nets/gan.py)
            self.trainer.saturating.assign(1.0 if values["g_loss"] == "saturating" else 0.0)

    def variables(self) -> list:
        return RunState.variables(self.trainer)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"samples": np.asarray(self.trainer.generator.predict_on_batch(self.fixed_z))[..., 0]}


class PointsLesson(GanLesson):
    """GAN Lab's view: real points, the generator's points and the discriminator's verdict over the plane."""

    def __init__(self, settings: Settings):
        super().__init__(settings, (real_points(settings.points, POINTS, settings.seed), None))
        self.real = self.x[:SHOWN_POINTS]
        axis = np.linspace(-LIMIT, LIMIT, GRID, dtype=np.float32)
        self.grid = np.stack(np.meshgrid(axis, axis[::-1]), axis=-1).reshape(-1, 2)  # rows: top (high y) first

    def shown(self) -> int:
        return SHOWN_POINTS

    def arrays(self) -> dict[str, np.ndarray]:
        fake = np.asarray(self.trainer.generator.predict_on_batch(self.fixed_z))
        logits = np.asarray(self.trainer.discriminator.predict_on_batch(self.grid)).reshape(GRID, GRID)
        return {"real": self.real, "fake": fake, "heat": 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))}


@functools.cache
def training_images(dataset: str) -> tuple[tuple[np.ndarray, np.ndarray], str]:
    """(the training split, note): the full split if it is on this machine (no download here), else the
    committed 1,000-image sample, and a note that says which. Read once per worker: every new run (Reset, another
    lesson) reuses it instead of reading and checking the files again; nothing writes to it."""
    from training.datasets import DatasetError, load_dataset

    try:
        data = load_dataset(dataset, download=False)
        return (to_model_input(data.train[0]), data.train[1]), "full_data"
    except DatasetError:
        x, y = load_sample(dataset)
        return (to_model_input(x), y), "sample_data"


def build(settings: Settings) -> tuple[Lesson, str]:
    """The lesson for ``settings`` and its note (a catalogue key under ``learn.note``)."""
    if settings.lesson == "points":
        return PointsLesson(settings), "points_data"
    train, note = training_images(settings.dataset)
    if settings.lesson in ("images", "course_gan"):
        return GanLesson(settings, train), note
    return LatentLesson(settings, train, load_sample(settings.dataset)), note


def warm_up() -> None:
    """Build the default lesson and train it one batch, then drop it: a process's first model build and first
    traced training step cost seconds more than any later one (TensorFlow's one-time set-up, the dataset read),
    and a spare worker pays them while it waits rather than after the student has pressed Train."""
    settings = Settings()
    lesson, _ = build(settings)
    lesson.trainer.fit(lesson.dataset(settings.batch_size), epochs=1, steps_per_epoch=1, verbose=0)
    keras.backend.clear_session()
