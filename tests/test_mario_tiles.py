"""The "tiles" state against the rendered frame, its spaces and its bookkeeping."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import rl_envs  # noqa: F401
from rl_envs.mario.demonstrations import actions_of
from rl_envs.mario.states import load, shipped
from rl_envs.mario.tiles import CLASS_OF, STATUS_BAR_PIXELS, TILE_CLASSES, TILE_SIZE, channel_names

pytest.importorskip("nes_py")

MARIO_RED = (248, 56, 0)  # small Mario's cap and shirt, the same in every stage
OBSTACLES = ("solid", "block", "pipe")


@pytest.mark.parametrize("markov", [True, False])
def test_tiles_pass_both_checkers(markov):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make("RLEnvs/Mario-v0", state="tiles", markov=markov)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(env.unwrapped)
    grid = env.unwrapped.tile_grid
    assert env.observation_space.shape == (int(np.prod(grid.shape)),)
    assert grid.channels == channel_names(markov)
    env.close()


def test_metatile_classes_follow_the_games_rules():
    name = {i: c for i, c in enumerate(TILE_CLASSES)}
    assert name[CLASS_OF[0x54]] == "solid"  # ground
    assert name[CLASS_OF[0x61]] == "solid"  # stair block
    assert name[CLASS_OF[0xC4]] == "solid"  # an emptied "?"
    assert name[CLASS_OF[0x51]] == name[CLASS_OF[0xC0]] == "block"  # brick, "?"
    assert name[CLASS_OF[0x12]] == "pipe"
    assert name[CLASS_OF[0xC2]] == "coin"
    assert name[CLASS_OF[0x25]] == name[CLASS_OF[0xC5]] == "climb"  # flagpole, axe
    assert CLASS_OF[0x00] == CLASS_OF[0x5F] == len(TILE_CLASSES)  # empty; a hidden block shows nothing


def _cell_pixels(frame: np.ndarray, row: int, column: int, offset: int) -> np.ndarray | None:
    """The cell's 16 x 16 pixels, or None where the cell is cut by the screen's edge."""
    left, top = column * TILE_SIZE - offset, STATUS_BAR_PIXELS + row * TILE_SIZE
    if left < 0 or left + TILE_SIZE > frame.shape[1]:
        return None
    return frame[top:top + TILE_SIZE, left:left + TILE_SIZE]


@pytest.mark.parametrize("stage", ["1-1", "1-2", "1-4"])  # overworld, underground, castle
def test_cells_match_the_rendered_frame(stage):
    """Along the stage's demonstration: every obstacle cell (solid, block, pipe) is drawn there in
    the frame (under half of its pixels are the background colour), and Mario's red pixels lie in
    the cells of the mario channel."""
    env = gym.make("RLEnvs/Mario-v0", state="tiles", actions="nes", frame_skip=1, stage=stage,
                   render_mode="rgb_array")
    mario = env.unwrapped
    grid = mario.tile_grid
    index = {c: i for i, c in enumerate(grid.channels)}
    checked_cells = checked_mario = 0
    env.reset(seed=0)
    for n, action in enumerate(actions_of(load(shipped(stage)), env)):
        obs, _, terminated, _, _ = env.step(action)
        if terminated:
            break
        if n % 97:
            continue
        frame = env.render()
        cells = obs.reshape(grid.shape)
        offset = (int(mario.emulator.ram[0x071A]) * 256 + int(mario.emulator.ram[0x071C])) % TILE_SIZE
        background = np.unique(frame.reshape(-1, 3), axis=0, return_counts=True)
        background = background[0][np.argmax(background[1])]
        for name in OBSTACLES:
            for row, column in zip(*np.nonzero(cells[index[name]])):
                pixels = _cell_pixels(frame, row, column, offset)
                if pixels is None:
                    continue
                share = np.all(pixels == background, axis=-1).mean()
                assert share < 0.5, f"{stage} frame {n}: {name} cell ({row}, {column}) is {share:.0%} background"
                checked_cells += 1
        marked = np.argwhere(cells[index["mario"]])
        # Mario is drawn in his cells, give or take 8 pixels: the picture shows sprites where the
        # previous frame left them. (A count, not a share: lava and fire bars are the same red.)
        marked = np.argwhere(cells[index["mario"]])
        if len(marked):
            top = STATUS_BAR_PIXELS + marked[:, 0].min() * TILE_SIZE - 8
            bottom = STATUS_BAR_PIXELS + (marked[:, 0].max() + 1) * TILE_SIZE + 8
            left, right = marked[:, 1].min() * TILE_SIZE - offset - 8, (marked[:, 1].max() + 1) * TILE_SIZE - offset + 8
            red = np.all(frame[max(top, 0):bottom, max(left, 0):right] == MARIO_RED, axis=-1).sum()
            assert red >= 16, f"{stage} frame {n}: {red} of Mario's red pixels in his cells {marked.tolist()}"
            checked_mario += 1
    env.close()
    assert checked_cells > 100 and checked_mario >= 5, (checked_cells, checked_mario)


def test_markov_channels_hold_the_previous_step_and_survive_save_states():
    env = gym.make("RLEnvs/Mario-v0", state="tiles", actions="right_only").unwrapped
    shape = env.tile_grid.shape
    index = {c: i for i, c in enumerate(env.tile_grid.channels)}
    obs, _ = env.reset(seed=0)
    grid = obs.reshape(shape)
    assert np.array_equal(grid[index["mario"]], grid[index["mario_previous"]])  # no motion at the start
    for _ in range(20):
        before = obs.reshape(shape)
        obs, *_ = env.step(3)  # right + B: Mario runs
        assert np.array_equal(obs.reshape(shape)[index["mario_previous"]], before[index["mario"]])
    saved = env.save_state()
    expected = [env.step(3)[0] for _ in range(5)]
    env.load_state(saved)
    assert all(np.array_equal(env.step(3)[0], e) for e in expected)
    env.close()
