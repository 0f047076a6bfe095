"""End to end in Debian's Chromium: start `streamlit run app.py`, operate each page's main control,
check that the rendered image's pixels change, and save a screenshot per page."""

from __future__ import annotations

import io
import os
import time

import numpy as np
import pytest
from PIL import Image

from bench.harness import OUTPUT, chromium_available, open_tab, streamlit_server, wait_idle
from tests.images import bad_uploads, off_centre_dark_digit

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)
SHOTS = OUTPUT / "browser"


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server(log_name="browser-server.log") as (url, _):
        yield url


def visit(page, url: str, path: str) -> None:
    page.goto(url + path)
    page.wait_for_selector("h1", timeout=90_000)
    wait_idle(page)


def pixels(page, caption: str) -> np.ndarray:
    """The rendered pixels of the image whose caption contains ``caption``."""
    selector = f':has([data-testid="stImageCaption"]:has-text("{caption}"))' if caption else ""
    element = page.locator(f'[data-testid="stImageContainer"]{selector}').first  # one picture of a row
    element.scroll_into_view_if_needed()
    return np.asarray(Image.open(io.BytesIO(element.locator("img").screenshot())).convert("L"), np.int16)


def changed(before: np.ndarray, after: np.ndarray) -> bool:
    return before.shape != after.shape or np.abs(before - after).mean() > 1.0


def wait_changed(page, caption: str, before: np.ndarray, timeout: float = 60.0) -> np.ndarray:
    """The picture captioned ``caption`` once it differs from ``before`` (what the page shows, not a delay)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        after = pixels(page, caption)
        if changed(before, after):
            wait_idle(page)
            return after
        time.sleep(0.1)
    raise AssertionError(f"the picture captioned {caption!r} did not change within {timeout:.0f} s")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def press(page, slider_label: str, key: str, times: int) -> None:
    thumb = page.locator(f'[data-testid="stSlider"]:has-text("{slider_label}") input[type="range"]').first
    thumb.focus()
    for _ in range(times):
        page.keyboard.press(key)


def test_home(page, app_url):
    from models.registry import REGISTRY

    visit(page, app_url, "/")
    n = len(REGISTRY)
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text().strip() == f"{n} / {n}"
    shoot(page, "0_home")


def _sizes(page) -> tuple[float, float]:
    """(height of the page title, width of the first picture) as rendered."""
    title = page.locator("h1").first.bounding_box()["height"]
    image = page.locator('[data-testid="stImage"] img').first
    image.wait_for(timeout=60_000)
    return title, image.bounding_box()["width"]


def test_lecture_mode_enlarges_titles_and_images(page, app_url):
    for path in ("/Beta_VAE", "/Reconstruction"):
        visit(page, app_url, path)
        title, picture = _sizes(page)
        visit(page, app_url, path + "?lecture=true")
        lecture_title, lecture_picture = _sizes(page)
        assert lecture_title > title * 1.1, (path, title, lecture_title)
        assert lecture_picture > picture * 1.2, (path, picture, lecture_picture)
    shoot(page, "8_lecture_mode")


def test_a_row_of_pictures_is_one_row_on_a_wide_screen_and_wraps_on_a_phone(page, app_url):
    """The Reconstruction row (one element, nine pictures): side by side where they fit at 5.5rem or more
    each, wrapped on a narrow screen rather than shrunk to thumbnails."""
    row = '[data-testid="stImage"]:has([data-testid="stImageCaption"]:has-text("MSE"))'
    boxes = "(row) => [...row.querySelectorAll('img')].map((i) => [i.getBoundingClientRect().top, i.width])"
    for width, one_row in ((1400, True), (420, False)):
        page.set_viewport_size({"width": width, "height": 1100})
        visit(page, app_url, "/Reconstruction")
        pictures = page.locator(row).first.evaluate(boxes)
        assert len(pictures) >= 8, pictures
        assert (len({round(top) for top, _ in pictures}) == 1) == one_row, (width, pictures)
        assert min(w for _, w in pictures) >= 88, (width, pictures)


def test_every_class_of_the_input_picker_is_in_view_and_one_click_picks_it(page, app_url):
    """The class picker's ten pills wrap in β-VAE's narrow column (Streamlit would scroll them sideways, out of
    sight), and clicking the last one changes the input the page shows."""
    visit(page, app_url, "/Beta_VAE")
    group = page.locator('[data-testid="stButtonGroup"]:has(button:has-text("9: 9"))').first
    inside = group.evaluate(
        """(g) => { const box = g.getBoundingClientRect();
                   return [...g.querySelectorAll('button')].map((b) => b.getBoundingClientRect())
                       .every((r) => r.left >= box.left - 1 && r.right <= box.right + 1); }"""
    )
    assert inside, "a class pill lies outside its column"
    before = pixels(page, "β = 1")
    group.locator('button:has-text("9: 9")').click()
    wait_changed(page, "β = 1", before)


def test_language_switch_survives_page_change_and_reload(page, app_url):
    visit(page, app_url, "/Denoising")
    english = page.locator("h1").first.inner_text()
    page.locator('[data-testid="stSidebar"]').get_by_text("한국어").click()
    page.wait_for_selector('h1:has-text("잡음 제거")', timeout=60_000)
    wait_idle(page)
    assert page.locator("h1").first.inner_text() != english
    page.locator('[data-testid="stSidebar"] a:has-text("잠재 공간")').first.click()
    page.wait_for_url("**/Latent_space**", timeout=60_000)
    page.wait_for_selector('h1:has-text("잠재 공간")', timeout=60_000)
    wait_idle(page)
    assert "lang=ko" in page.url
    page.goto(page.url)  # a reload of the bookmarked URL
    page.wait_for_selector('h1:has-text("잠재 공간")', timeout=90_000)
    wait_idle(page)
    page.wait_for_selector('[data-testid="stImageCaption"]:has-text("디코딩")', timeout=90_000)  # drawn in Korean
    shoot(page, "9_korean")


def upload(page, name: str, data: bytes) -> None:
    """Switch the page's input picker to Upload and send a file through the real file input."""
    page.get_by_role("radio", name="Upload").first.click()
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}]
    )


def test_reconstruction_upload(page, app_url):
    visit(page, app_url, "/Reconstruction")
    before = pixels(page, "Stacked dense AE")
    upload(page, "seven.png", off_centre_dark_digit())
    page.wait_for_selector("text=as the model sees it", timeout=60_000)
    wait_idle(page)
    assert changed(before, pixels(page, "Stacked dense AE"))
    shoot(page, "1_reconstruction")


def test_sections_open_in_their_tabs(page, app_url):
    """A page draws its first section only; a tab click draws that section (and not the others)."""
    visit(page, app_url, "/Reconstruction")
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    page.locator('[data-testid="stImageCaption"]:has-text("MSE")').first.wait_for(timeout=60_000)
    open_tab(page, "Codings map")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stImageCaption"]:has-text("MSE")').count() == 0
    shoot(page, "1_reconstruction_map_tab")


def test_denoising_slider(page, app_url):
    visit(page, app_url, "/Denoising")
    before = pixels(page, "noisy input")
    press(page, "Noise level", "ArrowRight", 6)
    wait_changed(page, "noisy input", before)
    shoot(page, "2_denoising")


def test_latent_space_pad_click(page, app_url):
    """A click on the pad (no drag) decodes that point in the browser and, on release, on the server."""
    visit(page, app_url, "/Latent_space")
    before = pixels(page, "decoded at")
    pad = page.locator("canvas.lab-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.30, box["y"] + box["height"] * 0.30)
    page.wait_for_selector(
        '[data-testid="stImageCaption"]:not(:has-text("(0.00, 0.00)")):has-text("decoded at")', timeout=60_000
    )
    wait_idle(page)
    assert changed(before, pixels(page, "decoded at"))
    shoot(page, "3_latent_space")


def test_beta_vae_slider_by_keyboard(page, app_url):
    """The live sliders are real range inputs: the keyboard moves them too (and the release reaches the page)."""
    visit(page, app_url, "/Beta_VAE")
    before = pixels(page, "Offsets when you let go")
    slider = page.locator(".lab-sliders input").first
    slider.scroll_into_view_if_needed()
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_selector('[data-testid="stImageCaption"]:has-text("#1 +3.00")', timeout=60_000)
    wait_idle(page)
    assert changed(before, pixels(page, "Offsets when you let go"))
    shoot(page, "4_beta_vae")


def test_gan_seed_button(page, app_url):
    visit(page, app_url, "/GAN")
    before = pixels(page, "")  # the first image: the sample grid
    page.locator('[data-testid="stNumberInput"]:has-text("Seed") [data-testid="stNumberInputStepUp"]').first.click()
    wait_changed(page, "", before)
    shoot(page, "5_gan")


def test_cyclegan_direction_switch(page, app_url):
    """The CycleGAN section's main control: send the digit the other way round, the pictures follow."""
    visit(page, app_url, "/GAN")
    open_tab(page, "CycleGAN")
    before = pixels(page, "translated to bold")
    page.locator('[data-testid="stButtonGroup"] button:has-text("regular (F), then back (G)")').click()
    page.wait_for_selector('[data-testid="stImageCaption"]:has-text("translated to regular")', timeout=60_000)
    wait_idle(page)
    assert changed(before, pixels(page, "translated to regular"))
    shoot(page, "5_gan_cyclegan")


def test_grid_download_is_the_enlarged_picture(page, app_url):
    """Pictures travel at their own resolution (the browser enlarges them); the PNG download is made on
    click, enlarged as shown."""
    visit(page, app_url, "/GAN")
    # The page's first picture is the sample grid (many samples wide); wait for it to be loaded, since a
    # rerun the scrub component starts may still be redrawing the page.
    page.wait_for_function(
        """() => { const i = document.querySelector('[data-testid="stImage"] img');
                   return i && i.complete && i.naturalWidth > 4 * 28; }""",
        timeout=60_000,
    )
    wait_idle(page)
    natural = page.locator('[data-testid="stImage"] img').first.evaluate("(i) => [i.naturalWidth, i.naturalHeight]")
    with page.expect_download(timeout=60_000) as info:
        page.locator('[data-testid="stDownloadButton"] button').first.click()
    png = Image.open(info.value.path())
    assert png.format == "PNG" and png.size == (2 * natural[0], 2 * natural[1])  # normal mode enlarges grids 2×


def _wait_for_psnr_row(page) -> None:
    """The denoising row (noisy input, two denoisers, median filter: each captioned with its PSNR) is back."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stImageCaption"]')]
                 .filter((c) => c.textContent.includes("PSNR")).length >= 3""",
        timeout=60_000,
    )
    wait_idle(page)


def test_bad_upload_keeps_page_alive(page, browser, app_url):
    visit(page, app_url, "/Denoising")
    data, fragment = bad_uploads()["truncated.png"]
    upload(page, "broken.png", data)
    page.wait_for_selector(f'[data-testid="stAlertContentError"]:has-text("{fragment}")', timeout=60_000)
    wait_idle(page)
    page.get_by_role("radio", name="Test sample").first.click()
    _wait_for_psnr_row(page)
    shoot(page, "6_bad_upload")
    other = browser.new_context().new_page()  # another session is unaffected
    visit(other, app_url, "/Denoising")
    _wait_for_psnr_row(other)
    assert other.locator('[data-testid="stAlertContentError"]').count() == 0
    other.context.close()


def test_dataset_choice_survives_page_switch(page, app_url):
    visit(page, app_url, "/Reconstruction?dataset=Fashion-MNIST")
    page.locator('[data-testid="stSidebar"] a:has-text("GAN")').first.click()
    page.wait_for_url("**/GAN**", timeout=60_000)
    wait_idle(page)
    assert "Fashion-MNIST" in page.locator('[data-testid="stCaptionContainer"]').first.inner_text()


def test_drawing_canvas_feeds_the_models(page, app_url):
    """Draw a stroke on the canvas component with the mouse: the drawing becomes the models' input."""
    visit(page, app_url, "/Reconstruction")
    before = pixels(page, "Stacked dense AE")
    page.get_by_role("radio", name="Draw").first.click()
    page.wait_for_selector("text=Draw something to use it as input", timeout=60_000)
    wait_idle(page)
    # fabric.js stacks two canvases; the upper one takes the mouse. (Streamlit 1.67 mounts the
    # component in an isolated element, not an iframe; Playwright's locators pierce its shadow root.)
    canvas = page.locator('[data-testid="stBidiComponentIsolated"] canvas').last
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + w * 0.5, y0 + h * 0.2)
    page.mouse.down()
    for t in np.linspace(0, 1, 12):  # a vertical stroke: a "1"
        page.mouse.move(x0 + w * (0.5 - 0.05 * t), y0 + h * (0.2 + 0.6 * t))
    page.mouse.up()
    page.wait_for_selector("text=your drawing (original)", timeout=60_000)
    wait_idle(page)
    assert changed(before, pixels(page, "Stacked dense AE"))
    shoot(page, "7_drawing")


def test_a_drawing_lands_on_the_outlier_histogram(page, app_url):
    """Why generative models?: draw on the canvas; the drawing's score appears with its percentile and verdict,
    and the histogram gains a marker at that score."""
    visit(page, app_url, "/Why_generative_models")

    def traces() -> list[dict]:
        return page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(d => (d.data || []).map("
            "t => ({name: t.name, x: Array.from(t.x || [])})))"
        )

    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert "your image" in [t["name"] for t in traces()]  # the picked test image, before any drawing
    page.get_by_role("radio", name="Draw").first.click()
    page.wait_for_selector("text=Draw something to use it as input", timeout=60_000)
    wait_idle(page)
    assert "your image" not in [t["name"] for t in traces()]  # an empty canvas: no marker, no error
    canvas = page.locator('[data-testid="stBidiComponentIsolated"] canvas').last
    canvas.wait_for(timeout=60_000)
    box = canvas.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + w * 0.2, y0 + h * 0.2)
    page.mouse.down()
    for t in np.linspace(0, 1, 16):  # a zig-zag scribble: nothing like a digit
        page.mouse.move(x0 + w * (0.2 + 0.6 * t), y0 + h * (0.2 + 0.6 * ((4 * t) % 1)))
    page.mouse.up()
    page.wait_for_selector("text=Score of your drawing", timeout=60_000)
    wait_idle(page)
    marker = [t for t in traces() if t["name"] == "your image"]
    assert marker and marker[0]["x"][0] > 0
    score = float(page.locator('[data-testid="stMetricValue"]').first.inner_text().replace(",", ""))
    edges = [x for t in traces() if t["name"] != "your image" for x in t["x"]]
    shown = min(max(score, min(edges)), max(edges))  # a score beyond the bins sits on the edge bar
    assert marker[0]["x"][0] == pytest.approx(shown, rel=1e-3)
    assert page.locator("text=of the test images").count() >= 1
    shoot(page, "8_why_drawing")
