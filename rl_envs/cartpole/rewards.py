"""Cart-pole reward components and designs.

The components of one step (the vector version looks them up in :func:`table`):

- ``alive``: 1 for every step taken while the pole was up, including the step on which it falls
  (Gymnasium's convention), 0 for steps after the fall;
- ``failure``: -1 on the step on which the pole falls or the cart leaves the track.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rl_envs.designs import weigh

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


def table(weights: dict[str, float]) -> np.ndarray:
    """A design's reward indexed by ``2 * already_down + falls_now`` (float32, for the vector env)."""
    return np.array([weigh(weights, components(down, falls)) for down in (False, True) for falls in (False, True)],
                    dtype=np.float32)
