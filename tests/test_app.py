"""AppTest: every page runs on the committed checkpoints, and each control changes what it should."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from bench.harness import shown
from models.registry import specs_for
from tests.images import bad_uploads, convertible_uploads, off_centre_dark_digit

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(f"pages/views/{page}.py").run()
    assert not at.exception, at.exception
    return at


def images(at: AppTest) -> dict[str, str]:
    """caption → image URL (a PNG ``data:`` URL, see pages/ui/pictures.py: it changes when the picture does)."""
    return {f"{i}:{img.caption}": img.url for i, el in enumerate(at.get("image")) for img in el.proto.imgs}


def urls(at: AppTest) -> list[str]:
    return [img.url for el in at.get("image") for img in el.proto.imgs]


def _rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, prefix: str, name: str, data: bytes) -> AppTest:
    """Switch a page's input picker to Upload and upload ``data``."""
    at.segmented_control(key=f"{prefix}-source").set_value("Upload")
    _rerun(at)
    at.file_uploader(key=f"{prefix}-upload").set_value((name, data, "image/png"))
    return _rerun(at)


def test_home_lists_every_model_ready():
    at = open_page()
    from models.registry import REGISTRY

    table = at.dataframe[0].value
    assert len(table) == len(REGISTRY)
    assert list(table["status"]).count("✓ ready") == len(REGISTRY), table[["model", "status"]]
    assert not at.error


def test_dataset_from_the_url_changes_images_and_stays_in_the_url():
    """(AppTest drops the sidebar after a rerun of an ``st.navigation`` app, so the switch itself is driven
    in the browser: test_browser.py.)"""
    mnist = urls(open_page("reconstruction"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["dataset"] = "Fashion-MNIST"
    at.run()
    at.switch_page("pages/views/reconstruction.py").run()
    assert not at.exception
    assert urls(at)[0] != mnist[0]
    assert any("Fashion-MNIST" in c.value for c in at.caption)
    assert at.query_params["dataset"] in ("Fashion-MNIST", ["Fashion-MNIST"])  # still bookmarkable


def test_reconstruction_controls():
    at = open_page("reconstruction")
    before = images(at)
    assert sum("MSE" in k for k in before) >= 8  # every autoencoder, side by side
    at.pills(key="rec-class").set_value(3)
    _rerun(at)
    after = images(at)
    driven = [k for k in before if "MSE" in k or "input" in k]  # the input and every reconstruction
    assert sum(before[k] != after.get(k) for k in driven) >= len(driven) - 1
    assert not at.get("plotly_chart") and not at.dataframe  # the other sections wait in their tabs


def test_pictures_travel_inline_at_their_own_resolution():
    """Each picture is a PNG ``data:`` URL inside the page's message (no media file, no extra request), at the
    model's own 28 × 28 pixels, exact; the row's PNG download stays without the row being shown twice."""
    from models.data.samples import load_sample
    from models.registry import specs_for

    at = open_page("reconstruction")
    shown = [img for el in at.get("image") for img in el.proto.imgs]
    assert shown and all(img.url.startswith("data:image/png;base64,") for img in shown)
    assert len(shown) == 1 + len(specs_for("mnist", "reconstruction"))  # the input and one per autoencoder
    png = Image.open(io.BytesIO(base64.b64decode(shown[0].url.partition(",")[2])))
    x, y = load_sample("mnist")
    assert png.size == (28, 28) and np.array_equal(np.asarray(png), x[np.flatnonzero(y == 0)[0]])
    assert "dl-rec-grid" in {b.key for b in at.get("download_button")}


def test_reconstruction_sections_open_one_at_a_time():
    """Each tab draws its own section only; the open one is remembered by name, not by its translated label."""
    charts = {}
    for section in ("shapes", "pca", "map", "sparsity", "pretraining"):
        at = open_page("reconstruction", **{"rec-tab-name": section})
        assert not any("MSE" in k for k in images(at))  # the side-by-side section is not drawn
        charts[section] = len(at.get("plotly_chart"))
        if section == "shapes":
            assert {"output shape", "parameters"} <= set(at.dataframe[0].value.columns)
    assert charts.pop("shapes") == 0 and all(charts.values()), charts  # only the open section's charts
    at = open_page("reconstruction", **{"rec-tab-name": "pca"})
    from pages.ui.i18n import LANGUAGE_KEY

    at.session_state[LANGUAGE_KEY] = at.session_state["lang"] = "ko"  # the kept choice and the sidebar switch
    at.run()
    assert any("오토인코더" in h.value for h in at.header)  # the page did switch language
    assert at.session_state["rec-tab-name"] == "pca" and at.get("plotly_chart")


def test_reconstruction_random_input_with_seed():
    at = open_page("reconstruction")
    at.segmented_control(key="rec-source").set_value("Random")
    _rerun(at)
    first = urls(at)[0]
    at.number_input(key="rec-seed").set_value(5)
    _rerun(at)
    assert urls(at)[0] != first


def test_denoising_slider_changes_noise_and_output():
    at = open_page("denoising")
    before = images(at)
    assert any("PSNR" in k for k in before)
    at.slider(key="dn-level-gaussian").set_value(0.9)
    _rerun(at)
    after = images(at)
    changed = [k for k in before if before[k] != after.get(k)]
    assert len(changed) >= 4  # noisy, both denoisers, filter
    at.selectbox(key="dn-kind").set_value("salt_pepper")
    _rerun(at)
    assert any("PSNR" in k for k in images(at))


def test_section_is_kept_in_the_url_and_an_odd_one_is_ignored():
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["section"] = "map"
    at.run()
    assert "section" not in at.query_params  # the home page has no sections
    at.query_params["section"] = "map"  # a bookmark of the codings map
    at.switch_page("pages/views/reconstruction.py").run()
    assert not at.exception and at.get("plotly_chart") and not any("MSE" in k for k in images(at))
    assert at.query_params["section"] in ("map", ["map"])
    odd = AppTest.from_file(APP, default_timeout=120)
    odd.run()
    odd.query_params["section"] = "no-such-tab"
    odd.switch_page("pages/views/gan.py").run()
    assert not odd.exception and odd.query_params["section"] in ("samples", ["samples"])  # the first tab


def test_denoising_curve_tab_plots_every_denoiser_against_the_noise():
    at = open_page("denoising", **{"dn-tab-name": "curve"})
    assert not any("PSNR" in k for k in images(at))  # the single-image row waits in its tab
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    assert len([trace for trace in spec["data"] if trace.get("mode") == "lines+markers"]) >= 4  # noisy, 2 AEs, filter


def _no_browser_decoders(monkeypatch) -> None:
    """As if the browser could not run a decoder: the pages must fall back to server-side sliders."""
    import pages.ui.latent_play

    monkeypatch.setattr(pages.ui.latent_play, "decoder_payload", lambda model: None)


def test_latent_space_pad_and_grid():
    at = open_page("latent_space")
    assert [e for e in at.get("bidi_component") if e.key == "ls-pad"]  # the in-browser pad
    assert any("decoded at (0.00, 0.00)" in k for k in images(at))  # and the server's decode of its point
    assert not [s for s in at.slider if s.key in ("ls-z1", "ls-z2")]
    at = open_page("latent_space", **{"ls-tab-name": "manifold"})
    grid_before = [u for k, u in images(at).items() if "decoded grid" in k]
    at.slider(key="ls-res").set_value(7)
    _rerun(at)
    assert [u for k, u in images(at).items() if "decoded grid" in k] != grid_before
    assert "dl-ls-grid" in {b.key for b in at.get("download_button")}  # the manifold as PNG
    at = open_page("latent_space", **{"ls-tab-name": "interpolation"})
    assert any("Animation" in k for k in images(at))  # interpolation GIF
    assert {"dl-ls-interp", "dl-ls-gif"} <= {b.key for b in at.get("download_button")}  # the strip as PNG and GIF


def test_latent_space_falls_back_to_server_sliders(monkeypatch):
    _no_browser_decoders(monkeypatch)
    at = open_page("latent_space")
    assert any(shown("ls.pad_fallback") in i.value for i in at.info)
    decoded = [u for k, u in images(at).items() if shown("ls.decoded_at") in k]
    at.slider(key="ls-z1").set_value(2.0)
    _rerun(at)
    assert [u for k, u in images(at).items() if "decoded at (2.00" in k] and [
        u for k, u in images(at).items() if "decoded at" in k
    ] != decoded


def test_beta_vae_live_sliders_and_fallback(monkeypatch):
    at = open_page("beta_vae")
    assert [e for e in at.get("bidi_component") if e.key == "bv-live"]
    assert not at.get("plotly_chart")  # the KL bars wait in their tab
    kl = open_page("beta_vae", **{"bv-tab-name": "kl"})
    assert len(kl.get("plotly_chart")) == len(specs_for("mnist", "beta"))  # KL bars per model
    assert not [e for e in kl.get("bidi_component") if e.key == "bv-live"]  # and no sliders
    _no_browser_decoders(monkeypatch)
    at = open_page("beta_vae")
    before = images(at)
    at.slider(key="bv-dim-0").set_value(3.0)
    _rerun(at)
    after = images(at)
    changed = [k for k in before if k.split(":", 1)[1].startswith("β =") and before[k] != after.get(k)]
    assert len(changed) == 3  # β = 1, 4, 10 all respond


def test_a_setting_already_shown_is_not_computed_again(monkeypatch):
    """Results are cached per setting across sessions: a second student asking for the same seed gets the first
    one's samples without the generator running again (a new seed does run it)."""
    from models.analysis import generation

    seeds, generate = [], generation.gan_grid
    monkeypatch.setattr(
        generation, "gan_grid", lambda model, n, seed, *rest: seeds.append(seed) or generate(model, n, seed, *rest)
    )
    shown = []
    for seed in (4242, 4242, 4243):
        at = open_page("gan")
        at.number_input(key="gan-seed").set_value(seed)
        shown.append(urls(_rerun(at))[0])
    assert seeds.count(4242) == 1 and seeds.count(4243) == 1
    assert shown[0] == shown[1] != shown[2]


def test_gan_controls():
    at = open_page("gan")
    first = urls(at)
    at.number_input(key="gan-seed").set_value(11)
    _rerun(at)
    assert urls(at)[0] != first[0]
    at.segmented_control(key="gan-model").set_value("cgan")
    _rerun(at)
    assert any("T-shirt" in k or "0 · 1" in k for k in images(at))  # one vector as every class
    at = open_page("gan", **{"gan-tab-name": "timeline"})
    at.slider(key="gan-epoch-dcgan").set_value(1)
    _rerun(at)
    assert any("after epoch 1" in k for k in images(at))


def test_lecture_mode_collapses_explanations():
    """(That lecture mode enlarges titles and images is checked on the rendered page: test_browser.py.)"""
    normal = open_page("reconstruction")
    lecture = open_page("reconstruction", **{"kept-lecture": True})
    assert not lecture.get("expander")[0].proto.expanded and normal.get("expander")[0].proto.expanded


def test_upload_is_preprocessed_and_shown():
    at = upload(open_page("reconstruction"), "rec", "seven.png", off_centre_dark_digit())
    captions = " ".join(images(at))
    assert shown("input.as_model_sees") in captions and "MSE" in captions


@pytest.mark.parametrize("name", list(bad_uploads()))
def test_bad_upload_gets_message_and_page_survives(name):
    data, key = bad_uploads()[name]
    at = upload(open_page("denoising"), "dn", name, data)
    assert any(shown(f"preprocess.{key}") in e.value for e in at.error), [e.value for e in at.error]
    assert len(at.tabs) == 2 and at.selectbox(key="dn-kind").value  # the rest of the page still renders
    at.segmented_control(key="dn-source").set_value("Test sample")
    _rerun(at)
    assert any("PSNR" in k for k in images(at))  # and keeps working


@pytest.mark.parametrize("name", list(convertible_uploads()))
def test_convertible_upload_shows_note(name):
    data, key = convertible_uploads()[name]
    at = upload(open_page("reconstruction"), "rec", name, data)
    assert any(shown(f"preprocess.{key}") in i.value for i in at.info)


def _fresh_model_store() -> None:
    """Models loaded by earlier tests are shared per process: wait for queued loads, then forget them all."""
    from pages.ui.loaders import model_store

    model_store().clear()
    st.cache_resource.clear()


def test_stopping_the_server_before_the_rest_of_the_dataset_is_queued_prints_no_traceback(monkeypatch):
    """The rest of the dataset is queued 1.5 s after a page draws; a server stopped (Ctrl-C) within that time has
    already shut its pools down, and the timer's late request must end quietly, not with a traceback."""
    import threading

    from pages.ui.loaders import ModelStore

    raised = []
    monkeypatch.setattr(threading, "excepthook", raised.append)
    store = ModelStore()
    store._pool.shutdown()  # what the interpreter's exit does to every pool when the server stops
    store.after_page("mnist", delay_s=0.01)
    store.wait_idle(timeout=10)
    assert not raised, [str(r.exc_value) for r in raised]


def test_a_class_of_reruns_queues_the_rest_of_a_dataset_once(monkeypatch):
    """``after_page`` runs after every page run of every session: only the first schedules the dataset's rest
    (a following class's hundred reruns started a hundred timers)."""
    import threading

    from pages.ui.loaders import ModelStore

    started = []
    monkeypatch.setattr(threading.Timer, "start", lambda self: started.append(self))
    store = ModelStore()
    for _ in range(5):
        store.after_page("mnist", delay_s=5.0)
    store.after_page("fashion_mnist", delay_s=5.0)
    assert len(started) == 2


def test_missing_checkpoint_disables_only_that_model(tmp_path, monkeypatch):
    import shutil

    from models import checkpoints

    root = tmp_path / "ckpt"
    shutil.copytree(checkpoints.CHECKPOINT_DIR, root, ignore=shutil.ignore_patterns("tied_ae.keras"))
    _fresh_model_store()
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", root)
    try:
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.switch_page("pages/views/reconstruction.py").run()
    finally:
        _fresh_model_store()
    assert not at.exception
    assert any(
        "Tied-weights AE" in w.value and "python -m training tied_ae --dataset mnist" in w.value for w in at.warning
    ), [w.value for w in at.warning]
    assert any("tied_ae.keras is missing" in c.value for c in at.caption)  # and what exactly is wrong
    assert sum("MSE" in k for k in images(at)) >= 7  # every other autoencoder still shows


def test_models_of_the_dataset_are_loaded_in_the_background(monkeypatch):
    """Opening any page (even the home page, which shows no model) preloads the dataset's models."""
    import models.runtime.inference
    from pages.ui.loaders import model_store

    _fresh_model_store()
    open_page()
    model_store().wait_idle()
    loads = []
    monkeypatch.setattr(models.runtime.inference, "load_model", lambda *args: loads.append(args))
    for name in ("vae_conv_2d", "dcgan", "stacked_ae"):
        assert model_store().get("mnist", name) is not None
    assert loads == []  # every one was already in the shared store


def test_reparameterization_trick_shows_the_analytic_kl_and_resamples():

    import numpy as np

    from models.data.samples import load_sample
    from models.eval import metrics
    from models.runtime.inference import load_model, to_model_input

    at = open_page("latent_space", **{"ls-tab-name": "reparameterization"})
    numbers = [m.value for m in at.markdown if shown("ls.rp_numbers") in m.value]
    assert numbers, [m.value[:60] for m in at.markdown]
    kl_shown = float(re.search(r"\*\*([0-9.]+) nats\*\*", numbers[0]).group(1))
    x, y = load_sample("mnist")
    image = x[np.flatnonzero(y == 3)[0]]  # the section's default input
    mu, log_var = load_model("mnist", "vae_conv_2d").posterior(to_model_input(image[None]))
    assert kl_shown == pytest.approx(metrics.gaussian_kl_per_dim(mu, log_var).sum(), abs=1e-3)
    before = [u for k, u in images(at).items() if shown("ls.rp_decoded") in k]
    at.button(key="rp-resample").click()
    _rerun(at)
    assert [u for k, u in images(at).items() if shown("ls.rp_decoded") in k] != before


def test_transposed_convolution_leaves_a_checkerboard_upsampling_does_not():
    """The comparison on the Reconstruction page measures what it explains, on the committed decoders."""
    from models.analysis import reconstruction
    from models.runtime.inference import load_model

    pair = {n: load_model("mnist", n) for n in ("conv_ae_upsampling", "conv_ae_transpose")}
    energy = reconstruction.upsampling_comparison(pair, 0.0).energy
    assert energy["conv_ae_transpose"] > 10 * energy["conv_ae_upsampling"], energy
    checkerboard = np.indices((28, 28)).sum(axis=0) % 2
    assert reconstruction.checkerboard_energy(checkerboard[None])[0] == pytest.approx(1.0)
    assert reconstruction.checkerboard_energy(np.ones((1, 28, 28)))[0] == 0.0
    at = open_page("reconstruction", **{"rec-tab-name": "upsampling"})
    assert len([m for m in at.metric if shown("rec.ups_energy") in m.label]) == 2


NO_PANDAS = """
import sys
from streamlit.testing.v1 import AppTest
import pages.ui.frame, pages.ui.layout
pages.ui.frame._prepare_tables_in_background = lambda: None  # the frame's import once a page has drawn
pages.ui.layout.table = lambda rows, **kwargs: None  # the home page's table
at = AppTest.from_file("app.py", default_timeout=120)
at.run()
for page in ("reconstruction", "denoising", "latent_space", "beta_vae", "gan"):
    at.switch_page(f"pages/views/{page}.py").run()
    assert not at.exception, (page, at.exception)
    assert "pandas" not in sys.modules, page
print("ok")
"""


def test_model_pages_first_sections_draw_without_pandas():
    """Importing pandas costs ~0.8 s of a cold start, and only tables need it (``layout.prepare_tables``):
    no page's first section, nor the frame or the in-browser decoders, may pull it in."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", NO_PANDAS], cwd=Path(APP).parent, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
