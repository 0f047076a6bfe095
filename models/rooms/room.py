"""What a room is, and the rules every store keeps: short join codes, secret lecturer keys, bounded state.

A room is a join code (``CODE_LENGTH`` letters that cannot be misread on a projector or typed wrong on a phone),
a lecturer key (``secrets.token_urlsafe``: 192 random bits; stores keep only its SHA-256 and compare with
``hmac.compare_digest``), the lecturer's state (page, section tab, dataset, each page's controls), a version
that grows with every change (followers compare it, never the state), and a closed flag.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# Letters only, none that a projector or a hand blurs into another: no O/Q/D (0), I/L (1), Z (2), S (5), G (6),
# B (8), U/V. 15**5 = 759,375 codes; a guessed code only lets one follow, never drive.
CODE_ALPHABET = "ACEFHJKMNPRTWXY"
CODE_LENGTH = 5
KEY_BYTES = 24  # 192 bits: the issue asks for at least 128
IDLE_EXPIRY_S = 6 * 3600  # a room nobody has changed for six hours is gone (a lecture, plus the break)
MAX_STATE_BYTES = 16_384  # a page's controls are a few dozen numbers and names: more is not a lecturer's state
STATE_FIELDS = ("page", "section", "dataset", "controls", "moved")
# ``moved``: the lecturer's last change came from one section rerun alone, its name, and the version since which
# only that section's controls changed (a follower who has that version reruns only the section).
SECTION_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
# The lecturer's live run (Watch it learn): a snapshot's maps, pictures and curves are ~100-200 KB; a payload
# over this is not one, and every follower would fetch it.
MAX_RUN_BYTES = 1 << 20


class RoomError(Exception):
    """Something the app says in a sentence, never a traceback. ``reason`` names the catalogue entry."""

    reason = "rooms.error"


class RoomNotFound(RoomError):
    reason = "rooms.not_found"


class RoomClosed(RoomError):
    reason = "rooms.closed"


class ForgedKey(RoomError):
    reason = "rooms.forged_key"


class BadRoomState(RoomError):
    reason = "rooms.bad_state"


class RoomUnavailable(RoomError):
    """The shared store (Redis) cannot be reached: the app says "reconnecting" and tries again."""

    reason = "rooms.unavailable"


@dataclass(frozen=True)
class Room:
    """A room as a follower sees it: no key, not even its hash."""

    code: str
    version: int
    state: dict[str, Any] = field(default_factory=dict)
    closed: bool = False
    activity: dict[str, Any] | None = None  # {"kind": "landing", "round": 1, "revealed": False} while one runs


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_digest(key: str) -> str:
    """What a store keeps of a key: a leaked store (or a Redis dump) hands nobody the lecturer's seat."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def key_matches(stored_digest: str, key: str | None) -> bool:
    """Constant-time comparison of ``key`` with the stored digest; a missing or odd key never matches."""
    if not isinstance(key, str) or not key or len(key) > 256:
        return False
    return hmac.compare_digest(stored_digest.encode(), key_digest(key).encode())


def normalise_code(text: object) -> str | None:
    """A typed or linked code in canonical form (``" acef-h "`` → ``"ACEFH"``), or None when it cannot be one."""
    if not isinstance(text, str):
        return None
    code = "".join(ch for ch in text.upper() if ch not in " -_\t")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def checked_state(state: object) -> dict[str, Any]:
    """The lecturer's state as a store keeps it: a JSON object with only the known fields, within size."""
    if not isinstance(state, dict):
        raise BadRoomState("state must be a mapping")
    unknown = set(state) - set(STATE_FIELDS)
    if unknown:
        raise BadRoomState(f"unknown state fields: {sorted(unknown)}")
    if not isinstance(state.get("controls", {}), dict):
        raise BadRoomState("controls must be a mapping")
    moved = state.get("moved")
    if moved is not None and not (
        isinstance(moved, dict)
        and set(moved) == {"section", "base"}
        and isinstance(moved["section"], str)
        and SECTION_NAME.match(moved["section"])
        and isinstance(moved["base"], int)
        and not isinstance(moved["base"], bool)
    ):
        raise BadRoomState("moved must name a section and a version")
    try:
        encoded = json.dumps(state, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise BadRoomState(f"state is not plain JSON: {err}") from err
    if len(encoded.encode()) > MAX_STATE_BYTES:
        raise BadRoomState(f"state over {MAX_STATE_BYTES} bytes")
    return json.loads(encoded)


def checked_run(payload: object) -> bytes:
    """The lecturer's run as a store keeps it: opaque bytes (``training.live.protocol.status_to_bytes``), within
    size. Stores never decode it; followers do, without pickles."""
    if not isinstance(payload, (bytes, bytearray)) or not payload:
        raise BadRoomState("a run must be non-empty bytes")
    if len(payload) > MAX_RUN_BYTES:
        raise BadRoomState(f"run over {MAX_RUN_BYTES} bytes")
    return bytes(payload)


@runtime_checkable
class RoomStore(Protocol):
    """Where rooms live. Every method raises a ``RoomError`` subclass on bad input, never anything else."""

    def create(self, state: dict[str, Any] | None = None) -> tuple[Room, str]:
        """A new room and its lecturer key (the only time the key is seen)."""
        ...

    def get(self, code: str) -> Room:
        """The room as followers see it (``RoomNotFound`` for unknown or expired codes)."""
        ...

    def version(self, code: str) -> int:
        """Only the version: what a follower asks for most often."""
        ...

    def is_lecturer(self, code: str, key: str | None) -> bool:
        """Whether ``key`` is this room's lecturer key (False for unknown rooms too)."""
        ...

    def update(self, code: str, key: str | None, state: dict[str, Any]) -> int:
        """Replace the lecturer's state; the new version. ``ForgedKey`` without the key."""
        ...

    def close(self, code: str, key: str | None) -> None:
        """End the room for everyone. ``ForgedKey`` without the key."""
        ...

    def wait(self, code: str, after: int, timeout: float) -> Room | None:
        """Block until the room's version passes ``after`` (the room then) or ``timeout`` s (None)."""
        ...

    # The lecturer's live run, for followers on every replica (``pages/ui/live.py``). Not part of the version:
    # a run changes a few times a second, and followers' pages must not rerun for it.
    def put_run(self, code: str, key: str | None, payload: bytes) -> int:
        """Replace the lecturer's run (``checked_run``); its new run version. ``ForgedKey`` without the key."""
        ...

    def run_version(self, code: str) -> int:
        """The run's version (0: none yet): what a follower asks before fetching the run itself."""
        ...

    def get_run(self, code: str) -> tuple[int, bytes] | None:
        """The run's version and payload, as one read; None before the lecturer published one."""
        ...

    # Class activities (``answers.py``): only the key's holder starts, reveals, removes, clears or ends.
    def start_activity(self, code: str, key: str | None, kind: str) -> dict[str, Any]:
        """Start ``kind`` (a new round, answers hidden); the activity. Followers see it: the version grows."""
        ...

    def reveal(self, code: str, key: str | None, revealed: bool) -> None:
        """Show or hide the answers' pictures on the lecturer's screen."""
        ...

    def clear_round(self, code: str, key: str | None) -> dict[str, Any]:
        """Drop the round's answers and start the next round (students may answer again)."""
        ...

    def end_activity(self, code: str, key: str | None) -> None: ...

    def submit(self, code: str, round_: int, student_token: str, answer: dict[str, Any]) -> str:
        """A student's answer to round ``round_`` (replacing their earlier one); its anonymous id."""
        ...

    def answers(self, code: str, key: str | None) -> dict[str, dict[str, Any]]:
        """The round's answers by id, in arrival order: for the lecturer only."""
        ...

    def remove_answer(self, code: str, key: str | None, answer: str) -> None: ...
