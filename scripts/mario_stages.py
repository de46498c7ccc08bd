"""One Mario policy over several stages: its flag rate on each, trained on or held out.

The run trains one policy with ``--per-env stage=...`` (env copy ``i`` plays stage ``i`` mod
the count, with demonstration starts), so it meets every stage that has a demonstration. Each
stage is then evaluated as every Mario result is (:mod:`scripts.mario_results`): from the
stage's start, 100 episodes greedy and 100 sampled under sticky actions 0.25, beside the
stage's demonstration replayed blind under the same sticky actions. The held-out stages have no
demonstration and were never played in training: they say whether the policy plays Mario or
remembers its stages.

``.venv/bin/python scripts/mario_stages.py [--train] [--evaluate] [--episodes 100]``:

- ``--train``: trains (or resumes, in ``--minutes`` slices) ``~/runs/mario_ppo_tiles_multistage_s{seed}``;
- ``--evaluate``: evaluates its present model on every stage (an evaluation of the same model is
  not repeated) into ``results/mario/stages/{run}.json``, and the blind replay of each trained
  stage's demonstration into ``results/mario/blind_replay_{stage}.json``;
- always: ``docs/mario_stages.md`` from the committed files only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines.rundir import CONFIG, STATE, RunDir  # noqa: E402
from rl_envs.mario.states import DEMOS  # noqa: E402
from scripts.generated_blocks import write_page  # noqa: E402
from scripts.mario_results import (  # noqa: E402
    EPISODES,
    RESULTS,
    RUNS,
    STICKY,
    blind_replay,
    evaluation_figures,
    frames_cost,
    millions,
)

PAGE = Path("docs") / "mario_stages.md"
NAME = "ppo_tiles_multistage"
LABEL = "PPO, tiles state (MLP 256x256), sticky 0.25 in training, demonstration starts on every trained stage"
HELD_OUT = ("1-3", "2-1", "4-1", "8-1")  # no demonstration: never played in training
STEPS = 3_000_000
TARGET = 0.5  # mean greedy flag rate under sticky 0.25 over the trained stages


def trained_stages() -> list[str]:
    return sorted(p.stem for p in DEMOS.glob("*.json"))


def run_dir(root: Path, seed: int) -> Path:
    return root / f"mario_{NAME}_s{seed}"


def train_command(root: Path, seed: int, minutes: float) -> list[str]:
    stages = trained_stages()
    return [".venv/bin/python", "-m", "baselines.train", "--algo", "ppo", "--env", "RLEnvs/Mario-v0",
            "--env-kwarg", "state=tiles", "--env-kwarg", f"sticky_actions={STICKY}", "--env-kwarg", "start=demo",
            "--per-env", "stage=" + ",".join(stages), "--n-envs", str(len(stages)), "--set", "vec_env=dummy",
            "--total-timesteps", str(STEPS), "--seed", str(seed), "--run-dir", str(run_dir(root, seed)),
            "--checkpoint-freq", "50000", "--eval-freq", "0", "--no-progress-bar", "--max-minutes", str(minutes),
            "--torch-threads", "1"]


def train(root: Path, seed: int, minutes: float) -> None:
    run = run_dir(root, seed)
    command = train_command(root, seed, minutes)
    if (run / CONFIG).exists():
        command = [".venv/bin/python", "-m", "baselines.train", "--resume", str(run), "--no-progress-bar",
                   "--max-minutes", str(minutes), "--torch-threads", "1"]
    subprocess.run([sys.executable, *command[1:]], check=True, cwd=ROOT)


def evaluate_stages(run: Path, stages: list[str], episodes: int) -> dict[str, dict[str, Any]]:
    """Per stage, greedy and sampled under sticky actions, from the stage's start."""
    from baselines.evaluate import evaluate

    steps = RunDir(run).load_state()["timesteps"]
    figures: dict[str, dict[str, Any]] = {}
    for stage in stages:
        figures[stage] = {}
        for mode, deterministic in (("greedy", True), ("sampled", False)):
            file = f"eval_stage_{stage}_sticky_{mode}.json"
            path = run / file
            old = json.loads(path.read_text()) if path.exists() else {}
            if old.get("timesteps") == steps and old.get("episodes") == episodes:
                result = old
            else:
                print(f"{stage} {mode}: {episodes} episodes", flush=True)
                result = evaluate(run, episodes=episodes, deterministic=deterministic, output=file, progress_bar=True,
                                  env_overrides={"stage": stage, "sticky_actions": STICKY})
            figures[stage][mode] = evaluation_figures(result)
    return figures


def summarize(run: Path, seed: int, episodes: int) -> Path:
    trained = trained_stages()
    state, config = RunDir(run).load_state(), RunDir(run).load_config()
    stages = list(config["args"]["per_env"].get("stage", trained))
    for stage in stages:
        if not (ROOT / RESULTS / f"blind_replay_{stage}.json").exists():
            blind_replay(stage)
    summary = {"name": NAME, "label": LABEL, "seed": seed, "steps": state["timesteps"],
               "train_minutes": round(state["wall_seconds"] / 60, 1),
               "frames": frames_cost(config, state["timesteps"]), "trained": stages,
               "held_out": [s for s in HELD_OUT if s not in stages],
               "stages": evaluate_stages(run, stages + [s for s in HELD_OUT if s not in stages], episodes),
               "command": " ".join(train_command(RUNS, seed, 100)).replace(str(Path.home()), "~"),
               "machine": config["machine"]}
    path = ROOT / RESULTS / "stages" / f"{NAME}_s{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path


# --- the page, from committed files only --------------------------------------------------------
def rate(figures: dict[str, Any]) -> str:
    return f"{figures['flag']:.2f}, x {figures['x_pos']:.0f}"


def table(results: Path, summary: dict[str, Any]) -> str:
    lines = [f"| stage | trained on | demonstration replayed blind, sticky {STICKY} | greedy, sticky {STICKY} | "
             f"sampled, sticky {STICKY} |", "|---|---|---|---|---|"]
    for stage, figures in summary["stages"].items():
        blind_file = results / f"blind_replay_{stage}.json"
        blind = rate(json.loads(blind_file.read_text())["sticky_actions"][str(STICKY)]) if blind_file.exists() else ""
        trained = "yes" if stage in summary["trained"] else "no (held out)"
        lines.append(f"| {stage} | {trained} | {blind} | {rate(figures['greedy'])} | {rate(figures['sampled'])} |")
    for group, label in (("trained", "trained stages"), ("held_out", "held-out stages")):
        stages = summary[group]
        if stages:
            means = [sum(summary["stages"][s][m]["flag"] for s in stages) / len(stages) for m in ("greedy", "sampled")]
            lines.append(f"| **mean, {label}** |  |  | {means[0]:.2f} | {means[1]:.2f} |")
    return "\n".join(lines)


def page(results: Path) -> str | None:
    """The page, or None while ``results/mario/stages/`` holds no summary."""
    files = sorted((results / "stages").glob("*.json"))
    if not files:
        return None
    parts = []
    for file in files:
        s = json.loads(file.read_text())
        episodes = {f["episodes"] for st in s["stages"].values() for f in st.values()}
        greedy = sum(s["stages"][t]["greedy"]["flag"] for t in s["trained"]) / len(s["trained"])
        verdict = "met" if greedy >= TARGET and min(episodes) >= EPISODES else "not met"
        f = s["frames"]
        parts.append(f"## {s['label']}, seed {s['seed']}\n\n{s['steps']:,} agent steps, {millions(f['total'])} "
                     f"emulator frames ({millions(f['rl'])} RL, {millions(f['demonstration'])} demonstration, "
                     f"{millions(f['planner'])} planner), {s['train_minutes']:.0f} minutes of training; "
                     f"{'/'.join(map(str, sorted(episodes)))} episodes per stage and mode.\n\n"
                     f"{table(results, s)}\n\nTarget (mean greedy flag rate >= {TARGET} over the trained stages, "
                     f"{EPISODES} episodes each): {verdict}.\n\n```bash\n{s['command']}\n```\n")
    return ("# One Mario policy, several stages\n\nOne policy trained on every stage that has a demonstration "
            "(the env copies play different stages, `--per-env stage=...`, each with demonstration starts and "
            f"sticky actions {STICKY}), evaluated on each stage from its start under the protocol of "
            "[the Mario results](mario_results.md), beside that stage's demonstration replayed blind, and on "
            "stages it never played.\n\n" + "\n".join(parts)
            + "\nGenerated by `scripts/mario_stages.py` from `results/mario/stages/`.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true", help="train (or resume) the run for a slice")
    parser.add_argument("--evaluate", action="store_true", help="evaluate the run's present model on every stage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--episodes", type=int, default=EPISODES,
                        help="episodes per stage and mode (default %(default)s)")
    parser.add_argument("--runs", type=Path, default=RUNS, help="where the runs live (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=100.0, help="wall minutes of a training slice")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes must be >= 1, got {args.episodes}")
    if args.train:
        train(args.runs, args.seed, args.minutes)
    if args.evaluate:
        run = run_dir(args.runs, args.seed)
        if RunDir(run).load_state() is None:
            raise SystemExit(f"{run}: not finished (no {STATE}); train it first (--train)")
        print(f"wrote {summarize(run, args.seed, args.episodes)}")
    write_page(ROOT / PAGE, page(ROOT / RESULTS), f"no multi-stage summary in {ROOT / RESULTS / 'stages'} yet: "
               f"{PAGE} not written (train with --train, then --evaluate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
