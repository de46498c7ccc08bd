"""One comparison run, in whatever process runs it: train (or resume, or skip), then evaluate.

``python -m baselines.compare.worker SPEC_JSON PARENT_PID`` is how the local backend runs it (one
process per run, so a crash takes down only that run); Ray tasks call :func:`run_one` directly.
The run's ``result.json`` is written last, atomically: its presence means the run is finished.
The run directory is locked for the whole run, so a second comparison cannot train it twice,
and nothing in it is ever deleted: an interrupted run resumes from its newest readable
checkpoint, or is refused with the reason.

A local worker dies with the comparison that started it: Linux sends it SIGKILL when its parent
dies (``PR_SET_PDEATHSIG``), and on any system a watchdog thread ends it once its parent is gone.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from baselines.args import EVAL_SEED
from baselines.checkpoint import atomic_write_json
from baselines.evaluate import evaluate
from baselines.rundir import RESULT, RunDir, RunFileError, read_json
from baselines.train import TrainArgs, train
from rl_envs.registry import entry

PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_SECONDS = 0.5


def metric_value(evaluation: dict[str, Any], metric: str) -> float:
    """The comparison metric from an eval.json: ``return/<design>`` or a task metric."""
    if metric.startswith("return/"):
        return float(evaluation["design_returns"][metric.removeprefix("return/")])
    return float(evaluation["task"][metric])


def finished(run_dir: Path) -> dict[str, Any] | None:
    """A finished run's result.json, or None (absent, or unreadable: the run is then evaluated again)."""
    try:
        result = read_json(Path(run_dir) / RESULT)
    except RunFileError:
        return None
    return result if isinstance(result, dict) and result.get("status") == "done" else None


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Train, resume or skip the run of ``spec`` (a RunSpec as a dict), evaluate it, write result.json."""
    import torch  # heavy: only in the process that trains

    run = RunDir(spec["train"]["run_dir"])
    done = finished(run.path)
    if done is not None:
        return {**done, "skipped": True}
    run.path.mkdir(parents=True, exist_ok=True)
    with run.lock("compare worker"):
        done = finished(run.path)  # finished by another process while this one waited
        if done is not None:
            return {**done, "skipped": True}
        torch.set_num_threads(int(spec["torch_threads"]))
        args = TrainArgs(**spec["train"])
        resumed_from = None
        if run.has_config():
            checkpoint = run.latest_checkpoint()  # refuses (RunFileError) if none is readable
            resumed_from = checkpoint["step"] if checkpoint else None
        train(args, resume=run.path if run.has_config() else None)
        evaluation = evaluate(run.path, episodes=int(spec["eval_episodes"]), seed=EVAL_SEED)
        metric = entry(args.env).compare_metric
        result = {
            "design": spec["design"], "seed": spec["seed"], "status": "done", "run_dir": str(run.path),
            "timesteps": evaluation["timesteps"], "wall_seconds": evaluation["wall_seconds"],
            "resumed_from": resumed_from, "metric": metric, "metric_value": metric_value(evaluation, metric),
            "return_mean": evaluation["return_mean"], "return_std": evaluation["return_std"],
            "design_returns": evaluation.get("design_returns", {}), "task": evaluation.get("task", {}),
            "finished_at": time.strftime("%Y-%m-%d %H:%M:%S"), "host": socket.gethostname(),
        }
        atomic_write_json(run / RESULT, result)
    return result


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` dies (SIGKILL from the kernel on Linux, else a watchdog)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)  # orphaned (also if the parent died before prctl above)

    threading.Thread(target=watch, daemon=True, name="parent-watchdog").start()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1:
        die_with_parent(int(argv[1]))
    spec = json.loads(Path(argv[0]).read_text())
    result = run_one(spec)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
