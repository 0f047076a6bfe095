"""The β-VAE page on the shapes, whose true factors are known: one slider per latent named by the factor it
carries, the factors read off the encoder, traversal grids, and disentanglement measured (MI matrix, MIG)."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import latents
from models.analysis import shapes as shape_analysis
from models.data import shapes
from models.data.preprocess import shape_style
from models.registry import SHAPES_DATASET, specs_for
from pages.ui.i18n import labeler, model_title, t
from pages.ui.inputs import drawn_input, uploaded_input
from pages.ui.latent_play import held, latent_sliders
from pages.ui.layout import draw_sections, models_or_warn, require_sample, table, weights_of
from pages.ui.pictures import show_grid, show_image
from pages.ui.rooms import fragment
from pages.ui.state import lecture_mode

SOURCES = ("build", "draw", "upload")
# Published MIG on dSprites (disentanglement_lib's study and reproductions; β-TCVAE: its authors' code).
PUBLISHED_MIG = {"vae": "≈ 0.05–0.1", "beta": "≈ 0.1–0.35", "tcvae": "≈ 0.5"}


def _factor(name: str) -> str:
    return t(f"shapes.factor.{name}")


def _latent_label(model, d: int) -> str:
    factor, mi = shape_analysis.carried(model, int(d))
    return t("shapes.latent_label", d=int(d), factor=_factor(factor), mi=mi)


def _kind(model) -> str:
    recipe = model.spec.recipe
    return "tcvae" if recipe.tc_weight else "vae" if recipe.beta == 1 else "beta"


def _short(model) -> str:
    recipe = model.spec.recipe
    return f"β-TCVAE {recipe.beta + recipe.tc_weight:g}" if recipe.tc_weight else f"β = {recipe.beta:g}"


def _shape_input(key: str) -> tuple[np.ndarray, str] | None:
    """A shape built from its five factors, drawn, or uploaded: (uint8 32×32 image, caption)."""
    source = st.segmented_control(
        t("input.source"), SOURCES, default="build", key=f"{key}-source", format_func=labeler("shapes.source."),
        required=True,
    )  # fmt: skip
    if source == "draw":
        return drawn_input(key, shape_style)
    if source == "upload":
        return uploaded_input(key, shape_style)
    shape = st.pills(
        _factor("shape"), range(len(shapes.SHAPES)), default=2, key=f"{key}-shape", required=True,
        format_func=lambda i: t(f"shapes.shape.{shapes.SHAPES[i]}"),
    )  # fmt: skip
    c1, c2 = st.columns(2)
    options = lambda grid: range(len(grid))  # noqa: E731  (each slider picks an index; the label shows its value)
    scale = c1.select_slider(
        _factor("scale"), options(shapes.SCALES), 5, lambda i: f"{shapes.SCALES[i]:.2f}", key=f"{key}-scale"
    )
    orientation = c2.select_slider(
        _factor("orientation"), options(shapes.ORIENTATIONS), 0,
        lambda i: f"{np.degrees(shapes.ORIENTATIONS[i]):.0f}°", key=f"{key}-orientation",
    )  # fmt: skip
    x = c1.select_slider(_factor("x"), options(shapes.POSITIONS), 16, _position, key=f"{key}-x")
    y = c2.select_slider(_factor("y"), options(shapes.POSITIONS), 16, _position, key=f"{key}-y")
    caption = t(
        "shapes.built",
        shape=t(f"shapes.shape.{shapes.SHAPES[shape]}"),
        scale=shapes.SCALES[scale],
        degrees=np.degrees(shapes.ORIENTATIONS[orientation]),
        x=shapes.POSITIONS[x],
        y=shapes.POSITIONS[y],
    )
    return shape_analysis.build(shape, scale, orientation, x, y), caption


def _position(i: int) -> str:
    return f"{shapes.POSITIONS[i]:.2f}"


@st.cache_resource(show_spinner=False)
def _readout(_model, weights: tuple) -> shape_analysis.Readout:
    """Fitted once per checkpoint (``weights``) on the committed sample."""
    x, factors = require_sample(SHAPES_DATASET)
    return shape_analysis.fit_readout(_model, x, factors)


def _read(model, image: np.ndarray) -> str:
    read = shape_analysis.read_factors(model, _readout(model, weights_of(model)), image)
    return t(
        "shapes.read",
        shape=t(f"shapes.shape.{shapes.SHAPES[int(read['shape'])]}"),
        scale=read["scale"],
        degrees=np.degrees(read["orientation"]),
        x=read["x"],
        y=read["y"],
    )


def factors_section(models: dict) -> None:
    """One model: its factors read off the encoder, and one slider per active latent, named by its factor."""
    st.header(t("shapes.sliders_title"))
    st.caption(t("shapes.about"))
    names = list(models)
    best = max(names, key=lambda n: models[n].card["metrics"]["mig"])
    name = st.segmented_control(
        t("shapes.model"), names, default=best, key="bvs-model", format_func=lambda n: _short(models[n]), required=True
    )
    model = models[name]
    left, right = (st.container(), st.container()) if lecture_mode() else st.columns([1, 2])
    with left:
        picked = _shape_input("bvs")
    if picked is None:
        return
    image, caption = picked
    with left:
        show_image(image, caption=t("common.input", caption=caption), alt=t("alt.input", caption=caption))
        st.markdown(_read(model, image))
    active = shape_analysis.active_latents(model)
    if not len(active):
        st.info(t("shapes.no_active"))
        return
    with right:
        st.caption(t("shapes.sliders_help"))
        code = latents.latent_means(model, image[None])[0]
        key = f"bvs-live-{name}"
        offsets = held(key, "offsets", [0.0] * len(active))
        released = latent_sliders(
            key,
            [model],
            [_latent_label(model, d) for d in active],
            [code],
            [active],
            len(active),
            [model_title(name)],
            contrast=lecture_mode(),
        )
        if released is None:
            st.info(t("bv.live_fallback"))
            released = [
                st.slider(_latent_label(model, d), -3.0, 3.0, 0.0, 0.25, key=f"bvs-dim-{name}-{d}") for d in active
            ]
        moved = {int(d): v for d, v in zip(active, released or offsets) if v}
        moved_text = ", ".join(f"z{d} {v:+.2f}" for d, v in moved.items()) or "0"
        show_image(
            latents.perturb(model, image, moved),
            caption=t("shapes.released", moved=moved_text),
            alt=t("shapes.alt.moved", model=model_title(name), input=caption, moved=moved_text),
        )


@fragment
def traversals_section(models: dict) -> None:
    st.header(t("shapes.traversal_title"))
    x, _ = require_sample(SHAPES_DATASET)
    index = st.number_input(t("shapes.sample_index"), 0, len(x) - 1, 0, key="bvs-trav-index")
    image = x[index]
    values = np.linspace(-2.5, 2.5, 9, dtype=np.float32)
    for col, (name, model) in zip(st.columns(len(models)), models.items()):
        dims = latents.kl_order(model)[:6]
        labels = "; ".join(_latent_label(model, d) for d in dims)
        with col:
            show_grid(
                latents.traversal(model, image, dims, values),
                len(values),
                f"{_short(model)} — {labels}",
                f"traversal_shapes_{name}.png",
                f"bvs-trav-{name}",
                factor=2,
                alt=t("shapes.alt.traversal", model=model_title(name), rows=labels, steps=len(values)),
            )


def measured_section(models: dict) -> None:
    """The MI matrix of each model as a heat-map, MIG against β, and the table beside the published ranges."""
    st.header(t("shapes.measured_title"))
    st.caption(t("shapes.measured_help"))
    factor_names = [_factor(f) for f in shapes.FACTORS]
    for col, (name, model) in zip(st.columns(2 * ((len(models) + 1) // 2)), models.items()):
        mi = shape_analysis.mi_matrix(model)
        fig = go.Figure(
            go.Heatmap(
                z=mi,
                x=factor_names,
                y=[f"z{d}" for d in range(len(mi))],
                zmin=0,
                zmax=1,
                colorscale="Viridis",
                colorbar={"title": "MI / H"},
                texttemplate="%{z:.2f}",
            )  # fmt: skip
        )
        fig.update_layout(
            height=380, margin={"t": 40, "b": 10}, title=t("shapes.heatmap_title", model=_short(model), mig=model.card["metrics"]["mig"])
        )  # fmt: skip
        col.plotly_chart(fig, key=f"bvs-mi-{name}")
    rows = shape_analysis.mig_by_beta(models)
    fig = go.Figure(
        go.Scatter(
            x=[b for _, b, _ in rows],
            y=[m for _, _, m in rows],
            mode="markers+text",
            text=[_short(models[n]) for n, _, _ in rows],
            textposition="top center",
            marker={"size": 12, "color": "#6C4CF1"},
        )  # fmt: skip
    )
    fig.update_layout(height=320, xaxis_title="β", yaxis_title="MIG", title=t("shapes.mig_chart"), xaxis_type="log")
    st.plotly_chart(fig, key="bvs-mig")
    table(
        [
            {
                t("shapes.column.model"): model_title(name),
                "MIG": models[name].card["metrics"]["mig"],
                t("shapes.column.published"): PUBLISHED_MIG[_kind(models[name])],
                t("shapes.column.active"): models[name].card["metrics"]["active_dims"],
                "−ELBO": round(models[name].card["metrics"]["neg_elbo"], 1),
                **{_factor(f): models[name].card["metrics"]["best_mi_per_factor"][f] for f in shapes.FACTORS},
            }
            for name in models
        ],
        hide_index=True,
    )


def draw() -> None:
    """The page's sections on the shapes (called by pages/views/beta_vae.py when the dataset is the shapes)."""
    models = models_or_warn(SHAPES_DATASET, [s.name for s in specs_for(SHAPES_DATASET, "shapes")])
    if not models:
        return
    sections = (factors_section, traversals_section, measured_section)
    draw_sections("bvs", {f.__name__.removesuffix("_section"): functools.partial(f, models) for f in sections})
