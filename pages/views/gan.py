"""GAN: sample the DCGAN and the conditional GAN, interpolate, truncate, and look for mode collapse."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import analysis
from models.registry import specs_for
from pages.ui.i18n import class_names, labeler, t
from pages.ui.layout import get_model, models_or_warn, page_header, require_sample
from pages.ui.pictures import gif_download, show_grid

dataset = page_header("gan", lambda ds: [s.name for s in specs_for(ds, "gan")] + ["classifier"])
models = models_or_warn(dataset, [s.name for s in specs_for(dataset, "gan")])
if not models:
    st.stop()
names = class_names(dataset)
choice = st.segmented_control(
    t("gan.model"),
    list(models),
    format_func=labeler("models.", ".title"),
    default=list(models)[0],
    key="gan-model",
    required=True,
)
model = models[choice]
classifier = get_model(dataset, "classifier", quiet=True)


@st.fragment
def samples():
    c1, c2, c3, c4 = st.columns(4)
    seed = int(c1.number_input(t("gan.seed"), 0, 100_000, 0, key="gan-seed"))
    n = c2.select_slider(t("gan.samples"), [8, 16, 32, 64], 32, key="gan-n")
    truncation = c3.slider(t("gan.truncation"), 0.5, 3.0, 3.0, 0.25, key="gan-trunc")
    label = None
    if model.conditional:
        label = c4.selectbox(t("gan.class"), range(10), format_func=lambda i: f"{i}: {names[i]}", key="gan-label")
    images = analysis.gan_grid(model, n, seed, truncation if truncation < 3.0 else None, label)
    grid_col, score_col = st.columns([4, 1])
    with grid_col:
        show_grid(images, 16 if n >= 16 else n, None, f"{choice}_{dataset}_seed{seed}.png", "gan-grid")
    if classifier is not None:
        share = analysis.gan_confidence(classifier, images)
        score_col.metric(t("gan.confident_metric"), f"{share:.0%}")
        score_col.caption(t("gan.confident_help", n=n))


samples()


@st.fragment
def interpolation():
    st.subheader(t("gan.walk_title"))
    c1, c2, c3 = st.columns(3)
    a = int(c1.number_input(t("gan.from_seed"), 0, 100_000, 1, key="gan-a"))
    b = int(c2.number_input(t("gan.to_seed"), 0, 100_000, 2, key="gan-b"))
    steps = c3.slider(t("gan.steps"), 3, 16, 10, key="gan-steps")
    label = st.session_state.get("gan-label") if model.conditional else None
    frames = analysis.seed_interpolation(model, a, b, steps, label)
    show_grid(frames, steps, t("gan.walk_caption"), f"{choice}_walk_{a}_{b}.png", "gan-walk")
    gif_download(frames, f"{choice}_walk_{a}_{b}.gif", "gan-gif")


interpolation()

if model.conditional:
    st.subheader(t("gan.every_class_title"))
    seed = int(st.number_input(t("gan.noise_seed"), 0, 100_000, 7, key="gan-class-seed"))
    show_grid(
        analysis.all_classes(model, seed, None), 10, " · ".join(names), f"cgan_all_classes_{seed}.png", "gan-classes"
    )


@st.fragment
def diagnostics():
    st.subheader(t("gan.diag_title"))
    x, y = require_sample(dataset)
    batch = int(st.select_slider(t("gan.batch"), [100, 250, 500, 1000], 500, key="gan-diag-n"))
    seed = int(st.number_input(t("gan.batch_seed"), 0, 100_000, 0, key="gan-diag-seed"))
    labels = np.arange(batch) % 10 if model.conditional else None
    fake = model.generate(model.noise(batch, seed), labels)
    d_fake, d_real = analysis.discriminator_scores(model, fake, x[:batch], y[:batch], labels)
    c1, c2 = st.columns(2)
    fig = go.Figure()
    fig.add_histogram(x=d_real, name=t("gan.real_images"), opacity=0.65, nbinsx=30)
    fig.add_histogram(x=d_fake, name=t("gan.generated"), opacity=0.65, nbinsx=30)
    fig.update_layout(barmode="overlay", height=320, title=t("gan.d_title"), margin={"t": 40})
    c1.plotly_chart(fig, key="gan-d")
    if classifier is not None:
        shares = analysis.class_shares(classifier, fake)
        fig2 = go.Figure(go.Bar(x=names, y=shares, marker_color=["#E74C3C" if s < 0.05 else "#6C4CF1" for s in shares]))
        fig2.add_hline(y=0.1, line_dash="dash", annotation_text=t("gan.uniform"))
        fig2.update_layout(height=320, title=t("gan.classes_title"), margin={"t": 40}, yaxis_tickformat=".0%")
        c2.plotly_chart(fig2, key="gan-classes-hist")
        c2.caption(t("gan.collapse_help"))


diagnostics()


@st.fragment
@st.cache_data(show_spinner=False, max_entries=8)
def _timeline(dataset: str, name: str, weights_sha256: str):
    """The per-epoch frames, read once per checkpoint (the epoch slider only picks one)."""
    return analysis.training_timeline(get_model(dataset, name, quiet=True))


def timeline():
    st.subheader(t("gan.timeline_title"))
    frames = _timeline(dataset, choice, model.card.get("weights_sha256", ""))
    if frames is None:
        st.info(t("gan.no_timeline"))
        return
    epoch = st.slider(t("gan.epoch"), 1, len(frames), len(frames), key=f"gan-epoch-{choice}")
    show_grid(
        frames[epoch - 1][None] / 255.0,
        1,
        t("gan.epoch_caption", epoch=epoch),
        f"{choice}_epoch{epoch}.png",
        "gan-epoch",
        factor=3,
    )
    gif_download(frames, f"{choice}_training.gif", "gan-train-gif")


timeline()
