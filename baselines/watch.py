"""Watch a trained agent play: ``rl-envs play ENV --agent RUN_DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baselines.config import eval_deterministic
from baselines.evaluate import load_run
from rl_envs.play import Scoreboard, draw


def watch(run_dir: Path, env_id: str | None = None, fps: float | None = None, zoom: float = 1.0,
          max_frames: int | None = None, seed: int = 0) -> Scoreboard:
    """Show the run's final model acting (greedily, or sampling where its hyperparameters say
    ``eval_deterministic: false``) in its own env configuration until Esc or close."""
    from rl_envs.pygame_utils import font, pygame

    model, venv, config = load_run(Path(run_dir), render_mode="rgb_array", seed=seed)
    if env_id is not None and env_id != config["args"]["env"]:
        raise ValueError(f"{run_dir} was trained on {config['args']['env']}, not {env_id}")
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
        screen = draw(pg, screen, frame, board.lines() + [f"{config['args']['algo']} agent; Esc: quit"], zoom, font(20))
        clock.tick(fps)
        frames += 1
        running = running and (max_frames is None or frames < max_frames)
    pg.display.quit()
    venv.close()
    return board
