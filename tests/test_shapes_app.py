"""AppTest of the shapes on the β-VAE page (en and ko), and of every other page when the shapes are chosen."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bench.harness import shown
from models.registry import specs_for
from tests.test_app import _no_browser_decoders, _rerun, images, open_page, upload

SHAPES = {"kept-dataset": "shapes"}


def _best() -> str:
    from models.checkpoints import read_card

    return max((s.name for s in specs_for("shapes")), key=lambda n: read_card("shapes", n)["metrics"]["mig"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_shapes_sliders_are_named_by_factor_and_the_encoder_reads_the_factors(lang):
    from pages.ui.i18n import t

    at = open_page("beta_vae", **SHAPES, **{"kept-lang": lang})
    live = [e for e in at.get("bidi_component") if e.key == f"bvs-live-{_best()}"]
    assert live, [e.key for e in at.get("bidi_component")]
    reads = t("shapes.read", _lang=lang, shape="", scale=0, degrees=0, x=0, y=0).split(":")[0]
    assert any(reads in m.value for m in at.markdown)
    assert not at.get("plotly_chart")  # the measured section waits in its tab


def test_server_sliders_move_the_shape_when_the_browser_cannot_decode(monkeypatch):
    _no_browser_decoders(monkeypatch)
    at = open_page("beta_vae", **SHAPES)
    assert any(shown("bv.live_fallback") in i.value for i in at.info)
    before = images(at)
    sliders = [s for s in at.slider if s.key and s.key.startswith(f"bvs-dim-{_best()}-")]
    assert sliders, "one server slider per active latent"
    sliders[0].set_value(2.5)
    after = images(_rerun(at))
    assert before != after


def test_building_a_shape_changes_the_input_and_what_the_encoder_reads():
    at = open_page("beta_vae", **SHAPES)
    read = [m.value for m in at.markdown if "**" in m.value]
    at.select_slider(key="bvs-x").set_value(0)
    at.select_slider(key="bvs-scale").set_value(0)
    _rerun(at)
    assert [m.value for m in at.markdown if "**" in m.value] != read


def test_an_uploaded_shape_is_read_and_a_bad_one_gets_a_sentence():
    at = open_page("beta_vae", **SHAPES)
    picture = np.full((64, 64), 255, np.uint8)
    picture[6:26, 40:60] = 0  # a dark square on white, top right
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    upload(at, "bvs", "square.png", buffer.getvalue())
    read = [m.value for m in at.markdown if "**" in m.value]
    assert read and not at.error
    upload(at, "bvs", "broken.png", buffer.getvalue()[:60])
    assert at.error and not at.exception  # a sentence, and the page keeps running


def test_measured_section_draws_a_heat_map_per_model_and_mig_against_beta():
    at = open_page("beta_vae", **SHAPES, **{"bvs-tab-name": "measured"})
    assert len(at.get("plotly_chart")) == len(specs_for("shapes")) + 1
    assert at.get("arrow_data_frame") or at.dataframe


def test_traversals_show_every_model():
    at = open_page("beta_vae", **SHAPES, **{"bvs-tab-name": "traversals"})
    assert len([k for k in images(at) if "z" in k]) >= len(specs_for("shapes"))


@pytest.mark.parametrize("page", ["reconstruction", "denoising", "latent_space", "gan", "learn"])
def test_a_page_without_shapes_models_says_so_in_one_line(page):
    at = open_page(page, **SHAPES)
    assert [i for i in at.info if shown("shapes.none_on_page") in i.value]
    assert not at.get("image")


def test_home_lists_the_shapes_models_when_the_shapes_are_chosen():
    at = open_page(None, **SHAPES)
    assert not at.exception
    assert at.get("arrow_data_frame") or at.dataframe
