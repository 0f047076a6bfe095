"""The server's live-training supervisor (one per process) and this session's key in it. The supervisor
(``training/live/supervisor.py``) imports no TensorFlow: its workers do, in their own processes."""

from __future__ import annotations

import atexit
import hashlib
from typing import TYPE_CHECKING

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

if TYPE_CHECKING:
    from training.live.supervisor import Supervisor

PAGE_KEY = "learn-session"  # set once a session has opened Watch it learn
RUN_KEY = "learn-run"  # a class room's lecturer: the alias of its run, which the room carries to followers


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
