"""Answers of a class activity, driven as students send them: "Where does your digit land?" at class scale.

Issue #34's goal: 300 drawings within 30 s all land on the lecturer's map (p95 arrival ≤ 1 s); again with a
replica killed halfway: none lost.

Every student is one protocol-client session (``bench/st_client.py``) that does what a phone's browser does:
it opens the join link ``?room=CODE`` (and follows the lecturer), then, at its moment in the spread, draws (it
sets the canvas component's state to what the canvas sends: a 224×224 PNG data URL of an MNIST test digit,
white on black), picks the digit's pill and presses "Send". The server runs the page's own path for each step
(``pages/ui/activity.py``: the drawing preprocessed, encoded by the 2-D VAE, ``store.submit``); the client
only sends widget states, so every run's CPU is the server's. The drawing's fabric.js strokes (``raw``) are
left empty: the page reads only the picture, and a real stroke list adds a few kilobytes per message.

Arrival: the student's first press of "Send" (or, when its connection broke before it could press, its first
try) until the answer is in the round's answers, read as the lecturer's
map reads them (``store.answers(code, key)`` with the lecturer's key, from the shared Redis, polled every
0.1 s). The projected map itself refreshes once a second (``activity.REFRESH_S``), so what the lecturer sees
trails this by up to that second plus its run. Answers are matched to students by their picture: the bench
preprocesses each student's PNG with the app's own ``preprocess_array`` and compares the stored bytes.

A replica killed (SIGKILL, halfway through the spread; the one most students are on): every tab on it
notices its websocket close and reconnects through the balancer at once, as the browser does (a new session
on a live replica; the URL's ``?room=CODE`` joins again); a student whose send broke on the way draws and
sends again, as a student does whose page came back without "Sent.". "Acknowledged": the
student's send run finished showing "Sent." — the server kept the answer. "Lost": acknowledged but missing
from the store when the run ends. An answer stored whose acknowledgement died with the replica is re-sent
from a new session, so it may land twice ("duplicates"); a student who never got an acknowledgement is
"not acknowledged". The lecturer's tab ticks its one-second map fragment throughout, as its browser does.

Why not the 1 s watch ticks of every student: followers' tabs are moving to a push channel, which costs no
rerun while the room is still; a student's page here reruns only for its own three actions.

``python -m bench.answers_load --students 300 --spread 30`` (two replicas, then two with one killed halfway)
or ``--replicas 1`` (one server with a Redis of its own, no kill).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import io
import json
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from websockets.protocol import State

from bench.st_client import StreamlitSession

CODE = re.compile(r"room=([A-Z]{5})")
KEY = re.compile(r"lecturer=([A-Za-z0-9_\-]+)")
SENT = re.compile(r"landed at \(")  # activity.sent (en): the page's acknowledgement
PAGE = "Denoising"  # the lecturer's page while the class draws; followers' runs draw it too
POLL_S = 0.1
RETRIES = 8  # a student's tries to reach a live replica before giving up
GOALS = {"p95_s": 1.0}  # issue #34: p95 arrival ≤ 1 s; every answer lands; none lost
CANVAS_SIDE = 224  # the page's canvas (pages/ui/inputs.py)


@dataclass
class Student:
    index: int
    digit: int
    canvas: dict  # the canvas component's state, as its JavaScript sends it
    expected: str  # the stored picture (base64 of the 28×28 the server will make of the drawing)
    session: StreamlitSession | None = None
    first_sent: float | None = None  # the first press of Send (or the first try, if its connection broke first)
    acknowledged: bool = False
    acked_after_s: float | None = None
    arrival_s: float | None = None
    tries: int = 0
    errors: list[str] = field(default_factory=list)  # a page's traceback, or nothing acknowledged
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one run at a time, as in a tab
    broken: list[str] = field(default_factory=list)  # connections that broke (a killed replica's)


def canvas_state(image: np.ndarray) -> dict:
    """What the canvas component reports for a drawing of ``image`` (28×28 uint8, light ink on black): its
    picture as a PNG data URL (fabric.js ``toDataURL``), RGBA at the canvas's size."""
    from PIL import Image

    big = Image.fromarray(image).resize((CANVAS_SIDE, CANVAS_SIDE), Image.Resampling.BILINEAR).convert("RGBA")
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"drawing": {"raw": {"version": "6.7.1", "objects": []}, "data": url}}


def stored_picture(state: dict) -> str:
    """The answer's picture as the server will store it: the page's own decoding and preprocessing."""
    from PIL import Image

    from models.data.preprocess import mnist_style, preprocess_array
    from models.rooms.answers import pack_image

    encoded = state["drawing"]["data"].split(";base64,", 1)[1]
    rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))
    return pack_image(preprocess_array(rgba[..., :3], mnist_style).image)


def make_students(count: int) -> list[Student]:
    """``count`` students, each drawing a different MNIST test digit (the committed sample), saying its label."""
    from models.data.samples import load_sample

    images, labels = load_sample("mnist")
    out = []
    for i in range(count):
        state = canvas_state(images[i % len(images)])
        out.append(Student(i, int(labels[i % len(labels)]), state, stored_picture(state)))
    return out


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _join(s: Student, url: str, code: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        s.session = StreamlitSession(url)
        try:
            await s.session.__aenter__()
            run = await s.session.open("", f"room={code}")
            if "room-act-send" not in s.session.widgets:
                s.errors.append("join: no send button (the activity was not shown)")
            s.errors += run.exceptions
        except Exception as err:  # counted: a student who never joined never sends
            s.errors.append(f"join: {type(err).__name__}: {err}")


def _open(s: Student) -> bool:
    return s.session._ws is not None and s.session._ws.state is State.OPEN


async def _reconnect(s: Student) -> None:
    """Through the balancer until a live replica answers: a new session, the URL's ``?room=CODE`` joins again
    (the browser retries at once, then every quarter second)."""
    for attempt in range(RETRIES):
        try:
            await s.session.reconnect()
            return
        except Exception as err:
            s.broken.append(f"reconnect {attempt + 1}: {type(err).__name__}: {err}")
            await asyncio.sleep(0.25)
    raise ConnectionError(f"no live replica after {RETRIES} tries")


async def _stay_connected(s: Student, stop: asyncio.Event) -> None:
    """The browser notices a dropped websocket at once and reconnects, whatever its student is doing."""
    while not stop.is_set():
        ws = s.session._ws
        await ws.wait_closed()
        if stop.is_set():
            return
        async with s.lock:
            if s.session._ws is ws:  # the student's own send did not reconnect first
                s.broken.append("dropped")
                with contextlib.suppress(Exception):
                    await _reconnect(s)
        if not _open(s):
            await asyncio.sleep(0.25)


async def _send(s: Student, at: float) -> None:
    """Draw, pick the digit, press Send; when the connection broke on the way, reconnect through the balancer and
    do it again until the page acknowledges (what a student does whose page came back without "Sent.")."""
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    began = time.perf_counter()
    for attempt in range(RETRIES):
        s.tries = attempt + 1
        try:
            async with s.lock:  # not while the tab is reconnecting: its widgets wait for the new session
                if not _open(s):
                    await _reconnect(s)
                await s.session.set("room-act-canvas", s.canvas)
                await s.session.set("room-act-digit", s.digit)
                s.first_sent = s.first_sent or time.perf_counter()
                run = await s.session.set("room-act-send")
        except Exception as err:
            s.broken.append(f"try {attempt + 1}: {type(err).__name__}: {err}")
            s.first_sent = s.first_sent or began  # the wait for a live replica counts against the arrival
            await asyncio.sleep(0.25)
            continue
        s.errors += run.exceptions
        if any(SENT.search(text) for text in run.texts):
            s.acknowledged, s.acked_after_s = True, time.perf_counter() - s.first_sent
            return
        s.errors.append(f"try {attempt + 1}: not acknowledged: {[t for t in run.texts if t][-1:]}")
        await asyncio.sleep(2.0)  # activity.MIN_GAP_S: the page refuses a second send sooner


async def _read(store, code: str, key: str, crowd: list[Student], stop: asyncio.Event, seen: dict) -> None:
    """The lecturer's map's source, polled: the first time each student's picture is among the answers."""
    by_picture = {s.expected: s for s in crowd}
    while not stop.is_set():
        try:
            answers = await asyncio.to_thread(store.answers, code, key)
        except Exception as err:  # Redis is not what is being measured; a failed read is retried
            seen.setdefault("read_errors", []).append(str(err))
        else:
            now = time.perf_counter()
            seen["answers"] = list(answers.values())
            for answer in seen["answers"]:
                s = by_picture.get(answer.get("image"))
                if s is not None and s.arrival_s is None and s.first_sent is not None:
                    s.arrival_s = now - s.first_sent
        await asyncio.sleep(POLL_S)


async def _lecturer_ticks(lecturer: StreamlitSession, stop: asyncio.Event, out: dict) -> None:
    """The lecturer's browser: its map fragment reruns once a second; after a dead replica, the lecturer link."""
    while not stop.is_set():
        await asyncio.sleep(next(iter(lecturer.auto_reruns.values()), 1.0))
        try:
            await lecturer.tick()
            out["lecturer_ticks"] = out.get("lecturer_ticks", 0) + 1
        except Exception:
            out["lecturer_reconnects"] = out.get("lecturer_reconnects", 0) + 1
            with contextlib.suppress(Exception):
                await lecturer.reconnect()


async def answers_test(url: str, store_url: str, students: int = 30, spread_s: float = 30.0,
                       midway=None, settle_s: float = 10.0) -> dict:  # fmt: skip
    """One round of "Where does your digit land?" for ``students`` sending over ``spread_s`` seconds; with
    ``midway`` (called with the students' balancer cookies halfway through the spread: a fault)."""
    from models.rooms.redis_store import RedisRoomStore

    lecturer = StreamlitSession(url)
    await lecturer.__aenter__()
    first = await lecturer.open(PAGE, "room=new")
    code = next((m.group(1) for text in first.texts if (m := CODE.search(text))), None)
    key = next((m.group(1) for text in first.texts if (m := KEY.search(text))), None)
    if code is None or key is None:
        raise RuntimeError("the lecturer's page showed no room code or lecturer link")
    lecturer.query_string = f"room={code}&lecturer={key}"  # a reload takes the room back by the lecturer link
    started = await lecturer.set("room-act-start")
    if started.exceptions or not lecturer.auto_reruns:
        raise RuntimeError(f"the activity did not start: {started.exceptions}")
    crowd = make_students(students)
    gate = asyncio.Semaphore(16)
    t_join = time.perf_counter()
    await asyncio.gather(*(_join(s, url, code, gate) for s in crowd))
    out: dict = {"students": students, "spread_s": spread_s, "join_s": time.perf_counter() - t_join}
    ready = [s for s in crowd if not s.errors]
    store, stop, seen = RedisRoomStore(store_url), asyncio.Event(), {}
    background = [
        asyncio.create_task(_read(store, code, key, crowd, stop, seen)),
        asyncio.create_task(_lecturer_ticks(lecturer, stop, out)),
        *(asyncio.create_task(_stay_connected(s, stop)) for s in ready),
    ]
    t0 = time.perf_counter()
    senders = [asyncio.create_task(_send(s, t0 + spread_s * i / max(1, len(ready)))) for i, s in enumerate(ready)]
    if midway is not None:
        await asyncio.sleep(spread_s / 2)
        cookies = [next(iter(s.session.cookies.values()), "") for s in ready]
        await asyncio.to_thread(midway, cookies)
        out["killed_at_s"] = time.perf_counter() - t0
    await asyncio.gather(*senders)
    out["sending_s"] = time.perf_counter() - t0
    deadline = time.perf_counter() + settle_s  # what was acknowledged has this long to show up in a read
    while time.perf_counter() < deadline and any(s.acknowledged and s.arrival_s is None for s in crowd):
        await asyncio.sleep(POLL_S)
    await asyncio.sleep(2 * POLL_S)
    stop.set()
    for task in background[2:]:  # the tabs' connection watchers wait on sockets still open
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    pictures = [a["image"] for a in await asyncio.to_thread(lambda: list(store.answers(code, key).values()))]
    final = set(pictures)
    arrivals = [s.arrival_s for s in crowd if s.arrival_s is not None]
    out |= {
        "landed": sum(s.expected in final for s in crowd),
        "acknowledged": sum(s.acknowledged for s in crowd),
        "lost": sum(s.acknowledged and s.expected not in final for s in crowd),
        "not_acknowledged": sum(not s.acknowledged for s in crowd),
        "duplicates": len(pictures) - len(set(pictures)),
        "stored": len(final),
        "resent": sum(s.tries > 1 for s in crowd),
        "reconnected": sum(s.session is not None and s.session.reconnects > 0 for s in crowd),
        "p50_s": _percentile(arrivals, 0.5),
        "p95_s": _percentile(arrivals, 0.95),
        "max_s": max(arrivals, default=None),
        "ack_p95_s": _percentile([s.acked_after_s for s in crowd if s.acked_after_s is not None], 0.95),
        "errors": sum(len(s.errors) for s in crowd),
        "error_samples": [e for s in crowd for e in s.errors][:5],
        "broken_connections": sum(len(s.broken) for s in crowd),
        "broken_samples": [e for s in crowd for e in s.broken][:3],
        "read_errors": len(seen.get("read_errors", [])),
    }
    for s in [lecturer, *(s.session for s in crowd if s.session is not None)]:
        await s.__aexit__(None, None, None)
    return out


def redis_url_of(log_dir: Path, server) -> str:
    """The deployment's Redis, as its replicas reach it (its password is in its private config)."""
    conf = (log_dir / "redis" / "redis.conf").read_text()
    password = next(line.split()[1] for line in conf.splitlines() if line.startswith("requirepass "))
    return f"redis://:{password}@127.0.0.1:{server.status()['redis']['port']}/0"


@contextlib.contextmanager
def one_server():
    """One ``streamlit run app.py`` whose rooms live in a Redis of its own, so the bench can read its answers."""
    from bench.harness import free_port, streamlit_server
    from deploy.redis import RedisServer, redis_binary

    with tempfile.TemporaryDirectory(prefix="latent-lab-answers-") as folder:
        redis = RedisServer(redis_binary(), Path(folder), free_port())
        redis.start()
        try:
            redis.wait_ready()
            with streamlit_server(env={"LATENT_LAB_REDIS_URL": redis.url}, log_name="answers-server.log") as (url, _):
                yield url, redis.url
        finally:
            redis.stop()


def answers_serving(students: int = 300, spread_s: float = 30.0) -> dict:
    """BENCHMARKS.md's "Answers": ``students`` through ``python -m deploy --replicas 2``; then again on a fresh
    deployment with the replica most students are on killed halfway."""
    from bench.class_server import deployed

    out: dict = {}
    for name, kill in (("two_replicas", False), ("replica_killed", True)):
        with tempfile.TemporaryDirectory(prefix="latent-lab-answers-") as folder, deployed(2, Path(folder)) as server:
            killed: list[int] = []

            def kill_busiest(cookies: list[str], server=server, killed=killed) -> None:
                killed.append(server.busiest(cookies))
                server.kill_replica(killed[0])

            out[name] = asyncio.run(
                answers_test(
                    server.url,
                    redis_url_of(Path(folder), server),
                    students,
                    spread_s,
                    midway=kill_busiest if kill else None,
                )  # fmt: skip
            )
            if kill:
                out[name]["killed_replica"] = killed[0] if killed else None
    return out


def answers_lines(result: dict | None) -> list[str]:
    """BENCHMARKS.md's "Answers" rows: landed, lost and arrival against issue #34's goals."""
    if not result:
        return []
    from bench import report

    rows = []
    for name, label in (
        ("one_server", "one server + Redis"),
        ("two_replicas", "2 replicas + Redis"),
        ("replica_killed", "2 replicas, one killed halfway"),
    ):
        r = result.get(name)
        if not r:
            continue
        p95, p50 = r.get("p95_s"), r.get("p50_s")
        rows.append(
            "| "
            + " | ".join(
                [
                    f"{r['students']} students over {r['spread_s']:g} s, {label}",
                    report.against_goal(f"{r['landed']} / {r['students']}", r["landed"], r["students"], at_most=False),
                    report.against_goal(str(r["lost"]), r["lost"], 0),
                    "✗ never" if p50 is None else f"{p50:.2f}",
                    "✗ never" if p95 is None else report.against_goal(f"{p95:.2f}", p95, GOALS["p95_s"]),
                    str(r["resent"]),
                    str(r["duplicates"]),
                    str(r.get("reconnected", 0)),
                    report.against_goal(str(r["errors"]), r["errors"], 0),
                ]
            )
            + " |"
        )
    return [
        '### Answers ("Where does your digit land?")',
        "",
        "`bench/answers_load.py`: each student is a protocol-client session that joins by the room's link, draws "
        "an MNIST test digit on the canvas, picks its label and presses Send; the sends are spread evenly over the "
        "run. Arrival: the press until the answer is among the round's answers the lecturer's map reads (it "
        "redraws once a second). Killed: the replica most students are on, SIGKILL at half time; its students' "
        "tabs reconnect through the balancer at once, as a browser does, and send again what was not "
        "acknowledged. Lost: acknowledged ('Sent.') but not stored; a re-sent answer's arrival counts from its "
        "first try. Errors: a traceback in a page or a send never acknowledged. Goals: every answer lands, none "
        "lost, no error, p95 arrival ≤ 1 s.",
        "",
        "| run | landed | lost | arrival p50 s | arrival p95 s | re-sent | duplicates | tabs reconnected | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.answers_load", description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--spread", type=float, default=30.0, help="seconds over which the sends are spread")
    p.add_argument("--replicas", type=int, default=2, choices=(1, 2), help="1: one server, no kill")
    args = p.parse_args(argv)
    if args.replicas == 1:
        with one_server() as (url, store_url):
            result = {"one_server": asyncio.run(answers_test(url, store_url, args.students, args.spread))}
    else:
        result = answers_serving(args.students, args.spread)
    print(json.dumps(result, indent=1))
    print("\n".join(answers_lines(result)))
    met = all(r["lost"] == r["errors"] == 0 and r["landed"] == r["students"] for r in result.values())
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
