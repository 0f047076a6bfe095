"""The shapes (dSprites' factor grid) and disentanglement measured on them: the generator is deterministic and
keeps its factors straight, MIG reads known toy codes right, and the committed shapes models reproduce their
cards."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from models.data import shapes
from models.eval.disentanglement import discrete_mi, disentanglement_report, mig, mutual_information


def test_the_grid_has_dsprites_factors_in_dsprites_order():
    assert shapes.FACTOR_SIZES == (3, 6, 40, 32, 32) and shapes.N_IMAGES == 737_280
    assert shapes.SCALES[0] == 0.5 and shapes.SCALES[-1] == 1.0
    assert shapes.ORIENTATIONS[0] == 0.0 and np.isclose(shapes.ORIENTATIONS[-1], 2 * np.pi)
    # y fastest, then x, orientation, scale, shape.
    assert shapes.factor_values(1).tolist() == [0, 0, 0, 0, 1]
    assert shapes.factor_values(32).tolist() == [0, 0, 0, 1, 0]
    assert shapes.factor_values(shapes.N_IMAGES - 1).tolist() == [2, 5, 39, 31, 31]
    idx = np.random.default_rng(0).integers(0, shapes.N_IMAGES, 500)
    assert (shapes.image_index(shapes.factor_values(idx)) == idx).all()


def test_rendering_is_byte_identical_run_to_run_and_image_by_image():
    """A chunk rendered twice is the same bytes, and each image re-rendered alone from its factors equals it."""
    idx = np.arange(200_000, 200_000 + 5_000)
    a, factors = shapes.generate(idx)
    b, _ = shapes.generate(idx)
    assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()
    for i in np.random.default_rng(1).choice(len(idx), 50, replace=False):
        assert (shapes.render(factors[i : i + 1])[0] == a[i]).all()
    assert set(np.unique(a)) <= {0, 255}


def test_the_committed_sample_is_what_the_generator_renders():
    """The sample the app uses was rendered by this code: a renderer that changed would show here first."""
    from models.data.samples import load_sample

    with np.load(__import__("models.data.samples", fromlist=["x"]).sample_path("shapes")) as data:
        indices = data["indices"]
    x, factors = load_sample("shapes")
    again, again_factors = shapes.generate(indices)
    assert (again == x).all() and (again_factors == factors).all()


def test_shapes_look_like_dsprites():
    """Square > heart > ellipse in area at the same scale; the heart is balanced left to right, top-heavy
    (its lobes up); a quarter turn turns the ellipse on its side; moving x moves the ink, nothing else."""
    one = lambda *f: shapes.render(np.array([f]))[0] > 0  # noqa: E731
    square, ellipse, heart = (one(s, 5, 0, 16, 16) for s in range(3))
    assert square.sum() > heart.sum() > ellipse.sum() > 0
    ys, xs = np.nonzero(heart)  # lobes up, point down: heavier at the top, balanced left to right
    assert ys.mean() < (ys.min() + ys.max()) / 2 - 0.3 and abs(xs.mean() - (xs.min() + xs.max()) / 2) < 0.3
    quarter = int(np.argmin(np.abs(shapes.ORIENTATIONS - np.pi / 2)))
    turned = one(1, 5, quarter, 16, 16)
    rows, cols = np.flatnonzero(ellipse.any(axis=1)), np.flatnonzero(ellipse.any(axis=0))
    trows, tcols = np.flatnonzero(turned.any(axis=1)), np.flatnonzero(turned.any(axis=0))
    assert np.ptp(cols) > 1.5 * np.ptp(rows) and np.ptp(trows) > 1.5 * np.ptp(tcols)
    left, right = one(0, 5, 0, 0, 16), one(0, 5, 0, 31, 16)
    assert left.sum() == right.sum() and np.flatnonzero(left.any(0)).mean() < np.flatnonzero(right.any(0)).mean()
    small = one(0, 0, 0, 16, 16)
    assert 0 < small.sum() < square.sum() / 2.5  # half the side, a quarter of the area (pixels round)


def test_discrete_mi_is_scikit_learns():
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(0)
    a = rng.integers(0, 40, 4_000)
    b = a // 3 + rng.integers(0, 3, 4_000)
    assert discrete_mi(a, b) == pytest.approx(mutual_info_score(a, b), abs=1e-12)


def _toy_factors(n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Three factors of at most 20 values, so 20 bins lose nothing: the answers are exact."""
    sizes = np.array([3, 6, 10])
    return np.random.default_rng(0).integers(0, sizes, (n, 3)), np.log(sizes)


def test_mig_is_one_when_each_latent_is_a_factor_and_zero_when_shuffled():
    factors, entropies = _toy_factors()
    noise = np.random.default_rng(1).normal(size=(len(factors), 2))
    codes = np.concatenate([factors + 0.01 * np.random.default_rng(2).normal(size=factors.shape), noise], axis=1)
    report = disentanglement_report(codes, factors, entropies, ["a", "b", "c"])
    assert report["mig"] == pytest.approx(1.0, abs=0.01)
    assert report["factor_of_latent"][:3] == ["a", "b", "c"]
    shuffled = np.random.default_rng(3).permutation(codes)
    assert disentanglement_report(shuffled, factors, entropies, ["a", "b", "c"])["mig"] < 0.02


def test_mig_is_zero_when_two_latents_share_a_factor():
    """Entangled codes: a factor copied into two latents has no gap, however much MI each carries."""
    factors, entropies = _toy_factors()
    codes = np.stack([factors[:, 2], factors[:, 2] * 2.0 + 0.5], axis=1).astype(float)
    score, gaps = mig(mutual_information(codes, factors), entropies)
    assert gaps[2] == pytest.approx(0.0, abs=1e-9) and score < 0.01


def test_total_correlation_is_near_zero_for_independent_codes_and_large_for_dependent_ones():
    from models.nets.vae import total_correlation

    rng = np.random.default_rng(0)
    mean = rng.normal(size=(256, 4)).astype(np.float32)
    log_var = np.full_like(mean, np.log(0.01))
    z = mean + 0.1 * rng.normal(size=mean.shape).astype(np.float32)
    independent = float(total_correlation(z, mean, log_var, 256))
    dependent = np.repeat(mean[:, :1], 4, axis=1)
    zd = dependent + 0.1 * rng.normal(size=mean.shape).astype(np.float32)
    tied = float(total_correlation(zd, dependent, log_var, 256))
    assert tied > independent + 1.5, (tied, independent)  # log of the ~20 neighbours a tied code gains


def test_shapes_vae_trains_a_step_and_its_card_holds_mig(tmp_path):
    from models.checkpoints import read_card
    from models.registry import get_spec
    from training.shapes import train_shapes

    train_shapes(get_spec("shapes_tcvae"), root=tmp_path, epochs=1, steps=2, verbose=0, run_root=tmp_path / "runs")
    metrics = read_card("shapes", "shapes_tcvae", tmp_path)["metrics"]
    assert np.asarray(metrics["mi_matrix"]).shape == (10, 5)
    assert 0.0 <= metrics["mig"] <= 1.0 and len(metrics["kl_per_dim"]) == 10
    assert set(metrics["best_mi_per_factor"]) == set(shapes.FACTORS)


@pytest.mark.parametrize("name", ["shapes_vae_1", "shapes_vae_4", "shapes_vae_10", "shapes_tcvae"])
def test_committed_shapes_models_reproduce_their_cards_on_the_sample(name):
    from models.data.samples import load_sample
    from training.verify import differences, reevaluate

    card, now = reevaluate("shapes", name, sample=load_sample("shapes"))
    assert card and differences(card, now) == []


def test_the_readout_reads_a_shapes_position_off_the_best_encoder():
    """The factors read off the best model's encoder track the true x position better than chance."""
    from models.analysis.shapes import fit_readout, read_factors
    from models.data.samples import load_sample
    from models.registry import specs_for
    from models.runtime.graph import NUMPY
    from models.runtime.inference import load_model

    models = [load_model("shapes", s.name, runtime=NUMPY) for s in specs_for("shapes")]
    best = max(models, key=lambda m: m.card["metrics"]["mig"])
    x, factors = load_sample("shapes")
    readout = fit_readout(best, x[:800], factors[:800])
    read = np.array([read_factors(best, readout, image)["x"] for image in x[800:]])
    truth = shapes.POSITIONS[factors[800:, 3]]
    assert np.corrcoef(read, truth)[0, 1] > 0.5
