"""Mario action designs: each maps its action space onto NES controller bytes.

Button bits are nes-py's (``JoypadSpace``); the library's action lists (``RIGHT_ONLY``,
``SIMPLE_MOVEMENT``, ``COMPLEX_MOVEMENT``) are used as they are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from gym_super_mario_bros.actions import COMPLEX_MOVEMENT, RIGHT_ONLY, SIMPLE_MOVEMENT
from gymnasium import spaces
from nes_py.wrappers import JoypadSpace

from rl_envs.errors import InvalidActionError

BUTTON_BITS: dict[str, int] = dict(JoypadSpace._button_map)
SIX_BUTTONS = ("A", "B", "up", "down", "left", "right")  # the lecture's A = {A, B, up, down, left, right}
PAD_BUTTONS = ("A", "B", "select", "start", "up", "down", "left", "right")  # the whole NES pad
DIRECTIONS = ((), ("up",), ("down",), ("left",), ("right",))  # factored: none or one direction
JUMP_RUN = ((), ("A",), ("B",), ("A", "B"))  # factored: nothing, a, b, a+b


def byte(buttons: tuple[str, ...] | list[str]) -> int:
    value = 0
    for button in buttons:
        value |= BUTTON_BITS[button]
    return value


@dataclass(frozen=True)
class ActionDesign:
    """An action space, and the buttons of each of its actions."""

    name: str
    space: spaces.Space
    table: tuple[tuple[str, ...], ...] | None  # Discrete designs: buttons per action index
    buttons: tuple[str, ...] | None = None  # MultiBinary designs: button per position

    def to_byte(self, action: Any) -> int:
        """The controller byte for ``action``; InvalidActionError if it is outside the space."""
        if isinstance(self.space, spaces.Discrete):
            if isinstance(action, (int, np.integer)) and not isinstance(action, bool) and 0 <= action < self.space.n:
                return self._bytes[int(action)]
        else:
            a = np.asarray(action) if _numeric(action) else None
            # Whole-valued floats too: SB3's MultiBinary policies sample 0.0/1.0 as float32.
            if a is not None and a.shape == self.space.shape and a.dtype.kind in "iubf" and self._in_range(a):
                if isinstance(self.space, spaces.MultiBinary):
                    return int(self._bits @ a.astype(np.int64))
                direction, jump_run = (int(v) for v in a)
                return byte(DIRECTIONS[direction] + JUMP_RUN[jump_run])
        raise InvalidActionError(f"action must be in {self.space} for actions={self.name!r} ({self.describe()}); "
                                 f"got {action!r}")

    def _in_range(self, a: np.ndarray) -> bool:
        """Every entry valid as it is, before any cast (a cast would wrap 512 to 0 and floor 0.5)."""
        if a.dtype.kind == "f" and not (np.isfinite(a) & (a == np.round(a))).all():
            return False
        if isinstance(self.space, spaces.MultiBinary):
            return bool(((a == 0) | (a == 1)).all())
        return bool(((a >= 0) & (a < self.space.nvec)).all())

    @property
    def table_bytes(self) -> list[int]:
        """The controller byte of each action of a discrete design, by action index."""
        return self._bytes

    @property
    def _bytes(self) -> list[int]:
        return [byte(b) for b in self.table]

    @property
    def _bits(self) -> np.ndarray:
        return np.array([BUTTON_BITS[b] for b in self.buttons], dtype=np.int64)

    def describe(self) -> str:
        if self.table is not None:
            return ", ".join(f"{i}={'+'.join(b) or 'NOOP'}" for i, b in enumerate(self.table))
        if self.buttons is not None:
            return "one bit per button: " + ", ".join(self.buttons)
        return "[direction: 0 none, 1 up, 2 down, 3 left, 4 right; jump/run: 0 none, 1 a, 2 b, 3 a+b]"

    def actions_with_buttons(self) -> dict[frozenset[str], Any]:
        """Every action of the design, keyed by the set of buttons it presses (first wins)."""
        found: dict[frozenset[str], Any] = {}
        if self.table is not None:
            for i, buttons in enumerate(self.table):
                found.setdefault(frozenset(buttons), i)
        elif self.buttons is not None:
            for bits in itertools.product((0, 1), repeat=len(self.buttons)):
                pressed = frozenset(b for b, on in zip(self.buttons, bits) if on)
                found.setdefault(pressed, np.array(bits, dtype=np.int8))
        else:
            for d, j in itertools.product(range(len(DIRECTIONS)), range(len(JUMP_RUN))):
                found.setdefault(frozenset(DIRECTIONS[d] + JUMP_RUN[j]), np.array([d, j], dtype=np.int64))
        return found


def _numeric(action: Any) -> bool:
    try:
        return np.asarray(action).dtype.kind in "iubf"
    except (TypeError, ValueError):
        return False


def _table(rows: list[list[str]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(b for b in row if b != "NOOP") for row in rows)


ACTION_DESIGNS: dict[str, ActionDesign] = {
    "buttons": ActionDesign("buttons", spaces.Discrete(6), tuple((b,) for b in SIX_BUTTONS)),
    "multibinary": ActionDesign("multibinary", spaces.MultiBinary(6), None, SIX_BUTTONS),
    "factored": ActionDesign("factored", spaces.MultiDiscrete([len(DIRECTIONS), len(JUMP_RUN)]), None),
    "right_only": ActionDesign("right_only", spaces.Discrete(len(RIGHT_ONLY)), _table(RIGHT_ONLY)),
    "simple": ActionDesign("simple", spaces.Discrete(len(SIMPLE_MOVEMENT)), _table(SIMPLE_MOVEMENT)),
    "complex": ActionDesign("complex", spaces.Discrete(len(COMPLEX_MOVEMENT)), _table(COMPLEX_MOVEMENT)),
    "nes": ActionDesign("nes", spaces.MultiBinary(8), None, PAD_BUTTONS),
}
