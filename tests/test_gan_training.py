"""Long GAN runs: resumable after an interruption, and the EMA generator is what ships."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.registry import get_spec
from training.recipes import fit


def _tiny(name: str):
    """The registry's GAN recipe on tiny data: batches of 16, so an epoch is four steps."""
    spec = get_spec(name)
    return replace(spec, recipe=replace(spec.recipe, batch_size=16, ema_decay=0.9))


@pytest.mark.parametrize("name", ["dcgan", "cgan"])
def test_resumed_run_equals_uninterrupted_run(name, tiny_images, tmp_path):
    spec, (x, y) = _tiny(name), tiny_images
    whole = fit(spec, x, y, epochs=3, verbose=0, run_dir=tmp_path / "whole")
    fit(spec, x, y, epochs=3, verbose=0, run_dir=tmp_path / "cut", stop_after=1)  # "killed" after epoch 1
    resumed = fit(spec, x, y, epochs=3, verbose=0, run_dir=tmp_path / "cut", resume=True)
    assert resumed.seconds_before > 0  # it did continue the saved run
    for a, b in zip(whole.bundle.get_weights(), resumed.bundle.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    for key in whole.history:
        np.testing.assert_allclose(whole.history[key], resumed.history[key], rtol=1e-4)
    assert len(resumed.history["g_loss"]) == 3
    fresh = fit(spec, x, y, epochs=3, verbose=0, run_dir=tmp_path / "cut2", stop_after=1)  # not resumed: 1 epoch
    assert any(np.abs(a - b).max() > 1e-4 for a, b in zip(whole.bundle.get_weights(), fresh.bundle.get_weights()))


def test_resume_refuses_a_run_planned_differently(tiny_images, tmp_path):
    spec, (x, y) = _tiny("dcgan"), tiny_images
    fit(spec, x, y, epochs=2, verbose=0, run_dir=tmp_path / "run", steps=2)
    with pytest.raises(ValueError, match="planned"):  # other steps per epoch
        fit(spec, x, y, epochs=2, verbose=0, run_dir=tmp_path / "run", steps=3, resume=True)
    with pytest.raises(ValueError, match="planned"):  # fewer epochs than already done
        fit(spec, x, y, epochs=1, verbose=0, run_dir=tmp_path / "run", steps=2, resume=True)


def test_a_finished_run_can_be_extended(tiny_images, tmp_path):
    """Resuming with more epochs equals an uninterrupted run of the longer plan."""
    spec, (x, y) = _tiny("dcgan"), tiny_images
    fit(spec, x, y, epochs=1, verbose=0, run_dir=tmp_path / "short")
    extended = fit(spec, x, y, epochs=2, verbose=0, run_dir=tmp_path / "short", resume=True)
    whole = fit(spec, x, y, epochs=2, verbose=0, run_dir=tmp_path / "whole")
    for a, b in zip(whole.bundle.get_weights(), extended.bundle.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_checkpoint_holds_the_ema_generator(tiny_images, tmp_path):
    spec, (x, y) = _tiny("dcgan"), tiny_images
    result = fit(spec, x, y, epochs=2, verbose=0, run_dir=tmp_path / "run")
    shipped = result.bundle.get_layer("generator").get_weights()
    raw = result.raw_generator.get_weights()
    assert any(np.abs(a - b).max() > 1e-6 for a, b in zip(shipped, raw))  # averaging changed the weights
    # The run state saves [generator, discriminator, EMA generator, ...]: the shipped one is the EMA slice.
    with np.load(tmp_path / "run" / "state.npz") as state:
        n_g, n_d = len(raw), len(result.bundle.get_layer("discriminator").weights)
        ema = [state[f"v{i}"] for i in range(n_g + n_d, 2 * n_g + n_d)]
        saved_raw = [state[f"v{i}"] for i in range(n_g)]
    for s, e in zip(shipped, ema):
        np.testing.assert_array_equal(s, e)
    for r, s in zip(raw, saved_raw):
        np.testing.assert_array_equal(r, s)
