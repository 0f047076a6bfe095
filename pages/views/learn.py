"""Watch it learn: train a 2-D autoencoder or VAE, a GAN on 2-D points or a small GAN on images, live.

The page only draws: the training runs in a worker process (``training/live``), and a fragment redraws the
latest snapshot a few times a second without rerunning the page."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis.effective_beta import COURSE_LOSS, effective_beta
from models.data import imaging
from models.registry import COURSE_DCGAN_ITERATIONS, lesson_spec
from pages.ui import rooms
from pages.ui.colours import CLASS_COLOURS
from pages.ui.i18n import class_names, labeler, language, t
from pages.ui.layout import draw_sections, page_header
from pages.ui.live import lecturer_run, live_supervisor, publish_run, session_key, share_run, shared_run
from pages.ui.pictures import show_image, show_picture
from pages.ui.rooms import fragment
from pages.ui.state import lecture_mode
from training.live.protocol import GENERATOR_LOSSES, LIMIT, POINT_SETS, Build, Pause, Settings, Snapshot, Step, Train

REFRESH_S = 0.3  # the fragment's redraw period: ≥ 3 updates a second while a model trains
LEARNING_RATES = (1e-4, 3e-4, 4e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCHES = (16, 32, 64, 128, 256, 512)
# The course's VAE's hidden β (its loss's KL weight against the summed ELBO, computed from how it writes the loss).
COURSE_BETA = round(effective_beta(COURSE_LOSS), 3)
BETAS = tuple(sorted({0.0, 0.1, COURSE_BETA, 0.5, 1.0, 2.0, 4.0, 10.0, 20.0, 50.0}))
MAP_LIMIT = 4.0  # the VAE's map: fixed axes, so its collapse toward the prior shows
REAL, FAKE, SAYS_FAKE, SAYS_REAL = "#2ca02c", "#9467bd", "#1f77b4", "#ff7f0e"

dataset = page_header("learn")
supervisor = live_supervisor()
session = session_key()
if rooms.role() == "lecturer":
    publish_run(session)  # the class watches this session's run (``_status``)


def _lr(label: str, key: str, default: float) -> float:
    return st.select_slider(label, LEARNING_RATES, value=default, key=key, format_func=lambda v: f"{v:g}")


def _common(prefix: str, c_batch, c_seed) -> tuple[int, int]:
    batch = c_batch.select_slider(t("learn.batch_size"), BATCHES, value=128, key=f"{prefix}-batch")
    seed = c_seed.number_input(t("learn.seed"), 0, 10_000, 42, key=f"{prefix}-seed")
    return int(batch), int(seed)


def _buttons(settings: Settings, prefix: str) -> None:
    """Train / Pause / Step / Reset, acting on this session's worker (or its place in the queue)."""
    following = rooms.following()  # a class following its lecturer starts no trainers of its own
    if following:
        st.caption(t("rooms.no_trainer_while_following"))
    c_train, c_pause, c_step, c_reset = st.columns(4)
    train = dict(type="primary", icon=":material/play_arrow:", disabled=following)
    if c_train.button(t("learn.train"), key=f"{prefix}-train", **train):
        supervisor.start(session, settings, Train())
    if c_pause.button(t("learn.pause"), key=f"{prefix}-pause", icon=":material/pause:", disabled=following):
        supervisor.start(session, settings, Pause())
    if c_step.button(t("learn.step"), key=f"{prefix}-step", icon=":material/skip_next:", disabled=following):
        supervisor.start(session, settings, Step(1))
    if c_reset.button(t("learn.reset"), key=f"{prefix}-reset", icon=":material/restart_alt:", disabled=following):
        supervisor.start(session, settings, Build(settings))
    supervisor.configure(session, settings)  # learning rates, β, batch size: applied while it trains


def _status(lessons: tuple[str, ...], settings: Settings) -> Snapshot | None:
    """The run's state in words (queue, warm-up, errors); the snapshot to draw, if this section's. Every call is
    also the session's heartbeat, the first one as the page opens: a spare trainer starts loading TensorFlow
    then, not when Train is pressed."""
    if rooms.following():  # the lecturer's run, read only: no heartbeat, no trainer of the follower's own
        watched = lecturer_run()  # the lecturer trains on this server: its supervisor's latest; else the room's
        status = supervisor.peek(watched) if watched else shared_run()
        if status is None or not status.held or status.snapshot is None:
            st.markdown(t("rooms.lecturer_not_training"))
            return None
        if status.error is not None:
            st.error(t(f"learn.error.{status.error.key}", detail=status.error.detail))
            return None
        return _drawn(status, lessons, settings)
    status = supervisor.status(session)
    share_run(status)  # a lecturer's: its class, on any replica, watches it
    if not status.held:
        st.markdown(
            t(
                {"ready": "learn.status_ready", "warming": "learn.status_warming"}.get(
                    status.trainer, "learn.status_none"
                )
            )
        )
        return None
    if status.position is not None:
        st.info(t("learn.queue", slots=status.slots, position=status.position))
    if status.error is not None:
        st.error(t(f"learn.error.{status.error.key}", detail=status.error.detail))
        st.button(t("learn.restart"), key=f"learn-restart-{lessons[0]}", on_click=supervisor.start,
                  args=(session, settings, Train()), icon=":material/refresh:")  # fmt: skip
        return None
    if status.snapshot is None:
        if status.trainer != "none":
            st.markdown(t("learn.status_warming" if status.trainer == "warming" else "learn.status_ready"))
        return None
    return _drawn(status, lessons, settings)


def _drawn(status, lessons: tuple[str, ...], settings: Settings) -> Snapshot | None:
    """The run's progress in words; its snapshot, if it is this section's lesson."""
    snap = status.snapshot
    if snap.lesson not in lessons:
        st.markdown(t("rooms.lecturer_other_lesson" if rooms.following() else "learn.status_other_lesson"))
        return None
    state = t(f"learn.state_{snap.state}")
    st.markdown(
        t("learn.progress", state=state, step=snap.step, epoch=snap.epoch, rate=snap.steps_per_s, elapsed=snap.elapsed)
    )
    if snap.state == "diverged":
        st.error(t("learn.diverged"))
    elif snap.state == "capped":
        st.warning(t("learn.capped", cap=settings.cap_s))
    if status.parked:
        st.caption(t("learn.parked"))
    st.caption(t("learn.trained_on", note=t(f"learn.note.{snap.note}")))
    if snap.notice:
        st.warning(t(f"learn.notice.{snap.notice}"))
    return snap


def _losses(snap: Snapshot, key: str) -> None:
    fig = go.Figure()
    for name, values in snap.curves.items():
        axis = "y2" if name == "kl" else "y"
        fig.add_trace(go.Scatter(x=snap.curve_steps, y=values, mode="lines", name=t(f"learn.loss.{name}"), yaxis=axis))
    fig.update_layout(
        title=t("learn.loss_title"),
        height=300 if not lecture_mode() else 420,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis_title=t("learn.step_axis"),
        legend={"orientation": "h", "y": -0.25},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False},
    )
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})


def _size() -> int:
    return 480 if lecture_mode() else 320


def _legend(dataset: str) -> None:
    items = "".join(
        f'<li style="display:flex;align-items:center;gap:.3rem"><span aria-hidden="true" style="display:inline-block;'
        f'width:.8rem;height:.8rem;background:{colour};border-radius:2px"></span>{name}</li>'
        for colour, name in zip(CLASS_COLOURS, class_names(dataset))
    )
    st.markdown(
        f'<p style="margin:0">{t("learn.legend")}</p><ul class="learn-legend" style="display:flex;flex-wrap:wrap;'
        f'gap:.2rem .9rem;list-style:none;margin:0;padding:0">{items}</ul>',
        unsafe_allow_html=True,
    )


_RGB = np.array([imaging.hex_rgb(c) for c in CLASS_COLOURS], np.uint8)


@fragment(run_every=REFRESH_S)
def _latent_view(settings: Settings) -> None:
    snap = _status(("ae", "vae", "course_ae"), settings)
    if snap is None:
        return
    a = snap.arrays
    limits = (-MAP_LIMIT, MAP_LIMIT, -MAP_LIMIT, MAP_LIMIT) if snap.lesson == "vae" else imaging.fit_limits(a["codes"])
    picture = imaging.scatter_rgb(a["codes"], _RGB[a["labels"] % 10], limits, _size())
    left, right = st.columns(2)
    with left:
        names = ", ".join(class_names(dataset))
        show_picture(
            picture,
            t(f"learn.map_caption_{snap.lesson}"),
            alt=t("alt.learn_map", step=snap.step, classes=names),
        )
        _legend(dataset)
    with right:
        grid = imaging.grid(np.concatenate([a["originals"], a["reconstructions"]]), cols=8)
        show_image(grid, t("learn.recon_caption"), factor=3 if not lecture_mode() else 4,
                   alt=t("alt.learn_recon", step=snap.step))  # fmt: skip
        _losses(snap, "learn-latent-losses")


@fragment(run_every=REFRESH_S)
def _points_view(settings: Settings) -> None:
    snap = _status(("points",), settings)
    if snap is None:
        return
    a, size = snap.arrays, _size()
    limits = (-LIMIT, LIMIT, -LIMIT, LIMIT)
    picture = imaging.heat_rgb(a["heat"], size, SAYS_FAKE, SAYS_REAL)
    for points, colour in ((a["real"], REAL), (a["fake"], FAKE)):
        dots = np.tile(imaging.hex_rgb(colour), (len(points), 1))
        picture = imaging.scatter_rgb(points, dots, limits, size, 1, picture)
    left, right = st.columns(2)
    with left:
        show_picture(picture, t("learn.points_caption"), alt=t("alt.learn_points", step=snap.step))
    with right:
        _losses(snap, "learn-points-losses")


@fragment(run_every=REFRESH_S)
def _images_view(settings: Settings) -> None:
    snap = _status(("images", "course_gan"), settings)
    if snap is None:
        return
    left, right = st.columns(2)
    with left:
        show_image(imaging.grid(snap.arrays["samples"], cols=4), t("learn.samples_caption"),
                   factor=3 if not lecture_mode() else 5, alt=t("alt.learn_samples", step=snap.step))  # fmt: skip
    with right:
        _losses(snap, "learn-images-losses")


def latent() -> None:
    st.caption(t("learn.help_latent"))
    c_model, c_lr, c_beta, c_batch, c_seed = st.columns([1.3, 1, 1, 1, 0.8])
    lesson = c_model.segmented_control(
        t("learn.model"), ("ae", "vae", "course_ae"), default="ae", key="learn-model",
        format_func=labeler("learn.model_"),
        required=True,
    )  # fmt: skip
    with c_lr:
        lr = _lr(t("learn.learning_rate"), "learn-lr", 1e-3)
    lang = language()  # format_func may run outside the script run (labeler)
    beta = c_beta.select_slider(
        t("learn.beta"), BETAS, value=1.0, key="learn-beta", disabled=lesson != "vae",
        format_func=lambda v: t("learn.beta_course", lang, beta=v) if v == COURSE_BETA else f"{v:g}",
    )  # fmt: skip
    batch, seed = _common("learn", c_batch, c_seed)
    settings = Settings(lesson, dataset, learning_rate=lr, batch_size=batch, seed=seed, beta=float(beta))
    _buttons(settings, "learn-latent")
    _latent_view(settings)


def points() -> None:
    st.caption(t("learn.help_points"))
    kind = st.segmented_control(  # a row of its own: its two long labels did not fit a column in Korean
        t("learn.points"), POINT_SETS, default="ring", key="learn-points", format_func=labeler("learn.points_"),
        required=True,
    )  # fmt: skip
    g_loss = st.segmented_control(  # the minimax game's own loss, or the one every GAN here trains with
        t("learn.g_loss"), GENERATOR_LOSSES, default=GENERATOR_LOSSES[0], key="learn-points-gloss",
        format_func=labeler("learn.g_loss_"), required=True, help=t("learn.g_loss_help"),
    )  # fmt: skip
    c_d, c_g, c_batch, c_seed = st.columns(4)
    with c_d:
        d_lr = _lr(t("learn.d_learning_rate"), "learn-points-dlr", 1e-3)
    with c_g:
        g_lr = _lr(t("learn.g_learning_rate"), "learn-points-glr", 1e-3)
    batch, seed = _common("learn-points", c_batch, c_seed)
    settings = Settings("points", dataset, kind, d_lr, g_lr, batch, seed, g_loss=g_loss)
    _buttons(settings, "learn-points")
    _points_view(settings)


def images() -> None:
    lesson = st.segmented_control(  # HOML's dense GAN, or the course notes' DCGAN as written there
        t("learn.model"), ("images", "course_gan"), default="images", key="learn-gan-model",
        format_func=labeler("learn.model_"), required=True,
    )  # fmt: skip
    st.caption(t(f"learn.help_{lesson}", iterations=COURSE_DCGAN_ITERATIONS))
    rate = lesson_spec(lesson).recipe.learning_rate  # each lesson starts at its recipe's (the course's: 4e-4)
    c_d, c_g, c_batch, c_seed = st.columns(4)
    with c_d:
        d_lr = _lr(t("learn.d_learning_rate"), f"learn-{lesson}-dlr", rate)
    with c_g:
        g_lr = _lr(t("learn.g_learning_rate"), f"learn-{lesson}-glr", rate)
    batch, seed = _common("learn-images", c_batch, c_seed)
    settings = Settings(lesson, dataset, learning_rate=d_lr, g_learning_rate=g_lr, batch_size=batch, seed=seed)
    _buttons(settings, "learn-images")
    _images_view(settings)


draw_sections("learn", {"latent": latent, "points": points, "images": images})
