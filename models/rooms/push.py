"""Pushed to followers' browsers, through routes of our own: the lecturer's gestures, and news of the room.

The lecturer's in-browser decoder (``pages/ui/latent_play.js``) POSTs the latent it shows, at most every
``SEND_INTERVAL_MS`` while the pointer moves, to ``/api/rooms/{code}/gesture`` with the room's key; each
follower's decoder holds one server-sent-events stream, ``/api/rooms/{code}/gestures``, decodes every value in
its own browser and glides to it. Why routes and not the room's state: a state change reruns every follower's
page on the server (≈ 1 s at 100 followers); a gesture costs the server one dict write and one small message
per follower, and nothing at all while the room is still (the streams sleep on an ``asyncio.Event``).

Served by ``st.App`` (``app.py``): Streamlit 1.67's public way to add Starlette routes to its own server.
The hub keeps each room's latest value per component only: a slow follower skips to the newest, never queues.
Replicas (``python -m deploy``, rooms in Redis) relay every accepted gesture through one Redis channel
(``GestureRelay``): a lecturer on one replica drives followers on all of them.

News of the room (``/api/rooms/{code}/changes``): each follower's page holds one more stream, which says the
room's version, its activity and whether it closed; the page's small component (``pages/ui/room_watch.js``)
reruns the page only when that is news to it. One thread per watched room waits on the store (a condition in
memory, a pub/sub channel in Redis), however many follow: a still room costs nothing per follower.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from models.rooms.room import Room, RoomError, RoomStore, RoomUnavailable, key_digest, normalise_code

SEND_INTERVAL_MS = 50  # the lecturer's browser sends at most 20 values a second (the issue asks for ≥ 10)
MAX_BODY_BYTES = 2048  # a key, a component id and at most 64 numbers
MAX_VALUES = 64
MAX_ABS = 100.0  # latents and offsets are a few units; more is not a gesture
MAX_PER_SECOND = 60  # per room: three times what a browser sends, so a second tab of the lecturer's still fits
HEARTBEAT_S = 15.0  # a comment line keeps proxies (HAProxy's `timeout server`) from closing a still stream
KEY_CHECK_S = 10.0  # a checked key is trusted this long (with Redis a check is a round trip)
COMPONENT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
WATCH_WAIT_S = 5.0  # a room's watcher wakes at least this often to see whether anyone still listens


class BadGesture(ValueError):
    """A gesture that is not a component id and a number or a short list of numbers."""


def checked_gesture(body: object) -> tuple[str, float | list[float]]:
    """``(id, value)`` of a posted gesture, or ``BadGesture``: only what a latent component sends."""
    if not isinstance(body, dict):
        raise BadGesture("not an object")
    ident, value = body.get("id"), body.get("value")
    if not isinstance(ident, str) or not COMPONENT_ID.match(ident):
        raise BadGesture("bad component id")

    def number(v: object) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or abs(v) > MAX_ABS:
            raise BadGesture("not a finite number in range")
        return round(float(v), 4)

    if isinstance(value, list):
        if not 0 < len(value) <= MAX_VALUES:
            raise BadGesture("too many values")
        return ident, [number(v) for v in value]
    return ident, number(value)


@dataclass
class _Channel:
    seq: int = 0
    latest: dict[str, tuple[int, Any]] = field(default_factory=dict)  # component id -> (seq, value)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    window: list[float] = field(default_factory=list)  # this second's accepted gestures (the rate limit)


class GestureHub:
    """Each room's latest gesture per component, in this server's event loop."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._rooms: dict[str, _Channel] = {}
        self._clock = clock

    def _channel(self, code: str) -> _Channel:
        return self._rooms.setdefault(code, _Channel())

    def publish(self, code: str, ident: str, value: float | list[float], limit: bool = True) -> bool:
        """Hand ``value`` to every follower's stream; False when the room sends more than ``MAX_PER_SECOND``
        (``limit=False``: relayed from another replica, which counted it)."""
        channel, now = self._channel(code), self._clock()
        channel.window = [t for t in channel.window if now - t < 1.0]
        if limit and len(channel.window) >= MAX_PER_SECOND:
            return False
        channel.window.append(now)
        channel.seq += 1
        channel.latest[ident] = (channel.seq, value)
        channel.changed.set()
        channel.changed = asyncio.Event()  # the next wait sleeps until the next gesture
        return True

    def since(self, code: str, after: int) -> tuple[int, list[dict[str, Any]]]:
        """The room's sequence number and each component's latest value newer than ``after``."""
        channel = self._channel(code)
        fresh = [{"id": i, "value": v, "seq": s} for i, (s, v) in channel.latest.items() if s > after]
        return channel.seq, sorted(fresh, key=lambda g: g["seq"])

    async def listen(self, code: str, heartbeat: float = HEARTBEAT_S) -> AsyncIterator[list[dict[str, Any]]]:
        """Every change's fresh gestures, and ``[]`` after ``heartbeat`` s of stillness. A new listener starts
        with the latest values: a follower who joins mid-drag lands where the lecturer is."""
        seen = 0
        while True:
            seen, fresh = self.since(code, seen)
            if fresh:
                yield fresh
            changed = self._channel(code).changed
            try:
                await asyncio.wait_for(changed.wait(), heartbeat)
            except TimeoutError:
                yield []

    def forget(self, code: str) -> None:
        self._rooms.pop(code, None)


class KeyCache:
    """Which (room, key) pairs the store has confirmed lately: a drag's 20 posts a second ask the store once."""

    def __init__(self, store: Callable[[], RoomStore], clock: Callable[[], float] = time.monotonic) -> None:
        self._store, self._clock = store, clock
        self._good: dict[tuple[str, str], float] = {}

    async def is_lecturer(self, code: str, key: object) -> bool:
        if not isinstance(key, str) or not key or len(key) > 256:
            return False
        pair, now = (code, key_digest(key)), self._clock()
        if self._good.get(pair, -math.inf) > now:
            return True
        try:
            ok = await asyncio.to_thread(self._store().is_lecturer, code, key)
        except RoomError:
            ok = False
        if ok:
            self._good[pair] = now + KEY_CHECK_S
        return ok


class GestureRelay:
    """Gestures between replicas: each accepted one goes out on the store's channel; a thread of this process
    hands every other replica's to this hub, in its event loop. Only for stores that can (Redis)."""

    def __init__(self, store: RoomStore, hub: GestureHub) -> None:
        self._store, self._hub = store, hub
        self._origin = secrets.token_hex(8)  # this replica's own gestures come back on the channel: skipped
        self._thread: threading.Thread | None = None
        self._stopped = False

    def send(self, code: str, ident: str, value: float | list[float]) -> None:
        try:
            self._store.publish_gesture(json.dumps({"o": self._origin, "c": code, "i": ident, "v": value}))
        except RoomError:
            pass  # Redis restarting: followers elsewhere get the release through the room

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, args=(loop,), name="gesture-relay", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopped = True

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._stopped and not loop.is_closed():
            try:
                for message in self._store.gesture_messages(lambda: self._stopped or loop.is_closed()):
                    self._deliver(loop, message)
            except RoomError:
                time.sleep(1.0)  # Redis is restarting: subscribe again

    def _deliver(self, loop: asyncio.AbstractEventLoop, message: str) -> None:
        try:
            data = json.loads(message)
            code = normalise_code(data.get("c"))
            ident, value = checked_gesture({"id": data.get("i"), "value": data.get("v")})
        except (ValueError, AttributeError, BadGesture):
            return
        if code is not None and data.get("o") != self._origin:
            loop.call_soon_threadsafe(self._hub.publish, code, ident, value, False)


def _in_loop(loop: asyncio.AbstractEventLoop, func: Callable[..., None], *args: Any) -> None:
    """``func(*args)`` in the server's event loop, unless the server has stopped meanwhile."""
    try:
        loop.call_soon_threadsafe(func, *args)
    except RuntimeError:  # the loop closed (the server is stopping): no one is left to tell
        pass


def activity_signature(activity: dict[str, Any] | None) -> str:
    """A short name for the room's activity as it stands (kind, round, revealed): an explorer's page reruns only
    when it changes."""
    if not activity:
        return ""
    return hashlib.sha256(json.dumps(activity, sort_keys=True).encode()).hexdigest()[:12]


def room_news(room: Room) -> dict[str, Any]:
    """What a follower's stream says about the room: nothing the lecturer did not show the class."""
    moved = room.state.get("moved") or {}
    return {
        "v": room.version,
        "a": activity_signature(room.activity),
        "closed": room.closed,
        "f": moved.get("section"),  # the section whose controls alone changed since version "b"
        "b": moved.get("base"),
    }


@dataclass
class _Watched:
    listeners: int = 0
    news: dict[str, Any] | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class RoomWatch:
    """The news of each room someone follows, read by one thread per room that waits on the store (``wait``):
    followers' streams share it, so a hundred followers cost what one does."""

    def __init__(self, store: Callable[[], RoomStore], wait_s: float = WATCH_WAIT_S) -> None:
        self._store, self._wait_s = store, wait_s
        self._rooms: dict[str, _Watched] = {}

    async def listen(self, code: str, heartbeat: float = HEARTBEAT_S) -> AsyncIterator[dict[str, Any] | None]:
        """The room's news now and at each change; ``None`` after ``heartbeat`` s without any. Ends after the
        room is gone (closed rooms say so first)."""
        watched = self._rooms.get(code)
        if watched is None:
            watched = self._rooms[code] = _Watched()
            self._start(code, watched, asyncio.get_running_loop())
        watched.listeners += 1
        try:
            told = None
            while True:
                if watched.news is not None and watched.news != told:
                    told = watched.news
                    yield told
                    if told.get("gone"):
                        return
                try:
                    await asyncio.wait_for(watched.changed.wait(), heartbeat)
                except TimeoutError:
                    yield None
        finally:
            watched.listeners -= 1

    def _start(self, code: str, watched: _Watched, loop: asyncio.AbstractEventLoop) -> None:
        threading.Thread(target=self._wait, args=(code, watched, loop), name="room-watch", daemon=True).start()

    def _ended(self, code: str, watched: _Watched, loop: asyncio.AbstractEventLoop) -> None:
        """In the event loop, after the room's thread left: a listener who came meanwhile gets a new one."""
        if watched.listeners > 0 and not (watched.news or {}).get("gone"):
            self._start(code, watched, loop)
        elif self._rooms.get(code) is watched:
            del self._rooms[code]

    def _tell(self, watched: _Watched, news: dict[str, Any]) -> None:
        if news != watched.news:
            watched.news = news
            watched.changed.set()
            watched.changed = asyncio.Event()

    def _wait(self, code: str, watched: _Watched, loop: asyncio.AbstractEventLoop) -> None:
        """The room's thread: the store wakes it at each change; it leaves when no one has listened for a while."""
        after, idle = -1, 0
        while not loop.is_closed():
            try:
                room = self._store().wait(code, after, self._wait_s)
                news = room_news(room) if room is not None else None
            except RoomUnavailable:
                news, room = {"down": True}, None  # Redis restarting: the pages say "reconnecting"
                time.sleep(1.0)
            except RoomError:
                news, room = {"gone": True}, None
            if room is not None:
                after = room.version
            if news is not None:
                _in_loop(loop, self._tell, watched, news)
            if news is not None and news.get("gone"):
                break
            idle = idle + 1 if watched.listeners <= 0 else 0
            if idle >= 2:
                break
        _in_loop(loop, self._ended, code, watched, loop)


def routes(store: Callable[[], RoomStore]) -> list:
    """The Starlette routes, for ``st.App(routes=...)``; ``store`` gives this process's room store."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    hub, keys, watch = GestureHub(), KeyCache(store), RoomWatch(store)
    relays: list[GestureRelay] = []

    def relay() -> GestureRelay | None:
        """The replicas' relay, started with the first request (in the server's event loop)."""
        if not relays and hasattr(store(), "publish_gesture"):
            relays.append(GestureRelay(store(), hub))
            relays[0].start(asyncio.get_running_loop())
        return relays[0] if relays else None

    async def post_gesture(request: Request) -> JSONResponse:
        code = normalise_code(request.path_params["code"])
        if code is None:
            return JSONResponse({"error": "no such room"}, status_code=404)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            data = json.loads(body)
            ident, value = checked_gesture(data)
        except (ValueError, BadGesture) as err:
            return JSONResponse({"error": str(err)[:80]}, status_code=400)
        if not await keys.is_lecturer(code, data.get("key")):
            return JSONResponse({"error": "only the lecturer drives"}, status_code=403)
        if not hub.publish(code, ident, value):
            return JSONResponse({"error": "too many gestures"}, status_code=429)
        if (out := relay()) is not None:
            await asyncio.to_thread(out.send, code, ident, value)
        return JSONResponse({"ok": True})

    async def stream_gestures(request: Request):
        code = normalise_code(request.path_params["code"])
        try:
            room = await asyncio.to_thread(store().get, code or "")
        except RoomError:
            return JSONResponse({"error": "no such room"}, status_code=404)
        if room.closed:
            return JSONResponse({"error": "room closed"}, status_code=410)
        relay()  # this replica hears the others' gestures from now on

        async def events() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"  # reconnect after 2 s (a replica restarted behind the balancer)
            async for fresh in hub.listen(room.code):
                if await request.is_disconnected():
                    return
                if not fresh:
                    yield ": still here\n\n"
                for gesture in fresh:
                    yield f"data: {json.dumps(gesture)}\n\n"

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    async def stream_changes(request: Request):
        code = normalise_code(request.path_params["code"])
        if code is None:
            return JSONResponse({"error": "no such room"}, status_code=404)

        async def events() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            async for news in watch.listen(code):
                if await request.is_disconnected():
                    return
                yield ": still here\n\n" if news is None else f"data: {json.dumps(news)}\n\n"

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    return [
        Route("/api/rooms/{code}/gesture", post_gesture, methods=["POST"]),
        Route("/api/rooms/{code}/gestures", stream_gestures, methods=["GET"]),
        Route("/api/rooms/{code}/changes", stream_changes, methods=["GET"]),
    ]
