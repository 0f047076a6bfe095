"""Reconstruction: one input through every autoencoder, their shapes, PCA, codings and sparsity."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import analysis
from models.registry import TOY_DATASET, specs_for
from pages.ui.common import (CLASS_NAMES, get_model, image_input, models_or_warn, page_header, require_sample,
                          show_grid, show_image)

dataset = page_header("Reconstruction", """
An autoencoder squeezes an image through a small **code** and rebuilds it. Below, the same input goes
through every autoencoder of the zoo; the number under each is its mean squared error on *this* image.
Lower is better, and the size of the code and the kind of layers decide how low it can go.""")

names = [s.name for s in specs_for(dataset, "reconstruction")]
models = models_or_warn(dataset, names)
classifier = get_model(dataset, "classifier", quiet=True)


@st.fragment
def side_by_side():
    picked = image_input("rec", dataset)
    if picked is None or not models:
        return
    image, caption = picked
    results = analysis.reconstruct_all(models, image)
    pictures = np.stack([image / 255.0] + [r for r, _ in results.values()])
    seen_as = [""] * len(pictures)
    if classifier is not None:             # the classifier says what each picture looks like
        labels, confidence = analysis.label_images(classifier, pictures)
        seen_as = [f" · seen as {CLASS_NAMES[dataset][c]} ({p:.0%})" for c, p in zip(labels, confidence)]
    cols = st.columns(len(results) + 1)
    with cols[0]:
        show_image(image, caption=f"input: {caption}{seen_as[0]}")
    for col, (name, (rec, mse)), seen in zip(cols[1:], results.items(), seen_as[1:]):
        with col:
            show_image(rec, caption=f"{models[name].spec.title} · MSE {mse:.4f}{seen}")
    show_grid(pictures, len(pictures), None, f"reconstructions_{dataset}.png", "rec-grid")


side_by_side()

st.subheader("Shapes through each network")
if models:
    which = st.selectbox("Network", list(models), format_func=lambda n: models[n].spec.title, key="rec-shape")
    st.caption("Read a network the course's way: the data's shape after each layer, and the weights it learns.")
    st.dataframe(analysis.layer_table(models[which]), hide_index=True, width="stretch")


st.subheader("Linear autoencoder = PCA")
toy = get_model(TOY_DATASET, "linear_ae_3d")
if toy is not None:
    demo = analysis.pca_demo(toy)
    c1, c2 = st.columns([3, 2])
    fig = go.Figure()
    fig.add_scatter3d(x=demo.points[:, 0], y=demo.points[:, 1], z=demo.points[:, 2], mode="markers",
                      marker={"size": 3, "color": "#6C4CF1"}, name="data")
    fig.add_surface(x=demo.plane[0], y=demo.plane[1], z=demo.plane[2], opacity=0.35, showscale=False,
                    colorscale=[[0, "#F39C12"], [1, "#F39C12"]], name="AE plane")
    fig.update_layout(height=420, margin={"l": 0, "r": 0, "t": 30, "b": 0}, title="3-D data and the AE's plane")
    c1.plotly_chart(fig, key="pca-3d")
    fig2 = go.Figure()
    fig2.add_scatter(x=demo.codings[:, 0], y=demo.codings[:, 1], mode="markers", name="AE codings")
    fig2.add_scatter(x=demo.pca_codings[:, 0], y=demo.pca_codings[:, 1], mode="markers", name="PCA projection",
                     marker={"symbol": "x"})
    fig2.update_layout(height=420, title="2-D codings (AE vs PCA)", margin={"t": 30})
    c2.plotly_chart(fig2, key="pca-2d")
    metrics = toy.card.get("metrics", {})
    st.markdown(f"Principal angles between the decoder's plane and PCA's: **{', '.join(f'{a:.2f}°' for a in metrics.get('principal_angles_deg', []))}** "
                f"(0° = the same plane). Reconstruction MSE: AE {metrics.get('mse', float('nan')):.4f}, "
                f"PCA {metrics.get('pca_mse', float('nan')):.4f}.")
linear = models.get("linear_ae")
if linear is not None and "pca" in linear.card.get("metrics", {}):
    angles = linear.card["metrics"]["pca"]["principal_angles_deg"]
    st.caption(f"On {dataset} images (784 → {len(angles)}), the angles to PCA's top-{len(angles)} subspace are "
               f"{min(angles):.1f}°–{max(angles):.1f}° (mean {np.mean(angles):.1f}°): training by gradient descent gets "
               "close to PCA, closest on the high-variance directions.")


@st.cache_data(show_spinner=False, max_entries=32)
def _codings_2d(dataset: str, name: str) -> np.ndarray:
    return analysis.codings_2d(models[name], require_sample(dataset)[0])


@st.cache_data(show_spinner=False, max_entries=8)
def _sparsity(dataset: str, name: str) -> dict:
    return analysis.sparsity(models[name], require_sample(dataset)[0])


@st.fragment
def codings_map():
    st.subheader("Codings of the test sample")
    st.caption("Each dot is one test image's code, projected to 2-D with PCA and coloured by class. "
               "Click a dot to see the image and its reconstruction.")
    if not models:
        return
    x, y = require_sample(dataset)
    which = st.selectbox("Autoencoder", list(models), format_func=lambda n: models[n].spec.title, key="rec-map",
                         index=list(models).index("stacked_ae") if "stacked_ae" in models else 0)
    xy = _codings_2d(dataset, which)
    fig = go.Figure()
    for c in range(10):
        m = y == c
        fig.add_scatter(x=xy[m, 0], y=xy[m, 1], mode="markers", name=CLASS_NAMES[dataset][c],
                          customdata=np.flatnonzero(m), marker={"size": 6})
    fig.update_layout(height=480, margin={"t": 10}, legend={"itemsizing": "constant"})
    event = st.plotly_chart(fig, key=f"rec-map-{which}", on_select="rerun", selection_mode="points")
    points = event.selection.points if event and event.selection else []
    if points:
        i = int(points[0]["customdata"] if np.isscalar(points[0].get("customdata")) else points[0]["customdata"][0])
        c1, c2 = st.columns(2)
        with c1:
            show_image(x[i], caption=f"test image #{i} ({CLASS_NAMES[dataset][y[i]]})")
        with c2:
            show_image(models[which].reconstruct(x[i:i + 1] / 255.0)[0], caption="decoded from its code")


codings_map()

sparse = {n: m for n, m in models.items() if "sparse" in m.spec.tags}
if sparse:
    st.subheader("Sparse codings: L1 vs KL")
    st.caption("Activations of the 300 coding units over the test sample. Both penalties push most "
               "activations toward 0; the KL penalty aims each unit's *mean* activation at the 0.1 target.")
    cols = st.columns(len(sparse))
    for col, (name, model) in zip(cols, sparse.items()):
        stats = _sparsity(dataset, name)
        fig = go.Figure()
        fig.add_histogram(x=stats["activations"], nbinsx=50, name="all activations", histnorm="probability")
        fig.add_histogram(x=stats["unit_means"], nbinsx=50, name="mean per unit", histnorm="probability")
        fig.add_vline(x=0.1, line_dash="dash", annotation_text="target 0.1")
        fig.update_layout(barmode="overlay", height=320, title=model.spec.title, margin={"t": 40})
        fig.update_traces(opacity=0.65)
        col.plotly_chart(fig, key=f"sparse-{name}")
        col.caption(f"{stats['share_below']:.0%} of activations < 0.1 · {stats['share_units_in_band']:.0%} of units "
                    "have a mean activation in 0.1–0.2")
