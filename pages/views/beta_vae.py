"""β-VAE: the same network at β = 1, 4, 10; perturb one latent dimension at a time."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import effective_beta, latents
from models.analysis.effective_beta import PIXELS
from models.registry import SHAPES_DATASET, specs_for
from pages.ui.i18n import model_title, t
from pages.ui.inputs import image_input
from pages.ui.latent_play import held, latent_sliders
from pages.ui.layout import draw_sections, get_model, models_or_warn, page_header, weights_of
from pages.ui.pictures import show_grid, show_image
from pages.ui.rooms import fragment
from pages.ui.state import lecture_mode

dataset = page_header("bv", lambda ds: [s.name for s in specs_for(ds, "shapes" if ds == SHAPES_DATASET else "beta")])
if dataset == SHAPES_DATASET:  # known factors: disentanglement measured (pages/views/beta_shapes.py)
    from pages.views.beta_shapes import draw

    draw()
    st.stop()
models = models_or_warn(dataset, [s.name for s in specs_for(dataset, "beta")])
if not models:
    st.stop()
latent = min(m.latent_dim for m in models.values())


def _beta(name: str) -> float:
    return models[name].spec.recipe.beta


def kl_bars() -> None:
    st.header(t("bv.kl_title"))
    for col, (name, model) in zip(st.columns(len(models)), models.items()):
        _kl_bar(col, name, model)


def _kl_bar(col, name: str, model) -> None:
    metrics = model.card.get("metrics", {})
    kl = np.asarray(metrics.get("kl_per_dim", []))
    order = latents.kl_order(model)
    fig = go.Figure(
        go.Bar(
            x=[f"z{d}" for d in order],
            y=kl[order] if len(kl) else [],
            marker_color=["#6C4CF1" if v > 0.01 else "#BBBBBB" for v in kl[order]],
        )
    )
    fig.update_layout(
        height=260,
        margin={"t": 40, "b": 10},
        yaxis_title=t("bv.nats"),
        title=t("bv.kl_chart", beta=_beta(name), active=metrics.get("active_dims", "?")),
    )
    col.plotly_chart(fig, key=f"bv-kl-{name}")


def move() -> None:
    """One input: its latents moved one at a time (live in the browser), then its traversal grids."""
    st.header(t("bv.move_title"))
    # Side by side on a laptop; stacked in lecture mode, so the three decoders get the full width of the screen.
    left, right = (st.container(), st.container()) if lecture_mode() else st.columns([1, 2])
    with left:
        picked = image_input("bv", dataset)  # shared by the sliders and the traversal grids below
    if picked is None:
        return
    with right:
        perturbation(*picked)
    traversals(picked[0])


def _server_sliders(models_: dict, image: np.ndarray, caption: str) -> None:
    """Server-side sliders: the fallback when the browser cannot decode (and what the live row equals)."""
    slider_cols = st.columns(5)
    offsets = [slider_cols[k % 5].slider(f"#{k + 1}", -3.0, 3.0, 0.0, 0.25, key=f"bv-dim-{k}") for k in range(latent)]
    out_cols = st.columns(len(models_) + 1)
    with out_cols[0]:
        show_image(image, caption=t("common.input", caption=caption), alt=t("alt.input", caption=caption))
    moved_text = ", ".join(f"#{k + 1} {v:+.2f}" for k, v in enumerate(offsets) if v) or "0"
    for col, (name, model) in zip(out_cols[1:], models_.items()):
        order = latents.kl_order(model)
        moved = {int(order[k]): v for k, v in enumerate(offsets) if v}
        with col:
            show_image(
                latents.perturb(model, image, moved),
                caption=f"β = {_beta(name):g}",
                alt=t("alt.perturbed", beta=f"{_beta(name):g}", input=caption, moved=moved_text),
            )


@st.cache_data(show_spinner=False, max_entries=256)
def _codes(dataset: str, names: tuple[str, ...], image: np.ndarray, weights: tuple) -> list[np.ndarray]:
    """Each encoder's code (posterior mean) of the input: where the live sliders start from."""
    return [latents.latent_means(get_model(dataset, n, quiet=True), image[None])[0] for n in names]


@st.cache_data(show_spinner=False, max_entries=256)
def _released_row(
    dataset: str, names: tuple[str, ...], image: np.ndarray, offsets: tuple[float, ...], weights: tuple
) -> np.ndarray:
    """The input and each decoder's picture with the released offsets (slider k moves each model's k-th
    dimension by KL), once per setting: a class trying the move the lecturer named costs one decode."""
    row = [image / 255.0]
    for name in names:
        model = get_model(dataset, name, quiet=True)
        order = latents.kl_order(model)
        row.append(latents.perturb(model, image, {int(order[k]): v for k, v in enumerate(offsets) if v}))
    return np.stack(row)


@fragment
def perturbation(image: np.ndarray, caption: str) -> None:
    st.caption(t("bv.move_help"))
    names = list(models)
    # The released row sits below the sliders but is sent before them, from the offsets they hold: their
    # decoders' weights (megabytes) no longer hold up the page's first picture.
    sliders, below = st.container(), st.empty()
    offsets = held("bv-live", "offsets", [0.0] * latent)
    _released(below, image, offsets, "bv-released")
    with sliders:
        released = latent_sliders(
            "bv-live",
            [models[n] for n in names],
            [f"#{k + 1}" for k in range(latent)],
            _codes(dataset, tuple(names), image, weights_of(*models.values())),
            [latents.kl_order(models[n]) for n in names],
            latent,
            [f"β = {_beta(n):g}" for n in names],
            contrast=lecture_mode(),
        )
    if released is None:
        below.empty()
        st.info(t("bv.live_fallback"))
        _server_sliders(models, image, caption)
    elif released != offsets:  # not expected (``held`` reads what the sliders return), but never show a stale row
        _released(below, image, released, "bv-released-now")


def _released(slot, image: np.ndarray, offsets: list[float], key: str) -> None:
    """Into ``slot``: the input and each decoder's picture with the released offsets, and its download. The
    decoding on the server is what the rest of the page and the download agree with."""
    moved = ", ".join(f"#{k + 1} {v:+.2f}" for k, v in enumerate(offsets) if v) or "0"
    row = _released_row(dataset, tuple(models), image, tuple(offsets), weights_of(*models.values()))
    with slot.container():
        show_grid(row, len(row), t("bv.released", moved=moved), f"beta_vae_{dataset}.png", key,
                  alt=t("alt.beta_row", moved=moved))  # fmt: skip


@fragment
def traversals(image: np.ndarray) -> None:
    st.header(t("bv.traversal_title"))
    c1, c2 = st.columns(2)
    rows = c1.slider(t("bv.rows"), 1, latent, min(6, latent), key="bv-rows")
    steps = c2.slider(t("bv.steps"), 5, 13, 9, 2, key="bv-steps")
    values = np.linspace(-3, 3, steps, dtype=np.float32)
    cols = st.columns(len(models))
    for col, (name, model) in zip(cols, models.items()):
        dims = latents.kl_order(model)[:rows]
        with col:
            show_grid(
                latents.traversal(model, image, dims, values),
                steps,
                t("bv.traversal_caption", beta=_beta(name), dims=", z".join(map(str, dims))),
                f"traversal_{dataset}_beta{_beta(name):g}.png",
                f"bv-trav-{name}",
                factor=2,
                alt=t("alt.traversal", beta=f"{_beta(name):g}", dims=", z".join(map(str, dims)), steps=steps),
            )


def hidden_beta() -> None:
    """Each recipe's KL weight against the summed ELBO: the course's VAE is a β-VAE in disguise."""
    st.header(t("bv.hidden_title"))
    st.markdown(t("bv.hidden_text"))
    head = (t("bv.hidden_recipe"), t("bv.hidden_reconstruction", pixels=PIXELS), t("bv.hidden_kl"), t("bv.hidden_beta"))
    rows = ["| " + " | ".join(head) + " |", "|---|---|---:|---:|"]
    for name, loss in effective_beta.every_recipe().items():
        title = t(f"bv.hidden_{name}") if name in ("course", "book") else model_title(name)
        reduction = t(f"bv.hidden_{loss.reconstruction}")
        beta = effective_beta.effective_beta(loss)
        rows.append(f"| {title} | {reduction} | {loss.kl_weight:.4g} | **{beta:.3g}** |")
    st.markdown("\n".join(rows))


SECTIONS = {"move": move, "kl": kl_bars, "hidden": hidden_beta}
draw_sections("bv", SECTIONS)
