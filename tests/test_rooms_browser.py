"""A class room in Debian's Chromium: a lecturer's tab and a student's phone (390×844, touch) on one server.
The student joins by the room's link, follows page, section and slider, explores and comes back; a forged
lecturer link is refused."""

from __future__ import annotations

import os
import re
import time

import pytest

from bench.harness import chromium_available, open_tab, streamlit_server, wait_idle

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)


def _until(predicate, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout} s: {what}")


def _slider(page, label: str):
    return page.locator(f'[data-testid="stSlider"]:has-text("{label}") input[type="range"]').first


def _slider_value(page, label: str) -> str:
    return _slider(page, label).input_value()


def test_a_phone_follows_the_lecturer(browser):
    with streamlit_server(log_name="rooms-browser-server.log") as (url, _):
        lecturer = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        lecturer.goto(url + "/Denoising?room=new")
        lecturer.wait_for_selector("h1", timeout=90_000)
        wait_idle(lecturer)
        panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
        code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)
        assert f"room={code}" in lecturer.url and "lecturer=" not in lecturer.url
        qr = lecturer.get_by_role("img", name=re.compile("QR code of the join link"))
        qr.first.wait_for(timeout=60_000)  # the room panel draws after the page's first picture
        assert qr.count() == 1

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
        ).new_page()
        phone.goto(f"{url}/?room={code}")  # what the QR code opens
        phone.get_by_text("Following the lecturer").first.wait_for(timeout=90_000)
        _until(lambda: "/Denoising" in phone.url, what="the phone switched to the lecturer's page")
        phone.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)

        thumb = _slider(lecturer, "Noise level")
        before = _slider_value(lecturer, "Noise level")
        thumb.focus()
        for _ in range(3):
            lecturer.keyboard.press("ArrowRight")
        time.sleep(0.5)
        wait_idle(lecturer)
        moved = _slider_value(lecturer, "Noise level")
        assert moved != before
        _until(lambda: _slider_value(phone, "Noise level") == moved, 15, f"the phone's slider reached {moved}")

        open_tab(lecturer, "PSNR curve")
        _until(lambda: "section=curve" in phone.url, 15, "the phone opened the lecturer's section")

        phone.get_by_role("button", name="Explore on my own").tap()
        phone.get_by_text("Exploring on your own").first.wait_for(timeout=30_000)
        open_tab(lecturer, "Denoise an image")
        time.sleep(3)
        assert "section=curve" in phone.url  # an explorer keeps their own view
        phone.get_by_role("button", name="Back to the lecturer").tap()
        phone.get_by_text("Following the lecturer").first.wait_for(timeout=30_000)
        _until(lambda: "section=one" in phone.url, 15, "back with the lecturer's section")

        forged = browser.new_context().new_page()
        forged.goto(f"{url}/?room={code}&lecturer=not-the-key-at-all-xxxxxxxxxxxx")
        forged.get_by_text("not valid for room").first.wait_for(timeout=90_000)
        _until(lambda: "lecturer=" not in forged.url, 10, "the forged key left the address bar")
        assert forged.get_by_text("Following the lecturer").count() >= 1


def _readout(page) -> str:
    return page.locator(".lab-readout").first.inner_text()


def test_the_pad_drag_moves_the_followers_canvas_during_the_drag(browser):
    """Gestures need no rerun: the lecturer's drag streams through the push routes (models/rooms/push.py) and
    the student's browser decodes it, ≥ 10 values a second, and lands where the lecturer let go."""
    with streamlit_server(log_name="rooms-gesture-server.log") as (url, _):
        lecturer = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        lecturer.goto(url + "/Latent_space?room=new")
        lecturer.wait_for_selector("canvas.lab-pad", timeout=90_000)
        wait_idle(lecturer)
        panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
        code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)

        student = browser.new_context(viewport={"width": 1000, "height": 1100}).new_page()
        student.goto(f"{url}/?room={code}")
        student.wait_for_selector("canvas.lab-pad", timeout=90_000)
        wait_idle(student)
        time.sleep(1.0)  # the student's event stream opens with the component
        start = _readout(student)

        box = lecturer.locator("canvas.lab-pad").first.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        lecturer.mouse.move(x0, y0)
        lecturer.mouse.down()
        began = time.time()
        seen: set[str] = set()
        for i in range(1, 41):  # two seconds of dragging toward the lower right
            lecturer.mouse.move(x0 + i * box["width"] * 0.01, y0 + i * box["height"] * 0.01)
            time.sleep(0.05)
            if i % 8 == 0:
                seen.add(_readout(student))
        during = student.evaluate("() => window.__latentLab.stats.followed || 0")
        dragged = time.time() - began
        moving = _readout(student)
        lecturer.mouse.up()

        assert during / dragged >= 10, f"{during} values in {dragged:.1f} s"
        assert moving != start and len(seen - {start}) >= 3, seen  # the student's canvas moved with the drag
        _until(lambda: _readout(student) == _readout(lecturer), 10, "the student's pad landed on the lecturer's point")
        assert student.evaluate("() => window.__latentLab.stats.releases") == 0  # the student touched nothing
        assert student.get_by_text("Following the lecturer").count() >= 1
