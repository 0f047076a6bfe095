"""Which store this process uses: Redis when ``LATENT_LAB_REDIS_URL`` is set (``python -m deploy`` sets it for
its replicas), else this process's memory. redis-py is imported only in the first case: one server needs
nothing of Redis."""

from __future__ import annotations

import os

from models.rooms.memory import MemoryRoomStore
from models.rooms.room import RoomStore

REDIS_URL_VARIABLE = "LATENT_LAB_REDIS_URL"


def open_room_store(environ: dict[str, str] | None = None) -> RoomStore:
    """A new store for this process (the app keeps one: ``pages/ui/rooms.py``)."""
    url = (environ if environ is not None else os.environ).get(REDIS_URL_VARIABLE, "").strip()
    if url:
        from models.rooms.redis_store import RedisRoomStore

        return RedisRoomStore(url)
    return MemoryRoomStore()
