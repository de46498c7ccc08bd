"""Lazy pygame access: nothing imports pygame until a frame is drawn or a window opens."""

from __future__ import annotations

import os
from functools import cache
from typing import Any


def pygame() -> Any:
    """Import pygame quietly and initialise its font module (works with no display)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame as pg

    if not pg.font.get_init():
        pg.font.init()
    return pg


@cache
def font(size: int) -> Any:
    """pygame's bundled default font at ``size`` pixels."""
    return pygame().font.Font(None, size)


def to_array(surface: Any) -> Any:
    """An (H, W, 3) uint8 copy of a pygame surface."""
    import numpy as np

    return np.transpose(np.array(pygame().surfarray.pixels3d(surface)), (1, 0, 2)).copy()
