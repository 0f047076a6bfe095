"""Which store this process uses: Redis when ``LATENT_LAB_REDIS_URL`` is set (``python -m deploy`` sets it for
its replicas), else this process's memory. redis-py is imported only in the first case: one server needs
nothing of Redis."""

from __future__ import annotations

import os
import threading

from models.rooms.memory import MemoryRoomStore
from models.rooms.room import RoomStore

REDIS_URL_VARIABLE = "LATENT_LAB_REDIS_URL"
_PROCESS: list[RoomStore] = []
_LOCK = threading.Lock()


def open_room_store(environ: dict[str, str] | None = None) -> RoomStore:
    """A new store for this process (the app keeps one: ``pages/ui/rooms.py``)."""
    url = (environ if environ is not None else os.environ).get(REDIS_URL_VARIABLE, "").strip()
    if url:
        from models.rooms.redis_store import RedisRoomStore

        return RedisRoomStore(url)
    return MemoryRoomStore()


def process_store() -> RoomStore:
    """This process's one store: the pages' script runs and the push routes (``push.py``) must see the same
    rooms, and the routes live outside any script run (no ``st.cache_resource`` there)."""
    with _LOCK:
        if not _PROCESS:
            _PROCESS.append(open_room_store())
        return _PROCESS[0]
