"""What the app and a live-training worker send each other: frozen dataclasses, no TensorFlow on either side's
import. Commands go app → worker (``Command``); messages come back (``Ready``, ``Failed``, ``Snapshot``); ``Status``
is what the supervisor tells the page about one session.
"""

from __future__ import annotations

import io
import json
import os
import re
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


# ---------------------------------------------------------------- a run as bytes (class rooms across replicas)

RUN_MAGIC = b"latent-lab-run/1\n"  # what a class room's store holds of the lecturer's run (``pages/ui/live.py``)
_ARRAY_DTYPES = "biuf"  # booleans, integers and floats: never objects (``np.load(allow_pickle=False)`` refuses them)
_WORD = re.compile(r"[a-z0-9_]{0,64}")  # catalogue keys: a state, a note, a notice, an error


def _word(value: object, allowed: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str) or not _WORD.fullmatch(value) or (allowed is not None and value not in allowed):
        raise ValueError(f"not a run field: {value!r}")
    return value


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)  # raises on object arrays: nothing to unpickle later
    return buffer.getvalue()


def status_to_bytes(status: Status) -> bytes:
    """``status`` (the lecturer's run as its page sees it) as bytes another process reads with
    ``status_from_bytes``: a JSON header for the scalars, then one ``.npy`` blob per array, curves included. No
    pickles: a reader runs nothing the writer chose."""
    snap, blobs = status.snapshot, []
    header: dict[str, object] = {
        "slots": status.slots,
        "trainer": status.trainer,
        "held": status.held,
        "position": status.position,
        "error": None if status.error is None else [status.error.key, status.error.detail],
        "parked": status.parked,
        "snapshot": None,
        "arrays": [],
    }
    if snap is not None:
        named = {"curve_steps": np.asarray(snap.curve_steps, np.int64)}
        named |= {f"curve:{k}": np.asarray(v, np.float64) for k, v in snap.curves.items()}
        named |= {f"array:{k}": v for k, v in snap.arrays.items()}
        blobs = [(name, _npy(array)) for name, array in named.items()]
        header["arrays"] = [[name, len(blob)] for name, blob in blobs]
        header["snapshot"] = {
            "lesson": snap.lesson,
            "state": snap.state,
            "step": int(snap.step),
            "epoch": float(snap.epoch),
            "elapsed": float(snap.elapsed),
            "steps_per_s": float(snap.steps_per_s),
            "note": snap.note,
            "seq": int(snap.seq),
            "notice": snap.notice,
        }
    text = json.dumps(header, separators=(",", ":")).encode()
    return b"".join([RUN_MAGIC, len(text).to_bytes(4, "big"), text, *(blob for _, blob in blobs)])


def status_from_bytes(data: bytes) -> Status:
    """The ``Status`` that ``status_to_bytes`` wrote; ``ValueError`` for anything else (a truncated, forged or
    other-version payload), never an unpickled object."""
    try:
        if not data.startswith(RUN_MAGIC):
            raise ValueError("not a run payload")
        at = len(RUN_MAGIC) + 4
        length = int.from_bytes(data[len(RUN_MAGIC) : at], "big")
        header = json.loads(data[at : at + length])
        at += length
        arrays: dict[str, np.ndarray] = {}
        for name, size in header["arrays"]:
            if not isinstance(name, str) or not isinstance(size, int) or size < 0 or at + size > len(data):
                raise ValueError("a run payload's array does not fit it")
            array = np.load(io.BytesIO(data[at : at + size]), allow_pickle=False)
            if array.dtype.kind not in _ARRAY_DTYPES:
                raise ValueError(f"a run payload's array of {array.dtype}")
            arrays[name] = array
            at += size
        if at != len(data):
            raise ValueError("a run payload with bytes left over")
        snapshot = None
        if (s := header["snapshot"]) is not None:
            snapshot = Snapshot(
                _word(s["lesson"], LESSONS),
                _word(s["state"], STATES),
                int(s["step"]),
                float(s["epoch"]),
                float(s["elapsed"]),
                float(s["steps_per_s"]),
                [int(v) for v in arrays.pop("curve_steps")],
                {k[6:]: [float(v) for v in a] for k, a in arrays.items() if k.startswith("curve:")},
                {k[6:]: a for k, a in arrays.items() if k.startswith("array:")},
                _word(s["note"]),
                int(s["seq"]),
                _word(s["notice"]),
            )
        error = header["error"]
        position = header["position"]
        return Status(
            int(header["slots"]),
            _word(header["trainer"], ("none", "warming", "ready")),
            bool(header["held"]),
            None if position is None else int(position),
            None if error is None else Failed(_word(error[0]), str(error[1])),
            snapshot,
            bool(header["parked"]),
        )
    except (KeyError, TypeError, IndexError, EOFError, OSError) as err:  # a malformed header or blob
        raise ValueError(f"not a run payload: {type(err).__name__}") from err
