"""Compare reward designs: ``rl-envs-baselines compare --env RLEnvs/Mario-v0 --designs
clear,score,progress --algo ppo --seeds 3 --total-timesteps N [--workers K] [--backend ray
[--address ADDR]]`` (or ``python -m baselines.compare.cli``; options: :class:`CompareArgs`).

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

import dataclasses
import signal
import sys
import time
from pathlib import Path
from typing import Any

from baselines.args import PROG
from baselines.checkpoint import atomic_write_json
from baselines.compare import report
from baselines.compare.backends import Dashboard, run_local, run_ray
from baselines.compare.spec import CompareArgs, axes, check_manifest, runs, validate, variants, write_manifest
from baselines.rundir import RunDir
from rl_envs.cli_args import parse
from rl_envs.registry import entry, reward_designs


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
    write_manifest(args, out)
    specs = runs(args, out)
    labels = [label for label, _ in variants(args)]
    rewards = list(reward_designs(args.env))
    what = " x ".join(f"{key} ({len(values)})" for key, values in axes(args))
    console.print(f"comparing {what} x {args.seeds} seeds of {args.algo} on {args.env} "
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
    summary = report.by_design(results, labels, rewards)
    algos = "/".join(map(str, args.vary["algo"])) if "algo" in args.vary else args.algo
    title = f"{args.env} {algos}, {args.seeds} seeds, {total:,} steps"
    files = {"summary_csv": out / "summary.csv", "summary_json": out / "summary.json",
             "learning_curves": out / "learning_curves.png", "final_metric": out / "final_metric.png"}
    rows = report.rows(results, rewards)
    report.write_csv(files["summary_csv"], rows)
    curve_data = report.curves(results, labels, metric, total)
    if done:
        report.plot_curves(files["learning_curves"], curve_data, f"{title}\n{metric} while training", metric)
        report.plot_final(files["final_metric"], summary, f"{title}\n{metric} after training", metric)
    content = {"settings": dataclasses.asdict(args), "metric": metric, "wall_seconds": time.time() - start,
               "runs": rows, "by_design": summary, "learning_curves": curve_data,
               "files": {k: str(v) for k, v in files.items() if v.exists() or k == "summary_json"}}
    atomic_write_json(files["summary_json"], content)

    stdout.print(report.terminal_table(summary, rewards, metric, title))
    for r in results:
        if r["status"] != "done":
            console.print(f"[red]run {r['design']}/seed {r['seed']} failed[/red]: {r.get('error', '')}")
    stdout.print(f"plots: {files['learning_curves']} and {files['final_metric']}" if done else "no finished run: no plots")
    stdout.print(f"summary: {files['summary_csv']}, {files['summary_json']}")
    return content


def run(args: CompareArgs) -> int:
    """``rl-envs-baselines compare``: exit code 0 when every run finished, 1 when any failed."""
    # Ctrl-C (SIGINT) stops every run cleanly, even when this process inherited SIGINT ignored or
    # blocked from its parent (a background job, a test runner): otherwise it would run to the end.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        content = compare(args, show_progress=True)
    except (ValueError, TypeError) as error:  # ConfigError is a ValueError
        print(f"rl-envs-baselines compare: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rl-envs-baselines compare: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    failed = [r for r in content["runs"] if r["status"] != "done"]
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    return run(parse(CompareArgs, argv, prog=f"{PROG} compare", description=__doc__))


if __name__ == "__main__":
    sys.exit(main())
