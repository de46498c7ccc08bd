"""Train and evaluate the baseline experiments, then regenerate the results table.

``.venv/bin/python scripts/baseline_results.py [--only cartpole] [--seeds 0 1 2]`` trains each
experiment (``--only mario``: PPO on Mario, 28 minutes per seed, evaluated over 100 episodes
against a random agent) through ``baselines.train`` (one subprocess per run, no periodic evaluation so the
wall time is training), evaluates it with ``baselines.evaluate`` (10 greedy episodes), writes
``results/baselines.json`` and ``results/baselines.md``, and replaces the table in README.md
between its ``results:start``/``results:end`` markers. ``--table-only`` rebuilds the table from
existing runs. A reference row trains plain SB3 PPO/DQN with the same hyperparameters on
Gymnasium's CartPole-v1 in the same session, for the time comparison.
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

from baselines.rundir import CONFIG, EVAL

ROOT = Path(__file__).resolve().parents[1]
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


MARIO_MINUTES = 28  # training budget; with start-up the training stays under 30 minutes
MARIO_PLOT = Path("docs") / "mario_ppo_learning_curve.png"  # relative to ROOT


def mario_run(seed: int) -> Path:
    return RUNS / f"RLEnvs_Mario-v0__ppo__{seed}"


def mario_commands(seed: int) -> list[list[str]]:
    """Train PPO on Mario for MARIO_MINUTES, then evaluate 100 episodes sampled (with the random
    agent on the same starts) and 30 greedy."""
    run_dir = str(mario_run(seed).relative_to(ROOT))
    return [["python", "-m", "baselines.train", "--algo", "ppo", "--env", "RLEnvs/Mario-v0", "--env-kwarg", "state=dqn",
             "--env-kwarg", "actions=simple", "--env-kwarg", "reward=progress", "--env-kwarg", "noop_max=30",
             "--max-minutes", str(MARIO_MINUTES), "--eval-freq", "0", "--seed", str(seed), "--run-dir", run_dir],
            ["python", "-m", "baselines.evaluate", run_dir, "--episodes", "100", "--stochastic", "--random-baseline"],
            ["python", "-m", "baselines.evaluate", run_dir, "--greedy", "--episodes", "30", "--output", "eval_greedy.json"]]


def train_mario(seed: int) -> None:
    if (mario_run(seed) / "eval_greedy.json").exists():
        return
    if (mario_run(seed) / CONFIG).exists():
        raise SystemExit(f"{mario_run(seed)} holds an unfinished Mario run; its budget is wall time, so delete it "
                         "and run again rather than resume")
    for cmd in mario_commands(seed):
        subprocess.run([sys.executable, *cmd[1:]], check=True, cwd=ROOT)


def mario_row(label: str, r: dict, steps: str = "", minutes: str = "") -> str:
    from baselines.compare.report import ci95

    task = r["task"]
    xs = r.get("task_episodes", {}).get("x_pos", [])
    interval = f" +- {ci95(xs):.0f}" if xs else ""
    return (f"| {label} | {steps} | {minutes} | {r['episodes']} | {task['x_pos']:.0f}{interval} | {task['flag']:.2f} | "
            f"{r['return_mean']:.0f} +- {r['return_std']:.0f} |")


def mario_lines(seeds: list[int]) -> str:
    """The Mario PPO runs (``--only mario`` trains them) against a random agent on the same starts."""
    results = {seed: json.loads((mario_run(seed) / EVAL).read_text())
               for seed in seeds if (mario_run(seed) / EVAL).exists()}
    command = " && ".join(" ".join(c) for c in mario_commands(0))
    if not results:
        return f"Mario PPO: not run yet (`scripts/baseline_results.py --only mario`, per seed: `{command}`)."
    lines = ["| Mario-v0 (state dqn, simple actions, progress reward) | steps | train minutes | episodes | "
             "furthest x (mean +- 95% CI) | flag rate | return (mean +- std) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    verdicts: dict[str, list[str]] = {"sampled": [], "greedy": []}
    for seed, r in results.items():
        evaluations = {"greedy" if r["deterministic"] else "sampled": r}
        greedy = mario_run(seed) / "eval_greedy.json"
        if greedy.exists():
            evaluations["greedy"] = json.loads(greedy.read_text())
        for i, (mode, e) in enumerate(evaluations.items()):
            lines.append(mario_row(f"PPO seed {seed}, {mode} actions", e, *(
                (f"{r['timesteps']:,}", f"{r['wall_seconds'] / 60:.1f}") if i == 0 else ())))
            verdicts[mode].append(f"seed {seed}, {mode}: {mario_verdict(e['task_episodes']['x_pos'], r['random'])}")
    lines.append(mario_row(f"random agent ({len(results)} runs' evaluations pooled)",
                           pooled([r["random"] for r in results.values()])))
    counts = ", ".join(f"{sum(v.endswith('(clear win)') for v in found)} of {len(found)} with {mode} actions"
                       for mode, found in verdicts.items() if found)
    summary = f"Seeds that clearly beat random (agent's 95% interval above random's): {counts}."
    verdicts = [v for found in verdicts.values() for v in found]
    plot = mario_plot(results, ROOT / MARIO_PLOT)
    picture = f"\n\n![Mario PPO learning curve]({plot.relative_to(ROOT)})"
    return ("\n".join(lines) + picture + "\n\n" + summary + "\n" + "\n".join(f"- {v}" for v in verdicts)
            + f"\n\nCommand per seed (seed 0 shown): `{command}`.")


def mario_plot(results: dict[int, dict], path: Path) -> Path:
    """Furthest x of the training episodes against env steps (mean and 95% band over the seeds of
    ``results``, their eval.json by seed), with the random agent's evaluation mean as a dashed line."""
    import numpy as np

    from baselines.compare.report import band, learning_curve, plot_curves, read_episodes

    total = max(r["timesteps"] for r in results.values())
    grid = np.linspace(total / 60, total, 60)
    window = total / 15
    mean, half = band(np.array([learning_curve(read_episodes(mario_run(s)), "x_pos", grid, window) for s in results]))
    data = {"steps": grid.tolist(), "window": window,
            "designs": {"PPO, progress reward": {"mean": mean.tolist(), "ci95": half.tolist(), "seeds": len(results)}}}
    random_x = pooled([r["random"] for r in results.values()])["task"]["x_pos"]
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_curves(path, data, f"Mario-v0 1-1, state dqn, simple actions: PPO, {MARIO_MINUTES}-minute budget per seed, 2 CPU cores",
                "furthest x", legend="agent", reference=(f"random agent (evaluation mean, pooled: {random_x:.0f})", random_x))
    return path


def pooled(evaluations: list[dict]) -> dict:
    """Several evaluations' episodes as one evaluation (the fields ``mario_row`` reads)."""
    import numpy as np

    returns = [x for e in evaluations for x in e["returns"]]
    task_episodes = {k: [x for e in evaluations for x in e["task_episodes"][k]] for k in evaluations[0]["task_episodes"]}
    return {"episodes": len(returns), "return_mean": float(np.mean(returns)), "return_std": float(np.std(returns)),
            "task": {k: float(np.mean(v)) for k, v in task_episodes.items()}, "task_episodes": task_episodes}


def mario_verdict(agent: list[float], random: dict) -> str:
    """Whether the agent's furthest-x interval lies above that of the random agent evaluated beside it
    (the issue's "clearly beats")."""
    from baselines.compare.report import ci95

    rand = random["task_episodes"]["x_pos"]
    low, high = sum(agent) / len(agent) - ci95(agent), sum(rand) / len(rand) + ci95(rand)
    if low > high:
        return f"agent's interval starts at {low:.0f}, above the end of random's ({high:.0f}) (clear win)"
    return f"agent's interval starts at {low:.0f}, below the end of random's ({high:.0f}) (not a clear win)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted([*EXPERIMENTS, "mario"]), action="append",
                        help=f"experiment groups (default all but mario; mario trains {MARIO_MINUTES} minutes per seed)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain-SB3 timing reference")
    args = parser.parse_args(argv)
    groups = args.only or sorted(EXPERIMENTS)
    if "mario" in groups and not args.table_only:
        for seed in args.seeds:
            train_mario(seed)
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
    text = table(rows) + "\n\n" + mario_lines(args.seeds)
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
    readme = ROOT / "README.md"
    content = readme.read_text()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if start in content and end in content:
        head, rest = content.split(start, 1)
        readme.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1])
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
