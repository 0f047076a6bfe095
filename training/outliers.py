"""Outlier scores: ``python -m training.outliers --data-dir DIR [--dataset D]``.

Scores the test split and five sets of images the models never saw (the other dataset's test split, uniform
noise, letters drawn from a font, the test images upside down and turned a quarter turn) with every score of
``models/analysis/outliers.py``, on the app's NumPy runtime, and writes ``checkpoints/<dataset>/outliers.json``:
histograms, the AUROC of every score for every set against the test split (scikit-learn), the test split's
percentiles (to place a new image), the most and least likely test images per class (as small PNG strips),
and the scores of the committed sample's first images (the tests recompute them). A few seconds per dataset.
"""

from __future__ import annotations

import argparse
import base64
import json
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from models.analysis import outliers
from models.checkpoints import atomic_write, outliers_path
from models.data import imaging, unseen
from models.data.samples import load_sample
from models.registry import IMAGE_DATASETS
from models.runtime.graph import NUMPY
from models.runtime.inference import load_model
from training.datasets import load_dataset

OOD_SETS = ("other", "noise", "letters", "flipped", "rotated")
OOD_SIZE = 2000  # images per generated set (letters: all 624)
SET_SEED = 35
EXTREMES = 8  # most and least likely test images kept per class
CHECK_IMAGES = 5  # the committed sample's first images, whose scores the tests recompute
# Issue #35's bars: (score, unseen set, least AUROC) per dataset; the raw −ELBO on Fashion-MNIST vs MNIST has none.
BARS = {"mnist": [("neg_elbo", "other", 0.99)], "fashion_mnist": [("corrected", "other", 0.95)]}


def _png_strip(images: np.ndarray) -> str:
    """A row of 28×28 images as one base64 PNG (a few hundred bytes each)."""
    return base64.b64encode(imaging.png_bytes(np.concatenate(list(images), axis=1))).decode("ascii")


def build_sets(dataset: str, data_dir: str | None) -> tuple[dict[str, np.ndarray], np.ndarray, dict]:
    """(images per set, test labels, what made them)."""
    data = load_dataset(dataset, data_dir)
    other = next(d for d in IMAGE_DATASETS if d != dataset)
    x_test, y_test = data.test
    picks = np.sort(np.random.default_rng(SET_SEED).choice(len(x_test), OOD_SIZE, replace=False))
    letters, font = unseen.letter_images()
    sets = {
        "test": x_test,
        "other": load_dataset(other, data_dir).test[0],
        "noise": unseen.noise_images(OOD_SIZE, SET_SEED),
        "letters": letters,
        "flipped": unseen.flipped(x_test[picks]),
        "rotated": unseen.rotated(x_test[picks]),
    }
    return sets, y_test, {"other_dataset": other, "font": font, "data_sha256": data.sha256}


def summarise(dataset: str, data_dir: str | None, samples: int = outliers.IW_SAMPLES) -> dict:
    vae = load_model(dataset, outliers.VAE, runtime=NUMPY)
    autoencoder = load_model(dataset, outliers.AUTOENCODER, runtime=NUMPY)
    sets, y_test, made = build_sets(dataset, data_dir)
    start = time.perf_counter()
    scores = {name: outliers.score_images(vae, autoencoder, images, samples) for name, images in sets.items()}
    seconds = time.perf_counter() - start
    histograms, auroc, percentiles, medians = {}, {}, {}, {}
    for score in outliers.SCORES:
        edges, log = outliers.histogram_edges({name: s[score] for name, s in scores.items()})
        histograms[score] = {
            "edges": [float(e) for e in edges],
            "log": log,
            "counts": {name: outliers.histogram(s[score], edges) for name, s in scores.items()},
        }
        test = scores["test"][score]
        auroc[score] = {
            name: round(
                float(
                    roc_auc_score(
                        np.r_[np.zeros(len(test)), np.ones(len(scores[name][score]))],
                        np.r_[test, scores[name][score]],
                    )
                ),
                4,
            )
            for name in OOD_SETS
        }
        percentiles[score] = [float(v) for v in np.percentile(test, np.arange(101))]
        medians[score] = {name: float(np.median(s[score])) for name, s in scores.items()}
    order = np.argsort(scores["test"]["neg_elbo"], kind="stable")
    extremes = {}
    for c in range(10):
        members = order[y_test[order] == c]
        most, least = members[:EXTREMES], members[::-1][:EXTREMES]
        extremes[str(c)] = {
            kind: {
                "indices": [int(i) for i in idx],
                "neg_elbo": [round(float(scores["test"]["neg_elbo"][i]), 2) for i in idx],
                "png": _png_strip(sets["test"][idx]),
            }
            for kind, idx in (("most_likely", most), ("least_likely", least))
        }
    x_sample, _ = load_sample(dataset)
    check = outliers.score_images(vae, autoencoder, x_sample[:CHECK_IMAGES], samples)
    return {
        "dataset": dataset,
        **made,
        "vae": outliers.VAE,
        "vae_weights_sha256": vae.card["weights_sha256"],
        "autoencoder": outliers.AUTOENCODER,
        "autoencoder_weights_sha256": autoencoder.card["weights_sha256"],
        "importance_samples": samples,
        "set_seed": SET_SEED,
        "set_sizes": {name: len(images) for name, images in sets.items()},
        "scores": list(outliers.SCORES),
        "sets": list(sets),
        "auroc": auroc,
        "medians": medians,
        "histograms": histograms,
        "test_percentiles": percentiles,
        "extremes": extremes,
        "sample_check": {score: [float(v) for v in values] for score, values in check.items()},
        "bars": [
            {
                "score": score,
                "set": name,
                "at_least": bar,
                "auroc": auroc[score][name],
                "met": auroc[score][name] >= bar,
            }
            for score, name, bar in BARS.get(dataset, [])
        ],
        "scoring_seconds": round(seconds, 2),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.outliers", description=__doc__)
    p.add_argument("--dataset", choices=IMAGE_DATASETS, action="append")
    p.add_argument("--data-dir")
    p.add_argument("--samples", type=int, default=outliers.IW_SAMPLES, help="importance samples per image")
    args = p.parse_args(argv)
    for dataset in args.dataset or IMAGE_DATASETS:
        result = summarise(dataset, args.data_dir, args.samples)
        print(dataset, json.dumps(result["auroc"]), flush=True)
        text = json.dumps(result, indent=1) + "\n"
        atomic_write(outliers_path(dataset), lambda path, r=text: path.write_text(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
