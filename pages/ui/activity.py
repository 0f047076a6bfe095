"""Class activities. "Where does your digit land?": students draw or upload a digit, the 2-D VAE (NumPy
runtime) encodes it on their own server, and the point lands on the lecturer's map within a second. "Real or
fake?": every student votes on the same images (half test images, half the DCGAN's); the lecturer reveals the
class's accuracy per image beside the discriminator's own verdict.

The lecturer's panel reads the round's answers once a second (one fragment, in the lecturer's tab only); a
student's tab sends one answer per round (a new one replaces it) and shows only its own point. Pictures are
shown as images and labels as plain text: nothing a student sends is rendered as HTML or Markdown.
"""

from __future__ import annotations

import secrets
import time

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import latents, realfake
from models.registry import get_spec
from models.rooms import RoomError, RoomUnavailable
from models.rooms.answers import pack_image, unpack_image
from pages.ui.colours import CLASS_COLOURS
from pages.ui.i18n import labeler, language, t
from pages.ui.inputs import drawn_input, uploaded_input
from pages.ui.layout import RUNS, get_model, require_sample, weights_of
from pages.ui.pictures import show_image, show_row

DATASET, MODEL = "mnist", "vae_conv_2d"  # the 2-D VAE: a code is a point on a map
GAN = "dcgan"  # "Real or fake?": HOML's DCGAN and its discriminator
LIM = 4.0
REFRESH_S = 1.0  # answers reach the lecturer's map within this (plus a run)
MIN_GAP_S = 2.0  # one student's sends, at most one per this many seconds
TOKEN_KEY, MINE_KEY, LAST_KEY = "room-student", "room-act-mine", "room-act-last"
SHOWN_PICTURES = 60  # thumbnails on the projector at once


@st.cache_data(show_spinner=False)
def _sample_codes(weights: tuple) -> np.ndarray:
    """The committed test sample's codes: the map every answer lands on."""
    return latents.latent_means(get_model(DATASET, MODEL, quiet=True), require_sample(DATASET)[0])


@st.cache_data(show_spinner=False, max_entries=2048)
def _decoded(z: tuple[float, float], weights: tuple) -> np.ndarray:
    return latents.decode_point(get_model(DATASET, MODEL, quiet=True), np.array(z, np.float32))


def _model():
    model = get_model(DATASET, MODEL, quiet=True)
    if model is None:
        st.warning(t("activity.unavailable", command=get_spec(MODEL).checkpoint_command(DATASET)))
    return model


def encode(image: np.ndarray) -> tuple[float, float] | None:
    """Where the 2-D VAE puts a 28×28 uint8 picture (its code's mean)."""
    model = get_model(DATASET, MODEL, quiet=True)
    if model is None:
        return None
    z = latents.latent_means(model, image[None])[0]
    return float(z[0]), float(z[1])


def _map(title: str, points: list[tuple[float, float, int, str]], big: int) -> go.Figure:
    """The sample's codes in faint class colours, and the answers as large numbered markers."""
    model = get_model(DATASET, MODEL, quiet=True)
    codes, labels = _sample_codes(weights_of(model)), require_sample(DATASET)[1]
    fig = go.Figure()
    fig.add_scatter(
        x=codes[:, 0],
        y=codes[:, 1],
        mode="markers",
        marker={"size": 4, "color": [CLASS_COLOURS[c] for c in labels], "opacity": 0.25},
        name=t("activity.test_images"),
        hoverinfo="skip",
    )
    if points:
        fig.add_scatter(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            mode="markers+text",
            text=[p[3] for p in points],
            textposition="top center",
            customdata=list(range(len(points))),
            marker={
                "size": big,
                "color": [CLASS_COLOURS[p[2]] for p in points],
                "line": {"width": 2, "color": "#111111"},
                "symbol": "star" if len(points) == 1 and big > 16 else "circle",
            },
            name=title,
        )
    fig.update_layout(
        title={"text": title},
        height=460,
        margin={"t": 40, "l": 10, "r": 10, "b": 10},
        xaxis={"range": [-LIM, LIM], "title": "z₁"},
        yaxis={"range": [-LIM, LIM], "title": "z₂", "scaleanchor": "x"},
        showlegend=False,
    )
    return fig


# --- the lecturer ------------------------------------------------------------------------------------------------


def lecturer_panel(store, code: str, key: str, activity: dict | None) -> None:
    """Inside the room panel: start the activity, or run it (map, reveal, pick, remove, new round, end)."""
    if activity is None:
        c1, c2 = st.columns(2)
        c1.button(
            t("activity.start_landing"),
            key="room-act-start",
            help=t("activity.start_landing_help"),
            on_click=_act,
            args=(lambda: store.start_activity(code, key, "landing"),),
            icon=":material/draw:",
        )
        c2.button(
            t("activity.start_realfake"),
            key="room-act-start-rf",
            help=t("activity.start_realfake_help"),
            on_click=_act,
            args=(lambda: store.start_activity(code, key, "realfake"),),
            icon=":material/how_to_vote:",
        )
        return
    kind = activity.get("kind")
    if (_model() if kind == "landing" else _gan()) is None:
        return
    c1, c2, c3 = st.columns(3)
    c1.toggle(
        t("activity.reveal" if kind == "landing" else "activity.reveal_votes"),
        value=bool(activity.get("revealed")),
        key="room-act-reveal",
        on_change=lambda: _act(lambda: store.reveal(code, key, bool(st.session_state["room-act-reveal"]))),
    )
    c2.button(
        t("activity.new_round"), key="room-act-clear", on_click=_act, args=(lambda: store.clear_round(code, key),)
    )
    c3.button(t("activity.end"), key="room-act-end", on_click=_act, args=(lambda: store.end_activity(code, key),))
    live = _lecturer_live if kind == "landing" else _lecturer_votes
    live(store, code, key, bool(activity.get("revealed")), int(activity.get("round", 1)))


def _gan():
    model = get_model(DATASET, GAN, quiet=True)
    if model is None:
        st.warning(t("activity.unavailable", command=get_spec(GAN).checkpoint_command(DATASET)))
    return model


@st.cache_data(show_spinner=False, max_entries=64)
def _quiz(code: str, round_: int, weights: tuple) -> realfake.Quiz:
    """The round's images: the same for every student of the room (and computed once per process)."""
    return realfake.make_quiz(
        get_model(DATASET, GAN, quiet=True), require_sample(DATASET)[0], realfake.quiz_seed(code, round_)
    )


@st.fragment(run_every=REFRESH_S)
@RUNS.guarded
def _lecturer_votes(store, code: str, key: str, revealed: bool, round_: int) -> None:
    try:
        ballots = [a["votes"] for a in store.answers(code, key).values() if "votes" in a]
    except RoomUnavailable:
        st.caption(t("rooms.unavailable"))
        return
    except RoomError:
        return
    quiz = _quiz(code, round_, weights_of(get_model(DATASET, GAN, quiet=True)))
    st.caption(t("activity.votes_count", count=len(ballots), round=round_))
    numbers = range(1, len(quiz.images) + 1)
    if not revealed:
        show_row(
            list(quiz.images),
            [t("activity.image_label", number=n) for n in numbers],
            alts=[t("activity.image_alt", number=n) for n in numbers],
        )
        return
    accuracy, counted = realfake.class_accuracy(ballots, quiz.real)
    words = [
        dict(
            number=n,
            truth=t("activity.truth_real" if quiz.real[n - 1] else "activity.truth_fake"),
            share=t("activity.no_votes") if counted[n - 1] == 0 else f"{accuracy[n - 1]:.0%}",
            count=int(counted[n - 1]),
            d=float(quiz.d_real[n - 1]),
        )
        for n in numbers
    ]
    show_row(
        list(quiz.images),
        [t("activity.verdict", **w) for w in words],
        alts=[t("activity.verdict_alt", **w) for w in words],
    )


def _act(action) -> None:
    try:
        action()
    except RoomError as err:
        st.session_state["room-notice"] = (err.reason, "")


@st.fragment(run_every=REFRESH_S)
@RUNS.guarded
def _lecturer_live(store, code: str, key: str, revealed: bool, round_: int) -> None:
    try:
        answers = store.answers(code, key)
    except RoomUnavailable:
        st.caption(t("rooms.unavailable"))
        return
    except RoomError:
        return
    ids = list(answers)
    st.caption(t("activity.answers_count", count=len(ids), round=round_))
    points = [(a["z"][0], a["z"][1], a["digit"], f"#{i + 1}") for i, a in enumerate(answers.values())]
    event = st.plotly_chart(
        _map(t("activity.map_title"), points, 14),
        key="room-act-map",
        on_select="rerun",
        selection_mode="points",
        config={"displayModeBar": False},
    )
    clicked = [p for p in (event.selection.points if event and event.selection else []) if "customdata" in p]
    if clicked and 0 <= int(clicked[0]["customdata"]) < len(ids):
        st.session_state["room-act-pick"] = ids[int(clicked[0]["customdata"])]
    if st.session_state.get("room-act-pick") not in ids:
        st.session_state.pop("room-act-pick", None)
    number = {ident: i + 1 for i, ident in enumerate(ids)}
    if revealed and ids:
        shown = ids[-SHOWN_PICTURES:]
        show_row(
            [unpack_image(answers[i]["image"]) for i in shown],
            [t("activity.answer_label", number=number[i], digit=answers[i]["digit"]) for i in shown],
            alts=[t("activity.drawing_alt", number=number[i], digit=answers[i]["digit"]) for i in shown],
        )
    elif ids:
        st.caption(t("activity.hidden"))
    picked = st.selectbox(
        t("activity.pick"),
        ids,
        index=None,
        key="room-act-pick",
        placeholder=t("activity.pick_none"),
        format_func=lambda i, lang=language(): t(  # the session's language even when called outside the run
            "activity.answer_label", _lang=lang, number=number.get(i, 0), digit=answers.get(i, {}).get("digit")
        ),
    )
    if picked is None:
        return
    answer = answers[picked]
    z1, z2 = answer["z"]
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="center")
    with c1:
        if revealed:
            show_image(
                unpack_image(answer["image"]),
                caption=t("activity.answer_label", number=number[picked], digit=answer["digit"]),
                factor=4,
                alt=t("activity.drawing_alt", number=number[picked], digit=answer["digit"]),
            )
        else:
            st.caption(t("activity.hidden"))
    with c2:
        show_image(
            _decoded((z1, z2), weights_of(get_model(DATASET, MODEL, quiet=True))),
            caption=t("activity.decode_caption", z1=z1, z2=z2),
            factor=4,
            alt=t("activity.decode_alt", number=number[picked], z1=z1, z2=z2),
        )
    c3.button(
        t("activity.remove"),
        key="room-act-remove",
        icon=":material/delete:",
        on_click=_act,
        args=(lambda: store.remove_answer(code, key, picked),),
    )  # the pick, gone from the answers, is dropped at the top of the next run


# --- a student ---------------------------------------------------------------------------------------------------


def student_panel(store, code: str, activity: dict | None) -> None:
    """A student's side of the activity: draw or upload, say which digit, send; then their own point."""
    if activity and activity.get("kind") == "realfake":
        _student_votes(store, code, int(activity.get("round", 1)))
    if not activity or activity.get("kind") != "landing":
        return
    round_ = int(activity.get("round", 1))
    mine = st.session_state.get(MINE_KEY)
    mine = mine if mine and mine.get("round") == round_ and mine.get("code") == code else None
    with st.expander(t("activity.landing_title"), expanded=True, icon=":material/draw:"):
        st.caption(t("activity.landing_help"))
        if _model() is None:
            return
        source = st.segmented_control(
            t("activity.source"),
            ("draw", "upload"),
            default="draw",
            key="room-act-source",
            format_func=labeler("activity.source_"),
            required=True,
        )
        picked = drawn_input("room-act") if source == "draw" else uploaded_input("room-act")
        digit = st.pills(t("activity.which_digit"), list(range(10)), key="room-act-digit")
        if st.button(t("activity.send"), key="room-act-send", type="primary", disabled=picked is None or digit is None):
            mine = _send(store, code, round_, picked[0], int(digit)) or mine
        if mine:
            st.success(t("activity.sent", digit=mine["digit"], z1=mine["z"][0], z2=mine["z"][1]))
            st.plotly_chart(
                _map(t("activity.your_map_title"), [(*mine["z"], mine["digit"], t("activity.yours"))], 22),
                key="room-act-own-map",
                config={"displayModeBar": False},
            )


def _student_votes(store, code: str, round_: int) -> None:
    with st.expander(t("activity.realfake_title"), expanded=True, icon=":material/how_to_vote:"):
        st.caption(t("activity.realfake_help"))
        gan = _gan()
        if gan is None:
            return
        quiz = _quiz(code, round_, weights_of(gan))
        numbers = range(1, len(quiz.images) + 1)
        show_row(
            list(quiz.images),
            [t("activity.image_label", number=n) for n in numbers],
            alts=[t("activity.image_alt", number=n) for n in numbers],
        )
        columns = st.columns(4)
        votes = [
            columns[(n - 1) % 4].segmented_control(
                t("activity.image_label", number=n),
                ("real", "fake"),
                key=f"room-rf-{round_}-{n}",
                format_func=labeler("activity.", ""),
            )
            for n in numbers
        ]
        if st.button(t("activity.send"), key="room-rf-send", type="primary", disabled=all(v is None for v in votes)):
            ballot = [None if v is None else int(v == "real") for v in votes]
            if _submit(store, code, round_, {"votes": ballot}):
                st.session_state["room-rf-sent"] = (code, round_)
        if st.session_state.get("room-rf-sent") == (code, round_):
            st.success(t("activity.votes_sent"))


def _submit(store, code: str, round_: int, answer: dict) -> bool:
    """One answer of this session (rate-limited); a sentence, never a traceback, when it is refused."""
    now = time.monotonic()
    if now - st.session_state.get(LAST_KEY, -MIN_GAP_S) < MIN_GAP_S:
        st.warning(t("activity.too_fast"))
        return False
    st.session_state[LAST_KEY] = now
    token = st.session_state.setdefault(TOKEN_KEY, secrets.token_urlsafe(24))  # this session's, never shown
    try:
        store.submit(code, round_, token, answer)
    except RoomUnavailable:
        st.warning(t("rooms.unavailable"))
        return False
    except RoomError as err:
        st.warning(t(err.reason, detail="") if "{detail}" in t(err.reason) else t(err.reason))
        return False
    return True


def _send(store, code: str, round_: int, image: np.ndarray, digit: int) -> dict | None:
    if time.monotonic() - st.session_state.get(LAST_KEY, -MIN_GAP_S) < MIN_GAP_S:
        st.warning(t("activity.too_fast"))
        return None
    z = encode(image)
    if z is None or not _submit(store, code, round_, {"z": list(z), "digit": digit, "image": pack_image(image)}):
        return None
    mine = {"code": code, "round": round_, "z": list(z), "digit": digit}
    st.session_state[MINE_KEY] = mine
    return mine
