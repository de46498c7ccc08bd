"""Drawing the Cambridge pub MDP: a line of text, or a picture of the evening."""

from __future__ import annotations

import numpy as np

from rl_envs.pub.states import MOTIVATIONS, Place, State, Weather
from rl_envs.pygame_utils import font, pygame, to_array

WIDTH, HEIGHT = 480, 240
PLACE_LABEL = {Place.OFFICE: "Office", Place.CAMBRIDGE_BLUE: "Cambridge Blue", Place.HOME: "Home"}
PLACE_COLOUR = {Place.OFFICE: (200, 200, 215), Place.CAMBRIDGE_BLUE: (120, 160, 220), Place.HOME: (215, 195, 160)}
SKY = {Weather.DRY: (190, 225, 250), Weather.RAIN: (120, 130, 145)}
SUN, RAIN_DROP, TEXT, AGENT = (250, 200, 40), (40, 70, 200), (25, 25, 25), (200, 40, 40)


def ansi(state: State | None) -> str:
    """One line: ``place | activity | m=2/3 | rain``."""
    if state is None:
        return "(not reset)"
    m = f"m={state.motivation}/{max(MOTIVATIONS)}"
    return " | ".join([PLACE_LABEL[state.place], state.activity.name.lower(), m, state.weather.name.lower()])


def rgb(state: State | None) -> np.ndarray:
    """Three places in a row, the weather in the sky, the agent under its place, motivation bar."""
    pg = pygame()
    surface = pg.Surface((WIDTH, HEIGHT))
    weather = Weather.DRY if state is None else state.weather
    surface.fill(SKY[weather])
    if weather == Weather.RAIN:
        for i in range(40):
            x, y = (i * 53) % WIDTH, (i * 31) % 70
            pg.draw.line(surface, RAIN_DROP, (x, y), (x - 4, y + 10), 2)
    else:
        pg.draw.circle(surface, SUN, (WIDTH - 40, 35), 22)
    box_w = WIDTH // 3
    for place in Place:
        rect = pg.Rect(place * box_w + 10, 80, box_w - 20, 80)
        pg.draw.rect(surface, PLACE_COLOUR[place], rect)
        pg.draw.rect(surface, TEXT, rect, 2)
        label = font(22).render(PLACE_LABEL[place], True, TEXT)
        surface.blit(label, label.get_rect(center=rect.center))
    if state is not None:
        x = state.place * box_w + box_w // 2
        pg.draw.circle(surface, AGENT, (x, 185), 12)
        text = font(24).render(f"{state.activity.name.lower()}   motivation", True, TEXT)
        surface.blit(text, (12, HEIGHT - 32))
        for i in range(max(MOTIVATIONS)):
            cell = pg.Rect(12 + text.get_width() + 8 + i * 22, HEIGHT - 32, 18, 16)
            pg.draw.rect(surface, AGENT if i < state.motivation else (230, 230, 230), cell)
            pg.draw.rect(surface, TEXT, cell, 1)
    return to_array(surface)
