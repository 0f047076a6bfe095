"""Unsupervised pretraining (HOML 17.3.4): ``python -m training.pretraining --data-dir DIR``.

With only N labelled images per class, compare a small classifier trained from scratch with the same
network whose first layers are the stacked autoencoder's encoder, trained on all 60,000 *unlabelled*
images: frozen (only the softmax head learns) and fine-tuned (everything learns, starting from the
encoder). Every point is trained here, on the full data, and scored on the 10,000-image test split; the
curve goes to ``checkpoints/<dataset>/pretraining.json``, which the Reconstruction page draws.
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np

from models.checkpoints import CHECKPOINT_DIR, atomic_write
from models.inference import load_model, to_model_input
from models.registry import IMAGE_DATASETS, get_spec
from training.datasets import load_dataset

LABELS_PER_CLASS = (1, 2, 5, 10, 20, 50, 100)
VARIANTS = ("scratch", "frozen", "fine_tuned")
STEPS = 300  # gradient steps per point, whatever N: small sets see each image many times
SEED = 0


def results_path(dataset: str):
    return CHECKPOINT_DIR / dataset / "pretraining.json"


def _classifier(encoder: keras.Model | None, trainable: bool) -> keras.Model:
    """The stacked AE's encoder (784-100-30 SELU), fresh or pretrained, with a softmax head."""
    fresh, _ = get_spec("stacked_ae").build()
    if encoder is not None:
        fresh.set_weights(encoder.get_weights())
    fresh.trainable = trainable
    image = keras.Input((28, 28, 1))
    model = keras.Model(image, keras.layers.Dense(10, activation="softmax")(fresh(image)))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def curve(dataset: str, data_dir: str | None) -> dict:
    data = load_dataset(dataset, data_dir)
    (x_train, y_train), (x_test, y_test) = data.train, data.test
    x_test = to_model_input(x_test)
    encoder = load_model(dataset, "stacked_ae").encoder
    rng = np.random.default_rng(SEED)
    order = {c: rng.permutation(np.flatnonzero(y_train == c)) for c in range(10)}
    points = []
    for n in LABELS_PER_CLASS:
        idx = np.concatenate([order[c][:n] for c in range(10)])
        x, y = to_model_input(x_train[idx]), y_train[idx].astype(np.int32)
        row = {"labels_per_class": n}
        for variant in VARIANTS:
            keras.utils.set_random_seed(SEED)
            model = _classifier(None if variant == "scratch" else encoder, trainable=variant != "frozen")
            batch = min(32, len(x))
            start = time.perf_counter()
            model.fit(x, y, batch_size=batch, epochs=max(1, STEPS * batch // len(x)), verbose=0)
            row[f"{variant}_seconds"] = round(time.perf_counter() - start, 2)
            row[variant] = round(float(model.evaluate(x_test, y_test, verbose=0, batch_size=2000)[1]), 4)
        print(dataset, row, flush=True)
        points.append(row)
    return {
        "dataset": dataset,
        "data_sha256": data.sha256,
        "encoder": "stacked_ae",
        "encoder_weights_sha256": load_model(dataset, "stacked_ae").card["weights_sha256"],
        "steps_per_point": STEPS,
        "seed": SEED,
        "test_images": len(y_test),
        "points": points,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.pretraining", description=__doc__)
    p.add_argument("--dataset", choices=IMAGE_DATASETS, action="append")
    p.add_argument("--data-dir")
    args = p.parse_args(argv)
    for dataset in args.dataset or IMAGE_DATASETS:
        result = curve(dataset, args.data_dir)
        atomic_write(results_path(dataset), lambda path, r=result: path.write_text(json.dumps(r, indent=2) + "\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
