"""Every registry entry builds, trains one step on tiny data, and survives save → load."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models.data import shapes
from models.data.toy import generate_3d_data
from models.registry import REGISTRY, SHAPES_DATASET, TOY_DATASET
from models.runtime.inference import to_model_input, wrap
from training.recipes import fit


@pytest.mark.parametrize("name", list(REGISTRY))
def test_builds_trains_one_step_and_round_trips(name, tiny_images, tmp_path):
    spec = REGISTRY[name]
    x, y = tiny_images
    if spec.datasets == (TOY_DATASET,):
        x, y = generate_3d_data(64), None
    if spec.datasets == (SHAPES_DATASET,):
        x, y = to_model_input(shapes.generate(np.arange(0, shapes.N_IMAGES, 11_520))[0]), None
    result = fit(spec, x, y, epochs=1, steps=1, verbose=0)
    losses = [v for k, v in result.history.items() if "loss" in k]
    assert losses and all(np.isfinite(v[0]) for v in losses)
    path = tmp_path / f"{name}.keras"
    result.bundle.save(path)
    loaded = keras.models.load_model(path, safe_mode=True, compile=False)
    inputs = [np.asarray(t) for t in _example_inputs(result.bundle, x)]
    before, after = result.bundle.predict_on_batch(inputs), loaded.predict_on_batch(inputs)
    for b, a in zip(keras.tree.flatten(before), keras.tree.flatten(after)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    if spec.family == "gan":
        assert result.progress_png is not None  # one sample grid per epoch for the app
    wrap(spec, "mnist", loaded, {})  # the inference wrapper finds its parts


def _example_inputs(bundle: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    out = []
    for tensor in bundle.inputs:
        shape = tuple(tensor.shape[1:])
        if tensor.dtype.startswith("int"):
            out.append(np.arange(8, dtype=np.int32).reshape(8, 1) % 10)
        elif shape == x.shape[1:]:
            out.append(x[:8])
        else:
            out.append(np.random.default_rng(0).standard_normal((8, *shape)).astype(np.float32))
    return out


def test_one_loaded_model_is_safe_to_share_between_threads():
    """Streamlit runs each session's script in its own thread, all calling the same cached model:
    concurrent calls must give exactly what one caller gets."""
    from concurrent.futures import ThreadPoolExecutor

    from models.runtime.inference import load_model

    vae = load_model("mnist", "vae_conv_2d")
    points = np.random.default_rng(1).uniform(-3, 3, (64, 1, 2)).astype(np.float32)
    alone = [vae.decode(p) for p in points]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(vae.decode, points))
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)


def test_every_name_the_registry_uses_is_in_its_modules_table():
    """Builders, wrappers, trainers and evaluators are reached through per-module tables, not import strings."""
    from models.eval.evaluation import EVALUATORS
    from models.nets.builders import BUILDERS
    from models.registry import FAMILIES, lesson_spec
    from models.runtime.inference import WRAPPERS
    from training.live.protocol import LESSONS
    from training.recipes import TRAINERS

    specs = [*REGISTRY.values(), *(lesson_spec(lesson) for lesson in LESSONS)]
    assert {s.build.name for s in specs} <= set(BUILDERS)
    assert set(FAMILIES) == set(WRAPPERS) == set(TRAINERS) == set(EVALUATORS)
    assert all(BUILDERS[s.build.name].__name__ == s.build.name for s in specs)
