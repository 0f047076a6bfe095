"""Watch it learn, measured (``python -m bench.benchmark`` calls ``live_training``): live steps/s against the same
model's offline ``fit`` in one run, Train → first update painted and updates painted per second in Chromium,
memory per worker, and how fast the 2-D map organises (5-NN accuracy of the 1,000 codes after 5, 10, 30 s)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np

from bench.harness import ROOT, chromium_available, chromium_browser, live_workers, rss_mb, shown, streamlit_server
from training.live.protocol import Settings, Train
from training.live.supervisor import Supervisor

LESSONS = ("ae", "vae", "points", "images")
MEASURE_S = 10.0
MAP_CHECKPOINTS_S = (5.0, 10.0, 30.0)
ROUNDS = 3

_OFFLINE = """
import json, sys, time
from training.live.lessons import build
from training.live.protocol import Settings
lesson, _ = build(Settings(sys.argv[1]))
data = lesson.dataset(128).repeat()
lesson.trainer.fit(data, epochs=1, steps_per_epoch=30, verbose=0)  # tracing and warm-up, not timed
steps, start = int(sys.argv[2]), time.perf_counter()
lesson.trainer.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
print(json.dumps({"steps_per_s": steps / (time.perf_counter() - start)}))
"""


def offline_steps_per_s(lesson: str, seconds: float = MEASURE_S) -> float:
    """The lesson's trainer under plain ``fit`` in a fresh process (as ``python -m training`` runs it)."""
    probe = subprocess.run(
        [sys.executable, "-c", _OFFLINE, lesson, "200"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    rate = json.loads(probe.stdout.strip().splitlines()[-1])["steps_per_s"]
    steps = max(200, int(rate * seconds))
    out = subprocess.run(
        [sys.executable, "-c", _OFFLINE, lesson, str(steps)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["steps_per_s"]


def knn_accuracy(codes: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Leave-one-out k-NN accuracy of the codes: how well the map's neighbourhoods sort the classes."""
    d = ((codes[:, None, :] - codes[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :k]
    votes = np.apply_along_axis(lambda row: np.bincount(row, minlength=10).argmax(), 1, labels[nearest])
    return float((votes == labels).mean())


def live_run(lesson: str, seconds: float, map_checkpoints: tuple[float, ...] = ()) -> dict:
    """Train ``lesson`` in a worker for ``seconds`` after warm-up; steps/s as the app sees snapshots arrive."""
    sup = Supervisor(slots=1, idle_s=3600)
    try:
        sup.visit("bench")
        worker = sup.workers()[0]
        while not worker.ready:
            time.sleep(0.05)
        sup.start("bench", Settings(lesson), Train())
        maps, marks = {}, list(map_checkpoints)
        first = None
        while True:
            snap = sup.status("bench").snapshot
            if snap is not None and snap.state == "training":
                while marks and snap.elapsed >= marks[0] and "codes" in snap.arrays:
                    maps[marks.pop(0)] = knn_accuracy(snap.arrays["codes"], snap.arrays["labels"])
                if first is None and snap.step >= 30:
                    first = (time.perf_counter(), snap.step)
                if first and time.perf_counter() - first[0] >= seconds and not marks:
                    break
            time.sleep(0.02)
        rate = (snap.step - first[1]) / (time.perf_counter() - first[0])
        return {"steps_per_s": rate, "worker_mb": rss_mb(worker.pid), "maps": maps, "note": snap.note}
    finally:
        sup.close()


_MAP = 'img[alt^="Map of the 2-D codes"]'


def _map_source(page) -> str | None:
    return page.locator(_MAP).first.get_attribute("src")


def browser_updates(seconds: float = 10.0) -> dict:
    """Open /Learn, wait for the warm trainer, press Train: seconds to the first map painted (the untrained
    codes), to the map first changing (training under way: the first steps wait for Keras to trace the training
    step), then map updates painted per second over ``seconds`` from there (distinct pictures seen)."""
    with streamlit_server(log_name="learn-bench-server.log") as (url, server), chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/Learn")
        page.get_by_text(shown("learn.status_ready").replace("**", "")).wait_for(timeout=120_000)
        start = time.perf_counter()
        page.get_by_role("button", name="Train", exact=True).click()
        page.wait_for_selector(_MAP, timeout=60_000)
        first = time.perf_counter() - start
        untrained = _map_source(page)
        while _map_source(page) == untrained:
            if time.perf_counter() - start > 120:
                raise TimeoutError("the map never changed after Train")
            time.sleep(0.03)
        trained = time.perf_counter() - start
        seen, deadline = [_map_source(page)], time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            src = _map_source(page)
            if src != seen[-1]:
                seen.append(src)
            time.sleep(0.03)
        workers = len(live_workers(server.pid))
        page.close()
    return {
        "first_update_s": first,
        "first_trained_s": trained,
        "updates_per_s": (len(seen) - 1) / seconds,
        "workers": workers,
    }


def live_training(rounds: int = ROUNDS) -> dict:
    """Each lesson: ``rounds`` pairs of (offline fit, live run), interleaved so a busy moment of the shared machine
    hits both alike; the ratio is of the medians (one 10 s pair swung 0.74–1.02 for the 2-D AE here)."""
    rows = []
    for lesson in LESSONS:
        print(f"[bench] live training: {lesson}", flush=True)
        offline, live = [], []
        for i in range(rounds):
            offline.append(offline_steps_per_s(lesson))
            live.append(live_run(lesson, MEASURE_S, MAP_CHECKPOINTS_S if lesson == "ae" and i == 0 else ()))
        off, on = float(np.median(offline)), float(np.median([r["steps_per_s"] for r in live]))
        rows.append(
            {
                "lesson": lesson,
                "offline": off,
                **live[0],
                "steps_per_s": on,
                "ratio": on / off,
                "ratios": [r["steps_per_s"] / o for r, o in zip(live, offline)],
                "worker_mb": max(r["worker_mb"] for r in live),
            }
        )
    browser = browser_updates() if chromium_available() else None
    return {"rows": rows, "browser": browser, "rounds": rounds}


if __name__ == "__main__":
    print(json.dumps(live_training(), indent=2))
