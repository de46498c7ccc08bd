"""A vector env for slow, CPU-bound envs: env 0 steps in this process while the others step in
worker processes.

With N envs on N cores, Gymnasium's AsyncVectorEnv leaves the main process idle while it waits,
and each step pays two process wake-ups. Stepping one env here, overlapped with the workers,
uses every core for emulation. Semantics are AsyncVectorEnv's: next-step autoreset, seeds
``seed + i``, infos batched with ``_key`` masks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AsyncVectorEnv, AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rl_envs.errors import InvalidActionError, check_open


def _shift(infos: dict[str, Any], num_envs: int) -> dict[str, Any]:
    """Batched infos of envs 1..N-1 as batched infos of N envs (env 0 empty)."""
    out: dict[str, Any] = {}
    for key, value in infos.items():
        if isinstance(value, dict):
            out[key] = _shift(value, num_envs)
            continue
        array = np.zeros((num_envs, *value.shape[1:]), dtype=value.dtype)
        if value.dtype == object:
            array.fill(None)
        array[1:] = value
        out[key] = array
    return out


class LocalAndWorkersVectorEnv(VectorEnv):
    """N envs: ``env_fns[0]`` runs in this process, the rest in an AsyncVectorEnv.

    A batch of actions is checked whole before any env steps (``check_action`` raises
    InvalidActionError for one action; default: the single action space's ``contains``), so a
    rejected batch leaves every env as it was.
    """

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], context: str | None = None,
                 check_action: Callable[[Any], Any] | None = None) -> None:
        self.num_envs = len(env_fns)
        self.check_action = check_action
        self.local = env_fns[0]()
        self.workers = AsyncVectorEnv(list(env_fns[1:]), context=context) if self.num_envs > 1 else None
        self.single_observation_space = self.local.observation_space
        self.single_action_space = self.local.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {**self.local.metadata, "autoreset_mode": AutoresetMode.NEXT_STEP}
        self.render_mode = self.local.render_mode
        self.spec = self.local.spec
        self._local_done = False

    @property
    def processes(self) -> list:
        return [] if self.workers is None else list(self.workers.processes)

    def reset(self, *, seed: int | Sequence[int] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        check_open(self)
        if seed is None or isinstance(seed, (int, np.integer)):
            seeds = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        if self.workers is not None:
            self.workers.reset_async(seed=seeds[1:], options=options)
        obs, info = self.local.reset(seed=seeds[0], options=options)
        self._local_done = False
        return self._combine(obs, info, self.workers.reset_wait() if self.workers is not None else None)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        check_open(self)
        actions = self._checked(actions)
        if self.workers is not None:
            self.workers.step_async(actions[1:])
        if self._local_done:  # next-step autoreset, as the workers do
            obs, info = self.local.reset()
            reward, terminated, truncated = 0.0, False, False
        else:
            obs, reward, terminated, truncated, info = self.local.step(actions[0])
        self._local_done = terminated or truncated
        if self.workers is None:
            batched_obs, infos = self._combine(obs, info, None)
            return batched_obs, np.array([reward]), np.array([terminated]), np.array([truncated]), infos
        w_obs, w_reward, w_terminated, w_truncated, w_info = self.workers.step_wait()
        batched_obs, infos = self._combine(obs, info, (w_obs, w_info))
        return (batched_obs, np.concatenate([[reward], w_reward]), np.concatenate([[terminated], w_terminated]),
                np.concatenate([[truncated], w_truncated]), infos)

    def _checked(self, actions: Any) -> Any:
        try:
            batch = np.asarray(actions) if not isinstance(actions, (str, bytes, dict)) else None
        except ValueError:  # ragged
            batch = None
        if batch is None or batch.ndim == 0 or len(batch) != self.num_envs:
            raise InvalidActionError(f"actions must be a batch of {self.num_envs} actions (one per env, each in "
                                     f"{self.single_action_space}); got {actions!r:.200}")
        for i, action in enumerate(batch):
            try:
                valid = self.check_action(action) if self.check_action else self.single_action_space.contains(action)
            except InvalidActionError as error:
                raise InvalidActionError(f"env {i}: {error}") from None
            if valid is False:
                raise InvalidActionError(f"env {i}: action must be in {self.single_action_space}; got {action!r}")
        return batch

    def _combine(self, obs: Any, info: dict, workers: tuple | None) -> tuple[np.ndarray, dict]:
        if workers is None:
            return np.asarray(obs)[None], self._add_info({}, info, 0)
        w_obs, w_info = workers
        return np.concatenate([np.asarray(obs)[None], w_obs]), self._add_info(_shift(w_info, self.num_envs), info, 0)

    def close_extras(self, **kwargs: Any) -> None:
        self.local.close()
        if self.workers is not None:
            self.workers.close()
