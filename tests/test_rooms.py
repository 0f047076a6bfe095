"""Rooms: codes, keys and the lecturer's state, the same rules in memory and in Redis."""

from __future__ import annotations

import threading
import time

import pytest

from models.rooms import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_STATE_BYTES,
    BadRoomState,
    ForgedKey,
    RoomClosed,
    RoomNotFound,
    RoomStore,
    RoomUnavailable,
    normalise_code,
    open_room_store,
)
from models.rooms.memory import MemoryRoomStore
from tests.redis_server import RedisProcess, require_redis_server

STATE = {"page": "Beta_VAE", "section": "sliders", "dataset": "mnist", "controls": {"bv-seed": 3, "bv-z0": 0.5}}


@pytest.fixture(scope="module")
def redis_process(tmp_path_factory):
    server = RedisProcess(require_redis_server(), tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "redis"])
def store(request) -> RoomStore:
    if request.param == "memory":
        return MemoryRoomStore()
    from models.rooms.redis_store import RedisRoomStore

    return RedisRoomStore(request.getfixturevalue("redis_process").url)


def test_a_new_room_has_a_short_unambiguous_code_and_a_long_key(store):
    room, key = store.create(STATE)
    assert len(room.code) == CODE_LENGTH and set(room.code) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("0O1IL2Z5S8B")
    assert len(key) >= 22  # 128 bits in URL-safe base64 (ours: 192 bits, 32 characters)
    assert room.version == 1 and room.state == STATE and not room.closed
    assert store.get(room.code.lower()).state == STATE  # typed in lower case, with the same room
    codes = {store.create()[0].code for _ in range(30)}
    assert len(codes) == 30


def test_only_the_key_drives(store):
    room, key = store.create(STATE)
    other_room, other_key = store.create()
    moved = {**STATE, "controls": {"bv-seed": 4}}
    for forged in (None, "", "x" * 40, other_key, key[:-1], key + "A", "é" * 300):
        with pytest.raises(ForgedKey):
            store.update(room.code, forged, moved)
        with pytest.raises(ForgedKey):
            store.close(room.code, forged)
        assert not store.is_lecturer(room.code, forged)
    assert store.get(room.code).version == 1 and store.get(room.code).state == STATE
    assert store.is_lecturer(room.code, key) and not store.is_lecturer(other_room.code, key)
    assert store.update(room.code, key, moved) == 2
    assert store.get(room.code).state == moved and store.version(room.code) == 2


def test_unknown_or_malformed_codes_are_not_found(store):
    for code in ("ZZZZZ", "", "A", "AAAAAA", "<b>x</b>", "../..", None):
        with pytest.raises(RoomNotFound):
            store.get(code)
        with pytest.raises(RoomNotFound):
            store.update(code, "key", STATE)
        assert not store.is_lecturer(code, "key")


def test_a_closed_room_refuses_changes_and_says_so(store):
    room, key = store.create(STATE)
    store.close(room.code, key)
    seen = store.get(room.code)
    assert seen.closed and seen.version == 2 and seen.state == STATE
    with pytest.raises(RoomClosed):
        store.update(room.code, key, STATE)


def test_state_is_checked_and_size_limited(store):
    room, key = store.create()
    for bad in (
        "page",
        {"page": "x", "script": "<script>"},
        {"controls": [1, 2]},
        {"controls": {"x": float("nan")}},
        {"controls": {"x": object()}},
        {"controls": {"x": "a" * MAX_STATE_BYTES}},
    ):
        with pytest.raises(BadRoomState):
            store.update(room.code, key, bad)
    assert store.version(room.code) == 1


def test_wait_wakes_on_a_change_and_times_out_when_still(store):
    room, key = store.create(STATE)
    start = time.monotonic()
    assert store.wait(room.code, after=1, timeout=0.3) is None
    assert time.monotonic() - start >= 0.25
    timer = threading.Timer(0.2, store.update, (room.code, key, {**STATE, "section": "traversal"}))
    timer.start()
    start = time.monotonic()
    woke = store.wait(room.code, after=1, timeout=5)
    timer.join()
    assert woke is not None and woke.version == 2 and woke.state["section"] == "traversal"
    assert time.monotonic() - start < 2


def test_codes_are_normalised():
    assert normalise_code(" acef-h ") == "ACEFH"
    assert normalise_code("ACEF0") is None and normalise_code(42) is None


def test_memory_rooms_expire_when_idle():
    now = [0.0]
    store = MemoryRoomStore(idle_expiry_s=3600, clock=lambda: now[0])
    room, key = store.create(STATE)
    now[0] = 3000
    store.update(room.code, key, STATE)  # a change keeps it
    now[0] = 6500
    assert store.get(room.code).version == 2
    now[0] = 6700
    with pytest.raises(RoomNotFound):
        store.get(room.code)


def test_redis_rooms_expire_when_idle(redis_process):
    from models.rooms.redis_store import RedisRoomStore

    store = RedisRoomStore(redis_process.url, idle_expiry_s=1)
    room, key = store.create(STATE)
    time.sleep(0.6)
    store.update(room.code, key, STATE)  # refreshes the expiry
    time.sleep(0.6)
    assert store.version(room.code) == 2
    time.sleep(1.2)
    with pytest.raises(RoomNotFound):
        store.get(room.code)


def test_two_replicas_share_a_room_through_redis(redis_process):
    from models.rooms.redis_store import RedisRoomStore

    lecturer_side, follower_side = RedisRoomStore(redis_process.url), RedisRoomStore(redis_process.url)
    room, key = lecturer_side.create(STATE)
    assert follower_side.get(room.code).state == STATE
    assert follower_side.is_lecturer(room.code, key)  # the lecturer link works on any replica
    follower_side.update(room.code, key, {**STATE, "dataset": "fashion_mnist"})
    assert lecturer_side.get(room.code).state["dataset"] == "fashion_mnist"


def test_redis_down_is_unavailable_and_a_restart_brings_the_room_back(tmp_path):
    from models.rooms.redis_store import RedisRoomStore

    server = RedisProcess(require_redis_server(), tmp_path)
    server.start()
    try:
        store = RedisRoomStore(server.url)
        room, key = store.create(STATE)
        store.update(room.code, key, {**STATE, "section": "traversal"})
        server.stop()
        for call in (lambda: store.get(room.code), lambda: store.update(room.code, key, STATE)):
            with pytest.raises(RoomUnavailable):
                call()
        server.start()  # same port, same folder: its append-only file holds the room
        back = store.get(room.code)
        assert back.version == 2 and back.state["section"] == "traversal"
        assert store.update(room.code, key, STATE) == 3
    finally:
        server.stop()


def test_a_wrong_redis_password_is_unavailable_not_a_crash(redis_process):
    from models.rooms.redis_store import RedisRoomStore

    store = RedisRoomStore(redis_process.url.replace(redis_process.password, "wrong"))
    with pytest.raises(RoomUnavailable):
        store.create()


def test_the_environment_picks_the_store(redis_process):
    assert isinstance(open_room_store({}), MemoryRoomStore)
    from models.rooms.redis_store import RedisRoomStore

    assert isinstance(open_room_store({"LATENT_LAB_REDIS_URL": redis_process.url}), RedisRoomStore)


def test_one_server_never_imports_redis():
    """The default needs nothing of Redis: the package and its memory store load without redis-py."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['redis'] = None\n"
        "from models.rooms import open_room_store\n"
        "s = open_room_store({}); r, k = s.create(); assert s.is_lecturer(r.code, k)\n"
    )
    from bench.harness import ROOT

    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
