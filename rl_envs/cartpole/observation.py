"""What a cart-pole agent observes, for one env or a batch: state features or pixels, stacked.

The single and the vector environments both build observations here, from a (4, N) state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

from rl_envs.cartpole.raster import Canvas, rasterise
from rl_envs.options import check_bool, check_choice, check_number

OBSERVATION_KINDS = ("state", "pixels")
MARKOV_FEATURES = (0, 1, 2, 3)
POSITION_FEATURES = (0, 2)  # what one frame can measure: no velocities
MAX_PIXEL_SIDE = 1024


@dataclass(frozen=True)
class ObservationConfig:
    """The validated observation options shared by the single and the vector env."""

    kind: str
    markov: bool
    frame_stack: int
    canvas: Canvas
    obs_noise: float
    pole_length_m: float
    position_high: tuple[float, float]  # bounds on |x| and |theta| (physics.position_bounds)

    @classmethod
    def from_options(cls, *, observation: str, markov: bool, frame_stack: int | None,
                     pixel_size: Sequence[int], pixel_color: bool, obs_noise: float,
                     pole_length_m: float, position_high: tuple[float, float]) -> ObservationConfig:
        kind = check_choice("observation", observation, OBSERVATION_KINDS)
        markov = check_bool("markov", markov)
        pixel_color = check_bool("pixel_color", pixel_color)
        if (not isinstance(pixel_size, (tuple, list)) or len(pixel_size) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pixel_size)):
            raise TypeError(f"pixel_size must be (height, width), two integers, got {pixel_size!r}")
        for name, v in zip(("pixel_size height", "pixel_size width"), pixel_size):
            check_number(name, v, low=8, high=MAX_PIXEL_SIDE, integer=True)
        obs_noise = check_number("obs_noise", obs_noise, low=0.0, high=10.0)
        if frame_stack is None:
            frame_stack = 2 if kind == "pixels" and markov else 1
        frame_stack = check_number("frame_stack", frame_stack, low=1, high=64, integer=True)
        if kind == "pixels" and markov and frame_stack < 2:
            raise ValueError("frame_stack must be >= 2 with observation='pixels' and markov=True (one frame cannot "
                             "show velocity); use markov=False for single frames")
        if kind == "pixels" and obs_noise > 0:
            raise ValueError("obs_noise applies to observation='state'; it must be 0 with observation='pixels'")
        return cls(kind, markov, frame_stack, Canvas(*pixel_size, pixel_color), obs_noise, pole_length_m,
                   position_high)

    @property
    def plain_state(self) -> bool:
        """The default observation (the whole state, one frame, no noise): a copy of the state."""
        return self.kind == "state" and self.markov and self.frame_stack == 1 and self.obs_noise == 0

    @property
    def features(self) -> tuple[int, ...]:
        return MARKOV_FEATURES if self.markov else POSITION_FEATURES

    @property
    def frame_width(self) -> int:
        """Size of one frame along the last axis, the axis frames are stacked on."""
        return len(self.features) if self.kind == "state" else self.canvas.channels

    def space(self) -> spaces.Box:
        """The observation space of one env: frames stacked along the last axis, oldest first."""
        if self.kind == "pixels":
            h, w, c = self.canvas.shape
            return spaces.Box(0, 255, (h, w, c * self.frame_stack), dtype=np.uint8)
        x_high, theta_high = self.position_high
        high = np.array([x_high, np.inf, theta_high, np.inf], dtype=np.float32)[list(self.features)]
        if self.obs_noise > 0:
            high = np.full_like(high, np.inf)
        high = np.tile(high, self.frame_stack)
        return spaces.Box(-high, high, dtype=np.float32)

    def frames(self, state: np.ndarray, noise: Callable[[], np.ndarray] | None = None) -> np.ndarray:
        """One frame per env from a (4, N) state: (N, d) float32 features or (N, H, W, C) pixels.

        ``noise()`` returns the (N, d) Gaussian noise to add (only called when obs_noise > 0).
        """
        if self.kind == "pixels":
            return rasterise(state[0], state[2], self.pole_length_m, self.canvas)
        features = state[list(self.features)].T.astype(np.float32)
        if self.obs_noise > 0:
            features += noise().astype(np.float32)
        return features


class FrameStack:
    """The last k frames of N envs along the last axis (oldest first), in the observation's layout."""

    def __init__(self, config: ObservationConfig, num_envs: int) -> None:
        self.k, self.width = config.frame_stack, config.frame_width
        self.buffer = np.zeros((num_envs, *config.space().shape), dtype=config.space().dtype)

    def reset(self, frames: np.ndarray, envs: np.ndarray | slice = slice(None)) -> None:
        """Fill the stacks of ``envs`` with copies of their first frame."""
        self.buffer[envs] = np.concatenate([frames] * self.k, axis=-1) if self.k > 1 else frames

    def push(self, frames: np.ndarray) -> None:
        if self.k > 1:
            self.buffer[..., : -self.width] = self.buffer[..., self.width :]
        self.buffer[..., -self.width :] = frames
