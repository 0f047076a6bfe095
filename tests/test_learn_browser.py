"""Watch it learn in a real browser: Train paints updates, Pause stops them and gives the worker back within 5 s,
Train resumes where it stopped, and leaving the page leaves no worker process behind."""

from __future__ import annotations

import os
import re
import time

import pytest

from bench.harness import chromium_available, live_workers, shown, streamlit_server

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)
MAP = 'img[alt^="Map of the 2-D codes"]'


def _map_sources(page, seconds: float) -> list[str]:
    """The map picture's successive sources over ``seconds`` (a new source is a new painted update)."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        maps = page.locator(MAP)
        if maps.count():
            src = maps.first.get_attribute("src") or ""
            if not seen or src != seen[-1]:
                seen.append(src)
        time.sleep(0.05)
    return seen


def _map_updates(page, count: int, timeout: float) -> list[str]:
    """Wait until the map picture has shown ``count`` different sources (painted updates); fail after ``timeout``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        assert time.monotonic() < deadline, f"{len(seen)} map updates in {timeout:.0f} s, waiting for {count}"
        maps = page.locator(MAP)
        src = maps.first.get_attribute("src") or "" if maps.count() else ""
        if src and (not seen or src != seen[-1]):
            seen.append(src)
        time.sleep(0.05)
    return seen


def _step(page) -> int:
    """The step the progress line shows ("**Paused** · step 1,234 · …")."""
    text = page.get_by_text(re.compile(r"· step [0-9,]+ ·")).first.inner_text()
    return int(re.search(r"step ([0-9,]+)", text).group(1).replace(",", ""))


def test_train_pause_resume_and_leave(browser):
    with streamlit_server(log_name="learn-server.log") as (url, server):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/Learn")
        page.wait_for_selector("h1", timeout=90_000)
        page.get_by_text(shown("learn.status_ready").replace("**", "")).wait_for(
            timeout=90_000
        )  # the spare has imported Keras
        assert len(live_workers(server.pid)) == 1
        page.get_by_role("button", name="Train", exact=True).click()
        _map_updates(page, 10, timeout=60.0)  # the map redraws as it trains
        page.get_by_role("button", name="Pause", exact=True).click()
        paused_at = time.monotonic()
        page.get_by_text("Paused", exact=True).wait_for(timeout=10_000)
        assert len(_map_sources(page, 1.5)) == 1  # no update while paused
        parked = page.get_by_text(shown("learn.parked").replace("**", ""))
        parked.wait_for(timeout=max(100, int((paused_at + 5.0 - time.monotonic()) * 1000)))
        assert time.monotonic() - paused_at <= 5.5  # the worker went back to the pool within 5 s (and a redraw)
        held = _step(page)
        page.get_by_role("button", name="Train", exact=True).click()
        _map_updates(page, 3, timeout=60.0)  # resumed …
        assert _step(page) > held  # … from where it stopped, not from step 0
        page.get_by_role("link", name="Home").first.click()
        deadline = time.monotonic() + 5.0  # the issue: a worker is stopped and freed within 5 s
        while live_workers(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert live_workers(server.pid) == []
        page.close()
