"""TensorBoard logs under CleanRL's names: ``charts/`` and ``losses/``, beside SB3's own."""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.logger import KVWriter

# SB3 key -> CleanRL name.
RENAMES = {
    "train/value_loss": "losses/value_loss",
    "train/policy_gradient_loss": "losses/policy_loss",
    "train/entropy_loss": "losses/entropy",
    "train/approx_kl": "losses/approx_kl",
    "train/clip_fraction": "losses/clipfrac",
    "train/explained_variance": "losses/explained_variance",
    "train/loss": "losses/loss",  # PPO: the total loss; DQN: the TD (Huber) loss
    "train/learning_rate": "charts/learning_rate",
    "rollout/exploration_rate": "charts/epsilon",
    "time/fps": "charts/SPS",
}


class CleanRLNames(KVWriter):
    """Writes every value SB3 logs to ``writer`` under its CleanRL name as well."""

    def __init__(self, writer: KVWriter) -> None:
        self.writer = writer

    def write(self, key_values: dict[str, Any], key_excluded: dict[str, Any], step: int = 0) -> None:
        renamed = {RENAMES[k]: v for k, v in key_values.items() if k in RENAMES}
        excluded = {RENAMES[k]: key_excluded.get(k, ()) for k in key_values if k in RENAMES}
        if renamed:
            self.writer.write(renamed, excluded, step)

    def close(self) -> None:
        pass  # the wrapped writer is closed by the logger that owns it
