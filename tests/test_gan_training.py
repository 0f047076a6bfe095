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


def test_class_balance_terms_reward_confident_and_even_classes():
    """CatGAN's generator loss is lowest when each fake reads as one class and the batch covers all ten."""
    import keras

    from models.nets.gan import GAN

    generator, discriminator = get_spec("dcgan").build()
    trainer = GAN(generator, discriminator, noise_dim=64, class_balance=1.0)
    eye = np.eye(10, dtype="float32") * 20.0  # each row: one class, confidently

    def loss(logits):
        return float(keras.ops.convert_to_numpy(trainer._class_balance_loss(keras.ops.convert_to_tensor(logits))[0]))

    confident_even = loss(np.tile(eye, (4, 1)))
    confident_one_class = loss(np.tile(eye[:1], (40, 1)))  # a collapsed generator: one class only
    unsure = loss(np.zeros((40, 10), "float32"))  # strokes halfway between every class
    assert confident_even < confident_one_class - 2.0  # log(10) ≈ 2.3 apart
    assert confident_even < unsure - 2.0
    assert trainer.uses_labels  # the class head learns from real labels though the generator is unconditional


def test_dcgan_generator_ignores_labels_and_the_discriminator_reads_classes(tiny_images):
    spec, (x, y) = _tiny("dcgan"), tiny_images
    bundle = fit(spec, x, y, epochs=1, verbose=0).bundle
    generator, discriminator = bundle.get_layer("generator"), bundle.get_layer("discriminator")
    assert len(generator.inputs) == 1  # noise only: the DCGAN stays unconditional
    logit, class_logits = discriminator(x[:4])
    assert tuple(logit.shape) == (4, 1) and tuple(class_logits.shape) == (4, 10)
