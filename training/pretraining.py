"""Unsupervised pretraining curve: ``python -m training.pretraining --data-dir DIR [--dataset D]``.

For N labelled images per class (1 … 100), train the few-label classifier of ``models/nets/pretraining.py``
from scratch, on the stacked AE's frozen lower layer, and fine-tuned from it, and spread the N labels over
the neighbour graph of all 60,000 training images in the convolutional AE's code space (and, as the control,
in pixel space); score each on the 10,000 test images. Each point is the mean over three draws of the
labelled images (their spread is written too: with
one image per class, *which* image matters as much as the method). The result goes to
``checkpoints/<dataset>/pretraining.json`` with the encoder's weights hash; the Reconstruction page draws it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import keras
import numpy as np

from models.checkpoints import atomic_write, pretraining_path
from models.eval.label_spreading import (
    SPREAD_NEIGHBOURS,
    classify_by_neighbours,
    nearest_neighbours,
    spread_labels,
    standardise,
)
from models.nets.pretraining import VARIANTS, feature_statistics, few_label_classifier, fit_few_labels
from models.registry import IMAGE_DATASETS
from models.runtime.inference import load_model, to_model_input
from training.datasets import load_dataset
from training.run import use_threads

LABELS_PER_CLASS = (1, 2, 5, 10, 20, 50, 100)
DRAWS = 3
STEPS = 300  # gradient steps per classifier, whatever N: small sets see each image many times
ENCODER = "stacked_ae"
SPREAD_ENCODER = "conv_ae_upsampling"  # the zoo's codes whose neighbours most often share a class (10-NN: 97.6%)
SPREAD_VARIANTS = ("codes_spread", "pixels_spread")


def neighbour_graphs(
    dataset: str, x_train: np.ndarray, x_test: np.ndarray, root: Path | None
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict]:
    """Per spreading variant: (each training image's neighbours among the training images, each test image's
    neighbours among them). Built from images alone: no label is read here."""
    encoder = load_model(dataset, SPREAD_ENCODER, root)
    codes = [
        np.concatenate([encoder.encode(x[i : i + 4096]) for i in range(0, len(x), 4096)]) for x in (x_train, x_test)
    ]
    spaces = {
        "codes_spread": standardise(*codes),
        "pixels_spread": [x.reshape(len(x), -1) for x in (x_train, x_test)],
    }
    graphs = {
        variant: (
            nearest_neighbours(train, train, SPREAD_NEIGHBOURS, exclude_self=True),
            nearest_neighbours(test, train, SPREAD_NEIGHBOURS),
        )
        for variant, (train, test) in spaces.items()
    }
    return graphs, {"spread_encoder": SPREAD_ENCODER, "spread_encoder_weights_sha256": encoder.card["weights_sha256"]}


def curve(
    dataset: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    labels_per_class=LABELS_PER_CLASS,
    draws: int = DRAWS,
    steps: int = STEPS,
    root: Path | None = None,
) -> dict:
    """Accuracy per (N, variant): mean and spread over ``draws`` seeded choices of the labelled images."""
    (x_train, y_train), (x_test, y_test) = train, test
    x_test = to_model_input(x_test)
    autoencoder = load_model(dataset, ENCODER, root)
    statistics = feature_statistics(autoencoder.encoder, to_model_input(x_train))
    graphs, spread_card = neighbour_graphs(dataset, to_model_input(x_train), x_test, root)
    points = []
    for n in labels_per_class:
        scores: dict[str, list[float]] = {v: [] for v in (*VARIANTS, *SPREAD_VARIANTS)}
        seconds: dict[str, list[float]] = {v: [] for v in (*VARIANTS, *SPREAD_VARIANTS)}
        for draw in range(draws):
            rng = np.random.default_rng(draw)
            idx = np.concatenate([rng.choice(np.flatnonzero(y_train == c), n, replace=False) for c in range(10)])
            x, y = to_model_input(x_train[idx]), y_train[idx].astype(np.int32)
            for variant in VARIANTS:
                keras.utils.set_random_seed(draw)
                start = time.perf_counter()
                model = few_label_classifier(variant, autoencoder.encoder, statistics)
                fit_few_labels(model, x, y, steps, seed=draw)
                seconds[variant].append(time.perf_counter() - start)
                probs = np.asarray(model.predict(x_test, batch_size=2000, verbose=0))
                scores[variant].append(float((probs.argmax(axis=1) == y_test).mean()))
            for variant, (train_graph, test_graph) in graphs.items():
                start = time.perf_counter()
                spread = spread_labels(train_graph, idx, y)
                predicted = classify_by_neighbours(spread, test_graph)
                seconds[variant].append(time.perf_counter() - start)
                scores[variant].append(float((predicted == y_test).mean()))
        row = {"labels_per_class": n}
        for variant in (*VARIANTS, *SPREAD_VARIANTS):
            row[variant] = round(float(np.mean(scores[variant])), 4)
            row[f"{variant}_std"] = round(float(np.std(scores[variant])), 4)
            row[f"{variant}_seconds"] = round(float(np.median(seconds[variant])), 2)
        print(dataset, row, flush=True)
        points.append(row)
    return {
        "dataset": dataset,
        "encoder": ENCODER,
        "encoder_weights_sha256": autoencoder.card["weights_sha256"],
        **spread_card,
        "neighbours": SPREAD_NEIGHBOURS,
        "steps_per_classifier": steps,
        "draws": draws,
        "test_images": len(y_test),
        "points": points,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.pretraining", description=__doc__)
    p.add_argument("--dataset", choices=IMAGE_DATASETS, action="append")
    p.add_argument("--data-dir")
    p.add_argument("--threads", type=int, help="TensorFlow threads")
    args = p.parse_args(argv)
    if args.threads:
        use_threads(args.threads)
    for dataset in args.dataset or IMAGE_DATASETS:
        data = load_dataset(dataset, args.data_dir)
        result = {**curve(dataset, data.train, data.test), "data_sha256": data.sha256}
        atomic_write(pretraining_path(dataset), lambda path, r=result: path.write_text(json.dumps(r, indent=2) + "\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
