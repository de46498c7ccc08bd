"""Grid-world layouts: parsing a list of strings into arrays the engine uses.

A layout is a list of rows. A row is either one character per cell (``"T..."``) or, when any
row contains a space or a number, whitespace-separated tokens (``"S +1 . T+1000"``), so cells
can carry numbers. The cells:

======== ==================================================================
token    cell
======== ==================================================================
``.``    free cell
``#``    wall (never entered; moving into it leaves the agent in place)
``S``    free cell where an episode may start
``T``    terminal cell (entering it ends the episode)
``T+10`` terminal cell that also pays +10 when entered (any signed number)
``+1``   free cell that pays +1 every step that ends on it (any signed number)
======== ==================================================================

Rows start at the top. Without any ``S`` the start is uniform over every free, non-terminal cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

CELL_HELP = (
    "'.' free, '#' wall, 'S' start, 'T' terminal, 'T+10' terminal paying +10, "
    "'+1' free cell paying +1 (any signed number after T or alone)"
)
_NUMBER = r"[+-](?:\d+(?:\.\d*)?|\.\d+)"
_TOKEN = re.compile(rf"^(?:(?P<plain>[.#S])|T(?P<terminal>{_NUMBER})?|(?P<reward>{_NUMBER}))$")


@dataclass(frozen=True)
class Layout:
    """A parsed layout; arrays have shape (rows, cols)."""

    rows: tuple[str, ...]
    wall: np.ndarray
    terminal: np.ndarray
    start: np.ndarray
    cell_reward: np.ndarray
    tokens: tuple[tuple[str, ...], ...]

    @property
    def shape(self) -> tuple[int, int]:
        return self.wall.shape

    @property
    def num_cells(self) -> int:
        return self.wall.size


def tokenize(rows: list[str]) -> list[list[str]]:
    """Split rows into cell tokens: whitespace-separated when any row has a space or a number.

    Numbers can only be tokens (``T+5``, ``+1``), so a row like ``"T+5"`` is one cell, not three.
    """
    spaced = any(ch.isspace() or ch in "+-0123456789" for row in rows for ch in row.strip())
    return [row.split() if spaced else list(row.strip()) for row in rows]


def parse_layout(rows: object) -> Layout:
    """Parse ``rows``; raise TypeError/ValueError naming ``layout`` and the valid cells.

    >>> layout = parse_layout(["T..", "..T"])
    >>> layout.shape, int(layout.terminal.sum()), int(layout.start.sum())
    ((2, 3), 2, 4)
    >>> parse_layout(["S +1", "# T+10"]).cell_reward.tolist()
    [[0.0, 1.0], [0.0, 10.0]]
    """
    if isinstance(rows, str) or not isinstance(rows, (list, tuple)) or not all(isinstance(r, str) for r in rows):
        raise TypeError(f"layout must be a list of strings (one per row), got {rows!r}")
    if not rows or not any(r.strip() for r in rows):
        raise ValueError("layout must have at least one non-empty row")
    tokens = tokenize(list(rows))
    widths = {len(t) for t in tokens}
    if len(widths) != 1:
        raise ValueError(f"layout rows must all have the same number of cells, got widths {[len(t) for t in tokens]}")
    shape = (len(tokens), widths.pop())
    wall = np.zeros(shape, dtype=bool)
    terminal = np.zeros(shape, dtype=bool)
    start = np.zeros(shape, dtype=bool)
    cell_reward = np.zeros(shape, dtype=np.float64)
    for r, row in enumerate(tokens):
        for c, token in enumerate(row):
            match = _TOKEN.match(token)
            if match is None:
                raise ValueError(f"layout row {r}, column {c}: unknown cell {token!r}; valid cells: {CELL_HELP}")
            if match["plain"] == "#":
                wall[r, c] = True
            elif match["plain"] == "S":
                start[r, c] = True
            elif token.startswith("T"):
                terminal[r, c] = True
                cell_reward[r, c] = float(match["terminal"] or 0.0)
            elif match["reward"]:
                cell_reward[r, c] = float(match["reward"])
    free = ~wall & ~terminal
    if not free.any():
        raise ValueError("layout needs at least one free, non-terminal cell to start from")
    if not start.any():
        start = free.copy()
    return Layout(tuple(rows), wall, terminal, start, cell_reward, tuple(tuple(t) for t in tokens))
