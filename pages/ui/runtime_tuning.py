"""Process-wide settings that keep reruns fast when many sessions share the app process, and the first one quick.

``python -m bench.benchmark`` measures each page's slider rerun with and without them (the environment
variable ``LATENT_LAB_STREAMLIT_DEFAULTS=1`` plus ``--runner.postScriptGC true`` restores Streamlit's
defaults); see BENCHMARKS.md.

1. After every script run Streamlit calls ``gc.collect``, which walks every object alive: Streamlit, Plotly,
   the loaded models. ``gc.freeze()`` at the first run and after each model is loaded moves those long-lived
   objects out of the collector's sight, and ``runner.postScriptGC = false`` (.streamlit/config.toml) drops the
   extra collection.
   (Streamlit also resets Keras after each run when Keras is imported; the app runs its models without
   Keras, ``models/runtime/graph.py``, so there is nothing to reset.)
2. Each session's script runs in its own thread, and every model call is a NumPy matrix product. With
   OpenBLAS's default of one worker per core, ten sessions' products at once fought over two cores: the
   100-student load test gave p50 3.3 s per move, 2.3 s with one BLAS thread per product (the sessions'
   threads already use every core). The frame (``pages/ui/frame.py``, which every entry script imports
   first) sets the limit before anything imports NumPy, as OpenBLAS's environment variable: then OpenBLAS
   starts no worker thread at all, whose spinning between products took a core from the first run and the
   browser painting it (docs/DECISIONS.md). Where NumPy was loaded earlier (tests, another entry point),
   ``threadpoolctl`` sets the limit once the first page has drawn.
3. A rerun's reply is a burst of small websocket messages. Streamlit binds its listening socket with
   protocol number 0, and asyncio turns Nagle's algorithm off only for sockets whose protocol number says
   TCP, so every message after the first of a burst waited for the client's delayed ACK: ~40 ms added to
   every rerun, on an idle server too. ``send_replies_at_once`` sets ``TCP_NODELAY`` on the listening socket
   (Linux copies it to each connection accepted later) and on the connections already open.
4. At the first element a process draws, Streamlit checks whether it runs in a Python REPL, to print a hint:
   ``inspect.stack()``, which maps the file of every module loaded: the largest single cost of the script
   thread before a page's first picture (docs/DECISIONS.md). A script run by ``streamlit run`` is never in a
   REPL: ``skip_the_repl_check`` sets the flag Streamlit sets once it has checked.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import socket
import sys
from collections.abc import Iterator

UNTUNED_ENV = "LATENT_LAB_STREAMLIT_DEFAULTS"


def _untuned() -> bool:
    """Benchmarks set this to measure what the tuning is worth."""
    return os.environ.get(UNTUNED_ENV, "") not in ("", "0")


def freeze_long_lived_objects() -> None:
    """Exclude everything alive now (Streamlit, Plotly, loaded models) from future garbage collections."""
    if not _untuned():
        gc.freeze()


@functools.cache
def freeze_server_objects() -> None:
    """At the first run, freeze what the server has made so far (Streamlit, Plotly, …): a full collection set
    off by the first page's imports then walks only the page's objects, not the server's (docs/DECISIONS.md)."""
    freeze_long_lived_objects()


_BLAS_LIMITED_AT_LOAD = False


def one_blas_thread_from_the_start() -> None:
    """Point 2, before NumPy is imported: OpenBLAS reads its thread count once, when NumPy loads it. A value the
    user set is kept. Does nothing once NumPy is loaded (``one_blas_thread_per_product`` then does the job)."""
    global _BLAS_LIMITED_AT_LOAD  # noqa: PLW0603
    if _untuned() or "numpy" in sys.modules:
        return
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _BLAS_LIMITED_AT_LOAD = True


@functools.cache
def one_blas_thread_per_product() -> None:
    """Point 2 when NumPy was loaded before ``one_blas_thread_from_the_start`` ran: limit OpenBLAS to one thread
    per matrix product, once per process (the limit is process-wide, and threadpoolctl walks every loaded
    library to find the BLAS ones each time it is asked)."""
    if _untuned() or _BLAS_LIMITED_AT_LOAD:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


@functools.cache
def skip_the_repl_check() -> None:
    """Point 4 above, once per process, before the first element."""
    if _untuned():
        return
    import streamlit.delta_generator as delta_generator

    delta_generator._use_warning_has_been_displayed = True


@functools.cache
def send_replies_at_once() -> None:
    """Turn Nagle's algorithm off on the server's TCP sockets (point 3 above), once per process, by the first
    run. The sockets are found among the process's file descriptors (a socket option belongs to the socket, so a
    duplicate descriptor sets it), not by walking every live object (docs/DECISIONS.md)."""
    if _untuned():
        return
    for sock in _tcp_sockets():
        with contextlib.suppress(OSError):  # closed meanwhile
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


_TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)
_FD_DIR = "/dev/fd"  # Linux and macOS


def _live_tcp_sockets() -> Iterator[socket.socket]:
    for o in gc.get_objects():
        try:
            if isinstance(o, socket.socket) and _is_tcp(o):
                yield o
        except ReferenceError:  # a weak proxy whose object is gone: isinstance itself raises
            continue


def _tcp_sockets() -> Iterator[socket.socket]:
    """This process's TCP sockets: duplicates of its descriptors (closed after use), or, where the system has
    no ``/dev/fd`` (Windows), the socket objects alive in the interpreter."""
    if not os.path.isdir(_FD_DIR):
        yield from _live_tcp_sockets()
        return
    for name in os.listdir(_FD_DIR):
        try:
            fd = os.dup(int(name))
        except (OSError, ValueError):  # the listing's own descriptor, closed since
            continue
        try:
            sock = socket.socket(fileno=fd)
        except OSError:  # not a socket
            os.close(fd)
            continue
        with sock:
            if _is_tcp(sock):
                yield sock


def _is_tcp(sock: socket.socket) -> bool:
    return sock.type == socket.SOCK_STREAM and sock.family in _TCP_FAMILIES
