"""The app's NumPy runtime (``models/runtime/graph.py``) against Keras, on every committed network.

The app runs what ``models.runtime.graph`` reads from the ``.keras`` files, never Keras itself; these tests are
what lets it: each network the inference layer calls gives Keras' output within 1e-4 on random inputs,
and the app's modules import no TensorFlow.
"""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pytest

from models.checkpoints import CheckpointError, checkpoint_paths, load_checkpoint
from models.registry import REGISTRY
from models.runtime import graph
from models.runtime.inference import load_model

ROOT = checkpoint_paths("mnist", "x")["weights"].parent.parent
COMMITTED = [
    (spec.name, dataset)
    for spec in REGISTRY.values()
    for dataset in spec.datasets
    if checkpoint_paths(dataset, spec.name)["weights"].exists()
]


def _example(tensor, rng: np.random.Generator, n: int = 16) -> np.ndarray:
    shape = (n, *tensor.shape[1:])
    if "int" in str(tensor.dtype):
        return rng.integers(0, 10, shape).astype("int32")
    return rng.random(shape).astype("float32")


def _flat(outputs) -> list[np.ndarray]:
    if isinstance(outputs, (list, tuple)):
        return [a for o in outputs for a in _flat(o)]
    return [np.asarray(outputs)]


def test_every_committed_checkpoint_is_covered():
    assert len(COMMITTED) >= 38, COMMITTED


@pytest.mark.parametrize(("name", "dataset"), COMMITTED, ids=[f"{d}/{n}" for n, d in COMMITTED])
def test_numpy_runtime_matches_keras_on_each_network(name, dataset):
    """Every sub-network (encoder, decoder, generator, discriminator, ...) or the whole model if it has none."""
    import keras

    bundle, _ = load_checkpoint(dataset, name)
    network = graph.load_network(checkpoint_paths(dataset, name)["weights"])
    parts = [layer.name for layer in bundle.layers if isinstance(layer, keras.Model)] or [None]
    rng = np.random.default_rng(0)
    for part in parts:
        k_net = bundle.get_layer(part) if part else bundle
        g_net = network.get_layer(part) if part else network
        assert [t.shape[1:] for t in g_net.inputs] == [tuple(t.shape[1:]) for t in k_net.inputs]
        inputs = [_example(t, rng) for t in k_net.inputs]
        args = inputs if len(inputs) > 1 else inputs[0]
        expected, got = _flat(k_net(args, training=False)), _flat(g_net(args))
        assert len(got) == len(expected), part
        for e, g in zip(expected, got):
            assert g.shape == e.shape, (part, g.shape, e.shape)
            assert np.abs(g - e).max() <= 1e-4, (part, float(np.abs(g - e).max()))


def test_wrappers_agree_across_runtimes(mnist_sample):
    """The same family interface on both runtimes: reconstructions, posteriors, samples, class probabilities."""
    x = mnist_sample[0][:32]
    for name, call in [
        ("conv_ae_transpose", lambda m: m.reconstruct(x.reshape(-1, 28, 28, 1) / 255.0)),
        ("vae_conv_2d", lambda m: np.concatenate(m.posterior(x.reshape(-1, 28, 28, 1) / 255.0), axis=1)),
        ("cgan", lambda m: m.generate(m.noise(20, seed=3))),
        ("dcgan", lambda m: m.discriminate(m.generate(m.noise(20, seed=3)))),
        ("classifier", lambda m: m.features(x)),
    ]:
        a = call(load_model("mnist", name))  # the default: Keras
        b = call(load_model("mnist", name, runtime=graph.NUMPY))
        assert np.abs(a - b).max() <= 1e-4, name


def test_summary_gives_output_shapes_and_parameters():
    network = graph.load_network(checkpoint_paths("mnist", "vae_conv_2d")["weights"])
    rows = network.get_layer("decoder").summary()
    assert rows[0][2] == (2,) and rows[-1][2] == (28, 28, 1)
    assert sum(r[3] for r in rows) == network.get_layer("decoder").count_params() > 60_000


def test_unknown_layer_is_refused_not_guessed(tmp_path):
    """A file with a layer the runner does not implement is refused when read (never run as an identity),
    and the app's loader turns that into the usual rebuild message."""
    source = checkpoint_paths("mnist", "ae_2d")["weights"]
    with zipfile.ZipFile(source) as z:
        config, weights = z.read("config.json").decode(), z.read("model.weights.h5")
    changed = tmp_path / "mnist" / "ae_2d.keras"
    changed.parent.mkdir()
    shutil.copy(checkpoint_paths("mnist", "ae_2d")["card"], changed.with_suffix(".json"))
    with zipfile.ZipFile(changed, "w") as z:
        z.writestr("config.json", config.replace('"class_name": "Flatten"', '"class_name": "Cropping1D"', 1))
        z.writestr("model.weights.h5", weights)
    with pytest.raises(graph.UnsupportedGraph, match="Cropping1D"):
        graph.load_network(changed)
    with pytest.raises(CheckpointError, match="Rebuild it with: python -m training"):
        load_checkpoint("mnist", "ae_2d", tmp_path, verify_hash=False, runtime=graph.NUMPY)
    assert '"activation": "relu"' in config
    with zipfile.ZipFile(changed, "w") as z:  # an activation it does not implement: refused the same way
        z.writestr("config.json", config.replace('"activation": "relu"', '"activation": "gelu"', 1))
        z.writestr("model.weights.h5", weights)
    with pytest.raises(graph.UnsupportedGraph, match="gelu"):
        graph.load_network(changed)
