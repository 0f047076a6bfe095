"""Classroom load: N sessions at once against one real server on 127.0.0.1, each making M interactions.

Each session is a headless client speaking Streamlit's websocket protocol (``bench/st_client.py``): it opens
one of the five model pages (sessions are spread over them), then moves that page's main control M times,
waiting after each move for the rerun to finish and fetching every image the page shows, as a browser
would. Every interaction is checked: the run finished cleanly, no exception is shown, the image the control
drives changed, every image URL serves bytes. Bounded in time; starts and stops the server itself.

By default every session of a page makes the same moves in the same order, each at its own pace: a class
following the lecturer, where the server's caches answer a setting once computed. ``--own-values`` gives
each session its own stretch of values instead (session k makes moves k·M + 1 … k·M + M): a class exploring
on its own, where a repeat only happens when a control's range is small.

A session whose websocket drops (its replica died behind a balancer) reconnects as the browser does — through
the same URL, keeping the balancer's cookie — opens its page again from the URL, and carries on; reconnects
are counted, and a move is only lost if the session cannot get back within a few tries.

``python -m bench.load_test --sessions 30 --interactions 30 [--own-values] [--url http://127.0.0.1:8501]``
(``--url``: drive a server that is already running, such as ``python -m deploy``'s balancer)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import websockets

from bench.harness import rss_mb, streamlit_server
from bench.st_client import RunResult, StreamlitSession

TIME_LIMIT_S = 600
RECONNECT_TRIES = 6  # a replica killed mid-move: HAProxy needs ~2 s to mark it down (checks every 1 s)
DISCONNECTS = (websockets.ConnectionClosed, ConnectionError, OSError, TimeoutError)


@dataclass(frozen=True)
class Scenario:
    """One page's main control: which widget, the value of the i-th move, and what must then be shown."""

    page: str
    key: str
    value: Callable[[int], float]
    check: Callable[[float, RunResult], str | None] = lambda v, r: None


def _caption_has(text: Callable[[float], str]) -> Callable[[float, RunResult], str | None]:
    def check(v: float, run: RunResult) -> str | None:
        want = text(v)
        return None if any(want in caption for _, caption in run.images) else f"no image captioned {want!r}"

    return check


# Latent space and β-VAE: dragging happens in the browser (pages/ui/latent_play.js); what reaches the server
# is the release, the component's new state, which is what these two scenarios send.
SCENARIOS = [
    Scenario(
        "Latent_space",
        "ls-pad",
        lambda i: {"z": [round(((i % 60) - 30) * 0.05, 2), 0.5]},
        _caption_has(lambda v: f"decoded at ({v['z'][0]:.2f}, 0.50)"),
    ),
    Scenario("Beta_VAE", "bv-live", lambda i: {"offsets": [[-3.0, -2.0, -1.0, 1.0, 2.0, 3.0][i % 6]] + [0.0] * 9}),
    Scenario(
        "Denoising",
        "dn-level-gaussian",
        lambda i: round(0.05 * (1 + i % 19 + (i % 19 >= 10)), 2),  # 0.05 … 1.0 but 0.55, the slider's default
        _caption_has(lambda v: "PSNR"),
    ),
    Scenario("GAN", "gan-seed", lambda i: i),
    Scenario("Reconstruction", "rec-index", lambda i: 1 + i % 49),  # never 0, the default: each move changes it
]


async def interact(session: StreamlitSession, scenario: Scenario, i: int, before: set[str]) -> tuple[float, set[str]]:
    """One move: the rerun plus fetching its images (what a browser waits for). Raises on any fault."""
    start = time.perf_counter()
    value = scenario.value(i)
    run = await session.set(scenario.key, value)
    if run.exceptions:
        raise AssertionError(f"exception shown: {run.exceptions[0][:160]}")
    urls = {url for url, _ in run.images}
    if not urls or urls <= before:
        raise AssertionError(f"{scenario.key}={value}: no changed image in the rerun")
    if problem := scenario.check(value, run):
        raise AssertionError(f"{scenario.key}={value}: {problem}")
    for url in urls - before:
        if not await session.fetch(url):
            raise AssertionError(f"{url} served no bytes")
    return time.perf_counter() - start, urls


async def _session(
    base_url: str, scenario: Scenario, interactions: int, think_s: float, seed: int, report: dict, first: int = 1
) -> None:
    """One client: open the page, then moves ``first`` … ``first + interactions − 1`` of its scenario."""
    rng = random.Random(seed)
    try:
        async with StreamlitSession(base_url) as session:
            start = time.perf_counter()
            opened = await session.open(scenario.page)
            if opened.exceptions:
                raise AssertionError(f"exception shown on {scenario.page}: {opened.exceptions[0][:160]}")
            for url, _ in opened.images:
                await session.fetch(url)
            report["open_s"].append(time.perf_counter() - start)
            report["in_flight"][seed] = next(iter(session.cookies.values()), "")
            shown = {url for url, _ in opened.images}
            done = 0
            for i in range(first, first + interactions):
                await asyncio.sleep(rng.uniform(0, 2 * think_s))
                for attempt in range(RECONNECT_TRIES):
                    try:
                        seconds, shown = await interact(session, scenario, i, shown)
                        report["latency_s"].append(seconds)
                        report["by_page"].setdefault(scenario.page, []).append(seconds)
                        done += 1
                        break
                    except DISCONNECTS as err:
                        if attempt == RECONNECT_TRIES - 1:
                            report["errors"].append(f"{scenario.page} move {i}: lost: {type(err).__name__}: {err}")
                            break
                        await asyncio.sleep(0.5 * (attempt + 1))
                        with contextlib.suppress(*DISCONNECTS):
                            shown = {url for url, _ in (await session.reconnect()).images}
                    except Exception as err:
                        report["errors"].append(f"{scenario.page} move {i}: {type(err).__name__}: {str(err)[:160]}")
                        break
            report["reconnects"] += session.reconnects
            if done < interactions:
                report["lost_sessions"] += 1
    except Exception as err:
        report["errors"].append(f"{scenario.page} session: {type(err).__name__}: {str(err)[:160]}")
        report["lost_sessions"] += 1
    finally:
        report["in_flight"].pop(seed, None)


def _memory(pids: list[int]) -> list[float]:
    """Resident MB of each process still alive."""
    out = []
    for pid in pids:
        with contextlib.suppress(OSError):
            out.append(rss_mb(pid))
    return out


def _watch_memory(pids: Callable[[], list[int]], stop: threading.Event, peak: dict[int, float]) -> None:
    while not stop.wait(0.5):
        for pid in pids():
            with contextlib.suppress(OSError):
                peak[pid] = max(peak.get(pid, 0.0), rss_mb(pid))


async def _at_halfway(expected: int, report: dict, midway: Callable[[list[str]], None]) -> None:
    """Call ``midway`` (in a thread) once half of the expected moves have landed: the fault injection. It gets
    the balancer cookies of the sessions still running, so it can hit a replica that is serving someone."""
    while len(report["latency_s"]) < expected / 2:
        await asyncio.sleep(0.05)
    report["midway_at_move"] = len(report["latency_s"])
    await asyncio.to_thread(midway, list(report["in_flight"].values()))


async def _drive(
    base_url: str,
    sessions: int,
    interactions: int,
    think_s: float,
    report: dict,
    own_values: bool = False,
    midway: Callable[[list[str]], None] | None = None,
) -> None:
    if midway is not None:
        watcher = asyncio.create_task(_at_halfway(sessions * interactions, report, midway))
    tasks = [
        _session(
            base_url,
            SCENARIOS[k % len(SCENARIOS)],
            interactions,
            think_s,
            k,
            report,
            first=1 + (k * interactions if own_values else 0),
        )
        for k in range(sessions)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=TIME_LIMIT_S)
    except TimeoutError:
        report["errors"].append(f"load test stopped at its {TIME_LIMIT_S} s limit")
    if midway is not None:
        if not watcher.done():
            watcher.cancel()
            report["errors"].append("the fault was never injected: half of the moves did not land")
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def _one_page_at_a_time(base_url: str, interactions: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for scenario in SCENARIOS:
        async with StreamlitSession(base_url) as session:
            shown = {url for url, _ in (await session.open(scenario.page)).images}
            for i in range(1, interactions + 1):
                seconds, shown = await interact(session, scenario, i, shown)
                times.setdefault(scenario.page, []).append(seconds * 1000)
    return times


def run_rerun_latency(interactions: int = 60, warmup: int = 5, streamlit_defaults: bool = False) -> dict:
    """One session at a time on an idle server: each page's main control, move → rerun finished → images
    fetched. ``streamlit_defaults`` undoes pages/ui/runtime_tuning.py, to show what it is worth."""
    from pages.ui.runtime_tuning import UNTUNED_ENV

    env = {UNTUNED_ENV: "1"} if streamlit_defaults else None
    options = ["--runner.postScriptGC", "true"] if streamlit_defaults else None
    with streamlit_server(env=env, options=options, log_name="latency-server.log") as (url, _):
        times = asyncio.run(_one_page_at_a_time(url, interactions + warmup))
    return {
        page: {"median_ms": float(np.median(t[warmup:])), "p95_ms": float(np.percentile(t[warmup:], 95))}
        for page, t in times.items()
    }


async def _visit_learn(url: str, sessions: int, hold_s: float, report: dict) -> None:
    """``sessions`` clients open Watch it learn at once and keep it open for ``hold_s`` seconds."""

    async def one(k: int) -> None:
        try:
            async with StreamlitSession(url) as session:
                opened = await session.open("Learn")
                if opened.exceptions:
                    report["errors"].append(f"Learn session {k}: {opened.exceptions[0][:160]}")
                else:
                    report["opened"] += 1
                await asyncio.sleep(hold_s)
        except Exception as err:
            report["errors"].append(f"Learn session {k}: {type(err).__name__}: {str(err)[:160]}")

    await asyncio.wait_for(asyncio.gather(*(one(k) for k in range(sessions))), timeout=TIME_LIMIT_S)


def run_learn_visits(sessions: int = 100, hold_s: float = 10.0) -> dict:
    """A class opening Watch it learn at once: how many training processes the server starts (the page keeps
    one warm for the first Train, never one per session), sampled every 0.2 s while they hold the page."""
    from bench.harness import live_workers

    report: dict = {"opened": 0, "errors": []}
    with streamlit_server(log_name="learn-load-server.log") as (url, proc):
        most, stop = [0], threading.Event()

        def watch() -> None:
            while not stop.wait(0.2):
                most[0] = max(most[0], len(live_workers(proc.pid)))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        start = time.perf_counter()
        asyncio.run(_visit_learn(url, sessions, hold_s, report))
        stop.set()
        watcher.join()
        wall = time.perf_counter() - start
        time.sleep(5.0)  # every session has left: nothing should be kept warm
        left = len(live_workers(proc.pid))
    return {
        "sessions": sessions,
        "opened": report["opened"],
        "errors": len(report["errors"]),
        "error_samples": report["errors"][:5],
        "most_workers": most[0],
        "workers_after_leaving": left,
        "wall_s": wall,
    }


def run_load_test(
    sessions: int = 30,
    interactions: int = 30,
    think_s: float = 0.5,
    own_values: bool = False,
    url: str | None = None,
    midway: Callable[[list[str]], None] | None = None,
    pids: Callable[[], list[int]] | None = None,
) -> dict:
    """Drive the classroom against ``url`` (a running server or balancer), or against a server started and
    stopped here; return the figures. ``midway`` runs once half of the moves have landed (a fault to inject);
    ``pids`` lists the server processes whose memory is watched (default: the server started here)."""
    report: dict = {"open_s": [], "latency_s": [], "by_page": {}, "errors": [], "reconnects": 0, "lost_sessions": 0}
    report["in_flight"] = {}  # session → its balancer cookie, while it runs
    with contextlib.ExitStack() as stack:
        if url is None:
            url, proc = stack.enter_context(streamlit_server(log_name="load-server.log"))
            pids = pids or (lambda: [proc.pid])
        watched = pids or (lambda: [])
        rss_start = _memory(watched())
        peak, stop = {}, threading.Event()
        watcher = threading.Thread(target=_watch_memory, args=(watched, stop, peak), daemon=True)
        watcher.start()
        start = time.perf_counter()
        asyncio.run(_drive(url, sessions, interactions, think_s, report, own_values, midway))
        wall = time.perf_counter() - start
        stop.set()
        watcher.join()
        rss_end = _memory(watched())
    lat = np.asarray(report["latency_s"] or [np.nan]) * 1000
    opened = np.asarray(report["open_s"] or [np.nan])
    return {
        "sessions": sessions,
        "interactions": interactions,
        "think_s": think_s,
        "own_values": own_values,
        "completed": len(report["latency_s"]),
        "expected": sessions * interactions,
        "errors": len(report["errors"]),
        "error_samples": report["errors"][:5],
        "reconnects": report["reconnects"],
        "lost_sessions": report["lost_sessions"],
        "p50_ms": float(np.median(lat)),
        "p95_ms": float(np.percentile(lat, 95)),
        "max_ms": float(lat.max()),
        "p50_ms_by_page": {p: float(np.median(v) * 1000) for p, v in sorted(report["by_page"].items())},
        "page_open_p50_s": float(np.median(opened)),
        "page_open_max_s": float(opened.max()),
        "rss_start_mb": max(rss_start, default=float("nan")),
        "rss_peak_mb": max(peak.values(), default=float("nan")),  # the largest server process
        "rss_peak_mb_each": [round(v) for v in peak.values()],
        "rss_end_mb": max(rss_end, default=float("nan")),
        "wall_s": wall,
    }


def main() -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.load_test", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--interactions", type=int, default=30)
    p.add_argument(
        "--think", type=float, default=0.5, help="mean pause between one session's moves, seconds (uniform 0…2×think)"
    )
    p.add_argument("--own-values", action="store_true", help="each session moves through its own values")
    p.add_argument("--url", help="drive this running server or balancer instead of starting one")
    args = p.parse_args()
    result = run_load_test(args.sessions, args.interactions, args.think, args.own_values, url=args.url)
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 and result["completed"] == result["expected"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
