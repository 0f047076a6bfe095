"""β-VAE: the same network at β = 1, 4, 10; perturb one latent dimension at a time."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import analysis
from models.registry import specs_for
from pages.ui.common import image_input, models_or_warn, page_header, show_grid, show_image

dataset = page_header("β-VAE", """
A β-VAE weighs the KL term of the VAE loss by **β**. The larger β, the more the model is pushed to use few
latent dimensions, each for one factor of variation. Slider *k* moves the *k*-th most used dimension of
each model (sorted by KL); dimensions with near-zero KL are switched off and change nothing.""")

models = models_or_warn(dataset, [s.name for s in specs_for(dataset, "beta")])
if not models:
    st.stop()
latent = min(m.latent_dim for m in models.values())


def _beta(name: str) -> float:
    return models[name].spec.recipe.beta


st.subheader("KL per dimension (test split)")
cols = st.columns(len(models))
for col, (name, model) in zip(cols, models.items()):
    metrics = model.card.get("metrics", {})
    kl = np.asarray(metrics.get("kl_per_dim", []))
    order = analysis.kl_order(model)
    fig = go.Figure(go.Bar(x=[f"z{d}" for d in order], y=kl[order] if len(kl) else [],
                           marker_color=["#6C4CF1" if v > 0.01 else "#BBBBBB" for v in kl[order]]))
    fig.update_layout(height=260, margin={"t": 40, "b": 10}, yaxis_title="nats",
                      title=f"β = {_beta(name):g}: {metrics.get('active_dims', '?')} active dims")
    col.plotly_chart(fig, key=f"bv-kl-{name}")


st.subheader("Move one latent at a time")
left, right = st.columns([1, 2])
with left:
    picked = image_input("bv", dataset)        # shared by the sliders and the traversal grids below
if picked is None:
    st.stop()
image, caption = picked


@st.fragment
def perturbation():
    st.caption("Offsets in prior standard deviations, applied to each model's dimensions in KL order.")
    slider_cols = st.columns(5)
    offsets = [slider_cols[k % 5].slider(f"#{k + 1}", -3.0, 3.0, 0.0, 0.25, key=f"bv-dim-{k}")
               for k in range(latent)]
    out_cols = st.columns(len(models) + 1)
    with out_cols[0]:
        show_image(image, caption=f"input: {caption}")
    for col, (name, model) in zip(out_cols[1:], models.items()):
        order = analysis.kl_order(model)
        moved = {int(order[k]): v for k, v in enumerate(offsets) if v}
        with col:
            show_image(analysis.perturb(model, image, moved), caption=f"β = {_beta(name):g}")


with right:
    perturbation()


@st.fragment
def traversals():
    st.subheader("Traversal grids")
    c1, c2 = st.columns(2)
    rows = c1.slider("Dimensions shown (most used first)", 1, latent, min(6, latent), key="bv-rows")
    steps = c2.slider("Values from −3σ to +3σ", 5, 13, 9, 2, key="bv-steps")
    values = np.linspace(-3, 3, steps, dtype=np.float32)
    cols = st.columns(len(models))
    for col, (name, model) in zip(cols, models.items()):
        dims = analysis.kl_order(model)[:rows]
        with col:
            show_grid(analysis.traversal(model, image, dims, values), steps,
                      f"β = {_beta(name):g}: rows z{', z'.join(map(str, dims))}",
                      f"traversal_{dataset}_beta{_beta(name):g}.png", f"bv-trav-{name}", factor=2)


traversals()
