"""Drawing a grid world: text (ansi) and pictures (rgb), with policy and value overlays."""

from __future__ import annotations

from typing import Any

import numpy as np

from rl_envs.grid.moves import MOVE_OFFSET, Move
from rl_envs.options import check_choice
from rl_envs.pygame_utils import font, pygame, to_array

# The drawing functions take a GridWorldEnv (its layout, agent cell, overlays) as ``env``; they
# do not import it, since the env imports them.
GridWorldEnv = Any

CELL_PX = 80
VALUE_STYLES = ("numbers", "heat", "both")
ANSI_ARROW = {0: ">", 1: "<", 2: "^", 3: "v"}

FREE = (245, 245, 245)
WALL = (60, 60, 60)
TERMINAL = (170, 170, 170)  # the lecture's greyed cells
REWARD_POSITIVE = (250, 220, 120)
REWARD_NEGATIVE = (240, 160, 150)
GRID_LINE = (120, 120, 120)
AGENT = (40, 90, 200)
ARROW = (20, 20, 20)
TEXT = (30, 30, 30)
HEAT_LOW, HEAT_MID, HEAT_HIGH = np.array((215, 48, 39)), np.array((254, 224, 139)), np.array((26, 152, 80))


def policy_probabilities(policy: np.ndarray, num_states: int, num_actions: int) -> np.ndarray:
    """Action probabilities (nS, nA) from one action per state or from probabilities."""
    policy = np.asarray(policy)
    if policy.shape == (num_states,):
        if not np.issubdtype(policy.dtype, np.integer) or policy.min() < 0 or policy.max() >= num_actions:
            raise ValueError(f"policy of shape ({num_states},) must hold actions in [0, {num_actions - 1}]")
        return np.eye(num_actions)[policy]
    if policy.shape == (num_states, num_actions):
        if (policy < 0).any() or not np.allclose(policy.sum(axis=1), 1.0):
            raise ValueError("policy probabilities must be non-negative and sum to 1 in every state")
        return policy.astype(np.float64)
    raise ValueError(f"policy must have shape ({num_states},) or ({num_states}, {num_actions}); got {policy.shape}")


def check_values(values: np.ndarray, num_states: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (num_states,):
        raise ValueError(f"values must have shape ({num_states},); got {values.shape}")
    return values


def check_value_style(style: str) -> str:
    return check_choice("value_style", style, VALUE_STYLES)


def ansi(env: GridWorldEnv) -> str:
    """The layout as text; ``A`` marks the agent, arrows the overlaid policy's most likely action."""
    width = max(len(t) for row in env.layout.tokens for t in row)
    lines = []
    for r, row in enumerate(env.layout.tokens):
        cells = []
        for c, token in enumerate(row):
            s = env.to_state(r, c)
            if env.overlay_policy is not None and not env.is_absorbing(s):
                token = ANSI_ARROW[int(np.argmax(env.overlay_policy[s]))]
            if s == env.s:
                token = "A"
            cells.append(token.ljust(width))
        lines.append(" ".join(cells).rstrip())
    if env.overlay_values is not None:
        values = env.overlay_values.reshape(env.nrow, env.ncol)
        lines += [""] + [" ".join(f"{v:7.2f}" for v in row) for row in values]
    return "\n".join(lines)


def heat_colour(fraction: float) -> tuple[int, int, int]:
    """Red (low) through yellow to green (high)."""
    if fraction < 0.5:
        rgb = HEAT_LOW + (HEAT_MID - HEAT_LOW) * fraction * 2
    else:
        rgb = HEAT_MID + (HEAT_HIGH - HEAT_MID) * (fraction - 0.5) * 2
    return tuple(int(v) for v in rgb)


def cell_colour(env: GridWorldEnv, r: int, c: int, heat: np.ndarray | None) -> tuple[int, int, int]:
    layout = env.layout
    if layout.wall[r, c]:
        return WALL
    if layout.terminal[r, c]:
        return TERMINAL
    if heat is not None:
        return heat_colour(float(heat[r, c]))
    if layout.cell_reward[r, c] > 0:
        return REWARD_POSITIVE
    if layout.cell_reward[r, c] < 0:
        return REWARD_NEGATIVE
    return FREE


def normalised_heat(env: GridWorldEnv) -> np.ndarray | None:
    if env.overlay_values is None or env.overlay_value_style == "numbers":
        return None
    values = env.overlay_values.reshape(env.nrow, env.ncol)
    live = ~(env.layout.wall | env.layout.terminal)
    low, high = values[live].min(), values[live].max()
    return np.where(live, (values - low) / (high - low) if high > low else 0.5, 0.0)


def format_value(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def rgb(env: GridWorldEnv) -> np.ndarray:
    """An (rows * 80, cols * 80, 3) picture of the grid, the agent and any overlays."""
    pg = pygame()
    surface = pg.Surface((env.ncol * CELL_PX, env.nrow * CELL_PX))
    heat = normalised_heat(env)
    small, large = font(20), font(26)
    for r in range(env.nrow):
        for c in range(env.ncol):
            rect = pg.Rect(c * CELL_PX, r * CELL_PX, CELL_PX, CELL_PX)
            pg.draw.rect(surface, cell_colour(env, r, c, heat), rect)
            pg.draw.rect(surface, GRID_LINE, rect, 1)
            token = env.layout.tokens[r][c]
            if token not in (".", "#"):
                surface.blit(small.render(token, True, TEXT), (rect.x + 4, rect.y + 4))
            s = env.to_state(r, c)
            if env.is_absorbing(s):
                continue
            if env.overlay_policy is not None:
                draw_arrows(surface, rect, env.overlay_policy[s])
            if env.overlay_values is not None and env.overlay_value_style in ("numbers", "both"):
                text = large.render(format_value(env.overlay_values[s]), True, TEXT)
                surface.blit(text, text.get_rect(midbottom=(rect.centerx, rect.bottom - 4)))
    if env.s is not None:
        r, c = env.to_cell(env.s)
        pg.draw.circle(surface, AGENT, (c * CELL_PX + CELL_PX // 2, r * CELL_PX + CELL_PX // 2), CELL_PX // 6)
    return to_array(surface)


def draw_arrows(surface, rect, probabilities: np.ndarray) -> None:
    """One arrow per action with non-zero probability, its length proportional to it.

    A single action gets one arrow centred in the cell; several fan out from the centre. The
    centre sits above the middle to leave room for a value below.
    """
    pg = pygame()
    cx, cy = rect.centerx, rect.centery - CELL_PX * 0.12
    single = np.count_nonzero(probabilities) == 1
    for a, p in enumerate(probabilities):
        if p <= 0:
            continue
        dr, dc = MOVE_OFFSET[Move(a)]
        length = (0.16 + 0.22 * p) * CELL_PX
        back = length / 2 if single else 0.0
        tail = (cx - dc * back, cy - dr * back)
        tip = (tail[0] + dc * length, tail[1] + dr * length)
        pg.draw.line(surface, ARROW, tail, tip, 3)
        head = CELL_PX * 0.07
        # Two points back from the tip, either side of the shaft.
        left = (tip[0] - dc * head - dr * head, tip[1] - dr * head + dc * head)
        right = (tip[0] - dc * head + dr * head, tip[1] - dr * head - dc * head)
        pg.draw.polygon(surface, ARROW, [tip, left, right])
