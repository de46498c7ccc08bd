"""One comparison run, in whatever process runs it: train (or resume, or skip), then evaluate.

``python -m baselines.compare.worker SPEC_JSON`` is how the local backend runs it (one process
per run, so a crash takes down only that run); Ray tasks call :func:`run_one` directly.
The run's ``result.json`` is written last, atomically: its presence means the run is finished.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

RESULT = "result.json"


def metric_value(evaluation: dict[str, Any], metric: str) -> float:
    """The comparison metric from an eval.json: ``return/<design>`` or a task metric."""
    if metric.startswith("return/"):
        return float(evaluation["design_returns"][metric.removeprefix("return/")])
    return float(evaluation["task"][metric])


def finished(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / RESULT
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Train, resume or skip the run of ``spec`` (a RunSpec as a dict), evaluate it, write result.json."""
    import torch

    from baselines.callbacks import latest_checkpoint
    from baselines.checkpoint import CheckpointError, atomic_write_json
    from baselines.evaluate import evaluate
    from baselines.train import TrainArgs, train
    from rl_envs.registry import entry

    run_dir = Path(spec["train"]["run_dir"])
    done = finished(run_dir)
    if done is not None:
        return {**done, "skipped": True}
    torch.set_num_threads(int(spec["torch_threads"]))
    args = TrainArgs(**spec["train"])
    resumed_from = None
    if not ((run_dir / "state.json").exists() and (run_dir / "model.zip").exists()):
        try:
            resumed_from = latest_checkpoint(run_dir)["step"] if (run_dir / "config.json").exists() else None
        except CheckpointError:
            shutil.rmtree(run_dir)  # interrupted before its first checkpoint: nothing worth keeping
        train(args, resume=run_dir if resumed_from is not None else None)
    evaluation = evaluate(run_dir, episodes=int(spec["eval_episodes"]), seed=1_000_000)
    metric = entry(args.env).compare_metric
    result = {
        "design": spec["design"], "seed": spec["seed"], "status": "done", "run_dir": str(run_dir),
        "timesteps": evaluation["timesteps"], "wall_seconds": evaluation["wall_seconds"],
        "resumed_from": resumed_from, "metric": metric, "metric_value": metric_value(evaluation, metric),
        "return_mean": evaluation["return_mean"], "return_std": evaluation["return_std"],
        "design_returns": evaluation.get("design_returns", {}), "task": evaluation.get("task", {}),
        "finished_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    atomic_write_json(run_dir / RESULT, result)
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(argv[0]).read_text())
    result = run_one(spec)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
