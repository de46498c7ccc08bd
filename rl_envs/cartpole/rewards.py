"""Cart-pole reward components and designs.

A step is one of three cases (:data:`CASES`), so every component and design is computed once,
in :func:`outcomes`; the single env copies its dicts, the vector env looks its design up in :func:`table`:

- ``alive``: 1 for every step taken while the pole was up, including the step on which it falls
  (Gymnasium's convention), 0 for steps after the fall;
- ``failure``: -1 on the step on which the pole falls or the cart leaves the track.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rl_envs.designs import Reward, design_values

# (already down, falls now): running, falling on this step, already down (the step after a fall).
CASES = ((False, False), (False, True), (True, False))
Outcome = tuple[dict[str, float], dict[str, float]]  # (components, what every design pays)

COMPONENTS = ("alive", "failure")

DESIGNS: dict[str, dict[str, float]] = {
    "alive": {"alive": 1.0},  # Gymnasium's CartPole-v1: +1 per step
    "failure": {"failure": 1.0},  # sparse: only the failure is felt
}


def alive(already_down: Any) -> Any:
    return 1.0 - already_down


def failure(falls_now: Any) -> Any:
    return 0.0 - falls_now


def components(already_down: Any, falls_now: Any) -> dict[str, Any]:
    return {"alive": alive(already_down), "failure": failure(falls_now)}


def outcomes() -> dict[tuple[bool, bool], Outcome]:
    """Components and design rewards of each case of :data:`CASES`."""
    result = {}
    for case in CASES:
        parts = components(*case)
        result[case] = (parts, design_values(DESIGNS, parts))
    return result


def table(reward: Reward) -> np.ndarray:
    """``reward`` for each case of :data:`CASES`, in that order (float32, for the vector env)."""
    return np.array([reward(parts) for parts, _ in outcomes().values()], dtype=np.float32)
