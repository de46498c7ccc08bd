"""Helpers the registry-driven tests share."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


def rollout(env_id: str, seed: int, steps: int, **kwargs) -> list[tuple]:
    """(obs, reward, terminated, truncated, reward components) for ``steps`` seeded random actions."""
    env = gym.make(env_id, **kwargs)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    trace = [(np.asarray(obs).tolist(), 0.0, False, False, {})]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        trace.append((np.asarray(obs).tolist(), reward, terminated, truncated, info.get("reward_components", {})))
        if terminated or truncated:
            obs, _ = env.reset()
            trace.append((np.asarray(obs).tolist(), 0.0, False, False, {}))
    env.close()
    return trace
