"""Wrappers Gymnasium lacks.

>>> import gymnasium as gym, rl_envs
>>> env = StallLimit(gym.make("RLEnvs/GridWorld-v0"), key="never_there", steps=3)
>>> _ = env.reset(seed=0)
>>> [env.step(2)[3] for _ in range(3)]  # a key the info lacks never progresses: truncated at step 3
[False, False, True]
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from rl_envs.options import check_number


class StallLimit(gym.Wrapper):
    """Truncates an episode once ``info[key]`` has not exceeded its best value of the episode for
    ``steps`` steps in a row (a policy that stands still, or runs into a wall): evaluations of
    such a policy then end in bounded time instead of at the env's time limit. ``info["stalled"]``
    is True on the step that truncates."""

    def __init__(self, env: gym.Env, key: str, steps: int) -> None:
        super().__init__(env)
        self.key = key
        self.steps = check_number("steps", steps, low=1, integer=True)
        self._best: float | None = None
        self._since = 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict]:
        obs, info = self.env.reset(**kwargs)
        self._best, self._since = info.get(self.key), 0
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        value = info.get(self.key)
        if value is not None and (self._best is None or value > self._best):
            self._best, self._since = value, 0
        else:
            self._since += 1
        if self._since >= self.steps and not terminated and not truncated:
            truncated, info = True, {**info, "stalled": True}
        return obs, reward, terminated, truncated, info
