"""Train and evaluate the cart-pole baseline experiments, then regenerate their results tables.

``.venv/bin/python scripts/baseline_results.py [--only cartpole] [--seeds 0 1 2]`` trains each
CartPole experiment through ``baselines.train`` (one subprocess per run, no periodic evaluation
so the wall time is training), evaluates it with ``baselines.evaluate`` (10 greedy episodes),
writes ``results/baselines.json`` and ``results/baselines.md``. A reference row trains plain
SB3 PPO/DQN with the same hyperparameters on Gymnasium's CartPole-v1 in the same session.

The table goes to ``docs/baselines.md`` (between ``results:start``/``results:end``) and a
short version to the README (``results-brief``). The Mario results have their own protocol and
script, ``scripts/mario_results.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines.rundir import CONFIG, EVAL  # noqa: E402
from scripts.generated_blocks import replace_block  # noqa: E402

RUNS = ROOT / "runs" / "baselines"
EXPERIMENTS = {
    "cartpole": [("ppo", "RLEnvs/CartPole-v0", [], []), ("dqn", "RLEnvs/CartPole-v0", [], [])],
    "nonmarkov": [("ppo", "RLEnvs/CartPoleNoVelocity-v0", [], []),
                  ("ppo", "RLEnvs/CartPoleNoVelocity-v0", [], ["frame_stack=1"])],
}


def run_name(algo: str, env: str, overrides: list[str], seed: int) -> str:
    extra = "".join(f"__{o.replace('=', '-')}" for o in overrides)
    return f"{env.replace('/', '_')}__{algo}{extra}__{seed}"


def train_and_evaluate(algo: str, env: str, env_kwargs: list[str], overrides: list[str], seed: int) -> Path:
    run_dir = RUNS / run_name(algo, env, overrides, seed)
    if not (run_dir / EVAL).exists():
        cmd = [sys.executable, "-m", "baselines.train", "--algo", algo, "--env", env, "--seed", str(seed),
               "--run-dir", str(run_dir), "--eval-freq", "0", "--no-progress-bar"]
        cmd += [a for kv in env_kwargs for a in ("--env-kwarg", kv)] + [a for kv in overrides for a in ("--set", kv)]
        if (run_dir / CONFIG).exists():
            cmd = [sys.executable, "-m", "baselines.train", "--resume", str(run_dir), "--no-progress-bar"]
        subprocess.run(cmd, check=True, cwd=ROOT)
        subprocess.run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--episodes", "10"], check=True,
                       cwd=ROOT)
    return run_dir


def reference_seconds(algo: str) -> float:
    """Plain SB3 on Gymnasium's CartPole-v1 with the same hyperparameters, seed 0 (wall seconds)."""
    code = f"""
import time, gymnasium as gym
from stable_baselines3 import PPO, DQN
from stable_baselines3.common.env_util import make_vec_env
from baselines.config import load_hyperparams, algo_kwargs
p = load_hyperparams("{algo}", "RLEnvs/CartPole-v0")
kw = algo_kwargs(p); kw.pop("double_dqn", None)
env = make_vec_env("CartPole-v1", n_envs=int(p.get("n_envs", 1)), seed=0)
model = ({'PPO' if algo == 'ppo' else 'DQN'})(p["policy"], env, seed=0, device="cpu", **kw)
t = time.time(); model.learn(int(float(p["n_timesteps"]))); print(time.time() - t)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    lines = ["| env | algo | variant | seeds solved (>= 475) | steps | train wall s (mean) | greedy return mean +- std (per seed) |",
             "|-----|------|---------|----------------------|------:|--------------------:|--------------------------------------|"]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["env"], row["algo"], row["variant"]), []).append(row)
    for (env, algo, variant), runs in groups.items():
        solved = sum(r["return_mean"] >= 475 for r in runs)
        per_seed = ", ".join(f"{r['return_mean']:.0f} +- {r['return_std']:.0f}" for r in runs)
        wall = sum(r["wall_seconds"] for r in runs) / len(runs)
        lines.append(f"| {env} | {algo} | {variant} | {solved}/{len(runs)} | {runs[0]['timesteps']:,} | {wall:.0f} | "
                     f"{per_seed} |")
    return "\n".join(lines)


def brief_table(rows: list[dict]) -> str:
    """The README's short version of :func:`table`: solved seeds and greedy returns."""
    lines = ["| env | algo | variant | seeds solved (>= 475) | steps | greedy return (per seed) |",
             "|-----|------|---------|----------------------|------:|--------------------------|"]
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["env"], row["algo"], row["variant"]), []).append(row)
    for (env, algo, variant), runs in groups.items():
        solved = sum(r["return_mean"] >= 475 for r in runs)
        lines.append(f"| {env} | {algo} | {variant} | {solved}/{len(runs)} | {runs[0]['timesteps']:,} | "
                     + ", ".join(f"{r['return_mean']:.0f}" for r in runs) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(EXPERIMENTS), action="append", help="experiment groups (default all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--table-only", action="store_true", help="rebuild the tables from existing runs, train nothing")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain-SB3 timing reference")
    args = parser.parse_args(argv)
    groups = args.only or sorted(EXPERIMENTS)
    readme, guide = ROOT / "README.md", ROOT / "docs" / "baselines.md"
    rows = []
    for group in sorted(EXPERIMENTS):  # the table shows every finished run, trained now or before
        for algo, env, env_kwargs, overrides in EXPERIMENTS[group]:
            for seed in args.seeds:
                run_dir = RUNS / run_name(algo, env, overrides, seed)
                if group in groups and not args.table_only:
                    train_and_evaluate(algo, env, env_kwargs, overrides, seed)
                if (run_dir / EVAL).exists():
                    result = json.loads((run_dir / EVAL).read_text())
                    rows.append({**result, "variant": " ".join(overrides + env_kwargs) or "default"})
    if not rows:
        print(f"no finished runs under {RUNS}; the README's results table is left as it is")
        return 0
    text = table(rows)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, CPU only"
    if not args.no_reference and not args.table_only and "cartpole" in groups:
        refs = {algo: reference_seconds(algo) for algo in ("ppo", "dqn")}
        text += (f"\n\nReference measured in the same session: plain SB3 with the same hyperparameters on "
                 f"Gymnasium's CartPole-v1, seed 0: PPO {refs['ppo']:.0f} s, DQN {refs['dqn']:.0f} s (vanilla DQN).")
    text += f"\n\nMachine: {machine}; generated {time.strftime('%Y-%m-%d')} by `scripts/baseline_results.py`."
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "baselines.json").write_text(json.dumps(rows, indent=2))
    (out / "baselines.md").write_text(text + "\n")
    replace_block(guide, "results", text)
    replace_block(readme, "results-brief", brief_table(rows))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
