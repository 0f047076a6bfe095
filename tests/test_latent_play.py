"""The in-browser decoders (pages/ui/latent_play.js) in Chromium: they match Keras, follow a mouse drag
frame by frame without talking to the server, and land where the server's own decode lands on release."""

from __future__ import annotations

import io
import os
import time

import numpy as np
import pytest
from PIL import Image

from bench.harness import chromium_available, open_tab, streamlit_server, wait_idle

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)
DECODERS = {
    "/Latent_space": ["vae_conv_2d"],
    "/Beta_VAE": ["vae_dense", "beta_vae_4", "beta_vae_10"],
    "/GAN": ["dcgan"],
    "/Beta_VAE?dataset=Shapes": ["shapes"],  # the shapes page sends the decoder of the model it opens on
}


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server(log_name="latent-play-server.log") as (url, _):
        yield url


TABS = {"/GAN": "Walk between seeds"}  # the GAN's scrub is in its page's second section


def _open(page, url: str, path: str) -> None:
    page.goto(url + path)
    page.wait_for_selector("h1", timeout=90_000)
    wait_idle(page)
    if path in TABS:
        open_tab(page, TABS[path])
    page.wait_for_selector("canvas.lab-out", timeout=90_000)
    wait_idle(page)


def _stats(page) -> dict:
    return page.evaluate(
        "() => ({frames: window.__latentLab.stats.frames, releases: window.__latentLab.stats.releases})"
    )


def _grey28(png: bytes) -> np.ndarray:
    """A rendered 28×28 picture (any integer scale) sampled at its pixel centres."""
    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"), np.int16)
    h, w = a.shape
    ys, xs = ((np.arange(28) + 0.5) * h / 28).astype(int), ((np.arange(28) + 0.5) * w / 28).astype(int)
    return a[np.ix_(ys, xs)]


@pytest.mark.parametrize("path", list(DECODERS))
def test_browser_decoders_match_keras(page, app_url, path):
    from models.runtime.export import decoder_spec, to_payload
    from models.runtime.inference import load_model

    _open(page, app_url, path)
    dataset = "shapes" if "Shapes" in path else "mnist"
    names = [_best_shapes_model()] if dataset == "shapes" else DECODERS[path]
    for name in names:
        model = load_model(dataset, name)
        network = getattr(model, "decoder", None) or model.generator  # a GAN's generator is its decoder
        sha = to_payload(*decoder_spec(network))["sha"]
        z = np.random.default_rng(7).normal(0, 1.5, (100, network.inputs[0].shape[-1])).astype(np.float32)
        browser = np.asarray(
            page.evaluate("([sha, zs]) => zs.map((z) => window.__latentLab.decode(sha, z))", [sha, z.tolist()]),
            np.float32,
        )
        keras_out = (model.decode(z) if hasattr(model, "decode") else model.generate(z)).reshape(100, -1)
        assert np.abs(browser - keras_out).max() <= 1e-4, (name, np.abs(browser - keras_out).max())


def _best_shapes_model() -> str:
    """The shapes model the β-VAE page opens on: the one with the highest MIG."""
    from models.checkpoints import read_card
    from models.registry import specs_for

    return max((s.name for s in specs_for("shapes")), key=lambda n: read_card("shapes", n)["metrics"]["mig"])


def _count_messages_to_server(page) -> list:
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(time.perf_counter())))
    return sent


def _drag_watching(page, out, points: list[tuple[float, float]], sent: list) -> tuple[int, list, set]:
    """Press at the first point, move through the rest (a screenshot of ``out`` every 10 moves: the painted
    pixels keep changing mid-drag), release. Returns frames painted, websocket messages sent during the
    drag, and the distinct screenshots."""
    frames0 = _stats(page)["frames"]
    page.mouse.move(*points[0])
    page.mouse.down()
    start, shots = time.perf_counter(), set()
    for i, (x, y) in enumerate(points[1:]):
        page.mouse.move(x, y)
        if i % 10 == 9:
            shots.add(out.screenshot())
    during = [t for t in sent if t >= start]
    frames = _stats(page)["frames"] - frames0
    page.mouse.up()
    return frames, during, shots


def test_pad_drag_paints_many_frames_without_the_server_and_lands_on_the_server_decode(page, app_url):
    sent = _count_messages_to_server(page)
    _open(page, app_url, "/Latent_space")
    pad = page.locator("canvas.lab-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    out = page.locator("canvas.lab-out").first
    before = out.screenshot()
    points = [
        (box["x"] + box["width"] * (0.3 + 0.01 * i), box["y"] + box["height"] * (0.3 + 0.008 * i)) for i in range(41)
    ]
    frames, during, shots = _drag_watching(page, out, points, sent)
    assert frames >= 1 and len(shots) >= 3 and before not in shots  # painted mid-drag, again and again
    assert during == [], f"{len(during)} websocket messages during the drag"
    page.wait_for_function("() => window.__latentLab.stats.releases >= 1")
    readout = page.locator(".lab-readout").inner_text()
    z1, z2 = (float(v) for v in readout.split("(")[1].rstrip(")").split(","))
    caption = f"decoded at ({z1:.2f}, {z2:.2f})"
    server = page.locator(f'[data-testid="stImage"]:has([data-testid="stImageCaption"]:has-text("{caption}"))')
    server.wait_for(timeout=60_000)  # the release reached the server and its decode is drawn
    wait_idle(page)
    live, served = _grey28(out.screenshot()), _grey28(server.locator("img").screenshot())
    inner = np.s_[1:-1, 1:-1]  # the page rounds the picture's corners
    assert np.abs(live[inner] - served[inner]).max() <= 2, np.abs(live[inner] - served[inner]).max()


def test_beta_vae_slider_drag_moves_all_three_decoders_live(page, app_url):
    sent = _count_messages_to_server(page)
    _open(page, app_url, "/Beta_VAE")
    outs = page.locator("canvas.lab-out")
    assert outs.count() == 3
    before = [outs.nth(i).screenshot() for i in range(3)]
    slider = page.locator(".lab-sliders input").first
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()  # after the screenshots: they may scroll
    frames0 = _stats(page)["frames"]
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    drag_start = time.perf_counter()
    for i in range(30):
        page.mouse.move(box["x"] + box["width"] * (0.5 + 0.016 * i), y)
    during = [t for t in sent if t >= drag_start]
    frames = _stats(page)["frames"] - frames0
    page.mouse.up()
    assert frames >= 1, frames
    assert during == [], f"{len(during)} websocket messages during the drag"
    page.wait_for_function("() => window.__latentLab.stats.releases >= 1")
    wait_idle(page)
    after = [outs.nth(i).screenshot() for i in range(3)]
    assert sum(a != b for a, b in zip(before, after)) >= 2  # β = 1 and 4 use dimension #1; β = 10 too
    # The released value, decoded on the server side of the same checkpoint, equals the painted picture.
    from models.analysis import latents
    from models.data.samples import load_sample
    from models.runtime.inference import load_model

    value = float(page.evaluate("() => window.__latentLab.memo['bv-live'].values[0]"))
    x, y_ = load_sample("mnist")
    image = x[np.flatnonzero(y_ == 0)[0]]
    model = load_model("mnist", "vae_dense")
    expected = latents.perturb(model, image, {int(latents.kl_order(model)[0]): value})
    live = _grey28(outs.nth(0).screenshot())
    assert np.abs(live - np.round(np.clip(expected, 0, 1) * 255)).max() <= 2


def test_gan_scrub_follows_the_drag_and_lands_on_the_server_image(page, app_url):
    sent = _count_messages_to_server(page)
    _open(page, app_url, "/GAN")
    out = page.locator(".lab-scrub ~ .lab-out-row canvas.lab-out").first
    slider = page.locator(".lab-scrub input")
    slider.scroll_into_view_if_needed()
    before, box = out.screenshot(), slider.bounding_box()
    y = box["y"] + box["height"] / 2
    points = [(box["x"] + box["width"] * (0.1 + 0.025 * i), y) for i in range(31)]
    frames, during, shots = _drag_watching(page, out, points, sent)
    assert frames >= 1 and len(shots) >= 2 and before not in shots  # painted mid-drag
    assert during == [], f"{len(during)} websocket messages during the drag"
    page.wait_for_function("() => window.__latentLab.stats.releases >= 1")
    value = float(page.evaluate("() => window.__latentLab.memo['gan-scrub-dcgan'].t"))
    server = page.locator(
        f'[data-testid="stImage"]:has([data-testid="stImageCaption"]:has-text("generated on the server at t = {value:.3f}"))'
    )
    server.wait_for(timeout=60_000)
    wait_idle(page)
    live, served = _grey28(out.screenshot()), _grey28(server.locator("img").screenshot())
    inner = np.s_[1:-1, 1:-1]
    assert np.abs(live[inner] - served[inner]).max() <= 2, np.abs(live[inner] - served[inner]).max()


def test_a_browser_that_cannot_decode_gets_the_server_sliders(page, app_url):
    """A JavaScript error while the component sets up its decoders (here: the decoder cache throws, as an
    old or locked-down browser might) is reported to Python, and the page draws its server-side map and
    sliders with a one-line note instead; they work."""
    page.add_init_script(
        "window.__latentLab = {nets: {has() { throw new Error('no decoders here'); }}, memo: {},"
        " stats: {frames: 0, latencies: [], releases: 0}};"
    )
    page.goto(app_url + "/Latent_space")
    page.wait_for_selector("text=could not run the live decoder", timeout=90_000)
    wait_idle(page)
    assert page.locator("canvas.lab-out").count() == 0
    caption = '[data-testid="stImageCaption"]:has-text("decoded at (0.00, 0.00)")'
    page.wait_for_selector(caption, timeout=60_000)
    thumb = page.locator('[data-testid="stSlider"]:has-text("z₁") input[type="range"]').first
    thumb.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_selector('[data-testid="stImageCaption"]:has-text("decoded at (0.20, 0.00)")', timeout=60_000)


def test_pad_has_a_legend_and_hovering_names_the_nearest_class(page, app_url):
    from pages.ui.i18n import catalogue

    _open(page, app_url, "/Latent_space")
    legend = page.locator(".lab-legend li")
    names = list(catalogue("en")["classes.mnist"])
    assert legend.all_inner_texts() == names
    swatches = {legend.nth(i).locator(".lab-swatch").evaluate("e => e.style.background") for i in range(10)}
    assert len(swatches) == 10  # one colour per class
    pad = page.locator("canvas.lab-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    seen = set()
    for fx, fy in ((0.2, 0.2), (0.5, 0.5), (0.8, 0.3), (0.3, 0.8), (0.7, 0.7)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        text = page.locator(".lab-nearest").inner_text()
        assert text.startswith("Nearest test image: "), text
        seen.add(text.removeprefix("Nearest test image: "))
    assert seen <= set(names) and len(seen) >= 2  # different places, different neighbours
    assert _stats(page)["releases"] == 0  # hovering decodes nothing on the server


def test_pad_moves_by_keyboard_exactly_as_with_the_mouse(page, app_url):
    """Arrow keys move the point (Shift: five steps), Enter commits like a release: the server decodes the
    same point and paints the same picture as the browser."""
    _open(page, app_url, "/Latent_space")
    pad = page.locator("canvas.lab-pad")
    out = page.locator("canvas.lab-out").first
    before = out.screenshot()
    pad.focus()
    assert pad.evaluate("e => e.getRootNode().activeElement === e")  # focusable, inside the component's root
    for key in ("ArrowRight", "ArrowRight", "Shift+ArrowUp"):
        page.keyboard.press(key)
    readout = page.locator(".lab-readout").inner_text()
    z1, z2 = (float(v) for v in readout.split("(")[1].rstrip(")").split(","))
    lim = 4.0  # the pad's half-width (pages/views/latent_space.py: LIM)
    assert (z1, z2) == pytest.approx((2 * lim / 40, 5 * lim / 40), abs=0.006), readout
    assert out.screenshot() != before
    assert "z = (0.20, 0.50)" in out.get_attribute("aria-label")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__latentLab.stats.releases >= 1")
    caption = f"decoded at ({z1:.2f}, {z2:.2f})"
    server = page.locator(f'[data-testid="stImage"]:has([data-testid="stImageCaption"]:has-text("{caption}"))')
    server.wait_for(timeout=60_000)
    wait_idle(page)
    live, served = _grey28(out.screenshot()), _grey28(server.locator("img").screenshot())
    inner = np.s_[1:-1, 1:-1]
    assert np.abs(live[inner] - served[inner]).max() <= 2
