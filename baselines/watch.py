"""Watch a trained agent play: ``rl-envs-baselines watch RUN_DIR`` (options: :class:`baselines.args.WatchArgs`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from baselines.args import WatchArgs
from baselines.checkpoint import CheckpointError
from baselines.cli import forward
from baselines.config import eval_deterministic
from baselines.evaluate import load_run
from rl_envs.extras import MissingExtraError
from rl_envs.play import FONT_PX, Scoreboard, draw
from rl_envs.pygame_utils import font, pygame


def watch(run_dir: Path, fps: float | None = None, zoom: float = 1.0, max_frames: int | None = None,
          seed: int = 0, model_name: str = "model") -> Scoreboard:
    """Show the run's model acting (greedily, or sampling where its hyperparameters say
    ``eval_deterministic: false``) in its own env configuration until Esc or close."""
    model, venv, config = load_run(Path(run_dir), model_name, render_mode="rgb_array", seed=seed)
    greedy = eval_deterministic(config["hyperparams"])
    pg = pygame()
    pg.display.init()
    pg.display.set_caption(f"rl-envs: {config['args']['algo']} on {config['args']['env']}")
    fps = fps or venv.metadata.get("render_fps") or 30
    board, clock, screen, frames, running = Scoreboard(), pg.time.Clock(), None, 0, True
    obs = venv.reset()
    while running:
        running = not any(e.type == pg.QUIT or (e.type == pg.KEYDOWN and e.key == pg.K_ESCAPE) for e in pg.event.get())
        action, _ = model.predict(obs, deterministic=greedy)
        obs, reward, done, infos = venv.step(action)
        board.record(float(reward[0]), infos[0])
        if done[0]:
            board.end_episode()
        frame: Any = venv.render()
        screen = draw(pg, screen, frame, board.lines() + [f"{config['args']['algo']} agent; Esc: quit"], zoom, font(FONT_PX))
        clock.tick(fps)
        frames += 1
        running = running and (max_frames is None or frames < max_frames)
    pg.display.quit()
    venv.close()
    return board


def run(args: WatchArgs) -> int:
    """``rl-envs-baselines watch``."""
    try:
        board = watch(Path(args.run_dir), fps=args.fps, zoom=args.zoom, seed=args.seed, model_name=args.model)
    except (CheckpointError, ValueError, MissingExtraError) as error:
        print(f"rl-envs-baselines watch: error: {error}", file=sys.stderr)
        return 2
    print(f"watched {len(board.finished_returns)} complete episode(s); returns: {board.finished_returns}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return forward("watch", argv)


if __name__ == "__main__":
    sys.exit(main())
