"""GAN: sample the DCGAN and the conditional GAN, interpolate, truncate, look for mode collapse; CycleGAN, and
pix2pix beside it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import generation
from models.registry import specs_for
from pages.ui.i18n import class_names, labeler, model_title, t
from pages.ui.inputs import image_input
from pages.ui.latent_play import latent_scrub
from pages.ui.layout import RUNS, draw_sections, get_model, page_header, require_sample, weights_of
from pages.ui.loaders import get_sample, model_status
from pages.ui.pictures import gif_download, show_grid, show_image
from pages.ui.rooms import fragment

# The first tab's models; the CycleGAN (last tab) loads with the rest of the dataset once the page has drawn.
dataset = page_header("gan", lambda ds: [s.name for s in specs_for(ds, "gan")] + ["classifier"])
# The choice lists the GANs whose cards are there; only the chosen one is waited for (the first picture does not
# wait for the other GAN). A missing or broken one gets its warning and rebuild command from get_model.
gans = [s.name for s in specs_for(dataset, "gan")]
present = [n for n in gans if model_status(dataset, n)[0]]
for missing in (n for n in gans if n not in present):
    get_model(dataset, missing)
if not present:
    st.stop()
names = class_names(dataset)
choice = st.segmented_control(
    t("gan.model"),
    present,
    format_func=labeler("models.", ".title"),
    default=present[0],
    key="gan-model",
    required=True,
)
model = get_model(dataset, choice)
if model is None:
    st.stop()


def _classifier():
    """The dataset's classifier, asked for only where a section uses it (the grid does not wait for it)."""
    return get_model(dataset, "classifier", quiet=True)


@st.cache_data(show_spinner=False, max_entries=128)
def _samples(
    dataset: str, name: str, n: int, seed: int, truncation: float | None, label: int | None, weights: tuple
) -> np.ndarray:
    """A grid of samples, once per setting: when a class tries the seed the lecturer named, the server computes
    it once, not per student."""
    return generation.gan_grid(get_model(dataset, name, quiet=True), n, seed, truncation, label).astype(np.float32)


@st.cache_data(show_spinner=False, max_entries=128)
def _confidence(images: np.ndarray, dataset: str, weights: tuple) -> float | None:
    """The share of ``images`` the classifier is sure of (None without one); asked after the grid is drawn, so
    the pictures do not wait for the classifier."""
    classifier = get_model(dataset, "classifier", quiet=True)
    return None if classifier is None else generation.gan_confidence(classifier, images)


@fragment
def samples():
    c1, c2, c3, c4 = st.columns(4)
    seed = int(c1.number_input(t("gan.seed"), 0, 100_000, 0, key="gan-seed"))
    n = c2.select_slider(t("gan.samples"), [8, 16, 32, 64], 32, key="gan-n")
    truncation = c3.slider(t("gan.truncation"), 0.5, 3.0, 3.0, 0.25, key="gan-trunc")
    label = None
    if model.conditional:
        label = c4.selectbox(t("gan.class"), range(10), format_func=lambda i: f"{i}: {names[i]}", key="gan-label")
    truncation = truncation if truncation < 3.0 else None
    images = _samples(dataset, choice, n, seed, truncation, label, weights_of(model))
    grid_col, score_col = st.columns([4, 1])
    with grid_col:
        what = t("alt.gan_class", name=names[label]) if label is not None else ""
        show_grid(
            images,
            16 if n >= 16 else n,
            None,
            f"{choice}_{dataset}_seed{seed}.png",
            "gan-grid",
            alt=t("alt.gan_grid", n=n, model=model_title(choice), seed=seed, what=what),
        )
    share = _confidence(images, dataset, weights_of(_classifier()))
    if share is not None:
        score_col.metric(t("gan.confident_metric"), f"{share:.0%}")
        score_col.caption(t("gan.confident_help", n=n))
    if model.conditional:
        every_class()


@fragment
def interpolation():
    st.header(t("gan.walk_title"))
    c1, c2, c3 = st.columns(3)
    a = int(c1.number_input(t("gan.from_seed"), 0, 100_000, 1, key="gan-a"))
    b = int(c2.number_input(t("gan.to_seed"), 0, 100_000, 2, key="gan-b"))
    steps = c3.slider(t("gan.steps"), 3, 16, 10, key="gan-steps")
    label = st.session_state.get("gan-label") if model.conditional else None
    za, zb = model.noise(1, a)[0], model.noise(1, b)[0]
    released = latent_scrub(f"gan-scrub-{choice}", model, za, zb, 0.5, t("gan.scrub_caption"))
    if released is None:
        st.caption(t("gan.scrub_fallback"))
    else:
        st.caption(t("gan.scrub_help"))
        show_image(
            generation.walk_point(model, za, zb, released, label),
            t("gan.scrub_released", t=released),
            4,
            alt=t("alt.gan_walk_point", model=model_title(choice), t=released, a=a, b=b),
        )
    frames = generation.seed_interpolation(model, a, b, steps, label)
    walk = t("alt.gan_walk", steps=steps, model=model_title(choice), a=a, b=b)
    show_grid(frames, steps, t("gan.walk_caption"), f"{choice}_walk_{a}_{b}.png", "gan-walk", alt=walk)
    gif_download(frames, f"{choice}_walk_{a}_{b}.gif", "gan-gif", alt=walk)


def every_class() -> None:
    """The conditional GAN: one noise vector, every class asked for."""
    st.header(t("gan.every_class_title"))
    seed = int(st.number_input(t("gan.noise_seed"), 0, 100_000, 7, key="gan-class-seed"))
    show_grid(
        generation.all_classes(model, seed, None),
        10,
        " · ".join(names),
        f"cgan_all_classes_{seed}.png",
        "gan-classes",
        alt=t("alt.gan_classes", seed=seed, names=", ".join(names)),
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _diagnostics(dataset: str, name: str, batch: int, seed: int, weights: tuple):
    """(D on generated, D on real, classifier's class shares or None) for one generated batch: cached, since
    the page's other controls rerun this section too."""
    model, classifier = get_model(dataset, name, quiet=True), get_model(dataset, "classifier", quiet=True)
    x, y = get_sample(dataset)  # checked by the caller (require_sample), outside the cache
    labels = np.arange(batch) % 10 if model.conditional else None
    fake = model.generate(model.noise(batch, seed), labels)
    d_fake, d_real = generation.discriminator_scores(model, fake, x[:batch], y[:batch], labels)
    return d_fake, d_real, None if classifier is None else generation.class_shares(classifier, fake)


@fragment
def diagnostics():
    st.header(t("gan.diag_title"))
    require_sample(dataset)
    batch = int(st.select_slider(t("gan.batch"), [100, 250, 500, 1000], 500, key="gan-diag-n"))
    seed = int(st.number_input(t("gan.batch_seed"), 0, 100_000, 0, key="gan-diag-seed"))
    d_fake, d_real, shares = _diagnostics(dataset, choice, batch, seed, weights_of(model, _classifier()))
    c1, c2 = st.columns(2)
    fig = go.Figure()
    fig.add_histogram(x=d_real, name=t("gan.real_images"), opacity=0.65, nbinsx=30)
    fig.add_histogram(x=d_fake, name=t("gan.generated"), opacity=0.65, nbinsx=30)
    fig.update_layout(barmode="overlay", height=320, title=t("gan.d_title"), margin={"t": 40})
    c1.plotly_chart(fig, key="gan-d")
    if shares is not None:
        fig2 = go.Figure(go.Bar(x=names, y=shares, marker_color=["#E74C3C" if s < 0.05 else "#6C4CF1" for s in shares]))
        fig2.add_hline(y=0.1, line_dash="dash", annotation_text=t("gan.uniform"))
        fig2.update_layout(height=320, title=t("gan.classes_title"), margin={"t": 40}, yaxis_tickformat=".0%")
        c2.plotly_chart(fig2, key="gan-classes-hist")
        c2.caption(t("gan.collapse_help"))


@st.cache_data(show_spinner=False, max_entries=8)
def _timeline(dataset: str, name: str, weights: tuple):
    """The per-epoch frames, read once per checkpoint (the epoch slider only picks one)."""
    return generation.training_timeline(get_model(dataset, name, quiet=True))


@fragment
def timeline():
    st.header(t("gan.timeline_title"))
    frames = _timeline(dataset, choice, weights_of(model))
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
        alt=t("alt.gan_epoch", model=model_title(choice), epoch=epoch),
    )
    gif_download(frames, f"{choice}_training.gif", "gan-train-gif", alt=t("alt.gan_epochs", model=model_title(choice)))


CYCLE_DATASET = "mnist"  # the CycleGAN's two styles are made from MNIST handwriting (models/nets/cyclegan.py)


@fragment
def cyclegan() -> None:
    st.header(t("gan.cycle_title"))
    st.markdown(t("gan.cycle_intro"))
    translator = get_model(CYCLE_DATASET, "cyclegan")
    if translator is None:
        return
    if dataset != CYCLE_DATASET:
        st.caption(t("gan.cycle_mnist_only"))
    left, right = st.columns([2, 3])
    with left:
        picked = image_input("cg", CYCLE_DATASET)
        to = st.segmented_control(
            t("gan.cycle_direction"),
            ["bold", "regular"],
            format_func=labeler("gan.cycle_to_"),
            default="bold",
            key="cg-to",
            required=True,
        )
    if picked is None:
        return
    image, caption = picked
    trip = generation.cycle_round_trip(translator, image, to)
    back_to = "regular" if to == "bold" else "bold"
    with right:
        cols = st.columns(3)
        captions = (
            t("gan.cycle_source", style=t(f"gan.cycle_style_{back_to}"), caption=caption),
            t("gan.cycle_there", style=t(f"gan.cycle_style_{to}")),
            t("gan.cycle_back", style=t(f"gan.cycle_style_{back_to}")),
        )
        for col, picture, text in zip(cols, (trip.source, trip.there, trip.back), captions):
            with col:
                show_image(picture, text, alt=t("alt.cycle", caption=text))
        st.metric(t("gan.cycle_error"), f"{trip.cycle_l1:.3f}")
        metrics = translator.card.get("metrics", {})
        if metrics:
            st.caption(
                t(
                    "gan.cycle_card",
                    cycle=metrics["cycle_l1"],
                    kept=metrics["class_kept"],
                    to_bold=metrics["translation_l1_to_bold"],
                    unchanged=metrics["unchanged_l1"],
                )
            )
    curves = generation.cyclegan_curves(translator.card)
    if curves:
        epochs = float(translator.card.get("epochs", 1))
        fig = go.Figure()
        for name, values in curves.items():
            x = np.arange(1, len(values) + 1) * epochs / len(values)
            fig.add_scatter(x=x, y=values, mode="lines+markers", name=t(f"gan.cycle_loss_{name}"))
        fig.update_layout(
            height=320,
            margin={"t": 40},
            title=t("gan.cycle_curves"),
            xaxis_title=t("gan.cycle_epochs"),
            yaxis={"type": "log"},
        )
        st.plotly_chart(fig, key="cg-curves")


@st.fragment
@RUNS.guarded
def paired() -> None:
    """Pairs vs no pairs: pix2pix, trained on (digit, its bold twin) pairs, beside the CycleGAN that had none."""
    st.header(t("gan.p2p_title"))
    st.markdown(t("gan.p2p_text"))
    pix, cycle = get_model(CYCLE_DATASET, "pix2pix"), get_model(CYCLE_DATASET, "cyclegan")
    if pix is None or cycle is None:
        return
    rows, bar = generation.paired_vs_unpaired(pix.card, cycle.card)
    head = [t(f"gan.p2p_{c}") for c in ("model", "to_bold", "to_regular", "kept", "seconds")]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|---:|---:|"]
    for row in rows:
        seconds = "—" if row.seconds is None else f"{row.seconds:,.0f}"
        lines.append(
            f"| {model_title(row.name)} | {row.l1_to_bold:.4f} | {row.l1_to_regular:.4f} | {row.kept:.1%} | {seconds} |"
        )
    st.markdown("\n".join(lines))
    (ratio, ratio_ok), (kept, kept_ok) = bar["l1_ratio"], bar["kept"]
    st.markdown(
        t(
            "gan.p2p_bar",
            ratio=ratio,
            ratio_bar=generation.PAIRED_L1_RATIO,
            ratio_mark="✓" if ratio_ok else "✗",
            kept=kept,
            kept_bar=generation.PAIRED_KEPT,
            kept_mark="✓" if kept_ok else "✗",
        )
    )
    picked = image_input("p2p", CYCLE_DATASET)
    if picked is None:
        return
    image, caption = picked
    truth, made = generation.translate_to_bold({"pix2pix": pix, "cyclegan": cycle}, image)
    cols = st.columns(4)
    pictures = [(image / 255.0, t("gan.cycle_source", style=t("gan.cycle_style_regular"), caption=caption))]
    pictures.append((truth, t("gan.p2p_truth")))
    pictures += [(out, t("gan.p2p_made", model=model_title(n), l1=l1)) for n, (out, l1) in made.items()]
    for col, (picture, text) in zip(cols, pictures):
        with col:
            show_image(picture, text, alt=t("alt.p2p", caption=text))


def minimax() -> None:
    """The lecture's objective, and why the generator here trains with the non-saturating loss."""
    st.header(t("gan.minimax_title"))
    st.latex(t("gan.minimax_formula"))
    st.markdown(t("gan.minimax_text"))
    curves = generation.generator_loss_curves()
    fig = go.Figure()
    for name in ("saturating", "non_saturating"):
        fig.add_scatter(x=curves["d"], y=curves[name], mode="lines", name=t(f"gan.minimax_{name}"))
    for name in ("saturating", "non_saturating"):
        fig.add_scatter(
            x=curves["d"],
            y=curves[f"grad_{name}"],
            mode="lines",
            line={"dash": "dot"},
            name=t(f"gan.minimax_grad_{name}"),
        )
    fig.update_layout(
        height=340, margin={"t": 40}, title=t("gan.minimax_chart"), xaxis_title=t("gan.minimax_axis"),
        yaxis={"range": [-5, 5]}, legend={"orientation": "h", "y": -0.3},
    )  # fmt: skip
    st.plotly_chart(fig, key="gan-minimax")


SECTIONS = {
    "samples": samples,
    "walk": interpolation,
    "diagnostics": diagnostics,
    "timeline": timeline,
    "cyclegan": cyclegan,
    "pix2pix": paired,
    "minimax": minimax,
}
draw_sections("gan", SECTIONS)
