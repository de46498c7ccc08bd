"""Train and evaluate the baseline experiments, then regenerate the README's results tables.

``.venv/bin/python scripts/baseline_results.py [--only cartpole] [--seeds 0 1 2]`` trains each
CartPole experiment through ``baselines.train`` (one subprocess per run, no periodic evaluation
so the wall time is training), evaluates it with ``baselines.evaluate`` (10 greedy episodes),
writes ``results/baselines.json`` and ``results/baselines.md``, and replaces the table in
README.md between its ``results:start``/``results:end`` markers. A reference row trains plain
SB3 PPO/DQN with the same hyperparameters on Gymnasium's CartPole-v1 in the same session.

``--only mario`` trains the Mario agents of ``MARIO_EXPERIMENTS`` (up to 1M steps each, in
``--mario-minutes`` slices that resume where the last one stopped; runs under ``--mario-runs``,
default ``~/runs``), evaluates each from the level's start (``MARIO_EVALS``), and replaces the
block between ``mario-results:start``/``mario-results:end``. A table is only rewritten when
every run it covers is there: otherwise the script lists what is missing and leaves it as it
is. ``--table-only`` rebuilds the tables from existing runs and trains nothing.
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

from baselines.rundir import BEHAVIOUR_CLONING, CONFIG, EVAL, STATE, RunDir

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


# --- Mario: clear World 1-1 from the level's start (issue 13's protocol) --------------------------
MARIO_RUNS = Path.home() / "runs"  # long runs live outside the work tree (--mario-runs)
MARIO_PLOT = Path("docs") / "mario_training_flag_rate.png"  # relative to ROOT
MARIO_DEMO = "rl_envs/mario/demos/1-1.json"
MARIO_EVAL_EPISODES = 100
MARIO_STEPS = 1_000_000
MARIO_TARGET = 0.9  # greedy flag rate from the level's start, on 2 of 3 seeds
# name -> (label, train arguments, steps); run directory {--mario-runs}/mario_{name}_s{seed}. All
# train from starts along the 1-1 demonstration; every evaluation starts at the level's start.
# Steps 0: the control, the demonstration fit alone, which says what the RL steps add.
MARIO_PPO_FIT = ["--algo", "ppo", "--env-kwarg", "state=dqn", "--env-kwarg", "frame_skip=4", "--env-kwarg", "start=demo",
                 "--bc-demo", MARIO_DEMO, "--bc-idle", "30", "--bc-epochs", "8"]
MARIO_EXPERIMENTS = {
    "ppo_dqn": ("PPO, state dqn (small CNN), BC before and during RL, demonstration starts",
                [*MARIO_PPO_FIT, "--bc-keep", "32"], MARIO_STEPS),
    "dqn_dqn": ("Double DQN, state dqn (small CNN), DQfD margin loss before and during RL, demonstration starts",
                ["--algo", "dqn", "--env-kwarg", "state=dqn", "--env-kwarg", "frame_skip=4", "--env-kwarg", "start=demo",
                 "--bc-demo", MARIO_DEMO, "--bc-idle", "30", "--bc-epochs", "8", "--bc-keep", "125",
                 "--set", "cnn=small", "--set", "exploration_initial_eps=0.1", "--set", "reward_scale=0.1"], MARIO_STEPS),
    "ppo_fit_only": ("PPO's demonstration fit alone, no RL steps (the control)", MARIO_PPO_FIT, 0),
}
# file -> (evaluate arguments, column): greedy and sampled over 100 episodes idling 0-30 frames
# first (the game is deterministic: without idling every greedy episode is the same one).
MARIO_EVALS = {
    "eval_deterministic.json": (["--greedy", "--episodes", "1"], "greedy, no idling (deterministic)"),
    "eval_greedy.json": (["--greedy", "--episodes", str(MARIO_EVAL_EPISODES), "--env-kwarg", "noop_max=30",
                          "--random-baseline"], f"greedy, noop_max=30, {MARIO_EVAL_EPISODES} episodes"),
    "eval_sampled.json": (["--stochastic", "--episodes", str(MARIO_EVAL_EPISODES), "--env-kwarg", "noop_max=30"],
                          f"sampled, noop_max=30, {MARIO_EVAL_EPISODES} episodes"),
}


def mario_run(root: Path, name: str, seed: int) -> Path:
    return root / f"mario_{name}_s{seed}"


def mario_commands(root: Path, name: str, seed: int, minutes: float) -> list[list[str]]:
    """Train the experiment's steps (or ``minutes`` of wall time, resumable), then the three evaluations."""
    run_dir = str(mario_run(root, name, seed))
    _, train_arguments, steps = MARIO_EXPERIMENTS[name]
    train = [".venv/bin/python", "-m", "baselines.train", "--env", "RLEnvs/Mario-v0", *train_arguments,
             "--total-timesteps", str(steps), "--seed", str(seed), "--run-dir", run_dir, "--checkpoint-freq", "25000",
             "--eval-freq", "0", "--no-progress-bar", "--max-minutes", str(minutes), "--torch-threads", "1"]
    return [train] + [[".venv/bin/python", "-m", "baselines.evaluate", run_dir, *arguments, "--output", file]
                      for file, (arguments, _) in MARIO_EVALS.items()]


def train_mario(root: Path, name: str, seed: int, minutes: float) -> None:
    """Train one run for a slice of ``minutes`` (resuming it if it exists and is short of its
    steps), then evaluate whatever has no evaluation of the run's present model."""
    run_dir = mario_run(root, name, seed)
    train, *evaluations = mario_commands(root, name, seed, minutes)
    if (run_dir / CONFIG).exists():
        train = ["python", "-m", "baselines.train", "--resume", str(run_dir), "--no-progress-bar"]
    state = RunDir(run_dir).load_state()
    if state is None or state["timesteps"] < MARIO_EXPERIMENTS[name][2]:
        subprocess.run([sys.executable, *train[1:]], check=True, cwd=ROOT)
    for command, file in zip(evaluations, MARIO_EVALS):
        if not mario_evaluated(run_dir, file):
            subprocess.run([sys.executable, *command[1:]], check=True, cwd=ROOT)


def mario_steps(run_dir: Path) -> int:
    """Steps of the run's final model (0 before its first training call ended)."""
    state = RunDir(run_dir).load_state()
    return state["timesteps"] if state else 0


def mario_evaluated(run_dir: Path, file: str) -> bool:
    """Whether ``file`` evaluates the run's present model (not one from before a resumption)."""
    path, state = run_dir / file, RunDir(run_dir).load_state()
    return state is not None and path.exists() and json.loads(path.read_text()).get("timesteps") == state["timesteps"]


def mario_missing(root: Path, seeds: list[int]) -> list[str]:
    """What the table needs and does not find: a line per run (finished, with its three evaluations)."""
    missing = []
    for name in MARIO_EXPERIMENTS:
        for seed in seeds:
            run_dir = mario_run(root, name, seed)
            absent = [f for f in (STATE, *MARIO_EVALS) if not (run_dir / f).exists()]
            stale = [f for f in MARIO_EVALS if f not in absent and not mario_evaluated(run_dir, f)]
            if absent or stale:
                missing.append(f"{run_dir}: " + "; ".join(
                    ([f"no {', '.join(absent)}"] if absent else [])
                    + ([f"{', '.join(stale)} evaluate an earlier model"] if stale else [])))
    return missing


def train_minutes(run_dir: Path) -> float:
    """Wall minutes of the RL steps and of the demonstration fit before them (when recorded)."""
    fit = run_dir / BEHAVIOUR_CLONING
    seconds = json.loads(fit.read_text()).get("seconds", 0.0) if fit.exists() else 0.0
    return (RunDir(run_dir).load_state()["wall_seconds"] + seconds) / 60


def mario_cell(evaluation: dict) -> str:
    task = evaluation["task"]
    if evaluation["episodes"] == 1:
        return f"flag (x {task['x_pos']:.0f})" if task["flag"] else f"no flag, x {task['x_pos']:.0f}"
    return f"{task['flag']:.2f}, x {task['x_pos']:.0f}"


def mario_lines(root: Path, seeds: list[int]) -> str:
    """The Mario table (every run of ``seeds`` must be finished and evaluated), its plot and the targets."""
    header = ["agent", "seed", "steps", "train minutes (fit + RL)"] + [column for _, column in MARIO_EVALS.values()]
    lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|" + "---:|" * len(MARIO_EVALS)]
    randoms, verdicts, curves = [], [], {}
    for name, (label, _, steps) in MARIO_EXPERIMENTS.items():
        flags = []
        for seed in seeds:
            run_dir = mario_run(root, name, seed)
            state = RunDir(run_dir).load_state()
            evaluations = {f: json.loads((run_dir / f).read_text()) for f in MARIO_EVALS}
            cells = [mario_cell(e) for e in evaluations.values()]
            lines.append(f"| {label} | {seed} | {state['timesteps']:,} | {train_minutes(run_dir):.0f} | "
                         + " | ".join(cells) + " |")
            if "random" in evaluations["eval_greedy.json"]:  # --random-baseline (MARIO_EVALS asks for it)
                randoms.append(evaluations["eval_greedy.json"]["random"])
            flags.append(evaluations["eval_greedy.json"]["task"]["flag"])
            if steps:  # the control has no training episodes
                curves.setdefault(label, []).append(run_dir)
        met = sum(f >= MARIO_TARGET for f in flags)
        verdict = "the control: no target" if not steps else "target met" if met >= 2 else "target not met"
        verdicts.append(f"- {label}: {met} of {len(flags)} seeds reach a greedy flag rate >= {MARIO_TARGET} "
                        f"(flag rates {', '.join(f'{f:.2f}' for f in flags)}): {verdict}"
                        + ("" if len(flags) >= 3 else f" ({len(flags)} of 3 seeds run)"))
    if randoms:
        random = pooled(randoms)
        lines.append(f"| uniformly random actions (on the same starts, pooled over {len(randoms)} runs) |  |  |  |  | "
                     f"{random['task']['flag']:.2f}, x {random['task']['x_pos']:.0f} |  |")
    plot = mario_plot(curves, ROOT / MARIO_PLOT)
    commands = "\n".join(" ".join(mario_commands(MARIO_RUNS, name, 0, 100)[0]) for name in MARIO_EXPERIMENTS)
    commands = commands.replace(str(Path.home()), "~")
    return ("\n".join(lines) + f"\n\nTargets (greedy flag rate from the level's start >= {MARIO_TARGET} on 2 of 3 seeds, "
            "within 1M steps):\n" + "\n".join(verdicts)
            + f"\n\n![Mario training flag rate]({plot.relative_to(ROOT)})\n\nTraining commands (seed 0; "
            f"then the evaluations `{' / '.join(' '.join(a) for a, _ in MARIO_EVALS.values())}`):\n\n"
            f"```bash\n{commands}\n```")


def mario_plot(runs: dict[str, list[Path]], path: Path) -> Path:
    """Flag rate of the training episodes (which start along the demonstration) against env steps,
    mean and 95% band over each agent's seeds."""
    import numpy as np

    from baselines.compare.report import band, learning_curve, plot_curves, read_episodes

    total = max(mario_steps(d) for dirs in runs.values() for d in dirs)
    grid = np.linspace(total / 50, total, 50)
    window = total / 20
    data = {"steps": grid.tolist(), "window": window, "designs": {}}
    for label, dirs in runs.items():
        curves = np.array([learning_curve(read_episodes(d), "flag", grid, window) for d in dirs])
        ends = np.array([mario_steps(d) for d in dirs])
        curves[grid[None, :] > ends[:, None]] = np.nan  # a run's curve stops where the run stopped
        mean, half = band(curves)
        data["designs"][label.split(",")[0]] = {"mean": mean.tolist(), "ci95": half.tolist(), "seeds": len(dirs)}
    path.parent.mkdir(parents=True, exist_ok=True)
    plot_curves(path, data, "Mario-v0 1-1: training episodes from demonstration starts, 2 CPU cores", "flag rate",
                legend="agent", bounds=(0.0, 1.0))
    return path


def pooled(evaluations: list[dict]) -> dict:
    """Several evaluations' episodes as one evaluation."""
    import numpy as np

    returns = [x for e in evaluations for x in e["returns"]]
    task_episodes = {k: [x for e in evaluations for x in e["task_episodes"][k]] for k in evaluations[0]["task_episodes"]}
    return {"episodes": len(returns), "return_mean": float(np.mean(returns)), "return_std": float(np.std(returns)),
            "task": {k: float(np.mean(v)) for k, v in task_episodes.items()}, "task_episodes": task_episodes}


def replace_block(path: Path, name: str, text: str) -> bool:
    """Put ``text`` between ``<!-- {name}:start -->`` and ``<!-- {name}:end -->``; False if the markers are absent."""
    content = path.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in content or end not in content:
        return False
    head, rest = content.split(start, 1)
    path.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1])
    return True


def mario_results(root: Path, seeds: list[int], readme: Path) -> bool:
    """Regenerate the README's Mario block from the runs, or leave it as it is and say what is missing."""
    missing = mario_missing(root, seeds)
    if missing:
        print("Mario table left as it is; missing:\n" + "\n".join(f"  {m}" for m in missing)
              + "\n(train and evaluate them: scripts/baseline_results.py --only mario --mario-runs DIR --seeds ...)")
        return False
    text = mario_lines(root, seeds)
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "mario.md").write_text(text + "\n")
    replace_block(readme, "mario-results", text)
    print(text)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted([*EXPERIMENTS, "mario"]), action="append",
                        help="experiment groups (default all but mario; mario trains up to 1M steps per run)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--table-only", action="store_true", help="rebuild the tables from existing runs, train nothing")
    parser.add_argument("--no-reference", action="store_true", help="skip the plain-SB3 timing reference")
    parser.add_argument("--mario-runs", type=Path, default=MARIO_RUNS, help="where the Mario runs live (default: %(default)s)")
    parser.add_argument("--mario-minutes", type=float, default=100.0,
                        help="wall-time budget of each Mario training call (resumed on the next call)")
    args = parser.parse_args(argv)
    groups = args.only or sorted(EXPERIMENTS)
    readme = ROOT / "README.md"
    if "mario" in groups:
        if not args.table_only:
            for name in MARIO_EXPERIMENTS:
                for seed in args.seeds:
                    train_mario(args.mario_runs, name, seed, args.mario_minutes)
        mario_results(args.mario_runs, args.seeds, readme)
        if groups == ["mario"]:
            return 0
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
    replace_block(readme, "results", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
