"""``python -m deploy`` started and stopped from a test or a benchmark, and the serving figures.

``serving()`` measures what BENCHMARKS.md reports under "Serving a class": one replica vs two behind HAProxy
(side by side, in one run), a large class through two, and a replica killed (SIGKILL) halfway through a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.harness import ROOT, free_port, stop_group


def wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise TimeoutError(what)


class ClassServer:
    """A running ``python -m deploy``: its URL and the replicas' process ids (from its ``cluster.json``)."""

    def __init__(self, process: subprocess.Popen, url: str, status_file: Path):
        self.process, self.url, self.status_file = process, url, status_file

    def status(self) -> dict:
        return json.loads(self.status_file.read_text())

    def replica_pids(self) -> list[int]:
        return [r["pid"] for r in self.status()["replicas"]]

    def kill_replica(self, index: int) -> None:
        """SIGKILL one replica (its whole process group), as a crash or the OOM killer would."""
        os.killpg(self.replica_pids()[index], signal.SIGKILL)

    @staticmethod
    def busiest(cookies: list[str]) -> int:
        """The replica that most of these balancer cookies (``r0``, ``r1``, …) name: where a fault hurts."""
        named = [int(c.lstrip("r")) for c in cookies if c.lstrip("r").isdigit()]
        return max(set(named), key=named.count) if named else 0

    def wait_restarted(self, index: int, restarts: int = 1, timeout: float = 90) -> dict:
        return wait_for(
            lambda: (s := self.status())["replicas"][index]["restarts"] >= restarts and s,
            timeout,
            f"replica {index} was not restarted within {timeout} s",
        )


@contextlib.contextmanager
def deployed(replicas: int, log_dir: Path | None = None) -> Iterator[ClassServer]:
    """``python -m deploy --replicas N`` on a free port; SIGTERM (Ctrl-C's twin) afterwards."""
    port = free_port()
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="latent-lab-class-")))
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy", "--replicas", str(replicas), "--port", str(port), "--logs", str(log_dir)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        status_file = log_dir / "cluster.json"
        try:
            wait_for(
                lambda: status_file.exists() or process.poll() is not None, 180, "the class server never got healthy"
            )
            if process.poll() is not None:
                raise RuntimeError(f"python -m deploy exited: {process.stdout.read()}")
            yield ClassServer(process, f"http://127.0.0.1:{port}", status_file)
        finally:
            stop_group(process, timeout=30)


def serving(sessions: int = 100, interactions: int = 20, think_s: float = 0.5, large_class: int = 300) -> dict:
    """The class-scale figures; each run drives fresh servers with sessions exploring their own values."""
    from bench.load_test import run_load_test
    from deploy.launcher import healthy

    out: dict = {"sessions": sessions, "interactions": interactions, "large_class": large_class}
    for replicas in (1, 2):
        with deployed(replicas) as server:
            out[f"replicas_{replicas}"] = run_load_test(
                sessions, interactions, think_s, own_values=True, url=server.url, pids=server.replica_pids
            )
    with deployed(2) as server:
        out["large"] = run_load_test(
            large_class, 10, think_s, own_values=True, url=server.url, pids=server.replica_pids
        )
    with deployed(2) as server:
        back: dict[str, float] = {}

        def kill_and_time_the_return(cookies: list[str]) -> None:
            """Kill the replica serving most running sessions, then time until the launcher's new one answers."""
            index = server.busiest(cookies)
            killed = time.perf_counter()
            server.kill_replica(index)
            status = server.wait_restarted(index)
            port = status["replicas"][index]["port"]
            wait_for(lambda: healthy(f"http://127.0.0.1:{port}"), 90, "restarted replica")
            back["s"] = time.perf_counter() - killed

        fault = run_load_test(
            sessions,
            interactions,
            think_s,
            own_values=True,
            url=server.url,
            midway=kill_and_time_the_return,
            pids=server.replica_pids,
        )
        fault["replica_back_s"] = back.get("s", float("nan"))
        fault["url_healthy_after"] = healthy(server.url)
        out["fault"] = fault
    return out
