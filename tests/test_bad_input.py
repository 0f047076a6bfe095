"""Bad input seen from the app (AppTest): odd URL values fall back to the defaults, and a corrupt card or a
missing or damaged sample or t-SNE file gets its message while the page keeps running.

(Uploads: every file of ``tests/images.py`` goes through the app in ``test_app.py`` and through the
preprocessing in ``test_preprocess.py``.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.harness import shown
from tests.test_app import APP, _fresh_model_store, images

BROKEN = b"this is not what the file should hold\n" * 4


def _open(page: str | None = None, state: dict | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/views/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[-1] if isinstance(value, list) else value


@pytest.mark.parametrize(
    "value",
    ["cifar10", "toy3d", "", "Fashion MNIST", "mnist' OR '1'='1", "%00", "x" * 2000, "ＭＮＩＳＴ"],
)
def test_an_unknown_dataset_in_the_url_falls_back_to_mnist(value):
    at = _open(dataset=value)
    assert at.session_state["kept-dataset"] == "mnist"
    assert _param(at, "dataset") == "MNIST"  # the URL now says what is shown


@pytest.mark.parametrize("value", ["FASHION-MNIST", " fashion_mnist ", "fashion-mnist"])
def test_the_dataset_in_the_url_is_read_whatever_its_case_and_spacing(value):
    at = _open(dataset=value)
    assert at.session_state["kept-dataset"] == "fashion_mnist" and _param(at, "dataset") == "Fashion-MNIST"


def test_a_model_page_opened_with_a_dataset_it_does_not_show_draws_mnist():
    """``toy3d`` is a dataset of the registry, but not one the pages offer: they draw MNIST's models."""
    at = _open("reconstruction", dataset="toy3d")
    assert sum("MSE" in caption for caption in images(at)) >= 7 and not at.warning


@pytest.mark.parametrize(
    ("value", "on"),
    [("TRUE", True), ("yes", True), ("1", True), ("on", True), ("maybe", False), ("2", False), ("", False)],
)
def test_lecture_mode_from_the_url_is_on_only_for_a_yes(value, on):
    at = _open(lecture=value)
    assert at.session_state["kept-lecture"] is on
    assert _param(at, "lecture") == ("true" if on else None)  # an odd value is dropped from the URL


# ---------------------------------------------------------------- damaged files


@pytest.fixture
def checkpoints_with(tmp_path, monkeypatch):
    """A copy of ``checkpoints/`` (symbolic links, so nothing is copied) in which some files are replaced
    (bytes) or missing (None); the app reads it instead of the real one for the test."""
    from models import checkpoints
    from models.data import samples

    def make(changes: dict[str, bytes | None]) -> Path:
        real, root = checkpoints.CHECKPOINT_DIR, tmp_path / "checkpoints"
        for path in real.rglob("*"):
            if path.is_file():
                (root / path.relative_to(real)).parent.mkdir(parents=True, exist_ok=True)
                (root / path.relative_to(real)).symlink_to(path)
        for name, data in changes.items():
            (root / name).unlink()
            if data is not None:
                (root / name).write_bytes(data)
        monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", root)
        monkeypatch.setattr(samples, "CHECKPOINT_DIR", root)
        return root

    _fresh_model_store()  # models and the sample loaded by earlier tests come from the real folder
    yield make
    _fresh_model_store()
    st.cache_resource.clear()


def test_a_corrupt_card_disables_only_its_model(checkpoints_with):
    checkpoints_with({"mnist/tied_ae.json": b"{ not json"})
    at = _open("reconstruction")
    assert any(
        "Tied-weights AE" in w.value and "python -m training tied_ae --dataset mnist" in w.value for w in at.warning
    ), [w.value for w in at.warning]
    assert any("not valid JSON" in c.value for c in at.caption)  # and what exactly is wrong
    assert sum("MSE" in caption for caption in images(at)) >= 7  # every other autoencoder still shows
    home = _open()
    status = dict(zip(home.dataframe[0].value["model"], home.dataframe[0].value["status"]))
    assert list(status.values()).count("✓ ready") == len(status) - 1, status


@pytest.mark.parametrize("damage", [None, BROKEN], ids=["missing", "damaged"])
def test_a_missing_or_damaged_sample_names_the_file_and_the_command(checkpoints_with, damage):
    checkpoints_with({"samples/mnist_test_sample.npz": damage})
    at = _open("reconstruction")
    errors = [e.value for e in at.error]
    assert any(
        shown("common.sample_missing") in e and "mnist_test_sample.npz" in e and "python -m training" in e
        for e in errors
    ), errors


@pytest.mark.parametrize("damage", [None, BROKEN], ids=["missing", "damaged"])
def test_a_missing_or_damaged_tsne_map_falls_back_to_pca_and_says_how_to_compute_it(checkpoints_with, damage):
    checkpoints_with({"mnist/stacked_ae.tsne.npz": damage})
    at = _open("reconstruction", state={"rec-tab-name": "map"})
    assert at.segmented_control(key="rec-proj").value == "tsne"
    assert any(
        shown("rec.tsne_missing") in i.value and "python -m training.tsne stacked_ae" in i.value for i in at.info
    ), [i.value for i in at.info]
    assert at.get("plotly_chart")  # the map is drawn, from PCA
