"""Latent play in the browser: a 2-D pad, a row of sliders or a GAN's seed-to-seed scrub, whose decoded
images follow the mouse.

The decoders run in the browser (``latent_play.js``, a Custom Components v2 component): Python sends each
decoder's layers and weights once per session (``models/runtime/export.py``, read from the loaded checkpoint), the
browser decodes and paints on every pointer move, and only the final latent comes back, on release — so a
drag costs the server nothing. If the browser cannot run it (a JS error, an exotic layer), the caller gets
``None`` and draws its server-side sliders instead.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from models.runtime.export import UnsupportedLayer, decoder_spec, to_payload
from pages.ui import rooms
from pages.ui.colours import CLASS_COLOURS
from pages.ui.i18n import t

if TYPE_CHECKING:
    from models.runtime.inference import LoadedModel

_JS = (Path(__file__).with_name("latent_play.js")).read_text()
_CSS = """
.lab-root { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #222); }
.lab-pad-row { display: flex; gap: 1.2rem; align-items: flex-start; flex-wrap: wrap; }
.lab-pad-box { position: relative; max-width: 100%; line-height: 0; }
.lab-pad { border: 1px solid #ccc; border-radius: 6px; cursor: crosshair; touch-action: none; max-width: 100%; }
.lab-cursor { position: absolute; left: -7px; top: -7px; width: 16px; height: 16px; box-sizing: border-box;
  border: 2px solid #111; border-radius: 50%; pointer-events: none; will-change: transform; }
.lab-side, .lab-out-row { display: flex; gap: 0.8rem; flex-wrap: wrap; align-items: flex-start; }
.lab-side { flex-direction: column; }
.lab-out { image-rendering: pixelated; border-radius: 4px; background: #000; }
figure { margin: 0; text-align: center; }
figcaption { font-size: 0.85rem; margin-top: 0.2rem; }
.lab-readout { font-variant-numeric: tabular-nums; font-size: 0.95rem; }
.lab-nearest { font-size: 0.95rem; min-height: 1.3em; }
.lab-pad:focus-visible { outline: 3px solid #1740c2; outline-offset: 3px; }
.lab-pad-column { display: flex; flex-direction: column; gap: 0.5rem; max-width: 100%; }
.lab-legend { display: flex; flex-wrap: wrap; gap: 0.2rem 0.9rem; list-style: none; margin: 0; padding: 0;
  font-size: 0.9rem; line-height: 1.4; max-width: 380px; }
.lab-legend li { display: flex; align-items: center; gap: 0.3rem; }
.lab-swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 50%; }
.lab-sliders { display: grid; grid-template-columns: repeat(5, minmax(7rem, 1fr)); gap: 0.4rem 1rem; margin-bottom: 0.8rem; }
.lab-sliders label { display: flex; flex-direction: column; font-size: 0.85rem; }
.lab-scrub { display: flex; flex-direction: column; font-size: 0.95rem; margin-bottom: 0.6rem; }
.lab-scrub input { width: 100%; accent-color: var(--st-primary-color, #6C4CF1); }
.lab-sliders input { width: 100%; accent-color: var(--st-primary-color, #6C4CF1); }
"""
_COMPONENT = st.components.v2.component("latent_lab.latent_play", css=_CSS, js=_JS)


@st.cache_resource(show_spinner=False, max_entries=64)
def _payload(dataset: str, name: str, _network) -> dict | None:
    """The decoder's layers and weights for the browser, once per process; None if it cannot run there."""
    try:
        layers, weights = decoder_spec(_network)
    except UnsupportedLayer:
        return None
    return to_payload(layers, weights)


def decoder_payload(model: LoadedModel) -> dict | None:
    return _payload(model.dataset, model.spec.name, _network(model))


def _network(model: LoadedModel):
    return getattr(model, "decoder", None) or getattr(model, "generator", None)


def _side(model: LoadedModel) -> int:
    """The picture's side in pixels (28 for the digits, 32 for the shapes): the bundle's image input."""
    return int(next(t.shape[1] for t in reversed(model.bundle.inputs) if len(t.shape) == 4))


def _decoders(key: str, payloads: list[tuple[dict, str]]) -> list[dict] | None:
    """Decoder entries for the component; weights only for those this session has not been sent yet (or all,
    when the browser said it lost them)."""
    previous = st.session_state.get(key) or {}
    asked = previous.get("missing") if hasattr(previous, "get") else None
    if asked and asked != st.session_state.get(f"{key}-asked"):
        st.session_state[f"{key}-asked"], st.session_state[f"{key}-sent"] = asked, set()
    sent = st.session_state.setdefault(f"{key}-sent", set())
    out = []
    for payload, label in payloads:
        if payload is None:
            return None
        entry = {"sha": payload["sha"], "label": label, "layers": payload["layers"]}
        entry["weights"] = None if payload["sha"] in sent else payload["weights"]
        out.append(entry)
    return out


def _pack(data: dict) -> bytes:
    """The component's data as one binary message: the header's length (uint32, little-endian), the header
    (JSON, padded with spaces to a multiple of 4 bytes), then every decoder's float32 weights, which the
    header points to as [offset, length] from there (``unpack`` in ``latent_play.js``).

    Why bytes: Streamlit passes them through as they are. A dict it type-checks against pandas' types
    (importing pandas on a page's first run); a JSON text it encodes twice more (for the element's identity
    and its message), which with base64 weights cost ~0.1 s of the β-VAE page's first run (py-spy), and the
    browser then parsed 3.8 MB of text. Raw float32 is also a quarter smaller than base64."""
    blobs: list[bytes] = []
    decoders, offset = [], 0
    for decoder in data["decoders"]:
        weights = decoder["weights"]
        if weights is not None:
            blobs.append(weights)
            decoder = {**decoder, "weights": [offset, len(weights)]}
            offset += len(weights)
        decoders.append(decoder)
    header = json.dumps({**data, "decoders": decoders}).encode()
    header += b" " * (-len(header) % 4)
    return struct.pack("<I", len(header)) + header + b"".join(blobs)


def value_key(key: str) -> str:
    """The session entry that holds component ``key``'s released value (a plain number or list): what a class
    room carries to followers (``rooms.capture``: it starts with the page's prefix) and what the component opens
    at, so a follower's canvas jumps to the lecturer's release."""
    return f"{key}-value"


def _released(key: str, field: str) -> None:
    """The component's ``on_change``: copy a release into ``value_key`` (only a release of this browser's own:
    a follower whose entry the room set keeps it until they move the control themselves)."""
    value = st.session_state[key].get(field) if hasattr(st.session_state.get(key), "get") else None
    if isinstance(value, (int, float)):
        st.session_state[value_key(key)] = round(float(value), 4)
    elif value:
        st.session_state[value_key(key)] = [round(float(v), 4) for v in value]


def _mount(key: str, data: dict, default: dict) -> dict | None:
    state = st.session_state
    data = {**data, "room": rooms.gesture_room()}  # a class room's lecturer streams its drags; followers follow
    result = _COMPONENT(
        key=key,
        data=_pack(data),
        default=default,
        on_z_change=lambda: _released(key, "z"),
        on_offsets_change=lambda: _released(key, "offsets"),
        on_t_change=lambda: _released(key, "t"),
        on_missing_change=lambda: None,
        on_failed_change=lambda: None,
    )
    if result.get("failed"):
        return None
    state[f"{key}-sent"] |= {d["sha"] for d in data["decoders"] if d["weights"] is not None}
    return result


@st.cache_data(show_spinner=False, max_entries=16)
def _points_json(codes: np.ndarray, labels: np.ndarray) -> str:
    """The map's dots, [[z1, z2, class], …], as JSON text made once per map: on a rerun, building and encoding
    a thousand little lists was the largest cost of a release."""
    return json.dumps([[round(float(a), 3), round(float(b), 3), int(c)] for (a, b), c in zip(codes, labels)])


def held(key: str, field: str, default: list[float]) -> list[float]:
    """What the component ``key`` holds since its last release (``field``: the pad's ``"z"``, the sliders'
    ``"offsets"``; in a class room, the lecturer's last release), or ``default`` before any, read without
    drawing it: the value ``latent_pad`` or ``latent_sliders`` returns this run. A page draws what depends on it
    first, so its picture is sent ahead of the decoders' weights (docs/DECISIONS.md)."""
    value = st.session_state.get(value_key(key))
    if not isinstance(value, list) or len(value) != len(default):
        state = st.session_state.get(key)
        value = state.get(field) if hasattr(state, "get") else None
    return [float(v) for v in value] if value else list(default)


def _held_t(key: str, default: float) -> float:
    value = st.session_state.get(value_key(key))
    if isinstance(value, (int, float)) and 0.0 <= value <= 1.0:
        return float(value)
    state = st.session_state.get(key)
    released = state.get("t") if hasattr(state, "get") else None
    return default if released is None else float(released)


def _texts(**extra: str) -> dict[str, str]:
    """The component's words (alternative text, legend, nearest class), from the catalogue; the browser fills
    in ``{label}``, ``{where}`` and ``{name}`` as the point moves."""
    return {"image": t("play.image_alt"), **extra}


def latent_pad(
    key: str,
    model: LoadedModel,
    codes: np.ndarray,
    labels: np.ndarray,
    names: list[str],
    lim: float,
    z: tuple[float, float],
    label: str,
    pixels: int = 380,
    scale: int = 8,
    contrast: bool = False,
) -> tuple[float, float] | None:
    """A 2-D pad over ``codes`` (dots coloured by class, ``names`` in its legend); returns the released latent,
    or None if unavailable."""
    decoders = _decoders(key, [(decoder_payload(model), label)])
    if decoders is None:
        return None
    z = tuple(held(key, "z", list(z)))  # the last release (a follower: the lecturer's), where the pad opens
    data = {
        "mode": "pad",
        "id": key,
        "decoders": decoders,
        "size": _side(model) * scale,
        "contrast": contrast,
        "hover": False,
        "text": _texts(pad=t("play.pad_alt"), legend=t("play.legend"), nearest=t("play.nearest")),
        "pad": {
            "names": list(names),
            "lim": lim,
            "pixels": pixels,
            "points": _points_json(codes, labels),
            "colors": CLASS_COLOURS,
            "z": list(z),
        },
    }
    result = _mount(key, data, {"z": list(z)})
    if result is None:
        return None
    return float(z[0]), float(z[1])


def latent_sliders(
    key: str,
    models: list[LoadedModel],
    labels: list[str],
    bases: list[np.ndarray],
    orders: list[np.ndarray],
    count: int,
    captions: list[str],
    scale: int = 6,
    contrast: bool = False,
) -> list[float] | None:
    """``count`` sliders, slider k moving dimension ``orders[i][k]`` of every decoder i from its base code;
    returns the released offsets, or None if unavailable."""
    decoders = _decoders(key, [(decoder_payload(m), c) for m, c in zip(models, captions)])
    if decoders is None:
        return None
    values = held(key, "offsets", [0.0] * count)
    data = {
        "mode": "sliders",
        "id": key,
        "decoders": decoders,
        "size": _side(models[0]) * scale,
        "contrast": contrast,
        "text": _texts(),
        "sliders": {
            "lo": -3.0,
            "hi": 3.0,
            "step": 0.05,
            "values": values,
            "labels": labels,
            "bases": [np.asarray(b, float).round(6).tolist() for b in bases],
            "orders": [np.asarray(o, int).tolist() for o in orders],
        },
    }
    result = _mount(key, data, {"offsets": [0.0] * count})
    if result is None:
        return None
    return values


def latent_scrub(
    key: str, model: LoadedModel, a: np.ndarray, b: np.ndarray, t: float, caption: str, scale: int = 8
) -> float | None:
    """A slider that walks the generator from noise ``a`` to ``b`` (spherical interpolation, as
    ``models.analysis.generation.slerp``) live in the browser; returns the released position in [0, 1], or None if the
    generator cannot run there (the conditional GAN's label input)."""
    decoders = _decoders(key, [(decoder_payload(model), caption)])
    if decoders is None:
        return None
    data = {
        "mode": "scrub",
        "id": key,
        "decoders": decoders,
        "size": _side(model) * scale,
        "contrast": False,
        "text": _texts(),
        "scrub": {"a": np.asarray(a, float).tolist(), "b": np.asarray(b, float).tolist(), "t": _held_t(key, t)},
    }
    result = _mount(key, data, {"t": t})
    if result is None:
        return None
    return _held_t(key, t)
