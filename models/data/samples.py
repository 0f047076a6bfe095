"""The small committed test sample: 100 test images per class, so the app and the tests run
without any dataset on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.checkpoints import CHECKPOINT_DIR, atomic_write

PER_CLASS = 100
SAMPLE_SEED = 0


def sample_path(dataset: str, root: Path | None = None) -> Path:
    return Path(root or CHECKPOINT_DIR) / "samples" / f"{dataset}_test_sample.npz"


def load_sample(dataset: str, root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images, labels) of the committed sample; raises OSError/ValueError/KeyError if it is damaged."""
    with np.load(sample_path(dataset, root)) as data:
        return data["x"], data["y"]


def stratified_indices(labels: np.ndarray, per_class: int = PER_CLASS, seed: int = SAMPLE_SEED) -> np.ndarray:
    """``per_class`` random indices of each class, sorted: the same sample every time."""
    rng = np.random.default_rng(seed)
    picks = [rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]
    return np.sort(np.concatenate(picks))


def write_sample(dataset: str, x_test: np.ndarray, y_test: np.ndarray, root: Path | None = None) -> Path:
    idx = stratified_indices(y_test)
    path = sample_path(dataset, root)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, x=x_test[idx], y=y_test[idx], indices=idx)

    atomic_write(path, write)
    return path
