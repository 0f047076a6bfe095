"""GAN: sample the DCGAN and the conditional GAN, interpolate, truncate, and look for mode collapse."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import analysis
from models.checkpoints import checkpoint_paths
from models.registry import specs_for
from pages.ui.common import CLASS_NAMES, get_model, gif_download, models_or_warn, page_header, require_sample, show_grid

dataset = page_header("GAN", """
A **generator** turns random noise into images; a **discriminator** learns to tell them from real ones, and
each improves against the other. The conditional GAN also takes the class you ask for. **Truncation**
redraws extreme noise values: samples get cleaner but less varied.""")

models = models_or_warn(dataset, [s.name for s in specs_for(dataset, "gan")])
classifier = get_model(dataset, "classifier")
if not models:
    st.stop()
names = CLASS_NAMES[dataset]
choice = st.segmented_control("Model", list(models), format_func=lambda n: models[n].spec.title,
                              default=list(models)[0], key="gan-model", required=True)
model = models[choice]


@st.fragment
def samples():
    c1, c2, c3, c4 = st.columns(4)
    seed = int(c1.number_input("Seed", 0, 100_000, 0, key="gan-seed"))
    n = c2.select_slider("Samples", [8, 16, 32, 64], 32, key="gan-n")
    truncation = c3.slider("Truncation (|z| ≤ t; 3 = off)", 0.5, 3.0, 3.0, 0.25, key="gan-trunc")
    label = None
    if model.conditional:
        label = c4.selectbox("Class", range(10), format_func=lambda i: f"{i}: {names[i]}", key="gan-label")
    images = analysis.gan_grid(model, n, seed, truncation if truncation < 3.0 else None, label)
    show_grid(images, 16 if n >= 16 else n, None, f"{choice}_{dataset}_seed{seed}.png", "gan-grid")


samples()


@st.fragment
def interpolation():
    st.subheader("Walk between two seeds")
    c1, c2, c3 = st.columns(3)
    a = int(c1.number_input("From seed", 0, 100_000, 1, key="gan-a"))
    b = int(c2.number_input("To seed", 0, 100_000, 2, key="gan-b"))
    steps = c3.slider("Steps", 3, 16, 10, key="gan-steps")
    label = st.session_state.get("gan-label") if model.conditional else None
    frames = analysis.seed_interpolation(model, a, b, steps, label)
    show_grid(frames, steps, "spherical interpolation in noise space", f"{choice}_walk_{a}_{b}.png", "gan-walk")
    gif_download(frames, f"{choice}_walk_{a}_{b}.gif", "gan-gif")


interpolation()

if model.conditional:
    st.subheader("One noise vector, every class")
    seed = int(st.number_input("Noise seed", 0, 100_000, 7, key="gan-class-seed"))
    show_grid(analysis.all_classes(model, seed, None), 10, " · ".join(names), f"cgan_all_classes_{seed}.png",
              "gan-classes")


@st.fragment
def diagnostics():
    st.subheader("Is it fooling anyone? Is it collapsing?")
    x, y = require_sample(dataset)
    batch = int(st.select_slider("Batch size", [100, 250, 500, 1000], 500, key="gan-diag-n"))
    seed = int(st.number_input("Batch seed", 0, 100_000, 0, key="gan-diag-seed"))
    labels = np.arange(batch) % 10 if model.conditional else None
    fake = model.generate(model.noise(batch, seed), labels)
    d_fake, d_real = analysis.discriminator_scores(model, fake, x[:batch], y[:batch], labels)
    c1, c2 = st.columns(2)
    fig = go.Figure()
    fig.add_histogram(x=d_real, name="real test images", opacity=0.65, nbinsx=30)
    fig.add_histogram(x=d_fake, name="generated", opacity=0.65, nbinsx=30)
    fig.update_layout(barmode="overlay", height=320, title="Discriminator's P(real)", margin={"t": 40})
    c1.plotly_chart(fig, key="gan-d")
    if classifier is not None:
        shares = analysis.class_shares(classifier, fake)
        fig2 = go.Figure(go.Bar(x=names, y=shares, marker_color=["#E74C3C" if s < 0.05 else "#6C4CF1" for s in shares]))
        fig2.add_hline(y=0.1, line_dash="dash", annotation_text="uniform")
        fig2.update_layout(height=320, title="Classes the classifier sees in the batch", margin={"t": 40},
                           yaxis_tickformat=".0%")
        c2.plotly_chart(fig2, key="gan-classes-hist")
        c2.caption("A bar near zero means the generator stopped producing that class: mode collapse.")


diagnostics()


@st.fragment
def timeline():
    st.subheader("Training timeline")
    path = checkpoint_paths(dataset, choice)["progress"]
    if not path.exists():
        st.info(f"No per-epoch sample grid saved for this model ({path}).")
        return
    frames = analysis.progress_frames(path.read_bytes())
    epoch = st.slider("Epoch", 1, len(frames), len(frames), key=f"gan-epoch-{choice}")
    show_grid(frames[epoch - 1][None] / 255.0, 1, f"the same 20 noise vectors after epoch {epoch}",
              f"{choice}_epoch{epoch}.png", "gan-epoch", factor=3)
    gif_download(frames, f"{choice}_training.gif", "gan-train-gif")


timeline()
