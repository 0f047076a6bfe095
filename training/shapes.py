"""Train a β-VAE (or β-TCVAE) on the shapes grid (``models/data/shapes.py``) and score its disentanglement.

Called by ``python -m training NAME`` for the registry's shapes models. There is no test split in dSprites:
models train on every image, as in the literature, and are scored on a fixed random 10,000 of them (MIG, as
disentanglement_lib does) and on the committed sample (``checkpoints/samples/shapes_test_sample.npz``).
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from models.checkpoints import atomic_write, save_checkpoint
from models.data import shapes
from models.data.samples import sample_path
from models.eval.disentanglement import disentanglement_report
from models.eval.evaluation import evaluate_vae
from models.nets.vae import VAE
from models.registry import SHAPES_DATASET, ModelSpec
from models.runtime.inference import VariationalAE, to_model_input, wrap
from training.recipes import vae_trainer
from training.run_state import RunState, run_dir_for

SCORE_IMAGES, SCORE_SEED = 10_000, 0
SAMPLE_IMAGES, SAMPLE_SEED = 1_000, 1
SOURCE = "models.data.shapes.generate() (dSprites' factor grid, rendered at 32×32)"


def write_sample(root: Path | None = None) -> Path:
    """A seeded 1,000 images with their factor indices (as ``y``): what the app and the tests use."""
    idx = np.sort(np.random.default_rng(SAMPLE_SEED).choice(shapes.N_IMAGES, SAMPLE_IMAGES, replace=False))
    x, factors = shapes.generate(idx)
    path = sample_path(SHAPES_DATASET, root)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, x=x, y=factors, indices=idx)

    atomic_write(path, write)
    return path


def _batches(images: np.ndarray, batch_size: int, seed: int) -> tf.data.Dataset:
    """One epoch in a full, seeded permutation: the grid is stored in factor order, so a shuffle buffer would not do."""
    order = np.random.default_rng(seed).permutation(len(images))
    options = tf.data.Options()
    options.autotune.enabled = False  # the post-fit stall measured here (docs/DECISIONS.md)
    source = tf.constant(images)
    ds = tf.data.Dataset.from_tensor_slices(order).batch(batch_size, drop_remainder=True)
    ds = ds.map(lambda idx: tf.cast(tf.gather(source, idx)[..., None], tf.float32) / 255.0)
    return ds.prefetch(2).with_options(options)


def shapes_trainer(spec: ModelSpec) -> VAE:
    trainer = vae_trainer(spec, dataset_size=shapes.N_IMAGES)
    # Built now, so a resumed run can restore the optimiser's moments before the first step.
    trainer.optimizer.build(trainer.encoder.trainable_variables + trainer.decoder.trainable_variables)
    return trainer


def score(model: VariationalAE) -> dict:
    """−ELBO, KL per dimension and the MI/MIG report on the fixed 10,000 scoring images."""
    idx = np.sort(np.random.default_rng(SCORE_SEED).choice(shapes.N_IMAGES, SCORE_IMAGES, replace=False))
    x, factors = shapes.generate(idx)
    metrics = evaluate_vae(model, x)
    codes = model.encode(to_model_input(x))
    report = disentanglement_report(codes, factors, shapes.factor_entropies(), shapes.FACTORS)
    return {**metrics, **report}


def train_shapes(
    spec: ModelSpec,
    root: Path | None = None,
    epochs: int | None = None,
    steps: int | None = None,
    verbose: int = 2,
    resume: bool = False,
    run_root: Path | None = None,
) -> dict:
    """Fit epoch by epoch (resumable: the state is saved after each), score, and write checkpoint and card."""
    from training.run import _card

    keras.utils.set_random_seed(spec.recipe.seed)
    epochs = epochs or spec.recipe.epochs
    images, _ = shapes.generate()
    trainer = shapes_trainer(spec)
    state = RunState(run_dir_for(SHAPES_DATASET, spec.name, run_root), spec, epochs, steps)
    saved = state.load(trainer) if resume else None
    start_epoch, history, _, seconds_before = saved if saved else (0, {}, [], 0.0)
    if saved:
        print(f"[resume] {spec.name}: continuing after epoch {start_epoch} of {epochs}", flush=True)
    start = time.perf_counter()
    for epoch in range(start_epoch, epochs):
        data = _batches(images, spec.recipe.batch_size, spec.recipe.seed + epoch)
        logs = trainer.fit(data, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=steps, verbose=verbose)
        for key, values in logs.history.items():
            history.setdefault(key, []).extend(float(v) for v in values)
        state.save(trainer, epoch + 1, history, [], seconds_before + time.perf_counter() - start)
    seconds = seconds_before + time.perf_counter() - start
    image = keras.Input((shapes.RESOLUTION, shapes.RESOLUTION, 1), name="image")
    bundle = keras.Model(image, trainer.decoder(trainer.encoder(image)[0]), name=spec.name)
    card = _card(spec, SHAPES_DATASET, SOURCE, "", seconds, history, bundle.count_params(), epochs)
    model = wrap(spec, SHAPES_DATASET, bundle, card)
    metrics = score(model)
    x_s = np.load(write_sample(root))["x"]
    sample_metrics = evaluate_vae(model, x_s)
    save_checkpoint(
        bundle, {**card, "metrics": metrics, "sample_metrics": sample_metrics}, SHAPES_DATASET, spec.name, root=root
    )
    return metrics
