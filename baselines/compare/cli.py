"""Compare reward designs: ``rl-envs compare --env RLEnvs/Mario-v0 --designs clear,score,progress
--algo ppo --seeds 3 --total-timesteps N [--workers K] [--backend ray [--address ADDR]]``
(also ``python scripts/compare_rewards.py`` and ``rl-envs-compare``).

Trains one run per (design, seed) with the baselines trainer, in parallel (default: one process
per core), evaluates every run on the same metrics (the env's comparison metric, the
return under every design, the task metrics), and writes into ``--out``
(default ``results/compare/{env}__{algo}``): ``summary.csv``, ``summary.json``,
``learning_curves.png`` (mean and 95% band over seeds against env steps), ``final_metric.png``,
and per run ``runs/{design}__seed{s}/`` (the trainer's run directory) and ``logs/``.

The same command again skips finished runs and resumes interrupted ones from their checkpoints;
a failed run is reported and the others go on (exit code 1 when any failed).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from baselines.compare import report
from baselines.compare.spec import BACKENDS, CompareArgs, check_manifest, runs, validate, write_manifest
from baselines.checkpoint import atomic_write_json
from baselines.config import ALGOS
from baselines.rundir import RunDir


def compare(args: CompareArgs, show_progress: bool = True) -> dict[str, Any]:
    """Validate, run (or resume) every (design, seed), and write the outputs; returns summary.json's content."""
    from rich.console import Console

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)  # progress, errors
    stdout = Console(width=None if sys.stdout.isatty() else 120)  # the results
    args = validate(args)
    out = check_manifest(args).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with RunDir(out).lock("compare"):  # one comparison per output directory at a time
        return _compare(args, out, console, stdout, show_progress)


def _compare(args: CompareArgs, out: Path, console: Any, stdout: Any, show_progress: bool) -> dict[str, Any]:
    from baselines.compare.backends import Dashboard, run_local, run_ray
    from rl_envs.registry import entry

    write_manifest(args, out)
    specs = runs(args, out)
    console.print(f"comparing {len(args.designs)} reward designs x {args.seeds} seeds of {args.algo} on {args.env} "
                  f"({len(specs)} runs, {args.workers} at a time, backend {args.backend}) -> {out}")
    start = time.time()
    with Dashboard(specs, enabled=show_progress) as dashboard:
        if args.backend == "ray":
            results = run_ray(specs, args.workers, args.address, dashboard)
        else:
            results = run_local(specs, args.workers, out, dashboard)

    metric = entry(args.env).compare_metric
    done = [r for r in results if r["status"] == "done"]
    total = args.total_timesteps or max((r["timesteps"] for r in done), default=1)
    summary = report.by_design(results, args.designs)
    title = f"{args.env} {args.algo}, {args.seeds} seeds, {total:,} steps"
    files = {"summary_csv": out / "summary.csv", "summary_json": out / "summary.json",
             "learning_curves": out / "learning_curves.png", "final_metric": out / "final_metric.png"}
    rows = report.rows(results, args.designs)
    report.write_csv(files["summary_csv"], rows)
    curve_data = report.curves(results, args.designs, metric, total)
    if done:
        report.plot_curves(files["learning_curves"], curve_data, f"{title}\n{metric} while training", metric)
        report.plot_final(files["final_metric"], summary, f"{title}\n{metric} after training", metric)
    content = {"settings": dataclasses.asdict(args), "metric": metric, "wall_seconds": time.time() - start,
               "runs": rows, "by_design": summary, "learning_curves": curve_data,
               "files": {k: str(v) for k, v in files.items() if v.exists() or k == "summary_json"}}
    atomic_write_json(files["summary_json"], content)

    stdout.print(report.terminal_table(summary, args.designs, metric, title))
    for r in results:
        if r["status"] != "done":
            console.print(f"[red]run {r['design']}/seed {r['seed']} failed[/red]: {r.get('error', '')}")
    stdout.print(f"plots: {files['learning_curves']} and {files['final_metric']}" if done else "no finished run: no plots")
    stdout.print(f"summary: {files['summary_csv']}, {files['summary_json']}")
    return content


def parse_args(argv: list[str] | None = None) -> CompareArgs:
    from rl_envs.play import parse_kwargs

    parser = argparse.ArgumentParser(prog="rl-envs compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    help_of = {f.name: f.metadata["help"] for f in dataclasses.fields(CompareArgs)}
    parser.add_argument("--env", default=CompareArgs.env, help=help_of["env"])
    parser.add_argument("--designs", default="", help=help_of["designs"] + ", comma-separated")
    parser.add_argument("--algo", default="ppo", help=f"{' or '.join(ALGOS)}")
    parser.add_argument("--seeds", type=int, default=3, help=help_of["seeds"])
    parser.add_argument("--total-timesteps", type=int, default=None, help=help_of["total_timesteps"])
    parser.add_argument("--workers", type=int, default=None, help=help_of["workers"])
    parser.add_argument("--backend", default="local", help=f"{' or '.join(BACKENDS)}: " + help_of["backend"])
    parser.add_argument("--address", default=None, help=help_of["address"])
    parser.add_argument("--out", default=None, help=help_of["out"])
    parser.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE", help=help_of["env_kwargs"])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=help_of["overrides"])
    parser.add_argument("--eval-episodes", type=int, default=10, help=help_of["eval_episodes"])
    parser.add_argument("--device", default="auto", help=help_of["device"])
    ns = parser.parse_args(argv)
    try:
        env_kwargs, overrides = parse_kwargs(ns.env_kwarg), parse_kwargs(ns.set)
    except ValueError as error:
        parser.error(str(error))
    designs = [d.strip() for d in ns.designs.split(",") if d.strip()]
    return CompareArgs(env=ns.env, designs=designs, algo=ns.algo, seeds=ns.seeds, total_timesteps=ns.total_timesteps,
                       workers=ns.workers, backend=ns.backend, address=ns.address, out=ns.out, env_kwargs=env_kwargs,
                       overrides=overrides, eval_episodes=ns.eval_episodes, device=ns.device)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        content = compare(args, show_progress=True)
    except (ValueError, TypeError) as error:  # ConfigError is a ValueError
        print(f"rl-envs compare: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rl-envs compare: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    failed = [r for r in content["runs"] if r["status"] != "done"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
