"""MNIST and Fashion-MNIST, returned exactly as ``keras.datasets.*.load_data()`` returns them.

Sources, in order: a folder given by ``--data-dir`` or ``$LATENT_LAB_DATA_DIR`` (Keras-layout
``<name>.npz`` or the original IDX files, gzipped or not, directly there or in a sub-folder
such as Debian's ``fashion-mnist/``); Keras' own cache; Keras' download. Any problem raises
``DatasetError`` naming the file and what is wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASETS = ("mnist", "fashion_mnist")
ENV_VAR = "LATENT_LAB_DATA_DIR"
KERAS_CACHE = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
SUBFOLDERS = {"mnist": ("mnist",), "fashion_mnist": ("fashion-mnist", "fashion_mnist")}
COUNTS = {"train": 60_000, "test": 10_000}

Split = tuple[np.ndarray, np.ndarray]


class DatasetError(RuntimeError):
    """The dataset could not be found or is malformed; the message says which file and how to fix it."""


@dataclass(frozen=True)
class LoadedDataset:
    name: str
    train: Split
    test: Split
    source: str  # where the arrays came from, printed by training and written into cards
    sha256: str  # checksum of the four arrays, independent of the file format


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise DatasetError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")


def _validate(arrays: dict[str, np.ndarray], origin: str, full: bool = True) -> None:
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or y.dtype != np.uint8:
            raise DatasetError(f"{origin}: x_{split}/y_{split} must be uint8, found {x.dtype}/{y.dtype}.")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise DatasetError(f"{origin}: x_{split} must have shape (N, 28, 28), found {x.shape}.")
        if y.shape != (len(x),):
            raise DatasetError(f"{origin}: y_{split} must have shape ({len(x)},), found {y.shape}.")
        if full and len(x) != COUNTS[split]:
            raise DatasetError(f"{origin}: x_{split} has {len(x)} images, expected {COUNTS[split]}.")
        if len(y) and y.max() > 9:
            raise DatasetError(f"{origin}: y_{split} has label {int(y.max())}; labels must be 0..9.")


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in IDX_FILES if k not in data.files]
            if missing:
                raise DatasetError(f"{path}: missing arrays {missing} (found {data.files}).")
            return {k: data[k] for k in IDX_FILES}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise DatasetError(
            f"{path}: not a readable .npz archive ({err}); it may be truncated. Replace the file with a fresh copy."
        ) from None


def _read_idx(path: Path) -> np.ndarray:
    """Parse one IDX file (magic 0x0000 08 nd, big-endian dims, uint8 data), gzipped or not."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise DatasetError(f"{path}: cannot decompress ({err}); the archive is truncated or corrupt.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path}: not an IDX file of unsigned bytes (bad magic number).")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = raw[4 + 4 * ndim :]
    if len(body) != int(np.prod(dims)):
        raise DatasetError(
            f"{path}: header says {dims} ({int(np.prod(dims))} bytes) but holds "
            f"{len(body)} bytes; the file is truncated."
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(dims).copy()


def _find_idx(folder: Path) -> dict[str, Path] | None:
    found = {}
    for key, stem in IDX_FILES.items():
        candidates = [folder / f"{stem}.gz", folder / stem]
        path = next((p for p in candidates if p.exists()), None)
        if path is None:
            return None
        found[key] = path
    return found


def _from_folder(name: str, folder: Path) -> tuple[dict[str, np.ndarray], str] | None:
    npz = folder / f"{name}.npz"
    if npz.exists():
        return _read_npz(npz), str(npz)
    for sub in (folder, *[folder / s for s in SUBFOLDERS[name]]):
        idx = _find_idx(sub) if sub.is_dir() else None
        if idx:
            return {k: _read_idx(p) for k, p in idx.items()}, f"{sub} (IDX files)"
    return None


def _from_keras(name: str, download: bool) -> tuple[dict[str, np.ndarray], str] | None:
    """Keras' cache (no network) or, if ``download``, Keras' own ``load_data()``."""
    cached = _from_folder(name, KERAS_CACHE)
    if cached:
        return cached[0], f"Keras cache {cached[1]}"
    if not download:
        return None
    import keras  # imported late: reading local files should not need TensorFlow

    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as err:  # network errors come in many types
        raise DatasetError(
            f"No local copy of {name} and Keras could not download it ({type(err).__name__}: {err}). "
            f"Point Latent Lab at a folder holding {name}.npz or the IDX .gz files: "
            f"--data-dir PATH or {ENV_VAR}=PATH (on this workplace: ../shared/datasets)."
        ) from None
    return ({"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}, "Keras download")


def checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for key in IDX_FILES:
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return digest.hexdigest()


def load_dataset(name: str, data_dir: str | Path | None = None, download: bool = True) -> LoadedDataset:
    """Load ``name`` from ``data_dir`` (or ``$LATENT_LAB_DATA_DIR``), else Keras' cache or download."""
    _check_name(name)
    folder = data_dir or os.environ.get(ENV_VAR)
    if folder:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise DatasetError(
                f"Dataset folder {folder} does not exist (from {'--data-dir' if data_dir else ENV_VAR}). Fix the path."
            )
        found = _from_folder(name, folder)
        if found is None:
            raise DatasetError(
                f"Dataset folder {folder} holds neither {name}.npz nor the four IDX files "
                f"({', '.join(f + '.gz' for f in IDX_FILES.values())})."
            )
    else:
        found = _from_keras(name, download)
        if found is None:
            raise DatasetError(f"No local copy of {name}; pass --data-dir or set {ENV_VAR}.")
    arrays, source = found
    _validate(arrays, source)
    return LoadedDataset(
        name, (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]), source, checksum(arrays)
    )


def load_data(name: str, data_dir: str | Path | None = None) -> tuple[Split, Split]:
    """Drop-in for ``keras.datasets.<name>.load_data()`` with the local-folder fallback."""
    ds = load_dataset(name, data_dir)
    return ds.train, ds.test
