"""Cart-pole reward components and designs.

Both components work on a bool or on a numpy bool array (one per env of the vector version):

- ``alive``: 1 for every step taken while the pole was up, including the step on which it falls
  (Gymnasium's convention), 0 for steps after the fall;
- ``failure``: -1 on the step on which the pole falls or the cart leaves the track.
"""

from __future__ import annotations

from typing import Any

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


def pay(weights: dict[str, float], parts: dict[str, Any]) -> Any:
    """A design's reward; unlike :func:`rl_envs.designs.weigh` it keeps arrays as arrays."""
    return sum(w * parts[name] for name, w in weights.items())
