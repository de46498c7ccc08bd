"""Training throughput against the envs' own speed, measured on the same cores in the same run.

For one configuration (default: PPO on Mario's "ram" state, frame_skip 4, with the run's own
hyperparameters, n_envs and process layout) it alternates, ``--rounds`` times:

- env only: the training's VecEnv stepped with uniformly random actions (agent steps/s);
- trainer: SB3's ``learn`` on that VecEnv with the trainer's callbacks for speed
  (:class:`baselines.callbacks.OneThreadWhileCollecting`), so steps/s includes acting and updates;

and prints the best of each and their ratio. Target for PPO on "ram": trainer >= 70% of env only.

``--torch-threads 1 2`` measures the trainer at each torch thread count in every round (the ratio
is the first one's); ``--busy K`` keeps K other processes spinning on the cores meanwhile, as
other jobs sharing the machine would.

Run: ``.venv/bin/python scripts/bench_training.py [--algo ppo] [--steps 8192] [--rounds 3]
[--env-kwarg state=ram --env-kwarg frame_skip=4] [--set n_envs=4] [--torch-threads 1 2] [--busy 1]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baselines.callbacks import OneThreadWhileCollecting  # noqa: E402
from baselines.config import MULTIPROCESS_VEC_ENVS, check_hyperparams, load_hyperparams  # noqa: E402
from baselines.factories import build_model, make_vec_env  # noqa: E402
from baselines.train import random_observations  # noqa: E402
from rl_envs.cli_args import parse_kwargs  # noqa: E402

TARGET = 0.70
FRAMES_TARGET = 0.80  # of the raw emulator's frames/s times the cores
ENV = "RLEnvs/Mario-v0"


def env_steps_per_second(venv, steps: int, seed: int) -> float:
    start = time.perf_counter()
    observations = random_observations(venv, steps, seed)  # the trainer's own random-action loop
    return len(observations) / (time.perf_counter() - start)


def spin() -> None:
    while True:
        pass


@contextlib.contextmanager
def busy_processes(count: int):
    """``count`` processes that keep a core busy each, for as long as the block runs."""
    processes = [multiprocessing.Process(target=spin, daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
            process.join()


def trainer_steps_per_second(model, steps: int, callbacks: list) -> float:
    before = model.num_timesteps
    start = time.perf_counter()
    model.learn(steps, callback=callbacks, reset_num_timesteps=False)
    return (model.num_timesteps - before) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", default="ppo", choices=("ppo", "dqn"))
    parser.add_argument("--env", default=ENV)
    parser.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE",
                        help="env option (default for Mario: state=ram frame_skip=4)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="hyperparameter override")
    parser.add_argument("--steps", type=int, default=8192, help="agent steps per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, nargs="+", default=[torch.get_num_threads()],
                        help="torch thread counts to measure the trainer at (default: torch's, %(default)s)")
    parser.add_argument("--busy", type=int, default=0, help="processes spinning on the cores while measuring")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    env_kwargs = parse_kwargs(args.env_kwarg, "--env-kwarg") or (
        {"state": "ram", "frame_skip": 4} if args.env == ENV else {})
    params = check_hyperparams(args.algo, {**load_hyperparams(args.algo, args.env, env_kwargs),
                                           **parse_kwargs(args.set, "--set")}, "--set")
    n_envs = int(params.get("n_envs", 1))
    venv = make_vec_env(args.env, env_kwargs, params, n_envs, seed=0, training=True)
    model = build_model(args.algo, params, venv, seed=0, device="cpu")
    callbacks = [OneThreadWhileCollecting()] if params.get("vec_env") in MULTIPROCESS_VEC_ENVS and n_envs > 1 else []
    model.learn(min(args.steps, 2048), callback=callbacks)  # warm-up: processes, allocations
    env_speeds, trainer_speeds = [], {threads: [] for threads in args.torch_threads}
    with busy_processes(args.busy):
        for round_ in range(args.rounds):
            env_speeds.append(env_steps_per_second(venv, args.steps, seed=round_))
            for threads, speeds in trainer_speeds.items():
                torch.set_num_threads(threads)
                speeds.append(trainer_steps_per_second(model, args.steps, callbacks))
            print(f"round {round_ + 1}: env only {env_speeds[-1]:.0f} steps/s, trainer "
                  + ", ".join(f"{speeds[-1]:.0f} steps/s at {threads} torch threads"
                              for threads, speeds in trainer_speeds.items()), flush=True)
    venv.close()
    env_best = max(env_speeds)
    trainer_best = {threads: max(speeds) for threads, speeds in trainer_speeds.items()}
    ratio = trainer_best[args.torch_threads[0]] / env_best
    frames = None
    if args.env == "RLEnvs/Mario-v0":  # emulated frames/s against the raw emulator on every core
        import gymnasium as gym

        from scripts.bench_mario import best_of, raw_env

        skip = gym.make(args.env, **env_kwargs).unwrapped.frame_skip
        raw = best_of(raw_env, 3000, skip, args.rounds)
        cores = multiprocessing.cpu_count()
        frames = {"trainer_frames_per_second": round(trainer_best[args.torch_threads[0]] * skip, 1),
                  "raw_frames_per_second_one_core": round(raw, 1), "cores": cores,
                  "ratio_to_raw_on_every_core": round(trainer_best[args.torch_threads[0]] * skip / (cores * raw), 3)}
    result = {"algo": args.algo, "env": args.env, "env_kwargs": env_kwargs, "n_envs": n_envs,
              "vec_env": params.get("vec_env", "dummy"), "steps": args.steps, "rounds": args.rounds,
              "busy": args.busy, "env_only_steps_per_second": round(env_best, 1),
              "trainer_steps_per_second": {str(t): round(v, 1) for t, v in trainer_best.items()},
              "ratio": round(ratio, 3), **(frames or {}), "measured": time.strftime("%Y-%m-%d"),
              "load_average_at_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(result))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"trainer at {args.torch_threads[0]} torch threads: {ratio:.0%} of env-only speed "
          f"(target >= {TARGET:.0%}): {'met' if ratio >= TARGET else 'missed'}")
    if frames:
        share = frames["ratio_to_raw_on_every_core"]
        print(f"trainer: {frames['trainer_frames_per_second']:,.0f} emulated frames/s = {share:.0%} of the raw emulator "
              f"on all {frames['cores']} cores ({frames['raw_frames_per_second_one_core']:,.0f} frames/s on one) "
              f"(target >= {FRAMES_TARGET:.0%}): {'met' if share >= FRAMES_TARGET else 'missed'}")


if __name__ == "__main__":
    main()
