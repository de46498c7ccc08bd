"""RLEnvs/CartPole-v0: the lecture's cart-pole, Gymnasium's CartPole-v1 dynamics and more options."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from rl_envs.cartpole import rewards
from rl_envs.cartpole.observation import FrameStack
from rl_envs.cartpole.options import CartPoleOptions
from rl_envs.cartpole.physics import (
    START_BOUND,
    failed,
    step_state,
)
from rl_envs.cartpole.raster import Canvas, rasterise
from rl_envs.errors import InvalidActionError, check_open
from rl_envs.options import check_render_mode
from rl_envs.pygame_utils import pygame
from rl_envs.rng import child_generator
from rl_envs.window import close_window, show_human

RENDER_CANVAS = Canvas(400, 600, color=True)
LEFT, RIGHT = 0, 1


def continuous_action_space() -> spaces.Box:
    return spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)


def forces(action: Any, continuous: bool, force_mag: float, num_envs: int | None = None) -> Any:
    """Force on the cart (N) per env; raises InvalidActionError for actions outside the space.

    Discrete: 0 pushes left, 1 right, with ``force_mag``. Continuous: ``action * force_mag``
    for ``action`` in [-1, 1]; NaN or out-of-bounds actions are errors, never clipped.
    ``num_envs=None`` is the single env: a scalar action, a float force.
    """
    shape = () if num_envs is None else (num_envs,)
    if continuous:
        a = np.asarray(action, dtype=np.float64) if _is_number_array(action) else None
        expected = (1,) if num_envs is None else (num_envs, 1)
        if a is None or a.shape != expected or not np.all(np.isfinite(a)) or np.any(np.abs(a) > 1.0):
            raise InvalidActionError(f"action must be a finite array of shape {expected} in [-1, 1] "
                                     f"(force = action * force_mag); got {action!r}")
        return a.reshape(shape) * force_mag if num_envs is not None else float(a[0]) * force_mag
    if num_envs is None:
        if not isinstance(action, (int, np.integer)) or isinstance(action, bool) or action not in (LEFT, RIGHT):
            raise InvalidActionError(f"action must be one of 0=LEFT, 1=RIGHT; got {action!r}")
        return force_mag if action == RIGHT else -force_mag
    a = np.asarray(action)
    if a.shape != shape or a.dtype.kind not in "iu" or a.min() < LEFT or a.max() > RIGHT:
        raise InvalidActionError(f"actions must be an integer array of shape {shape} with values 0=LEFT, 1=RIGHT; "
                                 f"got {action!r}")
    return np.array((-force_mag, force_mag)).take(a)


def _is_number_array(action: Any) -> bool:
    try:
        return np.asarray(action).dtype.kind in "fiu"
    except (TypeError, ValueError):
        return False


class CartPoleEnv(gym.Env):
    """
    ## Description
    The lecture's cart-pole: balance a pole hinged on a cart by pushing the cart left or right.
    Dynamics, thresholds and start distribution are the classic ones (Barto, Sutton & Anderson
    1983) exactly as in Gymnasium's ``CartPole-v1``: with the same seed and actions this env
    (default options) returns the same observations, rewards and episode ends.

    ## Action Space
    ``Discrete(2)``: 0 pushes the cart left, 1 right, with ``force_mag`` newtons. With
    ``continuous=True``: ``Box(-1, 1, (1,), float32)``, force ``action * force_mag``.

    ## Observation Space
    | observation | markov | frame | Space (k = frame_stack) |
    |-------------|--------|-------|-------------------------|
    | ``"state"`` | True | cart position (m), cart velocity (m/s), pole angle (rad), pole angular velocity (rad/s) | ``Box((4k,), float32)`` |
    | ``"state"`` | False | cart position, pole angle: what one frame can measure | ``Box((2k,), float32)`` |
    | ``"pixels"`` | True | a grayscale (or colour) image, default 84x84; k >= 2 (default 2) | ``Box(0, 255, (H, W, C*k), uint8)`` |
    | ``"pixels"`` | False | one image (default k = 1) | ``Box(0, 255, (H, W, C), uint8)`` |

    Stacks run oldest to newest along the last axis; at reset they hold copies of the first
    frame. ``markov=False`` sets what one frame holds and a default stack of 1; an explicit
    ``frame_stack`` then gives the agent memory again. ``obs_noise`` adds Gaussian noise of that
    standard deviation to state observations. Dynamics, rewards and episode ends never depend on
    these options.

    ## Rewards (``reward=``)
    | Design | Pays |
    |--------|------|
    | ``"alive"`` (default) | +1 for every step, including the one on which the pole falls (Gymnasium's) |
    | ``"failure"`` | -1 on the step on which the pole falls or the cart leaves the track, else 0 |

    ``info["reward_components"]`` is ``{"alive": 0 or 1, "failure": 0 or -1}`` and
    ``info["reward_designs"]`` what every design pays for the step (see
    :mod:`rl_envs.cartpole.rewards`). The vector version pays the chosen design and returns an
    empty info (its speed is measured against Gymnasium's).

    ## Starting State
    All four state variables uniform in [-0.05, 0.05].

    ## Episode End
    - Termination: pole angle beyond +-12 degrees, or cart position beyond +-2.4 m.
    - Truncation: 500 steps, from ``max_episode_steps`` at registration; ``step`` never truncates.

    ## Arguments
    | Argument | Default | Valid |
    |----------|---------|-------|
    | ``reward`` | ``"alive"`` | ``"alive"``, ``"failure"``, a dict of weights over ``alive``, ``failure``, or a callable of the components dict (:mod:`rl_envs.designs`) |
    | ``markov`` | True | bool |
    | ``observation`` | ``"state"`` | ``"state"``, ``"pixels"`` |
    | ``frame_stack`` | 2 for Markov pixels, else 1 | 1 to 64 |
    | ``pixel_size`` | (84, 84) | (height, width), 8 to 1024 each |
    | ``pixel_color`` | False | bool: RGB instead of grayscale |
    | ``continuous`` | False | bool |
    | ``obs_noise`` | 0.0 | [0, 10], state observations only |
    | ``gravity`` | 9.8 m/s^2 | [0, 100] |
    | ``masscart`` | 1.0 kg | [0.001, 100] |
    | ``masspole`` | 0.1 kg | [0.001, 10] |
    | ``length`` | 0.5 m (half the pole) | [0.01, 10] |
    | ``force_mag`` | 10.0 N | [0, 1000] |
    | ``tau`` | 0.02 s per step | [0.0001, 0.1] |
    | ``render_mode`` | None | ``"rgb_array"``, ``"human"`` |

    Presets: ``RLEnvs/CartPoleNoVelocity-v0`` (markov=False), ``RLEnvs/CartPolePixels-v0``
    (observation="pixels"), ``RLEnvs/CartPoleContinuous-v0`` (continuous=True). The vector version
    (``gym.make_vec(..., vectorization_mode="vector_entry_point")``) takes the same options.

    >>> import gymnasium as gym, rl_envs
    >>> ours, theirs = gym.make("RLEnvs/CartPole-v0"), gym.make("CartPole-v1")
    >>> bool((ours.reset(seed=1)[0] == theirs.reset(seed=1)[0]).all())
    True
    >>> gym.make("RLEnvs/CartPole-v0", markov=False).observation_space.shape
    (2,)
    >>> env = gym.make("RLEnvs/CartPole-v0", reward="failure")
    >>> _ = env.reset(seed=0)
    >>> obs, reward, terminated, truncated, info = env.step(1)
    >>> reward, info["reward_designs"]
    (0.0, {'alive': 1.0, 'failure': 0.0})
    >>> gym.make("RLEnvs/CartPolePixels-v0").observation_space.shape
    (84, 84, 2)

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": 50, "turn_based": False}

    def __init__(self, render_mode: str | None = None, **options: Any) -> None:
        self.options = CartPoleOptions.of(type(self).__name__, options)
        self.physics, self.config, self.reward = self.options.physics, self.options.config, self.options.reward_fn
        self.continuous = self.options.continuous
        # A step is one of three cases, so the reward of each is computed once.
        self._outcomes = {case: (parts, designs, self.reward(parts))
                          for case, (parts, designs) in rewards.outcomes().items()}
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.action_space = continuous_action_space() if self.continuous else spaces.Discrete(2)
        self.observation_space = self.config.space()
        # Real-time play: the continuous cart coasts with no key held; the discrete one waits.
        self.metadata = {**self.metadata, "noop_action": np.zeros(1, np.float32) if self.continuous else None}
        # The default observation is built without the batch machinery: the single env's speed
        # is measured against Gymnasium's.
        self._plain = self.config.plain_state
        self._stack = FrameStack(self.config, 1)
        self.state: np.ndarray | None = None
        self._fell = False
        self._noise_rng: np.random.Generator | None = None
        self._noise_parent: np.random.Generator | None = None
        self._window = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        check_open(self)
        super().reset(seed=seed)
        self.state = self.np_random.uniform(low=-START_BOUND, high=START_BOUND, size=(4,))
        self._fell = False
        if self._plain:
            return np.array(self.state, dtype=np.float32), {}
        self._stack.reset(self._frame())
        return self._stack.buffer[0].copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        check_open(self)
        if self.state is None:
            raise ResetNeeded("Cannot call step() before reset()")
        force = forces(action, self.continuous, self.physics.force_mag)
        x, x_dot, theta, theta_dot = step_state(self.state, force, self.physics)
        self.state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
        terminated = bool(failed(x, theta))
        parts, designs, reward = self._outcomes[self._fell, terminated and not self._fell]
        info = {"reward_components": dict(parts), "reward_designs": dict(designs)}
        self._fell = self._fell or terminated
        if self.render_mode == "human":
            self.render()
        if self._plain:
            return np.array(self.state, dtype=np.float32), reward, terminated, False, info
        self._stack.push(self._frame())
        return self._stack.buffer[0].copy(), reward, terminated, False, info

    def _frame(self) -> np.ndarray:
        return self.config.frames(self.state[:, None], self._noise)

    def _noise(self) -> np.ndarray:
        # A stream of its own, derived from the seed, so noise never shifts the start states.
        if self._noise_parent is not self.np_random:
            self._noise_parent, self._noise_rng = self.np_random, child_generator(self.np_random)
        return self._noise_rng.normal(0.0, self.config.obs_noise, size=(1, len(self.config.features)))

    def render(self) -> np.ndarray | None:
        check_open(self)
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        if self.state is None:
            raise ResetNeeded("Cannot call render() before reset()")
        frame = rasterise(self.state[0:1], self.state[2:3], 2 * self.physics.length, RENDER_CANVAS)[0]
        if self.render_mode == "rgb_array":
            return frame
        show_human(self, frame, "rl-envs: cart-pole", self.metadata["render_fps"])
        return None

    def close(self) -> None:
        close_window(self)
        self.closed = True

    def get_keys_to_action(self) -> dict[tuple[int, ...], Any]:
        """Left/right arrows; continuous: full force while held (no key: no force)."""
        pg = pygame()
        if self.continuous:
            return {(pg.K_LEFT,): np.array([-1.0], np.float32), (pg.K_RIGHT,): np.array([1.0], np.float32)}
        return {(pg.K_LEFT,): LEFT, (pg.K_RIGHT,): RIGHT}
