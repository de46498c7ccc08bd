"""What a run is made of: its envs, its model and its device, built from its arguments and
hyperparameters. Shared by training, evaluation, watching and comparisons."""

from __future__ import annotations

import os
import platform
from functools import partial
from typing import Any

import gymnasium as gym

import rl_envs  # noqa: F401  (registers the ids, also in worker processes)
from baselines.config import ConfigError, algo_class, algo_kwargs
from rl_envs.options import check_choice


def resolve_device(device: str) -> str:
    import torch  # heavy: only where a model is built

    device = check_choice("device", device, ("auto", "cpu", "cuda"))
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda, but torch sees no CUDA device; use --device auto or cpu")
    return device


def make_env(env_id: str, env_kwargs: dict[str, Any], render_mode: str | None = None) -> gym.Env:
    return gym.make(env_id, render_mode=render_mode, **env_kwargs)


def scale_reward(reward: float, scale: float) -> float:
    return reward * scale


def evaluation_kwargs(env_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The env options an evaluation uses: the run's, but always from the level's start (a run
    may train from demonstration or state-file starts; results are reported from the start).

    >>> evaluation_kwargs({"state": "dqn", "start": "demo", "demo": "d.json", "demo_schedule": "reverse"})
    {'state': 'dqn'}
    """
    return {key: value for key, value in env_kwargs.items() if key not in ("start", "demo", "demo_schedule")}


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


def build_model(algo: str, params: dict[str, Any], venv: Any, seed: int, device: str) -> Any:
    return algo_class(algo)(params["policy"], venv, seed=seed, device=device, verbose=0, **algo_kwargs(params))


def machine() -> dict[str, Any]:
    import torch

    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
