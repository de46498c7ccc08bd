"""Per-episode records from a VecEnv's steps: return, length, the return under every reward
design, and the env's task metrics (registry ``task_metrics``, e.g. Mario's furthest x).

Shared by evaluation (greedy episodes), the training log behind learning curves, and
reward-design comparisons, so all three measure the same things.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm  # the text bar: tqdm.auto needs ipywidgets in a notebook

from rl_envs.registry import entry

REDUCERS = ("max", "last")


def task_metrics(env_id: str) -> dict[str, tuple[str, str]]:
    return dict(entry(env_id).task_metrics)


class EpisodeTracker:
    """Accumulates each env's running episode; :meth:`step` returns the episodes that ended.

    A record holds ``return`` (the Monitor's unscaled return when the info has it), ``length``,
    ``return/<design>`` for every design in ``info["reward_designs"]``, and one value per task metric.
    """

    def __init__(self, n_envs: int, metrics: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.metrics = dict(metrics or {})
        for name, (_, reduce) in self.metrics.items():
            if reduce not in REDUCERS:
                raise ValueError(f"task metric {name!r}: reduce must be one of {REDUCERS}, not {reduce!r}")
        self.running = [self._fresh() for _ in range(n_envs)]

    def _fresh(self) -> dict[str, float]:
        return {"return": 0.0, "length": 0}

    def step(self, rewards: Sequence[float], dones: Sequence[bool], infos: Sequence[dict]) -> list[dict[str, float]]:
        ended = []
        for i, (reward, done, info) in enumerate(zip(rewards, dones, infos)):
            record = self.running[i]
            record["return"] += float(reward)
            record["length"] += 1
            for design, value in info.get("reward_designs", {}).items():
                key = f"return/{design}"
                record[key] = record.get(key, 0.0) + float(value)
            for name, (key, reduce) in self.metrics.items():
                if key in info:
                    value = float(info[key])
                    record[name] = max(record.get(name, value), value) if reduce == "max" else value
            if done:
                if "episode" in info:  # SB3's Monitor: the env's own return, before any reward scaling
                    record["return"] = float(info["episode"]["r"])
                ended.append(record)
                self.running[i] = self._fresh()
        return ended


def mean_of(records: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The mean of every field the records share."""
    if not records:
        return {}
    keys = set(records[0]).intersection(*records[1:])
    return {key: float(np.mean([r[key] for r in records])) for key in sorted(keys)}


def run_episodes(agent: Any, venv: Any, episodes: int, metrics: Mapping[str, tuple[str, str]] | None = None,
                 deterministic: bool = True, progress: str | None = None) -> list[dict[str, float]]:
    """``episodes`` complete episodes of ``agent`` (SB3 ``predict``) on a VecEnv, as records.

    ``progress``: a label for a progress bar over the episodes (on stderr) that shows the mean
    return and task metrics so far; None: silent.
    """
    tracker = EpisodeTracker(venv.num_envs, metrics)
    records: list[dict[str, float]] = []
    bar = tqdm(total=episodes, desc=progress, unit="ep", disable=progress is None)
    obs = venv.reset()
    memory, starts = None, np.ones(venv.num_envs, dtype=bool)  # a recurrent policy's state, reset at episode starts
    while len(records) < episodes:
        action, memory = agent.predict(obs, state=memory, episode_start=starts, deterministic=deterministic)
        obs, rewards, dones, infos = venv.step(action)
        starts = dones
        ended = tracker.step(rewards, dones, infos)
        if ended:
            records.extend(ended)
            bar.update(min(len(ended), episodes - bar.n))
            bar.set_postfix(progress_postfix(records, metrics or {}), refresh=False)
    bar.close()
    return records[:episodes]


def progress_postfix(records: Sequence[Mapping[str, float]], metrics: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """The running means a progress bar shows: return and every task metric, 3 significant digits."""
    means = mean_of(records)
    return {name: f"{means[name]:.3g}" for name in ("return", *metrics) if name in means}
