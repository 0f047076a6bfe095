"""Reconstruction: one input through every autoencoder, their shapes, PCA, codings and sparsity."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import generation, reconstruction
from models.data import imaging
from models.registry import TOY_DATASET, specs_for
from models.runtime.inference import LoadedModel
from pages.ui.colours import CLASS_COLOURS
from pages.ui.i18n import class_names, labeler, model_title, t
from pages.ui.inputs import image_input
from pages.ui.layout import (
    RUNS,
    draw_sections,
    get_model,
    models_or_warn,
    page_header,
    require_sample,
    table,
    weights_of,
)
from pages.ui.loaders import get_sample, pretraining_curve, tsne_map
from pages.ui.pictures import download_grid, show_image, show_row
from pages.ui.rooms import fragment

dataset = page_header("rec", lambda ds: [s.name for s in specs_for(ds, "reconstruction")] + ["classifier"])
names = [s.name for s in specs_for(dataset, "reconstruction")]


@st.cache_data(show_spinner=False, max_entries=256)
def _reconstructions(
    dataset: str, names: tuple[str, ...], image: np.ndarray, weights: tuple
) -> tuple[dict[str, tuple[np.ndarray, float]], tuple[np.ndarray, np.ndarray] | None]:
    """Every autoencoder's reconstruction of ``image`` and the classifier's (class, confidence) for the input
    and each reconstruction (None without a classifier): once per image, however many students pick it."""
    results = reconstruction.reconstruct_all({n: get_model(dataset, n, quiet=True) for n in names}, image)
    classifier = get_model(dataset, "classifier", quiet=True)
    if classifier is None:
        return results, None
    return results, generation.label_images(classifier, np.stack([image / 255.0] + [r for r, _ in results.values()]))


@fragment
def side_by_side():
    picked = image_input("rec", dataset)
    models = models_or_warn(dataset, names)
    if picked is None or not models:
        return
    image, caption = picked
    classifier = get_model(dataset, "classifier", quiet=True)
    results, verdicts = _reconstructions(dataset, tuple(models), image, weights_of(classifier, *models.values()))
    pictures = np.stack([image / 255.0] + [r for r, _ in results.values()])
    seen_as = [""] * len(pictures)
    if verdicts is not None:  # the classifier says what each picture looks like
        seen_as = [t("rec.seen_as", name=class_names(dataset)[c], p=p) for c, p in zip(*verdicts)]
    captions = [t("common.input", caption=caption)] + [
        t("rec.caption", model=model_title(name), mse=mse) for name, (_, mse) in results.items()
    ]
    alts = [t("alt.input", caption=caption)] + [
        t("alt.reconstruction", input=caption, model=model_title(name), mse=mse) for name, (_, mse) in results.items()
    ]
    show_row(
        list(pictures),
        [text + seen for text, seen in zip(captions, seen_as)],
        alts=[a + s for a, s in zip(alts, seen_as)],
    )
    download_grid(pictures, len(pictures), f"reconstructions_{dataset}.png", "rec-grid")


def _loaded() -> dict:
    """The page's autoencoders that loaded (the side-by-side section reports the missing ones)."""
    return {n: m for n in names if (m := get_model(dataset, n, quiet=True)) is not None}


def shapes() -> None:
    st.header(t("rec.shapes_title"))
    models = _loaded()
    if not models:
        return
    which = st.selectbox(t("rec.network"), list(models), format_func=labeler("models.", ".title"), key="rec-shape")
    st.caption(t("rec.shapes_help"))
    layers = reconstruction.layer_table(models[which])
    table(
        layers,
        hide_index=True,
        width="stretch",
        column_config={c: t(f"rec.layer_column.{c}") for c in (layers[0] if layers else {})},
    )


def pca() -> None:
    st.header(t("rec.pca_title"))
    toy = next((get_model(TOY_DATASET, s.name) for s in specs_for(TOY_DATASET, "pca")), None)
    if toy is not None:
        _pca_demo(toy)
    linear = next((get_model(dataset, s.name, quiet=True) for s in specs_for(dataset, "pca")), None)
    if linear is not None and "pca" in linear.card.get("metrics", {}):
        angles = linear.card["metrics"]["pca"]["principal_angles_deg"]
        st.caption(t("rec.pca_images", k=len(angles), lo=min(angles), hi=max(angles), mean=float(np.mean(angles))))


def _pca_demo(toy: LoadedModel) -> None:
    """The 3-D toy: its points and the AE's plane (rotatable on request), and AE codings beside PCA's."""
    demo = reconstruction.pca_demo(toy)
    c1, c2 = st.columns([3, 2])
    with c1:
        rotate = st.toggle(t("rec.pca_rotate"), value=False, key="rec-pca-3d", help=t("rec.pca_rotate_help"))
        fig = go.Figure()
        if rotate:  # WebGL: interactive, but seconds to draw in a browser without a GPU, so only on request
            fig.add_scatter3d(
                x=demo.points[:, 0],
                y=demo.points[:, 1],
                z=demo.points[:, 2],
                mode="markers",
                marker={"size": 3, "color": "#6C4CF1"},
                name=t("rec.pca_data"),
            )
            fig.add_surface(
                x=demo.plane[0],
                y=demo.plane[1],
                z=demo.plane[2],
                opacity=0.35,
                showscale=False,
                colorscale=[[0, "#F39C12"], [1, "#F39C12"]],
                name=t("rec.pca_plane"),
            )
        else:
            azimuth = st.slider(t("rec.pca_azimuth"), 0, 180, 30, 15, key="rec-pca-azimuth")
            points, corners = reconstruction.oblique_view(demo, azimuth)
            fig.add_scatter(
                x=corners[:, 0],
                y=corners[:, 1],
                fill="toself",
                mode="lines",
                line={"color": "#F39C12"},
                opacity=0.45,
                name=t("rec.pca_plane"),
            )
            fig.add_scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                marker={"size": 5, "color": "#6C4CF1"},
                name=t("rec.pca_data"),
            )
            fig.update_yaxes(scaleanchor="x", showticklabels=False)
            fig.update_xaxes(showticklabels=False)
        fig.update_layout(height=420, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title=t("rec.pca_3d_title"))
        st.plotly_chart(fig, key="pca-3d")
    fig2 = go.Figure()
    fig2.add_scatter(x=demo.codings[:, 0], y=demo.codings[:, 1], mode="markers", name=t("rec.pca_ae_codings"))
    fig2.add_scatter(
        x=demo.pca_codings[:, 0],
        y=demo.pca_codings[:, 1],
        mode="markers",
        name=t("rec.pca_projection"),
        marker={"symbol": "x"},
    )
    fig2.update_layout(height=420, title=t("rec.pca_2d_title"), margin={"t": 30})
    c2.plotly_chart(fig2, key="pca-2d")
    metrics = toy.card.get("metrics", {})
    st.markdown(
        t(
            "rec.pca_angles",
            angles=", ".join(f"{a:.2f}°" for a in metrics.get("principal_angles_deg", [])),
            ae=metrics.get("mse", float("nan")),
            pca=metrics.get("pca_mse", float("nan")),
        )
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _codings_2d(dataset: str, name: str, weights: tuple) -> np.ndarray:
    return reconstruction.codings_2d(get_model(dataset, name, quiet=True), require_sample(dataset)[0])


@st.cache_data(show_spinner=False, max_entries=8)
def _sparsity(dataset: str, name: str, weights: tuple) -> dict:
    return reconstruction.sparsity(get_model(dataset, name, quiet=True), require_sample(dataset)[0])


@fragment
def codings_map():
    st.header(t("rec.map_title"))
    st.caption(t("rec.map_help"))
    models = _loaded()
    if not models:
        return
    x, y = require_sample(dataset)
    names_ = class_names(dataset)
    c1, c2 = st.columns([2, 1])
    which = c1.selectbox(
        t("rec.autoencoder"),
        list(models),
        format_func=labeler("models.", ".title"),
        key="rec-map",
        index=list(models).index("stacked_ae") if "stacked_ae" in models else 0,
    )
    method = c2.segmented_control(
        t("rec.projection"),
        ["tsne", "pca"],
        default="tsne",
        key="rec-proj",
        format_func=labeler("rec.projection_"),
        required=True,
    )
    xy = tsne_map(models[which]) if method == "tsne" else None
    if method == "tsne" and xy is None:
        st.info(t("rec.tsne_missing", command=f"python -m training.tsne {which}"))
    if xy is None:
        xy = _codings_2d(dataset, which, weights_of(models[which]))
    fig = go.Figure()
    for c in range(10):
        m = y == c
        fig.add_scatter(
            x=xy[m, 0],
            y=xy[m, 1],
            mode="markers",
            name=names_[c],
            customdata=np.flatnonzero(m),
            marker={"size": 6, "color": CLASS_COLOURS[c]},
        )
    fig.update_layout(
        height=480,
        margin={"t": 10},
        showlegend=True,
        legend={"itemsizing": "constant", "title": {"text": t("play.legend")}},
    )
    event = st.plotly_chart(fig, key=f"rec-map-{which}-{method}", on_select="rerun", selection_mode="points")
    points = event.selection.points if event and event.selection else []
    if points:
        i = int(points[0]["customdata"] if np.isscalar(points[0].get("customdata")) else points[0]["customdata"][0])
        c1, c2 = st.columns(2)
        with c1:
            image_caption = t("rec.map_image", index=i, name=names_[y[i]])
            show_image(x[i], caption=image_caption, alt=t("alt.input", caption=image_caption))
        with c2:
            show_image(
                models[which].reconstruct(x[i : i + 1] / 255.0)[0],
                caption=t("rec.map_decoded"),
                alt=t("alt.reconstruction_short", input=image_caption, model=model_title(which)),
            )


def sparsity() -> None:
    sparse = {n: m for n, m in _loaded().items() if "sparse" in m.spec.tags}
    if not sparse:
        return
    st.header(t("rec.sparse_title"))
    st.caption(t("rec.sparse_help"))
    cols = st.columns(len(sparse))
    for col, (name, model) in zip(cols, sparse.items()):
        stats = _sparsity(dataset, name, weights_of(model))
        fig = go.Figure()
        fig.add_histogram(x=stats["activations"], nbinsx=50, name=t("rec.sparse_all"), histnorm="probability")
        fig.add_histogram(x=stats["unit_means"], nbinsx=50, name=t("rec.sparse_unit_mean"), histnorm="probability")
        fig.add_vline(x=0.1, line_dash="dash", annotation_text=t("rec.sparse_target"))
        fig.update_layout(barmode="overlay", height=320, title=model_title(name), margin={"t": 40})
        fig.update_traces(opacity=0.65)
        col.plotly_chart(fig, key=f"sparse-{name}")
        col.caption(t("rec.sparse_caption", below=stats["share_below"], band=stats["share_units_in_band"]))


@fragment
def upsampling_vs_transpose():
    models = _loaded()
    pair = {n: models[n] for n in ("conv_ae_upsampling", "conv_ae_transpose") if n in models}
    if len(pair) < 2:
        return
    st.header(t("rec.ups_title"))
    st.caption(t("rec.ups_help"))
    value = st.slider(t("rec.ups_value"), -2.0, 2.0, 0.0, 0.25, key="rec-ups-value")
    result = reconstruction.upsampling_comparison(pair, value)
    for col, name in zip(st.columns(2), pair):
        with col:
            st.markdown(f"**{model_title(name)}**")
            pictures = ((result.outputs[name], t("rec.ups_output")), (result.detail[name], t("rec.ups_detail")))
            for picture_col, (picture, what) in zip(st.columns(2), pictures):
                with picture_col:
                    alt = t("alt.upsampling", model=model_title(name), what=what, value=value)
                    show_image(imaging.stretch(picture), what, 6, alt=alt)
            st.metric(t("rec.ups_energy"), f"{result.energy[name]:.2%}")


# The curve's lines: the book's frozen variant is in the file too, but fine-tuning tells the same story.
PRETRAINING_LINES = (
    ("scratch", "dot", "#555a66"),
    ("fine_tuned", "dash", "#1f77b4"),
    ("pixels_spread", "dashdot", "#d35400"),
    ("codes_spread", None, "#6C4CF1"),
)


def pretraining() -> None:
    st.header(t("rec.pre_title"))
    st.caption(t("rec.pre_help"))
    result = pretraining_curve(dataset)
    if result is None:
        st.info(t("rec.pre_missing", command="python -m training.pretraining"))
        return
    points = result["points"]
    n = [p["labels_per_class"] for p in points]
    fig = go.Figure()
    for variant, dash, colour in PRETRAINING_LINES:
        fig.add_scatter(
            x=n,
            y=[p[variant] for p in points],
            error_y={"type": "data", "array": [p.get(f"{variant}_std", 0.0) for p in points], "visible": True},
            mode="lines+markers",
            name=t(f"rec.pre_{variant}"),
            line={"dash": dash, "color": colour, "width": 3 if variant == "codes_spread" else 2},
            marker={"color": colour},
        )
    fig.update_layout(
        height=380,
        margin={"t": 20},
        xaxis={"type": "log", "title": t("rec.pre_x"), "tickvals": n},
        yaxis={"title": t("rec.pre_y"), "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.25},
    )
    st.plotly_chart(fig, key="rec-pretraining")
    which = st.select_slider(t("rec.pre_pick"), n, value=n[0], key="rec-pre-n")
    point = points[n.index(which)]
    variants = [v for v, _, _ in PRETRAINING_LINES]
    for col, variant in zip(st.columns(len(variants)), variants):
        gain = point[variant] - point["scratch"]
        delta = None if variant == "scratch" else t("rec.pre_delta", gain=gain * 100)
        col.metric(t(f"rec.pre_{variant}"), f"{point[variant]:.1%}", delta)
    st.caption(
        t(
            "rec.pre_cost",
            draws=result["draws"],
            steps=result["steps_per_classifier"],
            neighbours=result["neighbours"],
            seconds=sum(point[f"{v}_seconds"] for v in variants),
        )
    )


@st.fragment
@RUNS.guarded
def overcomplete() -> None:
    """HOML 17.2: a code wider than the image copies, noise included; noise or sparsity in training stops that."""
    st.header(t("rec.oc_title"))
    st.markdown(t("rec.oc_text"))
    models = models_or_warn(dataset, list(reconstruction.COPY_MODELS))
    if "overcomplete_ae" not in models:
        return
    scores, grey = _copy_scores(dataset, tuple(models), weights_of(*models.values()))
    head = [t(f"rec.oc_{c}") for c in ("model", "digits", "noise")]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|"]
    lines += [f"| {model_title(r.name)} | {r.digit_mse:.4f} | {r.noise_mse:.4f} |" for r in scores]
    st.markdown("\n".join(lines))
    st.caption(t("rec.oc_caption", n=len(require_sample(dataset)[0]), grey=grey))
    left, right = st.columns([2, 1])
    with left:
        picked = image_input("oc", dataset)
    with right:
        seed = int(st.number_input(t("rec.oc_seed"), 0, 9999, 0, key="oc-seed"))
    if picked is None:
        return
    image, caption = picked
    noise = reconstruction.noise_image(seed)
    tests = reconstruction.copy_test(models, image, noise)
    for source, picture, key in (
        (caption, image / 255.0, "digit"),
        (t("rec.oc_noise_input", seed=seed), noise, "noise"),
    ):
        titles = [model_title(n) for n in tests]
        errors = [getattr(r, f"{key}_mse") for r in tests.values()]
        show_row(
            [picture, *(getattr(r, key) for r in tests.values())],
            [t("common.input", caption=source)] + [t("rec.caption", model=m, mse=e) for m, e in zip(titles, errors)],
            alts=[t("alt.input", caption=source)]
            + [t("alt.reconstruction", input=source, model=m, mse=e) for m, e in zip(titles, errors)],
        )


@st.cache_data(show_spinner=False, max_entries=8)
def _copy_scores(dataset: str, names: tuple, weights: tuple):
    """The table's MSEs on the committed sample and as many noise images: once per set of checkpoints."""
    x, _ = get_sample(dataset)
    return reconstruction.copy_scores({n: get_model(dataset, n, quiet=True) for n in names}, x)


@st.fragment
@RUNS.guarded
def layerwise() -> None:
    """HOML 17.3.5: the stacked AE trained one shallow autoencoder at a time, beside the one trained end to end."""
    st.header(t("rec.lw_title"))
    st.markdown(t("rec.lw_text"))
    greedy, whole = get_model(dataset, "layerwise_ae"), get_model(dataset, "stacked_ae")
    if greedy is None or whole is None:
        return
    require_sample(dataset)  # the table scores the committed sample: say how to rebuild it if it is missing
    rows, phases = _layerwise(dataset, weights_of(greedy, whole))
    head = [t(f"rec.lw_{c}") for c in ("model", "test_mse", "sample_mse", "seconds")]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|"]
    for row in rows:
        title = t("rec.lw_phase1") if row.name == "phase1" else model_title(row.name)
        test = "—" if row.test_mse is None else f"{row.test_mse:.4f}"
        seconds = "—" if row.seconds is None else f"{row.seconds:.0f}"
        lines.append(f"| {title} | {test} | {row.sample_mse:.4f} | {seconds} |")
    st.markdown("\n".join(lines))
    if phases:
        st.caption(t("rec.lw_phases", first=phases.get("phase1", 0.0), second=phases.get("phase2", 0.0)))
    picked = image_input("lw", dataset)
    if picked is None:
        return
    image, caption = picked
    first = reconstruction.first_phase_reconstruction(greedy, image[None])[0]
    results = reconstruction.reconstruct_all({"layerwise_ae": greedy, "stacked_ae": whole}, image)
    titles = [t("rec.lw_phase1"), model_title("layerwise_ae"), model_title("stacked_ae")]
    outputs = [first, results["layerwise_ae"][0], results["stacked_ae"][0]]
    errors = [float(np.mean((first - image / 255.0) ** 2)), results["layerwise_ae"][1], results["stacked_ae"][1]]
    show_row(
        [image / 255.0, *outputs],
        [t("common.input", caption=caption)] + [t("rec.caption", model=m, mse=e) for m, e in zip(titles, errors)],
        alts=[t("alt.input", caption=caption)]
        + [t("alt.reconstruction", input=caption, model=m, mse=e) for m, e in zip(titles, errors)],
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _layerwise(dataset: str, weights: tuple):
    """The comparison table's numbers on the committed sample: once per checkpoint pair."""
    x, _ = get_sample(dataset)
    greedy, whole = get_model(dataset, "layerwise_ae", quiet=True), get_model(dataset, "stacked_ae", quiet=True)
    return reconstruction.layerwise_comparison(greedy, whole, x)


SECTIONS = {
    "compare": side_by_side,
    "shapes": shapes,
    "pca": pca,
    "map": codings_map,
    "sparsity": sparsity,
    "upsampling": upsampling_vs_transpose,
    "pretraining": pretraining,
    "layerwise": layerwise,
    "overcomplete": overcomplete,
}
draw_sections("rec", SECTIONS)
