"""Cart-pole speed, side by side with Gymnasium's CartPole-v1 in the same run.

Prints steps/s (frames/s for pixels) for ours and the reference, and each ratio against its
target. Run: ``.venv/bin/python scripts/bench_envs.py [--seconds 2]``.

- single env: ``gym.make`` of both (same wrappers), random actions, resets included;
- vector: our native vector env vs Gymnasium's ``CartPoleVectorEnv`` at 1, 64, 1024, 16384 envs;
- pixels: Gymnasium's ``rgb_array`` render followed by a resize to 84x84 grayscale (Pillow), vs
  our 84x84 pixel observations (single env, and vector at 1024 envs), dynamics included.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import rl_envs  # noqa: E402,F401

VECTOR_SIZES = (1, 64, 1024, 16384)
TARGETS = {"single": 1.0, "vector 1024": 1.0, "vector 16384": 1.0, "pixels single": 20.0, "pixels vector 1024": 20.0}


def rate(run: Callable[[], int], seconds: float) -> float:
    """Units per second of ``run`` (which returns how many units it did), over ~``seconds``."""
    run()  # warm-up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += run()
    return done / (time.perf_counter() - start)


def single_env(env_id: str, seconds: float, **kwargs) -> float:
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 2, size=1000).tolist()

    def run() -> int:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        return len(actions)

    return rate(run, seconds)


def vector_env(env_id: str, num_envs: int, seconds: float, **kwargs) -> float:
    envs = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point", **kwargs)
    envs.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 2, size=(64, num_envs))

    def run() -> int:
        for a in actions:
            envs.step(a)
        return actions.size

    return rate(run, seconds)


def gymnasium_pixels(seconds: float) -> float:
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    env.reset(seed=0)
    rng = np.random.default_rng(0)

    def run() -> int:
        for _ in range(20):
            _, _, terminated, truncated, _ = env.step(int(rng.integers(2)))
            if terminated or truncated:
                env.reset()
            np.asarray(Image.fromarray(env.render()).convert("L").resize((84, 84), Image.BILINEAR))
        return 20

    return rate(run, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="measuring time per figure")
    args = parser.parse_args(argv)
    rows = [("single", single_env("RLEnvs/CartPole-v0", args.seconds), single_env("CartPole-v1", args.seconds))]
    for n in VECTOR_SIZES:
        rows.append((f"vector {n}", vector_env("RLEnvs/CartPole-v0", n, args.seconds),
                     vector_env("CartPole-v1", n, args.seconds)))
    reference_pixels = gymnasium_pixels(args.seconds)
    rows.append(("pixels single", single_env("RLEnvs/CartPole-v0", args.seconds, observation="pixels", markov=False),
                 reference_pixels))
    rows.append(("pixels vector 1024", vector_env("RLEnvs/CartPole-v0", 1024, args.seconds, observation="pixels",
                                                  markov=False), reference_pixels))
    print(f"{'benchmark':<20} {'rl-envs /s':>14} {'gymnasium /s':>14} {'ratio':>8} {'target':>8}")
    for name, ours, theirs in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f">= {target:g}x {'OK' if ours / theirs >= target else 'MISSED'}"
        print(f"{name:<20} {ours:>14,.0f} {theirs:>14,.0f} {ours / theirs:>7.2f}x {verdict}")
    print("(pixels: the reference is CartPole-v1's rgb_array render + resize to 84x84 grayscale, per frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
