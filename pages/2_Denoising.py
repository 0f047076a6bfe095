"""Denoising: corrupt an image, watch two denoising autoencoders and a classical filter clean it."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import analysis
from models.noise import NOISE_TYPES
from models.registry import specs_for
from pages.ui.common import image_input, models_or_warn, page_header, require_sample, show_grid, show_image

NOISE_LABELS = {"gaussian": "Gaussian", "masking": "Dropout / masking", "salt_pepper": "Salt and pepper"}
NOISE_RANGES = {"gaussian": (0.0, 1.0, 0.55), "masking": (0.0, 0.9, 0.5), "salt_pepper": (0.0, 0.6, 0.2)}

dataset = page_header("Denoising", """
A **denoising autoencoder** is trained to turn a corrupted image back into the clean one. One was trained
on Gaussian noise (σ = 0.55), one on dropout noise (half the pixels set to black). Move the slider and
compare them with a classical 3×3 median filter: PSNR (dB, higher is better) and SSIM (1 = identical).""")

models = models_or_warn(dataset, [s.name for s in specs_for(dataset, "denoising")])
train_levels = {n: m.spec.recipe.noise for n, m in models.items()}


@st.fragment
def denoise_one():
    picked = image_input("dn", dataset)
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("Noise type", NOISE_TYPES, format_func=NOISE_LABELS.get, key="dn-kind")
    lo, hi, default = NOISE_RANGES[kind]
    level = c2.slider("Noise level", lo, hi, default, 0.05, key=f"dn-level-{kind}")
    seed = c3.number_input("Noise seed", 0, 10_000, 0, key="dn-seed")
    if picked is None or not models:
        return
    image, caption = picked
    row = analysis.denoise_row(models, image, kind, level, int(seed))
    cols = st.columns(len(row) + 1)
    with cols[0]:
        show_image(image, caption=f"clean: {caption}")
    for col, (label, (img, psnr, ssim)) in zip(cols[1:], row.items()):
        title = models[label].spec.title if label in models else label
        with col:
            show_image(img, caption=f"{title}\n\nPSNR {psnr:.1f} dB · SSIM {ssim:.2f}")
    show_grid(np.stack([image / 255.0] + [v[0] for v in row.values()]), len(row) + 1, None,
              f"denoising_{dataset}_{kind}_{level:.2f}.png", "dn-grid")


denoise_one()


@st.cache_data(show_spinner="Measuring PSNR across noise levels…")
def _curve(dataset: str, kind: str, names: tuple[str, ...]) -> tuple[np.ndarray, dict]:
    x, _ = require_sample(dataset)
    lo, hi, _ = NOISE_RANGES[kind]
    levels = np.round(np.linspace(max(lo, 0.05), hi, 10), 3)
    return levels, analysis.psnr_curve({n: models[n] for n in names}, x[::5], kind, levels)


@st.fragment
def curve():
    st.subheader("PSNR against noise level")
    kind = st.selectbox("Noise type", NOISE_TYPES, format_func=NOISE_LABELS.get, key="dn-curve-kind")
    if not models:
        return
    levels, curves = _curve(dataset, kind, tuple(models))
    fig = go.Figure()
    for label, values in curves.items():
        name = models[label].spec.title if label in models else label
        dash = "dot" if label in ("noisy input",) else None
        fig.add_scatter(x=levels, y=values, mode="lines+markers", name=name, line={"dash": dash})
    for name, noise in train_levels.items():
        if noise and noise[0] == kind:
            fig.add_vline(x=noise[1], line_dash="dash", line_color="gray",
                          annotation_text=f"{models[name].spec.title} trained here")
    fig.update_layout(xaxis_title="noise level", yaxis_title="mean PSNR (dB), 200 test images", height=420,
                      margin={"t": 20})
    st.plotly_chart(fig, key=f"dn-curve-{kind}")


curve()
