"""Class rooms: a lecturer's state that a class follows. No Streamlit, no TensorFlow: the app, the tests and
the benchmark drive the same stores.

``room.py`` holds the codes, keys and errors; ``memory.py`` the one-server store (the default, nothing to
install); ``redis_store.py`` the store replicas share through Redis; ``store.py`` picks one from the
environment (``LATENT_LAB_REDIS_URL``).
"""

from models.rooms.room import (
    CODE_ALPHABET,
    CODE_LENGTH,
    IDLE_EXPIRY_S,
    MAX_RUN_BYTES,
    MAX_STATE_BYTES,
    BadRoomState,
    ForgedKey,
    Room,
    RoomClosed,
    RoomError,
    RoomNotFound,
    RoomStore,
    RoomUnavailable,
    normalise_code,
)
from models.rooms.store import open_room_store

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "IDLE_EXPIRY_S",
    "MAX_RUN_BYTES",
    "MAX_STATE_BYTES",
    "BadRoomState",
    "ForgedKey",
    "Room",
    "RoomClosed",
    "RoomError",
    "RoomNotFound",
    "RoomStore",
    "RoomUnavailable",
    "normalise_code",
    "open_room_store",
]
