"""The server's live-training supervisor (one per process) and this session's key in it. The supervisor
(``training/live/supervisor.py``) imports no TensorFlow: its workers do, in their own processes. In a class room
the lecturer's run also goes to the room's store as bytes (``share_run``), where followers on any replica read it
(``shared_run``)."""

from __future__ import annotations

import atexit
import hashlib
import time
from typing import TYPE_CHECKING

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from models.rooms.room import RoomError
from pages.ui import rooms
from training.live.protocol import Status, status_from_bytes, status_to_bytes

if TYPE_CHECKING:
    from training.live.supervisor import Supervisor

PAGE_KEY = "learn-session"  # set once a session has opened Watch it learn
RUN_KEY = "learn-run"  # a class room's lecturer: the alias of its run, which the room carries to followers
SHARED_KEY = "live-shared-run"  # a lecturer: what of its run the room's store last got, and when (not mirrored)
SHARE_EVERY_S = 0.3  # the lecturer's run goes to the store at most this often: the page's refresh period


def _connected(session: str) -> bool:
    """The browser tab is still connected (Streamlit's own record): a background tab, whose timers the browser
    slows down, keeps its run; a closed one does not."""
    try:
        return runtime.exists() and runtime.get_instance().is_active_session(session)
    except Exception:  # no runtime (AppTest, bare mode): only the page's own refreshes count
        return False


@st.cache_resource(show_spinner=False)
def live_supervisor() -> Supervisor:
    from training.live.supervisor import Supervisor  # only Watch it learn needs it: not on other pages' cold start

    supervisor = Supervisor(still_open=_connected)
    atexit.register(supervisor.close)  # the workers also exit by themselves when the server's pipes close
    return supervisor


def session_key() -> str:
    """This browser session's name in the supervisor: Streamlit's session id (a reconnect keeps it)."""
    ctx = get_script_run_ctx()
    key = ctx.session_id if ctx is not None else "bare"
    st.session_state[PAGE_KEY] = key
    return key


def left_the_page() -> None:
    """Called by the frame when this session runs another page: its run ends now, not at the next reap."""
    key = st.session_state.pop(PAGE_KEY, None)
    if key is not None:
        live_supervisor().leave(key)
        if st.session_state.pop(SHARED_KEY, None) is not None:
            share_run(Status(slots=0))  # no run: followers elsewhere stop showing it (they never show slots)


@st.cache_resource(show_spinner=False)
def _runs() -> dict[str, str]:
    return {}


def publish_run(session: str) -> None:
    """The lecturer's page names its run for the room by an alias: a Streamlit session id must never reach
    another browser (it resumes that session, lecturer key included). Followers on this server find it."""
    alias = hashlib.sha256(f"latent-lab-run:{session}".encode()).hexdigest()[:20]
    _runs()[alias] = session
    st.session_state[RUN_KEY] = alias


def lecturer_run() -> str | None:
    """The session whose run a follower watches: the lecturer's, when the room named one on this server."""
    alias = st.session_state.get(RUN_KEY)
    return _runs().get(alias) if isinstance(alias, str) else None


def _mark(status: Status) -> tuple:
    """What tells one run's state from the next: a new snapshot, or a change of queue, trainer or error."""
    snap = status.snapshot
    run = None if snap is None else (snap.lesson, snap.seq, snap.step, snap.state, snap.notice)
    return status.held, status.trainer, status.position, status.error, status.parked, run


def share_run(status: Status) -> None:
    """The lecturer's page hands its run to the room's store (``RoomStore.put_run``), so followers on every
    replica see it (``shared_run``); only when it changed, at most every ``SHARE_EVERY_S``."""
    if rooms.role() != "lecturer" or not rooms.code():
        return
    mark, now = _mark(status), time.monotonic()
    last = st.session_state.get(SHARED_KEY)
    if last is not None and (last[0] == mark or now - last[1] < SHARE_EVERY_S):
        return
    try:
        rooms.room_store().put_run(rooms.code(), st.session_state.get(rooms.KEY_KEY), status_to_bytes(status))
    except RoomError:  # Redis restarting: the next refresh tries again; a closed room: the room's panel says so
        return
    st.session_state[SHARED_KEY] = (mark, now)


@st.cache_resource(show_spinner=False)
def _shared() -> dict[str, tuple[int, Status]]:
    """Runs read from the store, by room code: the followers of one replica fetch and decode each run once."""
    return {}


def shared_run() -> Status | None:
    """The lecturer's run as the room's store holds it, for a follower on any replica; None before the lecturer
    published one. While the store cannot be read, the run last read stays (the banner says "reconnecting")."""
    code = rooms.code()
    if not code:
        return None
    cache = _shared()
    held = cache.get(code)
    try:
        store = rooms.room_store()
        if held is not None and store.run_version(code) == held[0]:
            return held[1]
        got = store.get_run(code)
    except RoomError:
        return held[1] if held is not None else None
    if got is None:
        return None
    try:
        status = status_from_bytes(got[1])
    except ValueError:  # not a run this version of the app wrote: nothing to draw
        return None
    if len(cache) > 256:  # rooms long closed
        cache.clear()
    cache[code] = (got[0], status)
    return status
