"""Rooms in Redis, shared by every replica of ``python -m deploy``: a lecturer on one replica and followers on
another see one room.

A room is one hash, ``latentlab:room:<CODE>`` (key digest, state JSON, version, closed), that expires after
``IDLE_EXPIRY_S`` without a change. A change is one Lua script (check, write, bump the version, refresh the
expiry, publish): no replica sees half of it, and ``wait`` sleeps on the room's pub/sub channel instead of
polling. The lecturer's live run (bytes) is a key beside the hash, ``latentlab:room:<CODE>:run``, written with
the same expiry; its version is the hash's ``run`` field. Any Redis failure (down, restarting, wrong password)
becomes ``RoomUnavailable``: the app says "reconnecting" and the next call tries again.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import redis

from models.rooms.answers import (
    MAX_ANSWERS_PER_ROUND,
    NoActivity,
    RoundFull,
    answer_id,
    checked_activity,
    checked_answer,
)
from models.rooms.room import (
    IDLE_EXPIRY_S,
    ForgedKey,
    Room,
    RoomClosed,
    RoomNotFound,
    RoomUnavailable,
    checked_run,
    checked_state,
    key_digest,
    key_matches,
    new_code,
    new_key,
    normalise_code,
)

PREFIX = "latentlab:room:"
GESTURES = "latentlab:gestures"  # one pub/sub channel: every replica relays the lecturers' drags (``push.py``)
T = TypeVar("T")

# KEYS[1] the room; ARGV: new state JSON ("" to close), ttl, channel. Returns the version, -1 missing, -2 closed.
_CHANGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'closed') == '1' then return -2 end
if ARGV[1] == '' then redis.call('HSET', KEYS[1], 'closed', '1')
else redis.call('HSET', KEYS[1], 'state', ARGV[1]) end
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
redis.call('PUBLISH', ARGV[3], v)
return v
"""

# KEYS[1] the room, KEYS[2] its run; ARGV: the run's bytes, ttl. Returns the run's version, -1 missing, -2 closed.
# The run lives under a key of its own (binary, read by ``get_run``'s byte client) and expires with the room.
_RUN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'closed') == '1' then return -2 end
redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('HINCRBY', KEYS[1], 'run', 1)
"""

# KEYS[1] the room, KEYS[2] its answers; ARGV: new activity JSON ("" ends it), ttl, channel, mode.
# mode "start"/"clear": next round, answers dropped, version bumped; "reveal": flag only; "end": dropped, bumped.
_ACTIVITY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'closed') == '1' then return -2 end
local mode = ARGV[4]
local act = redis.call('HGET', KEYS[1], 'activity')
if (mode == 'reveal' or mode == 'clear') and (act == false or act == '') then return -3 end
local out = ''
if mode == 'end' then
  redis.call('HSET', KEYS[1], 'activity', '')
  redis.call('DEL', KEYS[2])
elseif mode == 'reveal' then
  local a = cjson.decode(act)
  a['revealed'] = (ARGV[1] == '1')
  out = cjson.encode(a)
  redis.call('HSET', KEYS[1], 'activity', out)
else
  local r = redis.call('HINCRBY', KEYS[1], 'rounds', 1)
  local kind = ARGV[1]
  if mode == 'clear' then kind = cjson.decode(act)['kind'] end
  out = cjson.encode({kind = kind, round = r, revealed = false})
  redis.call('HSET', KEYS[1], 'activity', out)
  redis.call('DEL', KEYS[2])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
if mode ~= 'reveal' then
  local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('PUBLISH', ARGV[3], v)
end
return out
"""

# KEYS[1] the room, KEYS[2] its answers, KEYS[3] their arrival order; ARGV: round, id, answer JSON, cap, ttl.
_SUBMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HGET', KEYS[1], 'closed') == '1' then return -2 end
local act = redis.call('HGET', KEYS[1], 'activity')
if act == false or act == '' or tostring(cjson.decode(act)['round']) ~= ARGV[1] then return -3 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) then
  return -4
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return redis.call('HLEN', KEYS[2])
"""


def _unavailable_on_redis_errors(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except redis.RedisError as err:  # connection refused, timeout, auth, a restart mid-command
            raise RoomUnavailable(f"the room store is unreachable: {type(err).__name__}") from err

    return wrapper


class RedisRoomStore:
    """``RoomStore`` on a Redis server at ``url`` (``redis://:PASSWORD@127.0.0.1:6379/0``)."""

    def __init__(self, url: str, idle_expiry_s: int = IDLE_EXPIRY_S) -> None:
        self._client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
        )
        # The run's payload is bytes (``.npy`` blobs): read by a client that leaves replies undecoded.
        self._bytes = redis.Redis.from_url(
            url, decode_responses=False, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
        )
        self._ttl = int(idle_expiry_s)
        self._change = self._client.register_script(_CHANGE)
        self._activity = self._client.register_script(_ACTIVITY)
        self._submit = self._client.register_script(_SUBMIT)
        self._run = self._client.register_script(_RUN)

    @staticmethod
    def _key(code: str) -> str:
        return PREFIX + code

    @staticmethod
    def _answers_key(code: str) -> str:
        return f"{PREFIX}{code}:answers"

    @staticmethod
    def _run_key(code: str) -> str:
        return f"{PREFIX}{code}:run"

    @staticmethod
    def _channel(code: str) -> str:
        return f"{PREFIX}{code}:events"

    def _canonical(self, code: str) -> str:
        canonical = normalise_code(code)
        if canonical is None:
            raise RoomNotFound(f"no room {code!r}")
        return canonical

    @_unavailable_on_redis_errors
    def create(self, state: dict[str, Any] | None = None) -> tuple[Room, str]:
        checked = checked_state(state or {})
        key = new_key()
        for _ in range(20):
            code = new_code()
            # HSETNX on the digest claims the code atomically: two replicas never hand out one code twice.
            if self._client.hsetnx(self._key(code), "digest", key_digest(key)):
                pipe = self._client.pipeline()
                pipe.hset(self._key(code), mapping={"state": json.dumps(checked), "version": 1, "closed": "0"})
                pipe.expire(self._key(code), self._ttl)
                pipe.execute()
                return Room(code, 1, checked), key
        raise RoomUnavailable("no free room code after 20 tries")

    @_unavailable_on_redis_errors
    def get(self, code: str) -> Room:
        canonical = self._canonical(code)
        state, version, closed, activity = self._client.hmget(
            self._key(canonical), "state", "version", "closed", "activity"
        )
        if version is None or state is None:
            raise RoomNotFound(f"no room {code!r}")
        return Room(
            canonical, int(version), json.loads(state), closed == "1", json.loads(activity) if activity else None
        )

    @_unavailable_on_redis_errors
    def version(self, code: str) -> int:
        version = self._client.hget(self._key(self._canonical(code)), "version")
        if version is None:
            raise RoomNotFound(f"no room {code!r}")
        return int(version)

    @_unavailable_on_redis_errors
    def is_lecturer(self, code: str, key: str | None) -> bool:
        canonical = normalise_code(code)
        digest = None if canonical is None else self._client.hget(self._key(canonical), "digest")
        return digest is not None and key_matches(digest, key)

    def _driven(self, code: str, key: str | None) -> str:
        """The canonical code, once ``key`` is the lecturer's (the digest never changes: checking it before a
        script runs is safe)."""
        canonical = self._canonical(code)
        digest = self._client.hget(self._key(canonical), "digest")
        if digest is None:
            raise RoomNotFound(f"no room {code!r}")
        if not key_matches(digest, key):
            raise ForgedKey(f"not the lecturer of room {code!r}")
        return canonical

    def _run_change(self, code: str, key: str | None, payload: str) -> int:
        canonical = self._driven(code, key)
        result = int(self._change(keys=[self._key(canonical)], args=[payload, self._ttl, self._channel(canonical)]))
        if result == -1:
            raise RoomNotFound(f"no room {code!r}")
        if result == -2:
            raise RoomClosed(f"room {code!r} is closed")
        return result

    @_unavailable_on_redis_errors
    def update(self, code: str, key: str | None, state: dict[str, Any]) -> int:
        return self._run_change(code, key, json.dumps(checked_state(state)))

    @_unavailable_on_redis_errors
    def close(self, code: str, key: str | None) -> None:
        self._run_change(code, key, "")

    @_unavailable_on_redis_errors
    def wait(self, code: str, after: int, timeout: float) -> Room | None:
        canonical = self._canonical(code)
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self._channel(canonical))  # before reading the version: no change falls between
            deadline = time.monotonic() + timeout
            while True:
                room = self.get(canonical)
                if room.version > after:
                    return room
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                pubsub.get_message(timeout=min(left, 1.0))
        finally:
            pubsub.close()

    @_unavailable_on_redis_errors
    def put_run(self, code: str, key: str | None, payload: bytes) -> int:
        checked = checked_run(payload)
        canonical = self._driven(code, key)
        keys = [self._key(canonical), self._run_key(canonical)]
        result = int(self._run(keys=keys, args=[checked, self._ttl]))
        if result == -1:
            raise RoomNotFound(f"no room {code!r}")
        if result == -2:
            raise RoomClosed(f"room {code!r} is closed")
        return result

    @_unavailable_on_redis_errors
    def run_version(self, code: str) -> int:
        version, run = self._client.hmget(self._key(self._canonical(code)), "version", "run")
        if version is None:
            raise RoomNotFound(f"no room {code!r}")
        return int(run or 0)

    @_unavailable_on_redis_errors
    def get_run(self, code: str) -> tuple[int, bytes] | None:
        canonical = self._canonical(code)
        pipe = self._bytes.pipeline()  # MULTI/EXEC: the version and the payload of one ``put_run``
        pipe.hmget(self._key(canonical), "version", "run")
        pipe.get(self._run_key(canonical))
        (version, run), payload = pipe.execute()
        if version is None:
            raise RoomNotFound(f"no room {code!r}")
        return None if payload is None else (int(run or 0), payload)

    def _run_activity(self, code: str, key: str | None, value: str, mode: str) -> dict[str, Any] | None:
        canonical = self._driven(code, key)
        keys = [self._key(canonical), self._answers_key(canonical)]
        out = self._activity(keys=keys, args=[value, self._ttl, self._channel(canonical), mode])
        if out == -1:
            raise RoomNotFound(f"no room {code!r}")
        if out == -2:
            raise RoomClosed(f"room {code!r} is closed")
        if out == -3:
            raise NoActivity("no activity")
        return json.loads(out) if out else None

    @_unavailable_on_redis_errors
    def start_activity(self, code: str, key: str | None, kind: str) -> dict[str, Any]:
        return self._run_activity(code, key, checked_activity(kind), "start")

    @_unavailable_on_redis_errors
    def reveal(self, code: str, key: str | None, revealed: bool) -> None:
        self._run_activity(code, key, "1" if revealed else "0", "reveal")

    @_unavailable_on_redis_errors
    def clear_round(self, code: str, key: str | None) -> dict[str, Any]:
        return self._run_activity(code, key, "", "clear")

    @_unavailable_on_redis_errors
    def end_activity(self, code: str, key: str | None) -> None:
        self._run_activity(code, key, "", "end")

    @_unavailable_on_redis_errors
    def submit(self, code: str, round_: int, student_token: str, answer: dict[str, Any]) -> str:
        ident = answer_id(student_token, round_)
        canonical = self._canonical(code)
        activity = self._client.hget(self._key(canonical), "activity")  # its kind says what an answer is
        if not activity:
            raise NoActivity("no activity")
        checked = checked_answer(answer, json.loads(activity)["kind"])  # the script checks the round again
        # Arrival time in the answer itself: a hash keeps no order, the lecturer's list should.
        payload = json.dumps({**checked, "at": time.time()})
        keys = [self._key(canonical), self._answers_key(canonical)]
        out = self._submit(keys=keys, args=[int(round_), ident, payload, MAX_ANSWERS_PER_ROUND, self._ttl])
        if out == -1:
            raise RoomNotFound(f"no room {code!r}")
        if out == -2:
            raise RoomClosed(f"room {code!r} is closed")
        if out == -3:
            raise NoActivity("no such round")
        if out == -4:
            raise RoundFull("the round is full")
        return ident

    @_unavailable_on_redis_errors
    def answers(self, code: str, key: str | None) -> dict[str, dict[str, Any]]:
        canonical = self._driven(code, key)
        stored = {k: json.loads(v) for k, v in self._client.hgetall(self._answers_key(canonical)).items()}
        ordered = sorted(stored.items(), key=lambda item: item[1].pop("at", 0.0))
        return dict(ordered)

    @_unavailable_on_redis_errors
    def remove_answer(self, code: str, key: str | None, answer: str) -> None:
        self._client.hdel(self._answers_key(self._driven(code, key)), str(answer))

    @_unavailable_on_redis_errors
    def publish_gesture(self, message: str) -> None:
        """A drag's value to every replica's followers (fire and forget: the release goes by the room)."""
        self._client.publish(GESTURES, message)

    def gesture_messages(self, stop: Callable[[], bool]) -> Iterator[str]:
        """Every replica's gestures as they arrive, until ``stop()``; ``RoomUnavailable`` when Redis goes away
        (the caller subscribes again: a drag lost while Redis restarts is one the release still delivers)."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(GESTURES)
            while not stop():
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    yield message["data"]
        except redis.RedisError as err:
            raise RoomUnavailable(f"the room store is unreachable: {type(err).__name__}") from err
        finally:
            pubsub.close()

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False
