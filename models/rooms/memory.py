"""Rooms in this process's memory: the default for one ``streamlit run app.py`` (nothing to install).

One lock guards every room; ``wait`` sleeps on a condition that ``update``/``close`` wake, so a follower waiting
for the lecturer costs no CPU. Rooms idle for ``IDLE_EXPIRY_S`` are dropped the next time any room is touched.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

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
    checked_run,
    checked_state,
    key_digest,
    key_matches,
    new_code,
    new_key,
    normalise_code,
)


@dataclass
class _Entry:
    digest: str
    state: dict[str, Any]
    version: int = 1
    closed: bool = False
    touched: float = field(default_factory=time.monotonic)
    activity: dict[str, Any] | None = None
    rounds: int = 0
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    run: bytes | None = None
    run_version: int = 0


class MemoryRoomStore:
    """``RoomStore`` in a dict; ``clock`` is injectable so expiry can be tested without waiting hours."""

    def __init__(self, idle_expiry_s: float = IDLE_EXPIRY_S, clock=time.monotonic) -> None:
        self._rooms: dict[str, _Entry] = {}
        self._changed = threading.Condition()
        self._idle_expiry_s = idle_expiry_s
        self._clock = clock

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, e in self._rooms.items() if now - e.touched > self._idle_expiry_s]:
            del self._rooms[code]

    def _entry(self, code: str) -> tuple[str, _Entry]:
        canonical = normalise_code(code)
        self._expire()
        if canonical is None or canonical not in self._rooms:
            raise RoomNotFound(f"no room {code!r}")
        return canonical, self._rooms[canonical]

    def create(self, state: dict[str, Any] | None = None) -> tuple[Room, str]:
        checked = checked_state(state or {})
        key = new_key()
        with self._changed:
            self._expire()
            code = new_code()
            while code in self._rooms:
                code = new_code()
            self._rooms[code] = _Entry(key_digest(key), checked, touched=self._clock())
            return Room(code, 1, checked), key

    def get(self, code: str) -> Room:
        with self._changed:
            canonical, entry = self._entry(code)
            return Room(canonical, entry.version, entry.state, entry.closed, entry.activity)

    def version(self, code: str) -> int:
        with self._changed:
            return self._entry(code)[1].version

    def is_lecturer(self, code: str, key: str | None) -> bool:
        with self._changed:
            try:
                return key_matches(self._entry(code)[1].digest, key)
            except RoomNotFound:
                return False

    def _driven(self, code: str, key: str | None) -> _Entry:
        _, entry = self._entry(code)
        if not key_matches(entry.digest, key):
            raise ForgedKey(f"not the lecturer of room {code!r}")
        if entry.closed:
            raise RoomClosed(f"room {code!r} is closed")
        return entry

    def update(self, code: str, key: str | None, state: dict[str, Any]) -> int:
        checked = checked_state(state)
        with self._changed:
            entry = self._driven(code, key)
            entry.state, entry.version, entry.touched = checked, entry.version + 1, self._clock()
            self._changed.notify_all()
            return entry.version

    def close(self, code: str, key: str | None) -> None:
        with self._changed:
            entry = self._driven(code, key)
            entry.closed, entry.version, entry.touched = True, entry.version + 1, self._clock()
            self._changed.notify_all()

    def wait(self, code: str, after: int, timeout: float) -> Room | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                canonical, entry = self._entry(code)
                if entry.version > after:
                    return Room(canonical, entry.version, entry.state, entry.closed, entry.activity)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)

    def put_run(self, code: str, key: str | None, payload: bytes) -> int:
        checked = checked_run(payload)
        with self._changed:
            entry = self._driven(code, key)
            entry.run, entry.run_version, entry.touched = checked, entry.run_version + 1, self._clock()
            return entry.run_version

    def run_version(self, code: str) -> int:
        with self._changed:
            return self._entry(code)[1].run_version

    def get_run(self, code: str) -> tuple[int, bytes] | None:
        with self._changed:
            entry = self._entry(code)[1]
            return None if entry.run is None else (entry.run_version, entry.run)

    def _changed_activity(self, entry: _Entry, activity: dict[str, Any] | None, bump: bool) -> None:
        entry.activity, entry.touched = activity, self._clock()
        if bump:  # followers rerun: they show the activity, its new round, or its end
            entry.version += 1
            self._changed.notify_all()

    def start_activity(self, code: str, key: str | None, kind: str) -> dict[str, Any]:
        kind = checked_activity(kind)
        with self._changed:
            entry = self._driven(code, key)
            entry.rounds += 1
            entry.answers = {}
            self._changed_activity(entry, {"kind": kind, "round": entry.rounds, "revealed": False}, True)
            return dict(entry.activity)

    def reveal(self, code: str, key: str | None, revealed: bool) -> None:
        with self._changed:
            entry = self._driven(code, key)
            if entry.activity is None:
                raise NoActivity("no activity to reveal")
            self._changed_activity(entry, {**entry.activity, "revealed": bool(revealed)}, False)

    def clear_round(self, code: str, key: str | None) -> dict[str, Any]:
        with self._changed:
            entry = self._driven(code, key)
            if entry.activity is None:
                raise NoActivity("no activity to clear")
            entry.rounds += 1
            entry.answers = {}
            self._changed_activity(entry, {**entry.activity, "round": entry.rounds, "revealed": False}, True)
            return dict(entry.activity)

    def end_activity(self, code: str, key: str | None) -> None:
        with self._changed:
            entry = self._driven(code, key)
            entry.answers = {}
            self._changed_activity(entry, None, True)

    def submit(self, code: str, round_: int, student_token: str, answer: dict[str, Any]) -> str:
        ident = answer_id(student_token, round_)
        with self._changed:
            _, entry = self._entry(code)
            if entry.closed:
                raise RoomClosed(f"room {code!r} is closed")
            if entry.activity is None or entry.activity["round"] != round_:
                raise NoActivity("no such round")
            checked = checked_answer(answer, entry.activity["kind"])
            if ident not in entry.answers and len(entry.answers) >= MAX_ANSWERS_PER_ROUND:
                raise RoundFull("the round is full")
            entry.answers.pop(ident, None)  # a new answer goes to the end: arrival order
            entry.answers[ident] = checked
            entry.touched = self._clock()
            return ident

    def answers(self, code: str, key: str | None) -> dict[str, dict[str, Any]]:
        with self._changed:
            _, entry = self._entry(code)
            if not key_matches(entry.digest, key):
                raise ForgedKey(f"not the lecturer of room {code!r}")
            return dict(entry.answers)

    def remove_answer(self, code: str, key: str | None, answer: str) -> None:
        with self._changed:
            self._driven(code, key).answers.pop(answer, None)
