"""Train one registry entry on one dataset end to end: data → fit → atomic checkpoint → card."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from models.checkpoints import CheckpointError, read_card, save_checkpoint
from models.data.samples import load_sample
from models.data.toy import TOY_POINTS, TOY_SEED, generate_3d_data
from models.eval.evaluation import evaluate, evaluate_points, linear_subspace_angles
from models.registry import SHAPES_DATASET, TOY_DATASET, ModelSpec
from models.runtime.inference import Classifier, load_model, to_model_input, wrap
from training.datasets import LoadedDataset
from training.recipes import fit
from training.run_state import run_dir_for


def use_threads(threads: int) -> None:
    """Limit TensorFlow to ``threads`` (e.g. 1 each for two runs side by side on two cores)."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def library_versions() -> dict:
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def _card(
    spec: ModelSpec, dataset: str, source: str, sha: str, seconds: float, history: dict, parameters: int, epochs: int
) -> dict:
    return {
        "model": spec.name,
        "dataset": dataset,
        "title": spec.title,
        "family": spec.family,
        "config": {"recipe": {**asdict(spec.recipe), "epochs": epochs}, **spec.build.describe()},
        "epochs": epochs,
        "seed": spec.recipe.seed,
        "data_source": source,
        "data_sha256": sha,
        "train_seconds": round(seconds, 1),
        "versions": library_versions(),
        "parameters": parameters,
        "history": {k: [round(float(v), 6) for v in vals] for k, vals in history.items()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def train_toy(spec: ModelSpec, root: Path | None = None, verbose: int = 0) -> dict:
    """The 3-D toy needs no dataset: its points come from a seeded generator."""
    points = generate_3d_data(TOY_POINTS, seed=TOY_SEED)
    start = time.perf_counter()
    result = fit(spec, points, None, verbose=verbose)
    seconds = time.perf_counter() - start
    card = _card(
        spec,
        TOY_DATASET,
        f"models.data.toy.generate_3d_data(m={TOY_POINTS}, seed={TOY_SEED})",
        "",
        seconds,
        result.history,
        result.bundle.count_params(),
        spec.recipe.epochs,
    )
    model = wrap(spec, TOY_DATASET, result.bundle, card)
    metrics = evaluate_points(model, points)
    save_checkpoint(result.bundle, {**card, "metrics": metrics}, TOY_DATASET, spec.name, root=root)
    return metrics


def _judge(dataset: str, root: Path | None) -> Classifier:
    """The classifier that scores a GAN: the one beside the new checkpoint, else the shipped one
    (a trial in a scratch folder is judged by the committed classifier)."""
    try:
        model = load_model(dataset, "classifier", root)
    except CheckpointError:
        model = load_model(dataset, "classifier")
    assert isinstance(model, Classifier)
    return model


def ablation_metrics(spec: ModelSpec, result, card: dict, x_test, y_test, classifier) -> dict:
    """What the EMA generator buys: the same metrics for the raw (trained, not averaged) generator."""
    if result.raw_generator is None:
        return {}
    from training.recipes import gan_bundle

    raw_bundle = gan_bundle(spec, result.raw_generator, result.bundle.get_layer("discriminator"))
    raw = evaluate(wrap(spec, card["dataset"], raw_bundle, card), x_test, y_test, classifier, n_generated=10_000)
    keep = ("frechet_distance", "min_class_share", "label_accuracy", "confident_share")
    return {"raw_generator_metrics": {k: raw[k] for k in keep if k in raw}}


def _report_replacement(dataset: str, name: str, root: Path | None, metrics: dict) -> None:
    """A full run that replaces a shipped checkpoint says what changed."""
    try:
        old = read_card(dataset, name, root)["metrics"]
    except CheckpointError:
        return
    for key, new in metrics.items():
        if isinstance(new, (int, float)) and isinstance(old.get(key), (int, float)):
            print(f"    {key:28s} old {old[key]:<12.6g} new {new:.6g}", flush=True)


def train_one(
    spec: ModelSpec,
    data: LoadedDataset,
    root: Path | None = None,
    epochs: int | None = None,
    steps: int | None = None,
    verbose: int = 1,
    resume: bool = False,
    run_root: Path | None = None,
) -> dict:
    """Fit, evaluate on the test split and the committed sample, then write checkpoint and card.

    ``root`` is where the checkpoint goes (default ``checkpoints/``); ``run_root`` where a GAN keeps its
    resumable per-epoch state (default ``training.run_state.RUNS_DIR``).
    """
    if spec.datasets == (TOY_DATASET,):
        return train_toy(spec, root, verbose=0)
    if spec.datasets == (SHAPES_DATASET,):
        from training.shapes import train_shapes

        return train_shapes(spec, root, epochs, steps, verbose, resume, run_root)
    (x_train, y_train), (x_test, y_test) = data.train, data.test
    x = to_model_input(x_train)
    start = time.perf_counter()
    run_dir = run_dir_for(data.name, spec.name, run_root) if spec.kind.resumable else None
    result = fit(spec, x, y_train, epochs=epochs, steps=steps, verbose=verbose, run_dir=run_dir, resume=resume)
    epochs = epochs or spec.recipe.epochs
    seconds = time.perf_counter() - start
    seconds += result.seconds_before  # a resumed run counts its earlier calls too
    card = _card(
        spec, data.name, data.source, data.sha256, seconds, result.history, result.bundle.count_params(), epochs
    )
    model = wrap(spec, data.name, result.bundle, card)
    classifier = _judge(data.name, root) if spec.kind.judged else None
    metrics = evaluate(model, x_test, y_test, classifier, n_generated=10_000)
    if "pca" in spec.tags:
        metrics["pca"] = linear_subspace_angles(model, x)
    x_s, y_s = load_sample(data.name, root)
    sample_metrics = evaluate(model, x_s, y_s, classifier, n_generated=len(x_s))
    ablation = ablation_metrics(spec, result, card, x_test, y_test, classifier) if classifier else {}
    _report_replacement(data.name, spec.name, root, metrics)
    extra = {"ablation": ablation} if ablation else {}
    save_checkpoint(
        result.bundle,
        {**card, "metrics": metrics, "sample_metrics": sample_metrics, **extra},
        data.name,
        spec.name,
        progress_png=result.progress_png,
        root=root,
    )
    return metrics
