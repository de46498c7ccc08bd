"""Training configuration: hyperparameter files, their validation, and the run's settings.

Pure functions, so the tests call them directly.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import yaml

from rl_envs.options import check_choice

HYPERPARAMS_DIR = Path(__file__).parent / "hyperparams"
ALGOS = ("dqn", "ppo")
# Keys of ours, beside the SB3 algorithm's constructor arguments.
OWN_KEYS = {
    "n_timesteps": "total environment steps (the default of --total-timesteps)",
    "n_envs": "environment copies stepped together",
    "policy": "SB3 policy name: MlpPolicy or CnnPolicy",
    "frame_stack": "stack the last k observations (SB3's VecFrameStack)",
    "vec_env": "dummy (one process) or subproc (one process per env)",
    "double_dqn": "DQN only: Double DQN targets",
    "reward_scale": "multiply the training rewards by this (logged episode returns stay unscaled)",
    "eval_deterministic": "evaluation acts greedily (true, default) or samples the policy (false: RL Zoo's default for Atari games)",
    "cnn": "CnnPolicy's image encoder: nature (SB3's NatureCNN, default) or small (the 2013 DQN paper's, ~2.6x cheaper to train)",
    "unsupported": "this combination cannot be trained; the text says why",
}
# Constructor arguments the trainer sets itself.
RESERVED = {"self", "policy", "env", "seed", "device", "tensorboard_log", "verbose", "_init_setup_model"}


class ConfigError(ValueError):
    """A hyperparameter file or a training option that cannot be used, with the reason."""


def algo_class(algo: str) -> type:
    algo = check_choice("algo", algo, ALGOS)
    if algo == "dqn":
        from baselines.double_dqn import DQN

        return DQN
    from stable_baselines3 import PPO

    return PPO


def valid_keys(algo: str) -> set[str]:
    """Constructor arguments of the algorithm class and of the SB3 class it extends, plus ours."""
    names: set[str] = set()
    for cls in algo_class(algo).__mro__:
        if "__init__" in vars(cls) and cls.__module__.startswith(("stable_baselines3", "baselines")):
            params = inspect.signature(vars(cls)["__init__"]).parameters.values()
            names |= {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
            if cls.__module__.startswith("stable_baselines3"):
                break  # the SB3 algorithm itself; its bases take a subset
    return (names - RESERVED) | set(OWN_KEYS)


def variant_matches(variant: str, env_kwargs: dict[str, Any]) -> bool:
    """``"state=dqn"`` matches env kwargs with state == "dqn" (values compared as YAML scalars)."""
    key, _, raw = variant.partition("=")
    return key in env_kwargs and env_kwargs[key] == yaml.safe_load(raw)


def load_hyperparams(algo: str, env_id: str, env_kwargs: dict[str, Any] | None = None,
                     path: str | Path | None = None) -> dict[str, Any]:
    """The hyperparameters of ``algo`` on ``env_id`` with ``env_kwargs``: default + matching variants.

    Raises ConfigError for an env the file lacks, a malformed file, unknown keys (listing the
    valid ones) or an ``unsupported`` combination.
    """
    algo = check_choice("algo", algo, ALGOS)
    path = Path(path) if path is not None else HYPERPARAMS_DIR / f"{algo}.yml"
    try:
        table = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read hyperparameter file {path}: {error}") from error
    if not isinstance(table, dict):
        raise ConfigError(f"hyperparameter file {path} must map env ids to settings")
    if env_id not in table:
        raise ConfigError(f"{path} has no {algo} hyperparameters for {env_id!r}; it has: {', '.join(table)}")
    entry = table[env_id] or {}
    unknown_sections = set(entry) - {"default", "variants"}
    if unknown_sections:
        raise ConfigError(f"{path}: {env_id} may only have 'default' and 'variants', not {sorted(unknown_sections)}")
    params = dict(entry.get("default") or {})
    for variant, settings in (entry.get("variants") or {}).items():
        if variant_matches(variant, env_kwargs or {}):
            params.update(settings or {})
    unknown = sorted(set(params) - valid_keys(algo))
    if unknown:
        raise ConfigError(f"{path}: unknown {algo} hyperparameter(s) {unknown} for {env_id}; valid: "
                          f"{', '.join(sorted(valid_keys(algo)))}")
    if "unsupported" in params:
        raise ConfigError(f"{algo} on {env_id} with {env_kwargs or {}}: {params['unsupported']}")
    if algo != "dqn" and "double_dqn" in params:
        raise ConfigError(f"{path}: double_dqn is a DQN setting, not {algo}'s")
    return params


def eval_deterministic(params: dict[str, Any], override: bool | None = None) -> bool:
    """Whether evaluation takes the greedy action: ``override`` if given, else the hyperparameters'."""
    return bool(params.get("eval_deterministic", True)) if override is None else override


def schedule(value: Any) -> Any:
    """``"lin_0.001"`` -> a schedule decaying linearly from 0.001 to 0; numbers stay numbers."""
    if isinstance(value, str) and value.startswith("lin_"):
        from stable_baselines3.common.utils import LinearSchedule

        start = float(value[len("lin_"):])
        return LinearSchedule(start, 0.0, 1.0)
    return value


SCHEDULED = ("learning_rate", "clip_range", "clip_range_vf")


def algo_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The SB3 constructor arguments among ``params``, schedules built."""
    kwargs = {k: v for k, v in params.items() if k not in OWN_KEYS or k == "double_dqn"}
    for key in SCHEDULED:
        if key in kwargs:
            kwargs[key] = schedule(kwargs[key])
    if "cnn" in params:
        from baselines.networks import policy_kwargs

        if params.get("policy") != "CnnPolicy":
            raise ConfigError(f"cnn chooses CnnPolicy's image encoder; this configuration's policy is {params.get('policy')}")
        try:
            kwargs["policy_kwargs"] = policy_kwargs(params)
        except ValueError as error:
            raise ConfigError(str(error)) from error
    return kwargs
