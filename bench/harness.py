"""Starting the real app and a real browser, for the browser tests, benchmarks and the load test.

The server binds 127.0.0.1 on a free port and is always stopped by whoever started it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from deploy.launcher import free_port, replica_command  # the same server the class launcher starts

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT = ROOT / "test-output"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def wait_healthy(url: str, timeout: float = 90.0) -> float:
    """Poll Streamlit's health endpoint; return the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"Streamlit at {url} was not healthy within {timeout} s")


@contextlib.contextmanager
def streamlit_server(
    env: dict | None = None,
    log_name: str = "server.log",
    options: list[str] | None = None,
    script: str = "app.py",
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``streamlit run <script> [options]`` on 127.0.0.1:<port> (default: a free one); stop it (and its
    children) afterwards."""
    port = port or free_port()
    OUTPUT.mkdir(exist_ok=True)
    log = open(OUTPUT / log_name, "w")
    proc = subprocess.Popen(
        [*replica_command(port, script), *(options or [])],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield url, proc
    finally:
        stop_group(proc)
        log.close()


def stop_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process group ``proc`` leads (it and its children); SIGKILL it after ``timeout`` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_idle(page, timeout: float = 120.0) -> None:
    """Wait until the app's script has finished: Streamlit marks its root with
    ``data-test-script-state="notRunning"``; require it twice in a row, 0.2 s apart."""
    deadline, calm = time.time() + timeout, 0
    while time.time() < deadline:
        state = page.get_attribute('[data-testid="stApp"]', "data-test-script-state", timeout=30_000)
        calm = calm + 1 if state == "notRunning" else 0
        if calm >= 2:
            return
        time.sleep(0.2)
    raise TimeoutError("the app's script kept running")


def open_tab(page, label: str) -> None:
    """Click one of the page's section tabs (only the open one is drawn) and wait for its section."""
    page.get_by_role("tab", name=label).first.click()
    time.sleep(0.3)
    wait_idle(page)


def live_workers(server_pid: int) -> list[int]:
    """The server's child processes that are live-training workers (``training.live.worker``), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server_pid and "training.live.worker" in cmdline:
            found.append(int(entry.name))
    return found


def shown(key: str) -> str:
    """The longest fixed stretch of the English catalogue's message ``key`` (the text between its placeholders):
    what a page must show for that message, so tests match catalogue keys, not copies of the wording."""
    from pages.ui.i18n import catalogue

    return max(re.split(r"\{[^}]*\}", catalogue("en")[key]), key=len).strip()


# A student's phone, as the room tests and the room audit open it (students join by the QR code).
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def touch_stroke(page, target, path: list[tuple[float, float]]) -> None:
    """Draw with one finger on ``target`` (a locator) along ``path`` (fractions of its box): real touch events
    through the DevTools protocol (touchstart, touchmove…, touchend), since Playwright's touchscreen only taps."""
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    points = [{"x": box["x"] + box["width"] * fx, "y": box["y"] + box["height"] * fy} for fx, fy in path]
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()
