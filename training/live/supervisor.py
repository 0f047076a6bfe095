"""The app's side of live training: at most ``slots`` worker processes per server, handed to sessions in the
order they asked, and taken back when a session leaves. No TensorFlow here: workers import it, in their own
process, so a session's training neither blocks the script thread nor survives the session.

- A **spare** worker is started when someone opens the page (``visit``), so Train does not wait for the
  TensorFlow import; spares and leased workers together never exceed ``slots``, however many sessions open the
  page, and once nobody has the page open no worker is left.
- The page calls ``start(session, settings, action)`` for its buttons and draws ``status(session)``;
  ``request`` leases a worker to a session, or queues it; ``position`` says where in the queue it waits.
- A session that goes to another page (``leave``) or whose tab is gone — its page's refreshes stopped for
  ``idle_s`` and the app says it is no longer connected (``still_open``) — loses its worker, which is reset
  and handed to the next in the queue (or kept as the spare).
- A run paused for ``paused_s`` is **parked**: its worker writes the run's state (weights, optimiser moments,
  curves) to a file and goes back to the pool; the page keeps showing the last snapshot, and Train or Step
  asks for a worker again (a spare, at once, unless others wait) which restores the file and carries on.
- A worker that exits (crash, kill, out of memory) is noticed by its reader thread; the session sees
  ``crashed`` and may ``restart``. Its slot is free at once: the reaper hands it to whoever waits. A spare that
  dies before it is ready (no TensorFlow) is not replaced at every heartbeat.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from training.live.protocol import (
    LIVE_SETTINGS,
    Action,
    Build,
    Command,
    Drop,
    Failed,
    Park,
    Pause,
    Quit,
    Ready,
    Restore,
    Settings,
    Snapshot,
    Status,
    Train,
    Tune,
)

ROOT = Path(__file__).resolve().parents[2]


def default_slots() -> int:
    """Trainings at once: half the cores (each worker uses about two), at least one;
    ``LATENT_LAB_LIVE_SLOTS`` overrides."""
    configured = os.environ.get("LATENT_LAB_LIVE_SLOTS")
    return max(1, int(configured) if configured else (os.cpu_count() or 2) // 2)


class Worker:
    """One worker process and the thread that reads what it sends."""

    def __init__(self):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "training.live.worker", str(to_child_r), str(from_child_w)],
            pass_fds=(to_child_r, from_child_w),
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._out = Connection(to_child_w, readable=False)
        self._in = Connection(from_child_r, writable=False)
        self._lock = threading.Lock()
        self.ready = False
        self.warmed = False  # it built and trained the default lesson one batch before it said it was ready
        self.error: Failed | None = None
        self.latest: Snapshot | None = None
        self._reader = threading.Thread(target=self._read, name=f"live-worker-{self.pid}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and self.error is None

    def _read(self) -> None:
        try:
            while True:
                match self._in.recv():
                    case Ready(warmed=warmed):
                        self.warmed, self.ready = warmed, True
                    case Snapshot() as snapshot:
                        self.latest = snapshot
                    case Failed() as failed:
                        self.error = failed
        except (EOFError, OSError):
            pass
        code = self.process.wait()
        if self.error is None:
            self.error = Failed("crashed", f"exit code {code}")

    def send(self, command: Command) -> bool:
        """Send a command; False if the worker is gone (its error says why)."""
        with self._lock:
            try:
                self._out.send(command)
                return True
            except (OSError, ValueError):
                return False

    def retire(self) -> None:
        """``stop`` on a thread of its own: callers hold the supervisor's lock and must not wait."""
        threading.Thread(target=self.stop, name=f"live-stop-{self.pid}", daemon=True).start()

    def stop(self, grace_s: float = 2.0) -> None:
        """Ask it to quit, then kill it if it has not within ``grace_s``."""
        self.send(Quit())
        try:
            self.process.wait(grace_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for conn in (self._out, self._in):
            try:
                conn.close()
            except OSError:
                pass


@dataclass
class Lease:
    """A session's hold on a worker, or its place in the queue (``worker`` None)."""

    session: str
    worker: Worker | None = None
    settings: Settings | None = None
    seen: float = field(default_factory=time.monotonic)
    paused_since: float | None = None
    start: Action = field(default_factory=Train)  # sent to the worker once granted, after the run is built
    parked: Parked | None = None  # a paused run whose worker went back to the pool
    last: Snapshot | None = None  # the parked run's last snapshot: shown until a worker restores it


@dataclass
class Parked:
    """A parked run: its settings and the file its last worker writes the state to."""

    settings: Settings
    path: Path


class Supervisor:
    """Process-wide (one per Streamlit server): the workers, the leases and the queue."""

    def __init__(
        self,
        slots: int | None = None,
        idle_s: float = 3.0,
        paused_s: float = 3.0,
        tick_s: float = 0.5,
        worker_factory: Callable[[], Worker] = Worker,
        still_open: Callable[[str], bool] = lambda session: False,
    ):
        self.slots, self.idle_s, self.paused_s = slots or default_slots(), idle_s, paused_s
        self._new_worker = worker_factory
        self._still_open = still_open  # the app's word on a session whose refreshes stopped (a background tab)
        self._lock = threading.RLock()
        self._visitors: dict[str, float] = {}  # sessions with the page open: when each was last seen
        self._spares: list[Worker] = []
        self._leases: dict[str, Lease] = {}  # granted
        self._queue: list[Lease] = []  # waiting, in the order they asked
        self._parked: dict[str, Lease] = {}  # paused runs saved to files, holding no worker
        self._files = Path(tempfile.mkdtemp(prefix="latent-lab-live-"))
        self._spares_fail = False  # a spare died before it was ready: none are started ahead of Train any more
        self._closed = False
        self._reaper = threading.Thread(target=self._reap_forever, args=(tick_s,), name="live-reaper", daemon=True)
        self._reaper.start()

    # ---------------------------------------------------------------- what the page calls

    def visit(self, session: str) -> None:
        """The session has the page open: keep its lease alive and make sure a spare is warming up."""
        with self._lock:
            now = time.monotonic()
            self._visitors[session] = now
            lease = self._find(session)
            if lease is not None:
                lease.seen = now
            self._top_up()

    def start(self, session: str, settings: Settings, action: Action) -> None:
        """A button on the page: ``Train()``, ``Step(n)``, ``Pause()`` or ``Build(settings)`` (Reset). A session
        without a worker asks for one (granted now, or queued); a dead one is replaced; a run of other settings
        (lesson, data, seed) or one that stopped (diverged, capped) is rebuilt before it trains."""
        match action:
            case Pause():
                self.send(session, action)
                return
            case Build():
                if not self.send(session, action):
                    self.release(session)
                return
        with self._lock:
            lease = self._find(session)
            worker = lease.worker if lease else None
            if worker is None:
                self.request(session, settings, action)
                return
            if not worker.alive:
                self.restart(session, settings, action)
                return
            latest, old = worker.latest, lease.settings
            stale = old is None or not old.same_run(settings)
            if stale or latest is None or latest.lesson != settings.lesson or latest.state in ("diverged", "capped"):
                self.send(session, Build(settings))
            self.send(session, action)

    def status(self, session: str) -> Status:
        """What the page draws for ``session``; asking is also its heartbeat (``visit``)."""
        with self._lock:
            self.visit(session)
            lease = self._find(session)
            if lease is None:
                return Status(self.slots, trainer=self.spare() or "none")
            worker, position = lease.worker, self.position(session)
            trainer = "none" if worker is None else ("ready" if worker.ready else "warming")
            snapshot = (worker.latest if worker is not None else None) or lease.last
            error = worker.error if worker is not None else None
            parked = worker is None and position is None
            return Status(self.slots, trainer, True, position, error, snapshot, parked)

    def peek(self, session: str) -> Status:
        """``status`` for someone else's page (a class room's followers watching the lecturer's run): read only,
        no heartbeat (a class watching does not keep a run alive), no spare trainer warmed for the watcher."""
        with self._lock:
            lease = self._find(session)
            if lease is None:
                return Status(self.slots)
            worker = lease.worker
            trainer = "none" if worker is None else ("ready" if worker.ready else "warming")
            snapshot = (worker.latest if worker is not None else None) or lease.last
            error = worker.error if worker is not None else None
            return Status(self.slots, trainer, True, None, error, snapshot, worker is None)

    def request(self, session: str, settings: Settings, start: Action | None = None) -> Lease:
        """Lease a worker for ``settings`` (or queue for one); ``start`` (default ``Train()``) is sent as soon as
        it has one."""
        with self._lock:
            lease = self._find(session) or Lease(session)
            lease.settings, lease.seen, lease.start = settings, time.monotonic(), start or Train()
            self._visitors[session] = lease.seen
            if lease.worker is None and lease not in self._queue:
                self._parked.pop(session, None)
                self._queue.append(lease)
            self._hand_out()
            return lease

    def lease(self, session: str) -> Lease | None:
        with self._lock:
            return self._find(session)

    def position(self, session: str) -> int | None:
        """1 for the next in line; None if not waiting."""
        with self._lock:
            for i, lease in enumerate(self._queue):
                if lease.session == session:
                    return i + 1
            return None

    def send(self, session: str, command: Command) -> bool:
        """Send ``command`` to the session's worker; False if it holds none (or it is gone)."""
        with self._lock:
            lease = self._leases.get(session)
            worker = lease.worker if lease else None
            if worker is None:
                return False
            match command:
                case Train():
                    lease.paused_since = None  # not parked while the worker has yet to say it trains again
                case Build(settings):
                    lease.settings = settings
        return worker.send(command)

    def configure(self, session: str, settings: Settings) -> None:
        """Settings changed on the page: those a run takes while it trains (learning rates, β, batch size) go to
        the worker now; the others (lesson, data, seed) wait for Train or Reset to start a new run."""
        with self._lock:
            lease = self._leases.get(session)
            if lease is None or lease.worker is None or lease.settings is None or not lease.settings.same_run(settings):
                return
            old, lease.settings = lease.settings, settings
            changed = {k: getattr(settings, k) for k in LIVE_SETTINGS if getattr(settings, k) != getattr(old, k)}
            if changed:
                lease.worker.send(Tune(changed))

    def spare(self) -> str | None:
        """ "ready" or "warming" when an unleased worker is up or starting, else None."""
        with self._lock:
            alive = [w for w in self._spares if w.alive]
            if not alive:
                return None
            return "ready" if any(w.ready for w in alive) else "warming"

    def leave(self, session: str) -> None:
        """The session went to another page: its run ends and it no longer keeps a spare warm."""
        with self._lock:
            self._visitors.pop(session, None)
            self.release(session)
            if not self._visitors and not self._leases:
                self._retire_spares()

    def _retire_spares(self) -> None:
        spares, self._spares = self._spares, []
        for worker in spares:
            worker.retire()

    def release(self, session: str) -> None:
        """The session is done (or gone): its worker goes to the next in line, or back to the spares."""
        with self._lock:
            waiting = next((q for q in self._queue if q.session == session), None)
            self._queue = [q for q in self._queue if q.session != session]
            for lease in (waiting, self._parked.pop(session, None)):
                if lease is not None and lease.parked is not None:
                    lease.parked.path.unlink(missing_ok=True)
                    lease.parked = None
            lease = self._leases.pop(session, None)
            if lease is None or lease.worker is None:
                return
            self._give_back(lease, Drop(), keep=bool(self._queue or set(self._visitors) - {session}))

    def _give_back(self, lease: Lease, command: Drop | Park, keep: bool) -> None:
        """Take the lease's worker: ``command`` tells it to forget (or park) the run; it then serves the next in
        line, or waits as the spare when ``keep``, or exits."""
        worker, lease.worker = lease.worker, None
        if worker.alive and keep:
            worker.send(command)
            worker.latest = None
            self._spares.append(worker)
        else:
            worker.retire()
        self._hand_out()

    def _park(self, lease: Lease) -> None:
        """A paused run gives its worker back; the file its worker writes lets any worker continue it."""
        self._leases.pop(lease.session, None)
        path = self._files / f"{lease.session}-{time.monotonic_ns()}.npz"
        lease.last = lease.worker.latest if lease.worker else None
        lease.parked, lease.paused_since = Parked(lease.settings, path), None
        self._parked[lease.session] = lease
        self._give_back(lease, Park(str(path)), keep=True)

    def restart(self, session: str, settings: Settings, start: Action | None = None) -> Lease:
        """After a crash: drop the dead worker and ask again (a fresh process if a slot is free)."""
        self.release(session)
        return self.request(session, settings, start)

    def workers(self) -> list[Worker]:
        with self._lock:
            return [*self._spares, *(lease.worker for lease in self._leases.values() if lease.worker)]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = self.workers()
            self._spares, self._leases, self._queue, self._parked = [], {}, [], {}
        for worker in workers:
            worker.stop()
        shutil.rmtree(self._files, ignore_errors=True)

    # ---------------------------------------------------------------- bookkeeping

    def _find(self, session: str) -> Lease | None:
        return (
            self._leases.get(session)
            or self._parked.get(session)
            or next((q for q in self._queue if q.session == session), None)
        )

    def _count(self) -> int:
        """Processes holding a slot: a crashed worker, kept on its lease for the page's message, holds none."""
        return len(self._spares) + sum(1 for lease in self._leases.values() if lease.worker and lease.worker.alive)

    def _top_up(self) -> None:
        """One spare warming up, if a slot is free and nobody is waiting for it. Not after a spare died before it
        was ready (no TensorFlow, a broken install): a new one each heartbeat would die the same way; Train still
        starts a worker, whose error the page shows."""
        self._spares = [w for w in self._spares if w.alive or self._drop(w)]
        if self._spares_fail and any(lease.worker and lease.worker.ready for lease in self._leases.values()):
            self._spares_fail = False  # a worker got ready since: the early death was that process's, not the install's
        if self._closed or self._spares_fail or not self._visitors or self._spares or self._queue:
            return
        if self._count() < self.slots:
            self._spares.append(self._new_worker())

    def _drop(self, worker: Worker) -> bool:
        self._spares_fail = self._spares_fail or not worker.ready
        worker.retire()
        return False

    def _hand_out(self) -> None:
        """Give spares (or new workers, while slots are free) to the queue, first come first served."""
        self._spares = [w for w in self._spares if w.alive or self._drop(w)]
        while self._queue and not self._closed:
            if self._spares:
                worker = self._spares.pop(0)
            elif self._count() < self.slots:
                worker = self._new_worker()
            else:
                break
            lease = self._queue.pop(0)
            lease.worker, lease.paused_since = worker, None
            self._leases[lease.session] = lease
            if lease.settings is not None:
                worker.send(Build(lease.settings))
                parked, lease.parked = lease.parked, None
                if parked is not None and parked.settings.same_run(lease.settings):
                    worker.send(Restore(str(parked.path)))  # the worker deletes the file once read
                else:
                    lease.last = None
                    if parked is not None:
                        parked.path.unlink(missing_ok=True)
                worker.send(lease.start)
        self._top_up()

    def _reap(self) -> None:
        now = time.monotonic()
        with self._lock:
            self._visitors = {
                s: seen for s, seen in self._visitors.items() if now - seen <= self.idle_s or self._still_open(s)
            }
            for lease in [*self._leases.values(), *self._parked.values(), *self._queue]:
                if now - lease.seen > self.idle_s and lease.session not in self._visitors:
                    self.release(lease.session)
                elif lease.worker is not None and lease.worker.alive and lease.worker.latest is not None:
                    # Still (paused, stepped, reset, diverged, capped), as the worker last said: parked after paused_s.
                    if lease.worker.latest.state == "training":
                        lease.paused_since = None
                    elif lease.paused_since is None:
                        lease.paused_since = now
                    elif now - lease.paused_since > self.paused_s:
                        self._park(lease)
            if not self._visitors and self._spares:  # nobody has the page open: no process kept warm
                self._retire_spares()
            self._hand_out()  # a slot a crash freed goes to whoever waits, without waiting for a click

    def _reap_forever(self, tick_s: float) -> None:
        while not self._closed:
            time.sleep(tick_s)
            try:
                self._reap()
            except Exception:  # never let the reaper die: a stuck lease would hold a slot forever
                pass
