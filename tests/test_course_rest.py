"""The rest of the course (#36): the minimax game's two generator losses, the hidden β of the course's VAE, the
sampling layer's spread, the course's own DCGAN and dense AE as lessons, and the new autoencoder lessons."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from tests.test_app import open_page

# ---------------------------------------------------------------- item 4: the minimax game


@pytest.mark.parametrize("d_fake", [1e-4, 1e-3, 0.3, 0.9])
def test_saturating_loss_stalls_where_the_discriminator_rejects_the_fakes(d_fake):
    """d/dlogit log(1 − σ(l)) = −σ(l) = −D and d/dlogit −log σ(l) = −(1 − D): at D(G(z)) ≈ 0 the minimax game's own
    generator loss has (almost) no gradient, the non-saturating one has (almost) −1."""
    import tensorflow as tf

    from models.nets.gan import generator_loss

    logit = tf.Variable([[float(np.log(d_fake / (1.0 - d_fake)))]])
    grads = {}
    for name, saturating in (("saturating", 1.0), ("non_saturating", 0.0)):
        with tf.GradientTape() as tape:
            loss = generator_loss(logit, saturating)
        grads[name] = float(tape.gradient(loss, logit).numpy().item())
    assert grads["saturating"] == pytest.approx(-d_fake, rel=1e-3)
    assert grads["non_saturating"] == pytest.approx(-(1.0 - d_fake), rel=1e-3)
    if d_fake < 0.01:  # where D rejects every fake: the saturating one stalls, the other does not
        assert abs(grads["saturating"]) < 0.01 < 0.99 < abs(grads["non_saturating"])


def test_the_live_switch_changes_the_generator_step(tmp_path):
    """The points lesson with each loss, same seed, one step from the same weights: the generators move apart."""
    from multiprocessing import Pipe

    from training.live.protocol import Settings
    from training.live.worker import Run

    after = {}
    for g_loss in ("non_saturating", "saturating"):
        commands, _ = Pipe(duplex=False)
        _, out = Pipe(duplex=False)
        run = Run(commands, out, Settings("points", g_loss=g_loss))
        assert float(run.lesson.trainer.saturating.numpy()) == (1.0 if g_loss == "saturating" else 0.0)
        run.lesson.trainer.fit(run.lesson.dataset(128), epochs=1, steps_per_epoch=1, verbose=0)
        after[g_loss] = [np.array(w) for w in run.lesson.trainer.generator.get_weights()]
    assert any(np.abs(a - b).max() > 1e-7 for a, b in zip(*after.values()))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_gan_page_writes_the_minimax_game(lang):
    from pages.ui.i18n import LANGUAGE_KEY, t

    at = open_page("gan", lang=lang, **{"gan-tab-name": "minimax"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    assert not at.exception, at.exception
    assert any(t("gan.minimax_formula", lang) in el.value for el in at.latex)
    assert any(t("gan.minimax_text", lang)[:40] in m.value for m in at.markdown)
    assert any(h.value == t("gan.minimax_title", lang) for h in at.header)
    assert [c for c in at.get("plotly_chart") if "gan-minimax" in str(c.proto.id)]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_points_lesson_offers_the_two_generator_losses(lang):
    from pages.ui.i18n import LANGUAGE_KEY, t

    at = open_page("learn", lang=lang, **{"learn-tab-name": "points"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    switch = at.segmented_control(key="learn-points-gloss")
    assert switch.value == "non_saturating" and switch.label == t("learn.g_loss", lang)
    switch.set_value("saturating").run()
    assert not at.exception, at.exception


# ---------------------------------------------------------------- item 6: the hidden β


def _bce(x, x_hat):
    x_hat = np.clip(x_hat, 1e-7, 1 - 1e-7)
    return -(x * np.log(x_hat) + (1 - x) * np.log(1 - x_hat))


def test_effective_beta_makes_each_written_loss_the_elbo_with_its_kl_weighted():
    """Each loss transcribed as its code writes it, on random numbers, against Σ −log p(x|z) + β·KL with the
    computed β: the same up to the constant factor (the reconstruction's weight)."""
    from models.analysis.effective_beta import BOOK_LOSS, COURSE_LOSS, effective_beta

    rng = np.random.default_rng(0)
    x, x_hat = rng.random((5, 784)), rng.random((5, 784))
    for loss, write in (
        # Chollet (DLwP 1st ed.): mean BCE + −5e-4 · mean over the 2 latent dims of (1 + lv − μ² − e^lv)
        (COURSE_LOSS, lambda bracket: _bce(x, x_hat).mean(axis=1) - 5e-4 * bracket.mean(axis=1)),
        # Géron (HOML ch. 17): mean BCE + (−0.5 · Σ over the 10 dims of the bracket) / 784
        (BOOK_LOSS, lambda bracket: _bce(x, x_hat).mean(axis=1) + (-0.5 * bracket.sum(axis=1)) / 784.0),
    ):
        mu, log_var = rng.normal(size=(5, loss.latent_dim)), rng.normal(size=(5, loss.latent_dim))
        bracket = 1 + log_var - mu**2 - np.exp(log_var)
        kl = -0.5 * bracket.sum(axis=1)
        beta = effective_beta(loss)
        np.testing.assert_allclose(write(bracket) * 784, _bce(x, x_hat).sum(axis=1) + beta * kl, rtol=1e-10)
    assert effective_beta(COURSE_LOSS) == pytest.approx(5e-4 * 784)  # the "about 0.4"
    assert effective_beta(BOOK_LOSS) == pytest.approx(1.0)


def test_zoo_recipes_effective_beta_is_their_beta_and_the_slider_reaches_the_courses():
    from models.analysis.effective_beta import COURSE_LOSS, effective_beta, every_recipe
    from models.registry import REGISTRY

    for name, loss in every_recipe().items():
        if name in REGISTRY:
            assert effective_beta(loss) == pytest.approx(REGISTRY[name].recipe.beta)
    at = open_page("learn", **{"learn-tab-name": "latent", "learn-model": "vae"})
    slider = at.select_slider(key="learn-beta")
    beta = effective_beta(COURSE_LOSS)
    assert any(o.startswith(f"{beta:g}:") for o in slider.options), slider.options  # labelled as the course's
    slider.set_value(round(beta, 3)).run()
    assert not at.exception and at.select_slider(key="learn-beta").value == pytest.approx(beta)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_beta_vae_page_states_each_recipes_effective_beta(lang):
    from models.analysis.effective_beta import effective_beta, every_recipe
    from pages.ui.i18n import LANGUAGE_KEY, t

    at = open_page("beta_vae", lang=lang, **{"bv-tab-name": "hidden"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert t("bv.hidden_title", lang) in [h.value for h in at.header]
    for name, loss in every_recipe().items():
        assert f"**{effective_beta(loss):.3g}**" in text, name
    assert t("bv.hidden_course", lang) in text and "**0.392**" in text


# ---------------------------------------------------------------- item 7: the sampling layer's spread


def test_the_courses_sampling_layer_spreads_by_variance_not_standard_deviation():
    from models.analysis.latents import sampling_spreads

    spread = sampling_spreads(np.log([0.04, 0.25]), seed=3)
    np.testing.assert_allclose(spread["course"], [0.04, 0.25], rtol=0.03)  # σ² = exp(log σ²)
    np.testing.assert_allclose(spread["correct"], [0.2, 0.5], rtol=0.03)  # σ


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_reparameterization_tab_shows_both_spreads(lang):
    from pages.ui.i18n import LANGUAGE_KEY

    at = open_page("latent_space", lang=lang, **{"ls-tab-name": "reparameterization"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    line = [m.value for m in at.markdown if "exp(0.5 · z_log_var)" in m.value]
    assert len(line) == 1 and "10,000" in line[0]
    course, correct = (tuple(map(float, p)) for p in re.findall(r"\((\d\.\d+), (\d\.\d+)\)", line[0]))
    assert all(c < s for c, s in zip(course, correct))  # σ < 1 here, so σ² < σ: the course's draws are too narrow


# ---------------------------------------------------------------- item 5: the course's own DCGAN and dense AE


def _conv(k: int, c_in: int, c_out: int) -> int:
    return k * k * c_in * c_out + c_out


def _dense(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


def test_course_dcgan_is_the_notes_layer_by_layer():
    from models.registry import LESSONS, LIVE_SPECS

    spec = LIVE_SPECS[LESSONS["course_gan"]]
    assert (spec.noise_dim, spec.recipe.batch_size, spec.recipe.learning_rate) == (32, 128, 4e-4)
    assert (spec.recipe.optimizer, spec.recipe.beta_1) == ("adam", 0.9)  # Keras' Adam(4e-4) as the notes call it
    generator, discriminator = spec.build()
    kinds = [type(layer).__name__ for layer in discriminator.layers[1:]]
    assert kinds == ["Conv2D", "LeakyReLU", "Dropout"] * 3 + ["Flatten", "Dense"]
    convs = [layer for layer in discriminator.layers if type(layer).__name__ == "Conv2D"]
    assert [(c.filters, c.kernel_size, c.strides) for c in convs] == [(f, (5, 5), (2, 2)) for f in (64, 128, 256)]
    assert all(layer.rate == 0.4 for layer in discriminator.layers if type(layer).__name__ == "Dropout")
    assert discriminator.layers[-1].activation.__name__ == "sigmoid"
    # 28 → 14 → 7 → 4 (stride 2, "same"), then one unit on the 4·4·256 features
    expected_d = _conv(5, 1, 64) + _conv(5, 64, 128) + _conv(5, 128, 256) + _dense(4 * 4 * 256, 1)
    assert discriminator.count_params() == expected_d
    kinds = [type(layer).__name__ for layer in generator.layers[1:]]
    assert kinds == (
        ["Dense", "BatchNormalization", "LeakyReLU", "Reshape"]
        + ["UpSampling2D", "Conv2DTranspose", "BatchNormalization", "LeakyReLU"] * 2
        + ["Conv2DTranspose"]
    )
    transposed = [layer for layer in generator.layers if type(layer).__name__ == "Conv2DTranspose"]
    assert [(c.filters, c.kernel_size) for c in transposed] == [(32, (5, 5)), (16, (5, 5)), (1, (5, 5))]
    assert transposed[-1].activation.__name__ == "sigmoid"
    assert all(layer.momentum == 0.9 for layer in generator.layers if type(layer).__name__ == "BatchNormalization")
    bn = 4  # γ, β, moving mean, moving variance per channel
    expected_g = (
        _dense(32, 7 * 7 * 64) + bn * 7 * 7 * 64 + _conv(5, 64, 32) + bn * 32 + _conv(5, 32, 16) + bn * 16
        + _conv(5, 16, 1)
    )  # fmt: skip
    assert generator.count_params() == expected_g
    assert generator.output.shape[1:] == (28, 28, 1)


def test_course_dense_ae_is_784_32_784_with_mse_and_adam():
    from models.registry import LESSONS, LIVE_SPECS

    spec = LIVE_SPECS[LESSONS["course_ae"]]
    assert (spec.recipe.loss, spec.recipe.optimizer) == ("mse", "adam")
    encoder, decoder = spec.build()
    dense = [layer for net in (encoder, decoder) for layer in net.layers if type(layer).__name__ == "Dense"]
    assert [d.units for d in dense] == [32, 784]
    assert [d.activation.__name__ for d in dense] == ["relu", "sigmoid"]
    assert encoder.count_params() + decoder.count_params() == _dense(784, 32) + _dense(32, 784)


def _train_live(lesson: str, steps: int = 2):
    """``steps`` batches of ``lesson`` through the worker's own ``Run`` (fit with its steering callback)."""
    import threading
    from multiprocessing import Pipe

    from models.data.samples import load_sample
    from models.runtime.inference import to_model_input
    from tests.test_live import wait_until
    from training.live import lessons
    from training.live.protocol import Quit, Settings, Step
    from training.live.worker import Run

    x, y = load_sample("mnist")
    app_end, worker_in = Pipe()
    worker_out, _ = Pipe()
    original = lessons.training_images
    lessons.training_images = lambda dataset: ((to_model_input(x), y), "sample_data")
    try:
        run = Run(worker_in, worker_out, Settings(lesson, batch_size=32))
    finally:
        lessons.training_images = original

    def end_when_paused():
        wait_until(lambda: run.state == "paused", 120, "the steps")
        app_end.send(Quit())

    run.handle(Step(steps))
    threading.Thread(target=end_when_paused, daemon=True).start()
    assert run.fit() == Quit()
    return run


@pytest.mark.parametrize("lesson", ["course_ae", "course_gan"])
def test_the_live_worker_trains_the_course_lessons(lesson):
    run = _train_live(lesson)
    assert run.step == 2
    assert all(np.isfinite(v).all() for v in run.curves.values()) and all(run.curves.values())
    arrays = run.lesson.arrays()
    if lesson == "course_ae":
        assert arrays["codes"].shape == (1000, 2) and arrays["reconstructions"].shape == (8, 28, 28)
    else:
        assert arrays["samples"].shape == (16, 28, 28)
        assert run.lesson.trainer.probabilities  # its sigmoid output is read back as a logit


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_learn_page_offers_the_course_lessons(lang):
    from pages.ui.i18n import LANGUAGE_KEY, t

    at = open_page("learn", lang=lang, **{"learn-tab-name": "latent"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    at.segmented_control(key="learn-model").set_value("course_ae").run()
    assert not at.exception, at.exception
    at = open_page("learn", lang=lang, **{"learn-tab-name": "images"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    at.segmented_control(key="learn-gan-model").set_value("course_gan").run()
    assert not at.exception, at.exception
    assert any(t("learn.help_course_gan", lang, iterations=2000) == c.value for c in at.caption)
    assert at.select_slider(key="learn-course_gan-dlr").value == 4e-4


# ---------------------------------------------------------------- item 2: one autoencoder at a time


def test_layerwise_training_fits_each_shallow_autoencoder_on_its_own_layers(monkeypatch):
    """Phase 1 changes only the first autoencoder's layers (784-100-784 on the images), phase 2 only the second's
    (100-30-100, fed the first one's 100-D codings); the stacked result has the end-to-end stacked AE's shape."""
    import keras

    from models.registry import get_spec
    from training import recipes

    shipped, built = get_spec("layerwise_ae"), {}

    def build():
        built["nets"] = shipped.build()
        return built["nets"]

    spec = dataclasses.replace(shipped, build=build)
    fit, calls = keras.Model.fit, []

    def spy(model, data, *args, **kwargs):
        named = {layer.name: layer for net in built["nets"] for layer in net.layers if layer.get_weights()}
        before = {n: [w.copy() for w in layer.get_weights()] for n, layer in named.items()}
        shape = tuple(next(iter(data))[0].shape[1:])
        out = fit(model, data, *args, **kwargs)
        moved = {n for n, layer in named.items() if any((a != b).any() for a, b in zip(before[n], layer.get_weights()))}
        calls.append((moved, shape))
        return out

    monkeypatch.setattr(keras.Model, "fit", spy)
    x = np.random.default_rng(0).random((256, 28, 28, 1)).astype(np.float32)
    result = recipes.fit_layerwise(spec, x, None, epochs=1, steps=2, verbose=0)
    assert calls == [({"hidden", "pixels"}, (28, 28, 1)), ({"codings", "hidden_out"}, (100,))]
    assert set(result.history) == {"phase1_loss", "phase1_seconds", "phase2_loss", "phase2_seconds"}
    assert result.bundle.count_params() == sum(net.count_params() for net in get_spec("stacked_ae").build())


def test_layerwise_comparison_on_the_committed_models(mnist_sample):
    """The first phase alone (100-D codings) reconstructs better than the stack (30-D); the table reads each test
    MSE and training time from its card."""
    from models.analysis.reconstruction import layerwise_comparison
    from models.runtime.inference import load_model

    greedy, whole = load_model("mnist", "layerwise_ae"), load_model("mnist", "stacked_ae")
    rows, phases = layerwise_comparison(greedy, whole, mnist_sample[0])
    assert [r.name for r in rows] == ["phase1", "layerwise_ae", "stacked_ae"]
    assert rows[0].sample_mse < rows[1].sample_mse
    assert rows[1].test_mse == greedy.card["metrics"]["mse"] and rows[2].seconds == whole.card["train_seconds"]
    assert set(phases) == {"phase1", "phase2"} and sum(phases.values()) <= greedy.card["train_seconds"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_reconstruction_page_shows_the_layerwise_lesson(lang):
    from pages.ui.i18n import LANGUAGE_KEY, model_title, t

    at = open_page("reconstruction", lang=lang, **{"rec-tab-name": "layerwise"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    assert not at.exception, at.exception
    assert t("rec.lw_title", lang) in [h.value for h in at.header]
    table = next(m.value for m in at.markdown if t("rec.lw_phase1", lang) in m.value)
    assert model_title("layerwise_ae", lang) in table and model_title("stacked_ae", lang) in table
    assert len(at.get("image")) >= 1


# ---------------------------------------------------------------- item 3: when the code is too big


def test_overcomplete_code_is_wider_than_the_image():
    from models.registry import get_spec

    encoder, decoder = get_spec("overcomplete_ae").build()
    assert int(np.prod(encoder.output.shape[1:])) > 28 * 28
    assert decoder.output.shape[1:] == (28, 28, 1)


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_the_overcomplete_ae_copies_noise_and_the_denoising_and_sparse_ones_do_not(dataset):
    """On the committed sample and as many noise images: the overcomplete AE's error on noise is under half of
    every denoising or sparse model's, and under half of a flat grey image's."""
    from models.analysis.reconstruction import COPY_MODELS, copy_scores
    from models.data.samples import load_sample
    from models.runtime.inference import load_model

    scores, grey = copy_scores({n: load_model(dataset, n) for n in COPY_MODELS}, load_sample(dataset)[0])
    scores = {s.name: s for s in scores}
    copier = scores.pop("overcomplete_ae")
    assert copier.noise_mse < 0.5 * grey  # it follows the noise, pixel by pixel
    for name, other in scores.items():
        assert copier.noise_mse < 0.5 * other.noise_mse, name


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_reconstruction_page_shows_the_overcomplete_lesson(lang):
    from models.analysis.reconstruction import COPY_MODELS
    from pages.ui.i18n import LANGUAGE_KEY, model_title, t

    at = open_page("reconstruction", lang=lang, **{"rec-tab-name": "overcomplete"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    assert not at.exception, at.exception
    assert t("rec.oc_title", lang) in [h.value for h in at.header]
    table = next(m.value for m in at.markdown if t("rec.oc_noise", lang) in m.value)
    assert all(model_title(n, lang) in table for n in COPY_MODELS)
    at.number_input(key="oc-seed").set_value(7).run()
    assert not at.exception and any(t("rec.oc_noise_input", lang, seed=7) in c for c in _captions(at))


def _captions(at) -> list[str]:
    return [img.caption for el in at.get("image") for img in el.proto.imgs]


# ---------------------------------------------------------------- item 1: pairs vs no pairs (pix2pix)


def test_pix2pix_is_a_unet_and_a_patchgan_with_l1_weight_100():
    """The generator's decoder reads its mirror's features at every resolution (the skips: 7×7, 14×14 and the
    input's own 28×28); the discriminator reads a (source, candidate) pair and answers one logit per 4×4 patch."""
    import keras

    from models.nets.pix2pix import L1_WEIGHT, pix2pix

    to_bold, to_regular, critic_bold, _ = pix2pix()
    assert L1_WEIGHT == 100.0
    for unet in (to_bold, to_regular):
        joins = [layer for layer in unet.layers if isinstance(layer, keras.layers.Concatenate)]
        assert [tuple(layer.output.shape[1:3]) for layer in joins] == [(7, 7), (14, 14), (28, 28)]
        assert unet.output.shape[1:] == (28, 28, 1)
    assert len(critic_bold.inputs) == 2 and critic_bold.output.shape[1:] == (7, 7, 1)


def test_pix2pix_trains_on_true_pairs(tiny_images):
    """Each batch is digits with their own bold twins, however shuffled: the supervision pix2pix needs."""
    from models.data.styles import embolden
    from training.recipes import _paired_batches

    x = tiny_images[0]
    batches = list(_paired_batches(x, embolden(x), batch_size=16, seed=3))
    assert len(batches) == len(x) // 16  # whole batches only
    for regular, bold in batches:
        np.testing.assert_array_equal(bold.numpy(), embolden(regular.numpy()))
    assert not np.array_equal(batches[0][0].numpy(), x[:16])  # shuffled


def test_pix2pix_step_is_the_adversarial_loss_plus_100_l1(tiny_images):
    """One step's logged L1 is the generators' mean |G(x) − y| summed over both directions, measured before it."""
    import keras

    from models.data.styles import embolden
    from models.nets.pix2pix import Pix2Pix, pix2pix

    keras.utils.set_random_seed(0)
    trainer = Pix2Pix(*pix2pix())
    trainer.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    x = tiny_images[0][:8]
    bold = embolden(x)
    expected = sum(
        float(np.abs(np.asarray(g(s, training=True)) - t).mean())
        for g, s, t in ((trainer.to_bold, x, bold), (trainer.to_regular, bold, x))
    )
    logs = trainer.train_on_batch(x, bold, return_dict=True)
    assert logs["l1"] == pytest.approx(expected, rel=0.05)  # dropout draws differ; batch statistics are the same


def test_pix2pix_resumed_run_equals_uninterrupted_run(tiny_images, tmp_path):
    from dataclasses import replace

    from models.registry import get_spec
    from training.recipes import fit

    spec = get_spec("pix2pix")
    spec = replace(spec, recipe=replace(spec.recipe, batch_size=8))
    x = tiny_images[0][:48]
    whole = fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "whole")
    fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "cut", stop_after=1)
    resumed = fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "cut", resume=True)
    assert resumed.seconds_before > 0
    for a, b in zip(whole.bundle.get_weights(), resumed.bundle.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_paired_vs_unpaired_bars_are_computed_from_the_cards():
    from models.analysis.generation import paired_vs_unpaired

    def card(name, to_bold, kept):
        metrics = {"translation_l1_to_bold": to_bold, "translation_l1_to_regular": 0.02, "class_kept": kept}
        return {"model": name, "metrics": metrics, "train_seconds": 10.0}

    rows, bar = paired_vs_unpaired(card("pix2pix", 0.007, 0.99), card("cyclegan", 0.014, 0.984))
    assert [r.name for r in rows] == ["pix2pix", "cyclegan"]
    assert bar["l1_ratio"] == (pytest.approx(0.5), True) and bar["kept"] == (0.99, True)
    _, bar = paired_vs_unpaired(card("pix2pix", 0.0112, 0.97), card("cyclegan", 0.014, 0.984))
    assert bar["l1_ratio"] == (pytest.approx(0.8), False) and bar["kept"] == (0.97, False)


def test_committed_pix2pix_is_scored_beside_the_cyclegan_on_the_same_test_digits():
    from models.checkpoints import read_card

    paired, unpaired = read_card("mnist", "pix2pix"), read_card("mnist", "cyclegan")
    assert paired["metrics"]["images"] == unpaired["metrics"]["images"] == 10_000
    assert paired["metrics"]["unchanged_l1"] == unpaired["metrics"]["unchanged_l1"]  # the same digits and pairs
    assert paired["metrics"]["translation_l1_to_bold"] < 0.2 * paired["metrics"]["unchanged_l1"]
    assert paired["metrics"]["class_kept"] >= 0.95


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_gan_page_shows_pairs_beside_no_pairs(lang):
    from models.analysis.generation import paired_vs_unpaired
    from models.checkpoints import read_card
    from pages.ui.i18n import LANGUAGE_KEY, model_title, t

    at = open_page("gan", lang=lang, **{"gan-tab-name": "pix2pix"})
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    assert not at.exception, at.exception
    assert t("gan.p2p_title", lang) in [h.value for h in at.header]
    text = "\n".join(m.value for m in at.markdown)
    assert model_title("pix2pix", lang) in text and model_title("cyclegan", lang) in text
    _, bar = paired_vs_unpaired(read_card("mnist", "pix2pix"), read_card("mnist", "cyclegan"))
    marks = [("✓" if ok else "✗") for _, ok in bar.values()]
    assert f"**{bar['l1_ratio'][0]:.2f}" in text and all(m in text for m in marks)
    assert any(t("gan.p2p_truth", lang) == c for c in _captions(at))
