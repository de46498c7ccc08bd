"""Watch a trained agent play: ``rl-envs-baselines watch RUN_DIR`` (options: :class:`baselines.args.WatchArgs`)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from baselines.args import PROG, WatchArgs
from baselines.checkpoint import CheckpointError
from baselines.config import eval_deterministic
from baselines.evaluate import load_run
from rl_envs.cli_args import parse
from rl_envs.extras import MissingExtraError
from rl_envs.play import Scoreboard, Shown, show


def watch(run_dir: Path, fps: float | None = None, zoom: float = 1.0, max_frames: int | None = None,
          seed: int = 0, model_name: str = "model") -> Scoreboard:
    """Show the run's model acting (greedily, or sampling where its hyperparameters say
    ``eval_deterministic: false``) in its own env configuration until Esc or close."""
    model, venv, config = load_run(Path(run_dir), model_name, render_mode="rgb_array", seed=seed)
    greedy = eval_deterministic(config["hyperparams"])
    status = f"{config['args']['algo']} agent; Esc: quit"
    obs = venv.reset()
    memory, start = None, np.ones(1, dtype=bool)  # a recurrent policy's state, reset at episode starts

    def step(_: int) -> Shown:
        nonlocal obs, memory, start
        action, memory = model.predict(obs, state=memory, episode_start=start, deterministic=greedy)
        obs, reward, done, infos = venv.step(action)
        start = done
        return Shown(float(reward[0]), bool(done[0]), infos[0], venv.render(), status)

    try:
        return show(f"rl-envs: {config['args']['algo']} on {config['args']['env']}", step,
                    fps=fps or venv.metadata.get("render_fps") or 30, zoom=zoom, max_frames=max_frames)
    finally:
        venv.close()


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
    return run(parse(WatchArgs, argv, prog=f"{PROG} watch", description=__doc__))


if __name__ == "__main__":
    sys.exit(main())
