"""Train one registry entry on one dataset end to end: data → fit → atomic checkpoint → card."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from models.checkpoints import save_checkpoint
from models.evaluation import evaluate, evaluate_points, linear_subspace_angles
from models.inference import Classifier, load_model, to_model_input, wrap
from models.registry import TOY_DATASET, ModelSpec
from models.toy import TOY_POINTS, TOY_SEED, generate_3d_data
from training.datasets import LoadedDataset
from training.recipes import fit
from training.samples import sample_path


def library_versions() -> dict:
    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def load_sample(dataset: str, root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    with np.load(sample_path(dataset, root)) as data:
        return data["x"], data["y"]


def _card(spec: ModelSpec, dataset: str, source: str, sha: str, seconds: float, history: dict,
          parameters: int, epochs: int) -> dict:
    return {"model": spec.name, "dataset": dataset, "title": spec.title, "family": spec.family,
            "config": {"recipe": {**asdict(spec.recipe), "epochs": epochs}, **spec.build.describe()},
            "epochs": epochs, "seed": spec.recipe.seed, "data_source": source, "data_sha256": sha,
            "train_seconds": round(seconds, 1), "versions": library_versions(), "parameters": parameters,
            "history": {k: [round(float(v), 6) for v in vals] for k, vals in history.items()},
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def train_toy(spec: ModelSpec, root: Path | None = None, verbose: int = 0) -> dict:
    """The 3-D toy needs no dataset: its points come from a seeded generator."""
    points = generate_3d_data(TOY_POINTS, seed=TOY_SEED)
    start = time.perf_counter()
    result = fit(spec, points, None, verbose=verbose)
    seconds = time.perf_counter() - start
    card = _card(spec, TOY_DATASET, f"models.toy.generate_3d_data(m={TOY_POINTS}, seed={TOY_SEED})",
                 "", seconds, result.history, result.bundle.count_params(), spec.recipe.epochs)
    model = wrap(spec, TOY_DATASET, result.bundle, card)
    metrics = evaluate_points(model, points)
    save_checkpoint(result.bundle, {**card, "metrics": metrics}, TOY_DATASET, spec.name, root=root)
    return metrics


def train_one(spec: ModelSpec, data: LoadedDataset, root: Path | None = None, epochs: int | None = None,
              steps: int | None = None, verbose: int = 1) -> dict:
    """Fit, evaluate on the test split and the committed sample, then write checkpoint and card."""
    if spec.datasets == (TOY_DATASET,):
        return train_toy(spec, root, verbose=0)
    (x_train, y_train), (x_test, y_test) = data.train, data.test
    x = to_model_input(x_train)
    start = time.perf_counter()
    result = fit(spec, x, y_train, epochs=epochs, steps=steps, verbose=verbose)
    seconds = time.perf_counter() - start
    epochs = epochs or spec.recipe.epochs
    card = _card(spec, data.name, data.source, data.sha256, seconds, result.history,
                 result.bundle.count_params(), epochs)
    model = wrap(spec, data.name, result.bundle, card)
    classifier = None
    if spec.family == "gan":
        classifier = load_model(data.name, "classifier", root)
        assert isinstance(classifier, Classifier)
    metrics = evaluate(model, x_test, y_test, classifier, n_generated=10_000)
    if spec.name == "linear_ae":
        metrics["pca"] = linear_subspace_angles(model, x)
    x_s, y_s = load_sample(data.name, root)
    sample_metrics = evaluate(model, x_s, y_s, classifier, n_generated=len(x_s))
    save_checkpoint(result.bundle, {**card, "metrics": metrics, "sample_metrics": sample_metrics},
                    data.name, spec.name, progress_png=result.progress_png, root=root)
    return metrics
