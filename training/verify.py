"""Re-evaluate committed checkpoints and compare with their cards (``python -m training --verify``)."""

from __future__ import annotations

from typing import Any

from models.checkpoints import CheckpointError
from models.data.toy import TOY_POINTS, TOY_SEED, generate_3d_data
from models.eval.evaluation import evaluate, evaluate_points, linear_subspace_angles
from models.registry import SHAPES_DATASET, TOY_DATASET
from models.runtime.inference import load_model, to_model_input

TOLERANCE = 1e-4


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Numeric leaves that differ by more than 1e-4 (relative to max(1, |expected|)), as readable lines."""
    if isinstance(expected, dict):
        return [
            d
            for k in expected
            for d in differences(
                expected[k], actual.get(k) if isinstance(actual, dict) else None, f"{path}.{k}" if path else k
            )
        ]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} values, got {actual!r}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in differences(e, a, f"{path}[{i}]")]
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if not isinstance(actual, (int, float)) or abs(actual - expected) > TOLERANCE * max(1.0, abs(expected)):
            return [f"{path}: card {expected}, now {actual}"]
    return []


def reevaluate(dataset: str, name: str, data=None, sample=None) -> tuple[dict, dict]:
    """(card metrics, re-computed metrics) for one checkpoint, on the full test split or the sample."""
    model = load_model(dataset, name)
    if dataset == TOY_DATASET:
        return model.card["metrics"], evaluate_points(model, generate_3d_data(TOY_POINTS, TOY_SEED))
    classifier = load_model(dataset, "classifier") if model.spec.kind.judged else None
    if dataset == SHAPES_DATASET and sample is None:  # no split to download: the fixed 10,000 are rendered
        from training.shapes import score

        return model.card["metrics"], score(model)
    if sample is not None:
        x, y = sample
        return model.card["sample_metrics"], evaluate(model, x, y, classifier, n_generated=len(x))
    (x_train, _), (x_test, y_test) = data.train, data.test
    metrics = evaluate(model, x_test, y_test, classifier, n_generated=10_000)
    if "pca" in model.card["metrics"]:
        metrics["pca"] = linear_subspace_angles(model, to_model_input(x_train))
    return model.card["metrics"], metrics


def verify(plan: list[tuple[str, str]], data_dir: str | None, sample_only: bool) -> int:
    from models.data.samples import load_sample
    from training.datasets import load_dataset

    failures, cache = 0, {}
    for name, dataset in plan:
        if dataset not in cache and dataset != TOY_DATASET:
            full = None if dataset == SHAPES_DATASET else lambda: load_dataset(dataset, data_dir)
            cache[dataset] = load_sample(dataset) if sample_only else full and full()
        source = cache.get(dataset)
        try:
            card, now = reevaluate(dataset, name, None if sample_only else source, source if sample_only else None)
        except CheckpointError as err:
            print(f"FAIL {dataset}/{name}: {err}")
            failures += 1
            continue
        diffs = differences(card, now)
        failures += bool(diffs)
        print(f"{'FAIL' if diffs else 'ok  '} {dataset}/{name}" + "".join(f"\n     {d}" for d in diffs[:5]), flush=True)
    print(f"{len(plan) - failures} reproduced, {failures} failed (tolerance {TOLERANCE} relative)")
    return 1 if failures else 0
