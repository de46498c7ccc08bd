"""Many Marios: ``gym.make_vec("RLEnvs/Mario-v0", num_envs=N, ...)`` runs N emulators in N processes.

nes-py 9's native vector emulator batches frame advances, but not gym-super-mario-bros' game
logic (rewards, episode ends, the RAM hacks that skip cut-scenes), which runs in Python per
frame and dominates the cost; so each env keeps its own process and the cores share the work.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym
from gymnasium.vector import AsyncVectorEnv

from rl_envs.options import check_number


def _make_one(max_episode_steps: int | None, kwargs: dict[str, Any]) -> gym.Env:
    import rl_envs  # noqa: F401  (registers the ids in a fresh process)

    return gym.make("RLEnvs/Mario-v0", max_episode_steps=max_episode_steps, **kwargs)


def make_vector(num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any) -> AsyncVectorEnv:
    """N ``RLEnvs/Mario-v0`` envs with the same options, one process each (next-step autoreset)."""
    num_envs = check_number("num_envs", num_envs, low=1, integer=True)
    from rl_envs.mario.env import make_mario

    make_mario(**kwargs).close()  # bad options fail here, with their message, not in a worker
    # "spawn": forking a process that already runs threads (torch does) can deadlock the child.
    return AsyncVectorEnv([partial(_make_one, max_episode_steps, kwargs) for _ in range(num_envs)], context="spawn")
