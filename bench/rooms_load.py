"""Follow lag and idle cost of a class room, driven by the protocol client (``bench/st_client.py``).

One lecturer and N followers on a running server (or balancer): the lecturer starts a room on the Denoising
page; each follower opens the join link and then does what its page's room component (``room_watch.js``)
does: it holds the room's news stream (``/api/rooms/CODE/changes``) and, when the version passes the one its
page applied, fires the component's trigger, which reruns the page. The lecturer moves the noise seed (a
slider-like control) and then changes page; a follower's lag is the time from the lecturer's move to the end
of the follower's run that shows the lecturer's pictures. Idle cost: the server's CPU while every follower
holds its stream on a still room.

``python -m bench.rooms_load --url http://127.0.0.1:8501 --followers 100`` (any running server), or without
``--url`` on a fresh ``streamlit run app.py`` of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from dataclasses import dataclass, field

from bench.st_client import StreamlitSession

CODE = re.compile(r"room=([A-Z]{5})")


@dataclass
class Follower:
    session: StreamlitSession
    lags: dict[str, list[float]] = field(default_factory=lambda: {"control": [], "page": []})
    seen: set[str] = field(default_factory=set)  # the last full run's picture URLs
    errors: list[str] = field(default_factory=list)
    runs: int = 0
    sections: int = 0  # runs of the open section alone
    listening: asyncio.Event = field(default_factory=asyncio.Event)  # its stream told it the room as it joined
    heard: list[float] = field(default_factory=list)  # when the news of each version arrived
    history: list[tuple[float, set[str]]] = field(default_factory=list)  # (end of a page run, its pictures)


def _reached(f: Follower, move: dict) -> float | None:
    """Seconds from the lecturer's move to the end of the follower's first run after it that shows it."""
    return next(
        (end - move["start"] for end, seen in f.history if end > move["start"] and move["images"] <= seen), None
    )


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _pictures(run) -> set[str]:
    """The page's pictures, less the lecturer's QR code (an SVG only the lecturer is shown)."""
    return {u for u, _ in run.images if not u.startswith("data:image/svg")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux ``/proc``)."""
    import os

    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


async def _watch(f: Follower, code: str, stop: asyncio.Event, joined: list[str]) -> None:
    """A follower's room components: news newer than the page's version fires a trigger, as ``room_watch.js``
    does: a drawn section's when every change since a version the page shows was made in that section (that
    section reruns), else the page's; each run's end and pictures are kept, to be timed against the moves."""
    applied, activity, drawn = None, None, joined
    try:
        async for news in f.session.listen(f"/api/rooms/{code}/changes", stop):
            if news is None or news.get("down"):
                continue
            if applied is None or news.get("gone"):  # the state the follower joined in, or the end
                applied, activity = news.get("v"), news.get("a")
                f.listening.set()
                continue
            if news["v"] <= applied:
                continue
            section = f"room-watch-{news.get('f')}"
            alone = section in drawn and news.get("a") == activity and applied >= (news.get("b") or 0)
            applied, activity = news["v"], news.get("a")
            f.heard.append(time.perf_counter())
            run = await f.session.trigger(section if alone else "room-watch", "news", str(applied))
            if run.full:
                drawn = run.keys
            f.runs += 1
            f.sections += not run.full
            f.errors += run.exceptions
            f.seen = _pictures(run)
            f.history.append((time.perf_counter(), f.seen))
    except Exception as err:  # a broken follower is counted, not fatal
        f.errors.append(f"{type(err).__name__}: {err}")


async def follow_test(url: str, followers: int = 10, moves: int = 3, settle_s: float = 6.0, idle_s: float = 10.0,
                      pid: int | None = None) -> dict:  # fmt: skip
    """Lag per follower for control moves and a page change; errors; idle CPU (with ``pid``)."""
    lecturer = StreamlitSession(url)
    await lecturer.__aenter__()
    first = await lecturer.open("Denoising", "room=new")
    code = next((m.group(1) for text in first.texts if (m := CODE.search(text))), None)
    if code is None:
        raise RuntimeError("the lecturer's page showed no room code")
    crowd = [Follower(StreamlitSession(url)) for _ in range(followers)]
    for f in crowd:
        await f.session.__aenter__()
    joined = await asyncio.gather(*(f.session.open("", f"room={code}") for f in crowd), return_exceptions=True)
    for f, run in zip(crowd, joined):
        if isinstance(run, Exception):
            f.errors.append(f"join: {run}")
        else:
            f.seen = _pictures(run)
    stop, moved = asyncio.Event(), []
    for f, run in zip(crowd, joined):
        if not f.errors and "room-watch" not in f.session.widgets:
            f.errors.append(f"no room component: not following; the page said {run.texts[:2]}")
    keys = {id(f): run.keys for f, run in zip(crowd, joined) if not isinstance(run, Exception)}
    watchers = [asyncio.create_task(_watch(f, code, stop, keys[id(f)])) for f in crowd if not f.errors]
    out: dict = {"followers": followers, "moves": moves, "code_length": len(code)}
    try:  # every follower's stream is open before the lecturer moves (a browser opens it as the page loads)
        await asyncio.wait_for(asyncio.gather(*(f.listening.wait() for f in crowd if not f.errors)), 120)
        if pid is not None:
            await asyncio.sleep(2.0)
            before, t0 = cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(idle_s)
            out["idle_cpu_percent_of_one_core"] = 100 * (cpu_seconds(pid) - before) / (time.perf_counter() - t0)
        else:
            await asyncio.sleep(idle_s)
        out["runs_while_still"] = sum(f.runs for f in crowd)  # a still room reruns no follower's page
        for i in range(moves):
            start = time.perf_counter()
            run = await lecturer.set("dn-seed", 100 + i)
            moved.append({"kind": "control", "start": start, "images": _pictures(run)})
            await asyncio.sleep(settle_s)
        start = time.perf_counter()
        run = await lecturer.open("Reconstruction", f"room={code}")
        moved.append({"kind": "page", "start": start, "images": _pictures(run)})
        await asyncio.sleep(settle_s)
    finally:
        stop.set()
        await asyncio.gather(*watchers, return_exceptions=True)
    for move in moved:
        for f in crowd:
            if (lag := _reached(f, move)) is not None:
                f.lags[move["kind"]].append(lag)
    final = moved[-1]["images"]
    heard = [next((h - move["start"] for h in f.heard if h > move["start"]), None) for move in moved for f in crowd]
    out["news_p50_s"] = _percentile([h for h in heard if h is not None], 0.5)  # the move's news at a follower
    for kind in ("control", "page"):
        lags = [lag for f in crowd for lag in f.lags[kind]]
        expected = followers * (moves if kind == "control" else 1)
        out[kind] = {
            "p50_s": _percentile(lags, 0.5),
            "p95_s": _percentile(lags, 0.95),
            "mean_s": statistics.fmean(lags) if lags else None,
            "reached": len(lags),
            "expected": expected,
        }
    out["errors"] = sum(len(f.errors) for f in crowd)
    out["section_runs"] = sum(f.sections for f in crowd)  # runs of the open section alone (the rest: the page)
    out["error_samples"] = [e for f in crowd for e in f.errors][:5]
    out["in_lecturer_state"] = sum(final <= f.seen for f in crowd)
    out["missed_samples"] = [  # a move a follower never showed: its runs after the move (end, pictures shared)
        [(round(end - m["start"], 2), len(m["images"] & seen)) for end, seen in f.history if end > m["start"]][:4]
        for m in moved
        for f in crowd
        if _reached(f, m) is None
    ][:5]
    for s in [lecturer, *(f.session for f in crowd)]:
        await s.__aexit__(None, None, None)
    return out


async def own_moves(url: str, sessions: int = 100, moves: int = 3, settle_s: float = 4.0) -> dict:
    """The same control move made by ``sessions`` tabs themselves, all at once (no room): each run's time, from
    the move to the end of the run that shows it; the room's follow lag set beside it."""
    crowd = [StreamlitSession(url) for _ in range(sessions)]
    for s in crowd:
        await s.__aenter__()
    await asyncio.gather(*(s.open("Denoising") for s in crowd))
    lags, errors = [], 0
    for i in range(moves):
        runs = await asyncio.gather(*(s.set("dn-seed", 100 + i) for s in crowd), return_exceptions=True)
        for run in runs:
            if isinstance(run, Exception) or run.exceptions:
                errors += 1
            else:
                lags.append(run.seconds)
        await asyncio.sleep(settle_s)
    for s in crowd:
        await s.__aexit__(None, None, None)
    return {"sessions": sessions, "p50_s": _percentile(lags, 0.5), "p95_s": _percentile(lags, 0.95),
            "runs": len(lags), "errors": errors}  # fmt: skip


def rooms_serving(followers: int = 100, large: int = 300, moves: int = 3, settle_s: float = 8.0) -> dict:
    """BENCHMARKS.md's "Class rooms": ``followers`` on one fresh server (rooms in memory, idle cost measured),
    then ``large`` through ``python -m deploy --replicas 2`` (rooms in Redis)."""
    import shutil

    from bench.harness import streamlit_server

    out: dict = {}
    with streamlit_server(log_name="rooms-bench-server.log") as (url, proc):
        out["one_server"] = asyncio.run(follow_test(url, followers, moves, settle_s, pid=proc.pid))
        from bench.gestures_load import gesture_test  # the drag through the push routes, same server and class

        out["gestures"] = asyncio.run(gesture_test(url, followers, pid=proc.pid))
    with streamlit_server(log_name="rooms-own-server.log") as (url, _):  # a fresh server: the same start
        out["own"] = asyncio.run(own_moves(url, followers, moves))
    if shutil.which("haproxy") and shutil.which("redis-server"):
        from bench.class_server import deployed

        with deployed(2) as server:
            out["two_replicas"] = asyncio.run(follow_test(server.url, large, moves, settle_s, idle_s=0))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.rooms_load", description=__doc__)
    p.add_argument("--url", help="a running server or balancer (default: start one)")
    p.add_argument("--followers", type=int, default=10)
    p.add_argument("--moves", type=int, default=3)
    p.add_argument("--settle", type=float, default=6.0, help="seconds between the lecturer's moves")
    args = p.parse_args(argv)
    if args.url:
        result = asyncio.run(follow_test(args.url, args.followers, args.moves, args.settle))
    else:
        from bench.harness import streamlit_server

        with streamlit_server(log_name="rooms-load-server.log") as (url, proc):
            result = asyncio.run(follow_test(url, args.followers, args.moves, args.settle, pid=proc.pid))
    print(json.dumps(result, indent=1))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
