"""The process-wide tuning (pages/ui/runtime_tuning.py) does what its docstring says."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pages.ui import runtime_tuning
from pages.ui.runtime_tuning import send_replies_at_once

ROOT = Path(__file__).resolve().parent.parent


def _accepted(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname())
    conn, _ = listener.accept()
    return client, conn


@pytest.mark.parametrize("fd_dir", ["/dev/fd", "/no/such/dir"], ids=["descriptors", "live-objects"])
def test_connections_accepted_after_tuning_send_small_replies_at_once(fd_dir, monkeypatch):
    """Streamlit binds its listening socket with protocol number 0, which asyncio's own TCP_NODELAY skips, so a
    rerun's small messages waited for delayed ACKs; once tuned, every connection accepted has Nagle's
    algorithm off. Sockets found by descriptor (Linux, macOS) and, without ``/dev/fd``, among live objects."""
    monkeypatch.setattr(runtime_tuning, "_FD_DIR", fd_dir)
    listener = socket.socket(family=socket.AF_INET)  # as streamlit.web.server.starlette binds it
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    opened = [listener]
    try:
        opened += _accepted(listener)
        assert opened[-1].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # what the stack leaves
        send_replies_at_once.__wrapped__()  # the process-wide call is cached: run the body again here
        assert opened[-1].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0  # open connections, and
        opened += _accepted(listener)
        assert opened[-1].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0  # those accepted later
    finally:
        for s in opened:
            s.close()


_BLAS_PROBE = """
import os
from threadpoolctl import threadpool_info
{prelude}
import numpy
numpy.ones((64, 64)) @ numpy.ones((64, 64))
blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
print(blas, len(os.listdir("/proc/self/task")))
"""


def _blas_threads(prelude: str) -> tuple[list[int], int]:
    """(OpenBLAS's thread count, the process's threads) in a fresh interpreter that runs ``prelude`` first."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", runtime_tuning.UNTUNED_ENV)}
    out = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE.format(prelude=prelude)],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env,
    )  # fmt: skip
    blas, threads = out.stdout.strip().rsplit(" ", 1)
    return ast.literal_eval(blas), int(threads)


ENTRY_SCRIPTS = ["app.py", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2, reason="Linux, 2+ cores")
@pytest.mark.parametrize("script", ENTRY_SCRIPTS)
def test_every_entry_script_starts_openblas_with_one_thread_and_no_idle_worker(script):
    """Whichever script a fresh server runs first (``app.py``, or for a page's URL its stub in ``pages/``), the
    frame limits OpenBLAS before anything imports NumPy, so OpenBLAS starts no worker thread (an idle one spun
    beside the first run); without it, one per core (the control, below)."""
    before_run = Path(ROOT, script).read_text().rsplit("run()", 1)[0]  # all the script does before drawing
    blas, threads = _blas_threads(before_run)
    assert blas == [1] and threads == 1


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or (os.cpu_count() or 1) < 2, reason="Linux, 2+ cores")
def test_without_the_limit_openblas_starts_a_thread_per_core():
    """The control for the test above: what OpenBLAS does when nothing limits it before NumPy loads."""
    blas, threads = _blas_threads("")
    assert blas and blas[0] > 1 and threads > 1


def test_after_tuning_streamlit_no_longer_inspects_the_stack_for_a_repl(monkeypatch):
    """Streamlit's once-per-process REPL check walks the whole stack and every module's file (point 4); once
    tuned, its first-element hook returns without calling it. Fails if Streamlit renames the flag we set."""
    import streamlit.delta_generator as delta_generator
    from streamlit import env_util

    asked = []
    monkeypatch.setattr(env_util, "is_repl", lambda: asked.append(1) or False)
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    delta_generator._maybe_print_use_warning()
    assert asked  # the check the tuning removes (the control)
    asked.clear()
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    runtime_tuning.skip_the_repl_check.__wrapped__()
    delta_generator._maybe_print_use_warning()
    assert not asked
