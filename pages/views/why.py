"""Why generative models? Catch the outlier (your drawing on the test split's histogram), see where likelihood
fails and the fix, density not only samples, and the examples a dataset hides. Stored results from
``python -m training.outliers`` and ``python -m training.debias``; only a picked image is scored live."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from models.analysis import generation, outliers
from models.data import imaging
from models.registry import DATASET_TITLES
from pages.ui.i18n import class_names, labeler, model_title, t
from pages.ui.inputs import image_input
from pages.ui.layout import draw_sections, get_model, page_header, table, weights_of
from pages.ui.loaders import debias_results, outlier_results
from pages.ui.pictures import show_grid, show_image, show_picture

GAN_BESIDE = "cgan"  # conditional: it draws the very class whose most and least likely images are shown
dataset = page_header("why", lambda ds: [outliers.VAE, outliers.AUTOENCODER, GAN_BESIDE])
SET_COLOURS = {
    "test": "#6C4CF1",
    "other": "#d35400",
    "noise": "#7f7f7f",
    "letters": "#2ca02c",
    "flipped": "#1f77b4",
    "rotated": "#c2185b",
}
OUTLIERS_COMMAND = "python -m training.outliers --data-dir DIR"
DEBIAS_COMMAND = "python -m training.debias --data-dir DIR --threads 1"


def _set_name(result: dict, name: str) -> str:
    if name == "other":
        return t("why.set_other", dataset=DATASET_TITLES[result["other_dataset"]])
    if name == "test":
        return t("why.set_test", dataset=DATASET_TITLES[result["dataset"]])
    return t(f"why.set_{name}")


def _results(ds: str) -> dict | None:
    """The stored outlier results of ``ds``; if missing, a sentence with the command that builds them."""
    result = outlier_results(ds)
    if result is None:
        st.info(t("why.missing", what=DATASET_TITLES[ds], command=f"{OUTLIERS_COMMAND} --dataset {ds}"))
    return result


def histogram_figure(result: dict, score: str, sets: list[str], marker: float | None = None) -> go.Figure:
    """Each set's share of images per bin (steps over the shared bins); ``marker``: a picked image's score."""
    hist = result["histograms"][score]
    edges = hist["edges"]
    fig = go.Figure()
    top = 0.0
    for name in sets:
        counts = np.asarray(hist["counts"][name], np.float64)
        share = counts / max(counts.sum(), 1)
        top = max(top, float(share.max()))
        fig.add_scatter(
            x=edges,
            y=[*share, share[-1]],
            line={"shape": "hv", "color": SET_COLOURS[name], "width": 2},
            fill="tozeroy",
            opacity=0.5,
            mode="lines",
            name=_set_name(result, name),
        )
    if marker is not None:
        shown = min(max(marker, edges[0]), edges[-1])  # an image beyond the bins sits on the edge bar
        fig.add_scatter(
            x=[shown, shown],
            y=[0, top * 1.1],
            mode="lines+markers",
            line={"color": "#000000", "width": 3, "dash": "dash"},
            name=t("why.your_image"),
        )
    fig.update_layout(
        height=360,
        margin={"t": 20},
        xaxis={"title": t(f"why.score_{score}"), "type": "log" if hist["log"] else "linear"},
        yaxis={"title": t("why.share_axis"), "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def auroc_table(result: dict) -> None:
    sets = [s for s in result["sets"] if s != "test"]
    rows = [
        {
            t("why.score_column"): t(f"why.score_{score}"),
            **{_set_name(result, s): result["auroc"][score][s] for s in sets},
        }
        for score in result["scores"]
    ]
    table(rows, hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=256)
def _live_scores(dataset: str, image: np.ndarray, weights: tuple) -> dict[str, float] | None:
    """Every score of one image (once per image, however many students pick it); None without the models."""
    vae = get_model(dataset, outliers.VAE, quiet=True)
    autoencoder = get_model(dataset, outliers.AUTOENCODER, quiet=True)
    if vae is None or autoencoder is None:
        return None
    return {k: float(v[0]) for k, v in outliers.score_images(vae, autoencoder, image[None]).items()}


def bar_lines(result: dict) -> None:
    """Issue #35's bars stored with the result, each marked ✓ met or ✗ missed."""
    for bar in result.get("bars", []):
        st.markdown(
            t(
                "why.bar_line",
                mark="✓" if bar["met"] else "✗",
                score=t(f"why.score_{bar['score']}"),
                set=_set_name(result, bar["set"]),
                auroc=bar["auroc"],
                at_least=bar["at_least"],
            )
        )


def outlier_section() -> None:
    st.header(t("why.out_title"))
    st.caption(t("why.out_help"))
    result = _results(dataset)
    if result is None:
        return
    score = st.segmented_control(
        t("why.score"),
        result["scores"],
        default="neg_elbo",
        key="why-score",
        format_func=labeler("why.score_"),
        required=True,
    )
    st.caption(t(f"why.score_{score}_help"))
    # The picker beside the histogram: a drawing and where it lands are in view together.
    left, right = st.columns([2, 3])
    marker = None
    with left:
        picked = image_input("why", dataset)
        if picked is not None:
            image, caption = picked
            if st.session_state.get("why-source") in ("sample", "random"):  # drawings and uploads show themselves
                show_image(image, caption=t("common.input", caption=caption), alt=t("alt.input", caption=caption))
            vae = get_model(dataset, outliers.VAE)
            autoencoder = get_model(dataset, outliers.AUTOENCODER)
            scores = _live_scores(dataset, image, weights_of(vae, autoencoder))
            if scores is not None:
                marker = scores[score]
                percentile = outliers.percentile_of(marker, result["test_percentiles"][score])
                name = outliers.verdict(percentile)
                st.metric(
                    t("why.your_score", caption=caption), f"{marker:,.4g}", t(f"why.verdict_{name}"), delta_color="off"
                )
                st.markdown(t("why.placed", percentile=percentile, verdict=t(f"why.verdict_{name}")))
    with right:
        st.plotly_chart(histogram_figure(result, score, result["sets"], marker), key="why-histogram")
        st.caption(t("why.hist_alt", score=t(f"why.score_{score}"), dataset=DATASET_TITLES[dataset]))
    st.subheader(t("why.auroc_title"))
    st.caption(t("why.auroc_help", samples=result["importance_samples"]))
    auroc_table(result)
    bar_lines(result)


def failure_section() -> None:
    st.header(t("why.fail_title"))
    result = _results("fashion_mnist")
    if result is None:
        return
    raw, fixed = result["auroc"]["neg_elbo"]["other"], result["auroc"]["corrected"]["other"]
    c1, c2, c3 = st.columns(3)
    c1.metric(t("why.fail_raw"), f"{raw:.3f}")
    c2.metric(t("why.fail_fixed"), f"{fixed:.3f}", f"{fixed - raw:+.3f}")
    medians = result["medians"]["neg_elbo"]
    c3.metric(t("why.fail_medians"), f"{medians['other']:.0f} / {medians['test']:.0f}")
    which = st.segmented_control(
        t("why.fail_score"),
        ["neg_elbo", "complexity", "corrected"],
        default="neg_elbo",
        key="why-fail-score",
        format_func=labeler("why.score_"),
        required=True,
    )
    st.plotly_chart(histogram_figure(result, which, ["test", "other"]), key="why-fail-histogram")
    st.caption(t("why.fail_alt", score=t(f"why.score_{which}")))
    st.markdown(t("why.fail_why", raw=raw, fixed=fixed, noise=result["auroc"]["corrected"]["noise"]))
    bar_lines(result)


def _strip(png: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))))


def _enlarged(strip: np.ndarray, factor: int = 3) -> np.ndarray:
    return np.repeat(np.repeat(strip, factor, 0), factor, 1)


@st.cache_data(show_spinner=False, max_entries=64)
def _gan_strip(dataset: str, label: int, weights: tuple) -> np.ndarray:
    """Eight of the conditional GAN's samples of ``label`` in a row (fixed noise: the same row every time)."""
    gan = get_model(dataset, GAN_BESIDE, quiet=True)
    samples = imaging.to_uint8(generation.gan_grid(gan, 8, 35, None, label))
    return np.concatenate(list(samples), axis=1)


def density_section() -> None:
    st.header(t("why.density_title"))
    st.caption(t("why.density_help", model=model_title(outliers.VAE)))
    result = _results(dataset)
    if result is None:
        return
    names = class_names(dataset)
    label = st.pills(
        t("input.class"),
        range(10),
        default=0,
        format_func=lambda i: f"{i}: {names[i]}",
        key="why-class",
        required=True,
    )
    for kind in ("most_likely", "least_likely"):
        entry = result["extremes"][str(label)][kind]
        values = ", ".join(f"{v:.0f}" for v in entry["neg_elbo"])
        text = t(f"why.{kind}", name=names[label], values=values)
        show_picture(_enlarged(_strip(entry["png"])), text, alt=text)
    gan = get_model(dataset, GAN_BESIDE)
    if gan is not None:
        text = t("why.gan_samples", model=model_title(GAN_BESIDE), name=names[label])
        show_picture(_enlarged(_gan_strip(dataset, label, weights_of(gan))), text, alt=text)
    st.info(t("why.gan_no_number"))


def debias_section() -> None:
    st.header(t("why.debias_title"))
    st.caption(t("why.debias_help"))
    result = debias_results()
    if result is None:
        st.info(t("why.debias_missing", command=DEBIAS_COMMAND))
        return
    group = t(f"why.group_{result['group']}")
    st.markdown(
        t(
            "why.debias_setup",
            group=group,
            share=result["rare_share"],
            n=result["rare_images"],
            total=result["training_images"],
        )
    )
    acc = result["accuracy"]
    rows = [
        {
            t("why.method_column"): t(f"why.method_{method}"),
            **{
                t(f"why.acc_{g}", group=group): t(
                    "why.mean_spread", mean=acc[method][g]["mean"], std=acc[method][g]["std"]
                )
                for g in ("common", "rare")
            },
            t("why.gap_column"): f"{result['gap_points'][method]:.1f}",
        }
        for method in ("plain", "resampled")
    ]
    table(rows, hide_index=True, width="stretch")
    st.caption(t("why.seeds", seeds=len(result["seeds"])))
    ok, bad = "✓", "✗"
    bars = result["bars"]
    st.markdown(
        t(
            "why.debias_rarest",
            rarest=result["rarest_share_inspected"],
            found=result["rare_share_in_rarest"],
            base=result["base_rate"],
            ratio=result["rarest_ratio"],
            mark=ok if bars["rarest_ratio"] else bad,
        )
    )
    st.markdown(
        t(
            "why.debias_closed",
            closed=result["gap_closed"],
            cost=result["common_cost_points"],
            mark_closed=ok if bars["gap_closed"] else bad,
            mark_cost=ok if bars["common_cost_points"] else bad,
        )
    )
    st.caption(
        t(
            "why.debias_alpha",
            alpha=result["alpha"],
            ess=result["effective_sample_size"],
            total=result["training_images"],
            drawn=result["rare_share_of_draws"],
        )
    )
    images = np.asarray(result["rarest_images"], np.uint8)
    flags = "".join("●" if r else "○" for r in result["rarest_is_rare"])
    show_grid(
        images,
        8,
        t("why.rarest_caption", flags=flags),
        "rarest_training_images.png",
        "why-rarest",
        alt=t("why.rarest_alt", n=len(images), hidden=sum(result["rarest_is_rare"]), group=group),
    )
    if result["group"] == "inverted":  # the caveat is about this group and the two that failed beside it
        st.info(t("why.debias_caveat"))


SECTIONS = {
    "outliers": outlier_section,
    "failure": failure_section,
    "density": density_section,
    "debias": debias_section,
}
draw_sections("why", SECTIONS)
