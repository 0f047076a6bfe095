"""A live-training worker: a process of its own (``python -m training.live.worker IN_FD OUT_FD``) that imports
Keras once, then trains one lesson at a time for whichever session holds it, as the page commands.

Training is ``trainer.fit`` on the recipe's dataset, as offline; a callback after every batch reads commands,
sends a snapshot at most every ``SNAPSHOT_S`` seconds, and holds the loop while paused. A paused run may be
parked (its state written to a file, so the worker can serve someone else) and restored by any worker. The
process ends when told to, or when its pipe closes (the app went away)."""

from __future__ import annotations

import math
import os
import sys
import time
import zipfile
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from training.live.protocol import (
    LIVE_SETTINGS,
    STATES,
    Build,
    Command,
    Drop,
    Failed,
    Park,
    Pause,
    Quit,
    Ready,
    Restore,
    Snapshot,
    Step,
    Train,
    Tune,
)

SNAPSHOT_S = 0.25
EPOCHS = 1_000_000  # fit's epoch count: runs end by pause, reset, the time cap or divergence, never by this
RESTORE_WAIT_S = 10.0  # a parked run's file may still be being written by the worker that parked it


@dataclass(frozen=True)
class Refit:
    """Within the worker: the batch size changed, so ``fit`` starts again on the same run."""


@dataclass(frozen=True)
class Stopped:
    """Within the worker: the run diverged or used its time cap."""


Ending = Command | Refit | Stopped  # what ends a ``fit`` call


class Interrupt(Exception):
    """A command that ends the current ``fit`` call (a new run, a new batch size, quit)."""

    def __init__(self, command: Ending):
        self.command = command


class Run:
    """One lesson's run: its counters, curves and the callback that steers ``fit``."""

    def __init__(self, conn_in: Connection, conn_out: Connection, settings):
        from training.live.lessons import build

        self.conn_in, self.conn_out, self.settings = conn_in, conn_out, settings
        self.lesson, self.note = build(settings)
        self.state, self.step, self.elapsed, self.seq = "idle", 0, 0.0, 0
        self.notice = ""  # e.g. "restore_failed": the page says so beside the run
        self.allowed: int | None = None  # steps left before pausing again (the Step button); None: run freely
        self.curve_steps: list[int] = []
        self.curves: dict[str, list[float]] = {name: [] for name in self.lesson.losses}
        self._sums = {name: 0.0 for name in self.lesson.losses}
        self._window = 0
        self._rate = (time.perf_counter(), 0)
        self.steps_per_s = 0.0
        self._fit_batch = settings.batch_size
        self._epoch_totals: dict[str, float] = {}
        self._last = self._sent = time.perf_counter()

    # ---------------------------------------------------------------- what the page sees

    def send(self) -> None:
        self.seq += 1
        epoch = self.step / self.lesson.steps_per_epoch(self.settings.batch_size)
        snapshot = Snapshot(
            self.settings.lesson,
            self.state,
            self.step,
            epoch,
            self.elapsed,
            self.steps_per_s,
            list(self.curve_steps),
            {k: list(v) for k, v in self.curves.items()},
            self.lesson.arrays(),
            self.note,
            self.seq,
            self.notice,
        )
        self.conn_out.send(snapshot)

    def _close_window(self) -> None:
        """One curve point: the mean of each loss over the steps since the last point."""
        if self._window:
            self.curve_steps.append(self.step)
            for name in self.curves:
                self.curves[name].append(self._sums[name] / self._window)
                self._sums[name] = 0.0
            self._window = 0
        now, steps = time.perf_counter(), self.step
        start, before = self._rate
        if now > start and steps > before:
            self.steps_per_s = (steps - before) / (now - start)
        self._rate = (now, steps)

    # ---------------------------------------------------------------- parking

    def park(self, path: str) -> None:
        """Write everything needed to continue this run (atomically: a reader never sees half a file)."""
        arrays = {f"v{i}": np.asarray(v.numpy()) for i, v in enumerate(self.lesson.variables())}
        arrays["counters"] = np.array([self.step, self.elapsed, self.seq, STATES.index(self.state)], np.float64)
        arrays["curve_steps"] = np.asarray(self.curve_steps, np.int64)
        arrays.update({f"curve_{name}": np.asarray(v, np.float64) for name, v in self.curves.items()})
        tmp = Path(f"{path}.part")
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)

    def restore(self, path: str) -> None:
        """Continue a parked run of the same lesson: its weights, moments, counters and curves; the page's
        current learning rates and β win over the saved ones. An unusable file leaves the fresh run, and its
        snapshots say so (``notice``): the page tells the lecturer why the run starts from random weights."""
        file, deadline = Path(path), time.monotonic() + RESTORE_WAIT_S
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        variables = self.lesson.variables()
        try:
            with np.load(file, allow_pickle=False) as saved:
                values = [saved[f"v{i}"] for i in range(len(variables))]
                if len(saved.files) != len(variables) + 2 + len(self.curves) or any(
                    tuple(v.shape) != a.shape for v, a in zip(variables, values)
                ):
                    raise ValueError("a different model")
                step, elapsed, seq, state = saved["counters"]
                curve_steps = saved["curve_steps"].tolist()
                curves = {name: saved[f"curve_{name}"].tolist() for name in self.curves}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:  # absent, cut short, foreign
            print(f"live worker: cannot restore {path}: {err}", file=sys.stderr)
            self.notice = "restore_failed"
            return
        finally:
            file.unlink(missing_ok=True)
        for variable, value in zip(variables, values):
            variable.assign(value)
        self.lesson.apply({k: getattr(self.settings, k) for k in LIVE_SETTINGS if k != "batch_size"})
        self.step, self.elapsed, self.seq = int(step), float(elapsed), int(seq)
        self.state = {"training": "paused"}.get(STATES[int(state)], STATES[int(state)])
        self.curve_steps, self.curves = curve_steps, curves
        self._rate = (time.perf_counter(), self.step)

    # ---------------------------------------------------------------- commands

    def handle(self, command: Command) -> None:
        """Apply one command; raises ``Interrupt`` for those that end the current ``fit``."""
        match command:
            case Pause():
                self.state, self.allowed = "paused", None
            case Train() if self.state in ("idle", "paused"):
                self.state, self.allowed = "training", None
            case Step(n) if self.state in ("idle", "paused"):
                self.state, self.allowed = "training", int(n)
            case Train() | Step():
                pass  # a stopped run (diverged, capped) stays stopped until Reset
            case Tune(values):
                values = dict(values)
                batch = values.pop("batch_size", self.settings.batch_size)
                self.settings = replace(self.settings, **values, batch_size=batch)
                self.lesson.apply(values)
                if batch != self._fit_batch:
                    raise Interrupt(Refit())
            case _:  # Build, Quit (and Drop, Park, Restore, which the serving loop handles)
                raise Interrupt(command)

    def _poll(self) -> None:
        while self.conn_in.poll():
            self.handle(self.conn_in.recv())

    def wait_while_paused(self) -> None:
        """Block (sending a snapshot so the page shows the pause) until a command resumes the run."""
        self.send()
        while self.state != "training":
            self.handle(self.conn_in.recv())
        self._rate = (time.perf_counter(), self.step)

    # ---------------------------------------------------------------- training

    def after_batch(self, batch: int, logs: dict) -> None:
        self.step += 1
        now = time.perf_counter()
        self.elapsed += now - self._last
        self._last = now
        finite = True
        for name in self.curves:
            value = float(logs.get(name, math.nan))
            finite = finite and math.isfinite(value)
            total = value * (batch + 1)  # Keras logs the epoch's running mean: recover this step's value
            self._sums[name] += total - self._epoch_totals.get(name, 0.0)
            self._epoch_totals[name] = total
        self._window += 1
        if not finite:
            self.state = "diverged"
        elif self.elapsed >= self.settings.cap_s:
            self.state = "capped"
        if self.allowed is not None:
            self.allowed -= 1
            if self.allowed <= 0:
                self.state, self.allowed = "paused", None
        if now - self._sent >= SNAPSHOT_S or self.state != "training":
            self._close_window()
            self._sent = now
            if self.state == "training":
                self.send()
        self._poll()
        if self.state == "paused":
            self._close_window()
            self.wait_while_paused()
            self._last = time.perf_counter()
        if self.state in ("diverged", "capped"):
            raise Interrupt(Stopped())

    def fit(self) -> Ending:
        """Train until a command ends it; returns that command (``Stopped()`` after divergence or the cap)."""
        import keras

        run = self

        class Steer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                run._epoch_totals = {}

            def on_train_batch_end(self, batch, logs=None):
                run.after_batch(batch, logs or {})

        self._fit_batch = self.settings.batch_size
        self._last = self._sent = time.perf_counter()
        self._epoch_totals = {}
        steps = self.lesson.steps_per_epoch(self._fit_batch)
        self.send()  # "training" at once: the first batch also traces the step (seconds, on a busy machine)
        try:
            self.lesson.trainer.fit(
                self.lesson.dataset(self._fit_batch).repeat(),
                epochs=EPOCHS,
                steps_per_epoch=steps,
                callbacks=[Steer()],
                verbose=0,
            )
        except Interrupt as stop:
            return stop.command
        return Stopped()


def serve(conn_in: Connection, conn_out: Connection) -> None:
    """The worker's life: wait for a run, train it as told, start the next."""
    run: Run | None = None
    pending: Ending | None = None
    while True:
        command, pending = pending or conn_in.recv(), None
        match command:
            case Quit():
                return
            case Build(settings):
                run = Run(conn_in, conn_out, settings)
                run.send()
                continue
            case Drop():  # the session left: forget its run, wait for the next
                run = None
                continue
            case Park(path):  # paused long enough: save it for whichever worker continues it, then forget it
                if run is not None:
                    run.park(path)
                run = None
                continue
            case Restore(path):
                if run is not None:
                    run.restore(path)
                    run.send()
                continue
        if run is None:
            continue
        if not isinstance(command, Refit):
            try:
                run.handle(command)
            except Interrupt as stop:
                pending = stop.command
                continue
        if run.state != "training":
            run.send()
            continue
        match run.fit():
            case Stopped():
                run.send()  # the final state: diverged or capped
            case Refit():
                pending = Refit() if run.state == "training" else None
            case ended:
                pending = ended  # Build or Quit


def _warm_up(conn_in: Connection) -> bool:
    """A spare's first build and training step before it says it is ready (``lessons.warm_up``), so that Train on
    a ready trainer shows learning within a second or two; skipped when a command is already waiting, and never
    fatal: a lesson that fails here fails again, reported, when it is asked for. True if it warmed up."""
    if conn_in.poll():
        return False
    try:
        from training.live.lessons import warm_up

        warm_up()
        return True
    except Exception:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        return False


def main(argv: list[str]) -> int:
    conn_in, conn_out = Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False)
    try:
        os.nice(10)  # the app's reruns (and a browser on the same machine) come first
    except OSError:
        pass
    try:
        import keras  # noqa: F401  (the slow import, done before the page asks for anything)
        import tensorflow  # noqa: F401
    except ImportError as err:
        conn_out.send(Failed("tensorflow_missing", str(err)))
        return 1
    warmed = _warm_up(conn_in)
    conn_out.send(Ready(os.getpid(), warmed))
    try:
        serve(conn_in, conn_out)
    except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
        return 0  # the app went away
    except Exception as err:  # a bug or a broken lesson: the page shows it with a Restart button
        import traceback

        traceback.print_exc()
        try:
            conn_out.send(Failed("crashed", f"{type(err).__name__}: {err}"))
        except OSError:
            pass
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
