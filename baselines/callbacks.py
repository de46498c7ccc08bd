"""Training callbacks the SB3 library lacks: atomic checkpoints that a resume can find, an
episode log for learning curves, a progress file for dashboards, a wall-time budget."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

from baselines.checkpoint import CheckpointError, atomic_write, atomic_write_json

LATEST = "checkpoints/latest.json"
EPISODES = "episodes.jsonl"  # one JSON record per finished training episode, with its env step
PROGRESS = "progress.json"  # {"step", "total"}, rewritten every few seconds while training
KEEP = 2  # model checkpoints kept on disk (older ones are deleted once a newer one is complete)


class AtomicCheckpoint(BaseCallback):
    """Every ``every`` env steps: the model (and optionally the replay buffer), then latest.json.

    Files are written to a temporary name and renamed, and latest.json is renamed last, so a
    kill at any time leaves a consistent latest checkpoint.
    """

    def __init__(self, run_dir: Path, every: int, save_replay_buffer: bool = False) -> None:
        super().__init__()
        self.run_dir, self.every, self.save_replay_buffer = Path(run_dir), max(int(every), 1), save_replay_buffer
        self.last = 0

    def _on_training_start(self) -> None:
        self.last = self.num_timesteps

    def _on_step(self) -> bool:
        if self.num_timesteps - self.last >= self.every:
            self.save()
        return True

    def save(self) -> None:
        self.last = self.num_timesteps
        model_name = f"checkpoints/step_{self.num_timesteps}.zip"
        atomic_write(self.run_dir / model_name, self.model.save)
        entry: dict[str, Any] = {"step": self.num_timesteps, "model": model_name}
        if self.save_replay_buffer and getattr(self.model, "replay_buffer", None) is not None:
            entry["replay_buffer"] = "checkpoints/replay_buffer.pkl"
            atomic_write(self.run_dir / entry["replay_buffer"], self.model.save_replay_buffer)
        atomic_write_json(self.run_dir / LATEST, entry)
        models = sorted((self.run_dir / "checkpoints").glob("step_*.zip"), key=lambda p: int(p.stem.split("_")[1]))
        for old in models[:-KEEP]:
            old.unlink()


class StopAfter(BaseCallback):
    """Ends training once ``seconds`` of wall time have passed (a budget; the model is then saved)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.start = 0.0

    def _on_training_start(self) -> None:
        self.start = time.time()

    def _on_step(self) -> bool:
        return time.time() - self.start < self.seconds


def latest_checkpoint(run_dir: Path) -> dict[str, Any]:
    path = Path(run_dir) / LATEST
    try:
        entry = json.loads(path.read_text())
        (Path(run_dir) / entry["model"]).stat()
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(f"no usable checkpoint in {run_dir} ({error}); nothing to resume") from error
    return entry


class EpisodeLog(BaseCallback):
    """Every finished training episode: TensorBoard ``charts/episodic_return`` and
    ``charts/episodic_length`` (CleanRL's names), ``charts/design_return/<design>``,
    ``charts/task/<metric>``, and a line in ``episodes.jsonl`` (the learning-curve data).

    On a resume, records written after the checkpoint being resumed are dropped first, so the
    log never holds an episode twice.
    """

    def __init__(self, run_dir: Path, env_id: str, n_envs: int) -> None:
        super().__init__()
        from baselines.episodes import EpisodeTracker, task_metrics

        self.path = run_dir / EPISODES
        self.tracker = EpisodeTracker(n_envs, task_metrics(env_id))
        self._file: Any = None

    def _on_training_start(self) -> None:
        kept = []
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill
                if record.get("step", 0) <= self.num_timesteps:
                    kept.append(line)
        self.path.write_text("".join(line + "\n" for line in kept))
        self._file = self.path.open("a")

    def _on_step(self) -> bool:
        ended = self.tracker.step(self.locals["rewards"], self.locals["dones"], self.locals["infos"])
        for record in ended:
            self.logger.record_mean("charts/episodic_return", record["return"])
            self.logger.record_mean("charts/episodic_length", record["length"])
            for key, value in record.items():
                if key.startswith("return/"):
                    self.logger.record_mean("charts/design_return/" + key.removeprefix("return/"), value)
                elif key not in ("return", "length"):
                    self.logger.record_mean("charts/task/" + key, value)
            self._file.write(json.dumps({"step": self.num_timesteps, **record}) + "\n")
        if ended:
            self._file.flush()
        return True

    def _on_training_end(self) -> None:
        if self._file is not None:
            self._file.close()


class ProgressFile(BaseCallback):
    """``progress.json`` with the steps done and the total, for a dashboard in another process."""

    def __init__(self, run_dir: Path, total: int, every_seconds: float = 2.0) -> None:
        super().__init__()
        self.path, self.total, self.every = run_dir / PROGRESS, total, every_seconds
        self._last = 0.0

    def write(self) -> None:
        atomic_write_json(self.path, {"step": self.num_timesteps, "total": self.total})
        self._last = time.monotonic()

    def _on_training_start(self) -> None:
        self.write()

    def _on_step(self) -> bool:
        if time.monotonic() - self._last >= self.every:
            self.write()
        return True

    def _on_training_end(self) -> None:
        self.write()


class OneThreadWhileCollecting(BaseCallback):
    """Torch on one thread while the envs step, all of them for the gradient updates.

    With subprocess envs on a small machine, torch's extra threads wake for every action
    computed and spin-wait on the cores the env processes need (measured on 2 cores: Mario's
    envs stepped at half speed during PPO's rollouts).
    """

    def _on_training_start(self) -> None:
        import torch

        self.threads = torch.get_num_threads()

    def _on_rollout_start(self) -> None:
        import torch

        torch.set_num_threads(1)

    def _on_rollout_end(self) -> None:
        import torch

        torch.set_num_threads(self.threads)

    def _on_step(self) -> bool:
        return True

    def _on_training_end(self) -> None:
        import torch

        torch.set_num_threads(self.threads)
