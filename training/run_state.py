"""The full state of a long training run, saved after every epoch so ``--resume`` can continue it.

A GAN may train for an hour; a killed process or a closed laptop must not cost that hour. The run
folder (outside ``checkpoints/``: it holds optimiser moments and the raw generator, which never ship)
keeps one ``state.npz`` — every network weight, both optimisers' variables, the EMA generator and the
noise generators' seed states (the trainer's and every dropout layer's) — and ``meta.json`` with the epoch,
the history and the seconds spent so far. Both are written atomically, so an interruption mid-save leaves the previous epoch intact.
Because each epoch's shuffle is seeded by its index, a resumed run sees the same batches as an
uninterrupted one and ends with the same weights.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from models.checkpoints import atomic_write
from models.registry import ModelSpec

RUNS_DIR = Path(os.environ.get("LATENT_LAB_RUNS", Path.home() / ".cache" / "latent_lab" / "runs"))


def run_dir_for(dataset: str, name: str, root: Path | None = None) -> Path:
    """Where ``python -m training NAME --dataset DATASET`` keeps its resumable state."""
    return Path(root or RUNS_DIR) / dataset / name


class RunState:
    """Save and restore a trainer's state in ``folder`` (``models.nets.gan.GAN``, or any with ``state_variables()``)."""

    def __init__(self, folder: Path, spec: ModelSpec, epochs: int, steps: int | None):
        self.folder, self.spec = Path(folder), spec
        self.plan = {"model": spec.name, "epochs": epochs, "steps": steps, "recipe_seed": spec.recipe.seed}

    @staticmethod
    def variables(trainer) -> list:
        """Every variable a GAN trainer's run depends on, in a fixed order (live training parks runs with it)."""
        if hasattr(trainer, "state_variables"):  # a trainer that lists its own (the CycleGAN)
            return trainer.state_variables()
        networks = [trainer.generator, trainer.discriminator]
        if trainer.ema_generator is not None:
            networks.append(trainer.ema_generator)
        variables = [v for net in networks for v in net.weights]
        variables += list(trainer.d_optimizer.variables) + list(trainer.g_optimizer.variables)
        # Random layers (dropout) keep their own seed state outside ``weights``: a resumed run must draw the
        # same masks an uninterrupted one would.
        seeds = [
            layer.seed_generator.state
            for net in networks
            for layer in net.layers
            if getattr(layer, "seed_generator", None) is not None
        ]
        return [*variables, *seeds, trainer.seed_generator.state]

    def save(self, trainer, epoch: int, history: dict, frames: list[np.ndarray], seconds: float) -> None:
        """Write the state after ``epoch`` epochs (atomically: an interruption keeps the previous one)."""
        arrays = {f"v{i}": np.asarray(v.numpy()) for i, v in enumerate(self.variables(trainer))}
        arrays["frames"] = np.stack(frames) if frames else np.zeros((0, 56, 280), np.uint8)

        def write_state(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

        atomic_write(self.folder / "state.npz", write_state)
        meta = {**self.plan, "epoch": epoch, "history": history, "seconds": round(seconds, 1)}
        atomic_write(self.folder / "meta.json", lambda p: p.write_text(json.dumps(meta, indent=1) + "\n"))

    def load(self, trainer) -> tuple[int, dict, list[np.ndarray], float] | None:
        """Restore ``trainer`` in place; return (epochs done, history, frames, training seconds so far),
        or None if nothing is saved.

        A run may be extended (more epochs than it was planned with): each epoch's batches depend only on its
        index and the learning rates are constant, so the result equals an uninterrupted run of the longer plan.
        Raises ``ValueError`` when the saved run was planned differently (another model, steps or seed, or
        more epochs done than now planned): continuing it would not give what an uninterrupted run gives.
        """
        meta_path, state_path = self.folder / "meta.json", self.folder / "state.npz"
        if not (meta_path.exists() and state_path.exists()):
            return None
        meta = json.loads(meta_path.read_text())
        planned = {k: meta.get(k) for k in self.plan}
        same = all(planned[k] == self.plan[k] for k in self.plan if k != "epochs")
        if not same or int(meta["epoch"]) > self.plan["epochs"]:
            raise ValueError(
                f"the run in {self.folder} was planned as {planned}, not {self.plan}; delete that folder to start over"
            )
        variables = self.variables(trainer)
        with np.load(state_path) as saved:
            if len(saved.files) - 1 != len(variables):
                raise ValueError(
                    f"{state_path} holds {len(saved.files) - 1} variables, this model has "
                    f"{len(variables)}; delete that folder to start over"
                )
            for i, variable in enumerate(variables):
                variable.assign(saved[f"v{i}"])
            frames = list(saved["frames"])
        return int(meta["epoch"]), meta["history"], frames, float(meta.get("seconds", 0.0))
