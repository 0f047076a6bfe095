"""The HAProxy configuration for N local replicas: cookie stickiness, websockets, health checks."""

from __future__ import annotations

import shutil

HEALTH_PATH = "/_stcore/health"
COOKIE = "LATENTLAB_SRV"
INSTALL_HINT = (
    "HAProxy is not installed. Install it with your package manager — Debian/Ubuntu: "
    "`sudo apt-get install haproxy`, Fedora: `sudo dnf install haproxy`, macOS: `brew install haproxy` — "
    "or serve one replica without a balancer: `streamlit run app.py`."
)


def haproxy_binary() -> str | None:
    """The ``haproxy`` on PATH, or None."""
    return shutil.which("haproxy")


def render_config(port: int, replica_ports: list[int], bind: str = "127.0.0.1") -> str:
    """A complete ``haproxy.cfg``: the front door on ``bind:port``, one backend server per replica.

    - ``cookie … insert indirect nocache``: the first response names the replica in a cookie the browser
      sends back with every request, the websocket handshake included;
    - ``option redispatch``: if that replica is down, the request goes to a live one (which the cookie then
      names), so a session whose replica died reconnects elsewhere;
    - ``timeout tunnel``: an open websocket may stay quiet for an hour (Streamlit pings every 30 s anyway);
    - ``option httpchk GET /_stcore/health``: a replica is only sent traffic once Streamlit says it is ready.
    """
    servers = "\n".join(
        f"    server r{i} 127.0.0.1:{p} check inter 1s fall 2 rise 1 cookie r{i}" for i, p in enumerate(replica_ports)
    )
    return f"""# Written by `python -m deploy` (deploy/haproxy.py); regenerated on every start.
global
    maxconn 4000  # two sockets each: within the usual 20,000-descriptor limit

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout client-fin 10s
    timeout http-request 30s
    option redispatch
    retries 3

frontend latent_lab
    bind {bind}:{port}
    default_backend replicas

backend replicas
    balance leastconn
    cookie {COOKIE} insert indirect nocache
    option httpchk GET {HEALTH_PATH}
    http-check expect status 200
{servers}
"""
