"""Every command's arguments as a typed dataclass (:mod:`rl_envs.cli_args` turns the fields into
flags), and the trainer's round trip through ``config.json``."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from baselines.rundir import CONFIG, EVAL, RunFileError

EVAL_SEED = 1_000_000  # the first evaluation episode's seed: far from every training env's (seed + i)

# The demonstration fit's Adam rate per algorithm (docs/baselines.md: which rates stall).
BC_LEARNING_RATES = {"ppo": 1e-3, "a2c": 1e-3, "dqn": 2.5e-4}

PROG = "rl-envs-baselines"  # the command; each subcommand is also python -m baselines.<module>


@dataclass
class TrainArgs:
    algo: str = field(default="ppo", metadata={"help": "dqn, ppo, a2c, sac (continuous actions) or ppo_lstm (recurrent)"})
    env: str = field(default="RLEnvs/CartPole-v0", metadata={"help": "a registered RLEnvs/* id"})
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={"help": "environment option",
                                                                       "flag": "--env-kwarg"})
    per_env: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "an environment option whose value differs between the env copies: KEY=V1,V2,... gives copy i "
                "the value i mod their count, e.g. --per-env stage=1-1,1-2,1-4 with --n-envs 6 (evaluation takes "
                "--env-kwarg)", "flag": "--per-env"})
    overrides: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "hyperparameter override, e.g. --set frame_stack=1 --set learning_rate=0.0003", "flag": "--set"})
    total_timesteps: int | None = field(default=None, metadata={
        "help": "env steps (default: the hyperparameters'); 0 with --bc-demo: the demonstration fit alone, no RL"})
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
    bc_demo: str | None = field(default=None, metadata={
        "help": "Mario: fit the model to this demonstration (rl-envs mario-search), or every one in this "
                "directory, before RL (PPO: behaviour cloning; DQN: DQfD's large-margin loss)"})
    bc_epochs: int = field(default=200, metadata={"help": "with --bc-demo: passes over the demonstration, >= 1"})
    bc_lr: float | None = field(default=None, metadata={
        "help": "with --bc-demo: the fit's Adam learning rate, > 0 (default: 0.001 for ppo and a2c, 0.00025 for "
                "dqn, whose margin fit can leave every ReLU dead at 0.001 and predict one action everywhere)"})
    bc_idle: int = field(default=0, metadata={
        "help": "with --bc-demo: fit each demonstration as replayed after 0, 1, ..., N idle frames too, 0 to 1000 "
                "(the starts a noop_max=N evaluation plays)"})
    bc_keep: int = field(default=0, metadata={
        "help": "with --bc-demo: minibatches of the same loss per 1,000 env steps during RL, >= 0 (0: before RL only)"})
    torch_threads: int | None = field(default=None, metadata={
        "help": "threads torch computes with, >= 1 (default: torch's, one per core; give 1 when other jobs share "
                "the cores, where more threads only wait on each other)"})


@dataclass
class TrainCommand(TrainArgs):
    """``train``: a new run from :class:`TrainArgs`, or ``--resume`` of an existing one."""

    resume: str | None = field(default=None, metadata={
        "metavar": "RUN_DIR", "help": f"continue the run in this directory from its latest checkpoint (its {CONFIG} gives every "
                "other option but --total-timesteps, which may extend it, and the resumed process's own "
                "--torch-threads, --max-minutes, --no-progress-bar and --device)"})

    def train_args(self) -> TrainArgs:
        return TrainArgs(**{f.name: getattr(self, f.name) for f in dataclasses.fields(TrainArgs)})


@dataclass
class EvaluateArgs:
    run_dir: str = field(default="", metadata={"help": "the run directory", "positional": True})
    episodes: int = field(default=10, metadata={"help": "evaluation episodes, >= 1"})
    model: str = field(default="model", metadata={"help": "model (final), best_model, or checkpoints/step_N"})
    video: bool = field(default=False, metadata={"help": "record the first episode into RUN_DIR/videos"})
    random_baseline: bool = field(default=False, metadata={
        "help": "also play as many episodes with uniformly random actions (the results' 'random' field)"})
    greedy: bool = field(default=False, metadata={"help": "greedy actions (default unless the run's "
                                                          "hyperparameters say eval_deterministic: false)"})
    stochastic: bool = field(default=False, metadata={"help": "actions sampled from the policy"})
    output: str = field(default=EVAL, metadata={"help": "file name in RUN_DIR for the results (.json)"})
    seed: int = field(default=EVAL_SEED, metadata={"help": "seed of the first evaluation episode, >= 0"})
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "env option replacing the run's for this evaluation, e.g. noop_max=30", "flag": "--env-kwarg"})
    progress_bar: bool = field(default=True, metadata={
        "help": "show a progress bar over the episodes with the running means (on stderr)"})


@dataclass
class WatchArgs:
    run_dir: str = field(default="", metadata={"help": "the run directory", "positional": True})
    model: str = field(default="model", metadata={"help": "model (final), best_model, or checkpoints/step_N"})
    fps: float | None = field(default=None, metadata={"help": "frames per second (default: the env's)"})
    zoom: float = field(default=1.0, metadata={"help": "window scale"})
    seed: int = field(default=0, metadata={"help": "seed of the first episode, >= 0"})


@dataclass
class CompareArgs:
    env: str = field(default="RLEnvs/GridWorld-v0", metadata={"help": "a registered RLEnvs/* id with several reward designs"})
    designs: list[str] = field(default_factory=list, metadata={
        "help": "reward designs to compare (the reward axis; default: all of the env's unless --vary is given)"})
    vary: dict[str, Any] = field(default_factory=dict, metadata={
        "help": "another axis: an env option or algo and its values, e.g. --vary state=ram,tiles --vary algo=ppo,dqn; "
                "every combination of the axes is run", "flag": "--vary"})
    algo: str = field(default="ppo", metadata={"help": "dqn, ppo, a2c, sac or ppo_lstm"})
    seeds: int = field(default=3, metadata={"help": "seeds per design (0 .. seeds-1)"})
    total_timesteps: int | None = field(default=None, metadata={"help": "env steps per run (default: the hyperparameters')"})
    workers: int | None = field(default=None, metadata={"help": "runs at once (default: one per CPU core)"})
    backend: str = field(default="local", metadata={"help": "local (processes on this machine) or ray"})
    address: str | None = field(default=None, metadata={"help": "ray: cluster address (default: start a local instance)"})
    out: str | None = field(default=None, metadata={"help": "output directory (default: results/compare/{env}__{algo})"})
    env_kwargs: dict[str, Any] = field(default_factory=dict, metadata={"help": "env option shared by every run",
                                                                       "flag": "--env-kwarg"})
    overrides: dict[str, Any] = field(default_factory=dict, metadata={"help": "hyperparameter override", "flag": "--set"})
    eval_episodes: int = field(default=10, metadata={"help": "evaluation episodes per run"})
    device: str = field(default="auto", metadata={"help": "auto, cpu or cuda"})


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
