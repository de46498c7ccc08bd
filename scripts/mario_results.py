"""The Mario results, under the protocol every published Mario figure follows.

Protocol: evaluations start at the stage's start; 100 episodes greedy and 100 sampled under
sticky actions 0.25 (each frame repeats the previous frame's buttons with probability 0.25),
beside the deterministic greedy episode and beside the row "the demonstration's actions
replayed blind" under the same sticky actions: a learner has learned only where it beats that
row. Each run counts every emulator frame it cost (RL steps x frame skip, the demonstration
frames replayed for its starts and its behaviour cloning, the planner's search frames), and says
whether its greedy actions are the demonstration's, step for step.

``.venv/bin/python scripts/mario_results.py [--train] [--evaluate] [--seeds 0 1 2]``:

- ``--train``: trains each experiment of :data:`EXPERIMENTS` x seed under ``--runs`` (default
  ``~/runs``, outside the work tree), in ``--minutes`` slices that resume where the last one
  stopped; then each :data:`CONTINUED` one, a shipped agent's run trained on to more steps.
- ``--evaluate``: evaluates every finished run (:data:`EVALS`), measures its agreement with the
  demonstration, and writes its summary to ``results/mario/runs/{name}_s{seed}.json``; also the
  blind replay (``results/mario/blind_replay_{stage}.json``). ``--agent DIR`` does the same for a
  shipped agent (evaluated in a copy: ``agents/`` stays read only).
- always: the table, from the committed summaries only, into ``docs/mario_results.md`` and the
  README block between ``mario-results:start`` and ``mario-results:end``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines.rundir import BEHAVIOUR_CLONING, CONFIG, MODEL, SHIPPED, RunDir  # noqa: E402
from baselines.rundir import EPISODES as EPISODE_LOG  # noqa: E402
from scripts.generated_blocks import replace_block  # noqa: E402

RUNS = Path.home() / "runs"
RESULTS = Path("results") / "mario"  # relative to ROOT; committed
PAGE = Path("docs") / "mario_results.md"
PLOT = Path("docs") / "mario_training_flag_rate.png"  # written with --evaluate, from the runs' episode logs
STAGE = "1-1"
EPISODES = 100
STICKY = 0.25
STEPS = 1_000_000
GIF_AGENT, GIF_SEED = Path("agents") / "mario-1-1_ppo_tiles", 2  # docs/mario_agent_1-1.gif: scripts/agent_gif.py --seed 2
TARGET = 0.9  # greedy flag rate under sticky actions 0.25, on 2 of 3 seeds, within STEPS
TILES = ["--env-kwarg", "state=tiles", "--env-kwarg", f"sticky_actions={STICKY}", "--env-kwarg", "start=demo"]
# name -> (label, train arguments); run directory {--runs}/mario_{name}_s{seed}. The demonstration
# gives start states only (no cloning): what is measured is the design, not a copy.
EXPERIMENTS = {
    "ppo_tiles": ("PPO, tiles state (MLP 256x256), sticky 0.25 in training, demonstration starts",
                  ["--algo", "ppo", *TILES, "--set", "n_envs=8", "--set", "vec_env=dummy"]),
    "ppo_tiles_mixed": ("PPO, tiles state (MLP 256x256), sticky 0.25 in training, half the starts at the stage's "
                        "start, half along the demonstration",
                        ["--algo", "ppo", *TILES, "--env-kwarg", "demo_schedule=mixed", "--set", "n_envs=8",
                         "--set", "vec_env=dummy"]),
    "dqn_tiles": ("Double DQN, tiles state (MLP 256x256), sticky 0.25 in training, demonstration starts",
                  ["--algo", "dqn", *TILES, "--set", "buffer_size=50000"]),
}
# name -> (label, the shipped agent whose run goes on, agent steps it goes on to): the agent's
# model becomes the first checkpoint of run directory {--runs}/mario_{name}_s{its seed}, which
# --train resumes to the steps (same hyperparameters and env options as the agent's run).
CONTINUED = {
    "ppo_tiles_continued": ("PPO, tiles state (MLP 256x256), sticky 0.25 in training, demonstration starts: "
                            "seed 0's run continued", Path("agents") / "mario-1-1_ppo_tiles", 1_300_000),
}
# file -> (evaluate() keyword arguments, column of the table). The random agent plays the same
# starts whatever the agent, so its row comes from the summaries whose evaluation also played it
# (evaluate's random_baseline), not from every one.
EVALS = {
    "eval_deterministic.json": ({"episodes": 1, "deterministic": True, "env_overrides": {"sticky_actions": 0.0}},
                                "greedy, deterministic"),
    "eval_sticky_greedy.json": ({"episodes": EPISODES, "deterministic": True, "env_overrides": {"sticky_actions": STICKY}},
                                f"greedy, sticky {STICKY}, {EPISODES} episodes"),
    "eval_sticky_sampled.json": ({"episodes": EPISODES, "deterministic": False,
                                  "env_overrides": {"sticky_actions": STICKY}}, f"sampled, sticky {STICKY}, {EPISODES} episodes"),
}


def run_dir(root: Path, name: str, seed: int) -> Path:
    return root / f"mario_{name}_s{seed}"


def train_command(root: Path, name: str, seed: int, minutes: float) -> list[str]:
    return [".venv/bin/python", "-m", "baselines.train", "--env", "RLEnvs/Mario-v0", *EXPERIMENTS[name][1],
            "--total-timesteps", str(STEPS), "--seed", str(seed), "--run-dir", str(run_dir(root, name, seed)),
            "--checkpoint-freq", "50000", "--eval-freq", "0", "--no-progress-bar", "--max-minutes", str(minutes),
            "--torch-threads", "1"]


def continued_dir(root: Path, name: str) -> Path | None:
    """Where a :data:`CONTINUED` experiment's run lives (named by its agent's seed); None without the agent."""
    agent = ROOT / CONTINUED[name][1]
    if not (agent / CONFIG).exists():
        return None
    return run_dir(root, name, RunDir(agent).load_config()["args"]["seed"])


def continued_run(root: Path, name: str) -> Path:
    """The run directory of a :data:`CONTINUED` experiment, made from its agent if it is not there yet."""
    _, agent, _ = CONTINUED[name]
    run = continued_dir(root, name)
    if not (run / CONFIG).exists():
        config = RunDir(ROOT / agent).load_config()
        state = RunDir(ROOT / agent).load_state()
        run.mkdir(parents=True, exist_ok=True)
        config["args"]["run_dir"] = str(run)
        RunDir(run).save_config(config)
        RunDir(run).write_checkpoint(
            state["timesteps"], lambda tmp: shutil.copyfile(ROOT / agent / MODEL, Path(tmp) / MODEL),
            {"algo": config["args"]["algo"], "wall_seconds": state["wall_seconds"], "replay_buffer": False,
             "unfinished": []})
    return run


def continue_command(run: Path, name: str, minutes: float) -> list[str]:
    return [".venv/bin/python", "-m", "baselines.train", "--resume", str(run), "--total-timesteps",
            str(CONTINUED[name][2]), "--no-progress-bar", "--max-minutes", str(minutes), "--torch-threads", "1"]


def train(root: Path, name: str, seed: int, minutes: float) -> None:
    """One slice of ``minutes`` of a run: a new one, or a resumption of one short of its steps."""
    run = run_dir(root, name, seed)
    command = train_command(root, name, seed, minutes)
    if (run / CONFIG).exists():
        state = RunDir(run).load_state()
        if state is not None and state["timesteps"] >= STEPS:
            return
        command = [".venv/bin/python", "-m", "baselines.train", "--resume", str(run), "--no-progress-bar",
                   "--max-minutes", str(minutes), "--torch-threads", "1"]
    subprocess.run([sys.executable, *command[1:]], check=True, cwd=ROOT)


# --- frames an agent cost -----------------------------------------------------------------------
def frames_cost(config: dict[str, Any], steps: int) -> dict[str, int]:
    """Emulator frames: the RL steps' (steps x frame skip; an episode's last step may emulate
    fewer), the demonstrations' replays (once per env copy for its start states, of the copy's
    own stage under ``--per-env stage=...``; once per idle start for behaviour cloning) and the
    planner's searches that found them (expansions x held frames, once per stage)."""
    import gymnasium as gym

    from baselines.factories import evaluation_kwargs
    from rl_envs.mario.demonstrations import read

    args = config["args"]
    kwargs = args["env_kwargs"]
    env = gym.make(args["env"], **evaluation_kwargs(args["env"], kwargs))
    skip, stage = env.unwrapped.frame_skip, env.unwrapped.stage
    env.close()
    per_env = args.get("per_env", {}).get("stage") or [stage]
    replays = {}  # stage -> replays of its demonstration
    if kwargs.get("start") == "demo":
        for i in range(config["n_envs"]):
            replays[per_env[i % len(per_env)]] = replays.get(per_env[i % len(per_env)], 0) + 1
    if args.get("bc_demo"):
        replays[stage] = replays.get(stage, 0) + args.get("bc_idle", 0) + 1
    demo_frames = planner_frames = 0
    for played, count in replays.items():
        _, demo = read(kwargs.get("demo") if played == stage else None, played)
        demo_frames += count * len(demo.frames)
        planner_frames += int(demo.meta.get("expansions", 0)) * int(demo.meta.get("hold", 0))
    return {"rl": steps * skip, "demonstration": demo_frames, "planner": planner_frames,
            "total": steps * skip + demo_frames + planner_frames}


# --- evaluation into committed summaries --------------------------------------------------------
def evaluation_figures(result: dict[str, Any]) -> dict[str, Any]:
    figures = {"episodes": result["episodes"], "flag": result["task"]["flag"], "x_pos": result["task"]["x_pos"],
               "return_mean": result["return_mean"]}
    if "random" in result:
        figures["random"] = {"flag": result["random"]["task"]["flag"], "x_pos": result["random"]["task"]["x_pos"]}
    return figures


def summarize(run: Path, name: str, label: str, seed: int | None, command: str,
              evals: dict[str, tuple[dict[str, Any], str]] = EVALS) -> dict[str, Any]:
    """Evaluate ``run`` (what has no evaluation of its present model, with ``evals``' episodes) and return its summary."""
    from baselines.demonstrations import demonstration_agreement
    from baselines.evaluate import evaluate

    rundir = RunDir(run)
    state, config = rundir.load_state(), rundir.load_config()
    evaluations = {}
    for file, (kwargs, _) in evals.items():
        path = run / file
        old = json.loads(path.read_text()) if path.exists() else {}
        done = old.get("timesteps") == state["timesteps"] and old.get("episodes") == kwargs["episodes"]
        result = old if done else evaluate(run, output=file, progress_bar=True, **kwargs)
        evaluations[file] = evaluation_figures(result)
    fit = run / BEHAVIOUR_CLONING
    fit_seconds = json.loads(fit.read_text()).get("seconds", 0.0) if fit.exists() else 0.0
    return {"name": name, "label": label, "seed": seed, "steps": state["timesteps"],
            "train_minutes": round((state["wall_seconds"] + fit_seconds) / 60, 1),
            "frames": frames_cost(config, state["timesteps"]), "evaluations": evaluations,
            "agreement": demonstration_agreement(run), "command": command.replace(str(Path.home()), "~"),
            "machine": config["machine"]}


def write_summary(summary: dict[str, Any]) -> Path:
    seed = f"_s{summary['seed']}" if summary["seed"] is not None else ""
    path = ROOT / RESULTS / "runs" / f"{summary['name']}{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path


def training_plot(root: Path, seeds: list[int]) -> Path | None:
    """The flag rate of each run's training episodes (which start along the demonstration)
    against its steps: docs/mario_training_flag_rate.png; None when no run has episodes."""
    import numpy as np

    from baselines.compare.report import learning_curve, plot_curves, read_episodes

    runs = {f"{name} s{seed}": run_dir(root, name, seed) for name in EXPERIMENTS for seed in seeds
            if (run_dir(root, name, seed) / EPISODE_LOG).exists()}
    if not runs:
        return None
    records = {label: read_episodes(path) for label, path in runs.items()}
    total = max(r[-1]["step"] for r in records.values() if r)
    grid = np.linspace(total / 50, total, 50)
    data = {"steps": grid.tolist(), "window": total / 20, "designs": {}}
    for label, episodes in records.items():
        curve = learning_curve(episodes, "flag", grid, total / 20)
        curve[grid > episodes[-1]["step"]] = np.nan  # a curve stops where its run stopped
        data["designs"][label] = {"mean": curve.tolist(), "ci95": [0.0] * len(grid), "seeds": 1}
    path = ROOT / PLOT
    plot_curves(path, data, f"Mario {STAGE}: training episodes (demonstration starts, sticky {STICKY})", "flag rate",
                legend="run", bounds=(0.0, 1.0))
    return path


def evaluate_runs(root: Path, seeds: list[int]) -> list[str]:
    """Summaries of every finished run of :data:`EXPERIMENTS`; the runs that are not finished."""
    training_plot(root, seeds)
    waiting = []
    for name, (label, _) in EXPERIMENTS.items():
        for seed in seeds:
            run = run_dir(root, name, seed)
            if not run.is_dir() or RunDir(run).load_state() is None:
                waiting.append(f"{run}: not finished")
                continue
            write_summary(summarize(run, name, label, seed, " ".join(train_command(RUNS, name, seed, 100))))
    for name, (label, agent, steps) in CONTINUED.items():
        run = continued_dir(root, name)
        if run is None:
            waiting.append(f"{agent}: no such agent to continue")
            continue
        state = RunDir(run).load_state() if (run / CONFIG).exists() else None
        if state is None or state["timesteps"] < steps:
            waiting.append(f"{run}: not finished")
            continue
        documented = continued_dir(RUNS, name)
        command = (f"{agent}'s model as the first checkpoint of {documented}, then "
                   + " ".join(continue_command(documented, name, 100)))
        write_summary(summarize(run, name, label, RunDir(run).load_config()["args"]["seed"], command))
    return waiting


def evaluate_agent(agent: Path, work: Path) -> Path:
    """A shipped agent's summary, evaluated in a copy under ``work`` (``agents/`` stays read only)."""
    copy = work / f"agent_{agent.name}"
    if not copy.exists():  # an existing copy keeps the evaluations it already has
        shutil.copytree(agent, copy)
        (copy / SHIPPED).unlink()
    label = f"shipped agent {agent.name} ({RunDir(copy).load_config()['args']['algo']})"
    return write_summary(summarize(copy, f"agent_{agent.name}", label, None, f"agents/{agent.name}"))


def blind_replay(stage: str = STAGE) -> Path:
    """The demonstration's buttons replayed blind, deterministic and under sticky actions."""
    from rl_envs.mario.demonstrations import replay_blind
    from rl_envs.mario.states import load, shipped

    demo = load(shipped(stage))
    rows = {}
    for sticky, episodes in ((0.0, 1), (STICKY, EPISODES)):
        result = replay_blind(demo, episodes=episodes, sticky_actions=sticky)
        rows[str(sticky)] = {"episodes": result.episodes, "flag": result.flag_rate, "x_pos": result.mean_x}
    path = ROOT / RESULTS / f"blind_replay_{stage}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"stage": stage, "demonstration": f"rl_envs/mario/demos/{stage}.json",
                                "frames": len(demo.frames), "sticky_actions": rows}, indent=2) + "\n")
    return path


def planner_agreement(stage: str = STAGE) -> dict[str, Any]:
    """The planner's actions in the deterministic game against the demonstration's, step by step."""
    import gymnasium as gym

    from rl_envs.mario.demonstrations import actions_of
    from rl_envs.mario.planner import Planner
    from rl_envs.mario.states import load, shipped

    env = gym.make("RLEnvs/Mario-v0", stage=stage, state="tiles")
    planner = Planner(env)
    try:
        env.reset(seed=0)
        taken: list[Any] = []
        while True:
            taken.append(planner.act())
            _, _, terminated, truncated, _ = env.step(taken[-1])
            if terminated or truncated:
                break
        demo = actions_of(load(shipped(stage)), env)
    finally:
        planner.close()
        env.close()
    first = next((i for i, (a, b) in enumerate(zip(taken, demo)) if a != b), None)
    if first is None and len(taken) != len(demo):
        first = min(len(taken), len(demo))
    return {"steps": len(taken), "demonstration_steps": len(demo), "identical": first is None, "first_difference": first}


def planner_reference(stage: str = STAGE, episodes: int = EPISODES, workers: int = 2) -> Path:
    """The planner that plans while it plays (:mod:`rl_envs.mario.planner`), deterministic and
    under sticky actions, in the tiles agents' env, evaluated as they are. The sticky episodes
    are split between ``workers`` processes (one core each), process i seeded EVAL_SEED + i."""
    from concurrent.futures import ProcessPoolExecutor

    from baselines.args import EVAL_SEED
    from baselines.evaluate import evaluate_planner

    rows = {}
    for sticky, count in ((0.0, 1), (STICKY, episodes)):
        kwargs = {"stage": stage, "state": "tiles", "sticky_actions": sticky}
        shares = [count // workers + (i < count % workers) for i in range(min(workers, count))]
        with ProcessPoolExecutor(len(shares)) as pool:
            parts = list(pool.map(partial(evaluate_planner, progress_bar=True), [kwargs] * len(shares), shares,
                                  [EVAL_SEED + i for i in range(len(shares))]))  # a bar per process
        flags = [f for part in parts for f in part["task_episodes"]["flag"]]
        xs = [x for part in parts for x in part["task_episodes"]["x_pos"]]
        frames, steps = sum(p["frames_searched"] for p in parts), sum(sum(p["lengths"]) for p in parts)
        rows[str(sticky)] = {"episodes": len(flags), "flag": sum(flags) / len(flags), "x_pos": sum(xs) / len(xs),
                             "frames_searched": frames, "frames_searched_per_step": round(frames / steps, 1),
                             "steps": steps, "wall_seconds": round(sum(p["wall_seconds"] for p in parts), 1),
                             "processes": len(parts), "seeds": [p["seed"] for p in parts], "flags": flags,
                             "furthest_x": xs}
    demo = json.loads((ROOT / "rl_envs" / "mario" / "demos" / f"{stage}.json").read_text())["meta"]
    path = ROOT / RESULTS / f"planner_{stage}.json"
    path.write_text(json.dumps({"stage": stage, "env_kwargs": parts[0]["env_kwargs"], "planner": parts[0]["planner"],
                                "agreement": planner_agreement(stage),
                                "demonstration": f"rl_envs/mario/demos/{stage}.json",
                                "demonstration_search_frames": demo.get("emulator_frames") or demo["expansions"] * demo["hold"],
                                "command": f".venv/bin/python scripts/mario_results.py --planner --planner-episodes {episodes}",
                                "sticky_actions": rows}, indent=2) + "\n")
    return path


# --- the table, from committed files only -------------------------------------------------------
PLANNER_LABEL = "the planner, planning while it plays (the emulator as its model)"


def planner_same(planner: dict[str, Any]) -> str:
    """The agreement column of the planner's row: its deterministic actions against the demonstration's."""
    agreement = planner.get("agreement")
    if agreement is None:
        return ""
    if agreement["identical"]:
        return f"yes, all {agreement['steps']} steps (deterministic)"
    return (f"no: differs at step {agreement['first_difference']} of {agreement['demonstration_steps']} "
            "(deterministic: it mends what a late press would break)")


def planner_figures(results: Path, stage: str = STAGE) -> dict[str, Any] | None:
    """The planner's committed rows (deterministic and sticky), with the frames its model played
    per episode and per step under sticky actions; None before ``--planner`` wrote them."""
    path = results / f"planner_{stage}.json"
    if not path.exists():
        return None
    content = json.loads(path.read_text())
    rows = content["sticky_actions"]
    sticky = rows[str(STICKY)]
    return {**rows, "demonstration_search_frames": content["demonstration_search_frames"], "agreement": content.get("agreement"),
            "frames_per_episode": sticky["frames_searched"] / sticky["episodes"],
            "frames_per_step": sticky["frames_searched_per_step"],
            "seconds_per_episode": sticky["wall_seconds"] / sticky["episodes"]}  # summed over processes


def cell(figures: dict[str, Any]) -> str:
    if figures["episodes"] == 1:
        return f"flag (x {figures['x_pos']:.0f})" if figures["flag"] else f"no flag, x {figures['x_pos']:.0f}"
    return f"{figures['flag']:.2f}, x {figures['x_pos']:.0f}"


def millions(frames: int) -> str:
    return f"{frames / 1e6:.2f}M" if frames >= 100_000 else f"{frames:,}"


def run_summaries(results: Path) -> list[dict[str, Any]]:
    """The committed summaries of ``results/mario/runs/``, by file name."""
    return [json.loads(p.read_text()) for p in sorted((results / "runs").glob("*.json"))]


def best_of_each(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per label (an agent or an experiment), the summary with the highest greedy flag rate under sticky actions."""
    best: dict[str, dict[str, Any]] = {}
    for s in summaries:
        flag = s["evaluations"]["eval_sticky_greedy.json"]["flag"]
        if s["label"] not in best or flag > best[s["label"]]["evaluations"]["eval_sticky_greedy.json"]["flag"]:
            best[s["label"]] = s
    return [s for s in summaries if best[s["label"]] is s]


def table(results: Path, best_only: bool = False) -> str:
    """Every summary's row (``best_only``: the best seed of each experiment), the blind replay's and the random agent's."""
    summaries = run_summaries(results)
    summaries = best_of_each(summaries) if best_only else summaries
    blind_file = results / f"blind_replay_{STAGE}.json"
    if not summaries or not blind_file.exists():
        raise SystemExit(f"no Mario results in {results} (run scripts/mario_results.py --evaluate)")
    blind = json.loads(blind_file.read_text())["sticky_actions"]
    header = ["agent", "seed", "steps", "emulator frames (RL + demonstration + planner)", "train minutes",
              *(column for _, column in EVALS.values()), "greedy actions = the demonstration's"]
    lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---|---:|---|---|---|---|"]
    randoms = []
    for s in summaries:
        f = s["frames"]
        agreement = s["agreement"]
        same = ("yes, all {steps} steps" if agreement["identical"] else
                "no: differs at step {first_difference} of {demonstration_steps}").format(**agreement)
        lines.append(f"| {s['label']} | {'' if s['seed'] is None else s['seed']} | {s['steps']:,} | "
                     f"{millions(f['total'])} ({millions(f['rl'])} + {millions(f['demonstration'])} + "
                     f"{millions(f['planner'])}) | {s['train_minutes']:.0f} | "
                     + " | ".join(cell(s["evaluations"][file]) for file in EVALS) + f" | {same} |")
        if "random" in s["evaluations"]["eval_sticky_greedy.json"]:
            randoms.append(s["evaluations"]["eval_sticky_greedy.json"]["random"])
    sticky = blind[str(STICKY)]
    lines.append(f"| **the demonstration's actions replayed blind** |  |  |  |  | "
                 f"{cell({**blind['0.0'], 'episodes': 1})} | {cell(sticky)} |  |  |")
    planner = planner_figures(results)
    if planner is not None:
        lines.append(f"| **{PLANNER_LABEL}** |  |  | {millions(planner['demonstration_search_frames'])} + "
                     f"{planner['frames_per_episode']:,.0f} per episode ({planner['frames_per_step']:.0f} per step) |  | "
                     f"{cell(planner['0.0'])} | {cell(planner[str(STICKY)])} |  | {planner_same(planner)} |")
    if randoms:
        flag = sum(r["flag"] for r in randoms) / len(randoms)
        x = sum(r["x_pos"] for r in randoms) / len(randoms)
        lines.append(f"| uniformly random actions ({len(randoms)} evaluation{'s' if len(randoms) > 1 else ''}) |  |  |  |  |  | "
                     f"{flag:.2f}, x {x:.0f} |  |  |")
    return "\n".join(lines)


def verdicts(results: Path) -> str:
    summaries = run_summaries(results)
    blind = json.loads((results / f"blind_replay_{STAGE}.json").read_text())["sticky_actions"][str(STICKY)]["flag"]
    groups: dict[str, list[dict]] = {}
    for s in summaries:
        groups.setdefault(s["label"], []).append(s)
    lines = []
    for label, runs in groups.items():
        flags = [r["evaluations"]["eval_sticky_greedy.json"]["flag"] for r in runs]
        met = sum(f >= TARGET and r["steps"] <= STEPS for f, r in zip(flags, runs))
        beats = sum(f > blind for f in flags)
        lines.append(f"- {label}: greedy flag rate under sticky {STICKY} {', '.join(f'{f:.2f}' for f in flags)} "
                     f"({len(runs)} run{'s' if len(runs) > 1 else ''}); {beats} beat the blind replay ({blind:.2f}); "
                     f"target (>= {TARGET} on 2 of 3 seeds within {STEPS:,} steps) "
                     + ("met" if met >= 2 else "not met"))
    return "\n".join(lines)


def planner_paragraph(results: Path) -> str:
    planner = planner_figures(results)
    if planner is None:
        return ""
    sticky = planner[str(STICKY)]
    missed = sorted(int(x) for x, flag in zip(sticky["furthest_x"], sticky["flags"]) if not flag)
    return (f"The planner's row is what planning with the emulator as its model achieves, the reference for the "
            "learners (`rl_envs.mario.planner`, evaluated by `scripts/mario_results.py --planner` through the same "
            "episodes and metrics as the agents): it follows the demonstration while the game's RAM is what its model "
            "predicted, and where a sticky frame put the game elsewhere it plays the plan ahead in its own "
            "emulator and, if Mario would die or fall behind, mends the plan with a short beam search from the "
            f"game's state. Under sticky actions {STICKY} it searched {planner['frames_per_episode']:,.0f} frames per "
            f"episode ({planner['frames_per_step']:.0f} per step), {planner['seconds_per_episode']:.0f} s per episode "
            f"on one core; {sum(sticky['flags']):.0f} of {sticky['episodes']} episodes reached the flag"
            + (f" (the others ended at x {', '.join(map(str, missed))})" if missed else "") + ".\n\n")


def planner_stages_table(results: Path) -> str:
    """The planner on every stage it was measured on, beside that stage's blind replay."""
    stages = sorted(p.stem.removeprefix("planner_") for p in results.glob("planner_*.json"))
    if not stages:
        return ""
    lines = [f"| stage | demonstration replayed blind, sticky {STICKY} | the planner, deterministic | the planner, sticky "
             f"{STICKY} | episodes | frames searched per step | seconds per episode |", "|---|---|---|---|---:|---:|---:|"]
    for stage in stages:
        planner = planner_figures(results, stage)
        blind_file = results / f"blind_replay_{stage}.json"
        blind = cell(json.loads(blind_file.read_text())["sticky_actions"][str(STICKY)]) if blind_file.exists() else ""
        sticky = planner[str(STICKY)]
        lines.append(f"| {stage} | {blind} | {cell(planner['0.0'])} | {cell(sticky)} | {sticky['episodes']} | "
                     f"{planner['frames_per_step']:.0f} | {planner['seconds_per_episode']:.0f} |")
    return ("The planner on every stage it was measured on (`scripts/mario_results.py --planner --planner-stage S`):\n\n"
            + "\n".join(lines) + "\n\n")


def page(results: Path) -> str:
    summaries = run_summaries(results)
    commands = "\n".join(f"{s['command']}" for s in summaries if s["command"].startswith(".venv"))
    return (f"# Mario results\n\nWorld {STAGE}, evaluated from the stage's start. The protocol: 100 episodes greedy "
            f"and 100 sampled under sticky actions {STICKY} (each frame repeats the previous frame's buttons with "
            "probability 0.25, Machado et al. 2018), beside the deterministic greedy episode and beside the "
            "demonstration's actions replayed blind: an agent has learned only where it beats that row. Frames "
            "count every emulator frame the agent cost.\n\n"
            f"{table(results)}\n\n{verdicts(results)}\n\n{planner_paragraph(results)}{planner_stages_table(results)}"
            + (f"![training flag rate]({PLOT.name})\n\n*The flag rate of the training episodes, which start "
               "along the demonstration (not at the stage's start), per run.*\n\n" if (ROOT / PLOT).exists() else "")
            + f"Generated by `scripts/mario_results.py` from `results/mario/`. Training commands:\n\n"
              f"```bash\n{commands}\n```\n")


def gif_line() -> str:
    """The README's GIF of the shipped tiles agent, captioned with its own greedy flag rate under sticky actions."""
    flag = json.loads((ROOT / GIF_AGENT / "eval_sticky_greedy.json").read_text())["task"]["flag"]
    return (f"![the shipped agent {GIF_AGENT.name} clearing {STAGE} greedily under sticky actions {STICKY} "
            f"(seed {GIF_SEED}; its greedy flag rate there: {flag:.0%})](docs/mario_agent_{STAGE}.gif)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true", help="train (or resume) every experiment x seed for a slice")
    parser.add_argument("--evaluate", action="store_true", help="evaluate finished runs into results/mario/")
    parser.add_argument("--agent", type=Path, action="append", default=[], help="a shipped agent to evaluate (a copy)")
    parser.add_argument("--blind", action="store_true", help="measure the blind replay of the demonstration")
    parser.add_argument("--planner", action="store_true", help="measure the planner that plans while it plays")
    parser.add_argument("--planner-episodes", type=int, default=EPISODES, help="its episodes under sticky actions")
    parser.add_argument("--planner-stage", nargs="+", default=[STAGE], help="the stages it plays (default: %(default)s)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--runs", type=Path, default=RUNS, help="where the runs live (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=100.0, help="wall minutes of each training slice")
    args = parser.parse_args(argv)
    if args.train:
        for name in EXPERIMENTS:
            for seed in args.seeds:
                train(args.runs, name, seed, args.minutes)
        for name in CONTINUED:
            run = continued_run(args.runs, name)
            state = RunDir(run).load_state()
            if state is None or state["timesteps"] < CONTINUED[name][2]:
                command = continue_command(run, name, args.minutes)
                subprocess.run([sys.executable, *command[1:]], check=True, cwd=ROOT)
    if args.evaluate:
        for line in evaluate_runs(args.runs, args.seeds):
            print(line)
    for agent in args.agent:
        print(f"wrote {evaluate_agent(agent, args.runs)}")
    if args.blind:
        print(f"wrote {blind_replay()}")
    if args.planner:
        for stage in args.planner_stage:
            if not (ROOT / RESULTS / f"blind_replay_{stage}.json").exists():
                print(f"wrote {blind_replay(stage)}")
            print(f"wrote {planner_reference(stage, args.planner_episodes)}")
    results = ROOT / RESULTS
    (ROOT / PAGE).write_text(page(results))
    replace_block(ROOT / "README.md", "mario-results", table(results, best_only=True)
                  + f"\n\nThe best seed of each; every run and the training commands: [the Mario results]({PAGE})."
                  + f"\n\n{gif_line()}")
    print(f"wrote {ROOT / PAGE} and the README's Mario table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
