"""The Redis server that ``python -m deploy`` starts for two or more replicas: the class's rooms live there,
so a lecturer on one replica and students on another share them (``models/rooms/redis_store.py``).

It listens on 127.0.0.1 only (where the replicas are), with a password from ``LATENT_LAB_REDIS_PASSWORD`` or a
fresh random one, written to a config file only its owner reads (never on a command line, which ``ps`` shows);
the replicas get the URL in their environment (``LATENT_LAB_REDIS_URL``). Its append-only file sits in the log
folder, so a restarted Redis brings the rooms back.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

INSTALL_HINT = (
    "Redis is not installed (two or more replicas share the class rooms through it). Install it with your "
    "package manager — Debian/Ubuntu: `sudo apt-get install redis-server`, Fedora: `sudo dnf install redis`, "
    "macOS: `brew install redis` — or serve one replica, which keeps rooms in memory: `streamlit run app.py`."
)
PASSWORD_VARIABLE = "LATENT_LAB_REDIS_PASSWORD"


def redis_binary() -> str | None:
    """The ``redis-server`` on PATH, or None."""
    return shutil.which("redis-server")


def render_config(port: int, password: str, folder: Path, bind: str = "127.0.0.1") -> str:
    """redis.conf: loopback only, a password, no disk snapshots but an append-only file (fsync each second)."""
    if any(ch.isspace() or ch in "\"'\\" for ch in password):
        raise ValueError(f"{PASSWORD_VARIABLE} must not contain spaces, quotes or backslashes")
    return "\n".join(
        [
            f"bind {bind}",
            "protected-mode yes",
            f"port {port}",
            f"requirepass {password}",
            f"dir {folder}",
            'save ""',
            "appendonly yes",
            "appendfsync everysec",
            "maxmemory 256mb",
            "maxmemory-policy volatile-lru",  # every room key has an expiry: the idlest go first
            "",
        ]
    )


class RedisServer:
    """One ``redis-server`` child: ``start``, ``url``, ``alive``, ``restart``, ``stop``."""

    def __init__(self, binary: str, folder: Path, port: int, password: str | None = None) -> None:
        self.binary, self.folder, self.port = binary, folder, port
        self.password = password or os.environ.get(PASSWORD_VARIABLE) or secrets.token_urlsafe(24)
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "redis.conf"
        config.touch(mode=0o600)
        config.chmod(0o600)
        config.write_text(render_config(self.port, self.password, self.folder))
        log = open(self.folder / "redis.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, str(config)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.process.returncode} (see redis.log)")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"redis-server did not listen on port {self.port} within {timeout:.0f} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        self.start()
        self.restarts += 1

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file out and exits
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
