"""Start, watch and stop the replicas and the balancer of ``python -m deploy``."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from deploy.haproxy import HEALTH_PATH, haproxy_binary, render_config
from deploy.redis import RedisServer, redis_binary

ROOT = Path(__file__).resolve().parent.parent


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def replica_command(port: int, script: str = "app.py") -> list[str]:
    """One replica: the app on 127.0.0.1:``port``, no browser, no file watcher (nothing edits it in class)."""
    return [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip


@dataclass
class Replica:
    port: int
    process: subprocess.Popen | None = None
    restarts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """N replicas and HAProxy in front of them on ``port``; every child in its own process group. Two or more
    replicas share the class rooms through a Redis server of their own (``deploy/redis.py``); one replica
    keeps them in its memory."""

    replicas: int
    port: int
    log_dir: Path
    members: list[Replica] = field(default_factory=list)
    balancer: subprocess.Popen | None = None
    redis: RedisServer | None = None

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.log_dir / log_name, "ab")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        env.pop("LATENT_LAB_REDIS_PASSWORD", None)
        if self.redis is not None:
            env["LATENT_LAB_REDIS_URL"] = self.redis.url  # in the environment, not on a command line
        return subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )

    def start(self) -> None:
        binary = haproxy_binary()
        if binary is None:
            raise FileNotFoundError("haproxy")
        rooms_binary = redis_binary() if self.replicas > 1 else None
        if self.replicas > 1 and rooms_binary is None:
            raise FileNotFoundError("redis-server")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if rooms_binary is not None:
            self.redis = RedisServer(rooms_binary, self.log_dir / "redis", free_port())
            self.redis.start()
            self.redis.wait_ready()
        self.members = [Replica(free_port()) for _ in range(self.replicas)]
        for i, member in enumerate(self.members):
            member.process = self._spawn(replica_command(member.port), f"replica-{i}.log")
        config = self.log_dir / "haproxy.cfg"
        config.write_text(render_config(self.port, [m.port for m in self.members]))
        check = subprocess.run([binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"HAProxy refused its configuration:\n{check.stdout}{check.stderr}")
        self.balancer = self._spawn([binary, "-db", "-f", str(config)], "haproxy.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 120.0) -> float:
        """Seconds until every replica and the balancer answer the health check."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.balancer and self.balancer.poll() is not None:
                raise RuntimeError(
                    f"HAProxy exited with code {self.balancer.returncode} (see {self.log_dir}/haproxy.log)"
                )
            if all(healthy(m.url) for m in self.members) and healthy(self.url):
                return time.perf_counter() - start
            time.sleep(0.2)
        raise TimeoutError(f"the replicas were not healthy within {timeout:.0f} s (logs in {self.log_dir})")

    def heal(self) -> list[int]:
        """Restart every replica whose process has exited (same port: HAProxy's check brings it back into
        rotation within a second of it being ready); return their indices."""
        restarted = []
        if self.redis is not None and not self.redis.alive():
            self.redis.restart()  # same port and folder: its append-only file brings the rooms back
        for i, member in enumerate(self.members):
            if member.process is not None and member.process.poll() is not None:
                member.process = self._spawn(replica_command(member.port), f"replica-{i}.log")
                member.restarts += 1
                restarted.append(i)
        return restarted

    def write_status(self) -> None:
        """``cluster.json`` in the log folder: each replica's port, process id and restarts (for whoever
        watches the class server, and for the fault test that kills one)."""
        status = {
            "url": self.url,
            "balancer_pid": self.balancer.pid if self.balancer else None,
            "redis": None
            if self.redis is None or self.redis.process is None
            else {"port": self.redis.port, "pid": self.redis.process.pid, "restarts": self.redis.restarts},
            "replicas": [
                {"port": m.port, "pid": m.process.pid if m.process else None, "restarts": m.restarts}
                for m in self.members
            ],
        }
        tmp = self.log_dir / "cluster.json.tmp"
        tmp.write_text(json.dumps(status, indent=1) + "\n")
        tmp.replace(self.log_dir / "cluster.json")

    def stop(self) -> None:
        for process in [self.balancer, *(m.process for m in self.members)]:
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in [self.balancer, *(m.process for m in self.members)]:
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        if self.redis is not None:
            self.redis.stop()  # last: no replica is left to write to it


def default_log_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"latent-lab-deploy-{os.getpid()}"
