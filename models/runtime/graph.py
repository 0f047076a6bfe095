"""Run a saved Keras network in NumPy, straight from its ``.keras`` file, without importing Keras.

Why: the app only ever runs the committed networks forward, and importing TensorFlow, deserialising each
``.keras`` file and tracing its graph cost a lecturer's first page ~10 s of silence (issue #12); this reads
the same file (``config.json`` for the graph, ``model.weights.h5`` for the weights) in well under a second
and runs the layers the zoo uses with NumPy matrix products. Training, cards and ``--verify`` keep Keras;
``tests/test_graph.py`` holds every committed network's NumPy output to Keras' (≤ 1e-4).

A ``Network`` answers the calls the inference layer makes of a Keras model: ``get_layer``, ``inputs``
(shape, dtype), ``layers`` and calling it on arrays; ``truncated(name)`` stops at an inner layer's output.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

# Images per forward pass: the convolutions' gathered windows then stay small enough for the CPU's cache
# (measured: docs/DECISIONS.md).
CHUNK = 32


class UnsupportedGraph(ValueError):
    """The file holds a layer or option this runner does not implement (the caller may fall back to Keras)."""


def _snake(name: str) -> str:
    """Keras' ``naming.to_snake_case``: how the weights file names a layer (by class, not by its own name)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805

ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": lambda x: 1 / (1 + np.exp(-np.maximum(x, -80))),  # e^80 still fits float32: no overflow
    "tanh": np.tanh,
    "selu": lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0))),
    "softmax": _softmax,
}


def activation_name(value: Any) -> str:
    """The activation a layer config names, however Keras wrote it (a string, a serialised object, None):
    the one reader of activations for this runtime and the browser export."""
    if isinstance(value, dict):
        value = value.get("config", {}).get("name", value.get("class_name"))
    return value or "linear"


def _activation(value: Any):
    name = activation_name(value)
    if name not in ACTIVATIONS:
        raise UnsupportedGraph(f"activation {name!r}")
    return ACTIVATIONS[name]


def _same_padding(size: int, k: int, s: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's 'same': output ceil(size / s), the extra padding at the end."""
    span = (k - 1) * dilation + 1
    total = max((-(-size // s) - 1) * s + span - size, 0)
    return total // 2, total - total // 2


def _dot(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x @ w`` over the last axis as one 2-D product (NumPy treats a 4-D ``x`` as a stack of small ones,
    ~10× slower here)."""
    return (np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ w).reshape(*x.shape[:-1], w.shape[-1])


def _conv2d(x: np.ndarray, kernel: np.ndarray, stride: int, padding: str, dilation: int) -> np.ndarray:
    """Convolution as matrix products, copying whichever is smaller (the copies, not the arithmetic, are
    what cost time here): gather every kernel tap's input window side by side and multiply once (im2col),
    or, when the layer has fewer output than input channels (a final 16 → 1 layer), multiply every input
    pixel by every tap first and add the shifted results."""
    k, h, w = kernel.shape[0], x.shape[1], x.shape[2]
    c_in, c_out = kernel.shape[2], kernel.shape[3]
    if padding == "same":
        (top, bottom), (left, right) = _same_padding(h, k, stride, dilation), _same_padding(w, k, stride, dilation)
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    span = (k - 1) * dilation + 1
    oh, ow = (x.shape[1] - span) // stride + 1, (x.shape[2] - span) // stride + 1

    def window(src: np.ndarray, a: int, b: int) -> np.ndarray:
        i, j = a * dilation, b * dilation
        return src[:, i : i + stride * (oh - 1) + 1 : stride, j : j + stride * (ow - 1) + 1 : stride]

    if c_out * stride * stride < c_in:
        spread = _dot(x, kernel.transpose(2, 0, 1, 3).reshape(c_in, -1)).reshape(*x.shape[:3], k, k, c_out)
        return sum(window(spread[..., a, b, :], a, b) for a in range(k) for b in range(k))
    columns = np.concatenate([window(x, a, b) for a in range(k) for b in range(k)], axis=-1)
    return _dot(columns, kernel.reshape(-1, c_out))  # columns in the kernel's (a, b, c) order


def _conv2d_transpose(x: np.ndarray, kernel: np.ndarray, stride: int, padding: str) -> np.ndarray:
    """Transposed convolution (kernel shape (k, k, C_out, C_in)) as matrix products. With fewer output than
    input channels: every input pixel times every tap, scattered into place. Otherwise one output phase at a
    time: the output pixels (y, x) with the same (y mod s, x mod s) draw on the same taps, each a shifted
    input, so a phase is one product and nothing is scattered. Either way cropped as TensorFlow does."""
    k, n, h, w = kernel.shape[0], *x.shape[:3]
    s, c_in, c_out = stride, kernel.shape[3], kernel.shape[2]
    if padding == "same":
        oh, ow, top = h * s, w * s, max(k - s, 0) // 2
    else:
        oh, ow, top = (h - 1) * s + k, (w - 1) * s + k, 0
    if c_out < c_in:
        spread = _dot(x, kernel.transpose(3, 0, 1, 2).reshape(c_in, -1)).reshape(n, h, w, k, k, c_out)
        full = np.zeros((n, max((h - 1) * s + k, top + oh), max((w - 1) * s + k, top + ow), c_out), np.float32)
        for a in range(k):
            for b in range(k):
                full[:, a : a + s * (h - 1) + 1 : s, b : b + s * (w - 1) + 1 : s] += spread[:, :, :, a, b]
        return full[:, top : top + oh, top : top + ow]
    pad = k // s + 1
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    out = np.empty((n, oh, ow, c_out), np.float32)
    for py in range(s):
        rows = len(range(py, oh, s))
        taps_y = [(a, (py + top - a) // s) for a in range(k) if (py + top - a) % s == 0]
        for px in range(s):
            cols = len(range(px, ow, s))
            taps = [
                (a, di, b, dj)
                for a, di in taps_y
                for b, dj in ((b, (px + top - b) // s) for b in range(k))
                if (px + top - b) % s == 0
            ]
            if not taps:
                out[:, py::s, px::s] = 0
                continue
            windows = [xp[:, pad + di : pad + di + rows, pad + dj : pad + dj + cols] for _, di, _, dj in taps]
            weights = np.concatenate([kernel[a, b].T for a, _, b, _ in taps], axis=0)  # (taps·C_in, C_out)
            out[:, py::s, px::s] = _dot(np.concatenate(windows, axis=-1), weights)
    return out


def _lstm(x: np.ndarray, kernel, recurrent, bias, units: int, sequences: bool, act, rec_act) -> np.ndarray:
    """Keras' LSTM (gates in the order input, forget, cell, output), zero initial state."""
    n = x.shape[0]
    h, c = np.zeros((n, units), np.float32), np.zeros((n, units), np.float32)
    projected = _dot(x, kernel) + bias  # (N, T, 4u): the input's share of every gate at once
    outputs = []
    for t in range(x.shape[1]):
        z = projected[:, t] + h @ recurrent
        i, f, g, o = (z[:, q * units : (q + 1) * units] for q in range(4))
        c = rec_act(f) * c + rec_act(i) * act(g)
        h = rec_act(o) * act(c)
        outputs.append(h)
    return np.stack(outputs, axis=1) if sequences else h


@dataclass
class Tensor:
    """What ``model.inputs[i]`` tells the inference layer: the shape (batch first, None) and dtype."""

    shape: tuple
    dtype: str


@dataclass
class Layer:
    """One layer of a saved graph: its Keras class, config and weights (in Keras' variable order)."""

    class_name: str
    name: str
    config: dict
    weights: list[np.ndarray] = field(default_factory=list, repr=False)
    inbound: list[Any] = field(default_factory=list, repr=False)  # per call: the call's ``args``
    network: Network | None = field(default=None, repr=False)  # a nested model

    def get_config(self) -> dict:
        return self.config

    def get_weights(self) -> list[np.ndarray]:
        return list(self.weights)

    def __call__(self, args: list) -> Any:
        if self.network is not None:
            return self.network(args if len(args) > 1 else args[0])
        return OPS[self.class_name](self, args[0] if len(args) == 1 else args)


# ---------------------------------------------------------------- one function per Keras layer class


def _identity(layer: Layer, x):  # training-only layers (noise, dropout, activity penalties): identity at inference
    return x


def _dense(layer: Layer, x):
    cfg, w = layer.config, layer.weights
    y = _dot(x, w[0])
    return _activation(cfg.get("activation"))(y + w[1] if cfg.get("use_bias", True) else y)


def _dense_transpose(layer: Layer, x):  # models.nets.layers.DenseTranspose: the tied layer's kernel, transposed
    return _activation(layer.config.get("activation"))(_dot(x, layer.weights[0].T) + layer.weights[1])


def _conv_stride(layer: Layer) -> int:
    cfg, kind = layer.config, layer.class_name
    if cfg.get("data_format", "channels_last") != "channels_last" or cfg.get("groups", 1) != 1:
        raise UnsupportedGraph(f"{kind} {layer.name}: data_format/groups")
    stride = int(cfg["strides"][0])
    if tuple(cfg["strides"]) != (stride, stride) or cfg["padding"] not in ("same", "valid"):
        raise UnsupportedGraph(f"{kind} {layer.name}: strides {cfg['strides']}, padding {cfg['padding']}")
    return stride


def _biased(layer: Layer, y):
    cfg, w = layer.config, layer.weights
    return _activation(cfg.get("activation"))(y + w[1] if cfg.get("use_bias", True) else y)


def _conv(layer: Layer, x):
    cfg = layer.config
    stride = _conv_stride(layer)
    return _biased(layer, _conv2d(x, layer.weights[0], stride, cfg["padding"], int(cfg.get("dilation_rate", [1])[0])))


def _conv_transpose(layer: Layer, x):
    cfg = layer.config
    stride = _conv_stride(layer)
    if cfg.get("output_padding") is not None or tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1):
        raise UnsupportedGraph(f"Conv2DTranspose {layer.name}: output_padding/dilation")
    return _biased(layer, _conv2d_transpose(x, layer.weights[0], stride, cfg["padding"]))


def batch_norm_affine(layer) -> tuple[np.ndarray, np.ndarray]:
    """Inference-mode batch normalisation as one (scale, shift) per channel, of a Keras layer or a ``Layer``."""
    cfg, it = layer.get_config(), iter(np.asarray(w, np.float32) for w in layer.get_weights())
    gamma = next(it) if cfg.get("scale", True) else np.float32(1.0)
    beta = next(it) if cfg.get("center", True) else np.float32(0.0)
    mean, var = next(it), next(it)
    scale = gamma / np.sqrt(var + cfg["epsilon"])
    return scale, beta - mean * scale


def _batch_norm(layer: Layer, x):
    scale, shift = batch_norm_affine(layer)
    y = x * scale
    y += shift
    return y


def _leaky_relu(layer: Layer, x):
    slope = np.float32(layer.config.get("negative_slope", 0.3))
    # max(x, a·x) is the same function for 0 ≤ a < 1, in one pass instead of three
    return np.maximum(x, slope * x) if 0 <= slope < 1 else np.where(x >= 0, x, slope * x)


def _relu(layer: Layer, x):
    cfg = layer.config
    slope, threshold, cap = cfg.get("negative_slope", 0.0), cfg.get("threshold", 0.0), cfg.get("max_value")
    if slope == 0 and threshold == 0 and cap is None:
        return np.maximum(x, np.float32(0))  # the plain ReLU: one pass
    y = np.where(x >= threshold, x, np.float32(slope) * (x - threshold))
    return np.minimum(y, np.float32(cap)) if cap is not None else y


def _upsampling(layer: Layer, x):
    cfg = layer.config
    if cfg.get("interpolation", "nearest") != "nearest":
        raise UnsupportedGraph(f"UpSampling2D {layer.name}: {cfg['interpolation']}")
    fy, fx = cfg["size"]
    return x.repeat(fy, axis=1).repeat(fx, axis=2)


def _max_pooling(layer: Layer, x):
    cfg = layer.config
    p, s = int(cfg["pool_size"][0]), int(cfg["strides"][0])
    if p != s or cfg["padding"] != "valid":
        raise UnsupportedGraph(f"MaxPooling2D {layer.name}: pool {p}, strides {s}")
    n, h, w, c = x.shape
    x = x[:, : h // p * p, : w // p * p]
    return x.reshape(n, h // p, p, w // p, p, c).max(axis=(2, 4))


def _lstm_layer(layer: Layer, x):
    cfg, w = layer.config, layer.weights
    if cfg.get("go_backwards") or cfg.get("return_state") or cfg.get("stateful"):
        raise UnsupportedGraph(f"LSTM {layer.name}: go_backwards/return_state/stateful")
    act, rec_act = _activation(cfg["activation"]), _activation(cfg["recurrent_activation"])
    bias = w[2] if cfg.get("use_bias", True) else 0.0
    return _lstm(x, w[0], w[1], bias, int(cfg["units"]), bool(cfg["return_sequences"]), act, rec_act)


def _minibatch_std(layer: Layer, x):  # models.nets.layers.MinibatchStdDev: the batch's mean standard deviation
    std = np.sqrt(x.var(axis=0) + np.float32(1e-8)).mean()
    return np.concatenate([x, np.full((*x.shape[:-1], 1), std, x.dtype)], axis=-1)


# Every layer class this runtime runs (its keys are the supported set: a file with any other is refused when
# it is read). "InputLayer" and "Functional" are read, not run.
OPS = {
    "Dense": _dense,
    "DenseTranspose": _dense_transpose,
    "Conv2D": _conv,
    "Conv2DTranspose": _conv_transpose,
    "BatchNormalization": _batch_norm,
    "LeakyReLU": _leaky_relu,
    "ReLU": _relu,
    "Activation": lambda layer, x: _activation(layer.config["activation"])(x),
    "Flatten": lambda layer, x: x.reshape(len(x), -1),
    "Reshape": lambda layer, x: x.reshape(len(x), *layer.config["target_shape"]),
    "RepeatVector": lambda layer, x: np.repeat(x[:, None, :], int(layer.config["n"]), axis=1),
    "UpSampling2D": _upsampling,
    "MaxPooling2D": _max_pooling,
    "Embedding": lambda layer, x: layer.weights[0][np.asarray(x).astype(np.int64)],
    "Concatenate": lambda layer, x: np.concatenate(x, axis=layer.config.get("axis", -1)),
    "Add": lambda layer, x: sum(x[1:], x[0]),
    "LSTM": _lstm_layer,
    "MinibatchStdDev": _minibatch_std,
    "Dropout": _identity,
    "ActivityRegularization": _identity,
    "KLSparsity": _identity,
    "GaussianNoise": _identity,
}
READ_ONLY = {"InputLayer", "Functional"}


def _ref(tensor: dict) -> tuple[str, int, int]:
    name, node, index = tensor["config"]["keras_history"]
    return name, int(node), int(index)


def _is_ref(spec) -> bool:
    return isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str)


def _refs(spec) -> list[tuple[str, int, int]]:
    """``input_layers`` of a config: one [name, node, index] or a list of them."""
    return [tuple(spec)] if _is_ref(spec) else [tuple(s) for s in spec]


def _map_refs(spec, fn):
    """``output_layers`` may nest (a model whose second output is itself a list): keep its structure."""
    return fn(*spec) if _is_ref(spec) else [_map_refs(s, fn) for s in spec]


class Network:
    """A functional Keras model read from its config, run layer by layer in float32 NumPy."""

    def __init__(self, config: dict):
        self.name = config["name"]
        self.layers: list[Layer] = []
        for entry in config["layers"]:
            if entry["class_name"] not in OPS and entry["class_name"] not in READ_ONLY:
                raise UnsupportedGraph(f"layer {entry['class_name']} ({entry['name']})")
            for key in ("activation", "recurrent_activation"):
                if key in entry["config"]:
                    _activation(entry["config"][key])  # raises UnsupportedGraph now, not on a page's first call
            layer = Layer(entry["class_name"], entry["name"], entry["config"], inbound=entry.get("inbound_nodes", []))
            if entry["class_name"] == "Functional":
                layer.network = Network(entry["config"])
            self.layers.append(layer)
        self._by_name = {layer.name: layer for layer in self.layers}
        self._input_refs = _refs(config["input_layers"])
        self._outputs = config["output_layers"]
        self.inputs = [
            Tensor(tuple(self._by_name[name].config["batch_shape"]), self._by_name[name].config.get("dtype", "float32"))
            for name, _, _ in self._input_refs
        ]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer | Network:
        layer = self.layers[index] if index is not None else self._by_name[name]
        return layer.network if layer.network is not None else layer

    def truncated(self, layer_name: str) -> Network:
        """The same network answering with ``layer_name``'s output (e.g. the classifier's features)."""
        view = object.__new__(Network)
        view.__dict__.update(self.__dict__)
        view._outputs = [layer_name, 0, 0]
        return view

    def summary(self) -> list[tuple[str, str, tuple, int]]:
        """(name, class, output shape without the batch, parameter count) per layer, input layers included:
        the shapes from one forward pass of a zero example."""
        example = [np.zeros((1, *t.shape[1:]), t.dtype) for t in self.inputs]
        rows = []
        for layer in self.layers:
            if layer.class_name == "InputLayer":
                shape = tuple(layer.config["batch_shape"][1:])
            else:
                out = self.truncated(layer.name)(example if len(example) > 1 else example[0])
                shape = tuple((out[0] if isinstance(out, list) else out).shape[1:])
            params = sum(w.size for w in layer.weights) if layer.network is None else layer.network.count_params()
            rows.append((layer.name, layer.class_name, shape, int(params)))
        return rows

    def count_params(self) -> int:
        return sum(w.size for layer in self.layers for w in layer.weights) + sum(
            layer.network.count_params() for layer in self.layers if layer.network is not None
        )

    def load_weights(self, store, prefix: str = "") -> None:
        """Fill every layer's weights from the h5 ``store`` (paths named as Keras' saving_lib names them)."""
        used: dict[str, int] = {}
        for layer in self.layers:
            if layer.class_name == "InputLayer":
                continue
            base = _snake(layer.class_name)
            key = base if base not in used else f"{base}_{used[base]}"
            used[base] = used.get(base, 0) + 1
            path = f"{prefix}layers/{key}"
            if layer.network is not None:
                layer.network.load_weights(store, path + "/")
                continue
            group = store.get(f"{path}/cell/vars") if layer.class_name == "LSTM" else store.get(f"{path}/vars")
            if group is not None:
                layer.weights = [np.asarray(group[str(i)], np.float32) for i in range(len(group))]

    @property
    def batch_independent(self) -> bool:
        """False if an output depends on the rest of the batch (``MinibatchStdDev``): never run in chunks."""
        return all(
            layer.class_name != "MinibatchStdDev" and (layer.network is None or layer.network.batch_independent)
            for layer in self.layers
        )

    def __call__(self, inputs) -> Any:
        arrays = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if len(arrays) != len(self._input_refs):
            raise ValueError(f"{self.name} takes {len(self._input_refs)} inputs, got {len(arrays)}")
        n = len(arrays[0])
        if n <= CHUNK or not self.batch_independent:
            return self._forward(arrays)
        parts = [self._forward([a[i : i + CHUNK] for a in arrays]) for i in range(0, n, CHUNK)]
        return _join(parts)

    def _forward(self, arrays: list) -> Any:
        values: dict[tuple[str, int], list] = {
            (name, node): [np.asarray(a, np.float32) if t.dtype.startswith("float") else np.asarray(a)]
            for (name, node, _), a, t in zip(self._input_refs, arrays, self.inputs)
        }

        def resolve(arg):
            if isinstance(arg, list):
                return [resolve(a) for a in arg]
            if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
                return value(*_ref(arg))
            return arg

        def value(name: str, node: int, index: int):
            if (name, node) not in values:
                layer = self._by_name[name]
                # A nested model's node 0 is the one Keras made when building it; its calls come after.
                call = layer.inbound[node - 1 if layer.network is not None else node]
                out = layer([resolve(a) for a in call["args"]])
                values[(name, node)] = list(out) if isinstance(out, (list, tuple)) else [out]
            return values[(name, node)][index]

        return _map_refs(self._outputs, value)


def _join(parts: list) -> Any:
    """Concatenate the outputs of chunked passes, keeping their (possibly nested) list structure."""
    if isinstance(parts[0], list):
        return [_join([p[i] for p in parts]) for i in range(len(parts[0]))]
    return np.concatenate(parts)


def load_network(path: Path | str) -> Network:
    """The model saved in the ``.keras`` file at ``path``, weights loaded. Raises ``UnsupportedGraph``
    for a file this runner cannot read, ``OSError``/``KeyError``/``ValueError`` for a damaged one."""
    import h5py  # Keras' own dependency; imported here so a config-only use stays light

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    if config.get("class_name") != "Functional":
        raise UnsupportedGraph(f"{config.get('class_name')} model")
    network = Network(config["config"])
    with h5py.File(io.BytesIO(weights), "r") as store:
        network.load_weights(store)
    return network


class NumpyRuntime:
    """The app's runtime (``models.runtime.inference.Runtime``): the ``.keras`` file read and run by this module,
    without TensorFlow."""

    name = "numpy"

    def load(self, path: Path) -> Network:
        return load_network(path)

    def call(self, network: Network, arrays: list[np.ndarray]) -> Any:
        return network(arrays if len(arrays) > 1 else arrays[0])

    def truncated(self, network: Network, layer_name: str) -> Network:
        return network.truncated(layer_name)


NUMPY = NumpyRuntime()
