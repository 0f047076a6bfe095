"""Gesture lag through the push routes (``models/rooms/push.py``): one lecturer posting a drag, N followers'
event streams.

The lecturer starts a room on Latent space with the protocol client (``bench/st_client.py``) and reads its key
from the private lecturer link, as its browser would hold it; it then posts ``--rate`` values a second for
``--seconds`` s, as ``latent_play.js`` does while the pointer moves. Each follower is one open
``/api/rooms/CODE/gestures`` stream (what a follower's browser holds; its decoding is in the browser and costs the
server nothing). A value's lag is from just before its post to its arrival on a follower's stream. Idle cost: the
server's CPU while every stream is open on a still room.

``python -m bench.gestures_load --followers 100`` on a fresh ``streamlit run app.py`` of its own, or ``--url``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from urllib.parse import urlsplit

from bench.rooms_load import _percentile, cpu_seconds
from bench.st_client import StreamlitSession, event_stream

CODE = re.compile(r"room=([A-Z]{5})&lecturer=([A-Za-z0-9_-]+)")


async def _stream(url: str, code: str, arrivals: list[tuple[int, float]], ready: asyncio.Event,
                  stop: asyncio.Event) -> None:  # fmt: skip
    async for gesture in event_stream(url, f"/api/rooms/{code}/gestures", stop):
        if gesture is None:
            ready.set()  # open (and, later, still open)
        else:
            arrivals.append((round(gesture["value"][0] * 100), time.perf_counter()))


async def _post(reader, writer, host: str, code: str, body: bytes) -> int:
    writer.write(
        f"POST /api/rooms/{code}/gesture HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return status


async def gesture_test(url: str, followers: int = 100, seconds: float = 5.0, rate: float = 20.0,
                       idle_s: float = 10.0, pid: int | None = None) -> dict:  # fmt: skip
    lecturer = StreamlitSession(url)
    await lecturer.__aenter__()
    first = await lecturer.open("Latent_space", "room=new")
    found = next((m for text in first.texts if (m := CODE.search(text))), None)
    if found is None:
        raise RuntimeError("the lecturer's page showed no lecturer link")
    code, key = found.groups()
    split = urlsplit(url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    stop = asyncio.Event()
    arrivals: list[list[tuple[int, float]]] = [[] for _ in range(followers)]
    readies = [asyncio.Event() for _ in range(followers)]
    streams = [asyncio.create_task(_stream(url, code, arrivals[i], readies[i], stop)) for i in range(followers)]
    out: dict = {"followers": followers, "seconds": seconds, "rate_per_s": rate}
    try:
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        if pid is not None:
            await asyncio.sleep(1.0)
            before, t0 = cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(idle_s)
            out["idle_cpu_percent_of_one_core"] = 100 * (cpu_seconds(pid) - before) / (time.perf_counter() - t0)
        reader, writer = await asyncio.open_connection(host, port)
        sent: dict[int, float] = {}
        statuses: list[int] = []
        count = int(seconds * rate)
        t_start = time.perf_counter()
        for i in range(count):
            body = json.dumps({"key": key, "id": "ls-pad", "value": [i / 100, 0.0]}).encode()
            sent[i] = time.perf_counter()
            statuses.append(await _post(reader, writer, host, code, body))
            await asyncio.sleep(max(0.0, t_start + (i + 1) / rate - time.perf_counter()))
        writer.close()
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await asyncio.gather(*streams, return_exceptions=True)
        await lecturer.__aexit__(None, None, None)
    lags = [t - sent[i] for a in arrivals for i, t in a if i in sent]
    per_follower = [len({i for i, _ in a}) / seconds for a in arrivals]
    out.update(
        {
            "posted": len(sent),
            "post_errors": sum(s != 200 for s in statuses),
            "lag_p50_ms": None if not lags else 1000 * _percentile(lags, 0.5),
            "lag_p95_ms": None if not lags else 1000 * _percentile(lags, 0.95),
            "updates_per_s_min": min(per_follower) if per_follower else 0.0,
            "updates_per_s_median": _percentile(per_follower, 0.5),
            "followers_with_last_value": sum(any(i == count - 1 for i, _ in a) for a in arrivals),
        }
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args(argv)
    if args.url:
        result = asyncio.run(gesture_test(args.url, args.followers, args.seconds, args.rate))
    else:
        from bench.harness import streamlit_server

        with streamlit_server(log_name="gestures-load-server.log") as (url, proc):
            result = asyncio.run(gesture_test(url, args.followers, args.seconds, args.rate, pid=proc.pid))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
