"""Evaluate a trained run: ``rl-envs-baselines evaluate RUN_DIR [--episodes 10] [--video]``
(or ``python -m baselines.evaluate``; options: :class:`baselines.args.EvaluateArgs`).

Plays N episodes with the run's final model (or ``--model best_model``) in the run's own env
configuration and writes ``eval.json`` (or ``--output NAME``) in the run directory. Actions are
greedy unless the run's hyperparameters say ``eval_deterministic: false`` (Mario's PPO: sampled,
as RL Zoo does for Atari games, whose greedy policies get stuck); ``--greedy`` / ``--stochastic``
choose explicitly.

| field | meaning |
|-------|---------|
| ``env``, ``algo``, ``env_kwargs``, ``env_overrides``, ``model``, ``episodes``, ``seed`` | what was evaluated (``env_overrides``: ``--env-kwarg`` options replacing the run's) |
| ``return_mean``, ``return_std``, ``returns`` | return per episode (the training reward) |
| ``length_mean``, ``lengths`` | steps per episode |
| ``deterministic`` | true: greedy actions; false: actions sampled from the policy |
| ``design_returns`` | envs with several reward designs: mean return under every design |
| ``task`` | the env's task metrics, mean over episodes (Mario: ``x_pos`` furthest x reached, ``flag`` flag rate, ``score``) |
| ``task_episodes`` | the same metrics per episode |
| ``timesteps``, ``wall_seconds`` | training steps and wall time of the run |
| ``random`` | with ``--random-baseline``: the same fields for uniformly random actions |

``--video`` records the first episode with Gymnasium's RecordVideo into ``RUN_DIR/videos``.
"""

from __future__ import annotations

import importlib
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from baselines.args import EVAL_SEED, PROG, EvaluateArgs, TrainArgs, from_dict
from baselines.checkpoint import CheckpointError, atomic_write_json, safe_load
from baselines.config import ConfigError, algo_class, check_hyperparams, eval_deterministic
from baselines.episodes import mean_of, run_episodes, task_metrics
from baselines.factories import build_model, evaluation_kwargs, make_vec_env, resolve_device
from baselines.rundir import CONFIG, EVAL, SHIPPED, VIDEOS, RunDir
from rl_envs import registry
from rl_envs.cli_args import parse
from rl_envs.options import check_number


def load_run(run_dir: Path, model_name: str = "model", render_mode: str | None = None,
             n_envs: int = 1, seed: int = 0, env_overrides: dict[str, Any] | None = None) -> tuple[Any, Any, dict]:
    """(model, VecEnv, config) of a run, the model loaded without unpickling anything.

    ``model_name``: ``model``, ``best_model`` or ``checkpoints/step_N``, inside the run directory.
    """
    run = RunDir(run_dir)
    if not run.path.is_dir():
        raise CheckpointError(f"{run_dir} is not a run directory (it does not exist)")
    config = run.load_config()
    args = from_dict(TrainArgs, config["args"], f"{run / CONFIG}: args")
    params = check_hyperparams(args.algo, config["hyperparams"], str(run / CONFIG))  # as trained
    path = run.model_path(model_name)
    try:
        registry.entry(args.env)
        venv = make_vec_env(args.env, {**evaluation_kwargs(args.env, args.env_kwargs), **(env_overrides or {})}, params,
                            n_envs, seed, render_mode, evaluation=True)
    except (TypeError, ValueError, gym.error.Error) as error:
        overrides = f" with the overrides {env_overrides}" if env_overrides else ""
        raise CheckpointError(f"{run / CONFIG}: its env {args.env} with env_kwargs {args.env_kwargs}{overrides} cannot "
                              f"be made: {error}") from None
    device = resolve_device("auto")
    with warnings.catch_warnings():  # a 1-env copy of the model only lends its objects to the loader
        warnings.simplefilter("ignore", UserWarning)
        fresh = build_model(args.algo, params, venv, args.seed, device)
    try:
        model = safe_load(algo_class(args.algo), path, fresh, venv, device)
        venv.seed(seed)  # building the model seeded the envs with the run's training seed; the first reset takes ours
        return model, venv, config
    except BaseException:
        venv.close()
        raise


def episode_summary(records: list[dict[str, float]], metrics: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The eval.json fields of a list of episode records (see the table above)."""
    returns, lengths = [r["return"] for r in records], [int(r["length"]) for r in records]
    means = mean_of(records)
    result: dict[str, Any] = {
        "episodes": len(records), "return_mean": float(np.mean(returns)), "return_std": float(np.std(returns)),
        "returns": returns, "length_mean": float(np.mean(lengths)), "lengths": lengths,
    }
    designs = {k.removeprefix("return/"): v for k, v in means.items() if k.startswith("return/")}
    if designs:
        result["design_returns"] = designs
    if metrics:
        result["task"] = {name: means[name] for name in metrics if name in means}
        result["task_episodes"] = {name: [r[name] for r in records] for name in result["task"]}
    return result


def play_episodes(agent: Any, venv: Any, env_id: str, episodes: int, deterministic: bool = True,
                  progress: str | None = None) -> dict[str, Any]:
    metrics = task_metrics(env_id)
    return episode_summary(run_episodes(agent, venv, episodes, metrics, deterministic, progress), metrics)


class RandomAgent:
    """Uniformly random actions, with SB3's ``predict`` signature: the baseline to beat."""

    def __init__(self, action_space: Any, seed: int) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(self, obs: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        return np.array([self.action_space.sample()]), None


MARIO = "RLEnvs/Mario-v0"


def evaluate_planner(env_kwargs: dict[str, Any], episodes: int, seed: int = EVAL_SEED, progress_bar: bool = False,
                     **planner_options: Any) -> dict[str, Any]:
    """``episodes`` episodes of the planner that plans while it plays
    (:class:`rl_envs.mario.planner.PlannerAgent`, ``planner_options`` its options) in
    ``RLEnvs/Mario-v0`` with ``env_kwargs``, played and measured by the same code as a trained
    run's evaluation (the same fields as ``eval.json``), with the frames its model played."""
    kwargs = evaluation_kwargs(MARIO, env_kwargs)
    venv = make_vec_env(MARIO, kwargs, {}, 1, seed, evaluation=True)
    venv.seed(seed)  # as load_run seeds a trained run's evaluation
    start = time.time()
    try:
        # By name: the planner needs nes-py (the 'mario' extra), which evaluating other envs does not.
        agent = importlib.import_module("rl_envs.mario.planner").PlannerAgent(venv.envs, **planner_options)
        try:
            result = play_episodes(agent, venv, MARIO, episodes, progress="planner" if progress_bar else None)
        finally:
            agent.close()
    finally:
        venv.close()
    steps = sum(result["lengths"])
    return {"env": MARIO, "algo": "planner", "env_kwargs": kwargs, "planner": planner_options, "seed": seed,
            "deterministic": True, **result, "frames_searched": agent.frames_searched,
            "frames_searched_per_step": agent.frames_searched / steps, "wall_seconds": round(time.time() - start, 1)}


def evaluate(run_dir: Path, episodes: int = 10, model_name: str = "model", video: bool = False,
             seed: int = EVAL_SEED, random_baseline: bool = False, deterministic: bool | None = None,
             output: str = EVAL, env_overrides: dict[str, Any] | None = None,
             progress_bar: bool = False) -> dict[str, Any]:
    """Play and record ``episodes`` episodes; ``deterministic`` None: as the run's hyperparameters say.
    ``env_overrides``: env options that replace the run's for this evaluation (e.g. ``noop_max``).
    ``progress_bar``: a bar over the episodes on stderr, with the running means.

    Holds the run directory's lock while it works (refused while a training writes there).
    """
    run = RunDir(run_dir)
    if not run.path.is_dir():
        raise CheckpointError(f"{run_dir} is not a run directory (it does not exist)")
    if (run.path / SHIPPED).exists():
        raise ConfigError(f"{run_dir} is a shipped agent, kept read only; evaluate writes its results into the run "
                          f"directory, so evaluate a copy: cp -r {run_dir} ~/runs/{run.path.name} && "
                          f"rl-envs-baselines evaluate ~/runs/{run.path.name} ...")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one observation at a time: more threads only wait on each other (and on other jobs)
    try:
        with run.lock("evaluate"):
            return _evaluate(run, episodes, model_name, video, seed, random_baseline, deterministic, output,
                             env_overrides or {}, progress_bar)
    finally:
        torch.set_num_threads(threads)


def _evaluate(run: RunDir, episodes: int, model_name: str, video: bool, seed: int, random_baseline: bool,
              deterministic: bool | None, output: str, env_overrides: dict[str, Any],
              progress_bar: bool) -> dict[str, Any]:
    run_dir = run.path
    model, venv, config = load_run(run_dir, model_name, seed=seed, env_overrides=env_overrides)
    greedy = eval_deterministic(config["hyperparams"], deterministic)
    if video:
        args = from_dict(TrainArgs, config["args"], f"{run / CONFIG}: args")
        record_video(run_dir, model, make_vec_env(args.env, {**evaluation_kwargs(args.env, args.env_kwargs), **env_overrides},
                                                  config["hyperparams"], 1, seed, "rgb_array", evaluation=True),
                     greedy)
    result = {"env": config["args"]["env"], "algo": config["args"]["algo"], "env_kwargs": config["args"]["env_kwargs"],
              "env_overrides": env_overrides, "model": model_name, "seed": seed, "deterministic": greedy,
              **play_episodes(model, venv, config["args"]["env"], episodes, deterministic=greedy,
                              progress="agent" if progress_bar else None)}
    if random_baseline:
        result["random"] = play_episodes(RandomAgent(venv.action_space, seed), venv, config["args"]["env"], episodes,
                                         progress="random" if progress_bar else None)
    result.update(run.load_state() or {})
    result["machine"] = config["machine"]
    atomic_write_json(run_dir / output, result)
    venv.close()
    return result


def record_video(run_dir: Path, model: Any, venv: Any, greedy: bool = True, max_steps: int = 100_000) -> Path:
    """The first episode of ``venv`` (1 env, made with render_mode="rgb_array" through the same
    wrappers and frame stacking as training) recorded by SB3's VecVideoRecorder (needs moviepy)."""
    from stable_baselines3.common.vec_env import VecVideoRecorder

    try:
        import moviepy  # noqa: F401  (VecVideoRecorder's encoder)
    except ImportError as error:
        raise ConfigError("--video needs moviepy: pip install 'rl-envs[video]'") from error
    recorder = VecVideoRecorder(venv, str(run_dir / VIDEOS), record_video_trigger=lambda step: step == 0,
                                video_length=max_steps, name_prefix="episode-0")
    obs = recorder.reset()
    memory, start = None, np.ones(1, dtype=bool)
    for _ in range(max_steps):
        action, memory = model.predict(obs, state=memory, episode_start=start, deterministic=greedy)
        obs, _, done, _ = recorder.step(action)
        start = done
        if done[0]:
            break
    recorder.close()  # writes the video (and closes venv)
    return run_dir / VIDEOS


def run(args: EvaluateArgs) -> int:
    """``rl-envs-baselines evaluate``: evaluate, print a summary, write the results file."""
    try:
        if Path(args.output).name != args.output or not args.output.endswith(".json"):
            raise ConfigError(f"--output must be a file name ending in .json (written inside RUN_DIR), got {args.output!r}")
        check_number("--episodes", args.episodes, low=1, integer=True)
        check_number("--seed", args.seed, low=0, integer=True)
        if args.greedy and args.stochastic:
            raise ConfigError("--greedy and --stochastic exclude each other; give one (or neither: as the run says)")
        result = evaluate(Path(args.run_dir), args.episodes, args.model, args.video, seed=args.seed,
                          random_baseline=args.random_baseline, output=args.output, env_overrides=args.env_kwargs,
                          deterministic=True if args.greedy else False if args.stochastic else None,
                          progress_bar=args.progress_bar)
    except (CheckpointError, ConfigError, ValueError, TypeError) as error:
        print(f"rl-envs-baselines evaluate: error: {error}", file=sys.stderr)
        return 2
    kind = "greedy" if result["deterministic"] else "stochastic"
    print(f"{result['env']} {result['algo']}: {kind} return {result['return_mean']:.1f} +- {result['return_std']:.1f} "
          f"over {result['episodes']} episodes; written to {Path(args.run_dir) / args.output}")
    for label, part in (("agent", result), ("random", result.get("random"))):
        if part and "task" in part:
            print(f"  {label}: " + ", ".join(f"{k} {v:.3g}" for k, v in part["task"].items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse(EvaluateArgs, argv, prog=f"{PROG} evaluate", description=__doc__))


if __name__ == "__main__":
    sys.exit(main())
