"""Lazy pygame access: nothing imports pygame until a frame is drawn or a window opens."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from rl_envs.extras import require

# Fonts die with pygame.font.quit() (gymnasium's play calls pygame.quit()), and using a dead one
# crashes the process, so the cache is emptied whenever the font module is initialised again.
_fonts: dict[int, Any] = {}


def pygame() -> Any:
    """Import pygame quietly and initialise its font module (works with no display)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    pg = require("pygame", "play", "Drawing frames and windows")

    if not pg.font.get_init():
        _fonts.clear()
        pg.font.init()
    return pg


def font(size: int) -> Any:
    """pygame's bundled default font at ``size`` pixels."""
    pg = pygame()
    if size not in _fonts:
        _fonts[size] = pg.font.Font(None, size)
    return _fonts[size]


def to_array(surface: Any) -> Any:
    """An (H, W, 3) uint8 copy of a pygame surface."""
    return np.transpose(np.array(pygame().surfarray.pixels3d(surface)), (1, 0, 2)).copy()
