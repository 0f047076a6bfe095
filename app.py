"""Latent Lab: ``streamlit run app.py``. This is the home page: every model with its card and status;
the five demo pages live in ``pages/`` (Streamlit's multipage auto-discovery)."""

import streamlit as st

from models.registry import DATASET_TITLES, REGISTRY, TOY_DATASET
from pages.ui.common import app_frame, explain, model_status

dataset = app_frame()
st.title("Latent Lab")
st.markdown("#### See what autoencoders, VAEs and GANs learn.")
explain("Every model below was trained on the full training set by `python -m training` and is scored on "
        "the test split. Pick a page on the left; switch MNIST / Fashion-MNIST in the sidebar (the choice is "
        "kept in the URL, so you can bookmark a view). Missing models say the exact command that trains them.")

KEY_METRICS = {"autoencoder": [("mse", "test MSE", "{:.4f}"), ("psnr_denoised_db", "PSNR dB", "{:.1f}")],
               "vae": [("neg_elbo", "−ELBO nats", "{:.1f}"), ("active_dims", "active dims", "{}")],
               "gan": [("frechet_distance", "Fréchet dist.", "{:.2f}"), ("classes_covered_5pct", "classes ≥5%", "{}/10")],
               "classifier": [("accuracy", "accuracy", "{:.2%}")]}

rows = []
for spec in REGISTRY.values():
    ds = TOY_DATASET if spec.datasets == (TOY_DATASET,) else dataset
    ready, message, card = model_status(ds, spec.name)
    row = {"model": spec.title, "family": spec.family, "dataset": DATASET_TITLES[ds],
           "status": "✓ ready" if ready else "✗ missing", "what it does": spec.summary}
    if card:
        metrics = card.get("metrics", {})
        shown = [f"{label} {fmt.format(metrics[k])}" for k, label, fmt in KEY_METRICS[spec.family] if k in metrics]
        if spec.name == "linear_ae_3d":
            shown = [f"max angle to PCA {metrics.get('max_angle_deg', float('nan')):.2f}°"]
        row.update({"test metrics": " · ".join(shown), "epochs": card.get("epochs"),
                    "train s": card.get("train_seconds"), "size MB": round(card.get("weights_bytes", 0) / 1e6, 2),
                    "parameters": card.get("parameters")})
    else:
        row["test metrics"] = spec.checkpoint_command(ds)
    rows.append(row)

ready_count = sum(r["status"].startswith("✓") for r in rows)
st.metric("Models ready", f"{ready_count} / {len(rows)}")
st.dataframe(rows, hide_index=True, width="stretch",
             column_order=["status", "model", "family", "test metrics", "epochs", "train s", "size MB", "parameters",
                           "what it does"])

missing = [r for r in rows if not r["status"].startswith("✓")]
if missing:
    st.subheader("Missing checkpoints")
    for spec in REGISTRY.values():
        ds = TOY_DATASET if spec.datasets == (TOY_DATASET,) else dataset
        ready, message, _ = model_status(ds, spec.name)
        if not ready:
            st.error(message, icon="⚠️")

with st.expander("Model cards (full JSON)"):
    name = st.selectbox("Model", list(REGISTRY), format_func=lambda n: REGISTRY[n].title, key="home-card")
    spec = REGISTRY[name]
    ready, message, card = model_status(TOY_DATASET if spec.datasets == (TOY_DATASET,) else dataset, name)
    st.json(card if card else {"status": message}, expanded=1)
