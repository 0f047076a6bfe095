"""Class rooms in the app: the lecturer's tab publishes what it shows, followers' tabs show the same.

One store per process (``models/rooms``: memory, or Redis under ``python -m deploy``). The lecturer's key lives
in the session only (the address bar shows ``?room=CODE``); the lecturer link that carries it is read once and
taken out of the URL. After each of the lecturer's runs the frame publishes the page, its open section, the
dataset and the page's controls (``capture``); a follower's small component (``room_watch.js``) hears the
room's news pushed by the server (``models/rooms/push.py``) and reruns only what is new to the page (the open
section when the lecturer moved a control inside it, else the page): nothing runs while the room is still, and
a class's reruns take turns (``turn``). At the start of a follower's run
the lecturer's state is applied (widget values through session state, then ``st.switch_page``); a follower
who changed anything since is exploring, until "Back to the lecturer". Language and lecture mode are never
part of a room.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import streamlit as st

from models.registry import APP_DATASETS
from models.rooms import Room, RoomError, RoomNotFound, RoomStore, RoomUnavailable, normalise_code
from models.rooms.push import SEND_INTERVAL_MS, activity_signature
from models.rooms.store import process_store
from pages.ui import state
from pages.ui.i18n import LANGUAGES, t
from pages.ui.layout import RUNS

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage

ROLE_KEY, CODE_KEY, KEY_KEY = "room-role", "room-code", "room-key"  # role: "lecturer" | "follower"
FOLLOWING_KEY, APPLIED_KEY = "room-following", "room-applied"  # follower: following (not exploring), version seen
PUBLISHED_KEY, NOTICE_KEY = "room-published", "room-notice"  # lecturer's last published state; a sentence once
SEEN_KEY = "room-seen"  # follower: the lecturer's state as last applied (a touch is a change from it)
HERE_KEY, FULL_RUN_KEY = "room-here", "room-full-run"  # this session's page; whether a full run is under way
VERSION_KEY, MOVED_KEY = "room-version", "room-moved"  # lecturer: the room after its last publish; ``moved``
SWITCHED_KEY = "room-switched"  # a follower's run that switched to the lecturer's page: the next one is its end
ACTIVITY_KEY = "room-activity"  # the room's activity as last read
LECTURER_PARAM = "lecturer"  # the lecturer link: ?room=CODE&lecturer=KEY
FOLLOW_TURNS, TURN_WAIT_S = 1, 30.0  # following pages run at most this many at once; none waits longer
_WATCH = st.components.v2.component("latent_lab.room_watch", js=Path(__file__).with_name("room_watch.js").read_text())

# Each page's widget keys start with its prefixes; the rest of the session (the frame's switches, the room's
# own keys, caches) is never published or applied.
CONTROL_PREFIXES = {
    "home": ("home-",),
    "rec": ("rec-",),
    "dn": ("dn-",),
    "ls": ("ls-", "rp-"),
    "bv": ("bv-", "bvs-"),
    "gan": ("gan-", "cg-"),
    "learn": ("learn-",),
}
# Widgets whose value cannot be set through session state (buttons, uploads, the canvas), a tab's label
# (language-dependent: the section travels by name instead), the latent components' bookkeeping, and Watch it
# learn's Streamlit session id (``learn-session``: it would let another browser resume the lecturer's session;
# the room carries an alias of the run instead, ``live.publish_run``).
NOT_MIRRORED = re.compile(
    r"-(tab|tab-name|canvas|upload|sent|asked|train|pause|step|reset|resample|session|restart-[a-z_0-9]+)$"
)


@st.cache_resource(show_spinner=False)
def room_store() -> RoomStore:
    """This process's store: shared by every session, the push routes (and by the AppTests of one test process)."""
    return process_store()


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    return isinstance(value, (list, tuple)) and len(value) <= 64 and all(_plain(v) and v is not None for v in value)


def _normal(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@st.cache_resource(show_spinner=False)
def _turns() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(FOLLOW_TURNS)


@contextlib.contextmanager
def turn() -> Iterator[None]:
    """A following class's page runs take turns, ``FOLLOW_TURNS`` at a time. All at once, a hundred runs share
    the CPU and all end together, when the last does; in turns, half the class sees the lecturer's move in
    half that time, and no one later (docs/DECISIONS.md, Class rooms)."""
    if not following() or st.session_state.pop(SWITCHED_KEY, False):  # a switched page finishes its turn
        yield
        return
    gate = _turns()
    got = gate.acquire(timeout=TURN_WAIT_S)
    try:
        yield
    finally:
        if got:
            gate.release()


def mirrored(page: str, key: object, value: Any) -> bool:
    """Whether the session entry ``key`` is one of ``page``'s controls that a room carries."""
    return (
        isinstance(key, str)
        and key.startswith(CONTROL_PREFIXES.get(page, ()))
        and not NOT_MIRRORED.search(key)
        and _plain(value)
    )


def capture(page: str) -> dict[str, Any]:
    """What the lecturer shows now: the page (catalogue name), its open section, the dataset, its controls."""
    controls = {k: _normal(v) for k, v in st.session_state.to_dict().items() if mirrored(page, k, v)}
    section = st.session_state.get(f"{page}-tab-name")  # the open tab by name (``layout.draw_sections``)
    return {"page": page, "section": section, "dataset": state.current_dataset(), "controls": controls}


def following() -> bool:
    """A follower who has not started exploring: their page shows the lecturer's, and starts no work of its own."""
    return role() == "follower" and bool(st.session_state.get(FOLLOWING_KEY))


def gesture_room() -> dict[str, Any] | None:
    """What a latent component needs to stream its drags (``models/rooms/push.py``): the lecturer's code and key
    (its browser posts them; the key is already in its sidebar's copy box), a following student's code, or None."""
    if role() == "lecturer" and code():
        return {"code": code(), "key": st.session_state.get(KEY_KEY), "lead": True, "interval": SEND_INTERVAL_MS}
    if following() and code():
        return {"code": code(), "follow": True}
    return None


def role() -> str | None:
    return st.session_state.get(ROLE_KEY)


def code() -> str | None:
    return st.session_state.get(CODE_KEY)


def _leave(notice: tuple[str, str] | None = None) -> None:
    """Out of the room (and its code out of the URL, so this run does not join it again)."""
    for key in (ROLE_KEY, CODE_KEY, KEY_KEY, FOLLOWING_KEY, APPLIED_KEY, PUBLISHED_KEY, SEEN_KEY, ACTIVITY_KEY,
                VERSION_KEY, MOVED_KEY):  # fmt: skip
        st.session_state.pop(key, None)
    if "room" in st.query_params:
        del st.query_params["room"]
    if notice:
        st.session_state[NOTICE_KEY] = notice


def start_room() -> None:
    """This tab leads a new room (the sidebar's button, ``?room=new``)."""
    try:
        room, key = room_store().create()
    except RoomError as err:
        st.session_state[NOTICE_KEY] = (err.reason, "")
        return
    _leave()
    st.session_state.update({ROLE_KEY: "lecturer", CODE_KEY: room.code, KEY_KEY: key})


def join_room(text: object) -> None:
    """Follow the room with the code ``text`` (typed or from the link); a sentence when there is none."""
    canonical = normalise_code(text)
    try:
        if canonical is None:
            raise RoomNotFound(str(text))
        room_store().version(canonical)
    except RoomUnavailable:
        pass  # the store is away a moment (Redis restarting, a crowd joining): join; the page catches up after
    except RoomError as err:
        _leave((err.reason, str(text)[:12]))
        return
    _leave()
    st.session_state.update({ROLE_KEY: "follower", CODE_KEY: canonical, FOLLOWING_KEY: True, APPLIED_KEY: 0})


def _join_typed() -> None:
    join_room(st.session_state.get("room-join-code", ""))


def _close_room() -> None:
    try:
        room_store().close(code(), st.session_state.get(KEY_KEY))
    except RoomError:
        pass  # already closed, expired or unreachable: this tab leaves it either way
    _leave()


def _explore() -> None:
    st.session_state[FOLLOWING_KEY] = False


def _back_to_lecturer() -> None:
    st.session_state[FOLLOWING_KEY], st.session_state[APPLIED_KEY] = True, 0  # the next run applies it all


def _from_url() -> None:
    """``?room=new``, ``?room=CODE`` and the lecturer link, once per link: the URL keeps ``room`` while in one."""
    asked = str(st.query_params.get("room", "")).strip()
    key = st.query_params.get(LECTURER_PARAM)
    if key is not None:
        del st.query_params[LECTURER_PARAM]  # off the address bar (and the projector) at once
    if not asked:
        return
    if asked.lower() == "new":
        if role() != "lecturer":
            start_room()
        return
    canonical = normalise_code(asked)
    if key is not None and canonical is not None:
        if room_store().is_lecturer(canonical, str(key)):
            _leave()
            st.session_state.update({ROLE_KEY: "lecturer", CODE_KEY: canonical, KEY_KEY: str(key)})
            return
        join_room(canonical)
        if role() == "follower":
            st.session_state[NOTICE_KEY] = ("rooms.forged_key", canonical)
        return
    if canonical is None or canonical != code():
        join_room(asked)


def _tab_moved(page: str, section: str | None) -> bool:
    """The follower opened another section tab than the lecturer's (its label in either language)."""
    shown = st.session_state.get(f"{page}-tab")
    if shown is None or section is None:
        return False
    try:
        return shown not in {t(f"{page}.tab_{section}", _lang=lang) for lang in LANGUAGES}
    except KeyError:
        return False


def _deviates(lecturer: dict[str, Any], page: str) -> bool:
    """Whether the follower changed anything the lecturer shows since it was applied."""
    if lecturer.get("page") != page or lecturer.get("dataset") != state.current_dataset():
        return True
    session = st.session_state.to_dict()
    controls = lecturer.get("controls", {})
    if any(k in session and _normal(session[k]) != v for k, v in controls.items()):
        return True
    return _tab_moved(page, lecturer.get("section"))


def _apply(room: Room, pages: dict[str, StreamlitPage], page: str) -> None:
    """Show what the lecturer shows: dataset, controls, section, then the page itself."""
    lecturer = room.state
    target = lecturer.get("page") if lecturer.get("page") in pages else page
    dataset = lecturer.get("dataset")
    if dataset in APP_DATASETS:
        st.session_state[state.DATASET_KEY] = st.session_state["dataset"] = dataset
    for key, value in lecturer.get("controls", {}).items():
        if mirrored(target, key, value):  # the room's state is checked again here: only controls are set
            st.session_state[key] = value
    section = lecturer.get("section")
    if isinstance(section, str) and section:
        st.session_state[f"{target}-tab-name"] = section
        st.session_state.pop(f"{target}-tab", None)
        st.query_params["section"] = section
    st.session_state[APPLIED_KEY], st.session_state[SEEN_KEY] = room.version, lecturer
    if target != page:
        st.session_state[SWITCHED_KEY] = True
        st.switch_page(pages[target])


def begin(pages: dict[str, StreamlitPage], page: str) -> None:
    """Before the page draws: take a room from the URL; a follower catches up with the lecturer."""
    st.session_state[HERE_KEY], st.session_state[FULL_RUN_KEY] = page, True
    _from_url()
    if role() != "follower":
        return
    try:
        room = room_store().get(code())
    except RoomUnavailable:
        return  # the last state stays; the banner says "reconnecting"
    except RoomError as err:
        _leave((err.reason, code() or ""))
        return
    if room.closed:
        _leave(("rooms.closed", room.code))
        return
    st.session_state[ACTIVITY_KEY] = room.activity
    if not st.session_state.get(FOLLOWING_KEY):
        return
    if room.version > st.session_state.get(APPLIED_KEY, 0):
        _apply(room, pages, page)
    elif _deviates(room.state, page):
        st.session_state[FOLLOWING_KEY] = False


def write_url() -> None:
    """The address bar names the room (never the key), and nothing else of it."""
    if code():
        st.query_params["room"] = code()
    elif "room" in st.query_params:
        del st.query_params["room"]


def end(page: str) -> None:
    """After a full run (the frame's ``finally``): publish what the lecturer's page shows."""
    st.session_state[FULL_RUN_KEY] = False
    publish(page)


def _catch_up_here(name: str) -> bool:
    """A following section rerun alone (the room's component in it fired): apply the lecturer's new controls
    here when the lecturer's changes since a version this page shows were all made in this section (the room's
    ``moved``) and it stays on this page, section and dataset; True when done, False when the page must run."""
    try:
        room = room_store().get(code())
    except RoomError:
        return False
    applied = st.session_state.get(APPLIED_KEY, 0)
    if room.version <= applied:
        return True  # nothing new: the rerun had another cause (a touch, checked next)
    lecturer, seen = room.state, st.session_state.get(SEEN_KEY) or {}
    moved = lecturer.get("moved") or {}
    if room.closed or room.activity != st.session_state.get(ACTIVITY_KEY) or moved.get("section") != name:
        return False
    if applied < moved.get("base", math.inf) or lecturer.get("page") != st.session_state.get(HERE_KEY):
        return False
    if any(lecturer.get(k) != seen.get(k) for k in ("page", "section", "dataset")):
        return False
    before = seen.get("controls", {})
    for key, value in lecturer.get("controls", {}).items():
        if before.get(key) != value and mirrored(lecturer["page"], key, value):
            st.session_state[key] = value
    st.session_state[APPLIED_KEY], st.session_state[SEEN_KEY] = room.version, lecturer
    return True


def fragment(func=None, *, run_every: float | None = None):
    """``st.fragment`` for the pages' sections: a section rerun alone (a slider inside it moved) publishes
    the lecturer's state as a full run does, and turns a follower who moved it into an explorer. A following
    section also holds the room's component (``room_watch.js``): the lecturer's moves within this section rerun
    it alone, at half the server's cost of the page. Same name and module as the function, so Streamlit sees
    the same fragment."""
    if func is None:
        return lambda f: fragment(f, run_every=run_every)
    name = func.__name__

    @functools.wraps(func)
    def section(*args, **kwargs):
        if st.session_state.get(FULL_RUN_KEY, False):
            return _section(*args, **kwargs)
        with turn(), RUNS.run():  # a class's section reruns take turns too
            return _section(*args, **kwargs)

    def _section(*args, **kwargs):
        alone = not st.session_state.get(FULL_RUN_KEY, False)
        if alone and following():
            if not _catch_up_here(name):
                st.rerun(scope="app")  # more than this section changed: the whole page applies it
            seen = st.session_state.get(SEEN_KEY)
            if seen and _deviates(seen, st.session_state.get(HERE_KEY, "")):
                st.session_state[FOLLOWING_KEY] = False
                st.rerun()  # the whole page: its banner now says "exploring"
        try:
            return func(*args, **kwargs)
        finally:
            if alone:
                publish(st.session_state.get(HERE_KEY, ""), section=name)
            if following() and run_every is None:
                _watch_section(name)

    return st.fragment(section, run_every=run_every)


def publish(page: str, section: str | None = None) -> None:
    """After the lecturer's run: hand the store what the page now shows, if it changed. A change made by one
    section rerun alone says so (``moved``): from which version on only that section's controls changed."""
    if role() != "lecturer" or not page:
        return
    now = capture(page)
    if now == st.session_state.get(PUBLISHED_KEY):
        return
    last, version = st.session_state.get(MOVED_KEY), st.session_state.get(VERSION_KEY)
    moved = None
    if section is not None and version is not None:
        moved = last if last and last["section"] == section else {"section": section, "base": version}
    try:
        new = room_store().update(code(), st.session_state.get(KEY_KEY), {**now, "moved": moved})
    except RoomUnavailable:
        return  # tried again after the next run
    except RoomError as err:
        _leave((err.reason, code() or ""))
        return
    st.session_state[PUBLISHED_KEY], st.session_state[VERSION_KEY], st.session_state[MOVED_KEY] = now, new, moved


def join_url(room_code: str) -> str:
    """The address students open: this server's own origin, ``/?room=CODE``."""
    try:
        here = urlsplit(str(st.context.url or ""))
    except Exception:  # no browser (AppTest)
        here = urlsplit("")
    origin = f"{here.scheme}://{here.netloc}" if here.scheme and here.netloc else "http://localhost:8501"
    return f"{origin}/?room={room_code}"


def _qr_data_uri(url: str, lecture: bool) -> str:
    import segno  # only a lecturer's tab needs it

    return segno.make(url, error="m").svg_data_uri(scale=10 if lecture else 5, border=2)


def sidebar() -> None:
    """The sidebar's "Class room" control: start or join; the private lecturer link; leave or close."""
    st.subheader(t("rooms.sidebar_title"))
    if role() == "lecturer":
        st.markdown(t("rooms.leading", code=code()))
        with st.expander(t("rooms.lecturer_link")):
            st.caption(t("rooms.lecturer_link_help"))
            st.code(f"{join_url(code())}&{LECTURER_PARAM}={st.session_state[KEY_KEY]}", language=None, wrap_lines=True)
        st.button(t("rooms.close"), key="room-close", on_click=_close_room, icon=":material/logout:")
    elif role() == "follower":
        st.markdown(t("rooms.following_in", code=code()))
        st.button(t("rooms.leave"), key="room-leave", on_click=_leave, icon=":material/logout:")
    else:
        st.button(t("rooms.start"), key="room-start", on_click=start_room, help=t("rooms.start_help"))
        with st.form("room-join", border=False, enter_to_submit=True):
            st.text_input(t("rooms.join_code"), key="room-join-code", max_chars=12, help=t("rooms.join_code_help"))
            st.form_submit_button(t("rooms.join"), on_click=_join_typed)


def _watch() -> None:
    """A follower's ear on the room: its component reruns the page when the room's version passes the one
    applied (following) or its activity changes (exploring), and says "reconnecting" while the store is away."""
    _WATCH(
        key="room-watch",
        data={
            "code": code(),
            "following": bool(st.session_state.get(FOLLOWING_KEY)),
            "applied": st.session_state.get(APPLIED_KEY, 0),
            "activity": activity_signature(st.session_state.get(ACTIVITY_KEY)),
            "reconnecting": t("rooms.unavailable"),
        },
        on_news_change=lambda: None,  # the rerun itself is the point: ``begin`` reads the room
    )


def _watch_section(name: str) -> None:
    """The room's component inside a following section: the lecturer's move within it reruns it alone."""
    _WATCH(
        key=f"room-watch-{name}",
        data={"section": name, "applied": st.session_state.get(APPLIED_KEY, 0)},
        on_news_change=lambda: None,  # the section's rerun reads the room (``_catch_up_here``)
    )


def _sentence(reason: str, detail: str) -> str:
    """A room error's sentence; what a student typed is shown as plain text, never as Markdown."""
    text = t(reason)
    detail = re.sub(r"[^A-Za-z0-9 ]", "", detail)[:12]
    return t(reason, code=detail) if "{code}" in text else t(reason, detail=detail) if "{detail}" in text else text


def banner() -> None:
    """Top of the page: a notice once; the lecturer's join panel; the follower's banner."""
    if role() is not None:
        from pages.ui import activity  # only sessions in a room load the activities (and their models' code)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(_sentence(*notice), icon=":material/info:")
    if role() == "lecturer":
        url, lecture = join_url(code()), state.lecture_mode()
        with st.expander(t("rooms.panel_title", code=code()), expanded=True, icon=":material/groups:"):
            c1, c2 = st.columns([1, 2] if lecture else [1, 3], vertical_alignment="center")
            c1.image(_qr_data_uri(url, lecture), width=360 if lecture else 180, alt=t("rooms.qr_alt", url=url))
            c2.markdown(t("rooms.join_text", url=url, code=code()))
            try:
                room = room_store().get(code())
            except RoomError:
                st.caption(t("rooms.unavailable"))
            else:
                activity.lecturer_panel(room_store(), room.code, st.session_state[KEY_KEY], room.activity)
    elif role() == "follower":
        following = bool(st.session_state.get(FOLLOWING_KEY))
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        if following:
            c1.info(t("rooms.following", code=code()), icon=":material/cast_for_education:")
            c2.button(t("rooms.explore"), key="room-explore", on_click=_explore)
        else:
            c1.info(t("rooms.exploring", code=code()), icon=":material/explore:")
            c2.button(t("rooms.back"), key="room-back", on_click=_back_to_lecturer, type="primary")
        _watch()
        activity.student_panel(room_store(), code(), st.session_state.get(ACTIVITY_KEY))
