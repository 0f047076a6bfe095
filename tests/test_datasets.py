"""The dataset loader: every source layout it promises, and one clear message per malformed case."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from training import datasets
from training.datasets import DatasetError, load_dataset

TRAIN, TEST = 60_000, 10_000


@pytest.fixture(scope="module")
def arrays():
    rng = np.random.default_rng(0)
    return {
        "x_train": rng.integers(0, 256, (TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, TRAIN, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, TEST, dtype=np.uint8),
    }


def _idx_bytes(a: np.ndarray) -> bytes:
    return struct.pack(">BBBB", 0, 0, 8, a.ndim) + b"".join(struct.pack(">I", d) for d in a.shape) + a.tobytes()


def _write_idx(folder, arrays, compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    for key, stem in datasets.IDX_FILES.items():
        raw = _idx_bytes(arrays[key])
        if compress:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:
            (folder / stem).write_bytes(raw)


def _assert_same(ds, arrays):
    assert ds.train[0].dtype == np.uint8 and ds.train[0].shape == (TRAIN, 28, 28)
    np.testing.assert_array_equal(ds.train[0], arrays["x_train"])
    np.testing.assert_array_equal(ds.test[1], arrays["y_test"])


def test_npz_folder(tmp_path, arrays):
    np.savez(tmp_path / "mnist.npz", **arrays)
    ds = load_dataset("mnist", tmp_path)
    _assert_same(ds, arrays)
    assert ds.source.endswith("mnist.npz") and len(ds.sha256) == 64


def test_idx_gz_in_debian_layout(tmp_path, arrays):
    _write_idx(tmp_path / "fashion-mnist", arrays)  # /usr/share/datasets/fashion-mnist
    _assert_same(load_dataset("fashion_mnist", tmp_path), arrays)


def test_uncompressed_idx_and_env_var(tmp_path, arrays, monkeypatch):
    _write_idx(tmp_path, arrays, compress=False)
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    _assert_same(load_dataset("mnist"), arrays)


def test_checksum_independent_of_format(tmp_path, arrays):
    np.savez(tmp_path / "mnist.npz", **arrays)
    _write_idx(tmp_path / "idx", arrays)
    assert load_dataset("mnist", tmp_path).sha256 == load_dataset("mnist", tmp_path / "idx").sha256


def test_keras_cache_is_used_without_download(tmp_path, arrays, monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.setattr(datasets, "KERAS_CACHE", tmp_path)
    np.savez(tmp_path / "mnist.npz", **arrays)
    ds = load_dataset("mnist", download=False)
    assert ds.source.startswith("Keras cache")
    _assert_same(ds, arrays)


def test_no_source_gives_instructions(tmp_path, monkeypatch):
    monkeypatch.delenv(datasets.ENV_VAR, raising=False)
    monkeypatch.setattr(datasets, "KERAS_CACHE", tmp_path)
    import keras

    def offline():
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetError, match="--data-dir"):
        load_dataset("mnist")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda a: a.update(x_train=a["x_train"][:, :27]), r"shape \(N, 28, 28\)"),
        (lambda a: a.update(x_test=a["x_test"].astype(np.float32)), "must be uint8"),
        (lambda a: a.update(y_train=a["y_train"][:-1]), "y_train must have shape"),
        (lambda a: a.update(x_train=a["x_train"][:100], y_train=a["y_train"][:100]), "expected 60000"),
        (lambda a: a.update(y_test=np.full(TEST, 12, np.uint8)), "labels must be 0..9"),
        (lambda a: a.pop("y_test"), "missing arrays"),
    ],
)
def test_malformed_npz(tmp_path, arrays, mutate, message):
    bad = dict(arrays)
    mutate(bad)
    np.savez(tmp_path / "mnist.npz", **bad)
    with pytest.raises(DatasetError, match=message) as err:
        load_dataset("mnist", tmp_path)
    assert "mnist.npz" in str(err.value)


def test_truncated_npz(tmp_path, arrays):
    np.savez(tmp_path / "mnist.npz", **arrays)
    data = (tmp_path / "mnist.npz").read_bytes()
    (tmp_path / "mnist.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetError, match="truncated"):
        load_dataset("mnist", tmp_path)


def test_truncated_gzip(tmp_path, arrays):
    _write_idx(tmp_path, arrays)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz.*(truncated|corrupt)"):
        load_dataset("mnist", tmp_path)


def test_idx_header_disagrees_with_body(tmp_path, arrays):
    _write_idx(tmp_path, arrays, compress=False)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetError, match="t10k-labels.*truncated"):
        load_dataset("mnist", tmp_path)


def test_bad_magic(tmp_path, arrays):
    _write_idx(tmp_path, arrays, compress=False)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"hello, this is not IDX")
    with pytest.raises(DatasetError, match="bad magic"):
        load_dataset("mnist", tmp_path)


def test_missing_and_empty_folder(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("mnist", tmp_path / "nowhere")
    with pytest.raises(DatasetError, match="neither mnist.npz nor the four IDX files"):
        load_dataset("mnist", tmp_path)


def test_unknown_dataset():
    with pytest.raises(DatasetError, match="Unknown dataset"):
        load_dataset("cifar10")


def test_load_data_is_a_drop_in_for_keras(tmp_path, arrays):
    np.savez(tmp_path / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = datasets.load_data("mnist", tmp_path)
    assert x_train.shape == (TRAIN, 28, 28) and y_test.shape == (TEST,) and x_test.dtype == np.uint8
