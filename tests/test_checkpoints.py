"""Committed checkpoints reproduce their cards; broken ones fail with the file and the rebuild command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from models.checkpoints import CHECKPOINT_DIR, CheckpointError, checkpoint_paths, load_checkpoint
from models.data.samples import load_sample
from models.registry import REGISTRY, TOY_DATASET
from training.verify import differences, reevaluate

ROOT = Path(__file__).resolve().parent.parent
# Every card the app reads, re-scored from its weights on the committed sample (the toy's points are regenerated).
REPRODUCED = [(ds, spec.name) for spec in REGISTRY.values() for ds in spec.datasets]


@pytest.mark.parametrize("dataset, name", REPRODUCED)
def test_committed_checkpoint_reproduces_card_on_sample(dataset, name):
    sample = None if dataset == TOY_DATASET else load_sample(dataset)
    card, now = reevaluate(dataset, name, sample=sample)
    assert card, "card has no sample metrics"
    assert differences(card, now) == []


def test_differences_detects_drift():
    assert differences({"mse": 0.01, "kl": [1.0, 2.0]}, {"mse": 0.01, "kl": [1.0, 2.0]}) == []
    assert differences({"mse": 0.01}, {"mse": 0.0102}) != []
    assert differences({"kl": [1.0, 2.0]}, {"kl": [1.0]}) != []


@pytest.fixture
def ckpt_copy(tmp_path):
    """A private copy of one committed checkpoint to break."""
    src = checkpoint_paths("mnist", "stacked_ae")
    dst = checkpoint_paths("mnist", "stacked_ae", tmp_path)
    dst["weights"].parent.mkdir(parents=True)
    for key in ("weights", "card"):
        shutil.copy(src[key], dst[key])
    return tmp_path, dst


def _error(root) -> str:
    with pytest.raises(CheckpointError) as err:
        load_checkpoint("mnist", "stacked_ae", root)
    message = str(err.value)
    assert "python -m training stacked_ae --dataset mnist" in message  # always says how to rebuild
    return message


def test_copy_loads(ckpt_copy):
    bundle, card = load_checkpoint("mnist", "stacked_ae", ckpt_copy[0])
    assert card["model"] == "stacked_ae" and bundle.count_params() == card["parameters"]


def test_missing_weights(ckpt_copy):
    root, paths = ckpt_copy
    paths["weights"].unlink()
    assert "stacked_ae.keras is missing" in _error(root)


def test_missing_card(ckpt_copy):
    root, paths = ckpt_copy
    paths["card"].unlink()
    assert "not been trained" in _error(root)


def test_truncated_keras_file(ckpt_copy):
    root, paths = ckpt_copy
    data = paths["weights"].read_bytes()
    paths["weights"].write_bytes(data[: len(data) // 3])
    card = json.loads(paths["card"].read_text())
    from models.checkpoints import sha256_file

    card["weights_sha256"] = sha256_file(paths["weights"])  # hash matches: the zip itself is broken
    paths["card"].write_text(json.dumps(card))
    assert "could not be loaded" in _error(root)


def test_card_does_not_match_weights(ckpt_copy):
    root, paths = ckpt_copy
    shutil.copy(checkpoint_paths("mnist", "tied_ae")["weights"], paths["weights"])
    assert "does not match its card" in _error(root)


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda c: c.update(surprise=1), "unknown fields ['surprise']"),
        (lambda c: c.update(format_version=99), "format version 99"),
        (lambda c: c.pop("metrics"), "lacks fields ['metrics']"),
    ],
)
def test_card_problems(ckpt_copy, edit, fragment):
    root, paths = ckpt_copy
    card = json.loads(paths["card"].read_text())
    edit(card)
    paths["card"].write_text(json.dumps(card))
    assert fragment in _error(root)


def test_card_not_json(ckpt_copy):
    root, paths = ckpt_copy
    paths["card"].write_text("{ not json")
    assert "not valid JSON" in _error(root)


# ---------------------------------------------------------------- the training CLI on fake data


def _fake_dataset(folder: Path, **override) -> Path:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (60_000, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 60_000, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (10_000, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 10_000, dtype=np.uint8),
        **override,
    }
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "mnist.npz", **arrays)
    return folder


def _cli(args, ckpt_root: Path, **popen):
    env = {
        **os.environ,
        "LATENT_LAB_CHECKPOINTS": str(ckpt_root),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "LATENT_LAB_RUNS": str(ckpt_root.parent / "cache" / "runs"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "training", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        **popen,
    )


def _output(proc: subprocess.Popen, timeout: float) -> str:
    """The command's output once it ends; one that runs past ``timeout`` is killed, never left running."""
    try:
        return proc.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        out = proc.communicate()[0]
        pytest.fail(f"{proc.args} ran past {timeout} s and was killed; its output:\n{out}")


def test_a_command_that_runs_past_its_timeout_is_killed():
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; print('started', flush=True); time.sleep(120)"],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    with pytest.raises(pytest.fail.Exception, match="ran past 1 s"):
        _output(proc, timeout=1)
    assert proc.returncode is not None  # it is dead, not running on after the test


def test_cli_trains_one_model_and_writes_card(tmp_path):
    data = _fake_dataset(tmp_path / "data")
    proc = _cli(
        [
            "stacked_ae",
            "--dataset",
            "mnist",
            "--data-dir",
            str(data),
            "--epochs",
            "1",
            "--steps",
            "2",
            "--replace-shipped",
        ],
        tmp_path / "ckpt",
    )
    out = _output(proc, timeout=240)
    assert proc.returncode == 0, out
    assert "[data] mnist:" in out and "mnist.npz" in out  # the data source is printed
    card = json.loads((tmp_path / "ckpt" / "mnist" / "stacked_ae.json").read_text())
    assert card["epochs"] == 1 and card["seed"] == 42 and len(card["data_sha256"]) == 64
    assert {"mse", "bce"} <= set(card["metrics"]) and card["train_seconds"] > 0
    load_checkpoint("mnist", "stacked_ae", tmp_path / "ckpt")


def test_bad_data_never_writes_a_checkpoint(tmp_path):
    data = _fake_dataset(tmp_path / "data", x_train=np.zeros((60_000, 28, 28), np.float32))
    proc = _cli(["stacked_ae", "--dataset", "mnist", "--data-dir", str(data)], tmp_path / "ckpt")
    out = _output(proc, timeout=120)
    assert proc.returncode == 1
    assert "dataset error" in out and "mnist.npz" in out and "uint8" in out
    assert not list((tmp_path / "ckpt").rglob("*.keras"))


def _copy_shipped_stacked_ae(root: Path) -> None:
    for key in ("weights", "card"):
        target = checkpoint_paths("mnist", "stacked_ae", root)[key]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(checkpoint_paths("mnist", "stacked_ae", CHECKPOINT_DIR)[key], target)


def test_killed_training_leaves_previous_checkpoint_intact(tmp_path):
    root = tmp_path / "ckpt"
    _copy_shipped_stacked_ae(root)
    before = {p.name: p.read_bytes() for p in (root / "mnist").iterdir()}
    data = _fake_dataset(tmp_path / "data")
    proc = _cli(
        ["stacked_ae", "--dataset", "mnist", "--data-dir", str(data), "--epochs", "50", "--replace-shipped"],
        root,
        start_new_session=True,
    )
    deadline = time.time() + 180
    for line in proc.stdout:  # wait until it is inside an epoch
        if line.startswith("Epoch 2/") or time.time() > deadline:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    after = {p.name: p.read_bytes() for p in (root / "mnist").iterdir() if not p.name.startswith(".")}
    assert after == before
    load_checkpoint("mnist", "stacked_ae", root)


def test_trial_run_leaves_shipped_checkpoints_untouched(tmp_path):
    """``--epochs``/``--steps`` without ``--replace-shipped`` writes to a scratch folder and says where."""
    root = tmp_path / "ckpt"
    _copy_shipped_stacked_ae(root)
    before = {p.name: p.read_bytes() for p in (root / "mnist").iterdir()}
    data = _fake_dataset(tmp_path / "data")
    proc = _cli(["stacked_ae", "--dataset", "mnist", "--data-dir", str(data), "--epochs", "1", "--steps", "2"], root)
    out = _output(proc, timeout=240)
    assert proc.returncode == 0, out
    scratch = tmp_path / "cache" / "trials"
    assert str(scratch) in out  # it says where the trial went
    assert {p.name: p.read_bytes() for p in (root / "mnist").iterdir()} == before
    assert json.loads((scratch / "mnist" / "stacked_ae.json").read_text())["epochs"] == 1


def test_import_models_is_enough_to_load_any_checkpoint_with_keras():
    """``import models`` then plain ``keras.models.load_model(..., safe_mode=True)`` loads the checkpoints with
    custom layers (tied, sparse, DCGAN's minibatch-stddev), in a fresh interpreter where nothing else
    registered them; and ``import models`` alone still imports no Keras (the app's cold start)."""
    code = (
        "import sys, models\n"
        "assert 'keras' not in sys.modules\n"
        "import keras\n"
        "for name in ('tied_ae', 'sparse_kl', 'sparse_l1', 'dcgan'):\n"
        "    keras.models.load_model(f'checkpoints/mnist/{name}.keras', safe_mode=True)\n"
        "print('loaded')\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "loaded"
