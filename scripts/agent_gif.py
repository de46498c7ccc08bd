"""An animated GIF of a trained agent's episode, for the README.

``.venv/bin/python scripts/agent_gif.py agents/mario-1-1_ppo_tiles --out docs/mario_agent_1-1.gif --seed 1``
loads the run (or shipped agent) directory with the safe loader, plays one episode from the
level's start with greedy actions (``--stochastic``: sampled, reproducible by ``--seed``), keeps
every ``--stride``-th frame and writes the GIF at the game's speed. Prints the episode's flag
and furthest x (the README says which kind of episode its GIF shows).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from build_docs import write_gif  # noqa: E402
from stable_baselines3.common.utils import set_random_seed  # noqa: E402

from baselines.evaluate import load_run  # noqa: E402

MAX_STEPS = 5_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="the GIF to write")
    parser.add_argument("--stride", type=int, default=2, help="keep every n-th agent step's frame (>= 1)")
    parser.add_argument("--model", default="model", help="model, best_model or checkpoints/step_N")
    parser.add_argument("--stochastic", action="store_true", help="sample the policy's actions (default: greedy)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the env and of the sampled actions")
    args = parser.parse_args(argv)
    if args.stride < 1:
        parser.error(f"--stride must be >= 1, got {args.stride}")
    model, venv, _ = load_run(args.run_dir, args.model, render_mode="rgb_array", seed=args.seed)
    set_random_seed(args.seed)
    obs, frames, info = venv.reset(), [], {}
    for step in range(MAX_STEPS):
        if step % args.stride == 0:
            frames.append(venv.render())
        action, _ = model.predict(obs, deterministic=not args.stochastic)
        obs, _, done, infos = venv.step(action)
        info = infos[0]
        if done[0]:
            break
    frame_skip = getattr(venv.envs[0].unwrapped, "frame_skip", 1)  # 1 env: a DummyVecEnv
    venv.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_gif(frames, args.out, frame_ms=round(1000 * args.stride * frame_skip / 60))
    print(f"{args.out}: {len(frames)} frames, {args.out.stat().st_size / 1e6:.1f} MB; flag {bool(info.get('flag_get'))}, "
          f"x {info.get('x_pos')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
