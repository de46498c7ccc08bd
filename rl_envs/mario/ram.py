"""The RAM of Super Mario Bros: what "ram" observations read, and what the library lacks.

gym-super-mario-bros already reads Mario's position, the score, coins, time, lives and flags
(its ``info``); this module adds the quantities it lacks: velocities, the five enemy slots, and
two per-stage memories (opened question blocks, squished Goombas). Addresses follow the public
SMB RAM map (Data Crystal) and the SMB disassembly's memory map; each property names its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ENEMY_SLOTS = 5
GOOMBA = 0x06
STOMPED = 0x04  # enemy state of a Goomba flattened by a stomp
QUESTION_BLOCKS = (0xC0, 0xC1)  # metatiles: "?" with a coin, "?" with a power-up
USED_BLOCK = 0xC4  # metatile of an emptied block
BLOCK_BUFFER = slice(0x0500, 0x06A0)  # 2 pages x 13 rows x 16 columns of metatiles
BLOCK_ROWS, BLOCK_COLUMNS, PAGE_BYTES = 13, 16, 0xD0
SCREEN_COLUMNS = 17  # columns of the visible screen (16) plus the one scrolling in
MAX_TRACKED = 32  # bits in each per-stage memory; later blocks/Goombas are not tracked
SCANS_AFTER_BOUNCE = 4


def signed(byte: int) -> int:
    return byte - 256 if byte >= 128 else byte


class MarioRAM:
    """Read-only views of one emulator's RAM (a numpy view, so reads are always current)."""

    def __init__(self, ram: np.ndarray) -> None:
        self.ram = ram

    @property
    def x_position(self) -> int:
        """Mario's level x in pixels: page 0x006D * 256 + 0x0086, the page read signed. A looping
        castle (4-4, 7-4, 8-4) takes 4 pages off Mario's page when he takes a wrong path; before
        page 4 that goes below 0 (0xFF is page -1). Read unsigned, as the library does, x leaps by
        about 65,000 pixels there."""
        return signed(int(self.ram[0x006D])) * 256 + int(self.ram[0x0086])

    @property
    def x_velocity(self) -> int:
        """Mario's horizontal speed, 0x0057, signed, in 1/16 pixel per frame."""
        return signed(int(self.ram[0x0057]))

    @property
    def y_velocity(self) -> float:
        """Mario's vertical speed, 0x009F (signed whole pixels per frame, + is down) + 0x0433 / 256."""
        return signed(int(self.ram[0x009F])) + int(self.ram[0x0433]) / 256

    @property
    def y_position(self) -> int:
        """Mario's level y in pixels from the top of screen 0: 0x00B5 (screen) * 256 + 0x00CE."""
        return int(self.ram[0x00B5]) * 256 + int(self.ram[0x00CE])

    @property
    def enemy_present(self) -> np.ndarray:
        """Enemy slot loaded flags, 0x000F-0x0013 (1 = active)."""
        return (self.ram[0x000F:0x0014] != 0).astype(np.float32)

    @property
    def enemy_types(self) -> np.ndarray:
        """Enemy identifiers, 0x0016-0x001A (0x06 Goomba, 0x00 green Koopa, ...)."""
        return self.ram[0x0016:0x001B].astype(np.int64)

    @property
    def enemy_states(self) -> np.ndarray:
        """Enemy states, 0x001E-0x0022 (0x04: a stomped Goomba)."""
        return self.ram[0x001E:0x0023].astype(np.int64)

    @property
    def enemy_x(self) -> np.ndarray:
        """Enemy level x in pixels: page 0x006E-0x0072 * 256 + 0x0087-0x008B."""
        return self.ram[0x006E:0x0073].astype(np.float32) * 256 + self.ram[0x0087:0x008C]

    @property
    def enemy_y(self) -> np.ndarray:
        """Enemy level y in pixels: screen 0x00B6-0x00BA * 256 + 0x00CF-0x00D3."""
        return self.ram[0x00B6:0x00BB].astype(np.float32) * 256 + self.ram[0x00CF:0x00D4]

    @property
    def enemy_x_velocity(self) -> np.ndarray:
        """Enemy horizontal speeds, 0x0058-0x005C, signed."""
        return self.ram[0x0058:0x005D].view(np.int8).astype(np.float32)

    @property
    def enemy_y_velocity(self) -> np.ndarray:
        """Enemy vertical speeds, 0x00A0-0x00A4, signed."""
        return self.ram[0x00A0:0x00A5].view(np.int8).astype(np.float32)

    @property
    def screen_left_column(self) -> int:
        """First visible metatile column of the level: (0x071A page * 256 + 0x071C x) // 16."""
        return (int(self.ram[0x071A]) * 256 + int(self.ram[0x071C])) // 16

    @property
    def block_bouncing(self) -> bool:
        """A block object is active (bumped block or brick pieces), 0x0026-0x0029 non-zero."""
        return bool(self.ram[0x0026:0x002A].any())

    @property
    def block_buffer(self) -> np.ndarray:
        """Metatiles of the two loaded screens, 0x0500-0x069F, as (page, row, column)."""
        return self.ram[BLOCK_BUFFER].reshape(2, BLOCK_ROWS, BLOCK_COLUMNS)


@dataclass
class StageMemory:
    """Which question blocks have been opened and which Goombas squished, in this stage.

    Both are bit vectors of fixed size (32) indexed in order of appearance: blocks as they
    scroll into view (left to right, then top to bottom), Goombas as they are loaded into an
    enemy slot. SMB scrolls only rightwards and never reloads an enemy, so the order is fixed
    for a stage and the same bit always means the same block or Goomba.
    """

    blocks: dict[tuple[int, int], int] = field(default_factory=dict)  # (column, row) -> bit
    opened: np.ndarray = field(default_factory=lambda: np.zeros(MAX_TRACKED, np.float32))
    goomba_bits: list[int | None] = field(default_factory=lambda: [None] * ENEMY_SLOTS)
    goombas_seen: int = 0
    squished: np.ndarray = field(default_factory=lambda: np.zeros(MAX_TRACKED, np.float32))
    _was_present: np.ndarray = field(default_factory=lambda: np.zeros(ENEMY_SLOTS, bool))

    _left_column: int = -1
    _scans_left: int = 0

    def update(self, ram: MarioRAM) -> None:
        # Scanning the block buffer is the costly part: only when a column has scrolled in (new
        # blocks to number), or while a block bounces (0x0026-0x0029, a hit) and for a few
        # updates after, since the emptied tile (0xC4) is written a frame or two after the bounce.
        left = ram.screen_left_column
        if ram.block_bouncing:
            self._scans_left = SCANS_AFTER_BOUNCE
        if left != self._left_column or self._scans_left > 0:
            self._left_column = left
            self._scans_left -= 1
            self._update_blocks(ram)
        self._update_goombas(ram)

    def _update_blocks(self, ram: MarioRAM) -> None:
        # The buffer is a ring of two screens: level column c sits at page (c // 16) % 2.
        columns = ram.screen_left_column + np.arange(SCREEN_COLUMNS)
        tiles = ram.block_buffer[(columns // BLOCK_COLUMNS) % 2, :, columns % BLOCK_COLUMNS]  # (columns, rows)
        for i, row in zip(*np.nonzero((tiles == QUESTION_BLOCKS[0]) | (tiles == QUESTION_BLOCKS[1]))):
            key = (int(columns[i]), int(row))
            if key not in self.blocks and len(self.blocks) < MAX_TRACKED:
                self.blocks[key] = len(self.blocks)
        for i, row in zip(*np.nonzero(tiles == USED_BLOCK)):
            bit = self.blocks.get((int(columns[i]), int(row)))
            if bit is not None:
                self.opened[bit] = 1.0

    def _update_goombas(self, ram: MarioRAM) -> None:
        present = ram.enemy_present.astype(bool)
        types, states = ram.enemy_types, ram.enemy_states
        for slot in range(ENEMY_SLOTS):
            if present[slot] and not self._was_present[slot]:
                # A newly loaded enemy: Goombas get the next bit.
                is_goomba = types[slot] == GOOMBA and self.goombas_seen < MAX_TRACKED
                self.goomba_bits[slot] = self.goombas_seen if is_goomba else None
                self.goombas_seen += int(is_goomba)
            bit = self.goomba_bits[slot]
            if present[slot] and bit is not None and states[slot] == STOMPED:
                self.squished[bit] = 1.0
            if not present[slot]:
                self.goomba_bits[slot] = None
        self._was_present = present


# --- the "ram" observation ----------------------------------------------------------------------
# Limits of the "ram" fields.
MAX_POSITION = 255 * 256 + 255
MAX_SCORE, MAX_COINS, MAX_TIME = 999_999, 99, 999


def ram_field_names(markov: bool) -> list[str]:
    """Names of the "ram" observation's entries, in order (velocities only when Markov)."""
    kinematics = ("x", "y", "x_velocity", "y_velocity") if markov else ("x", "y")
    names = [f"mario_{k}" for k in kinematics]
    for slot in range(ENEMY_SLOTS):
        names += [f"enemy{slot}_present"] + [f"enemy{slot}_{k}" for k in kinematics]
    names += ["score", "coins", "time"]
    names += [f"question_block_{i}_opened" for i in range(MAX_TRACKED)]
    names += [f"goomba_{i}_squished" for i in range(MAX_TRACKED)]
    return names


def ram_bounds(names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    low, high = [], []
    for name in names:
        if name.endswith(("_x", "_y")):
            lo, hi = 0, MAX_POSITION
        elif "velocity" in name:
            lo, hi = -128, 128
        else:
            lo, hi = 0, {"score": MAX_SCORE, "coins": MAX_COINS, "time": MAX_TIME}.get(name, 1)
        low.append(lo)
        high.append(hi)
    return np.array(low, np.float32), np.array(high, np.float32)


class RamVector:
    """Builds ``"ram"`` observations (:func:`ram_field_names` order) of one emulator."""

    def __init__(self, ram: MarioRAM, markov: bool) -> None:
        self.ram, self.markov = ram, markov
        self._out = np.zeros(len(ram_field_names(markov)), np.float32)

    def observe(self, info: dict, memory: StageMemory) -> np.ndarray:
        """The vector now; ``info`` is the library's info of the last frame (x, score, coins, time)."""
        ram = self.ram
        present = ram.enemy_present
        mario = [info["x_pos"], ram.y_position]
        enemies = [present, ram.enemy_x, ram.enemy_y]
        if self.markov:
            mario += [ram.x_velocity, ram.y_velocity]
            enemies += [ram.enemy_x_velocity, ram.enemy_y_velocity]
        out = self._out
        n = len(mario)
        out[:n] = mario
        block = out[n:n + ENEMY_SLOTS * len(enemies)].reshape(ENEMY_SLOTS, len(enemies))
        block[:] = np.stack(enemies, axis=1)
        block[:, 1:] *= present[:, None]  # absent slots read as zeros
        n += block.size
        out[n:n + 3] = (info["score"], info["coins"], info["time"])  # read by the library this frame
        out[n + 3:n + 3 + MAX_TRACKED] = memory.opened
        out[n + 3 + MAX_TRACKED:] = memory.squished
        return out.copy()
