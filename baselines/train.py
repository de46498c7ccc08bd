"""Train SB3's DQN or PPO on any RLEnvs/* environment.

``python -m baselines.train --algo ppo --env RLEnvs/CartPole-v0 [--env-kwarg markov=False] ...``
(or ``rl-envs-train``). Reads top to bottom: arguments -> environment -> model -> training loop
(SB3's ``learn`` with checkpoint, evaluation and logging callbacks). Runs land in
``runs/{env}__{algo}__{seed}__{time}/``: ``config.json``, TensorBoard logs in ``tb/``,
atomic checkpoints in ``checkpoints/`` (``--resume RUN_DIR`` continues from the last one),
``best_model.zip`` from periodic greedy evaluation, ``episodes.jsonl`` (every training episode:
env step, return, return under every reward design, task metrics), ``progress.json`` while it
runs, ``model.zip`` and ``state.json`` (steps, wall seconds) at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym

from baselines.checkpoint import CheckpointError, atomic_write, atomic_write_json, safe_load
from baselines.config import ConfigError, algo_class, algo_kwargs, eval_deterministic, load_hyperparams
from rl_envs.options import check_choice, check_number


@dataclass
class TrainArgs:
    algo: str = field(default="ppo", metadata={"help": "dqn or ppo"})
    env: str = field(default="RLEnvs/CartPole-v0", metadata={"help": "a registered RLEnvs/* id"})
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={"help": "environment options"})
    overrides: dict[str, Any] = field(default_factory=dict, metadata={"help": "hyperparameter overrides"})
    total_timesteps: int | None = field(default=None, metadata={"help": "env steps (default: the hyperparameters')"})
    seed: int = field(default=0, metadata={"help": "seed of the model and of env i (seed + i)"})
    device: str = field(default="auto", metadata={"help": "auto (CUDA when present), cpu or cuda"})
    n_envs: int | None = field(default=None, metadata={"help": "env copies (default: the hyperparameters')"})
    run_dir: str | None = field(default=None, metadata={"help": "where the run goes (default: runs/{env}__{algo}__{seed}__{time})"})
    hyperparams: str | None = field(default=None, metadata={"help": "a YAML file instead of baselines/hyperparams/{algo}.yml"})
    checkpoint_freq: int = field(default=10_000, metadata={"help": "env steps between checkpoints"})
    save_replay_buffer: bool = field(default=False, metadata={"help": "DQN: checkpoint the replay buffer too"})
    eval_freq: int = field(default=10_000, metadata={"help": "env steps between evaluations (0: none)"})
    eval_episodes: int = field(default=5, metadata={"help": "episodes per evaluation"})
    progress_bar: bool = field(default=True, metadata={"help": "show a progress bar with steps/s"})
    max_minutes: float | None = field(default=None, metadata={"help": "stop (and save) after this wall time"})


def run_hyperparams(args: TrainArgs) -> dict[str, Any]:
    """The file's hyperparameters for this run, with ``--set`` overrides (validated the same way)."""
    from baselines.config import valid_keys

    params = load_hyperparams(args.algo, args.env, args.env_kwargs, args.hyperparams)
    unknown = sorted(set(args.overrides) - valid_keys(args.algo))
    if unknown:
        raise ConfigError(f"unknown {args.algo} hyperparameter(s) {unknown} in --set; valid: "
                          f"{', '.join(sorted(valid_keys(args.algo)))}")
    return {**params, **args.overrides}


def stored_hyperparams(run_dir: Path) -> dict[str, Any]:
    """A run's hyperparameters as it was started (a resume must not pick up later YAML edits)."""
    return json.loads((run_dir / "config.json").read_text())["hyperparams"]


def resolve_device(device: str) -> str:
    import torch

    device = check_choice("device", device, ("auto", "cpu", "cuda"))
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda, but torch sees no CUDA device; use --device auto or cpu")
    return device


def default_run_dir(args: TrainArgs) -> Path:
    return Path("runs") / f"{args.env.replace('/', '_')}__{args.algo}__{args.seed}__{int(time.time())}"


def make_env(env_id: str, env_kwargs: dict[str, Any], render_mode: str | None = None) -> gym.Env:
    import rl_envs  # noqa: F401  (registers the ids, also in worker processes)

    return gym.make(env_id, render_mode=render_mode, **env_kwargs)


def scale_reward(reward: float, scale: float) -> float:
    return reward * scale


def make_vec_env(env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any], n_envs: int, seed: int,
                 render_mode: str | None = None, training: bool = False) -> Any:
    """SB3 VecEnv of ``n_envs`` Monitor-wrapped envs, frame-stacked as the hyperparameters say.

    ``training``: apply ``reward_scale`` (outside the Monitor, so logged returns are the env's own).
    """
    from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecFrameStack

    vec_cls = SubprocVecEnv if params.get("vec_env") == "subproc" and n_envs > 1 else DummyVecEnv
    wrapper = None
    scale = float(params.get("reward_scale", 1.0))
    if training and scale != 1.0:
        wrapper = partial(gym.wrappers.TransformReward, func=partial(scale_reward, scale=scale))
    venv = sb3_make_vec_env(partial(make_env, env_id, env_kwargs, render_mode), n_envs=n_envs, seed=seed,
                            vec_env_cls=vec_cls, wrapper_class=wrapper)
    if int(params.get("frame_stack") or 1) > 1:
        venv = VecFrameStack(venv, n_stack=int(params["frame_stack"]))
    return venv


def build_model(args: TrainArgs, params: dict[str, Any], venv: Any, device: str) -> Any:
    cls = algo_class(args.algo)
    return cls(params["policy"], venv, seed=args.seed, device=device, verbose=0, **algo_kwargs(params))


def replay_buffer_summary(model: Any) -> str | None:
    buffer = getattr(model, "replay_buffer", None)
    if buffer is None:
        return None
    arrays = [buffer.observations] + ([] if buffer.optimize_memory_usage else [buffer.next_observations])
    gib = sum(a.nbytes for a in arrays) / 2**30
    mode = "memory-optimised (one copy of each observation)" if buffer.optimize_memory_usage else "two copies"
    return f"replay buffer: {buffer.buffer_size:,} transitions, {gib:.2f} GiB of observations, {mode}"


def configure_logger(model: Any, run_dir: Path) -> None:
    from stable_baselines3.common.logger import Logger, TensorBoardOutputFormat

    tensorboard = TensorBoardOutputFormat(str(run_dir / "tb"))
    from baselines.tb_names import CleanRLNames

    model.set_logger(Logger(str(run_dir), [tensorboard, CleanRLNames(tensorboard)]))


def callbacks(args: TrainArgs, params: dict[str, Any], run_dir: Path, n_envs: int, total: int) -> list:
    from stable_baselines3.common.callbacks import EvalCallback

    from baselines.callbacks import AtomicCheckpoint, EpisodeLog, OneThreadWhileCollecting, ProgressFile

    result = [EpisodeLog(run_dir, args.env, n_envs), ProgressFile(run_dir, total),
              AtomicCheckpoint(run_dir, args.checkpoint_freq, args.save_replay_buffer)]
    if args.algo == "ppo" and params.get("vec_env") == "subproc" and n_envs > 1:
        result.append(OneThreadWhileCollecting())
    if args.max_minutes is not None:
        from baselines.callbacks import StopAfter

        result.append(StopAfter(check_number("max_minutes", args.max_minutes, low=0.0, low_inclusive=False) * 60))
    if args.eval_freq > 0:
        eval_env = make_vec_env(args.env, args.env_kwargs, params, 1, args.seed + 10_000)
        result.append(EvalCallback(eval_env, eval_freq=max(args.eval_freq // n_envs, 1),
                                   n_eval_episodes=args.eval_episodes, deterministic=eval_deterministic(params),
                                   best_model_save_path=str(run_dir), log_path=str(run_dir / "evaluations"),
                                   verbose=0))
    return result


def train(args: TrainArgs, resume: Path | None = None) -> Path:
    """Train (or resume) one run; returns its directory. Bad input fails before anything is written."""
    # --- arguments ------------------------------------------------------------------------------
    import rl_envs

    args.algo = check_choice("algo", args.algo, ("dqn", "ppo"))
    if args.env not in rl_envs.env_ids():
        raise ConfigError(f"unknown env {args.env!r}; registered: {', '.join(rl_envs.env_ids())}")
    params = stored_hyperparams(resume) if resume is not None else run_hyperparams(args)
    total = check_number("total_timesteps", args.total_timesteps if args.total_timesteps is not None
                         else int(float(params["n_timesteps"])), low=1, integer=True)
    n_envs = check_number("n_envs", args.n_envs if args.n_envs is not None else int(params.get("n_envs", 1)),
                          low=1, integer=True)
    device = resolve_device(args.device)
    make_env(args.env, args.env_kwargs).close()  # bad env options fail here, with their own message
    run_dir = resume or Path(args.run_dir or default_run_dir(args))
    if resume is None and (run_dir / "config.json").exists():
        raise ConfigError(f"{run_dir} already holds a run; use --resume {run_dir} to continue it")

    # --- environment and model ------------------------------------------------------------------
    venv = make_vec_env(args.env, args.env_kwargs, params, n_envs, args.seed, training=True)
    model = build_model(args, params, venv, device)
    if resume is not None:
        from baselines.callbacks import latest_checkpoint

        checkpoint = latest_checkpoint(run_dir)
        model = safe_load(algo_class(args.algo), run_dir / checkpoint["model"], model, venv, device)
        if checkpoint.get("replay_buffer"):
            model.load_replay_buffer(run_dir / checkpoint["replay_buffer"])  # our own file (pickle)
        print(f"resuming {run_dir} at step {model.num_timesteps:,} of {total:,}")
    else:
        config = {"args": dataclasses.asdict(args), "total_timesteps": total, "n_envs": n_envs, "device": device,
                  "hyperparams": params, "machine": machine()}
        atomic_write_json(run_dir / "config.json", config)
    configure_logger(model, run_dir)
    summary = replay_buffer_summary(model)
    if summary:
        print(summary)
    remaining = total - model.num_timesteps
    print(f"training {args.algo} on {args.env} {args.env_kwargs or ''} for {remaining:,} steps on {device} "
          f"({n_envs} envs); logs: tensorboard --logdir {run_dir / 'tb'}")

    # --- loop -------------------------------------------------------------------------------------
    start = time.time()
    if remaining > 0:
        model.learn(remaining, callback=callbacks(args, params, run_dir, n_envs, total), reset_num_timesteps=False,
                    progress_bar=args.progress_bar)
    atomic_write(run_dir / "model.zip", model.save)
    state_path = run_dir / "state.json"
    previous = json.loads(state_path.read_text()) if state_path.exists() else {}
    atomic_write_json(state_path, {"timesteps": model.num_timesteps,
                                   "wall_seconds": previous.get("wall_seconds", 0.0) + time.time() - start})
    venv.close()
    print(f"done: {model.num_timesteps:,} steps; model in {run_dir / 'model.zip'}")
    return run_dir


def machine() -> dict[str, Any]:
    import os

    import torch

    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


def parse_args(argv: list[str] | None = None) -> tuple[TrainArgs, Path | None]:
    from rl_envs.play import parse_kwargs

    parser = argparse.ArgumentParser(prog="rl-envs-train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for f in dataclasses.fields(TrainArgs):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "env_kwargs":
            parser.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE", help=f.metadata["help"])
        elif f.name == "overrides":
            parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=f.metadata["help"]
                                + " (e.g. --set frame_stack=1 --set learning_rate=0.0003)")
        elif f.type == "bool":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default, help=f.metadata["help"])
        else:
            kind = int if "int" in str(f.type) else float if "float" in str(f.type) else str
            parser.add_argument(flag, type=kind, default=f.default, help=f.metadata["help"])
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its last checkpoint")
    ns = parser.parse_args(argv)
    if ns.resume:
        run_dir = Path(ns.resume)
        try:
            stored = json.loads((run_dir / "config.json").read_text())["args"]
        except (OSError, ValueError, KeyError) as error:
            parser.error(f"--resume {run_dir}: no readable config.json ({error})")
        args = TrainArgs(**stored)
        if ns.total_timesteps is not None:
            args.total_timesteps = ns.total_timesteps
        return args, run_dir
    values = {f.name: getattr(ns, f.name) for f in dataclasses.fields(TrainArgs)
              if f.name not in ("env_kwargs", "overrides")}
    try:
        values["env_kwargs"] = parse_kwargs(ns.env_kwarg)
        values["overrides"] = parse_kwargs(ns.set)
    except ValueError as error:
        parser.error(str(error))
    return TrainArgs(**values), None


def main(argv: list[str] | None = None) -> int:
    args, resume = parse_args(argv)
    try:
        train(args, resume)
    except (ConfigError, CheckpointError, ValueError, TypeError) as error:
        print(f"rl-envs-train: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
