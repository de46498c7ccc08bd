"""An SB3 VecEnv for slow, CPU-bound envs: env 0 steps in this process while the others step in
SB3's SubprocVecEnv workers (``vec_env: local_workers`` in the hyperparameters).

SubprocVecEnv leaves the learner's process idle while its workers step; with N envs on N cores
that process is a core's worth of emulation lost. Here env 0 is a DummyVecEnv stepped while the
workers step, so every core emulates, with SB3's own semantics unchanged (same-step autoreset,
``terminal_observation`` in the info, seeds ``seed + i``): the same trajectories as a
DummyVecEnv of the same envs (``tests/test_vec_env.py``). Rendering, attributes and methods go
to the env that owns each index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv


class LocalAndWorkersVecEnv(VecEnv):
    """``env_fns[0]`` in this process (a DummyVecEnv), the rest in a SubprocVecEnv."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], start_method: str | None = None) -> None:
        self.local = DummyVecEnv(list(env_fns[:1]))
        self.workers = SubprocVecEnv(list(env_fns[1:]), start_method) if len(env_fns) > 1 else None
        super().__init__(len(env_fns), self.local.observation_space, self.local.action_space)
        if not isinstance(self.observation_space, gym.spaces.Box):
            raise TypeError(f"LocalAndWorkersVecEnv batches array observations; got {self.observation_space}")
        self._local_actions: np.ndarray | None = None

    def _parts(self) -> list[VecEnv]:
        return [self.local] if self.workers is None else [self.local, self.workers]

    def seed(self, seed: int | None = None) -> Sequence[None | int]:
        self.local.seed(seed)
        if self.workers is not None:
            self.workers.seed(None if seed is None else seed + 1)
        return [None if seed is None else seed + i for i in range(self.num_envs)]

    def set_options(self, options: list[dict] | dict | None = None) -> None:
        if isinstance(options, list):
            self.local.set_options(options[:1])
            if self.workers is not None:
                self.workers.set_options(options[1:])
            return
        for part in self._parts():
            part.set_options(options)

    def reset(self) -> np.ndarray:
        observations = [part.reset() for part in self._parts()]  # resets are rare: one part after the other
        self.reset_infos = [info for part in self._parts() for info in part.reset_infos]
        return np.concatenate(observations)

    def step_async(self, actions: np.ndarray) -> None:
        actions = np.asarray(actions)
        if self.workers is not None:
            self.workers.step_async(actions[1:])
        self._local_actions = actions[:1]

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        self.local.step_async(self._local_actions)
        observations, rewards, dones, infos = self.local.step_wait()
        if self.workers is None:
            return observations, rewards, dones, infos
        w_observations, w_rewards, w_dones, w_infos = self.workers.step_wait()
        return (np.concatenate([observations, w_observations]), np.concatenate([rewards, w_rewards]),
                np.concatenate([dones, w_dones]), list(infos) + list(w_infos))

    def close(self) -> None:
        for part in self._parts():
            part.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [image for part in self._parts() for image in part.get_images()]

    def _split(self, indices: None | int | Iterable[int]) -> tuple[list[int], list[int]]:
        """``indices`` as (env 0's, the workers' own indices)."""
        wanted = list(range(self.num_envs)) if indices is None else [indices] if isinstance(indices, int) else list(indices)
        return [0] if 0 in wanted else [], [i - 1 for i in wanted if i > 0]

    def _each(self, call: str, indices: Any, *args: Any, **kwargs: Any) -> list[Any]:
        local, workers = self._split(indices)
        out = getattr(self.local, call)(*args, indices=local, **kwargs) if local else []
        if workers and self.workers is not None:
            out += getattr(self.workers, call)(*args, indices=workers, **kwargs)
        return list(out)

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return self._each("get_attr", indices, attr_name)

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        self._each("set_attr", indices, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        return self._each("env_method", indices, method_name, *method_args, **method_kwargs)

    def env_is_wrapped(self, wrapper_class: type[gym.Wrapper], indices: Any = None) -> list[bool]:
        return self._each("env_is_wrapped", indices, wrapper_class)
