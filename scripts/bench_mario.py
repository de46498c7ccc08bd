"""Mario speed and memory, against the raw emulator measured in the same run.

- frames emulated per second for each state design vs ``SuperMarioBros-1-1-v0`` in a
  ``JoypadSpace`` (the library as users run it), same random SIMPLE_MOVEMENT actions; target:
  overhead <= 10% for "ram" and "dqn", <= 5% for "tiles";
- vector throughput with N processes vs one env (target >= 0.8 * N on N cores);
- resident memory per env (in-process, and per worker process).

Run: ``.venv/bin/python scripts/bench_mario.py [--frames 3000] [--rounds 3] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gym_super_mario_bros  # noqa: E402
import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
from gym_super_mario_bros.actions import SIMPLE_MOVEMENT  # noqa: E402
from nes_py.wrappers import JoypadSpace  # noqa: E402

import rl_envs  # noqa: E402,F401

OVERHEAD_TARGET = 0.10
TILES_OVERHEAD_TARGET = 0.05  # the tiles state is one indexing of the block buffer per step


def frames_per_second(env: gym.Env, frames: int, repeat: int = 1) -> float:
    """Frames/s over a fixed seeded action sequence of ``frames`` frames.

    Each action is held ``repeat`` steps (the raw emulator repeats it ``frame_skip`` times), so
    both sides emulate the very same frames: the emulator is deterministic and both reset to the
    same start.
    """
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    done, start = 0, time.perf_counter()
    while done < frames:
        a = int(rng.integers(0, len(SIMPLE_MOVEMENT)))
        for _ in range(repeat):
            _, _, terminated, truncated, info = env.step(a)
            done += info.get("frames", 1)
            if terminated or truncated:
                env.reset()
                break
    return done / (time.perf_counter() - start)


def best_of(make: Callable[[], gym.Env], frames: int, repeat: int, rounds: int) -> float:
    env = make()
    return max(frames_per_second(env, frames, repeat) for _ in range(rounds))


def raw_env() -> gym.Env:
    return JoypadSpace(gym_super_mario_bros.make("SuperMarioBros-1-1-v0"), SIMPLE_MOVEMENT)


def vector_frames_per_second(num_envs: int, seconds: float, **kwargs) -> tuple[float, list[float]]:
    """Frames/s of ``num_envs`` envs in a vector env, and each process's resident memory (MiB)."""
    envs = gym.make_vec("RLEnvs/Mario-v0", num_envs=num_envs, **kwargs)
    rng = np.random.default_rng(0)
    envs.reset(seed=0)
    envs.step(np.zeros(num_envs, dtype=np.int64))  # warm the workers
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, _, _, _, info = envs.step(rng.integers(0, len(SIMPLE_MOVEMENT), size=num_envs))
        frames += int(np.sum(info.get("frames", 0)))
    rate = frames / (time.perf_counter() - start)
    rss = [rss_mib()] + [rss_mib(p.pid) for p in envs.processes]
    envs.close()
    return rate, rss


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=3000, help="frames per measured round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (best kept)")
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time of a vector round")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="N for the vector benchmark")
    args = parser.parse_args(argv)

    print("frames emulated per second, each side over the same frames (raw: SuperMarioBros-1-1-v0 + JoypadSpace)")
    print(f"{'state design':<24} {'frames/s':>10} {'raw':>10} {'overhead':>9}")
    for label, kwargs in (("ram", {"state": "ram"}), ("tiles (frame_skip 4)", {"state": "tiles"}),
                          ("pixels", {"state": "pixels"}),
                          ("pixels_pair", {"state": "pixels_pair"}), ("dqn (frame_skip 4)", {"state": "dqn"}),
                          ("dqn (frame_skip 1)", {"state": "dqn", "frame_skip": 1})):
        skip = gym.make("RLEnvs/Mario-v0", **kwargs).unwrapped.frame_skip
        # Alternate the two sides and keep each one's best round: timing noise only ever slows.
        raw = ours = 0.0
        for _ in range(args.rounds):
            raw = max(raw, best_of(raw_env, args.frames, skip, 1))
            ours = max(ours, best_of(lambda: gym.make("RLEnvs/Mario-v0", **kwargs), args.frames, 1, 1))
        overhead = 1 - ours / raw
        limit = TILES_OVERHEAD_TARGET if label.startswith("tiles") else OVERHEAD_TARGET
        target = label in ("ram", "tiles (frame_skip 4)", "dqn (frame_skip 4)")  # the designs' defaults carry one
        verdict = (f"OK (<= {limit:.0%})" if overhead <= limit else f"MISSED (> {limit:.0%})") if target else ""
        print(f"{label:<24} {ours:>10,.0f} {raw:>10,.0f} {overhead:>8.1%} {verdict}")

    # Alternate one env and the vector env, keeping each one's best round.
    single = vector = 0.0
    for _ in range(args.rounds):
        single = max(single, best_of(lambda: gym.make("RLEnvs/Mario-v0", state="dqn"), args.frames, 1, 1))
        rate, rss = vector_frames_per_second(args.workers, args.seconds, state="dqn")
        vector = max(vector, rate)
    speedup = vector / single
    print(f"vector, {args.workers} envs on {os.cpu_count()} cores (dqn): {vector:,.0f} frames/s = {speedup:.2f}x one env "
          f"({single:,.0f}); target >= {0.8 * args.workers:.1f}x: {'OK' if speedup >= 0.8 * args.workers else 'MISSED'}")
    print(f"  resident memory: main process (env 0) {rss[0]:.0f} MiB, workers {', '.join(f'{r:.0f} MiB' for r in rss[1:])}")

    before = rss_mib()
    envs = [gym.make("RLEnvs/Mario-v0", state="dqn") for _ in range(8)]
    for env in envs:
        env.reset(seed=0)
    per_env = (rss_mib() - before) / len(envs)
    print(f"resident memory per env in one process: {per_env:.1f} MiB (8 envs, dqn); "
          f"this process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
