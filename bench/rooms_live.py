"""Watch it learn in a class room across replicas, for real: ``python -m deploy --replicas 2`` (HAProxy, Redis),
a lecturer who trains on one replica and a follower pinned to the other by the balancer's cookie.

Both are driven by the protocol client (``bench/st_client.py``); each does what its browser's timer does, a page
run every ``--period`` s. The lecturer waits for its warm trainer, presses Train (a real Keras worker on its
replica) and keeps refreshing (which hands its run to the room's store); the follower joins by the code and
refreshes on the other replica, whose supervisor holds no run. Reported: what the follower saw (steps, pictures),
how far behind the lecturer's step it was, and the follower's replica's trainer processes (0: every snapshot it
drew came through Redis).

``python -m bench.rooms_live`` (needs ``haproxy`` and ``redis-server``; ~1 minute, most of it TensorFlow loading).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

from bench.harness import live_workers
from bench.rooms_load import _percentile
from bench.st_client import StreamlitSession
from deploy.haproxy import COOKIE

CODE = re.compile(r"room=([A-Z]{5})")
PROGRESS = re.compile(r"\*\*(\w+)\*\* · step ([\d,]+)")  # learn.progress in en.toml


def _step(texts: list[str]) -> int | None:
    found = [int(m.group(2).replace(",", "")) for t in texts if (m := PROGRESS.search(t))]
    return found[-1] if found else None


async def watch_across(url: str, seconds: float, period: float) -> dict:
    lecturer = StreamlitSession(url, timeout=180)
    await lecturer.__aenter__()
    here = lecturer.cookies.get(COOKIE, "")
    run = await lecturer.open("Learn", "room=new")
    code = next(m.group(1) for t in run.texts if (m := CODE.search(t)))
    start = time.perf_counter()
    while not any("A trainer is ready" in t for t in run.texts):  # a click while it loads waits in a queue
        if time.perf_counter() - start > 300:
            raise RuntimeError("the lecturer's trainer was not ready within 300 s")
        await asyncio.sleep(1.0)
        run = await lecturer.open("Learn", f"room={code}")
    ready_s = time.perf_counter() - start
    lecturer.page_script_hash = ""  # the click goes to the page by its name (the client kept the main script's)
    await lecturer.set("learn-latent-train")
    pressed = time.perf_counter()
    follower = StreamlitSession(url, timeout=180)
    follower.cookies[COOKIE] = "r1" if here == "r0" else "r0"  # the other replica, as the balancer names it
    await follower.__aenter__()
    there = follower.cookies.get(COOKIE, "")
    await follower.open("", f"room={code}")
    seen, lags, pictures, first_s, errors, refreshes = [], [], 0, None, [], 0
    while time.perf_counter() - pressed < seconds:
        mine = _step((await lecturer.open("Learn", f"room={code}")).texts)
        theirs = await follower.open("Learn", f"room={code}")
        errors += [f"refresh {refreshes}: {e}" for e in theirs.exceptions]
        refreshes += 1
        step = _step(theirs.texts)
        if step is not None and step > 0:
            first_s = first_s if first_s is not None else time.perf_counter() - pressed
            seen.append(step)
            pictures = len(theirs.images)
            if mine is not None:
                lags.append(mine - step)
        await asyncio.sleep(period)
    for session in (lecturer, follower):
        await session.__aexit__(None, None, None)
    return {
        "lecturer_replica": here,
        "follower_replica": there,
        "trainer_ready_s": round(ready_s, 1),
        "follower_first_step_s": None if first_s is None else round(first_s, 1),
        "follower_refreshes_with_a_run": len(seen),
        "follower_distinct_steps": len(set(seen)),
        "follower_steps": [seen[0], seen[-1]] if seen else [],
        "follower_pictures": pictures,
        "steps_behind_lecturer_p50": _percentile(lags, 0.5),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="how long the follower watches after Train")
    parser.add_argument("--period", type=float, default=0.3, help="each browser's refresh (the page's: 0.3 s)")
    args = parser.parse_args(argv)
    from bench.class_server import deployed

    with deployed(2) as server:
        result = asyncio.run(watch_across(server.url, args.seconds, args.period))
        pids = server.replica_pids()  # in the balancer's order: r0, r1
        trainers = {f"r{i}": len(live_workers(pid)) for i, pid in enumerate(pids)}
    result["trainers_on_lecturer_replica"] = trainers.get(result["lecturer_replica"])
    result["trainers_on_follower_replica"] = trainers.get(result["follower_replica"])
    result["ok"] = (
        result["lecturer_replica"] != result["follower_replica"]
        and result["follower_distinct_steps"] >= 3
        and result["trainers_on_follower_replica"] == 0
        and not result["errors"]
    )
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
