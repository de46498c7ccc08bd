"""Train and evaluate the cart-pole baseline experiments, then regenerate their results tables.

``.venv/bin/python scripts/baseline_results.py [--only cartpole] [--seeds 0 1 2]`` trains each
experiment through ``baselines.train`` (one subprocess per run, no periodic evaluation so the
wall time is training; run directories under ``~/runs/baselines``, so a fresh clone keeps them
and an interrupted run resumes), evaluates it with ``baselines.evaluate`` (10 greedy episodes)
and writes its summary to ``results/baselines/runs/``. The tables are generated from those
committed summaries alone (``--table-only`` trains nothing):

- ``docs/baselines.md`` ``results``: every run (one torch thread each), and a reference measured beside the cart-pole
  group (plain SB3 PPO/DQN with the same hyperparameters on Gymnasium's CartPole-v1,
  ``results/baselines/reference.json``);
- ``docs/baselines.md`` ``memory``: every ``markov=False`` design of the cart-pole, the grid world
  and the pub, without memory, with a frame stack (vector observations only) and with an LSTM,
  beside the same learner on the Markov state;
- the README's ``results-brief``: solved seeds and greedy returns.

The Mario results have their own protocol and script, ``scripts/mario_results.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines.rundir import CONFIG, EVAL  # noqa: E402
from scripts.generated_blocks import replace_block  # noqa: E402

RUNS = Path.home() / "runs" / "baselines"
RESULTS = Path("results") / "baselines"  # under ROOT: runs/<run>.json and reference.json
SOLVED = 475  # greedy return that counts as solving the cart-pole (the episode limit is 500)


class Experiment(NamedTuple):
    algo: str
    env: str
    overrides: tuple[str, ...] = ()
    memory: str = ""  # the memory the policy has, for the memory table's rows
    env_kwargs: tuple[str, ...] = ()  # env options, KEY=VALUE


MARKOV = "none (the Markov state)"
HIDDEN = ("markov=False",)


EXPERIMENTS = {
    "cartpole": [Experiment("ppo", "RLEnvs/CartPole-v0"), Experiment("dqn", "RLEnvs/CartPole-v0"),
                 Experiment("a2c", "RLEnvs/CartPole-v0")],
    "continuous": [Experiment("sac", "RLEnvs/CartPoleContinuous-v0")],
    "memory": [Experiment("ppo", "RLEnvs/CartPoleNoVelocity-v0", ("frame_stack=1",), "none"),
               Experiment("ppo", "RLEnvs/CartPoleNoVelocity-v0", (), "frame stack of 4"),
               Experiment("ppo_lstm", "RLEnvs/CartPoleNoVelocity-v0", (), "LSTM (RecurrentPPO)"),
               # the tabular envs observe a Discrete index: no frame stack, the LSTM is the memory
               *(e for env in ("RLEnvs/GridWorld-v0", "RLEnvs/CambridgePub-v0") for e in (
                   Experiment("ppo", env, (), MARKOV), Experiment("ppo", env, (), "none", HIDDEN),
                   Experiment("ppo_lstm", env, (), "LSTM (RecurrentPPO)", HIDDEN)))],
}


def run_name(experiment: Experiment, seed: int) -> str:
    extra = "".join(f"__{o.replace('=', '-')}" for o in (*experiment.env_kwargs, *experiment.overrides))
    return f"{experiment.env.replace('/', '_')}__{experiment.algo}{extra}__{seed}"


def train_and_evaluate(experiment: Experiment, seed: int, runs: Path) -> tuple[Path, bool]:
    """The run's directory once it is trained (or resumed to its end) and evaluated, and whether
    that happened now."""
    run_dir = runs / run_name(experiment, seed)
    if (run_dir / EVAL).exists():
        return run_dir, False
    cmd = [sys.executable, "-m", "baselines.train", "--algo", experiment.algo, "--env", experiment.env,
           "--seed", str(seed), "--run-dir", str(run_dir), "--eval-freq", "0", "--no-progress-bar", "--torch-threads", "1"]
    cmd += [a for kv in experiment.overrides for a in ("--set", kv)]
    cmd += [a for kv in experiment.env_kwargs for a in ("--env-kwarg", kv)]
    if (run_dir / CONFIG).exists():
        cmd = [sys.executable, "-m", "baselines.train", "--resume", str(run_dir), "--no-progress-bar", "--torch-threads", "1"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    subprocess.run([sys.executable, "-m", "baselines.evaluate", str(run_dir), "--episodes", "10",
                    "--no-progress-bar"], check=True, cwd=ROOT)
    return run_dir, True


def summary(group: str, experiment: Experiment, seed: int, run_dir: Path, load: float) -> dict:
    """What the tables show of one finished run (its eval.json, the experiment, the machine)."""
    result = json.loads((run_dir / EVAL).read_text())
    machine = json.loads((run_dir / CONFIG).read_text()).get("machine", {})
    return {"group": group, "algo": experiment.algo, "env": experiment.env, "seed": seed,
            "variant": " ".join(experiment.overrides) or "default", "memory": experiment.memory,
            "env_kwargs": " ".join(experiment.env_kwargs),
            **{key: result[key] for key in ("timesteps", "wall_seconds", "return_mean", "return_std", "returns",
                                            "deterministic")},
            "load_average": round(load, 2), "machine": f"{machine.get('platform', '?')}, {machine.get('cpus', '?')} CPUs",
            "measured": time.strftime("%Y-%m-%d")}


def read_summaries(root: Path) -> list[dict]:
    """Every committed run summary, in the experiments' order, then by seed."""
    order = {(g, e.algo, e.env, " ".join(e.overrides) or "default", " ".join(e.env_kwargs)): i
             for i, (g, e) in enumerate((g, e) for g, exps in EXPERIMENTS.items() for e in exps)}
    rows = [json.loads(path.read_text()) for path in sorted((root / RESULTS / "runs").glob("*.json"))]
    for row in rows:
        row.setdefault("env_kwargs", "")
    return sorted(rows, key=lambda r: (order.get((r["group"], r["algo"], r["env"], r["variant"], r["env_kwargs"]),
                                                 len(order)), r["seed"]))


def cart_pole(rows: list[dict]) -> list[dict]:
    """The rows of the cart-pole family: the results tables' (the memory table has the others)."""
    return [r for r in rows if r["env"].startswith("RLEnvs/CartPole")]


def reference_seconds(algo: str) -> float:
    """Plain SB3 on Gymnasium's CartPole-v1 with the same hyperparameters, seed 0, one torch
    thread as the runs (wall seconds)."""
    code = f"""
import time, gymnasium as gym, torch
from stable_baselines3 import PPO, DQN
from stable_baselines3.common.env_util import make_vec_env
from baselines.config import load_hyperparams, algo_kwargs
p = load_hyperparams("{algo}", "RLEnvs/CartPole-v0")
kw = algo_kwargs(p); kw.pop("double_dqn", None)
env = make_vec_env("CartPole-v1", n_envs=int(p.get("n_envs", 1)), seed=0)
model = ({'PPO' if algo == 'ppo' else 'DQN'})(p["policy"], env, seed=0, device="cpu", **kw)
torch.set_num_threads(1)
t = time.time(); model.learn(int(float(p["n_timesteps"]))); print(time.time() - t)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def groups_of(rows: list[dict], *keys: str) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


def solved(runs: list[dict]) -> str:
    return f"{sum(r['return_mean'] >= SOLVED for r in runs)}/{len(runs)}"


def table(rows: list[dict]) -> str:
    lines = [f"| env | algo | variant | seeds solved (>= {SOLVED}) | steps | train wall s (mean) | "
             "greedy return mean +- std (per seed) |",
             "|-----|------|---------|----------------------|------:|--------------------:|--------------------------------------|"]
    for (env, algo, variant), runs in groups_of(rows, "env", "algo", "variant").items():
        per_seed = ", ".join(f"{r['return_mean']:.0f} +- {r['return_std']:.0f}" for r in runs)
        wall = sum(r["wall_seconds"] for r in runs) / len(runs)
        lines.append(f"| {env} | {algo} | {variant} | {solved(runs)} | {runs[0]['timesteps']:,} | {wall:.0f} | "
                     f"{per_seed} |")
    return "\n".join(lines)


def memory_table(rows: list[dict]) -> str:
    lines = [f"| env | options | memory | algo | seeds solved (>= {SOLVED}, cart-pole) | steps | "
             "greedy return (per seed) |",
             "|-----|---------|--------|------|----------------------|------:|--------------------------|"]
    for (env, options, memory, algo), runs in groups_of([r for r in rows if r["group"] == "memory"],
                                                        "env", "env_kwargs", "memory", "algo").items():
        solved_seeds = solved(runs) if env.startswith("RLEnvs/CartPole") else ""
        lines.append(f"| {env} | {options} | {memory} | {algo} | {solved_seeds} | {runs[0]['timesteps']:,} | "
                     + ", ".join(f"{r['return_mean']:.2f}" if abs(r["return_mean"]) < 10 else f"{r['return_mean']:.0f}"
                                 for r in runs) + " |")
    return "\n".join(lines)


def brief_table(rows: list[dict]) -> str:
    """The README's short version of :func:`table`: solved seeds and greedy returns."""
    lines = [f"| env | algo | variant | seeds solved (>= {SOLVED}) | steps | greedy return (per seed) |",
             "|-----|------|---------|----------------------|------:|--------------------------|"]
    for (env, algo, variant), runs in groups_of(rows, "env", "algo", "variant").items():
        lines.append(f"| {env} | {algo} | {variant} | {solved(runs)} | {runs[0]['timesteps']:,} | "
                     + ", ".join(f"{r['return_mean']:.0f}" for r in runs) + " |")
    return "\n".join(lines)


def footer(rows: list[dict], reference: dict | None) -> str:
    dates = sorted({r["measured"] for r in rows})
    loads = [r["load_average"] for r in rows]
    text = ""
    if reference:
        text += (f"Reference measured beside the cart-pole runs ({reference['measured']}): plain SB3 with the same "
                 f"hyperparameters on Gymnasium's CartPole-v1, seed 0: PPO {reference['ppo']:.0f} s, "
                 f"DQN {reference['dqn']:.0f} s (vanilla DQN).\n\n")
    machines = "; ".join(sorted({r["machine"] for r in rows}))
    return text + (f"Machine: {machines}, CPU only; measured "
                   f"{dates[0]}{' to ' + dates[-1] if len(dates) > 1 else ''} (load average at a run's start "
                   f"{min(loads):.1f} to {max(loads):.1f}: the wall times of runs started beside other work are "
                   f"longer); generated by `scripts/baseline_results.py` from `{RESULTS}/`.")


def write_tables(root: Path) -> bool:
    """The tables from the committed summaries; False (and nothing touched) when there are none."""
    rows = read_summaries(root)
    if not rows:
        return False
    reference_file = root / RESULTS / "reference.json"
    reference = json.loads(reference_file.read_text()) if reference_file.exists() else None
    guide = root / "docs" / "baselines.md"
    replace_block(guide, "results", table(cart_pole(rows)) + "\n\n" + footer(rows, reference))
    replace_block(guide, "memory", memory_table(rows))
    replace_block(root / "README.md", "results-brief", brief_table(cart_pole(rows)))
    print(table(cart_pole(rows)))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(EXPERIMENTS), action="append", help="experiment groups (default all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--env", action="append", help="only the experiments on this env id (default all)")
    parser.add_argument("--table-only", action="store_true", help="regenerate the tables from the committed summaries")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain-SB3 timing reference")
    parser.add_argument("--runs-dir", type=Path, default=RUNS, help=f"where the run directories go (default {RUNS})")
    args = parser.parse_args(argv)
    if not args.table_only:
        out = ROOT / RESULTS / "runs"
        out.mkdir(parents=True, exist_ok=True)
        for group in args.only or list(EXPERIMENTS):
            for experiment in EXPERIMENTS[group]:
                if args.env and experiment.env not in args.env:
                    continue
                for seed in args.seeds:
                    load = os.getloadavg()[0]
                    run_dir, trained = train_and_evaluate(experiment, seed, args.runs_dir)
                    path = out / f"{run_name(experiment, seed)}.json"
                    if trained or not path.exists():
                        path.write_text(json.dumps(summary(group, experiment, seed, run_dir, load), indent=2) + "\n")
        if not args.no_reference and "cartpole" in (args.only or list(EXPERIMENTS)):
            reference = {algo: reference_seconds(algo) for algo in ("ppo", "dqn")}
            reference["measured"] = time.strftime("%Y-%m-%d")
            (ROOT / RESULTS / "reference.json").write_text(json.dumps(reference, indent=2) + "\n")
    if not write_tables(ROOT):
        print(f"no run summaries in {ROOT / RESULTS / 'runs'}; the results tables are left as they are")
    return 0


if __name__ == "__main__":
    sys.exit(main())
