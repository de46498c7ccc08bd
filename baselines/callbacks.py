"""Training callbacks the SB3 library lacks: atomic checkpoints that a resume can find."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from stable_baselines3.common.callbacks import BaseCallback

from baselines.checkpoint import CheckpointError, atomic_write, atomic_write_json

LATEST = "checkpoints/latest.json"
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
