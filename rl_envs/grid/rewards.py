"""Grid-world reward components and designs.

Components of a transition from a non-terminal cell (all 0 from terminal cells and walls,
which are absorbing):

- ``step``: the env's ``step_reward`` (-1 by default), paid on every transition;
- ``cell``: the reward of the cell entered (``n`` for ``T+n`` and ``+n`` cells, else 0);
- ``goal``: 1 on entering a terminal cell.
"""

from __future__ import annotations

COMPONENTS = ("step", "cell", "goal")

DESIGNS: dict[str, dict[str, float]] = {
    # The lecture's: a cost per step plus the layout's cell rewards.
    "step_cost": {"step": 1.0, "cell": 1.0},
    # Sparse: +1 on reaching a terminal cell, nothing else.
    "goal": {"goal": 1.0},
}


def step(step_reward: float) -> float:
    return step_reward


def cell(cell_reward: float) -> float:
    return cell_reward


def goal(enters_terminal: bool) -> float:
    return 1.0 if enters_terminal else 0.0


def components(step_reward: float, cell_reward: float, enters_terminal: bool) -> dict[str, float]:
    return {"step": step(step_reward), "cell": cell(cell_reward), "goal": goal(enters_terminal)}


ABSORBED = {"step": 0.0, "cell": 0.0, "goal": 0.0}
