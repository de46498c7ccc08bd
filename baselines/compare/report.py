"""A comparison's outputs: ``summary.csv`` (a row per run), ``summary.json`` (settings, runs,
per-design aggregates), ``learning_curves.png``, ``final_metric.png`` and a terminal table.

The aggregation functions are pure (lists and arrays in, arrays out) so tests call them directly.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from baselines.rundir import EPISODES

CURVE_POINTS = 60
# Two-sided 95% quantiles of Student's t by degrees of freedom (the band over few seeds).
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
         10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000}


def t_quantile(df: int) -> float:
    if df < 1:
        return math.nan
    return T_975[max(k for k in T_975 if k <= df)] if df <= 60 else 1.96


def ci95(values: Any) -> float:
    """Half-width of the 95% confidence interval of the mean (Student's t); 0 for a single value."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) < 2:
        return 0.0
    return float(t_quantile(len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))


def learning_curve(records: list[dict[str, Any]], metric: str, grid: np.ndarray, window: float) -> np.ndarray:
    """The mean of ``metric`` over the training episodes that ended in (g - window, g], for each
    g of ``grid``; points with no episode carry the last value forward (NaN before the first)."""
    steps = np.array([r["step"] for r in records if metric in r], dtype=float)
    values = np.array([r[metric] for r in records if metric in r], dtype=float)
    out = np.full(len(grid), np.nan)
    last = np.nan
    for i, g in enumerate(grid):
        inside = (steps > g - window) & (steps <= g)
        last = float(values[inside].mean()) if inside.any() else last
        out[i] = last
    return out


def band(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over seeds (rows) and the 95% CI half-width at each point, ignoring NaNs."""
    curves = np.atleast_2d(curves)
    mean = np.full(curves.shape[1], np.nan)
    half = np.zeros(curves.shape[1])
    for j in range(curves.shape[1]):
        column = curves[:, j][~np.isnan(curves[:, j])]
        if len(column):
            mean[j], half[j] = column.mean(), ci95(column)
    return mean, half


def read_episodes(run_dir: Path) -> list[dict[str, Any]]:
    """A run's finished training episodes (episodes cut by a resume or by the end are left out)."""
    path = Path(run_dir) / EPISODES
    records = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and not record.get("unfinished"):
                records.append(record)
    return records


def rows(results: list[dict[str, Any]], designs: list[str]) -> list[dict[str, Any]]:
    """One flat row per run: the CSV's columns."""
    table = []
    for r in results:
        row = {"design": r["design"], "seed": r["seed"], "status": r["status"], "timesteps": r.get("timesteps"),
               "wall_seconds": r.get("wall_seconds"), "metric": r.get("metric"), "metric_value": r.get("metric_value"),
               "return_mean": r.get("return_mean"), "return_std": r.get("return_std")}
        for design in designs:
            row[f"return/{design}"] = r.get("design_returns", {}).get(design)
        for name, value in r.get("task", {}).items():
            row[f"task/{name}"] = value
        row["resumed_from"] = r.get("resumed_from")
        row["host"], row["ray_node"] = r.get("host"), r.get("ray_node")
        row["error"] = r.get("error", "")
        table.append(row)
    return table


def by_design(results: list[dict[str, Any]], labels: list[str], designs: list[str] | None = None
              ) -> dict[str, dict[str, Any]]:
    """Per variant (``labels``: the reward designs, or the ``--vary`` combinations): runs done and
    failed, the metric's mean, std and 95% CI over seeds, and the mean return under every reward
    design of ``designs`` (default: the labels, when they are the reward designs)."""
    designs = labels if designs is None else designs
    summary = {}
    for design in labels:
        done = [r for r in results if r["design"] == design and r["status"] == "done"]
        values = [r["metric_value"] for r in done]
        summary[design] = {
            "runs_done": len(done),
            "runs_failed": sum(r["design"] == design and r["status"] != "done" for r in results),
            "metric_values": values,
            "metric_mean": float(np.mean(values)) if values else None,
            "metric_std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0 if values else None,
            "metric_ci95": ci95(values) if values else None,
            "design_returns": {d: float(np.mean([r["design_returns"][d] for r in done]))
                               for d in designs if done and all(d in r["design_returns"] for r in done)},
            "wall_seconds_mean": float(np.mean([r["wall_seconds"] for r in done])) if done else None,
        }
    return summary


def curves(results: list[dict[str, Any]], designs: list[str], metric: str, total: int) -> dict[str, Any]:
    """Learning curves of ``metric`` per design: a grid of env steps, mean and CI half-width."""
    grid = np.linspace(total / CURVE_POINTS, total, CURVE_POINTS)
    window = max(total / 10, grid[0])
    out: dict[str, Any] = {"steps": grid.tolist(), "window": window, "designs": {}}
    for design in designs:
        per_seed = [learning_curve(read_episodes(Path(r["run_dir"])), metric, grid, window)
                    for r in results if r["design"] == design and r["status"] == "done"]
        if per_seed:
            mean, half = band(np.array(per_seed))
            out["designs"][design] = {"mean": mean.tolist(), "ci95": half.tolist(), "seeds": len(per_seed)}
    return out


def write_csv(path: Path, table: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(key for row in table for key in row))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table)


def plot_curves(path: Path, data: dict[str, Any], title: str, metric: str, legend: str = "trained with reward",
                reference: tuple[str, float] | None = None, bounds: tuple[float, float] | None = None) -> None:
    """Mean and 95% band per entry of ``data["designs"]``; ``reference``: a labelled horizontal line;
    ``bounds``: the metric's range (e.g. 0 and 1 for a rate), which the band is clipped to (with
    two or three seeds a t-interval easily spans more than the metric can)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    steps = np.array(data["steps"])
    for design, d in data["designs"].items():
        mean, half = np.array(d["mean"], dtype=float), np.array(d["ci95"], dtype=float)
        (line,) = ax.plot(steps, mean, label=f"{design} ({d['seeds']} seed{'s' if d['seeds'] != 1 else ''})")
        low, high = mean - half, mean + half
        if bounds is not None:
            low, high = np.clip(low, *bounds), np.clip(high, *bounds)
        ax.fill_between(steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    if reference is not None:
        ax.axhline(reference[1], color="0.4", linestyle="--", linewidth=1, label=reference[0])
    ax.set_xlabel("env steps")
    ax.set_ylabel(f"{metric} (training episodes, window {data['window']:,.0f} steps)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(title=legend, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_final(path: Path, summary: dict[str, dict[str, Any]], title: str, metric: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    designs = [d for d, s in summary.items() if s["metric_values"]]
    fig, ax = plt.subplots(figsize=(max(1.6 * len(designs) + 2, 6.0), 4.2), dpi=120)
    x = np.arange(len(designs))
    means = [summary[d]["metric_mean"] for d in designs]
    ax.bar(x, means, yerr=[summary[d]["metric_ci95"] for d in designs], capsize=6, color="#88a8d8",
           edgecolor="#34558b", label="mean, 95% CI")
    for i, d in enumerate(designs):
        values = summary[d]["metric_values"]
        ax.scatter(np.full(len(values), x[i]) + np.linspace(-0.15, 0.15, len(values)), values, color="black",
                   s=14, zorder=3, label="one seed" if i == 0 else None)
    ax.set_xticks(x, designs)
    ax.set_xlabel("trained with reward")
    ax.set_ylabel(f"{metric} (evaluation after training)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def terminal_table(summary: dict[str, dict[str, Any]], designs: list[str], metric: str, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title)
    table.add_column("trained with")
    table.add_column("runs", justify="right")
    table.add_column(f"{metric} (mean +- 95% CI)", justify="right")
    table.add_column("per seed", justify="right")
    for design in designs:
        table.add_column(f"return/{design}", justify="right")
    table.add_column("train s", justify="right")
    for design, s in summary.items():
        runs = f"{s['runs_done']}" + (f" [red]({s['runs_failed']} failed)" if s["runs_failed"] else "")
        value = "-" if s["metric_mean"] is None else f"{s['metric_mean']:.4g} +- " + (
            f"{s['metric_ci95']:.2g}" if len(s["metric_values"]) > 1 else "n/a")  # no interval from one seed
        per_seed = ", ".join(f"{v:.4g}" for v in s["metric_values"])
        returns = [f"{s['design_returns'][d]:.4g}" if d in s["design_returns"] else "-" for d in designs]
        wall = "-" if s["wall_seconds_mean"] is None else f"{s['wall_seconds_mean']:.0f}"
        table.add_row(design, runs, value, per_seed, *returns, wall)
    return table
