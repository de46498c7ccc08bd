"""The engine shared by the finite MDPs (grid worlds, the Cambridge pub).

A subclass builds the exact model once, ``P[s][a] = [(prob, next_state, reward, terminated)]``
in FrozenLake's format, and ``step`` samples from it, so the documented model and the simulated
environment cannot disagree. Subclasses supply the model, the start distribution, the
observation of a state (which drops information when ``markov=False``) and the reward
components of a transition.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from rl_envs.designs import Designs, design_values
from rl_envs.errors import InvalidActionError, check_open
from rl_envs.options import check_render_mode
from rl_envs.window import close_window, show_human

Transition = tuple[float, int, float, bool]
Model = list[list[list[Transition]]]


def check_action(action_space: spaces.Space, action: Any, actions: type[IntEnum] | None = None) -> None:
    """Raise :class:`InvalidActionError` naming the valid actions if ``action`` is not in the space."""
    valid = isinstance(action, (int, np.integer)) and not isinstance(action, bool) and action_space.contains(action)
    if not valid:
        names = ", ".join(f"{int(a)}={a.name}" for a in actions) if actions else str(action_space)
        raise InvalidActionError(f"action must be one of {names}; got {action!r}")


class TabularEnv(gym.Env[int, int]):
    """Samples transitions from an exact model ``P``; see the module docstring."""

    metadata: dict[str, Any] = {"render_modes": ["ansi", "rgb_array", "human"], "render_fps": 4, "turn_based": True}
    Actions: type[IntEnum]

    def __init__(
        self,
        P: Model,
        initial_distribution: np.ndarray,
        num_observations: int,
        render_mode: str | None,
    ) -> None:
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.P = P
        self.nS = len(P)
        self.nA = len(self.Actions)
        self.initial_distribution = initial_distribution
        self.action_space = spaces.Discrete(self.nA)
        self.observation_space = spaces.Discrete(num_observations)
        # Cumulative probabilities per (s, a), so sampling is one searchsorted.
        self._cumulative = [[np.cumsum([t[0] for t in P[s][a]]) for a in range(self.nA)] for s in range(self.nS)]
        self.s: int | None = None
        self.last_action: int | None = None
        self._window = None

    # --- what subclasses define -------------------------------------------------------------
    def observe(self, state: int) -> int:
        """The observation of ``state`` (the state itself when Markov)."""
        raise NotImplementedError

    # Named weightings of reward_components (rl_envs.designs), for envs with several designs.
    DESIGNS: Designs = {}

    def reward_components(self, state: int, action: int, next_state: int) -> dict[str, float]:
        """The named terms whose sum is the reward of this transition."""
        raise NotImplementedError

    def render_ansi(self) -> str:
        raise NotImplementedError

    def render_rgb(self) -> np.ndarray:
        raise NotImplementedError

    def render(self) -> Any:
        check_open(self)
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi', 'rgb_array' or 'human' to gym.make")
            return None
        if self.render_mode == "ansi":
            return self.render_ansi()
        frame = self.render_rgb()
        if self.render_mode == "rgb_array":
            return frame
        show_human(self, frame, f"rl-envs: {type(self).__name__}", self.metadata["render_fps"])
        return None

    def close(self) -> None:
        close_window(self)
        self.closed = True

    # --- the engine --------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[int, dict]:
        check_open(self)
        super().reset(seed=seed)
        self.s = int(self.np_random.choice(self.nS, p=self.initial_distribution))
        self.last_action = None
        if self.render_mode == "human":
            self.render()
        return self.observe(self.s), {"prob": float(self.initial_distribution[self.s]), "state": self.s}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        check_open(self)
        if self.s is None:
            raise ResetNeeded("Cannot call step() before reset()")
        check_action(self.action_space, action, self.Actions)
        a = int(action)
        cumulative = self._cumulative[self.s][a]
        i = min(int(np.searchsorted(cumulative, self.np_random.random(), side="right")), len(cumulative) - 1)
        prob, next_state, reward, terminated = self.P[self.s][a][i]
        parts = self.reward_components(self.s, a, next_state)
        info = {"prob": prob, "state": next_state, "reward_components": parts}
        if self.DESIGNS:
            info["reward_designs"] = design_values(self.DESIGNS, parts)
        self.s, self.last_action = next_state, a
        if self.render_mode == "human":
            self.render()
        # Time limits come from max_episode_steps at registration, so never truncated here.
        return self.observe(next_state), float(reward), bool(terminated), False, info


def merge_outcomes(outcomes: list[Transition]) -> list[Transition]:
    """Sum the probabilities of identical (next_state, reward, terminated) outcomes, dropping zeros."""
    merged: dict[tuple[int, float, bool], float] = {}
    for prob, next_state, reward, terminated in outcomes:
        if prob > 0:
            key = (next_state, reward, terminated)
            merged[key] = merged.get(key, 0.0) + prob
    return [(p, s, r, t) for (s, r, t), p in merged.items()]
