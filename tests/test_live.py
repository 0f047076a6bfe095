"""Live training (#24): the supervisor's queue and leases, the worker protocol against real worker processes,
and a live epoch held to the offline one."""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing import Pipe

import numpy as np
import pytest

from training.live.protocol import (
    Build,
    Drop,
    Failed,
    Park,
    Pause,
    Quit,
    Restore,
    Settings,
    Snapshot,
    Status,
    Step,
    Train,
    Tune,
)
from training.live.supervisor import Supervisor


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------- the queue, with stand-in workers


class FakeWorker:
    """Records commands instead of training: the supervisor's bookkeeping without TensorFlow."""

    made: list[FakeWorker] = []

    def __init__(self):
        self.sent, self.ready, self.error, self.latest, self.running = [], True, None, None, True
        self.pid = 10_000 + len(FakeWorker.made)
        FakeWorker.made.append(self)

    @property
    def alive(self) -> bool:
        return self.running and self.error is None

    def send(self, command) -> bool:
        self.sent.append(command)
        return self.alive

    def retire(self) -> None:
        self.running = False

    stop = retire


@pytest.fixture
def fake_supervisor():
    FakeWorker.made = []
    supervisors = []

    def make(**kwargs) -> Supervisor:
        supervisors.append(Supervisor(worker_factory=FakeWorker, **kwargs))
        return supervisors[-1]

    yield make
    for supervisor in supervisors:
        supervisor.close()


def test_queue_is_first_come_first_served(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60)
    for session in "abc":
        sup.visit(session)
    assert len(FakeWorker.made) == 1  # one spare, warming up for whoever presses Train first
    a = sup.request("a", Settings("ae"))
    assert a.worker is FakeWorker.made[0] and a.worker.sent == [Build(Settings("ae")), Train()]
    sup.request("b", Settings("vae"))
    sup.request("c", Settings("points"), Step(1))
    assert (sup.position("a"), sup.position("b"), sup.position("c")) == (None, 1, 2)
    sup.release("a")
    b = sup.lease("b")
    assert b.worker is FakeWorker.made[0] and b.worker.sent[-3:] == [Drop(), Build(Settings("vae")), Train()]
    assert sup.position("c") == 1 and len(FakeWorker.made) == 1


def test_a_hundred_visitors_start_one_process_and_never_more_than_the_slots(fake_supervisor):
    sup = fake_supervisor(slots=2, idle_s=60)
    for i in range(100):
        sup.visit(f"s{i}")
    assert len(FakeWorker.made) == 1
    for i in range(5):
        sup.request(f"s{i}", Settings("ae"))
    assert len(FakeWorker.made) == 2 and len(sup.workers()) == 2
    assert [sup.position(f"s{i}") for i in range(5)] == [None, None, 1, 2, 3]


def test_a_session_that_leaves_frees_its_worker(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=0.4, tick_s=0.05)
    sup.request("a", Settings("ae"))
    worker = sup.lease("a").worker
    wait_until(lambda: sup.lease("a") is None, 2.0, "the silent session's lease to end")
    assert not worker.running and sup.workers() == []  # nobody has the page open: nothing kept warm


def test_going_to_another_page_ends_the_run_at_once(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60)
    worker = sup.request("a", Settings("ae")).worker
    sup.leave("a")
    assert sup.lease("a") is None and not worker.running and sup.workers() == []


def test_a_background_tab_still_connected_keeps_its_run(fake_supervisor):
    """Browsers slow a hidden tab's timers, so its refreshes stop; the app still sees it connected."""
    connected = {"a": True}
    sup = fake_supervisor(slots=1, idle_s=0.3, tick_s=0.05, still_open=lambda s: connected.get(s, False))
    sup.request("a", Settings("ae"))
    time.sleep(0.8)
    assert sup.lease("a") is not None and sup.lease("a").worker.running
    connected["a"] = False  # the tab is closed
    wait_until(lambda: sup.lease("a") is None, 2.0, "the closed tab's lease to end")


def test_a_paused_run_is_parked_its_worker_freed_within_5_s_and_train_restores_it(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60, tick_s=0.1)  # the default paused_s
    sup.visit("a")
    worker = sup.request("a", Settings("ae")).worker
    worker.latest = Snapshot("ae", "training", step=40)
    sup.send("a", Pause())
    worker.latest = Snapshot("ae", "paused", step=41)  # the worker's answer
    paused = time.monotonic()
    wait_until(lambda: sup.lease("a").worker is None, 5.0, "the paused run to give its worker back")
    assert time.monotonic() - paused <= 5.0
    park = worker.sent[-1]
    assert isinstance(park, Park) and sup.lease("a").last.step == 41 and sup.position("a") is None
    assert sup.workers() == [worker] and worker.running  # back in the pool: the next Train takes it at once
    sup.request("b", Settings("vae"))  # someone else trains meanwhile …
    assert sup.lease("b").worker is worker and worker.sent[-2:] == [Build(Settings("vae")), Train()]
    sup.request("a", Settings("ae", learning_rate=3e-3))  # … so Train waits its turn, showing where it stopped
    assert sup.position("a") == 1 and sup.lease("a").last.step == 41
    sup.release("b")
    assert sup.lease("a").worker is worker
    assert worker.sent[-3:] == [Build(Settings("ae", learning_rate=3e-3)), Restore(park.path), Train()]


def test_a_parked_run_of_another_seed_starts_afresh_and_leaving_deletes_its_file(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60, paused_s=0.2, tick_s=0.05)
    worker = sup.request("a", Settings("ae")).worker
    worker.latest = Snapshot("ae", "paused", step=3)
    sup.send("a", Pause())
    wait_until(lambda: sup.lease("a").worker is None, 2.0, "parking")
    sup.request("a", Settings("ae", seed=7))
    assert worker.sent[-2:] == [Build(Settings("ae", seed=7)), Train()] and sup.lease("a").last is None
    worker.latest = Snapshot("ae", "paused", step=1)
    sup.send("a", Pause())
    path = wait_until(lambda: sup.lease("a").worker is None and sup.lease("a").parked.path, 2.0, "parking again")
    path.write_bytes(b"state")  # as the worker would
    sup.leave("a")
    assert not path.exists() and sup.lease("a") is None


def test_a_crashed_worker_is_replaced_on_restart(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60)
    lease = sup.request("a", Settings("ae"))
    lease.worker.error = Failed("crashed", "exit code -9")
    lease = sup.restart("a", Settings("ae"))
    assert lease.worker is FakeWorker.made[1] and lease.worker.alive and len(sup.workers()) == 1


def test_a_crashed_worker_holds_no_slot_while_others_wait(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60, tick_s=0.05)
    crashed = sup.request("a", Settings("ae")).worker
    sup.request("b", Settings("vae"))
    assert sup.position("b") == 1
    crashed.error = Failed("crashed", "exit code -9")
    wait_until(lambda: sup.position("b") is None, 2.0, "the waiting session to get the crashed one's slot")
    assert sup.lease("b").worker is FakeWorker.made[1] and sup.lease("b").worker.sent[0] == Build(Settings("vae"))
    assert sup.lease("a").worker is crashed  # still there: a's page says what happened, with Restart


def test_a_spare_that_dies_before_it_is_ready_is_not_replaced_at_every_heartbeat(fake_supervisor):
    """Without TensorFlow every spare dies at once: one attempt, not a process per page refresh."""
    sup = fake_supervisor(slots=2, idle_s=60, tick_s=0.05)
    sup.visit("a")
    spare = FakeWorker.made[0]
    spare.ready, spare.error = False, Failed("tensorflow_missing", "No module named keras")
    for _ in range(5):
        sup.visit("a")
        time.sleep(0.06)
    assert len(FakeWorker.made) == 1 and sup.spare() is None
    lease = sup.request("a", Settings("ae"))  # Train still starts a worker, whose error the page shows
    assert lease.worker is FakeWorker.made[1]
    sup.visit("b")  # that one got ready (FakeWorker is ready at once): TensorFlow works, spares come back
    assert len(FakeWorker.made) == 3 and sup.spare() == "ready"


def test_settings_a_run_takes_while_training_are_sent_the_others_wait(fake_supervisor):
    sup = fake_supervisor(slots=1, idle_s=60)
    worker = sup.request("a", Settings("vae")).worker
    sup.configure("a", Settings("vae", beta=4.0, learning_rate=3e-3))
    assert worker.sent[-1] == Tune({"learning_rate": 3e-3, "beta": 4.0})
    sup.configure("a", Settings("vae", beta=4.0, learning_rate=3e-3, seed=1))  # a new run: only on Train/Reset
    assert worker.sent[-1] == Tune({"learning_rate": 3e-3, "beta": 4.0})


def test_start_and_status_are_all_the_page_needs(fake_supervisor):
    """The buttons' ``start`` (Train, Step, Pause, Reset) and the ``status`` the page draws, on the queue's
    stand-in workers: a run of other settings is rebuilt, a stopped run too, a crashed trainer is replaced."""
    sup = fake_supervisor(slots=1, idle_s=60)
    assert sup.status("a") == Status(1, trainer="ready")  # opening the page warmed a spare (stand-ins: ready at once)
    sup.start("a", Settings("ae"), Train())
    worker = FakeWorker.made[0]
    assert worker.sent == [Build(Settings("ae")), Train()] and sup.status("a").held
    worker.latest = Snapshot("ae", "training", step=7)
    sup.start("a", Settings("ae"), Pause())
    sup.start("a", Settings("ae"), Step(1))  # the same run: no rebuild
    assert worker.sent[-2:] == [Pause(), Step(1)] and sup.status("a").snapshot.step == 7
    sup.start("a", Settings("ae", seed=3), Train())  # another seed: a new run first
    assert worker.sent[-2:] == [Build(Settings("ae", seed=3)), Train()]
    worker.latest = Snapshot("ae", "diverged", step=9)
    sup.start("a", Settings("ae", seed=3), Train())  # a stopped run is rebuilt, not resumed
    assert worker.sent[-2:] == [Build(Settings("ae", seed=3)), Train()]
    sup.start("a", Settings("ae", seed=3), Build(Settings("ae", seed=3)))  # Reset
    assert worker.sent[-1] == Build(Settings("ae", seed=3))
    sup.request("b", Settings("vae"))
    assert sup.status("b").position == 1 and sup.status("b").snapshot is None
    worker.error = Failed("crashed", "exit code -9")
    assert sup.status("a").error == Failed("crashed", "exit code -9")
    sup.start("a", Settings("ae"), Train())  # Restart: a's worker is replaced; b still waits its turn behind a
    assert sup.status("a").error is None and sup.lease("a") is not None


def test_the_page_reads_the_status_not_the_supervisors_internals():
    """Watch it learn draws from ``status`` (a class room's followers: ``peek``, the lecturer's, read only) and
    acts through ``start``/``configure`` alone."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "pages/views/learn.py").read_text()
    assert "supervisor.status(" in source and "supervisor.start(" in source
    assert "supervisor.peek(" in source
    assert not re.search(r"supervisor\.(?!(status|peek|start|configure)\b)|\.(lease|worker|workers)\b", source)


# ---------------------------------------------------------------- real worker processes


def _latest(sup: Supervisor, session: str):
    lease = sup.lease(session)
    return lease.worker.latest if lease and lease.worker else None


def test_worker_protocol_start_snapshot_pause_step_set_crash():
    sup = Supervisor(slots=1, idle_s=120, paused_s=600)
    try:
        sup.visit("a")
        sup.request("a", Settings("ae"))
        snap = wait_until(
            lambda: (s := _latest(sup, "a")) and s.state == "training" and s.step > 20 and s, 120, "training"
        )
        assert snap.arrays["codes"].shape == (1000, 2) and snap.arrays["reconstructions"].shape == (8, 28, 28)
        assert snap.curves["loss"] and all(np.isfinite(snap.curves["loss"]))
        sup.send("a", Pause())
        wait_until(lambda: _latest(sup, "a").state == "paused", 10, "the pause")
        held = _latest(sup, "a").step
        time.sleep(1.0)
        assert _latest(sup, "a").step == held
        sup.send("a", Step(1))
        wait_until(lambda: _latest(sup, "a").step == held + 1 and _latest(sup, "a").state == "paused", 10, "a step")
        sup.configure("a", Settings("ae", batch_size=64, learning_rate=3e-3))  # a new batch size: fit restarts
        sup.send("a", Train())
        wait_until(lambda: _latest(sup, "a").step > held + 30, 60, "training to resume at batch 64")
        worker = sup.lease("a").worker
        os.kill(worker.pid, signal.SIGKILL)
        wait_until(lambda: worker.error is not None, 10, "the crash to be noticed")
        assert worker.error.key == "crashed"
        sup.restart("a", Settings("ae"))
        wait_until(lambda: (s := _latest(sup, "a")) and s.state == "training" and s.step > 5, 120, "the restart")
        assert len(sup.workers()) == 1
    finally:
        sup.close()


def test_a_spare_builds_and_trains_the_default_lesson_before_it_says_it_is_ready():
    """So that Train on a ready trainer shows learning at once, not after the process's first build and traced step
    (the seconds of it are in docs/DECISIONS.md); a run started on it afterwards trains as any other."""
    sup = Supervisor(slots=1, idle_s=120, paused_s=600)
    try:
        sup.visit("a")
        wait_until(lambda: sup.spare() == "ready", 120, "the spare")
        (spare,) = sup.workers()
        assert spare.warmed
        sup.request("a", Settings("ae"))
        wait_until(lambda: (s := _latest(sup, "a")) and s.state == "training" and s.step > 5, 60, "training")
        assert sup.lease("a").worker is spare
    finally:
        sup.close()


@pytest.mark.parametrize("lesson", ["vae", "points"])
def test_a_parked_run_continues_in_another_worker_where_it_stopped(lesson):
    """Park a paused run, kill the worker that wrote it, and Train: a new process restores the same weights
    (its first snapshot draws what the paused one drew), the counters and curves, and trains on."""
    sup = Supervisor(slots=1, idle_s=120, paused_s=0.5, tick_s=0.1)
    try:
        sup.visit("a")
        sup.request("a", Settings(lesson, learning_rate=3e-3))
        wait_until(lambda: (s := _latest(sup, "a")) and s.step > 10, 120, "training")
        sup.send("a", Pause())
        first = sup.lease("a").worker
        wait_until(lambda: sup.lease("a").worker is None, 10, "parking")
        path, paused = sup.lease("a").parked.path, sup.lease("a").last
        wait_until(path.exists, 10, "the parked state's file")
        first.stop()  # the next Train gets a fresh process: the state travels only through the file
        sup.paused_s = 600  # keep the restored run on its worker while we look at it
        sup.request("a", Settings(lesson, learning_rate=3e-3), Pause())  # restore only: nothing trains
        assert sup.lease("a").worker is not first
        snap = wait_until(lambda: (s := _latest(sup, "a")) and s.state == "paused" and s, 120, "the restored run")
        assert (snap.state, snap.step, snap.curve_steps) == ("paused", paused.step, paused.curve_steps)
        assert snap.elapsed == pytest.approx(paused.elapsed) and not path.exists()
        for name, array in paused.arrays.items():
            np.testing.assert_allclose(snap.arrays[name], array, atol=1e-6, err_msg=name)  # the same weights
        sup.send("a", Step(1))
        wait_until(lambda: _latest(sup, "a").step == paused.step + 1, 60, "a step after the restore")
    finally:
        sup.close()


@pytest.mark.parametrize("damage", [b"PK\x03\x04 half a file", b"", None], ids=["cut-short", "empty", "gone"])
def test_a_parked_file_that_cannot_be_read_starts_afresh_and_the_snapshot_says_so(tmp_path, damage, monkeypatch):
    from training.live import worker

    monkeypatch.setattr(worker, "RESTORE_WAIT_S", 0.2)  # a file that never comes: do not wait the full 10 s

    commands, _ = Pipe(duplex=False)
    app_end, worker_out = Pipe(duplex=False)
    run = worker.Run(commands, worker_out, Settings("points"))
    fresh = [np.array(v.numpy()) for v in run.lesson.variables()]
    damaged = tmp_path / "parked.npz"  # a parking cut short, an emptied disk, a cleaned temporary folder
    if damage is not None:
        damaged.write_bytes(damage)
    run.restore(str(damaged))
    assert (run.step, run.notice) == (0, "restore_failed") and not damaged.exists()
    assert all(np.array_equal(a, np.array(v.numpy())) for a, v in zip(fresh, run.lesson.variables()))
    run.send()
    snapshot = app_end.recv()
    assert isinstance(snapshot, Snapshot) and snapshot.notice == "restore_failed"


def test_worker_stops_a_diverging_run_and_a_run_past_its_cap():
    sup = Supervisor(slots=1, idle_s=120, paused_s=600)
    try:
        sup.request("a", Settings("vae", learning_rate=10.0))  # the page's highest learning rate
        wait_until(lambda: (s := _latest(sup, "a")) and s.state == "diverged", 120, "divergence")
        sup.send("a", Build(Settings("ae", cap_s=2.0)))
        sup.send("a", Train())
        snap = wait_until(lambda: (s := _latest(sup, "a")) and s.state == "capped" and s, 60, "the time cap")
        assert snap.elapsed >= 2.0
        step = snap.step
        sup.send("a", Train())  # a stopped run stays stopped until Reset
        time.sleep(1.0)
        assert _latest(sup, "a").step == step
    finally:
        sup.close()


def test_worker_without_tensorflow_says_so(tmp_path, monkeypatch):
    fake = tmp_path / "keras"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('No module named keras (test)')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    sup = Supervisor(slots=1, idle_s=120)
    try:
        lease = sup.request("a", Settings("ae"))
        wait_until(lambda: lease.worker.error is not None, 60, "the error")
        assert lease.worker.error.key == "tensorflow_missing" and "keras" in lease.worker.error.detail
    finally:
        sup.close()


def test_live_epochs_of_the_2d_vae_score_as_the_offline_epochs_and_untrained_weights_do_not():
    """Five epochs through the worker's ``Run`` (fit with its steering callback) against ``python -m training``'s
    ``fit`` for the same epochs of the same recipe: test −ELBO within 5%; the untrained network, held to the same
    check, fails it (so the check can tell training from none). On the committed sample, so CI can run it."""
    import keras

    from models.data.samples import load_sample
    from models.eval.evaluation import evaluate_vae
    from models.registry import get_spec
    from models.runtime.inference import to_model_input, wrap
    from training.live.worker import Run
    from training.recipes import fit

    x, y = load_sample("mnist")
    train, test = x[::2], x[1::2]

    def elbo(encoder, decoder) -> float:
        image = keras.Input((28, 28, 1))
        bundle = keras.Model(image, decoder(encoder(image)[0]))
        return evaluate_vae(wrap(spec, "mnist", bundle, {}), test)["neg_elbo"]

    spec = get_spec("vae_conv_2d")
    epochs = 5
    offline = fit(spec, to_model_input(train), None, epochs=epochs, verbose=0).bundle
    offline_elbo = elbo(offline.get_layer("encoder"), offline.get_layer("decoder"))
    untrained_elbo = elbo(*spec.build())
    assert abs(untrained_elbo - offline_elbo) > 0.05 * offline_elbo, (untrained_elbo, offline_elbo)

    from training.live import lessons

    app_end, worker_in = Pipe()
    worker_out, app_in = Pipe()
    original = lessons.training_images
    lessons.training_images = lambda dataset: ((to_model_input(train), y[::2]), "sample_data")
    try:
        run = Run(worker_in, worker_out, Settings("vae"))
    finally:
        lessons.training_images = original
    steps = epochs * run.lesson.steps_per_epoch(128)

    def end_when_paused():
        wait_until(lambda: run.state == "paused", 120, "the epoch")
        app_end.send(Quit())

    def drain():  # read the snapshots as the app would: a full pipe would block the run's next send
        try:
            while True:
                app_in.recv()
        except (EOFError, OSError):
            pass

    run.handle(Step(steps))
    threading.Thread(target=drain, daemon=True).start()
    threading.Thread(target=end_when_paused, daemon=True).start()
    assert run.fit() == Quit()
    assert run.step == steps
    live_elbo = elbo(run.lesson.encoder, run.lesson.decoder)
    assert abs(live_elbo - offline_elbo) <= 0.05 * offline_elbo, (live_elbo, offline_elbo)


def test_peek_shows_a_run_to_a_class_without_a_heartbeat_or_a_spare(fake_supervisor):
    """A class room's followers watch the lecturer's run: ``peek`` reads its snapshot but keeps nobody's lease
    alive and warms no trainer for the watchers."""
    sup = fake_supervisor(slots=1, idle_s=60)
    assert sup.peek("lecturer") == Status(1) and FakeWorker.made == []  # nothing warmed for a watcher
    sup.start("lecturer", Settings("ae"), Train())
    FakeWorker.made[0].latest = Snapshot("ae", "training", step=12)
    seen = sup.lease("lecturer").seen
    time.sleep(0.02)
    watched = sup.peek("lecturer")
    assert watched.held and watched.snapshot.step == 12 and watched.position is None
    assert sup.lease("lecturer").seen == seen  # no heartbeat: the run still ends when the lecturer leaves
    sup.peek("nobody")
    assert "nobody" not in sup._visitors and len(FakeWorker.made) == 1


# ---------------------------------------------------------------- a run as bytes (class rooms across replicas)


def _status_with_run(lesson: str = "vae", state: str = "diverged") -> Status:
    rng = np.random.default_rng(1)
    arrays = {
        "codes": rng.standard_normal((1000, 2)).astype(np.float32),
        "labels": np.arange(1000) % 10,
        "originals": rng.uniform(0, 1, (8, 28, 28)).astype(np.float32),
        "reconstructions": rng.uniform(0, 1, (8, 28, 28)).astype(np.float32),
    }
    steps = list(range(10, 9010, 10))  # 900 curve points: a 300 s run at three snapshots a second
    curves = {"reconstruction": [float(v) for v in rng.uniform(0, 1, 899)] + [float("nan")], "kl": [0.5] * 900}
    snap = Snapshot(lesson, state, 9000, 15.4, 299.5, 30.1, steps, curves, arrays, "full_data", 900, "restored")
    return Status(2, "ready", True, None, Failed("crashed", "exit code -9 <b>x</b>"), snap, True)


def _same_status(a: Status, b: Status) -> None:
    assert (a.slots, a.trainer, a.held, a.position, a.error, a.parked) == (
        b.slots, b.trainer, b.held, b.position, b.error, b.parked,
    )  # fmt: skip
    sa, sb = a.snapshot, b.snapshot
    assert (sa is None) == (sb is None)
    if sa is None:
        return
    fields = ("lesson", "state", "step", "epoch", "elapsed", "steps_per_s", "curve_steps", "note", "seq", "notice")
    assert [getattr(sa, f) for f in fields] == [getattr(sb, f) for f in fields]
    assert list(sa.curves) == list(sb.curves)
    for name in sa.curves:
        np.testing.assert_array_equal(sa.curves[name], sb.curves[name])  # NaN where NaN: a diverged run's curve
    assert list(sa.arrays) == list(sb.arrays)
    for name, array in sa.arrays.items():
        assert sb.arrays[name].dtype == np.asarray(array).dtype and sb.arrays[name].shape == np.shape(array)
        np.testing.assert_array_equal(sb.arrays[name], array)


def test_a_run_round_trips_through_bytes_exactly():
    from training.live.protocol import status_from_bytes, status_to_bytes

    for status in (_status_with_run(), Status(1), Status(3, "warming", True, 2), _status_with_run("points", "paused")):
        data = status_to_bytes(status)
        assert isinstance(data, bytes)
        _same_status(status_from_bytes(data), status)
        assert status_to_bytes(status_from_bytes(data)) == data  # nothing lost or added on the way


def test_a_realistic_run_fits_the_rooms_limit():
    from models.rooms import MAX_RUN_BYTES
    from training.live.protocol import status_to_bytes

    size = len(status_to_bytes(_status_with_run()))
    assert 60_000 < size < MAX_RUN_BYTES // 4, size  # the map, 16 pictures and 900-point curves: ~100 KB


def test_a_run_payload_holds_no_pickles_and_bad_bytes_are_refused(tmp_path):
    """A follower decodes what the store holds: an object array (a pickle) is refused before anything runs, and
    so is a truncated, padded, re-versioned or forged payload."""
    import io
    import json

    from training.live.protocol import RUN_MAGIC, status_from_bytes, status_to_bytes

    with pytest.raises(ValueError):  # the writer cannot put a pickle in
        status_to_bytes(Status(1, snapshot=Snapshot("ae", "idle", arrays={"x": np.array([object()], object)})))
    from pathlib import Path

    ran = tmp_path / "ran"

    class Payload:  # unpickled, it would touch ``ran``
        def __reduce__(self):
            return (Path.touch, (ran,))

    pickled = io.BytesIO()
    np.save(pickled, np.array([Payload()], object), allow_pickle=True)
    blob = pickled.getvalue()
    plain = status_to_bytes(Status(1, snapshot=Snapshot("ae", "idle")))[len(RUN_MAGIC) :]
    header = json.loads(plain[4 : 4 + int.from_bytes(plain[:4], "big")])
    header["arrays"] = [["curve_steps", len(blob)]]
    text = json.dumps(header).encode()
    with pytest.raises(ValueError):
        status_from_bytes(RUN_MAGIC + len(text).to_bytes(4, "big") + text + blob)
    assert not ran.exists()  # the pickle never ran
    good = status_to_bytes(_status_with_run())
    bad = (
        b"",
        b"garbage",
        good[:-1],  # truncated
        good + b"\x00",  # padded
        good.replace(RUN_MAGIC, b"latent-lab-run/9\n"),  # another version
        good.replace(b'"lesson":"vae"', b'"lesson":"zzz"'),  # a lesson the page has no catalogue entry for
        good.replace(b'"state":"diverged"', b'"state":"<b>x"'),
    )
    for data in bad:
        with pytest.raises(ValueError):
            status_from_bytes(data)


def test_the_run_protocol_imports_no_tensorflow():
    """Followers decode runs in the app, which never imports TensorFlow (README)."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, training.live.protocol as p\n"
        "p.status_from_bytes(p.status_to_bytes(p.Status(1)))\n"
        "assert not {'tensorflow', 'keras'} & set(sys.modules), sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], check=True, timeout=60)
