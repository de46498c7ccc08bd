"""What a run is made of: its envs, its model and its device, built from its arguments and
hyperparameters. Shared by training, evaluation, watching and comparisons."""

from __future__ import annotations

import os
import platform
from functools import partial
from typing import Any

import gymnasium as gym

import rl_envs  # noqa: F401  (registers the ids, also in worker processes)
from baselines.config import ConfigError, algo_class, algo_kwargs, check_policy_fits
from baselines.vec_env import SplitVecEnv, local_and_workers
from rl_envs import registry
from rl_envs.options import check_choice
from rl_envs.wrappers import StallLimit


def resolve_device(device: str) -> str:
    import torch  # heavy: only where a model is built

    device = check_choice("device", device, ("auto", "cpu", "cuda"))
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda, but torch sees no CUDA device; use --device auto or cpu")
    return device


def make_env(env_id: str, env_kwargs: dict[str, Any], render_mode: str | None = None,
             stall_limit: tuple[str, int] | None = None) -> gym.Env:
    env = gym.make(env_id, render_mode=render_mode, **env_kwargs)
    return StallLimit(env, *stall_limit) if stall_limit else env


def scale_reward(reward: float, scale: float) -> float:
    return reward * scale


def evaluation_kwargs(env_id: str, env_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The env options an evaluation uses: the run's, less those the registry marks as shaping
    training only (Mario's demonstration and state-file starts: results are reported from the
    level's start).

    >>> evaluation_kwargs("RLEnvs/Mario-v0", {"state": "dqn", "start": "demo", "demo_schedule": "reverse"})
    {'state': 'dqn'}
    """
    dropped = registry.entry(env_id).training_only_options
    return {key: value for key, value in env_kwargs.items() if key not in dropped}


def copy_kwargs(env_kwargs: dict[str, Any], per_env: dict[str, list[Any]], n_envs: int) -> list[dict[str, Any]]:
    """Each env copy's options: ``env_kwargs`` and, for every ``per_env`` key, value ``i mod count``
    for copy ``i``. Every value must reach a copy, and a key is given one way only.

    >>> copy_kwargs({"state": "tiles"}, {"stage": ["1-1", "1-2"]}, 3)
    [{'state': 'tiles', 'stage': '1-1'}, {'state': 'tiles', 'stage': '1-2'}, {'state': 'tiles', 'stage': '1-1'}]
    """
    for key, values in per_env.items():
        if key in env_kwargs:
            raise ConfigError(f"--per-env {key} and --env-kwarg {key} both give {key}; give it one way")
        if len(values) > n_envs:
            raise ConfigError(f"--per-env {key} has {len(values)} values but the run has {n_envs} env copies, so "
                              f"{len(values) - n_envs} would never be played; give --n-envs {len(values)} or more")
    return [{**env_kwargs, **{key: values[i % len(values)] for key, values in per_env.items()}} for i in range(n_envs)]


def _monitored(make: Any, wrapper: Any, action_seed: int) -> gym.Env:
    """One copy as SB3's ``make_vec_env`` builds it: Monitor, then the wrapper, its action space seeded."""
    from stable_baselines3.common.monitor import Monitor

    env = Monitor(make())
    env = wrapper(env) if wrapper is not None else env
    env.action_space.seed(action_seed)
    return env


def make_vec_env(env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any], n_envs: int, seed: int,
                 render_mode: str | None = None, training: bool = False, evaluation: bool = False,
                 per_env: dict[str, list[Any]] | None = None) -> Any:
    """SB3 VecEnv of ``n_envs`` Monitor-wrapped envs, frame-stacked as the hyperparameters say.

    ``training``: apply ``reward_scale`` (outside the Monitor, so logged returns are the env's own).
    ``evaluation``: end episodes that stall, as the registry's ``evaluation_stall_limit`` says
    (Mario: 1,000 steps without a new furthest x).
    ``per_env``: options that differ between the copies (:func:`copy_kwargs`); SB3's
    ``make_vec_env`` gives every copy the same options, so these copies are built here the way it
    builds them.
    """
    from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecFrameStack

    vec_cls = {"subproc": SubprocVecEnv, "local_workers": local_and_workers, "split": SplitVecEnv}.get(
        params.get("vec_env"), DummyVecEnv)
    vec_cls = vec_cls if n_envs > 1 else DummyVecEnv
    stall = registry.entry(env_id).evaluation_stall_limit if evaluation else None
    wrapper = None
    scale = float(params.get("reward_scale", 1.0))
    if training and scale != 1.0:
        wrapper = partial(gym.wrappers.TransformReward, func=partial(scale_reward, scale=scale))
    if per_env:
        copies = [partial(_monitored, partial(make_env, env_id, kwargs, render_mode, stall), wrapper, seed + rank)
                  for rank, kwargs in enumerate(copy_kwargs(env_kwargs, per_env, n_envs))]
        venv = vec_cls(copies)
        venv.seed(seed)
    else:
        make = partial(make_env, env_id, env_kwargs, render_mode, stall)
        venv = sb3_make_vec_env(make, n_envs=n_envs, seed=seed, vec_env_cls=vec_cls, wrapper_class=wrapper)
    if int(params.get("frame_stack") or 1) > 1:
        venv = VecFrameStack(venv, n_stack=int(params["frame_stack"]))
    return venv


def env_description(env_id: str, env_kwargs: dict[str, Any]) -> str:
    """How errors name an env and its options.

    >>> env_description("RLEnvs/Mario-v0", {"state": "tiles"})
    "RLEnvs/Mario-v0 with state='tiles'"
    """
    options = ", ".join(f"{key}={value!r}" for key, value in env_kwargs.items())
    return f"{env_id} with {options}" if options else env_id


def build_model(algo: str, params: dict[str, Any], venv: Any, seed: int, device: str, env: str = "the env") -> Any:
    """``algo``'s model for ``venv``; ``env`` names the env and its options in errors."""
    check_policy_fits(params["policy"], venv.observation_space, env)
    return algo_class(algo)(params["policy"], venv, seed=seed, device=device, verbose=0, **algo_kwargs(params))


def cpu_threads() -> int:
    """The compute threads this process may use: ``OMP_NUM_THREADS`` when its caller set one (a
    test worker, a share of a batch job), else the CPUs it may run on. Threads beyond the cores
    that are free spin in OpenMP's barriers and slow every process on the machine."""
    limit = os.environ.get("OMP_NUM_THREADS", "")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(int(limit), cpus) if limit.isdigit() and int(limit) > 0 else cpus


def machine() -> dict[str, Any]:
    import torch

    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
