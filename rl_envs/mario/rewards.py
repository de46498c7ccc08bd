"""Mario reward designs: named, side-effect-free components, and designs as weights over them.

Each component is a function of two :class:`Snapshot` s (the game before and after an agent
step), so computing one never changes another. ``library`` and ``library_unclipped`` are
gym-super-mario-bros' own shaped reward (progress, clock, death, score, coins, power-up,
completion), accumulated over the step's frames; the library clips it to [-15, 15] per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    """What the reward components read, taken after each agent step."""

    x: int  # Mario's level x (pixels)
    score: int
    coins: int
    time: int  # the in-game clock
    flag: bool  # level beaten (flag pole, or Bowser's axe)
    dying: bool  # dying or dead
    library: float  # cumulative library reward, as the library returns it (clipped per frame)
    library_unclipped: float  # cumulative library reward before clipping


def clear(before: Snapshot, after: Snapshot) -> float:
    """1 on the step the level is beaten."""
    return float(after.flag and not before.flag)


def score(before: Snapshot, after: Snapshot) -> float:
    """Change in game score: summed over an episode, the final score."""
    return float(after.score - before.score)


def x_progress(before: Snapshot, after: Snapshot) -> float:
    """Change in Mario's level x (pixels)."""
    return float(after.x - before.x)


def clock(before: Snapshot, after: Snapshot) -> float:
    """Change of the in-game clock (negative as time runs out)."""
    return float(after.time - before.time)


def death(before: Snapshot, after: Snapshot) -> float:
    """-1 on the step Mario starts dying."""
    return -float(after.dying and not before.dying)


def coins(before: Snapshot, after: Snapshot) -> float:
    """Coins collected (the counter wraps at 100)."""
    return float((after.coins - before.coins) % 100)


def library(before: Snapshot, after: Snapshot) -> float:
    """gym-super-mario-bros' shaped reward, clipped per frame as it returns it."""
    return after.library - before.library


def library_unclipped(before: Snapshot, after: Snapshot) -> float:
    """gym-super-mario-bros' shaped reward before its clipping."""
    return after.library_unclipped - before.library_unclipped


COMPONENTS: dict[str, Callable[[Snapshot, Snapshot], float]] = {
    f.__name__: f for f in (clear, score, x_progress, clock, death, coins, library, library_unclipped)
}

# The built-in designs, as weights over components.
DESIGNS: dict[str, dict[str, float]] = {
    "clear": {"clear": 1.0},
    "score": {"score": 1.0},
    "clear_plus_score": {"clear": 1.0, "score": 0.01},
    "progress": {"library": 1.0},
    "progress_unclipped": {"library_unclipped": 1.0},
}

def components(before: Snapshot, after: Snapshot) -> dict[str, float]:
    return {name: f(before, after) for name, f in COMPONENTS.items()}
