"""The trainer's arguments as a typed dataclass, and its round trip through ``config.json``."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from baselines.rundir import RunFileError


@dataclass
class TrainArgs:
    algo: str = field(default="ppo", metadata={"help": "dqn or ppo"})
    env: str = field(default="RLEnvs/CartPole-v0", metadata={"help": "a registered RLEnvs/* id"})
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={"help": "environment options"})
    overrides: dict[str, Any] = field(default_factory=dict, metadata={"help": "hyperparameter overrides"})
    total_timesteps: int | None = field(default=None, metadata={"help": "env steps (default: the hyperparameters')"})
    seed: int = field(default=0, metadata={"help": "seed of the model and of env i (seed + i), >= 0"})
    device: str = field(default="auto", metadata={"help": "auto (CUDA when present), cpu or cuda"})
    n_envs: int | None = field(default=None, metadata={"help": "env copies (default: the hyperparameters')"})
    run_dir: str | None = field(default=None, metadata={"help": "where the run goes (default: runs/{env}__{algo}__{seed}__{time})"})
    hyperparams: str | None = field(default=None, metadata={"help": "a YAML file instead of baselines/hyperparams/{algo}.yml"})
    checkpoint_freq: int = field(default=10_000, metadata={"help": "env steps between checkpoints, >= 1"})
    save_replay_buffer: bool = field(default=False, metadata={"help": "DQN: checkpoint the replay buffer too"})
    eval_freq: int = field(default=10_000, metadata={"help": "env steps between evaluations (0: none)"})
    eval_episodes: int = field(default=5, metadata={"help": "episodes per evaluation"})
    progress_bar: bool = field(default=True, metadata={"help": "show a progress bar with steps/s"})
    max_minutes: float | None = field(default=None, metadata={"help": "stop (and save) after this wall time"})


def _fits(value: Any, kind: Any) -> bool:
    """Whether a JSON value fits a field annotation (int, float, str, bool, dict[...], X | None)."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return any(_fits(value, k) for k in typing.get_args(kind))
    if kind is type(None):
        return value is None
    origin = typing.get_origin(kind) or kind
    if origin is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, origin)


def from_dict(cls: type, values: Any, source: str) -> Any:
    """``cls(**values)`` after checking every key and type; errors name ``source`` and the field."""
    if not isinstance(values, dict):
        raise RunFileError(f"{source} must be a JSON object of {cls.__name__} fields, not {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise RunFileError(f"{source} has unknown keys {unknown}; valid: {', '.join(names)}")
    for key, value in values.items():
        if not _fits(value, hints[key]):
            raise RunFileError(f"{source}: {key!r} must be {hints[key]}, not {type(value).__name__} ({value!r:.60})")
    return cls(**values)
