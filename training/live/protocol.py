"""What the app and a live-training worker send each other: frozen dataclasses, no TensorFlow on either side's
import. Commands go app → worker (``Command``); messages come back (``Ready``, ``Failed``, ``Snapshot``); ``Status``
is what the supervisor tells the page about one session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

LESSONS = ("ae", "vae", "course_ae", "points", "images", "course_gan")
POINT_SETS = ("ring", "grid")
GENERATOR_LOSSES = (
    "non_saturating",
    "saturating",
)  # the GAN lessons' generator losses (models.nets.gan.generator_loss)
STATES = ("idle", "training", "paused", "diverged", "capped")
MAP_IMAGES = 1000  # test codes drawn on the latent map (the committed sample)
RECONSTRUCTED = 8  # fixed test images reconstructed in every snapshot
SAMPLES = 16  # fixed-noise images of the image GAN
GRID = 41  # the discriminator's heat-map: GRID × GRID points over [-LIMIT, LIMIT]²
LIMIT = 3.0
CAP_S = float(os.environ.get("LATENT_LAB_LIVE_CAP_S", 300))  # training seconds one run may use
LIVE_SETTINGS = (
    "learning_rate",
    "g_learning_rate",
    "beta",
    "batch_size",
    "g_loss",
)  # a run takes these while it trains


@dataclass(frozen=True)
class Settings:
    """One run's settings; changing ``lesson``, ``dataset``, ``points`` or ``seed`` starts a new run, the others
    apply while it trains."""

    lesson: str = "ae"
    dataset: str = "mnist"  # the image lessons' dataset
    points: str = "ring"  # the 2-D GAN's real distribution
    learning_rate: float = 1e-3  # AE/VAE; the discriminator's for GANs
    g_learning_rate: float = 1e-3  # GANs: the generator's
    batch_size: int = 128
    seed: int = 42
    beta: float = 1.0  # VAE: weight of the KL term
    g_loss: str = "non_saturating"  # GANs: the generator's loss, one of GENERATOR_LOSSES
    cap_s: float = CAP_S  # training seconds the run may use (the server's setting)

    def same_run(self, other: Settings) -> bool:
        return (self.lesson, self.dataset, self.points, self.seed) == (
            other.lesson,
            other.dataset,
            other.points,
            other.seed,
        )


@dataclass
class Snapshot:
    """The state of a run, as the page draws it. ``curves`` hold one point per snapshot: the mean of each loss
    over the steps since the previous one, at step ``curve_steps[i]``."""

    lesson: str
    state: str
    step: int = 0
    epoch: float = 0.0
    elapsed: float = 0.0  # seconds spent training (pauses excluded)
    steps_per_s: float = 0.0
    curve_steps: list[int] = field(default_factory=list)
    curves: dict[str, list[float]] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    note: str = ""  # a catalogue key under learn.note, e.g. the data it trains on
    seq: int = 0  # counts snapshots: the page redraws only when it changed
    notice: str = ""  # a catalogue key under learn.notice: what happened to this run that the page must say


# ---------------------------------------------------------------- commands (app → worker)


@dataclass(frozen=True)
class Build:
    """Start a new run with these settings (Reset; Train after the lesson, data or seed changed)."""

    settings: Settings


@dataclass(frozen=True)
class Train:
    """Run freely until paused, stopped or rebuilt."""


@dataclass(frozen=True)
class Pause:
    """Hold the run after the current batch."""


@dataclass(frozen=True)
class Step:
    """Train ``n`` batches, then pause."""

    n: int = 1


@dataclass(frozen=True)
class Tune:
    """Settings a run takes while it trains (``LIVE_SETTINGS``): their new values."""

    values: dict[str, float | int | str]


@dataclass(frozen=True)
class Drop:
    """Forget the run: its session left."""


@dataclass(frozen=True)
class Park:
    """Save the paused run to ``path`` (for whichever worker continues it), then forget it."""

    path: str


@dataclass(frozen=True)
class Restore:
    """After ``Build``: continue the run saved at ``path``."""

    path: str


@dataclass(frozen=True)
class Quit:
    """End the worker process."""


Command = Build | Train | Pause | Step | Tune | Drop | Park | Restore | Quit
Action = Train | Step | Pause | Build  # what the page's buttons ask of ``Supervisor.start``


# ---------------------------------------------------------------- messages (worker → app), besides Snapshot


@dataclass(frozen=True)
class Ready:
    """Keras is imported; ``warmed``: the default lesson was built and trained one batch first."""

    pid: int
    warmed: bool


@dataclass(frozen=True)
class Failed:
    """The worker cannot go on: ``key`` is a catalogue key under ``learn.error``."""

    key: str
    detail: str


Message = Ready | Failed | Snapshot


# ---------------------------------------------------------------- what the page draws


@dataclass(frozen=True)
class Status:
    """One session's live training as the page shows it, from the supervisor alone."""

    slots: int  # trainings the server runs at once
    trainer: str = "none"  # "none", "warming" or "ready": the session's trainer, or the spare while it holds none
    held: bool = False  # the session has a run: training, queued or parked
    position: int | None = None  # in the queue (1: next); None when not waiting
    error: Failed | None = None  # the session's trainer died: what the page says, with Restart
    snapshot: Snapshot | None = None  # the run's latest (a parked run's last, until a trainer restores it)
    parked: bool = False  # paused long enough to give its trainer back
