"""The native batched cart-pole: ``gym.make_vec("RLEnvs/CartPole-v0", num_envs=N,
vectorization_mode="vector_entry_point", ...)``.

It takes every option of the single env and equals N single envs step for step (seeded
``seed + i``, as SyncVectorEnv seeds them), with Gymnasium 1.x next-step autoreset: the step
after an episode ends returns the new episode's first observation, reward 0 and no ending.
Physics and pixels come from the same functions as the single env's, applied to all envs at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from rl_envs.cartpole import rewards
from rl_envs.cartpole.env import RENDER_CANVAS, continuous_action_space, forces
from rl_envs.cartpole.observation import FrameStack
from rl_envs.cartpole.options import CartPoleOptions
from rl_envs.cartpole.physics import (
    START_BOUND,
    failed,
    step_state,
)
from rl_envs.cartpole.raster import rasterise
from rl_envs.errors import check_open
from rl_envs.options import check_number, check_render_mode
from rl_envs.rng import BufferedStreams, child_generator, env_generators


class CartPoleVectorEnv(VectorEnv):
    """N cart-poles in numpy arrays; see :class:`rl_envs.cartpole.env.CartPoleEnv` for the options.

    >>> import gymnasium as gym, rl_envs
    >>> envs = gym.make_vec("RLEnvs/CartPole-v0", num_envs=3, vectorization_mode="vector_entry_point")
    >>> obs, info = envs.reset(seed=0)
    >>> obs.shape, envs.single_observation_space.shape
    ((3, 4), (4,))
    >>> obs, rewards, terminated, truncated, info = envs.step(np.array([0, 1, 1]))
    >>> rewards.tolist()
    [1.0, 1.0, 1.0]
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 50, "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 1, max_episode_steps: int = 500, render_mode: str | None = None,
                 **options: Any) -> None:
        self.num_envs = check_number("num_envs", num_envs, low=1, integer=True)
        self.max_episode_steps = check_number("max_episode_steps", max_episode_steps, low=1, integer=True)
        self.options = CartPoleOptions.of(type(self).__name__, options,
                                          others=("num_envs", "max_episode_steps", "render_mode"))
        self.physics, self.config, self.reward = self.options.physics, self.options.config, self.options.reward_fn
        self.continuous = self.options.continuous
        # The design's reward per case of rewards.CASES (running, falling now, already down).
        self._reward_table = rewards.table(self.reward)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.single_action_space = continuous_action_space() if self.continuous else spaces.Discrete(2)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.single_observation_space = self.config.space()
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._stack = FrameStack(self.config, self.num_envs)
        self._plain = self.config.plain_state
        self.state: np.ndarray | None = None
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        self.prev_done = np.zeros(self.num_envs, dtype=bool)
        self._all = np.arange(self.num_envs)
        self._starts: BufferedStreams | None = None
        self._noise: BufferedStreams | None = None

    def reset(self, *, seed: int | Sequence[int] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        check_open(self)
        if seed is not None or self._starts is None:
            generators = env_generators(seed, self.num_envs)
            self._starts = BufferedStreams(generators, lambda g, n: g.uniform(-START_BOUND, START_BOUND, size=n), 4)
            if self.config.obs_noise > 0:
                std, width = self.config.obs_noise, len(self.config.features)
                self._noise = BufferedStreams([child_generator(g) for g in generators],
                                              lambda g, n: g.normal(0.0, std, size=n), width)
        self.state = self._starts.take(self._all).T.copy()
        self.steps[:] = 0
        self.prev_done[:] = False
        if self._plain:
            return self.state.T.astype(np.float32), {}
        self._stack.reset(self._frames())
        return self._stack.buffer.copy(), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        check_open(self)
        if self.state is None:
            raise ResetNeeded("Cannot call step() before reset()")
        force = forces(actions, self.continuous, self.physics.force_mag, self.num_envs)
        self.state = np.stack(step_state(self.state, force, self.physics))
        terminated = failed(self.state[0], self.state[2])
        self.steps += 1
        truncated = self.steps >= self.max_episode_steps
        restarted = np.flatnonzero(self.prev_done)
        if restarted.size:
            # Next-step autoreset: these envs ended last step; this step starts their next episode.
            self.state[:, restarted] = self._starts.take(restarted).T
            self.steps[restarted] = 0
            terminated[restarted] = False
            truncated[restarted] = False
        reward = np.where(terminated, self._reward_table[1], self._reward_table[0])  # up before this step
        if restarted.size:
            reward[restarted] = self._reward_table[2]  # the step after an episode's end pays as "already down"
        self.prev_done = terminated | truncated
        if self._plain:
            return self.state.T.astype(np.float32), reward, terminated, truncated, {}
        frames = self._frames()
        self._stack.push(frames)
        if restarted.size:
            self._stack.reset(frames[restarted], restarted)
        return self._stack.buffer.copy(), reward, terminated, truncated, {}

    def _frames(self) -> np.ndarray:
        return self.config.frames(self.state, lambda: self._noise.take(self._all))

    def render(self) -> tuple[np.ndarray, ...] | None:
        check_open(self)
        if self.render_mode is None or self.state is None:
            return None
        frames = rasterise(self.state[0], self.state[2], 2 * self.physics.length, RENDER_CANVAS)
        return tuple(frames)
