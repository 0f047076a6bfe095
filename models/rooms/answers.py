"""Class activities' answers: what a student may send, checked before any store keeps it.

"Where does your digit land?": a student's drawing (28×28 uint8, base64), the digit they say it is, and where the
2-D VAE put it (``z``, two finite numbers). Nothing else is kept, and nothing names the student: an answer's id is a
hash of the session's own random token and the round, so one session has one answer per round and nobody can tell
whose it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
from typing import Any

from models.rooms.room import RoomError

ACTIVITIES = ("landing", "realfake")  # "Where does your digit land?", "Real or fake?"
QUIZ_SIZE = 8  # "Real or fake?": images per round (models/analysis/realfake.py shows as many)
IMAGE_SIDE = 28
MAX_ANSWERS_PER_ROUND = 400  # a class of 300 with room to spare; more is not a class
Z_LIMIT = 20.0  # a 2-D VAE's codes sit within a few units of 0; farther is not an encoding
MAX_TOKEN = 128


class BadAnswer(RoomError):
    reason = "rooms.bad_answer"


class NoActivity(RoomError):
    """No activity, another one, or an earlier round: the answer is too late (or too early)."""

    reason = "rooms.no_activity"


class RoundFull(RoomError):
    reason = "rooms.round_full"


def answer_id(student_token: str, round_: int) -> str:
    """Anonymous and stable within a round: the same session replaces its own answer, never adds a second."""
    if not isinstance(student_token, str) or not 16 <= len(student_token) <= MAX_TOKEN:
        raise BadAnswer("a student token is 16 to 128 characters")
    return hashlib.sha256(f"{round_}:{student_token}".encode()).hexdigest()[:16]


def checked_answer(answer: object, kind: str = "landing") -> dict[str, Any]:
    """The answer to ``kind`` as stored: for "Real or fake?", exactly ``votes`` (one per image: 1 real, 0 fake,
    None not voted); for "Where does your digit land?", exactly ``z`` (2 finite numbers within ``Z_LIMIT``), ``digit`` (0–9) and
    ``image`` (base64 of 28×28 bytes); anything else, or anything more, is refused."""
    if kind == "realfake":
        votes = answer.get("votes") if isinstance(answer, dict) and set(answer) == {"votes"} else None
        if not isinstance(votes, list) or len(votes) != QUIZ_SIZE or any(v not in (0, 1, None) for v in votes):
            raise BadAnswer(f"votes are {QUIZ_SIZE} of 1 (real), 0 (fake) or None")
        if any(isinstance(v, bool) or isinstance(v, float) for v in votes) or all(v is None for v in votes):
            raise BadAnswer("votes are integers, at least one")
        return {"votes": list(votes)}
    if not isinstance(answer, dict) or set(answer) != {"z", "digit", "image"}:
        raise BadAnswer("an answer is exactly z, digit and image")
    z, digit, image = answer["z"], answer["digit"], answer["image"]
    if (
        not isinstance(z, (list, tuple))
        or len(z) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in z)
        or not all(math.isfinite(v) and abs(v) <= Z_LIMIT for v in z)
    ):
        raise BadAnswer("z is two finite numbers")
    if not isinstance(digit, int) or isinstance(digit, bool) or not 0 <= digit <= 9:
        raise BadAnswer("digit is 0 to 9")
    if not isinstance(image, str) or len(image) > 4 * IMAGE_SIDE * IMAGE_SIDE // 3 + 4:
        raise BadAnswer("image is base64 of 28×28 bytes")
    try:
        raw = base64.b64decode(image, validate=True)
    except (binascii.Error, ValueError) as err:
        raise BadAnswer("image is not base64") from err
    if len(raw) != IMAGE_SIDE * IMAGE_SIDE:
        raise BadAnswer("image is 28×28 bytes")
    return {"z": [float(z[0]), float(z[1])], "digit": digit, "image": image}


def checked_activity(kind: object) -> str:
    if kind not in ACTIVITIES:
        raise BadAnswer(f"no activity {kind!r}")
    return str(kind)


def pack_image(image) -> str:
    """A 28×28 uint8 picture as an answer carries it (base64 of its bytes)."""
    import numpy as np

    array = np.asarray(image)
    if array.shape != (IMAGE_SIDE, IMAGE_SIDE) or array.dtype != np.uint8:
        raise BadAnswer("a picture is 28×28 uint8")
    return base64.b64encode(array.tobytes()).decode("ascii")


def unpack_image(text: str):
    """The answer's picture back as a 28×28 uint8 array."""
    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype=np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)
