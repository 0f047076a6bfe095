"""Latent space: the 2-D VAE's map, its decoded manifold, interpolation and prior samples."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import latents
from pages.ui.colours import CLASS_COLOURS
from pages.ui.i18n import class_names, t
from pages.ui.inputs import image_input
from pages.ui.latent_play import held, latent_pad
from pages.ui.layout import draw_sections, get_model, page_header, require_sample, table, weights_of
from pages.ui.pictures import gif_download, show_grid, show_image
from pages.ui.rooms import fragment
from pages.ui.state import lecture_mode

LIM = 4.0

dataset = page_header("ls", lambda ds: ["vae_conv_2d"])  # the plain AE (last tab) loads once the page has drawn
x, y = require_sample(dataset)
vae = get_model(dataset, "vae_conv_2d")


@st.cache_data(show_spinner=False)
def _codes(dataset: str, name: str, weights: tuple) -> np.ndarray:
    return latents.latent_means(get_model(dataset, name, quiet=True), require_sample(dataset)[0])


def _vae_codes() -> np.ndarray:
    return _codes(dataset, "vae_conv_2d", weights_of(vae))


@st.cache_data(show_spinner=False, max_entries=1024)
def _decoded(dataset: str, name: str, z: tuple[float, float], weights: tuple) -> np.ndarray:
    """One point's decode, once per point: a class trying the point the lecturer named costs one decode."""
    return latents.decode_point(get_model(dataset, name, quiet=True), np.array(z, np.float32))


def _map_figure(codes: np.ndarray, lim: float, clickable_grid: bool) -> go.Figure:
    fig = go.Figure()
    if clickable_grid:
        # An invisible lattice of points: a click anywhere selects the nearest one.
        g = np.linspace(-lim, lim, 41)
        gx, gy = np.meshgrid(g, g)
        fig.add_scatter(
            x=gx.ravel(),
            y=gy.ravel(),
            mode="markers",
            marker={"size": 9, "opacity": 0},
            hoverinfo="x+y",
            name=t("ls.decode_here"),
            showlegend=False,
        )
    names = class_names(dataset)
    for c in range(10):
        m = y == c
        fig.add_scatter(
            x=codes[m, 0],
            y=codes[m, 1],
            mode="markers",
            name=names[c],
            marker={"size": 5, "color": CLASS_COLOURS[c]},
            unselected={"marker": {"opacity": 1.0}},
        )  # a click dims nothing
    fig.update_layout(
        height=460,
        margin={"t": 36, "l": 10, "r": 10},
        xaxis={"range": [-lim, lim], "title": "z₁"},
        yaxis={"range": [-lim, lim], "title": "z₂", "scaleanchor": "x"},
        showlegend=True,
        legend={"itemsizing": "constant", "title": {"text": t("play.legend")}},
    )
    return fig


@fragment
def vae_map() -> None:
    """The clickable Plotly map: the fallback when the browser cannot run the pad."""
    event = st.plotly_chart(
        _map_figure(_vae_codes(), LIM, True),
        key="ls-map",
        on_select="rerun",
        selection_mode="points",
    )
    points = event.selection.points if event and event.selection else []
    clicked = (float(np.clip(points[0]["x"], -LIM, LIM)), float(np.clip(points[0]["y"], -LIM, LIM))) if points else None
    if clicked and clicked != st.session_state.get("ls-last-click"):
        # A new click moves the sliders (they live in another fragment, hence the app rerun); an old
        # selection must not undo later slider moves.
        st.session_state["ls-last-click"] = clicked
        st.session_state["ls-z1"], st.session_state["ls-z2"] = clicked
        st.rerun()


@fragment
def decode_point() -> None:
    z1 = st.slider("z₁", -LIM, LIM, 0.0, 0.05, key="ls-z1")
    z2 = st.slider("z₂", -LIM, LIM, 0.0, 0.05, key="ls-z2")
    decoded = _decoded(dataset, "vae_conv_2d", (z1, z2), weights_of(vae))
    show_image(decoded, caption=t("ls.decoded_at", z1=z1, z2=z2), factor=8, alt=t("alt.decoded_point", z1=z1, z2=z2))


@fragment
def latent_play() -> None:
    """The pad decodes in the browser while the mouse moves; on release the page decodes the same point. That
    picture sits below the pad but is sent before it, from the point the pad holds: the pad's decoder weights
    no longer hold up the page's first picture."""
    pad, below = st.container(), st.empty()
    z = held("ls-pad", "z", [0.0, 0.0])
    _decoded_point(below, z)
    with pad:
        released = latent_pad(
            "ls-pad",
            vae,
            _vae_codes(),
            y,
            class_names(dataset),
            LIM,
            (0.0, 0.0),
            t("ls.live"),
            contrast=lecture_mode(),
        )
    if released is None:
        below.empty()
        st.info(t("ls.pad_fallback"))
        map_col, point_col = st.columns([3, 2])
        with map_col:
            vae_map()
        with point_col:
            decode_point()
    elif list(released) != z:  # not expected (``held`` reads what the pad returns), but never show a stale point
        _decoded_point(below, list(released))


def _decoded_point(slot, z: list[float]) -> None:
    decoded = _decoded(dataset, "vae_conv_2d", tuple(z), weights_of(vae))
    with slot.container():
        show_image(decoded, caption=t("ls.decoded_at", z1=z[0], z2=z[1]), factor=4,
                   alt=t("alt.decoded_point", z1=z[0], z2=z[1]))  # fmt: skip


def play() -> None:
    if vae is None:
        return
    st.header(t("ls.map_title"))
    st.caption(t("ls.pad_help"))
    latent_play()


@fragment
def reparameterization_trick() -> None:
    """One input's posterior on the map: the ellipse μ ± σ, K draws z = μ + σ·ε inside it, their decodes."""
    if vae is None:
        return
    st.header(t("ls.rp_title"))
    st.caption(t("ls.rp_help"))
    left, right = st.columns([2, 3])
    with left:
        picked = image_input("rp", dataset, default_class=3)
        k = st.slider(t("ls.rp_k"), 1, 16, 8, key="rp-k")
        if st.button(t("ls.rp_resample"), key="rp-resample", icon=":material/casino:"):
            st.session_state["rp-seed"] = st.session_state.get("rp-seed", 0) + 1
    if picked is None:
        return
    rp = latents.reparameterize(vae, picked[0], k, st.session_state.get("rp-seed", 0))
    with right:
        fig = _map_figure(_vae_codes(), LIM, False)
        fig.update_traces(marker={"size": 4, "opacity": 0.25})
        angle = np.linspace(0, 2 * np.pi, 100)
        for n_sigma, dash in ((1, "solid"), (2, "dot")):
            fig.add_scatter(
                x=rp.mu[0] + n_sigma * rp.sigma[0] * np.cos(angle),
                y=rp.mu[1] + n_sigma * rp.sigma[1] * np.sin(angle),
                mode="lines",
                line={"color": "black", "dash": dash},
                name=t("ls.rp_ellipse", n=n_sigma),
            )
        fig.add_scatter(
            x=rp.z[:, 0],
            y=rp.z[:, 1],
            mode="markers+text",
            text=[str(i + 1) for i in range(k)],
            textposition="top center",
            marker={"size": 10, "color": "#E74C3C", "symbol": "x"},
            name="z = μ + σ·ε",
        )
        fig.add_scatter(x=[rp.mu[0]], y=[rp.mu[1]], mode="markers", marker={"size": 12, "color": "black"}, name="μ")
        r = max(4 * float(rp.sigma.max()), 0.6)  # zoomed on this posterior: σ is small
        fig.update_layout(xaxis={"range": [rp.mu[0] - r, rp.mu[0] + r]}, yaxis={"range": [rp.mu[1] - r, rp.mu[1] + r]})
        st.plotly_chart(fig, key="rp-map")
    st.markdown(t("ls.rp_numbers", mu1=rp.mu[0], mu2=rp.mu[1], s1=rp.sigma[0], s2=rp.sigma[1], kl=rp.kl))
    spread = latents.sampling_spreads(rp.log_var, st.session_state.get("rp-seed", 0))
    course, correct = spread["course"], spread["correct"]
    st.markdown(t("ls.rp_spread", n=latents.SPREAD_DRAWS, c1=course[0], c2=course[1], s1=correct[0], s2=correct[1]))
    show_grid(
        rp.decoded, min(k, 8), t("ls.rp_decoded"), f"reparameterization_{dataset}.png", "rp-grid", alt=t("alt.rp", k=k)
    )
    table(
        [
            {
                "#": i + 1,
                "ε₁": round(float(e[0]), 3),
                "ε₂": round(float(e[1]), 3),
                "z₁": round(float(z[0]), 3),
                "z₂": round(float(z[1]), 3),
            }
            for i, (e, z) in enumerate(zip(rp.eps, rp.z))
        ],
        hide_index=True,
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _manifold(dataset: str, span: float, n: int, weights: tuple) -> np.ndarray:
    """Decoding n² points is the page's heaviest call (BENCHMARKS.md): each setting is decoded once."""
    return latents.manifold(get_model(dataset, "vae_conv_2d", quiet=True), -span, span, n)


@fragment
def manifold():
    if vae is None:
        return
    st.header(t("ls.manifold_title"))
    c1, c2 = st.columns(2)
    span = c1.slider(t("ls.range"), 0.5, 4.0, 2.0, 0.25, key="ls-range")
    n = c2.slider(t("ls.resolution"), 5, 25, 15, key="ls-res")
    show_grid(
        _manifold(dataset, span, n, weights_of(vae)),
        n,
        t("ls.manifold_caption", span=span),
        f"manifold_{dataset}_{n}x{n}.png",
        "ls-grid",
        factor=2,
        alt=t("alt.manifold", n=n, span=span),
    )


@fragment
def interpolation():
    if vae is None:
        return
    st.header(t("ls.interp_title"))
    c1, c2 = st.columns(2)
    with c1:
        a = image_input("ls-a", dataset)
    with c2:
        b = image_input("ls-b", dataset, default_class=7)
    steps = st.slider(t("ls.steps"), 3, 16, 10, key="ls-steps")
    if a is None or b is None:
        return
    frames = latents.interpolate(vae, a[0], b[0], steps)
    line = t("alt.interpolation", steps=steps, a=a[1], b=b[1])
    show_grid(frames, steps, t("ls.interp_caption"), f"interpolation_{dataset}.png", "ls-interp", alt=line)
    gif_download(frames, f"interpolation_{dataset}.gif", "ls-gif", alt=line)


@fragment
def prior():
    if vae is None:
        return
    st.header(t("ls.prior_title"))
    seed = st.number_input(t("ls.seed"), 0, 100_000, 0, key="ls-prior-seed")
    show_grid(
        latents.prior_samples(vae, 32, int(seed)),
        16,
        None,
        f"prior_samples_{dataset}.png",
        "ls-prior",
        alt=t("alt.prior", seed=int(seed)),
    )


def plain_map() -> None:
    st.header(t("ls.plain_title"))
    plain = get_model(dataset, "ae_2d")
    if plain is None:
        return
    codes = _codes(dataset, "ae_2d", weights_of(plain))
    lim = float(np.abs(codes).max() * 1.05)
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(_map_figure(codes, lim, False), key="ls-ae-map")
    with c2:
        st.caption(t("ls.plain_help"))
        show_grid(
            latents.decode_random_codes(plain, codes, 16, seed=0),
            8,
            t("ls.plain_caption"),
            f"ae_random_{dataset}.png",
            "ls-ae-grid",
            alt=t("alt.plain_random"),
        )


SECTIONS = {
    "play": play,
    "reparameterization": reparameterization_trick,
    "manifold": manifold,
    "interpolation": interpolation,
    "prior": prior,
    "plain": plain_map,
}
draw_sections("ls", SECTIONS)
