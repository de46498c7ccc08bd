"""Many Marios: ``gym.make_vec("RLEnvs/Mario-v0", num_envs=N, ...)`` runs N emulators on N cores.

nes-py 9's native vector emulator batches frame advances, but not gym-super-mario-bros' game
logic (rewards, episode ends, the RAM hacks that skip cut-scenes), which runs in Python per
frame and dominates the cost; so each env keeps a process of its own, env 0 being this one
(:class:`rl_envs.vector.LocalAndWorkersVectorEnv`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym

from rl_envs.mario.env import make_mario
from rl_envs.options import check_choice, check_number
from rl_envs.vector import LocalAndWorkersVectorEnv


def _make_one(spec: gym.envs.registration.EnvSpec, max_episode_steps: int | None, kwargs: dict[str, Any]) -> gym.Env:
    # From the registered spec itself: the worker processes start fresh, with nothing registered.
    return gym.make(spec, max_episode_steps=max_episode_steps, **kwargs)


def make_vector(num_envs: int = 1, max_episode_steps: int | None = None, context: str = "forkserver",
                **kwargs: Any) -> LocalAndWorkersVectorEnv:
    """N ``RLEnvs/Mario-v0`` envs with the same options, one process each (next-step autoreset).

    ``context`` is the multiprocessing start method. The default, "forkserver" (as SB3's
    SubprocVecEnv), is safe in processes that already run threads (torch does), where "fork" can
    deadlock; like "spawn" it needs the usual ``if __name__ == "__main__":`` guard in scripts.
    """
    num_envs = check_number("num_envs", num_envs, low=1, integer=True)
    context = check_choice("context", context, ("forkserver", "spawn", "fork"))
    probe = make_mario(**kwargs)  # bad options fail here, with their message, not in a worker
    check_action = probe.unwrapped.action_design.to_byte
    probe.close()
    spec = gym.spec("RLEnvs/Mario-v0")
    env_fns = [partial(_make_one, spec, max_episode_steps, kwargs) for _ in range(num_envs)]
    return LocalAndWorkersVectorEnv(env_fns, context=context, check_action=check_action)
