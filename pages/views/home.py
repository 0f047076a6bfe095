"""Home: every model of the zoo with its card (status, test metrics, size); missing ones say the command
that trains them. Reads only the JSON cards, so it never waits for TensorFlow."""

import streamlit as st

from models.registry import DATASET_TITLES, GENERATED_DATASETS, IMAGE_DATASETS, REGISTRY
from pages.ui.i18n import labeler, model_summary, model_title, t
from pages.ui.layout import explain, table
from pages.ui.loaders import model_status
from pages.ui.state import current_dataset, forget_section

dataset = current_dataset()
forget_section()
st.title("Latent Lab")
st.markdown(f"**{t('home.tagline')}**")  # a tagline, not a heading: headings go h1 → h2 in order
explain(t("home.intro"))


def _dataset_of(spec) -> str:
    return spec.datasets[0] if spec.datasets[0] in GENERATED_DATASETS else dataset


# On MNIST or Fashion-MNIST every model (the generated datasets' too); on the shapes, the shapes' models.
SHOWN = [spec for spec in REGISTRY.values() if dataset in IMAGE_DATASETS or dataset in spec.datasets]


def _metrics_text(spec, metrics: dict) -> str:
    return " · ".join(
        f"{t('metric.' + key)} {fmt.format(metrics[key])}" for key, fmt in spec.headline_metrics if key in metrics
    )


rows, problems = [], []
for spec in SHOWN:
    ds = _dataset_of(spec)
    ready, message, card = model_status(ds, spec.name)
    row = {
        "status": t("home.ready") if ready else t("home.missing"),
        "model": model_title(spec.name),
        "family": t(f"family.{spec.family}"),
        "dataset": DATASET_TITLES[ds],
        "what": model_summary(spec.name),
    }
    if card:
        row.update(
            {
                "metrics": _metrics_text(spec, card.get("metrics", {})),
                "epochs": card.get("epochs"),
                "seconds": card.get("train_seconds"),
                "size": round(card.get("weights_bytes", 0) / 1e6, 2),
                "parameters": card.get("parameters"),
            }
        )
    else:
        row["metrics"] = spec.checkpoint_command(ds)
        problems.append((spec, ds, message))
    rows.append(row)

st.metric(t("home.models_ready"), f"{len(rows) - len(problems)} / {len(rows)}")
columns = ["status", "model", "family", "metrics", "epochs", "seconds", "size", "parameters", "what"]
table(
    rows,
    hide_index=True,
    width="stretch",
    column_order=columns,
    column_config={c: t(f"home.column.{c}") for c in columns + ["dataset"]},
)

if problems:
    st.header(t("home.missing_title"))
    for spec, ds, message in problems:
        st.error(
            t("common.model_unavailable", model=model_title(spec.name), command=spec.checkpoint_command(ds)), icon="⚠️"
        )
        st.caption(f"`{message}`")

with st.expander(t("home.cards")):
    name = st.selectbox(
        t("home.card_model"), [s.name for s in SHOWN], format_func=labeler("models.", ".title"), key="home-card"
    )
    ready, message, card = model_status(_dataset_of(REGISTRY[name]), name)
    st.json(card if card else {"status": message}, expanded=1)
