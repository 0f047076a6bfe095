"""The one inference layer the pages, benchmarks and card evaluation call.

Wraps a loaded checkpoint bundle in a small object per family, run by a ``Runtime`` passed in:

- ``models.runtime.graph.NUMPY`` (the app): the ``.keras`` file run without importing TensorFlow, so a page's
  first render does not wait for the import and for tracing (docs/DECISIONS.md);
- ``models.nets.keras_runtime.KERAS`` (training, cards, ``--verify``; the default): the Keras bundle, each network
  one ``tf.function`` with a free batch dimension, so card metrics are reproduced by the code that trained them.

Both give the same outputs (``tests/test_graph.py``: ≤ 1e-4 on every committed network). The wrappers
hold no per-call state, so one instance is safe to share between Streamlit sessions and threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from models.checkpoints import CheckpointError, load_checkpoint
from models.registry import CLASSIFIER_FEATURES, ModelSpec, get_spec
from models.runtime import graph


class Runtime(Protocol):
    """How a network runs: the loader deals in files and cards, this object in networks."""

    name: str

    def load(self, path: Path) -> Any: ...

    def call(self, network: Any, arrays: list[np.ndarray]) -> Any: ...

    def truncated(self, network: Any, layer_name: str) -> Any: ...


def keras_runtime() -> Runtime:
    """The default runtime, imported only when asked for: reading cards must not wait for TensorFlow."""
    from models.nets.keras_runtime import KERAS

    return KERAS


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) or float images → float32 (N, H, W, 1) in [0, 1]; flat or single images are 28×28."""
    x = np.asarray(images)
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x[..., None] if x.ndim == 3 else x.reshape(-1, *x.shape[-3:]) if x.ndim == 4 else x.reshape(-1, 28, 28, 1)


def realness_logit(output):
    """The discriminator's real/fake logit, whether or not it also has a class head."""
    return output[0] if isinstance(output, (list, tuple)) else output


def _call(runtime: Runtime, network, inputs) -> Any:
    arrays = inputs if isinstance(inputs, list) else [inputs]
    arrays = [np.asarray(a, dtype=t.dtype) for a, t in zip(arrays, network.inputs)]
    out = runtime.call(network, arrays)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)


def _run(runtime: Runtime, network, inputs, batch: int = 2048) -> Any:
    """One call per chunk, so a 10,000-image evaluation does not allocate at once."""
    first = inputs[0] if isinstance(inputs, list) else inputs
    if len(first) <= batch:
        return _call(runtime, network, inputs)
    parts = [
        _call(
            runtime, network, [a[i : i + batch] for a in inputs] if isinstance(inputs, list) else inputs[i : i + batch]
        )
        for i in range(0, len(first), batch)
    ]
    if isinstance(parts[0], (list, tuple)):
        return [np.concatenate(p) for p in zip(*parts)]
    return np.concatenate(parts)


@dataclass
class LoadedModel:
    """What every family's wrapper holds and answers (``warm_up``), so no caller asks which family it holds.
    The rest of a family (how it trains, how it is scored) is its record in ``models.registry.FAMILIES``."""

    spec: ModelSpec
    dataset: str
    card: dict
    bundle: Any = field(repr=False)  # what ``runtime`` loaded: a keras.Model or a models.runtime.graph.Network
    runtime: Runtime = field(repr=False)

    def run(self, network: Any, inputs: Any) -> Any:
        """``network`` (a part of ``bundle``) on ``inputs``, by this model's runtime."""
        return _run(self.runtime, network, inputs)

    def warm_up(self) -> None:
        """Trace each network's compiled function once (on load, on a dummy input), so the first slider move
        is already fast."""


@dataclass
class Autoencoder(LoadedModel):
    def __post_init__(self):
        self.encoder = self.bundle.get_layer("encoder")
        self.decoder = self.bundle.get_layer("decoder")

    def encode(self, x: np.ndarray) -> np.ndarray:
        """The code of each input (for a VAE: the posterior mean)."""
        return np.asarray(self.run(self.encoder, x))

    def warm_up(self) -> None:
        self.reconstruct(np.zeros((1, *self.bundle.inputs[0].shape[1:]), np.float32))

    def decode(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(self.run(self.decoder, np.asarray(z, np.float32)))

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Decoder after encoder (what the bundle computes): two traced networks per model, not three."""
        return self.decode(self.encode(x))


@dataclass
class VariationalAE(Autoencoder):
    @property
    def latent_dim(self) -> int:
        return int(self.decoder.inputs[0].shape[-1])

    def posterior(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z_mean, z_log_var) of q(z|x) for each input."""
        z_mean, z_log_var = self.run(self.encoder, x)
        return np.asarray(z_mean), np.asarray(z_log_var)

    def encode(self, x: np.ndarray) -> np.ndarray:
        return self.posterior(x)[0]

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Decode the posterior mean (the deterministic reconstruction shown in the app)."""
        return self.decode(self.encode(x))


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
        return np.asarray(self.run(self.generator, inputs))

    def discriminate(self, images: np.ndarray, labels=None) -> np.ndarray:
        """Probability the discriminator assigns to "real" for each image."""
        x = to_model_input(images)
        inputs = [x, self._labels(len(x), labels)] if self.conditional else x
        logits = np.asarray(realness_logit(self.run(self.discriminator, inputs))).reshape(-1)
        return 1.0 / (1.0 + np.exp(-logits))

    def warm_up(self) -> None:
        self.discriminate(self.generate(self.noise(1, 0)))


@dataclass
class Classifier(LoadedModel):
    def __post_init__(self):
        self.feature_model = self.runtime.truncated(self.bundle, CLASSIFIER_FEATURES)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.run(self.bundle, to_model_input(x)))

    def features(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.run(self.feature_model, to_model_input(x)))

    def warm_up(self) -> None:
        self.features(np.zeros((1, 28, 28), np.uint8))
        self.probabilities(np.zeros((1, 28, 28), np.uint8))


@dataclass
class Translator(LoadedModel):
    """CycleGAN: ``to_bold`` (G) and ``to_regular`` (F), each on float images (N, 28, 28, 1) in [0, 1]."""

    def __post_init__(self):
        self.generators = {"bold": self.bundle.get_layer("to_bold"), "regular": self.bundle.get_layer("to_regular")}

    def translate(self, x: np.ndarray, to: str) -> np.ndarray:
        """``x`` drawn in the other style, redrawn in style ``to`` ("bold" or "regular")."""
        return np.asarray(self.run(self.generators[to], to_model_input(x)))

    def round_trip(self, x: np.ndarray, to: str) -> tuple[np.ndarray, np.ndarray]:
        """(translated, translated back): the back image should be ``x`` again (cycle consistency)."""
        there = self.translate(x, to)
        return there, self.translate(there, "regular" if to == "bold" else "bold")

    def warm_up(self) -> None:
        for to in self.generators:
            self.translate(np.zeros((1, 28, 28, 1), np.float32), to)


# Each family's wrapper (models.registry.FAMILIES), by family name.
WRAPPERS: dict[str, type[LoadedModel]] = {
    "autoencoder": Autoencoder,
    "vae": VariationalAE,
    "gan": GenerativeAdversarial,
    "classifier": Classifier,
    "cyclegan": Translator,
    "layerwise": Autoencoder,  # the stacked AE trained one layer at a time
    "pix2pix": Translator,  # the same translation, learned from pairs
}


def wrap(spec: ModelSpec, dataset: str, bundle: Any, card: dict, runtime: Runtime | None = None) -> LoadedModel:
    """``bundle`` in its family's wrapper (``models.registry.FAMILIES``), run by ``runtime`` (default: Keras)."""
    runtime = runtime or keras_runtime()
    return WRAPPERS[spec.family](spec=spec, dataset=dataset, card=card, bundle=bundle, runtime=runtime)


def load_model(dataset: str, name: str, root: Path | None = None, runtime: Runtime | None = None) -> LoadedModel:
    """Load one checkpoint (card checked) as its inference wrapper, ready to call, on ``runtime`` (default: Keras,
    ``safe_mode``, traced; the app passes ``models.runtime.graph.NUMPY``).

    Raises ``models.checkpoints.CheckpointError`` with the rebuild command on any problem.
    """
    runtime = runtime or keras_runtime()
    spec = get_spec(name)
    bundle, card = load_checkpoint(dataset, name, root, runtime=runtime)
    model = wrap(spec, dataset, bundle, card, runtime)
    try:
        model.warm_up()  # one call of every network: anything the NumPy runtime cannot run shows up here
    except graph.UnsupportedGraph as err:
        raise CheckpointError(
            f"{name} ({dataset}) uses something the app's NumPy runtime (models/runtime/graph.py) cannot run: {err}. "
            f"Rebuild it with: {spec.checkpoint_command(dataset)}"
        ) from None
    return model
