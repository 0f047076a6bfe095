"""Rooms: codes, keys and the lecturer's state, the same rules in memory and in Redis."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest

from models.rooms import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_RUN_BYTES,
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
from models.rooms.answers import MAX_ANSWERS_PER_ROUND, BadAnswer, NoActivity, RoundFull
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
        {"moved": "denoise_one"},
        {"moved": {"section": "<b>x</b>", "base": 1}},
        {"moved": {"section": "denoise_one", "base": True}},
        {"moved": {"section": "denoise_one", "base": 1, "extra": 0}},
    ):
        with pytest.raises(BadRoomState):
            store.update(room.code, key, bad)
    assert store.version(room.code) == 1
    store.update(room.code, key, {"page": "dn", "moved": {"section": "denoise_one", "base": 1}})
    assert store.get(room.code).state["moved"] == {"section": "denoise_one", "base": 1}


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


def test_the_lecturers_run_is_published_by_the_key_alone_within_size(store):
    """Watch it learn's run reaches followers through the store (any replica); only the lecturer's key writes it,
    it is bounded, and it does not bump the room's version (followers' pages do not rerun for every snapshot)."""
    room, key = store.create(STATE)
    other_room, other_key = store.create()
    assert store.get_run(room.code) is None and store.run_version(room.code) == 0
    for forged in (None, "", "x" * 40, other_key, key[:-1]):
        with pytest.raises(ForgedKey):
            store.put_run(room.code, forged, b"forged run")
    assert store.get_run(room.code) is None and store.run_version(room.code) == 0
    payload = bytes(range(256)) * 4  # every byte value: the Redis store must hand back bytes, undecoded
    assert store.put_run(room.code, key, payload) == 1
    assert store.get_run(room.code.lower()) == (1, payload) and store.run_version(room.code) == 1
    assert store.put_run(room.code, key, b"\x00next") == 2 and store.get_run(room.code) == (2, b"\x00next")
    assert store.version(room.code) == 1  # the room's own state did not change
    for bad in (b"", "text", None, b"x" * (MAX_RUN_BYTES + 1)):
        with pytest.raises(BadRoomState):
            store.put_run(room.code, key, bad)
    assert store.put_run(room.code, key, b"x" * MAX_RUN_BYTES) == 3
    assert store.get_run(other_room.code) is None  # one room's run is no other's
    for code in ("ZZZZZ", "<b>", None):
        with pytest.raises(RoomNotFound):
            store.get_run(code)
        with pytest.raises(RoomNotFound):
            store.put_run(code, key, payload)
    store.close(room.code, key)
    with pytest.raises(RoomClosed):
        store.put_run(room.code, key, payload)


def test_redis_runs_expire_with_their_room(redis_process):
    from models.rooms.redis_store import RedisRoomStore

    store = RedisRoomStore(redis_process.url, idle_expiry_s=2)
    room, key = store.create(STATE)
    store.put_run(room.code, key, b"run")
    run_key = f"latentlab:room:{room.code}:run"
    assert 0 < store._client.ttl(run_key) <= 2
    time.sleep(2.5)
    assert not store._client.exists(run_key)
    with pytest.raises(RoomNotFound):
        store.get_run(room.code)


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

    store = RedisRoomStore(redis_process.url, idle_expiry_s=2)
    room, key = store.create(STATE)
    time.sleep(1.2)
    store.update(room.code, key, STATE)  # refreshes the expiry
    time.sleep(1.2)  # 2.4 s after it was made, 1.2 s after its change
    assert store.version(room.code) == 2
    time.sleep(2.5)
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


# --- Class activities: "Where does your digit land?" ---------------------------------------------------------

IMAGE = base64.b64encode(np.arange(784, dtype=np.uint8).tobytes()).decode()
ANSWER = {"z": [0.5, -1.25], "digit": 7, "image": IMAGE}
STUDENTS = [f"student-token-{i:04d}-xxxxxxxx" for i in range(5)]


def test_an_activity_collects_one_anonymous_answer_per_student_per_round(store):
    room, key = store.create(STATE)
    activity = store.start_activity(room.code, key, "landing")
    assert activity == {"kind": "landing", "round": 1, "revealed": False}
    seen = store.get(room.code)
    assert seen.activity == activity and seen.version == 2  # followers rerun to show it
    first = store.submit(room.code, 1, STUDENTS[0], ANSWER)
    again = store.submit(room.code, 1, STUDENTS[0], {**ANSWER, "digit": 1})  # replaces, never adds
    other = store.submit(room.code, 1, STUDENTS[1], {**ANSWER, "z": [2, 3]})
    assert first == again != other and STUDENTS[0] not in first
    answers = store.answers(room.code, key)
    assert list(answers) == [first, other]
    assert answers[first] == {**ANSWER, "digit": 1} and answers[other]["z"] == [2.0, 3.0]
    assert store.get(room.code).version == 2  # answers do not rerun the followers

    store.reveal(room.code, key, True)
    assert store.get(room.code).activity["revealed"] and store.get(room.code).version == 2
    store.remove_answer(room.code, key, first)
    assert list(store.answers(room.code, key)) == [other]

    assert store.clear_round(room.code, key) == {"kind": "landing", "round": 2, "revealed": False}
    assert store.answers(room.code, key) == {}
    with pytest.raises(NoActivity):
        store.submit(room.code, 1, STUDENTS[2], ANSWER)  # an answer to the old round is too late
    assert store.submit(room.code, 2, STUDENTS[0], ANSWER) != first  # a new round, a new anonymous id
    store.end_activity(room.code, key)
    assert store.get(room.code).activity is None
    with pytest.raises(NoActivity):
        store.submit(room.code, 2, STUDENTS[0], ANSWER)


def test_every_lecturer_action_is_refused_without_the_key(store):
    room, key = store.create(STATE)
    store.start_activity(room.code, key, "landing")
    ident = store.submit(room.code, 1, STUDENTS[0], ANSWER)
    actions = {
        "drive": lambda k: store.update(room.code, k, STATE),
        "start": lambda k: store.start_activity(room.code, k, "landing"),
        "reveal": lambda k: store.reveal(room.code, k, True),
        "remove": lambda k: store.remove_answer(room.code, k, ident),
        "clear": lambda k: store.clear_round(room.code, k),
        "end": lambda k: store.end_activity(room.code, k),
        "list answers": lambda k: store.answers(room.code, k),
        "publish a run": lambda k: store.put_run(room.code, k, b"a run"),
        "close": lambda k: store.close(room.code, k),
    }
    for name, action in actions.items():
        for forged in (None, "", key[:-1] + ("A" if key[-1] != "A" else "B"), STUDENTS[0]):
            with pytest.raises(ForgedKey):
                action(forged)
    seen = store.get(room.code)
    assert seen.activity == {"kind": "landing", "round": 1, "revealed": False} and not seen.closed
    assert list(store.answers(room.code, key)) == [ident]
    assert store.get_run(room.code) is None and store.run_version(room.code) == 0  # no forged run got in


def test_answers_carry_only_what_is_expected(store):
    room, key = store.create()
    store.start_activity(room.code, key, "landing")
    short = base64.b64encode(b"\0" * 783).decode()
    for bad in (
        {**ANSWER, "name": "Kim"},
        {"z": [0, 0], "digit": 3},
        {**ANSWER, "z": [float("nan"), 0]},
        {**ANSWER, "z": [1e9, 0]},
        {**ANSWER, "z": [0, 0, 0]},
        {**ANSWER, "digit": 10},
        {**ANSWER, "digit": True},
        {**ANSWER, "digit": "7"},
        {**ANSWER, "image": short},
        {**ANSWER, "image": "<img src=x onerror=alert(1)>"},
        {**ANSWER, "image": IMAGE * 50},
        "answer",
    ):
        with pytest.raises(BadAnswer):
            store.submit(room.code, 1, STUDENTS[0], bad)
    with pytest.raises(BadAnswer):
        store.submit(room.code, 1, "short", ANSWER)  # a token too short to be a session's own
    with pytest.raises(BadAnswer):
        store.start_activity(room.code, key, "quiz")
    assert store.answers(room.code, key) == {}


def test_a_round_is_capped(store):
    room, key = store.create()
    store.start_activity(room.code, key, "landing")
    for i in range(MAX_ANSWERS_PER_ROUND):
        store.submit(room.code, 1, f"token-{i:06d}-abcdefghij", ANSWER)
    with pytest.raises(RoundFull):
        store.submit(room.code, 1, "one-too-many-abcdefghij", ANSWER)
    store.submit(room.code, 1, "token-000000-abcdefghij", ANSWER)  # replacing one's own still works
    assert len(store.answers(room.code, key)) == MAX_ANSWERS_PER_ROUND


def test_real_or_fake_takes_votes_and_only_votes(store):
    room, key = store.create()
    store.start_activity(room.code, key, "realfake")
    votes = [1, 0, None, 1, 0, 0, 1, None]
    ident = store.submit(room.code, 1, STUDENTS[0], {"votes": votes})
    assert store.answers(room.code, key)[ident] == {"votes": votes}
    for bad in (
        ANSWER,  # a drawing is not a vote
        {"votes": votes[:-1]},
        {"votes": [*votes[:-1], 2]},
        {"votes": [True] * 8},
        {"votes": [None] * 8},
        {"votes": votes, "name": "Kim"},
        {"votes": "10101010"},
    ):
        with pytest.raises(BadAnswer):
            store.submit(room.code, 1, STUDENTS[1], bad)
    assert list(store.answers(room.code, key)) == [ident]
