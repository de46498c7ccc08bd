"""Evaluate a trained run: ``python -m baselines.evaluate RUN_DIR [--episodes 10] [--video]``.

Plays N greedy episodes with the run's final model (or ``--model best``) in the run's own env
configuration and writes ``eval.json`` in the run directory:

| field | meaning |
|-------|---------|
| ``env``, ``algo``, ``env_kwargs``, ``model``, ``episodes``, ``seed`` | what was evaluated |
| ``return_mean``, ``return_std``, ``returns`` | greedy return per episode (the training reward) |
| ``length_mean``, ``lengths`` | steps per episode |
| ``design_returns`` | envs with several reward designs (Mario): mean return under every design |
| ``task`` | Mario: ``x_pos_max_mean``, ``flag_rate``, ``score_mean`` |
| ``timesteps``, ``wall_seconds`` | training steps and wall time of the run |
| ``random`` | with ``--random-baseline``: the same fields for uniformly random actions |

``--video`` records the first episode with Gymnasium's RecordVideo into ``RUN_DIR/videos``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from baselines.checkpoint import CheckpointError, atomic_write_json, safe_load
from baselines.config import ConfigError, algo_class


def load_run(run_dir: Path, model_name: str = "model", render_mode: str | None = None,
             n_envs: int = 1, seed: int = 0) -> tuple[Any, Any, dict]:
    """(model, VecEnv, config) of a run, the model loaded without unpickling anything."""
    import warnings

    from baselines.train import TrainArgs, build_model, make_vec_env, resolve_device

    try:
        config = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{run_dir} is not a run directory (no readable config.json): {error}") from error
    args = TrainArgs(**config["args"])
    params = config["hyperparams"]  # as trained, even if the YAML files changed since
    path = run_dir / f"{model_name}.zip"
    if not path.exists():
        raise CheckpointError(f"{path} does not exist (models here: {sorted(p.name for p in run_dir.glob('*.zip'))})")
    venv = make_vec_env(args.env, args.env_kwargs, params, n_envs, seed, render_mode)
    device = resolve_device("auto")
    with warnings.catch_warnings():  # a 1-env copy of the model only lends its objects to the loader
        warnings.simplefilter("ignore", UserWarning)
        fresh = build_model(args, params, venv, device)
    return safe_load(algo_class(args.algo), path, fresh, venv, device), venv, config


def run_episodes(model: Any, venv: Any, episodes: int) -> dict[str, Any]:
    """Greedy episodes on a 1-env VecEnv; per-episode returns, lengths, design returns, task metrics."""
    returns, lengths, designs, tasks = [], [], [], []
    obs = venv.reset()
    ret, length, design, x_max = 0.0, 0, {}, 0
    while len(returns) < episodes:
        action, _ = model.predict(obs, deterministic=True)
        obs, reward, done, infos = venv.step(action)
        info = infos[0]
        ret, length = ret + float(reward[0]), length + 1
        for name, value in info.get("reward_designs", {}).items():
            design[name] = design.get(name, 0.0) + float(value)
        if "x_pos" in info:
            x_max = max(x_max, int(info["x_pos"]))
        if done[0]:
            returns.append(ret)
            lengths.append(length)
            designs.append(design)
            if "x_pos" in info:
                tasks.append({"x_pos_max": x_max, "flag": bool(info.get("flag_get")), "score": info.get("score", 0)})
            ret, length, design, x_max = 0.0, 0, {}, 0
    result: dict[str, Any] = {
        "episodes": episodes, "return_mean": float(np.mean(returns)), "return_std": float(np.std(returns)),
        "returns": returns, "length_mean": float(np.mean(lengths)), "lengths": lengths,
    }
    if designs and designs[0]:
        result["design_returns"] = {name: float(np.mean([d[name] for d in designs])) for name in designs[0]}
    if tasks:
        result["task"] = {"x_pos_max_mean": float(np.mean([t["x_pos_max"] for t in tasks])),
                          "flag_rate": float(np.mean([t["flag"] for t in tasks])),
                          "score_mean": float(np.mean([t["score"] for t in tasks]))}
    return result


class RandomAgent:
    """Uniformly random actions, with SB3's ``predict`` signature: the baseline to beat."""

    def __init__(self, action_space: Any, seed: int) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(self, obs: Any, deterministic: bool = True) -> tuple[np.ndarray, None]:
        return np.array([self.action_space.sample()]), None


def evaluate(run_dir: Path, episodes: int = 10, model_name: str = "model", video: bool = False,
             seed: int = 1_000_000, random_baseline: bool = False) -> dict[str, Any]:
    model, venv, config = load_run(run_dir, model_name, render_mode="rgb_array" if video else None, seed=seed)
    if video:
        record_video(run_dir, model, config)
    result = {"env": config["args"]["env"], "algo": config["args"]["algo"], "env_kwargs": config["args"]["env_kwargs"],
              "model": model_name, "seed": seed, **run_episodes(model, venv, episodes)}
    if random_baseline:
        result["random"] = run_episodes(RandomAgent(venv.action_space, seed), venv, episodes)
    state_path = run_dir / "state.json"
    if state_path.exists():
        result.update(json.loads(state_path.read_text()))
    result["machine"] = config.get("machine", {})
    atomic_write_json(run_dir / "eval.json", result)
    venv.close()
    return result


def record_video(run_dir: Path, model: Any, config: dict) -> Path:
    """One greedy episode recorded with Gymnasium's RecordVideo (needs moviepy)."""
    import gymnasium as gym

    from baselines.train import make_env

    args = config["args"]
    try:
        import moviepy  # noqa: F401  (RecordVideo's encoder)
    except ImportError as error:
        raise ConfigError("--video needs moviepy: .venv/bin/pip install -e '.[video]'") from error
    env = gym.wrappers.RecordVideo(make_env(args["env"], args["env_kwargs"], "rgb_array"), str(run_dir / "videos"),
                                   episode_trigger=lambda i: i == 0, disable_logger=True)
    frames = int(config["hyperparams"].get("frame_stack") or 1)
    if frames > 1:
        env = gym.wrappers.FrameStackObservation(env, int(frames))
    obs, _ = env.reset(seed=0)
    done = False
    while not done:
        stacked = np.asarray(obs).reshape(1, -1) if frames else np.asarray(obs)[None]
        action, _ = model.predict(stacked, deterministic=True)
        obs, _, terminated, truncated, _ = env.step(action[0])
        done = terminated or truncated
    env.close()
    return run_dir / "videos"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rl-envs-evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--model", default="model", help="model (final, default), best_model, or checkpoints/step_N")
    parser.add_argument("--video", action="store_true", help="record one episode (RecordVideo) into RUN_DIR/videos")
    parser.add_argument("--random-baseline", action="store_true",
                        help="also play the same number of episodes with random actions (eval.json: random)")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes must be >= 1, got {args.episodes}")
    try:
        result = evaluate(args.run_dir, args.episodes, args.model, args.video, random_baseline=args.random_baseline)
    except (CheckpointError, ConfigError) as error:
        print(f"rl-envs-evaluate: error: {error}", file=sys.stderr)
        return 2
    print(f"{result['env']} {result['algo']}: greedy return {result['return_mean']:.1f} +- {result['return_std']:.1f} "
          f"over {result['episodes']} episodes; written to {args.run_dir / 'eval.json'}")
    for label, part in (("agent", result), ("random", result.get("random"))):
        if part and "task" in part:
            print(f"  {label}: " + ", ".join(f"{k} {v:.3g}" for k, v in part["task"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
