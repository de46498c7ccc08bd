"""The grid world's four moves and where each one goes (shared by the env and its drawing)."""

from __future__ import annotations

from enum import IntEnum


class Move(IntEnum):
    """The four deterministic moves, in the lecture's order."""

    RIGHT = 0
    LEFT = 1
    UP = 2
    DOWN = 3


# (row, column) offset of each move; rows grow downwards.
MOVE_OFFSET = {Move.RIGHT: (0, 1), Move.LEFT: (0, -1), Move.UP: (-1, 0), Move.DOWN: (1, 0)}
# A slipping move goes sideways: to one of the two perpendicular directions, equally likely.
PERPENDICULAR = {
    Move.RIGHT: (Move.UP, Move.DOWN),
    Move.LEFT: (Move.UP, Move.DOWN),
    Move.UP: (Move.LEFT, Move.RIGHT),
    Move.DOWN: (Move.LEFT, Move.RIGHT),
}
