"""The one inference layer the pages, benchmarks and card evaluation call.

Wraps a loaded checkpoint bundle in a small object per family. Every call goes through
``predict_on_batch`` (a compiled function, ~1 ms per call here, versus ~60 ms for
``predict``); the wrappers hold no per-call state, so one instance is safe to share
between Streamlit sessions and threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from models.checkpoints import load_checkpoint
from models.classifier import FEATURE_LAYER
from models.gan import realness_logit
from models.registry import ModelSpec, get_spec


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) or float images → float32 (N, 28, 28, 1) in [0, 1]."""
    x = np.asarray(images)
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x.reshape(-1, 28, 28, 1)


def _run(model: keras.Model, inputs, batch: int = 2048) -> Any:
    """``predict_on_batch`` in chunks, so a 10,000-image evaluation does not allocate at once."""
    first = inputs[0] if isinstance(inputs, list) else inputs
    if len(first) <= batch:
        return model.predict_on_batch(inputs)
    parts = [
        model.predict_on_batch(
            [a[i : i + batch] for a in inputs] if isinstance(inputs, list) else inputs[i : i + batch]
        )
        for i in range(0, len(first), batch)
    ]
    if isinstance(parts[0], (list, tuple)):
        return [np.concatenate(p) for p in zip(*parts)]
    return np.concatenate(parts)


@dataclass
class LoadedModel:
    """One model family's interface: every family answers the same calls (``encode`` returns one array,
    ``warm_up``, ``evaluate``), so no caller asks which family it holds. What the app needs to know of a
    family without TensorFlow is ``models.registry.FAMILIES``."""

    spec: ModelSpec
    dataset: str
    card: dict
    bundle: keras.Model = field(repr=False)

    def warm_up(self) -> None:
        """Trace the compiled predict functions once, so the first slider move is already fast."""

    def evaluate(
        self, x: np.ndarray, y: np.ndarray, classifier: Classifier | None = None, n_generated: int | None = None
    ) -> dict:
        """Card metrics on images ``x`` (uint8) with labels ``y`` (see ``models/evaluation.py``)."""
        raise NotImplementedError


@dataclass
class Autoencoder(LoadedModel):
    def __post_init__(self):
        self.encoder = self.bundle.get_layer("encoder")
        self.decoder = self.bundle.get_layer("decoder")

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The code of each input (for a VAE: the posterior mean)."""
        return np.asarray(_run(self.encoder, x))

    def warm_up(self) -> None:
        x = np.zeros((1, *self.bundle.inputs[0].shape[1:]), np.float32)
        self.decode(self.encode(x))
        self.reconstruct(x)

    def evaluate(self, x, y, classifier=None, n_generated=None) -> dict:
        from models.evaluation import evaluate_autoencoder

        return evaluate_autoencoder(self, x)

    def decode(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(_run(self.decoder, np.asarray(z, np.float32)))

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_run(self.bundle, x))


@dataclass
class VariationalAE(Autoencoder):
    @property
    def latent_dim(self) -> int:
        return int(self.decoder.inputs[0].shape[-1])

    def posterior(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z_mean, z_log_var) of q(z|x) for each input."""
        z_mean, z_log_var = _run(self.encoder, x)
        return np.asarray(z_mean), np.asarray(z_log_var)

    def encode(self, x: np.ndarray) -> np.ndarray:
        return self.posterior(x)[0]

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Decode the posterior mean (the deterministic reconstruction shown in the app)."""
        return self.decode(self.encode(x))

    def evaluate(self, x, y, classifier=None, n_generated=None) -> dict:
        from models.evaluation import evaluate_vae

        return evaluate_vae(self, x)


@dataclass
class GenerativeAdversarial(LoadedModel):
    def __post_init__(self):
        self.generator = self.bundle.get_layer("generator")
        self.discriminator = self.bundle.get_layer("discriminator")
        self.conditional = self.spec.conditional
        self.noise_dim = int(self.spec.noise_dim)

    def noise(self, n: int, seed: int, truncation: float | None = None) -> np.ndarray:
        """Standard-normal latents; with ``truncation`` t, values with |z| > t are redrawn."""
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.noise_dim))
        if truncation:
            bad = np.abs(z) > truncation
            while bad.any():
                z[bad] = rng.standard_normal(int(bad.sum()))
                bad = np.abs(z) > truncation
        return z.astype(np.float32)

    def _labels(self, n: int, labels) -> np.ndarray:
        if labels is None:
            return (np.arange(n) % 10).astype(np.int32).reshape(-1, 1)
        return np.broadcast_to(np.asarray(labels, np.int32).reshape(-1, 1), (n, 1)).copy()

    def generate(self, z: np.ndarray, labels=None) -> np.ndarray:
        z = np.asarray(z, np.float32)
        inputs = [z, self._labels(len(z), labels)] if self.conditional else z
        return np.asarray(_run(self.generator, inputs))

    def discriminate(self, images: np.ndarray, labels=None) -> np.ndarray:
        """Probability the discriminator assigns to "real" for each image."""
        x = to_model_input(images)
        inputs = [x, self._labels(len(x), labels)] if self.conditional else x
        logits = np.asarray(realness_logit(_run(self.discriminator, inputs))).reshape(-1)
        return 1.0 / (1.0 + np.exp(-logits))

    def warm_up(self) -> None:
        self.discriminate(self.generate(self.noise(1, 0)))

    def evaluate(self, x, y, classifier=None, n_generated=None) -> dict:
        from models.evaluation import evaluate_gan

        if classifier is None:
            raise ValueError("scoring a GAN needs the dataset's classifier; train it first")
        return evaluate_gan(self, x, y, classifier, n_generated or len(x))


@dataclass
class Classifier(LoadedModel):
    def __post_init__(self):
        self.feature_model = keras.Model(self.bundle.inputs, self.bundle.get_layer(FEATURE_LAYER).output)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_run(self.bundle, to_model_input(x)))

    def features(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(_run(self.feature_model, to_model_input(x)))

    def warm_up(self) -> None:
        self.features(np.zeros((1, 28, 28), np.uint8))
        self.probabilities(np.zeros((1, 28, 28), np.uint8))

    def evaluate(self, x, y, classifier=None, n_generated=None) -> dict:
        return {"accuracy": float(round(float((self.probabilities(x).argmax(axis=1) == y).mean()), 7))}


_WRAPPERS = {"autoencoder": Autoencoder, "vae": VariationalAE, "gan": GenerativeAdversarial, "classifier": Classifier}


def wrap(spec: ModelSpec, dataset: str, bundle: keras.Model, card: dict) -> LoadedModel:
    return _WRAPPERS[spec.family](spec=spec, dataset=dataset, card=card, bundle=bundle)


def load_model(dataset: str, name: str, root: Path | None = None) -> LoadedModel:
    """Load one checkpoint (safe_mode, card checked) as its inference wrapper.

    Raises ``models.checkpoints.CheckpointError`` with the rebuild command on any problem.
    """
    spec = get_spec(name)
    bundle, card = load_checkpoint(dataset, name, root)
    model = wrap(spec, dataset, bundle, card)
    model.warm_up()
    return model
