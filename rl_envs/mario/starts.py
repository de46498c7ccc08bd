"""Where Mario's training episodes start along a demonstration (``start="demo"``).

The env keeps the demonstration's states every :data:`SPACING_FRAMES` frames (the first is the
stage's start); a :class:`StartSampler` picks one per episode. ``"uniform"``: any of them.
``"mixed"``: the stage's start in half the episodes (where every evaluation starts), any of them
in the others. ``"reverse"`` (Salimans
& Chen 2018, learning Montezuma's Revenge from a single demonstration): among those from a
frontier to the flag; the frontier begins at the last state and moves one state back after
:data:`REVERSE_ADVANCE_AFTER` flags reached from the frontier itself, so the agent first learns
the end of the stage and then ever more of it.
"""

from __future__ import annotations

import numpy as np

from rl_envs.options import check_choice

SCHEDULES = ("uniform", "reverse", "mixed")
MIXED_LEVEL_SHARE = 0.5  # "mixed": the share of episodes that start at the stage's start
SPACING_FRAMES = 32  # start states along a demonstration (each snapshot is ~250 KB)
REVERSE_ADVANCE_AFTER = 3


class StartSampler:
    """Picks the start index among ``count`` states and, for the reverse curriculum, owns the
    frontier.

    >>> sampler = StartSampler("reverse", count=5)
    >>> rng = np.random.default_rng(0)
    >>> sampler.choose(rng), sampler.frontier
    (4, 4)
    >>> for _ in range(3):
    ...     sampler.episode_ended(flag=True)   # three flags from the frontier: one state back
    ...     _ = sampler.choose(rng)
    >>> sampler.frontier
    3
    >>> mixed = StartSampler("mixed", count=36)
    >>> starts = [mixed.choose(rng) for _ in range(1000)]
    >>> 0.45 < starts.count(0) / 1000 < 0.55   # half at the stage's start, the rest anywhere
    True
    """

    def __init__(self, schedule: str, count: int) -> None:
        self.schedule = check_choice("demo_schedule", schedule, SCHEDULES)
        self.count = count
        self.frontier: int | None = count - 1 if self.schedule == "reverse" else None
        self._flags = 0  # flags reached from the frontier since it last moved
        self.index: int | None = None  # where the running episode started

    def choose(self, rng: np.random.Generator) -> int:
        if self.schedule == "mixed" and rng.random() < MIXED_LEVEL_SHARE:
            self.index = 0
            return self.index
        low = self.frontier if self.frontier is not None else 0
        self.index = int(rng.integers(low, self.count))
        return self.index

    def episode_ended(self, flag: bool) -> None:
        """The running episode ended (with the flag or not): the reverse frontier may move back."""
        if self.frontier is None or not flag or self.index != self.frontier:
            return
        self._flags += 1
        if self._flags >= REVERSE_ADVANCE_AFTER and self.frontier > 0:
            self.frontier, self._flags = self.frontier - 1, 0
