"""The ``"tiles"`` state drawn beside the frame it was read from: ``docs/mario_tiles.png``.

``.venv/bin/python scripts/tiles_picture.py [--stage 1-1] [--frame 700] [--out docs/mario_tiles.png]``
replays the stage's shipped demonstration to that frame and draws, at the frame's scale, each
cell of the grid in its class's colour (Mario and the enemies over the blocks).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gymnasium as gym
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rl_envs  # noqa: E402,F401
from rl_envs.mario.demonstrations import actions_of  # noqa: E402
from rl_envs.mario.states import load, shipped  # noqa: E402
from rl_envs.mario.tiles import STATUS_BAR_PIXELS, TILE_SIZE  # noqa: E402

COLOURS = {"solid": (150, 75, 0), "block": (230, 160, 40), "pipe": (40, 170, 40), "coin": (250, 220, 0),
           "climb": (200, 200, 200), "enemies": (120, 0, 160), "mario": (230, 30, 30)}
EMPTY = (20, 20, 40)


def picture(stage: str, frame: int) -> Image.Image:
    env = gym.make("RLEnvs/Mario-v0", state="tiles", actions="nes", frame_skip=1, stage=stage, render_mode="rgb_array")
    env.reset(seed=0)
    obs = None
    for action in actions_of(load(shipped(stage)), env)[:frame]:
        obs, *_ = env.step(action)
    screen = env.render()
    grid = env.unwrapped.tile_grid
    cells = obs.reshape(grid.shape)
    env.close()
    drawn = Image.new("RGB", (screen.shape[1], screen.shape[0]), (0, 0, 0))
    draw = ImageDraw.Draw(drawn)
    for row in range(cells.shape[1]):
        for column in range(cells.shape[2]):
            colour = EMPTY
            for name in ("solid", "block", "pipe", "coin", "climb", "enemies", "mario"):  # later ones on top
                if cells[grid.channels.index(name), row, column]:
                    colour = COLOURS[name]
            top, left = STATUS_BAR_PIXELS + row * TILE_SIZE, column * TILE_SIZE
            draw.rectangle([left, top, left + TILE_SIZE - 2, top + TILE_SIZE - 2], fill=colour)
    both = Image.new("RGB", (2 * screen.shape[1] + 8, screen.shape[0]), (255, 255, 255))
    both.paste(Image.fromarray(screen), (0, 0))
    both.paste(drawn, (screen.shape[1] + 8, 0))
    return both.resize((both.width * 2, both.height * 2), Image.Resampling.NEAREST)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="1-1")
    parser.add_argument("--frame", type=int, default=700, help="frames of the demonstration played first")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mario_tiles.png")
    args = parser.parse_args(argv)
    picture(args.stage, args.frame).save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
