"""The lectures' Mario design questions, each answered by a comparison under the Mario protocol.

A study is one ``rl-envs-baselines compare`` on World 1-1 (sticky actions 0.25 in training, the
demonstration used only as start states, 3 seeds per design, one budget of agent steps per run),
whose every run is then evaluated as every Mario result is (:mod:`scripts.mario_results`): from
the stage's start, 100 episodes greedy and 100 sampled under sticky actions 0.25, the
deterministic greedy episode, the agreement of the greedy actions with the demonstration, and
every emulator frame the run cost, beside the demonstration's actions replayed blind.

``.venv/bin/python scripts/mario_studies.py [--run STUDY] [--evaluate STUDY]``:

- ``--run``: runs (or resumes: ``compare`` skips finished runs) the study's comparison into
  ``~/runs/study_{study}_1-1`` (outside the work tree);
- ``--evaluate``: evaluates every finished run of it into ``results/mario/studies/{study}/``;
- always: ``docs/mario_studies.md`` from the committed files only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from statistics import fmean as mean
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baselines.args import EVAL_SEED  # noqa: E402
from baselines.compare.worker import finished  # noqa: E402
from baselines.rundir import EVAL, RunDir  # noqa: E402
from scripts.generated_blocks import write_page  # noqa: E402
from scripts.mario_results import (  # noqa: E402
    EPISODES,
    EVALS,
    PLANNER_LABEL,
    RESULTS,
    RUNS,
    STAGE,
    STICKY,
    cell,
    millions,
    planner_figures,
    summarize,
)

PAGE = Path("docs") / "mario_studies.md"
SEEDS = 3
COMMON = ["--env", "RLEnvs/Mario-v0", "--algo", "ppo", "--seeds", str(SEEDS), "--env-kwarg", f"sticky_actions={STICKY}",
          "--env-kwarg", "start=demo", "--set", "n_envs=8", "--set", "vec_env=dummy", "--eval-episodes", str(EPISODES)]
TILES = ["--env-kwarg", "state=tiles"]  # the state of every study but the one that varies it
# study -> (question, the comparison's own options, agent steps per run)
STUDIES: dict[str, tuple[str, list[str], int]] = {
    "reward": ("Which reward: 1 for beating the level (`clear`), the game's score (`score`), their sum "
               "(`clear_plus_score`), or the library's progress to the right (`progress`)?",
               [*TILES, "--designs", "clear,score,clear_plus_score,progress"], 80_000),
    "actions": ("Which action design: one button at a time (`buttons`), any combination ({0,1}^6, "
                "`multibinary`), direction x jump/run (`factored`), or the library's seven combinations (`simple`)?",
                [*TILES, "--designs", "progress", "--vary", "actions=buttons,multibinary,factored,simple"], 80_000),
    "state": ("Which state: the game's memory (`ram`), the tile grid (`tiles`), the DQN paper's 84x84 stack of "
              "4 grey frames (`dqn`), or two full-colour frames (`pixels_pair`)?",
              ["--designs", "progress", "--vary", "state=ram,tiles,dqn,pixels_pair"], 80_000),
    "markov": ("Is one observation a Markov state? The tile grid with Mario's and the enemies' velocities "
               "(`markov=True`) or without (`markov=False`), for PPO with no memory and for an LSTM policy "
               "(`ppo_lstm`, sb3-contrib's RecurrentPPO).",
               [*TILES, "--designs", "progress", "--vary", "markov=True,False", "--vary", "algo=ppo,ppo_lstm"], 80_000),
}


def curves_file(study: str) -> Path:
    """The comparison's learning curves, copied beside the page."""
    return ROOT / "docs" / f"mario_study_{study}_curves.png"


def out_dir(root: Path, study: str) -> Path:
    return root / f"study_{study}_{STAGE}"


def command(root: Path, study: str) -> list[str]:
    _, options, steps = STUDIES[study]
    return [".venv/bin/python", "-m", "baselines.compare.cli", *COMMON, *options, "--total-timesteps", str(steps),
            "--out", str(out_dir(root, study))]


def run(root: Path, study: str) -> None:
    subprocess.run([sys.executable, *command(root, study)[1:]], check=True, cwd=ROOT)


def reuse_comparison_evaluation(run_dir: Path) -> None:
    """The comparison's own evaluation is the sampled one under sticky actions (Mario's PPO
    evaluates sampled; the run trained with sticky actions): keep it under that name rather than
    play the same 100 episodes again."""
    path, name = run_dir / EVAL, "eval_sticky_sampled.json"
    if not path.exists() or (run_dir / name).exists():
        return
    result = json.loads(path.read_text())
    kwargs, _ = EVALS[name]
    same = (result.get("episodes") == kwargs["episodes"] and result.get("deterministic") is False
            and result.get("env_kwargs", {}).get("sticky_actions") == STICKY and result.get("seed") == EVAL_SEED)
    if same:
        shutil.copyfile(path, run_dir / name)


def evaluate_study(root: Path, study: str, greedy_episodes: int = EPISODES) -> list[Path]:
    """Every finished run's summary; ``greedy_episodes`` below the protocol's is reported as such on the page."""
    out = out_dir(root, study)
    evals = {**EVALS, "eval_sticky_greedy.json": (
        {**EVALS["eval_sticky_greedy.json"][0], "episodes": greedy_episodes}, EVALS["eval_sticky_greedy.json"][1])}
    written = []
    for run_dir in sorted((out / "runs").glob("*__seed*")):
        result = finished(run_dir)
        if result is None or RunDir(run_dir).load_state() is None:
            print(f"{run_dir.name}: not finished, skipped")
            continue
        reuse_comparison_evaluation(run_dir)
        label = result["design"]
        summary = summarize(run_dir, study, label, int(result["seed"]), " ".join(command(RUNS, study)), evals)
        summary["design_returns"] = result.get("design_returns", {})
        summary["score"] = result.get("task", {}).get("score")
        path = ROOT / RESULTS / "studies" / study / f"{run_dir.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2) + "\n")
        written.append(path)
        print(f"wrote {path}")
    if (out / "learning_curves.png").exists():
        shutil.copyfile(out / "learning_curves.png", curves_file(study))
    return written


# --- the page, from committed files only --------------------------------------------------------
def short_labels(labels: list[str]) -> dict[str, str]:
    """Each comparison label without the ``axis=value`` parts every label shares (``reward=progress,
    actions=buttons`` -> ``actions=buttons``); a reward design's own name stays as it is.

    >>> short_labels(["reward=progress, actions=buttons", "reward=progress, actions=simple"])
    {'reward=progress, actions=buttons': 'actions=buttons', 'reward=progress, actions=simple': 'actions=simple'}
    """
    parts = {label: label.split(", ") for label in labels}
    shared = set.intersection(*(set(p) for p in parts.values())) if len(parts) > 1 else set()
    return {label: ", ".join(p for p in split if p not in shared) or label for label, split in parts.items()}


def study_table(summaries: list[dict[str, Any]], blind: dict[str, Any], planner: dict[str, Any] | None = None) -> str:
    """The study's rows, the blind replay's and (when measured) the planner's."""
    names = short_labels(sorted({s["label"] for s in summaries}))
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in summaries:
        groups.setdefault(names[s["label"]], []).append(s)
    greedy_n = sorted({r["evaluations"]["eval_sticky_greedy.json"]["episodes"] for r in summaries})
    sampled_n = sorted({r["evaluations"]["eval_sticky_sampled.json"]["episodes"] for r in summaries})
    lines = [f"| design | seeds | steps per run | emulator frames per run | greedy, sticky {STICKY}, "
             f"{'/'.join(map(str, greedy_n))} episodes (per seed) | "
             f"sampled, sticky {STICKY}, {'/'.join(map(str, sampled_n))} episodes (per seed) | mean furthest x, greedy | "
             "mean furthest x, sampled | mean score, sampled | greedy, deterministic | greedy actions = the demonstration's |",
             "|---|---:|---:|---:|---|---|---:|---:|---:|---|---|"]
    for label, runs in groups.items():
        runs = sorted(runs, key=lambda r: r["seed"])
        greedy = [r["evaluations"]["eval_sticky_greedy.json"] for r in runs]
        sampled = [r["evaluations"]["eval_sticky_sampled.json"] for r in runs]
        deterministic = ", ".join(cell(r["evaluations"]["eval_deterministic.json"]) for r in runs)
        same = sum(r["agreement"]["identical"] for r in runs)
        scores = [r["score"] for r in runs if r.get("score") is not None]
        score = f"{mean(scores):.0f}" if scores else ""
        lines.append(
            f"| {label} | {len(runs)} | {runs[0]['steps']:,} | {millions(runs[0]['frames']['total'])} | "
            f"{mean([g['flag'] for g in greedy]):.2f} ({', '.join(f'{g['flag']:.2f}' for g in greedy)}) | "
            f"{mean([s['flag'] for s in sampled]):.2f} ({', '.join(f'{s['flag']:.2f}' for s in sampled)}) | "
            f"{mean([g['x_pos'] for g in greedy]):.0f} | {mean([s['x_pos'] for s in sampled]):.0f} | {score} | {deterministic} | "
            f"{'yes' if same == len(runs) else f'{same} of {len(runs)}'} |")
    sticky = blind[str(STICKY)]
    beats = [f"{label}: greedy {sum(r['evaluations']['eval_sticky_greedy.json']['flag'] > sticky['flag'] for r in runs)}, "
             f"sampled {sum(r['evaluations']['eval_sticky_sampled.json']['flag'] > sticky['flag'] for r in runs)} of "
             f"{len(runs)} seeds" for label, runs in groups.items()]
    lines.append(f"| **the demonstration's actions replayed blind** |  |  |  | {cell(sticky)} |  | "
                 f"{sticky['x_pos']:.0f} |  |  | {cell({**blind['0.0'], 'episodes': 1})} |  |")
    if planner is not None:
        lines.append(f"| **{PLANNER_LABEL}** |  |  |  | {cell(planner[str(STICKY)])} |  | "
                     f"{planner[str(STICKY)]['x_pos']:.0f} |  |  | {cell(planner['0.0'])} |  |")
    reach = {label: mean([r["evaluations"]["eval_sticky_sampled.json"]["x_pos"] for r in runs])
             for label, runs in groups.items()}
    ranking = " > ".join(f"{label} ({x:.0f})" for label, x in sorted(reach.items(), key=lambda item: -item[1]))
    return ("\n".join(lines) + f"\n\nFlag rate above the blind replay's ({sticky['flag']:.2f}): " + "; ".join(beats)
            + f". Ranked by how far the sampled policy gets (mean furthest x over the seeds): {ranking}.")


def page(results: Path) -> str | None:
    """The page, or None while ``results/mario/studies/`` holds no study."""
    blind_file = results / f"blind_replay_{STAGE}.json"
    parts = []
    for study, (question, _, steps) in STUDIES.items():
        files = sorted((results / "studies" / study).glob("*.json"))
        if not files or not blind_file.exists():
            continue
        summaries = [json.loads(f.read_text()) for f in files]
        blind = json.loads(blind_file.read_text())["sticky_actions"]
        curves = curves_file(study)
        picture = (f"![learning curves]({curves.name})\n\n*Furthest x of the training episodes (they start along "
                   "the demonstration, not at the stage's start), mean and 95% band over the seeds.*\n\n"
                   if curves.exists() else "")
        parts.append(f"## {study.capitalize()} designs\n\n{question}\n\n"
                     f"{study_table(summaries, blind, planner_figures(results))}\n\n{picture}```bash\n{summaries[0]['command']}\n"
                     f".venv/bin/python scripts/mario_studies.py --evaluate {study}\n```\n")
    if not parts:
        return None
    return ("# Mario design studies\n\nEach study compares designs of one axis on World "
            f"{STAGE} with the same learner (PPO on the tiles state, an MLP of 256x256, where the axis is not the state "
            f"or the algorithm; a pixel state gets its CNN), {SEEDS} seeds per design, "
            f"one budget of agent steps per run, sticky actions {STICKY} in training, and the demonstration used "
            "only as start states (a reverse curriculum), never for cloning: what differs between rows is the "
            "design. Every run is evaluated under the protocol of [the Mario results](mario_results.md): from the "
            f"stage's start, greedy and sampled under sticky actions {STICKY} ({EPISODES} episodes each, or as "
            "a column's header says), beside the demonstration's actions replayed blind; a design has learned only where it beats that row. The "
            "score column is the game's score at the end of the sampled episodes (coins, blocks and enemies, "
            "and the time bonus at the flag).\n\n" + "\n".join(parts)
            + "\nGenerated by `scripts/mario_studies.py` from `results/mario/studies/`.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", choices=list(STUDIES), action="append", default=[],
                        help="run (or resume) a study's comparison")
    parser.add_argument("--evaluate", choices=list(STUDIES), action="append", default=[],
                        help="evaluate a study's finished runs into results/mario/studies/")
    parser.add_argument("--greedy-episodes", type=int, default=EPISODES,
                        help="greedy episodes per run (default: the protocol's %(default)s; a greedy policy stuck "
                             "at a pipe plays each episode to the timer, about 5 s)")
    parser.add_argument("--runs", type=Path, default=RUNS, help="where the comparisons live (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.greedy_episodes < 1:
        parser.error(f"--greedy-episodes must be >= 1, got {args.greedy_episodes}")
    for study in args.run:
        run(args.runs, study)
    for study in args.evaluate:
        if not (out_dir(args.runs, study) / "runs").is_dir():
            raise SystemExit(f"{out_dir(args.runs, study)}: no comparison there; run it first (--run {study})")
        evaluate_study(args.runs, study, args.greedy_episodes)
    write_page(ROOT / PAGE, page(ROOT / RESULTS),
               f"no study in {ROOT / RESULTS / 'studies'} yet: {PAGE} not written (--run, then --evaluate)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
