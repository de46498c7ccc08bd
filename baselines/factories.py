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
from baselines.vec_env import LocalAndWorkersVecEnv
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


def make_vec_env(env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any], n_envs: int, seed: int,
                 render_mode: str | None = None, training: bool = False, evaluation: bool = False) -> Any:
    """SB3 VecEnv of ``n_envs`` Monitor-wrapped envs, frame-stacked as the hyperparameters say.

    ``training``: apply ``reward_scale`` (outside the Monitor, so logged returns are the env's own).
    ``evaluation``: end episodes that stall, as the registry's ``evaluation_stall_limit`` says
    (Mario: 1,000 steps without a new furthest x).
    """
    from stable_baselines3.common.env_util import make_vec_env as sb3_make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecFrameStack

    vec_cls = {"subproc": SubprocVecEnv, "local_workers": LocalAndWorkersVecEnv}.get(params.get("vec_env"), DummyVecEnv)
    vec_cls = vec_cls if n_envs > 1 else DummyVecEnv
    stall = registry.entry(env_id).evaluation_stall_limit if evaluation else None
    make = partial(make_env, env_id, env_kwargs, render_mode, stall)
    wrapper = None
    scale = float(params.get("reward_scale", 1.0))
    if training and scale != 1.0:
        wrapper = partial(gym.wrappers.TransformReward, func=partial(scale_reward, scale=scale))
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
