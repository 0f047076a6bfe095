"""``python -m deploy [--replicas N] [--port P]``: the app for a whole class on one machine.

Starts N ``streamlit run app.py`` replicas on 127.0.0.1 and HAProxy in front of them on port P (and, for N ≥ 2,
a password-protected Redis on 127.0.0.1 through which the replicas share class rooms), waits until all are healthy, prints the URL, restarts a replica that dies, and stops everything on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from deploy.haproxy import INSTALL_HINT
from deploy.launcher import Cluster, default_log_dir
from deploy.redis import INSTALL_HINT as REDIS_INSTALL_HINT


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    p.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="app processes (default: one per core)")
    p.add_argument("--port", type=int, default=8501, help="the port students open (default 8501)")
    p.add_argument("--logs", type=Path, help="folder for the replicas' and HAProxy's logs and haproxy.cfg")
    args = p.parse_args(argv)
    if args.replicas < 1:
        p.error("--replicas must be at least 1")
    cluster = Cluster(args.replicas, args.port, args.logs or default_log_dir())
    stopping = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    try:
        cluster.start()
    except FileNotFoundError as missing:
        print(REDIS_INSTALL_HINT if str(missing) == "redis-server" else INSTALL_HINT, file=sys.stderr)
        return 2
    except (RuntimeError, TimeoutError, OSError) as err:
        print(f"Could not start the class server: {err}", file=sys.stderr)
        cluster.stop()
        return 1
    try:
        seconds = cluster.wait_healthy()
        cluster.write_status()
        rooms = "rooms shared through Redis" if cluster.redis is not None else "rooms in memory"
        print(f"Latent Lab: {args.replicas} replicas behind HAProxy ({rooms}), healthy in {seconds:.1f} s", flush=True)
        print(f"  URL: {cluster.url}    (logs: {cluster.log_dir}; Ctrl-C stops everything)", flush=True)
        while not stopping:
            redis_restarts = cluster.redis.restarts if cluster.redis is not None else 0
            for i in cluster.heal():
                print(f"  replica {i} had stopped: restarted on port {cluster.members[i].port}", flush=True)
                cluster.write_status()
            if cluster.redis is not None and cluster.redis.restarts != redis_restarts:
                print("  Redis had stopped: restarted; the rooms come back from its append-only file", flush=True)
                cluster.write_status()
            if cluster.balancer is not None and cluster.balancer.poll() is not None:
                print(f"HAProxy exited (code {cluster.balancer.returncode}); stopping.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    except (RuntimeError, TimeoutError) as err:
        print(f"Could not start the class server: {err}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
