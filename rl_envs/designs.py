"""Reward designs: named weightings of an environment's reward components.

An environment with designs computes its components each step (one side-effect-free function
each), pays the chosen design's weighted sum, and reports what every design would have paid in
``info["reward_designs"]``, so one run can be scored under all of them.
"""

from __future__ import annotations

from collections.abc import Mapping

Designs = Mapping[str, Mapping[str, float]]


def weigh(weights: Mapping[str, float], parts: Mapping[str, float]) -> float:
    return float(sum(w * parts[name] for name, w in weights.items()))


def design_values(designs: Designs, parts: Mapping[str, float]) -> dict[str, float]:
    """What every design in ``designs`` pays for these components."""
    return {name: weigh(weights, parts) for name, weights in designs.items()}
