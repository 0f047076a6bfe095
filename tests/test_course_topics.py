"""Course topics drawn from committed data (no dataset needed): t-SNE of the codings (HOML 17.3.3),
unsupervised pretraining (17.3.4) and the CycleGAN."""

from __future__ import annotations

import numpy as np
import pytest

from bench.harness import shown
from models import checkpoints
from tests.test_app import open_page


def _knn_accuracy(points: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    d = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    votes = labels[np.argsort(d, axis=1)[:, :k]]
    return float((np.array([np.bincount(v, minlength=10).argmax() for v in votes]) == labels).mean())


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_tsne_map_is_committed_and_separates_the_classes_better_than_pca(dataset):
    """HOML 17.3.3: t-SNE of the stacked AE's codings separates classes that PCA's view mixes."""
    from models.analysis import reconstruction
    from models.data.samples import load_sample
    from models.runtime.inference import load_model

    model = load_model(dataset, "stacked_ae")
    x, y = load_sample(dataset)
    tsne = checkpoints.read_tsne_map(dataset, "stacked_ae", model.card["weights_sha256"])
    assert tsne is not None and tsne.shape == (len(x), 2)
    assert _knn_accuracy(tsne, y) > _knn_accuracy(reconstruction.codings_2d(model, x), y) + 0.2


def test_codings_map_offers_tsne_from_the_committed_file():
    at = open_page("reconstruction", **{"rec-tab-name": "map"})
    assert at.segmented_control(key="rec-proj").value == "tsne"
    assert not [i for i in at.info if shown("rec.tsne_missing") in i.value]  # the map was found, nothing computed live


# ---------------------------------------------------------------- CycleGAN


def test_cycle_consistency_loss_is_zero_for_identity_generators_and_positive_otherwise(mnist_sample):
    from models.data.styles import embolden
    from models.nets.cyclegan import cycle_consistency_loss, cyclegan
    from models.runtime.inference import to_model_input

    x = to_model_input(mnist_sample[0][:16])
    a, b = x[:8], embolden(x[8:])
    identity = lambda images: images  # noqa: E731
    assert float(cycle_consistency_loss(identity, identity, a, b)) == 0.0
    # Making strokes bold with no way back breaks the cycle; so do generators with random weights (a fresh
    # one starts as the identity: its last layer is zero).
    assert float(cycle_consistency_loss(embolden, identity, a, b)) > 0.01
    to_bold, to_regular, _, _ = cyclegan()
    assert float(cycle_consistency_loss(to_bold, to_regular, a, b)) == 0.0
    rng = np.random.default_rng(0)
    for net in (to_bold, to_regular):
        net.set_weights([rng.normal(0, 0.2, w.shape).astype(np.float32) for w in net.get_weights()])
    assert float(cycle_consistency_loss(to_bold, to_regular, a, b)) > 0.01


def test_embolden_only_adds_ink(mnist_sample):
    from models.data.styles import embolden

    x = mnist_sample[0][:32]
    bold = embolden(x)
    assert bold.shape == x.shape and bold.dtype == x.dtype
    assert (bold >= x).all() and bold.astype(int).sum() > 1.3 * x.astype(int).sum()


def test_training_domains_share_no_digit(mnist_sample):
    """Unpaired: no image of the regular half appears, emboldened, in the bold half."""
    from models.data.styles import embolden, unpaired_domains

    x = mnist_sample[0][:200]
    regular, bold = unpaired_domains(x, seed=42)
    assert len(regular) == len(bold) == 100
    made_bold = embolden(regular).reshape(len(regular), -1)
    same = (made_bold[:, None, :] == bold.reshape(len(bold), -1)[None]).all(axis=-1)
    assert not same.any()


def test_committed_cyclegan_keeps_the_digit_and_returns_it(mnist_sample):
    """The shipped translators: a round trip comes back closer to the input than the other style is,
    and the classifier still reads the digit after translation."""
    from models.analysis import generation
    from models.runtime.inference import load_model

    translator = load_model("mnist", "cyclegan")
    classifier = load_model("mnist", "classifier")
    x, y = mnist_sample[0][:100], mnist_sample[1][:100]
    for to in ("bold", "regular"):
        trips = [generation.cycle_round_trip(translator, image, to) for image in x[:20]]
        assert np.mean([trip.cycle_l1 for trip in trips]) < 0.05
        there = translator.translate(generation.cycle_round_trip(translator, x[0], to).source[None], to)
        assert there.shape == (1, 28, 28, 1)
    kept = classifier.probabilities(translator.translate(x, "bold")).argmax(axis=1) == y
    assert kept.mean() >= 0.9


# What the shipped CycleGAN must reach on the MNIST test split (its card).
CYCLEGAN_BARS = {"translation_l1_to_bold": 0.04, "translation_l1_to_regular": 0.06}
CYCLEGAN_KEPT = {"class_kept_to_bold": 0.97, "class_kept_to_regular": 0.95}


def test_shipped_cyclegan_translates_to_the_true_other_style():
    from models.checkpoints import read_card

    card = read_card("mnist", "cyclegan")
    metrics = card["metrics"]
    assert metrics["images"] == 10_000
    for key, bar in CYCLEGAN_BARS.items():
        assert metrics[key] <= bar, (key, metrics[key])
        assert metrics[key] < 0.5 * metrics["unchanged_l1"]  # far better than doing nothing
    for key, bar in CYCLEGAN_KEPT.items():
        assert metrics[key] >= bar, (key, metrics[key])


def test_shipped_cyclegan_meets_its_bars_on_the_sample_scored_now(mnist_sample):
    """The same bars, computed from the weights on the committed 1,000-image sample (not read from the card)."""
    from training.verify import reevaluate

    _, now = reevaluate("mnist", "cyclegan", sample=mnist_sample)
    assert now["images"] == len(mnist_sample[0])
    for key, bar in CYCLEGAN_BARS.items():
        assert now[key] <= bar and now[key] < 0.5 * now["unchanged_l1"], (key, now[key])
    for key, bar in CYCLEGAN_KEPT.items():
        assert now[key] >= bar, (key, now[key])


def test_image_history_keeps_old_fakes_and_hands_them_back():
    import tensorflow as tf

    from models.nets.cyclegan import ImageHistory

    pool = ImageHistory("test", seed=1, size=4)
    first = tf.ones((4, 28, 28, 1)) * tf.reshape(tf.range(1.0, 5.0), (4, 1, 1, 1))
    assert np.array_equal(pool.query(first).numpy(), first.numpy())  # filling: every fake passes through
    assert int(pool.filled.numpy()) == 4
    values = np.arange(10.0, 30.0)  # each later batch its own value: an answer that differs is an earlier fake
    answers = np.stack([pool.query(tf.fill((4, 28, 28, 1), np.float32(v))).numpy()[:, 0, 0, 0] for v in values])
    old = answers != values[:, None]
    assert 0.3 < old.mean() < 0.7  # about half of the answers come from the history
    seen = {1.0, 2.0, 3.0, 4.0} | set(values)
    assert all(a in seen and a <= v for row, v in zip(answers, values) for a in row)  # nothing from the future


def test_cyclegan_resumed_run_equals_uninterrupted_run(tiny_images, tmp_path):
    from dataclasses import replace

    from models.registry import get_spec
    from training.recipes import fit

    spec = get_spec("cyclegan")
    spec = replace(spec, recipe=replace(spec.recipe, batch_size=8))
    x = tiny_images[0][:48]
    whole = fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "whole")
    fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "cut", stop_after=1)
    resumed = fit(spec, x, None, epochs=2, verbose=0, run_dir=tmp_path / "cut", resume=True)
    assert resumed.seconds_before > 0
    for a, b in zip(whole.bundle.get_weights(), resumed.bundle.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_gan_page_translates_with_the_cyclegan():
    from tests.test_app import images

    at = open_page("gan", **{"gan-tab-name": "cyclegan"})
    before = {k: v for k, v in images(at).items() if "bold" in k or "regular" in k}
    assert len(before) == 3 and any(m.label.startswith("Cycle error") for m in at.metric)
    at.segmented_control(key="cg-to").set_value("regular").run()
    assert not at.exception, at.exception
    after = {k: v for k, v in images(at).items() if "bold" in k or "regular" in k}
    assert len(after) == 3 and set(after.values()) != set(before.values())


# ---------------------------------------------------------------- unsupervised pretraining


# The pretrained classifier's gain over one from scratch, in accuracy points, that the committed curve must show.
PRETRAINING_BARS = {"mnist": {1: 0.10, 2: 0.10, 5: 0.10, 10: 0.05}, "fashion_mnist": {1: 0.03, 2: 0.03, 5: 0.03}}


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_pretraining_curve_is_committed_for_the_shipped_encoders_and_the_codes_pay(dataset):
    from models.checkpoints import read_card
    from training.pretraining import LABELS_PER_CLASS, SPREAD_ENCODER

    curve = checkpoints.read_pretraining_curve(dataset)
    assert curve is not None
    assert curve["encoder_weights_sha256"] == read_card(dataset, "stacked_ae")["weights_sha256"]
    assert curve["spread_encoder_weights_sha256"] == read_card(dataset, SPREAD_ENCODER)["weights_sha256"]
    assert curve["draws"] >= 3 and curve["test_images"] == 10_000
    assert [p["labels_per_class"] for p in curve["points"]] == list(LABELS_PER_CLASS)
    for point in curve["points"]:
        assert all(0.05 < point[v] <= 1.0 for v in ("scratch", "frozen", "fine_tuned", "codes_spread", "pixels_spread"))
    by_n = {p["labels_per_class"]: p for p in curve["points"]}
    for n, bar in PRETRAINING_BARS[dataset].items():
        gain = by_n[n]["codes_spread"] - by_n[n]["scratch"]
        assert gain >= bar, f"{n} labels per class: pretrained codes gain {gain:+.3f}, the bar is {bar}"


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_shipped_spread_encoder_codes_have_neighbours_of_the_same_class_more_often_than_pixels(dataset):
    """Why spreading labels over the codes pays, scored now on the committed sample: among each image's 10 nearest
    neighbours, more share its class in the shipped encoder's codes than in raw pixels."""
    from models.data.samples import load_sample
    from models.eval.label_spreading import nearest_neighbours
    from models.runtime.inference import load_model, to_model_input
    from training.pretraining import SPREAD_ENCODER, standardise

    x, y = load_sample(dataset)
    pixels = to_model_input(x)
    encoder = load_model(dataset, SPREAD_ENCODER)
    codes, _ = standardise(encoder.encode(pixels), encoder.encode(pixels))

    def agreement(space: np.ndarray) -> float:
        return float((y[nearest_neighbours(space, space, 10, exclude_self=True)] == y[:, None]).mean())

    assert agreement(codes) >= agreement(pixels.reshape(len(pixels), -1)) + 0.02


def test_label_spreading_reaches_a_cluster_from_one_label_and_keeps_the_given_ones():
    from models.eval.label_spreading import classify_by_neighbours, nearest_neighbours, spread_labels

    rng = np.random.default_rng(0)
    centres = rng.normal(0, 10, (10, 5))
    points = np.concatenate([c + rng.normal(0, 0.5, (50, 5)) for c in centres]).astype(np.float32)
    truth = np.repeat(np.arange(10), 50)
    labelled = np.arange(0, 500, 50)  # one point per cluster
    graph = nearest_neighbours(points, points, 5, exclude_self=True)
    assert not (graph == np.arange(500)[:, None]).any()  # nobody is its own neighbour
    scores = spread_labels(graph, labelled, truth[labelled])
    assert (scores.argmax(axis=1) == truth).mean() == 1.0
    queries = (centres + rng.normal(0, 0.5, centres.shape)).astype(np.float32)
    assert (classify_by_neighbours(scores, nearest_neighbours(queries, points, 5)) == np.arange(10)).all()
    # With the labels permuted, the answers follow the labels given, not the clusters' true classes.
    wrong = spread_labels(graph, labelled, (truth[labelled] + 1) % 10)
    assert (wrong.argmax(axis=1) == (truth + 1) % 10).all()


def test_pretraining_curve_renders_with_no_dataset():
    at = open_page("reconstruction", **{"rec-tab-name": "pretraining"})
    assert any(el.proto.id and "rec-pretraining" in str(el.proto.id) for el in at.get("plotly_chart"))
    assert not [i for i in at.info if shown("rec.pre_missing") in i.value]
    at.select_slider(key="rec-pre-n").set_value(100).run()
    assert not at.exception, at.exception
    from pages.ui.i18n import t

    assert {m.label for m in at.metric} >= {t(f"rec.pre_{v}", "en") for v in ("scratch", "codes_spread")}


def test_frozen_layer_stays_the_encoders_and_fine_tuned_moves(mnist_sample):
    from models.nets.pretraining import feature_statistics, few_label_classifier, fit_few_labels, reused_layer
    from models.runtime.inference import load_model, to_model_input

    encoder = load_model("mnist", "stacked_ae").encoder
    x, y = to_model_input(mnist_sample[0][:40]), mnist_sample[1][:40].astype(np.int32)
    statistics = feature_statistics(encoder, x)
    original = reused_layer(encoder).get_weights()[0]
    for variant, moves in (("frozen", False), ("fine_tuned", True)):
        model = fit_few_labels(few_label_classifier(variant, encoder, statistics), x, y, steps=3, seed=0)
        kernel = model.get_layer("lower").get_weights()[0]
        assert np.array_equal(kernel, original) != moves
    with pytest.raises(ValueError):
        few_label_classifier("frozen")


# ---------------------------------------------------------------- linear AE = PCA (3-D toy)


def test_oblique_view_projects_orthographically_and_the_page_offers_webgl_on_request():
    from models.analysis import reconstruction
    from models.registry import TOY_DATASET
    from models.runtime.inference import load_model

    demo = reconstruction.pca_demo(load_model(TOY_DATASET, "linear_ae_3d"))
    points, corners = reconstruction.oblique_view(demo, azimuth_deg=0.0, elevation_deg=0.0)  # looking along +y
    np.testing.assert_allclose(points, demo.points[:, [0, 2]], atol=1e-9)
    assert corners.shape == (5, 2) and np.allclose(corners[0], corners[-1])  # a closed outline
    at = open_page("reconstruction", **{"rec-tab-name": "pca"})
    assert not [c for c in at.get("plotly_chart") if "scatter3d" in str(c.proto)]  # no WebGL by default
    at.toggle(key="rec-pca-3d").set_value(True).run()
    assert not at.exception, at.exception
    assert [c for c in at.get("plotly_chart") if "scatter3d" in str(c.proto)]


# ---------------------------------------------------------------- legends on class-coloured maps


@pytest.mark.parametrize(
    "page, state, key",
    [
        ("reconstruction", {"rec-tab-name": "map"}, "rec-map-"),
        ("latent_space", {"ls-tab-name": "plain"}, "ls-ae-map"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_class_coloured_maps_have_a_legend_with_the_translated_class_names(page, state, key, lang):
    import json

    from pages.ui.i18n import LANGUAGE_KEY, catalogue, t

    at = open_page(page, lang=lang, **state)
    at.session_state[LANGUAGE_KEY] = lang
    at.run()
    charts = [el for el in at.get("plotly_chart") if key in str(el.proto.id)]
    assert charts, [str(el.proto.id) for el in at.get("plotly_chart")]
    figure = json.loads(charts[0].proto.spec)
    assert figure["layout"]["showlegend"] is True
    assert figure["layout"]["legend"]["title"]["text"] == t("play.legend", lang)
    named = [trace for trace in figure["data"] if trace.get("showlegend", True)]
    assert [trace["name"] for trace in named] == list(catalogue(lang)["classes.mnist"])
    assert len({trace["marker"]["color"] for trace in named}) == 10  # one colour per class
