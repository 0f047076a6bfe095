"""The Keras runtime of ``models.runtime.inference`` (``KERAS``): a checkpoint loaded by Keras and each network run
as one traced function. Training, cards and ``--verify`` use it; the app runs ``models.runtime.graph.NUMPY``."""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from models.nets import layers as _registered  # noqa: F401  (registers the custom classes before loading)


def load(path: Path):
    """The bundle at ``path``: no compile state, ``safe_mode`` (no Lambda layers, no pickled code)."""
    return keras.models.load_model(path, compile=False, safe_mode=True)


def truncated(model, layer_name: str):
    """The same network answering with ``layer_name``'s output (e.g. the classifier's features)."""
    return keras.Model(model.inputs, model.get_layer(layer_name).output)


_COMPILED: dict[int, tuple[Any, Any]] = {}
_COMPILED_LOCK = threading.Lock()


def _forward(model, single: bool, *tensors):
    return model(tensors[0] if single else list(tensors), training=False)


def compiled(model):
    """The network as one ``tf.function`` whose batch dimension is ``None``: traced once (by ``warm_up``, on
    load), then fast for any batch size. (``predict_on_batch`` traces again for each new batch size until it
    relaxes its shapes, which cost up to a second per model on a page's first render; eager calls instead of
    tracing made a cold Reconstruction page slower still.) Kept for the life of the process, as the models are."""
    with _COMPILED_LOCK:
        entry = _COMPILED.get(id(model))
        if entry is None or entry[0] is not model:
            signature = [tf.TensorSpec((None, *t.shape[1:]), t.dtype) for t in model.inputs]
            # A partial per model: TensorFlow counts traces per code object, and would report one shared
            # function "retracing" for every network of the zoo.
            forward = functools.partial(_forward, model, len(signature) == 1)
            entry = (model, tf.function(forward, input_signature=signature, autograph=False))
            _COMPILED[id(model)] = entry
        return entry[1]


class KerasRuntime:
    """``models.runtime.inference.Runtime`` on Keras: ``safe_mode`` loading, one ``tf.function`` per network."""

    name = "keras"

    def load(self, path: Path) -> keras.Model:
        return load(path)

    def call(self, network: keras.Model, arrays: list) -> Any:
        return compiled(network)(*arrays)

    def truncated(self, network: keras.Model, layer_name: str) -> keras.Model:
        return truncated(network, layer_name)


KERAS = KerasRuntime()
