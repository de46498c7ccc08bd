"""A comparison on a two-node Ray cluster: both nodes started here with ``ray start`` (a head
and a node joining it by address, as on separate machines), the comparison submitted with
``--backend ray --address``; each run must report the node that ran it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).parent / "ray"
JOIN_SECONDS = 120  # nodes to register, under load on 2 cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(address: str) -> bool:
    host, port = address.split(":")
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) == 0


def cluster_size(address: str, env: dict[str, str]) -> int:
    """Alive nodes, as a driver connecting to ``address`` sees them (0 while the head is not up)."""
    if not listening(address):
        return 0
    probe = ("import ray; ray.init(address=%r, logging_level='ERROR', log_to_driver=False); "
             "print(sum(1 for n in ray.nodes() if n['Alive']))" % address)
    try:
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return 0
    return int(done.stdout.split()[-1]) if done.returncode == 0 and done.stdout.split() else 0


@pytest.mark.slow
def test_a_comparison_runs_on_both_nodes_of_a_two_node_cluster(tmp_path):
    pytest.importorskip("ray")
    token = tmp_path / "auth_token"
    token.write_text(secrets.token_hex(32))
    # Token authentication, as a cluster reachable from a network should run: every node and the
    # driver read the same token file.
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token), "RAY_USAGE_STATS_ENABLED": "0"}
    address = f"127.0.0.1:{free_port()}"
    common = ["--num-cpus", "1", "--block", "--disable-usage-stats"]
    logs = [(tmp_path / "head.log").open("w"), (tmp_path / "node.log").open("w")]
    nodes = [subprocess.Popen([str(RAY), "start", "--head", "--port", address.split(":")[1], "--include-dashboard",
                               "false", *common], env=env, start_new_session=True, stdout=logs[0],
                              stderr=subprocess.STDOUT)]
    try:
        deadline = time.monotonic() + JOIN_SECONDS
        while cluster_size(address, env) < 1:
            assert time.monotonic() < deadline, f"the head node did not start:\n{(tmp_path / 'head.log').read_text()}"
            time.sleep(2)
        nodes.append(subprocess.Popen([str(RAY), "start", "--address", address, *common], env=env,
                                      start_new_session=True, stdout=logs[1], stderr=subprocess.STDOUT))
        while cluster_size(address, env) < 2:
            assert time.monotonic() < deadline, f"the second node did not join:\n{(tmp_path / 'node.log').read_text()}"
            time.sleep(2)
        out = tmp_path / "out"
        done = subprocess.run([sys.executable, "-m", "baselines.compare.cli", "--env", "RLEnvs/GridWorld-v0",
                               "--designs", "step_cost,goal", "--seeds", "1", "--total-timesteps", "512",
                               "--eval-episodes", "2", "--backend", "ray", "--address", address, "--out", str(out)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        runs = json.loads((out / "summary.json").read_text())["runs"]
        assert [(r["design"], r["status"]) for r in runs] == [("step_cost", "done"), ("goal", "done")]
        # One CPU per node and one per run: the two runs can only have been placed on different nodes.
        assert len({r["ray_node"] for r in runs}) == 2
        assert sorted(p.parent.name for p in (out / "runs").glob("*/result.json")) == [
            "goal__seed0", "step_cost__seed0"]  # every run's files collected under --out
    finally:
        for node in reversed(nodes):
            os.killpg(node.pid, signal.SIGTERM)  # this cluster only: `ray stop` would end every Ray on the machine
        for node in nodes:
            try:
                node.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
        for log in logs:
            log.close()
