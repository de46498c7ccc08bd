"""The ``"tiles"`` state: the screen as a grid of blocks read from Super Mario Bros' RAM.

The game keeps the level's foreground in a block buffer, 0x0500-0x069F: two pages of 13 rows x
16 columns of metatiles (16 x 16 pixel blocks), a ring in which level column c sits at page
(c // 16) % 2. Row r covers screen pixels 32 + 16 r to 48 + 16 r (the status bar is above).
Background scenery (hills, bushes, clouds) is never stored there, only what Mario can touch.

Each metatile is put in one class by the rules the game's own collision code applies (the SMB
disassembly's ``ChkForNonSolids``, ``CheckForSolidMTiles``, ``CheckForClimbMTiles``,
``CheckForCoinMTiles``): a metatile's two high bits are its palette group, and per group a
threshold separates the blocks Mario's head breaks or opens from those it bumps, and another
the climbable ones (flagpole, vine).

| class | channel | metatiles |
|-------|---------|-----------|
| solid | ``solid`` | ground (0x54), stairs and other hard blocks, used blocks (0xC4), bridges, cannons, platforms |
| block | ``block`` | what Mario's head hits: bricks (0x51-0x5E but 0x54) and "?" blocks (0xC0, 0xC1) |
| pipe | ``pipe`` | pipe ends and shafts, up or sideways (0x10-0x15, 0x1C-0x21, 0x6B, 0x6C) |
| coin | ``coin`` | coins (0xC2, 0xC3) |
| climb | ``climb`` | flagpole ball and shaft, vines, the castle's axe (0x24-0x26, 0xC5 and each group's climbable range) |
| empty | (none) | 0x00, and the hidden blocks 0x5F, 0x60 (nothing on screen) |

Mario and the five enemy slots are drawn from their RAM positions into channels of their own:
``mario`` (two cells tall when Mario is big, 0x0754 = 0) and ``enemies``.
"""

from __future__ import annotations

import numpy as np

from rl_envs.mario.ram import BLOCK_COLUMNS, BLOCK_ROWS, ENEMY_SLOTS, MarioRAM

TILE_SIZE = 16  # pixels per metatile, both ways
STATUS_BAR_PIXELS = 32  # screen rows above the block buffer's first row
GRID_ROWS, GRID_COLUMNS = BLOCK_ROWS, BLOCK_COLUMNS  # the grid is the visible screen: 13 x 16 blocks
# Per palette group (metatile >> 6): the game's thresholds, from the SMB disassembly.
SOLID_FROM = (0x10, 0x61, 0x88, 0xC4)  # SolidMTileUpperExt: at or above, the head bumps it
CLIMB_FROM = (0x24, 0x6D, 0x8A, 0xC6)  # ClimbMTileUpperExt: at or above, Mario climbs it
BRICKS = range(0x51, 0x5F)  # breakable bricks, plain and with contents (0x54 is ground)
GROUND = 0x54
QUESTION_BLOCKS = (0xC0, 0xC1)
HIDDEN_BLOCKS = (0x5F, 0x60)
COINS = (0xC2, 0xC3)
AXE = 0xC5
PIPES = (*range(0x10, 0x16), *range(0x1C, 0x22), 0x6B, 0x6C)

TILE_CLASSES = ("solid", "block", "pipe", "coin", "climb")
EMPTY = len(TILE_CLASSES)  # the class index of empty cells (no channel)
SPRITE_CHANNELS = ("mario", "enemies")
PREVIOUS_CHANNELS = ("mario_previous", "enemies_previous")
MARIO_SPRITE_OFFSET = 16  # pixels from Player_Y_Position (the top of a 32-pixel box) to small Mario's top
ENEMY_SPRITE_OFFSET = 8  # pixels from Enemy_Y_Position to the top of the enemy as drawn
PLAYER_SIZE = 0x0754  # 0: big Mario, 1: small
PLAYER_Y_SCREEN = 0x00B5  # 1: Mario is on the visible screen (0 above it, 2+ below)


def channel_names(markov: bool) -> tuple[str, ...]:
    """The observation's channels, in order: the tile classes, Mario, the enemies, and with
    ``markov=True`` Mario and the enemies one step earlier (their motion)."""
    return TILE_CLASSES + SPRITE_CHANNELS + (PREVIOUS_CHANNELS if markov else ())


def metatile_class(tile: int) -> int:
    """The index in :data:`TILE_CLASSES` of one metatile (:data:`EMPTY` for nothing visible)."""
    group = tile >> 6
    if tile == 0 or tile in HIDDEN_BLOCKS:
        return EMPTY
    if tile in COINS:
        return TILE_CLASSES.index("coin")
    if tile == AXE or tile >= CLIMB_FROM[group]:
        return TILE_CLASSES.index("climb")
    if tile in PIPES:
        return TILE_CLASSES.index("pipe")
    if tile in QUESTION_BLOCKS or (tile in BRICKS and tile != GROUND):
        return TILE_CLASSES.index("block")
    return TILE_CLASSES.index("solid")


# One lookup per metatile value: the grid is a single indexing of the block buffer.
CLASS_OF = np.array([metatile_class(t) for t in range(256)], dtype=np.int64)


class TileGrid:
    """Builds ``"tiles"`` observations of one emulator: float32 (channels, 13, 16), 0 or 1."""

    def __init__(self, ram: MarioRAM, markov: bool) -> None:
        self.ram = ram
        self.markov = markov
        self.channels = channel_names(markov)
        self.shape = (len(self.channels), GRID_ROWS, GRID_COLUMNS)
        self._onehot = np.eye(EMPTY + 1, EMPTY, dtype=np.float32)  # row EMPTY is all zeros

    def classes(self) -> np.ndarray:
        """The class index of each visible cell, (13, 16), columns from the screen's left edge."""
        columns = self.ram.screen_left_column + np.arange(GRID_COLUMNS)
        tiles = self.ram.block_buffer[(columns // BLOCK_COLUMNS) % 2, :, columns % BLOCK_COLUMNS]  # (columns, rows)
        return CLASS_OF[tiles.T]

    def sprites(self, mario_x: int) -> np.ndarray:
        """Mario's and the enemies' cells, (2, 13, 16)."""
        out = np.zeros((len(SPRITE_CHANNELS), GRID_ROWS, GRID_COLUMNS), np.float32)
        left = self.ram.screen_left_column
        ram = self.ram.ram
        if ram[PLAYER_Y_SCREEN] == 1:
            top = int(ram[0x00CE]) + MARIO_SPRITE_OFFSET
            column = (mario_x + TILE_SIZE // 2) // TILE_SIZE - left
            rows = [top, top - TILE_SIZE] if ram[PLAYER_SIZE] == 0 else [top]
            for y in rows:
                _mark(out[0], (y + TILE_SIZE // 2 - STATUS_BAR_PIXELS) // TILE_SIZE, column)
        present = self.ram.enemy_present
        xs, screens = self.ram.enemy_x, ram[0x00B6:0x00B6 + ENEMY_SLOTS]
        ys = ram[0x00CF:0x00CF + ENEMY_SLOTS].astype(np.int64)
        for slot in range(ENEMY_SLOTS):
            if present[slot] and screens[slot] == 1:
                column = (int(xs[slot]) + TILE_SIZE // 2) // TILE_SIZE - left
                top = int(ys[slot]) + ENEMY_SPRITE_OFFSET
                _mark(out[1], (top + TILE_SIZE // 2 - STATUS_BAR_PIXELS) // TILE_SIZE, column)
        return out

    def observe(self, mario_x: int, previous: np.ndarray | None) -> np.ndarray:
        """The observation now; ``previous`` is :meth:`sprites` one step earlier (Markov only)."""
        parts = [self._onehot[self.classes()].transpose(2, 0, 1), self.sprites(mario_x)]
        if self.markov:
            parts.append(previous)
        return np.concatenate(parts, axis=0)


def _mark(channel: np.ndarray, row: int, column: int) -> None:
    if 0 <= row < GRID_ROWS and 0 <= column < GRID_COLUMNS:
        channel[row, column] = 1.0
