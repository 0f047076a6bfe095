"""Denoising: corrupt an image, watch two denoising autoencoders and a classical filter clean it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models.analysis import denoising
from models.data.noise import NOISE_TYPES
from models.registry import specs_for
from pages.ui.i18n import labeler, model_title, t
from pages.ui.inputs import image_input
from pages.ui.layout import draw_sections, get_model, models_or_warn, page_header, require_sample, weights_of
from pages.ui.pictures import download_grid, show_row
from pages.ui.rooms import fragment

NOISE_RANGES = {"gaussian": (0.0, 1.0, 0.55), "masking": (0.0, 0.9, 0.5), "salt_pepper": (0.0, 0.6, 0.2)}

dataset = page_header("dn", lambda ds: [s.name for s in specs_for(ds, "denoising")])
names = [s.name for s in specs_for(dataset, "denoising")]


def _label(name: str) -> str:
    """A denoiser's title, or the translated name of the row's other entries (noisy input, median filter)."""
    return model_title(name) if name in names else t(f"dn.row.{name}")


@st.cache_data(show_spinner=False, max_entries=256)
def _denoised(
    dataset: str, names: tuple[str, ...], image: np.ndarray, kind: str, level: float, seed: int, weights: tuple
) -> dict[str, tuple[np.ndarray, float, float]]:
    """The noisy input, each denoiser's output and the median filter's, with PSNR and SSIM: once per setting."""
    return denoising.denoise_row({n: get_model(dataset, n, quiet=True) for n in names}, image, kind, level, seed)


@fragment
def denoise_one():
    picked = image_input("dn", dataset)
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(t("dn.noise_type"), NOISE_TYPES, format_func=labeler("dn.noise."), key="dn-kind")
    lo, hi, default = NOISE_RANGES[kind]
    level = c2.slider(t("dn.noise_level"), lo, hi, default, 0.05, key=f"dn-level-{kind}")
    seed = c3.number_input(t("dn.noise_seed"), 0, 10_000, 0, key="dn-seed")
    models = models_or_warn(dataset, names)
    if picked is None or not models:
        return
    image, caption = picked
    row = _denoised(dataset, tuple(models), image, kind, level, int(seed), weights_of(*models.values()))
    pictures = np.stack([image / 255.0] + [v[0] for v in row.values()])
    show_row(
        list(pictures),
        [t("dn.clean", caption=caption)]
        + [t("dn.caption", title=_label(label), psnr=psnr, ssim=ssim) for label, (_, psnr, ssim) in row.items()],
        alts=[t("alt.input", caption=caption)]
        + [
            t(
                "alt.denoised",
                title=_label(label),
                input=caption,
                noise=t(f"dn.noise.{kind}"),
                level=level,
                psnr=psnr,
                ssim=ssim,
            )
            for label, (_, psnr, ssim) in row.items()
        ],
    )
    download_grid(
        pictures,
        len(row) + 1,
        f"denoising_{dataset}_{kind}_{level:.2f}.png",
        "dn-grid",
    )


@st.cache_data(show_spinner=False)
def _curve(dataset: str, kind: str, names: tuple[str, ...], weights: tuple) -> tuple[np.ndarray, dict]:
    x, _ = require_sample(dataset)
    lo, hi, _ = NOISE_RANGES[kind]
    levels = np.round(np.linspace(max(lo, 0.05), hi, 10), 3)
    return levels, denoising.psnr_curve(models_or_warn(dataset, list(names)), x[::5], kind, levels)


@fragment
def curve():
    st.header(t("dn.curve_title"))
    kind = st.selectbox(t("dn.noise_type"), NOISE_TYPES, format_func=labeler("dn.noise."), key="dn-curve-kind")
    models = models_or_warn(dataset, names)
    if not models:
        return
    with st.spinner(t("dn.curve_spinner")):
        levels, curves = _curve(dataset, kind, tuple(models), weights_of(*models.values()))
    fig = go.Figure()
    for label, values in curves.items():
        dash = "dot" if label == "noisy" else None
        fig.add_scatter(x=levels, y=values, mode="lines+markers", name=_label(label), line={"dash": dash})
    for name, model in models.items():
        noise = model.spec.recipe.noise
        if noise and noise[0] == kind:
            fig.add_vline(
                x=noise[1],
                line_dash="dash",
                line_color="gray",
                annotation_text=t("dn.trained_here", model=model_title(name)),
            )
    fig.update_layout(xaxis_title=t("dn.curve_x"), yaxis_title=t("dn.curve_y"), height=420, margin={"t": 20})
    st.plotly_chart(fig, key=f"dn-curve-{kind}")


SECTIONS = {"one": denoise_one, "curve": curve}
draw_sections("dn", SECTIONS)
