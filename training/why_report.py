"""The Why generative models? lesson's tables for README and BENCHMARKS.md: ``python -m training.why_report``.

Reads only the stored results (``python -m training.outliers``, ``python -m training.debias``) and prints them as
Markdown, with issue #35's bars marked ✓ or ✗; nothing is typed by hand. ``markdown()`` is what a benchmark
script can call to put the same tables in BENCHMARKS.md.
"""

from __future__ import annotations

from models.checkpoints import debias_path, outliers_path, read_json_result
from models.registry import DATASET_TITLES, IMAGE_DATASETS

SCORE_NAMES = {
    "neg_elbo": "−ELBO (nats, importance-weighted)",
    "reconstruction": "AE reconstruction MSE",
    "complexity": "input complexity (PNG nats)",
    "corrected": "−ELBO − complexity",
}
SET_NAMES = {
    "other": "other dataset",
    "noise": "uniform noise",
    "letters": "font letters",
    "flipped": "upside down",
    "rotated": "quarter turn",
}


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def auroc_tables() -> list[str]:
    lines = []
    for dataset in IMAGE_DATASETS:
        result = read_json_result(outliers_path(dataset), "auroc")
        title = DATASET_TITLES[dataset]
        if result is None:
            lines += [f"{title}: no stored outlier scores (`python -m training.outliers --dataset {dataset}`).", ""]
            continue
        sets = [s for s in result["sets"] if s != "test"]
        other = DATASET_TITLES[result["other_dataset"]]
        sizes = ", ".join(f"{SET_NAMES[s]} {result['set_sizes'][s]:,}" for s in sets)
        lines += [
            f"**{title} models**: AUROC of each score, {title} test split (10,000) against each unseen set "
            f"({sizes}); the other dataset is "
            f"{other}. {result['importance_samples']} importance samples.",
            "",
            "| score | " + " | ".join(SET_NAMES[s] for s in sets) + " |",
            "|---|" + "---|" * len(sets),
        ]
        for score in result["scores"]:
            lines.append(
                f"| {SCORE_NAMES[score]} | " + " | ".join(f"{result['auroc'][score][s]:.3f}" for s in sets) + " |"
            )
        lines.append("")
        raw = result["auroc"]["neg_elbo"]["other"]
        lines.append(f"−ELBO vs {other}: AUROC {raw:.3f} as measured.")
        for bar in result.get("bars", []):  # issue #35's bars, stored with the result (training/outliers.py)
            lines.append(
                f"{_mark(bar['met'])} {SCORE_NAMES[bar['score']]} vs {SET_NAMES[bar['set']]}: AUROC {bar['auroc']:.3f} "
                f"(bar ≥ {bar['at_least']})"
            )
        lines.append("")
    return lines


def debias_table() -> list[str]:
    result = read_json_result(debias_path(), "accuracy")
    if result is None:
        return ["Imbalance lesson: no stored result (`python -m training.debias --data-dir DIR --threads 1`).", ""]
    acc, bars, goal = result["accuracy"], result["bars"], result["bar_values"]

    def cell(method: str, group: str) -> str:
        return f"{100 * acc[method][group]['mean']:.2f} ± {100 * acc[method][group]['std']:.2f}"

    lines = [
        f"**Imbalance (DB-VAE)**: MNIST training set with {result['rare_images']:,} of {result['training_images']:,} "
        f"images ({result['base_rate']:.1%}) in the hidden style *{result['group']}*; test split drawn both ways; "
        f"accuracy in %, mean ± std over seeds {result['seeds']}.",
        "",
        "| classifier | common | rare | gap (points) |",
        "|---|---|---|---|",
    ]
    for method, name in (("plain", "plain (uniform batches)"), ("resampled", "resampled by latent density")):
        lines.append(
            f"| {name} | {cell(method, 'common')} | {cell(method, 'rare')} | {result['gap_points'][method]:.2f} |"
        )
    lines += [
        "",
        f"{_mark(bars['rarest_ratio'])} the rarest {result['rarest_share_inspected']:.0%} by latent density hold "
        f"{result['rare_share_in_rarest']:.1%} of the hidden group: {result['rarest_ratio']:.1f}× its base rate "
        f"(bar ≥ {goal['rarest_ratio']}×)",
        f"{_mark(bars['gap_closed'])} resampling closes {result['gap_closed']:.0%} of the gap "
        f"(bar ≥ {goal['gap_closed']:.0%}); {_mark(bars['common_cost_points'])} common group's cost "
        f"{result['common_cost_points']:.2f} points (bar ≤ {goal['common_cost_points']})",
        "",
    ]
    return lines


def markdown() -> str:
    return "\n".join(auroc_tables() + debias_table())


def main() -> int:
    print(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
