"""The gesture routes (models/rooms/push.py), driven through ASGI as uvicorn drives them: only the key's
holder posts, posts carry only numbers, and every follower's stream gets the newest value, with no work
while the room is still."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette

from models.rooms.memory import MemoryRoomStore
from models.rooms.push import MAX_PER_SECOND, BadGesture, GestureHub, checked_gesture, routes


def _app(store: MemoryRoomStore) -> Starlette:
    return Starlette(routes=routes(lambda: store))


async def _request(app, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
    sent: list[dict] = []
    fed = False

    async def receive():
        nonlocal fed
        if not fed:
            fed = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b"", "root_path": ""}
    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def post(app, code: str, **body) -> int:
    return asyncio.run(_request(app, "POST", f"/api/rooms/{code}/gesture", json.dumps(body).encode()))[0]


@pytest.fixture
def room():
    store = MemoryRoomStore()
    made, key = store.create()
    return store, made.code, key


def test_only_the_lecturer_key_posts_gestures(room):
    store, code, key = room
    app = _app(store)
    assert post(app, code, key=key, id="ls-pad", value=[1.0, -0.5]) == 200
    assert post(app, code, key="x" * 32, id="ls-pad", value=[1.0, -0.5]) == 403  # forged
    assert post(app, code, id="ls-pad", value=[1.0, -0.5]) == 403  # missing
    assert post(app, "ACEFH" if code != "ACEFH" else "CEFHJ", key=key, id="ls-pad", value=[0.0, 0.0]) == 403
    assert post(app, "zz", key=key, id="ls-pad", value=[0.0, 0.0]) == 404


@pytest.mark.parametrize(
    "body",
    [
        {"id": "<b>x</b>", "value": 1.0},
        {"id": "ls-pad", "value": "1"},
        {"id": "ls-pad", "value": [float("nan")] * 2},
        {"id": "ls-pad", "value": [1e9, 0]},
        {"id": "ls-pad", "value": list(range(65))},
        {"id": "ls-pad", "value": True},
        [],
    ],
)
def test_gestures_carry_only_a_component_id_and_numbers(body):
    with pytest.raises(BadGesture):
        checked_gesture(body)


def test_bad_or_large_bodies_are_refused(room):
    store, code, key = room
    app = _app(store)
    assert post(app, code, key=key, id="ls-pad", value="<script>") == 400
    big = json.dumps({"key": key, "id": "ls-pad", "value": [0.0] * 64, "pad": "x" * 4000}).encode()
    assert asyncio.run(_request(app, "POST", f"/api/rooms/{code}/gesture", big))[0] == 413
    assert asyncio.run(_request(app, "POST", f"/api/rooms/{code}/gesture", b"{not json"))[0] == 400


def test_a_room_is_rate_limited():
    now = [0.0]
    hub = GestureHub(clock=lambda: now[0])
    assert all(hub.publish("ACEFH", "ls-pad", float(i)) for i in range(MAX_PER_SECOND))
    assert not hub.publish("ACEFH", "ls-pad", 0.0)
    now[0] = 1.01
    assert hub.publish("ACEFH", "ls-pad", 0.0)


def test_followers_streams_get_the_newest_value_and_nothing_while_still(room):
    store, code, key = room
    app = _app(store)

    async def scenario():
        chunks: list[bytes] = []
        done = asyncio.Event()

        async def receive():
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                assert message["status"] == 200
                assert (b"content-type", b"text/event-stream; charset=utf-8") in message["headers"]
            elif message.get("body"):
                chunks.append(message["body"])

        scope = {"type": "http", "method": "GET", "path": f"/api/rooms/{code}/gestures", "headers": [],
                 "query_string": b"", "root_path": ""}  # fmt: skip
        follower = asyncio.create_task(app(scope, receive, send))
        await asyncio.sleep(0.3)
        still = len(chunks)  # only the retry line: nothing is sent while the lecturer does not move
        for i in range(5):  # a drag: the follower may skip values, never lose the last
            status, _ = await _request(app, "POST", f"/api/rooms/{code}/gesture",
                                       json.dumps({"key": key, "id": "ls-pad", "value": [i / 4, -i / 4]}).encode())  # fmt: skip
            assert status == 200
        await _request(app, "POST", f"/api/rooms/{code}/gesture",
                       json.dumps({"key": key, "id": "bv-live", "value": [0.5, 0, 0]}).encode())  # fmt: skip
        await asyncio.sleep(0.3)
        done.set()
        await asyncio.wait_for(follower, 5)
        return still, chunks

    still, chunks = asyncio.run(scenario())
    assert still == 1 and chunks[0].startswith(b"retry:")
    events = [json.loads(c.decode()[len("data: ") :]) for c in chunks if c.startswith(b"data: ")]
    latest = {e["id"]: e["value"] for e in events}
    assert latest == {"ls-pad": [1.0, -1.0], "bv-live": [0.5, 0.0, 0.0]}
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_a_new_follower_starts_where_the_lecturer_is():
    hub = GestureHub()

    async def first():
        hub.publish("ACEFH", "ls-pad", [2.0, 1.0])
        async for fresh in hub.listen("ACEFH", heartbeat=0.05):
            return fresh

    assert asyncio.run(first()) == [{"id": "ls-pad", "value": [2.0, 1.0], "seq": 1}]


def test_unknown_or_closed_rooms_get_no_stream(room):
    store, code, key = room
    app = _app(store)
    other = "ACEFH" if code != "ACEFH" else "CEFHJ"
    assert asyncio.run(_request(app, "GET", f"/api/rooms/{other}/gestures"))[0] == 404
    store.close(code, key)
    assert asyncio.run(_request(app, "GET", f"/api/rooms/{code}/gestures"))[0] == 410


@pytest.fixture(scope="module")
def redis_process(tmp_path_factory):
    from tests.redis_server import RedisProcess, require_redis_server

    server = RedisProcess(require_redis_server(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


def test_a_lecturer_on_one_replica_drives_followers_on_another(redis_process):
    """Two replicas (two apps, two stores, one Redis): the gesture posted to the first reaches the stream of the
    second through the relay; a forged key on either is still refused."""
    from models.rooms.redis_store import RedisRoomStore

    one, two = RedisRoomStore(redis_process.url), RedisRoomStore(redis_process.url)
    made, key = one.create()
    code = made.code
    lecturer_side, follower_side = _app(one), _app(two)

    async def scenario():
        chunks: list[bytes] = []
        done = asyncio.Event()

        async def receive():
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message.get("body"):
                chunks.append(message["body"])

        scope = {"type": "http", "method": "GET", "path": f"/api/rooms/{code}/gestures", "headers": [],
                 "query_string": b"", "root_path": ""}  # fmt: skip
        follower = asyncio.create_task(follower_side(scope, receive, send))
        await asyncio.sleep(1.0)  # the follower's replica subscribed
        body = json.dumps({"key": key, "id": "gan-scrub-dcgan", "value": 0.75}).encode()
        assert (await _request(lecturer_side, "POST", f"/api/rooms/{code}/gesture", body))[0] == 200
        forged = json.dumps({"key": "y" * 32, "id": "gan-scrub-dcgan", "value": 0.1}).encode()
        assert (await _request(follower_side, "POST", f"/api/rooms/{code}/gesture", forged))[0] == 403
        for _ in range(40):
            if any(c.startswith(b"data: ") for c in chunks):
                break
            await asyncio.sleep(0.05)
        done.set()
        await asyncio.wait_for(follower, 5)
        return chunks

    chunks = asyncio.run(scenario())
    events = [json.loads(c.decode()[len("data: ") :]) for c in chunks if c.startswith(b"data: ")]
    assert [(e["id"], e["value"]) for e in events] == [("gan-scrub-dcgan", 0.75)]


async def _stream(app, path: str, act, settle: float = 0.3) -> list[dict]:
    """Hold ``path``'s event stream while ``act()`` runs; the events it sent (``None`` for a heartbeat)."""
    chunks: list[bytes] = []
    done = asyncio.Event()

    async def receive():
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message.get("body"):
            chunks.append(message["body"])

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b"", "root_path": ""}
    listener = asyncio.create_task(app(scope, receive, send))
    await asyncio.sleep(settle)
    await act()
    await asyncio.sleep(settle)
    done.set()
    await asyncio.wait_for(listener, 10)
    return [json.loads(c.decode()[len("data: ") :]) for c in chunks if c.startswith(b"data: ")]


def test_followers_hear_each_change_of_the_room_and_nothing_while_it_is_still(room):
    """The news stream: the room as it is on connect, then one event per change (the lecturer's state, an
    activity), nothing between; threads: one per watched room, however many listen."""
    import threading

    store, code, key = room
    app = _app(store)

    async def scenario():
        async def act():
            assert sum(t.name == "room-watch" for t in threading.enumerate()) == 1  # three listeners, one thread
            await asyncio.sleep(0.5)  # still: no event
            await asyncio.to_thread(store.update, code, key, {"page": "dn", "controls": {"dn-seed": 3}})
            await asyncio.sleep(0.2)
            await asyncio.to_thread(store.start_activity, code, key, "landing")

        path = f"/api/rooms/{code}/changes"
        return await asyncio.gather(_stream(app, path, act), _stream(app, path, _nothing), _stream(app, path, _nothing))

    async def _nothing():
        await asyncio.sleep(0.9)

    heard = asyncio.run(scenario())
    for events in heard:
        assert [e["v"] for e in events] == [1, 2, 3]
        assert events[0]["a"] == events[1]["a"] == "" and events[2]["a"]  # the activity's name changed once
        assert not any(e["closed"] for e in events)
        assert events[1]["f"] is None  # a change not made by one section alone: followers rerun their page


def test_a_closed_room_says_so_and_an_unknown_one_is_gone(room):
    store, code, key = room
    app = _app(store)

    async def close():
        await asyncio.to_thread(store.close, code, key)

    async def nothing():
        pass

    events = asyncio.run(_stream(app, f"/api/rooms/{code}/changes", close))
    assert events[-1]["closed"] is True
    other = "ACEFH" if code != "ACEFH" else "CEFHJ"
    assert asyncio.run(_stream(app, f"/api/rooms/{other}/changes", nothing)) == [{"gone": True}]
    assert asyncio.run(_request(app, "GET", "/api/rooms/<b>/changes"))[0] == 404
