"""A pygame window that shows RGB frames: the ``human`` render mode of every environment."""

from __future__ import annotations

import numpy as np

from rl_envs.pygame_utils import pygame


class Window:
    """Shows frames at a given rate; closing the window or pressing Esc marks it closed."""

    def __init__(self, title: str) -> None:
        self.pg = pygame()
        self.pg.display.init()
        self.pg.display.set_caption(title)
        self.screen = None
        self.clock = self.pg.time.Clock()
        self.closed = False

    def show(self, frame: np.ndarray, fps: float | None = None) -> None:
        pg = self.pg
        size = (frame.shape[1], frame.shape[0])
        if self.screen is None or self.screen.get_size() != size:
            self.screen = pg.display.set_mode(size)
        pg.surfarray.blit_array(self.screen, np.transpose(frame, (1, 0, 2)))
        pg.display.flip()
        # Keep the window responsive when nothing else reads events.
        for event in pg.event.get((pg.QUIT,)):
            self.closed = True
        if fps:
            self.clock.tick(fps)

    def close(self) -> None:
        if self.screen is not None:
            self.pg.display.quit()
        self.screen = None
        self.closed = True


def show_human(env: object, frame: np.ndarray, title: str, fps: float | None) -> None:
    """The ``human`` render mode: show ``frame`` in the env's window (opened on first use)."""
    window = getattr(env, "_window", None) or Window(title)
    env._window = window
    window.show(frame, fps)


def close_window(env: object) -> None:
    window = getattr(env, "_window", None)
    if window is not None:
        window.close()
        env._window = None
