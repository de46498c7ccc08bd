"""The one rasteriser of the cart-pole scene: observations, renders and the vector env all use it.

It draws a whole batch at once with array operations (no pygame): each image row is a
horizontal slice through the scene, where the pole is a band centred on
``x + (height above pivot) * tan(theta)``. The same code runs on torch tensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from rl_envs.cartpole.physics import X_THRESHOLD_M, namespace

# The scene, in metres: the view spans the track horizontally and from just below the track
# to above the upright pole.
VIEW_X_M = (-X_THRESHOLD_M, X_THRESHOLD_M)
VIEW_Y_M = (-0.5, 1.9)
CART_WIDTH_M = 0.4
CART_HEIGHT_M = 0.25
POLE_WIDTH_M = 0.1
# Colours (RGB), Gymnasium's palette; grayscale uses ITU-R 601 luma of the same colours.
BACKGROUND = (255, 255, 255)
TRACK = (0, 0, 0)
CART = (0, 0, 0)
POLE = (202, 152, 101)
LUMA = (0.299, 0.587, 0.114)


def luma(rgb: tuple[int, int, int]) -> int:
    return int(round(sum(c * w for c, w in zip(rgb, LUMA))))


@dataclass(frozen=True)
class Canvas:
    """Image size and colour mode; the pixel grid in world coordinates is computed once."""

    height: int = 84
    width: int = 84
    color: bool = False

    @property
    def channels(self) -> int:
        return 3 if self.color else 1

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.height, self.width, self.channels)

    @cached_property
    def columns_m(self) -> np.ndarray:
        """World x of each pixel column's centre, shape (W,)."""
        lo, hi = VIEW_X_M
        return lo + (np.arange(self.width) + 0.5) * (hi - lo) / self.width

    @cached_property
    def rows_m(self) -> np.ndarray:
        """World y of each pixel row's centre, top row first, shape (H,)."""
        lo, hi = VIEW_Y_M
        return hi - (np.arange(self.height) + 0.5) * (hi - lo) / self.height

    @cached_property
    def track_row(self) -> int:
        return int(np.argmin(np.abs(self.rows_m)))

    @cached_property
    def cart_rows(self) -> slice:
        """The rows the cart can cover (it stands on the track)."""
        inside = np.flatnonzero((self.rows_m >= 0) & (self.rows_m <= CART_HEIGHT_M))
        return slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, 0)

    def pole_rows(self, pole_length_m: float) -> slice:
        """The rows an upright pole of this length can cover."""
        height = self.rows_m - CART_HEIGHT_M
        inside = np.flatnonzero((height >= 0) & (height <= pole_length_m))
        return slice(int(inside[0]), int(inside[-1]) + 1) if inside.size else slice(0, 0)

    @cached_property
    def palette(self) -> np.ndarray:
        """(4, C) uint8: background, track, cart, pole."""
        colours = (BACKGROUND, TRACK, CART, POLE)
        if self.color:
            return np.array(colours, dtype=np.uint8)
        return np.array([[luma(c)] for c in colours], dtype=np.uint8)


def rasterise(x: Any, theta: Any, pole_length_m: float, canvas: Canvas) -> Any:
    """Images of N scenes, shape (N, H, W, C) uint8, from cart positions and pole angles (N,).

    ``pole_length_m`` is the full pole length (twice the physics ``length``). Work is limited to
    the rows the cart and the pole can cover, in float32: this is the hot path of pixel
    observations.
    """
    xp = namespace(x)
    like = {} if xp is np else {"device": x.device}
    f32 = xp.float32
    x = xp.asarray(x, dtype=f32)
    theta = xp.asarray(theta, dtype=f32)
    cols = xp.asarray(canvas.columns_m, dtype=f32, **like)
    rows = xp.asarray(canvas.rows_m, dtype=f32, **like)
    # Grayscale draws luma values directly; colour draws layer codes, then looks colours up.
    ink = canvas.palette[:, 0] if not canvas.color else np.arange(4, dtype=np.uint8)
    background, track, cart, pole = (int(v) for v in ink)
    image = xp.full((x.shape[0], canvas.height, canvas.width), background, dtype=xp.uint8, **like)
    image[:, canvas.track_row, :] = track
    # Cart: an axis-aligned box standing on the track.
    r = canvas.cart_rows
    on_cart = xp.abs(cols[None, :] - x[:, None]) <= CART_WIDTH_M / 2  # (N, W)
    image[:, r, :] = xp.where(on_cart[:, None, :], cart, image[:, r, :])
    # Pole: in each row above the pivot, a band centred on x + height * tan(theta), half-width
    # (width / 2) / cos(theta); |theta| < 90 degrees inside an episode.
    r = canvas.pole_rows(pole_length_m)
    height = rows[r] - CART_HEIGHT_M  # (Hp,)
    cos = xp.cos(theta)
    centre = x[:, None] + height[None, :] * xp.tan(theta)[:, None]  # (N, Hp)
    on_pole = (xp.abs(cols[None, None, :] - centre[:, :, None]) <= ((POLE_WIDTH_M / 2) / cos)[:, None, None]) & (
        height[None, :, None] <= (pole_length_m * cos)[:, None, None]
    )
    image[:, r, :] = xp.where(on_pole, pole, image[:, r, :])
    if canvas.color:
        return xp.asarray(canvas.palette, **like)[image.long() if xp is not np else image]
    return image[..., None]
