"""A decoder's architecture and weights as plain data, for the in-browser forward pass (the latent pad).

``decoder_spec`` reads a loaded decoder (a Keras model or the app's ``models.runtime.graph.Network``) layer by layer (Dense, Reshape, Conv2D, Conv2DTranspose,
UpSampling2D, activations) into a JSON-able description plus one float32 blob of its weights, in the
order the JavaScript reads them (``pages/ui/latent_play.js``). The weights come from the committed
checkpoint as it was loaded, so the browser never runs a second, drifting copy; the browser tests hold its
output to the server's decode of the same latents.
"""

from __future__ import annotations

import hashlib

import numpy as np

from models.runtime.graph import activation_name, batch_norm_affine

ACTIVATIONS = {"linear", "relu", "sigmoid", "tanh", "leaky_relu"}


class UnsupportedLayer(ValueError):
    """The decoder has a layer the browser cannot run; the page keeps its server-side sliders."""


def _kind(layer) -> str:
    """The Keras class name, of a Keras layer or of a ``models.runtime.graph.Layer``."""
    return getattr(layer, "class_name", None) or type(layer).__name__


def _activation(layer) -> str:
    name = activation_name(layer.get_config().get("activation"))  # the runtime's reader: one parser of configs
    if name not in ACTIVATIONS:
        raise UnsupportedLayer(f"activation {name!r} of layer {layer.name}")
    return name


def decoder_spec(decoder) -> tuple[list[dict], np.ndarray]:
    """(layers, float32 weights) of ``decoder``; raises ``UnsupportedLayer`` for anything else."""
    layers_out, blobs = [], []
    shape = tuple(int(d) for d in decoder.inputs[0].shape[1:])
    for layer in decoder.layers:
        kind = _kind(layer)
        if kind == "InputLayer":
            continue
        if kind == "Dense":
            kernel, *rest = (np.asarray(w, np.float32) for w in layer.get_weights())
            bias = rest[0] if rest else np.zeros(kernel.shape[1], np.float32)
            layers_out.append(
                {"type": "dense", "in": kernel.shape[0], "out": kernel.shape[1], "activation": _activation(layer)}
            )
            blobs += [kernel.ravel(), bias]
            shape = (kernel.shape[1],)
        elif kind == "Reshape":
            shape = tuple(int(d) for d in layer.get_config()["target_shape"])
            layers_out.append({"type": "reshape", "shape": list(shape)})
        elif kind in ("Conv2D", "Conv2DTranspose"):
            cfg = layer.get_config()
            if cfg["padding"] != "same" or tuple(cfg.get("dilation_rate", (1, 1))) != (1, 1):
                raise UnsupportedLayer(f"{kind} {layer.name} with padding {cfg['padding']!r}")
            kernel, *rest = (np.asarray(w, np.float32) for w in layer.get_weights())
            bias = rest[0] if rest else np.zeros(kernel.shape[3] if kind == "Conv2D" else kernel.shape[2], np.float32)
            s = int(cfg["strides"][0])
            h, w, c = shape
            out_c = kernel.shape[3] if kind == "Conv2D" else kernel.shape[2]
            shape = (h * s, w * s, out_c) if kind == "Conv2DTranspose" else (-(-h // s), -(-w // s), out_c)
            layers_out.append(
                {
                    "type": "conv2d" if kind == "Conv2D" else "conv2d_transpose",
                    "k": int(kernel.shape[0]),
                    "stride": s,
                    "in_shape": [h, w, c],
                    "out_shape": list(shape),
                    "activation": _activation(layer),
                }
            )
            blobs += [kernel.ravel(), bias]
        elif kind == "UpSampling2D":
            f = int(layer.get_config()["size"][0])
            h, w, c = shape
            shape = (h * f, w * f, c)
            layers_out.append({"type": "upsampling2d", "factor": f, "in_shape": [h, w, c]})
        elif kind == "BatchNormalization":  # inference mode: one scale and shift per channel
            scale, shift = batch_norm_affine(layer)
            layers_out.append({"type": "affine", "channels": int(scale.size)})
            blobs += [scale, shift]
        elif kind in ("ReLU", "Activation", "LeakyReLU"):
            if kind == "LeakyReLU" and abs(float(layer.get_config()["negative_slope"]) - 0.2) > 1e-9:
                raise UnsupportedLayer(f"LeakyReLU {layer.name} with a slope other than 0.2")
            name = {"ReLU": "relu", "LeakyReLU": "leaky_relu"}.get(kind) or _activation(layer)
            layers_out.append({"type": "activation", "activation": name})
        else:
            raise UnsupportedLayer(f"{kind} layer {layer.name}")
    weights = np.concatenate(blobs).astype(np.float32) if blobs else np.zeros(0, np.float32)
    return layers_out, weights


def to_payload(layers: list[dict], weights: np.ndarray) -> dict:
    """What the browser receives: the layers, the weights as little-endian float32 bytes (sent as binary,
    ``pages/ui/latent_play.py``), and the weights' SHA-256 (the browser caches decoders by it)."""
    raw = weights.astype("<f4").tobytes()
    return {
        "layers": layers,
        "weights": raw,
        "size": int(weights.size),
        "sha": hashlib.sha256(raw).hexdigest()[:16],
    }
