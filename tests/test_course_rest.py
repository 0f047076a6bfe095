"""The rest of the course (#36): the minimax game's two generator losses, the hidden β of the course's VAE, the
sampling layer's spread, the course's own DCGAN and dense AE as lessons, and the new autoencoder lessons."""

from __future__ import annotations

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
