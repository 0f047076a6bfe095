"""Browser-side measurements for BENCHMARKS.md (run by ``python -m tests.benchmark``).

- Cold start: ``streamlit run app.py`` as a fresh process; Chromium opens one page as soon as the server
  answers. Seconds from launch to the page's first picture (the home page has none: its title) and to the
  page fully rendered (script finished, every picture loaded). Each page is launched ``launches`` times.
- Latent play: a mouse drag on the latent-space pad and on a β-VAE slider; decoded frames per second,
  pointer move → painted frame latency (p50/p95), websocket messages the browser sent during the drag, and
  the bytes of decoder weights a page sends once per session.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from tests.harness import chromium_browser, streamlit_server, wait_idle

PAGES = {
    "Home": "/",
    "Reconstruction": "/Reconstruction",
    "Denoising": "/Denoising",
    "Latent space": "/Latent_space",
    "β-VAE": "/Beta_VAE",
    "GAN": "/GAN",
}
PICTURE = '[data-testid="stImage"] img, canvas.lab-out'


def _open_and_time(browser, url: str, path: str, start: float) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url + path)
        page.wait_for_selector("h1" if path == "/" else PICTURE, timeout=180_000)
        first = time.perf_counter() - start
        wait_idle(page, timeout=180)
        page.wait_for_function("() => [...document.querySelectorAll('img')].every((i) => i.complete)", timeout=60_000)
        return first, time.perf_counter() - start
    finally:
        page.close()


def cold_start(launches: int = 3) -> list[dict]:
    rows = []
    with chromium_browser() as browser:
        for title, path in PAGES.items():
            firsts, fulls = [], []
            for _ in range(launches):
                start = time.perf_counter()
                with streamlit_server(log_name="cold-start-server.log") as (url, _):
                    first, full = _open_and_time(browser, url, path, start)
                firsts.append(first)
                fulls.append(full)
            rows.append(
                {
                    "page": title,
                    "first picture s (best / median)": f"{min(firsts):.1f} / {statistics.median(firsts):.1f}",
                    "fully rendered s (best / median)": f"{min(fulls):.1f} / {statistics.median(fulls):.1f}",
                    "best_full": min(fulls),
                    "best_first": min(firsts),
                }
            )
    return rows


def _drag(page, locator, steps: int, dx: float, dy: float) -> dict:
    """Drag across ``locator`` with the mouse; frames, latency and websocket messages during the drag."""
    sent: list[float] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda _: sent.append(time.perf_counter())))
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5
    page.evaluate("() => { window.__latentLab.stats.frames = 0; window.__latentLab.stats.latencies = []; }")
    page.mouse.move(x0, y0)
    page.mouse.down()
    start = time.perf_counter()
    for i in range(steps):
        page.mouse.move(x0 + dx * box["width"] * i / steps, y0 + dy * box["height"] * i / steps)
        page.wait_for_timeout(16)  # a hand moves the mouse about once per display frame
    seconds = time.perf_counter() - start
    during = len([t for t in sent if t >= start])
    stats = page.evaluate("() => window.__latentLab.stats")
    page.mouse.up()
    lat = np.asarray(stats["latencies"] or [np.nan])
    return {
        "frames": stats["frames"],
        "fps": stats["frames"] / seconds,
        "p50 ms": float(np.percentile(lat, 50)),
        "p95 ms": float(np.percentile(lat, 95)),
        "messages during drag": during,
    }


def latent_play() -> list[dict]:
    rows = []
    with streamlit_server(log_name="latent-play-bench.log") as (url, _), chromium_browser() as browser:
        for title, path, selector, (dx, dy), decoders in (
            ("Latent space pad (1 conv decoder)", "/Latent_space", "canvas.lab-pad", (0.4, 0.35), 1),
            ("β-VAE slider (3 dense decoders)", "/Beta_VAE", ".lab-sliders input", (0.45, 0.0), 3),
        ):
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url + path)
            page.wait_for_selector("canvas.lab-out", timeout=120_000)
            wait_idle(page)
            weight_bytes = page.evaluate(
                "() => [...window.__latentLab.nets.keys()].length"
            )  # decoders cached in this page
            result = _drag(page, page.locator(selector).first, 120, dx, dy)
            rows.append({"where": title, "decoders": decoders, "cached decoders": weight_bytes, **result})
            page.close()
    return rows
