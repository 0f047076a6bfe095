"""The process-wide tuning (pages/ui/runtime_tuning.py) does what its docstring says."""

from __future__ import annotations

import socket

import pytest

from pages.ui import runtime_tuning
from pages.ui.runtime_tuning import send_replies_at_once


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
