"""Checkpoint files and model cards: where they live, how they are written atomically, and how
they are loaded (Keras with safe_mode, or ``models.runtime.graph`` for the app) and checked (card format,
card-vs-weights hash).

Layout: ``checkpoints/<dataset>/<model>.keras`` + ``<model>.json`` (the card), and for GANs
``<model>.progress.png`` (the fixed-seed sample grid of every epoch, one row per epoch); autoencoders may
have ``<model>.tsne.npz`` (the t-SNE map of their codings, ``python -m training.tsne``).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras

from models.registry import get_spec

CHECKPOINT_DIR = Path(os.environ.get("LATENT_LAB_CHECKPOINTS", Path(__file__).resolve().parent.parent / "checkpoints"))
CARD_FORMAT_VERSION = 1
CARD_FIELDS = {
    "format_version",
    "model",
    "dataset",
    "title",
    "family",
    "config",
    "epochs",
    "seed",
    "data_source",
    "data_sha256",
    "train_seconds",
    "versions",
    "parameters",
    "weights_sha256",
    "weights_bytes",
    "metrics",
    "sample_metrics",
    "history",
    "created",
    "ablation",
}


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable or inconsistent; the message says how to rebuild it."""


def checkpoint_paths(dataset: str, name: str, root: Path | None = None) -> dict[str, Path]:
    folder = Path(root or CHECKPOINT_DIR) / dataset
    return {
        "weights": folder / f"{name}.keras",
        "card": folder / f"{name}.json",
        "progress": folder / f"{name}.progress.png",
        "tsne": folder / f"{name}.tsne.npz",
    }


def pretraining_path(dataset: str, root: Path | None = None) -> Path:
    """The unsupervised-pretraining curve of ``dataset`` (``python -m training.pretraining``)."""
    return Path(root or CHECKPOINT_DIR) / dataset / "pretraining.json"


def outliers_path(dataset: str, root: Path | None = None) -> Path:
    """The outlier lesson's stored scores of ``dataset`` (``python -m training.outliers``)."""
    return Path(root or CHECKPOINT_DIR) / dataset / "outliers.json"


def debias_path(root: Path | None = None) -> Path:
    """The imbalance lesson's results on MNIST (``python -m training.debias``)."""
    return Path(root or CHECKPOINT_DIR) / "mnist" / "debias.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` and rename the result onto ``path``: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; checkpoints are meant to be shared
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_checkpoint(
    bundle: keras.Model,
    card: dict[str, Any],
    dataset: str,
    name: str,
    progress_png: bytes | None = None,
    root: Path | None = None,
) -> dict[str, Path]:
    """Write weights, then the progress grid, then the card (last: a card always matches its weights)."""
    paths = checkpoint_paths(dataset, name, root)
    atomic_write(paths["weights"], lambda p: bundle.save(p))
    if progress_png is not None:
        atomic_write(paths["progress"], lambda p: p.write_bytes(progress_png))
    card = {
        **card,
        "weights_sha256": sha256_file(paths["weights"]),
        "weights_bytes": paths["weights"].stat().st_size,
        "format_version": CARD_FORMAT_VERSION,
    }
    atomic_write(paths["card"], lambda p: p.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n"))
    return paths


def _rebuild_hint(dataset: str, name: str) -> str:
    try:
        command = get_spec(name).checkpoint_command(dataset)
    except KeyError:
        command = "python -m training --all"
    return f"Rebuild it with: {command}"


def read_card(dataset: str, name: str, root: Path | None = None) -> dict[str, Any]:
    """Parse and validate a model card; raise ``CheckpointError`` saying what is wrong."""
    path = checkpoint_paths(dataset, name, root)["card"]
    hint = _rebuild_hint(dataset, name)
    if not path.exists():
        raise CheckpointError(f"No model card at {path}: this model has not been trained. {hint}")
    try:
        card = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"Model card {path} is not valid JSON ({err}). {hint}") from None
    if not isinstance(card, dict):
        raise CheckpointError(f"Model card {path} is not a JSON object. {hint}")
    version = card.get("format_version")
    if not isinstance(version, int) or version > CARD_FORMAT_VERSION:
        raise CheckpointError(
            f"Model card {path} has format version {version!r}; this Latent Lab reads "
            f"version {CARD_FORMAT_VERSION}. Update Latent Lab, or: {hint}"
        )
    unknown = sorted(set(card) - CARD_FIELDS)
    if unknown:
        raise CheckpointError(f"Model card {path} has unknown fields {unknown}. {hint}")
    missing = sorted({"model", "dataset", "weights_sha256", "metrics"} - set(card))
    if missing:
        raise CheckpointError(f"Model card {path} lacks fields {missing}. {hint}")
    return card


def load_checkpoint(
    dataset: str, name: str, root: Path | None = None, verify_hash: bool = True, runtime: Any = None
) -> tuple[Any, dict[str, Any]]:
    """Load a bundle after checking its card, one clear error otherwise: whatever ``runtime.load`` makes of the
    file (``models.runtime.inference.Runtime``; default Keras, ``safe_mode=True``)."""
    card = read_card(dataset, name, root)
    path = checkpoint_paths(dataset, name, root)["weights"]
    hint = _rebuild_hint(dataset, name)
    if not path.exists():
        raise CheckpointError(f"Checkpoint {path} is missing (its card is there). {hint}")
    if verify_hash and sha256_file(path) != card["weights_sha256"]:
        raise CheckpointError(
            f"Checkpoint {path} does not match its card {path.with_suffix('.json').name} "
            f"(different SHA-256): one of them was replaced. {hint}"
        )
    try:
        if runtime is None:
            from models.nets.keras_runtime import KERAS as runtime  # late: reading cards must not wait for TensorFlow
        bundle = runtime.load(path)
    except Exception as err:  # Keras raises many types for a corrupt zip/h5; all mean the same here.
        raise CheckpointError(
            f"Checkpoint {path} could not be loaded ({type(err).__name__}: "
            f"{str(err).splitlines()[0][:200] if str(err) else ''}). {hint}"
        ) from None
    return bundle, card


def read_tsne_map(dataset: str, name: str, weights_sha256: str | None) -> np.ndarray | None:
    """The precomputed t-SNE of the model's codings of the committed sample (``python -m training.tsne``), or
    None if it is missing, damaged, or was computed from other weights than ``weights_sha256``."""
    try:
        with np.load(checkpoint_paths(dataset, name)["tsne"]) as data:
            if str(data["weights_sha256"]) != weights_sha256:
                return None
            return np.asarray(data["embedding"], np.float32)
    except (OSError, ValueError, KeyError):
        return None


def read_pretraining_curve(dataset: str) -> dict | None:
    """Test accuracy against labelled images per class (``python -m training.pretraining``), or None if it has
    not been computed (or the file is damaged)."""
    try:
        result = json.loads(pretraining_path(dataset).read_text())
        return result if isinstance(result.get("points"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


def read_json_result(path: Path, required: str) -> dict | None:
    """A stored result (JSON object holding ``required``), or None if it is missing or damaged."""
    try:
        result = json.loads(path.read_text())
        return result if isinstance(result, dict) and required in result else None
    except (OSError, ValueError):
        return None


def read_progress(dataset: str, name: str) -> bytes | None:
    """A GAN's per-epoch sample sprite (PNG) saved beside its checkpoint, or None if there is none."""
    try:
        return checkpoint_paths(dataset, name)["progress"].read_bytes()
    except OSError:
        return None
