"""Training configuration: hyperparameter files, their validation, and the run's settings.

Pure functions, so the tests call them directly.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path
from typing import Any

import yaml

from baselines.double_dqn import DQN
from baselines.networks import check_policy_kwargs, policy_kwargs
from rl_envs.cli_args import literal
from rl_envs.options import check_choice, describe_range

HYPERPARAMS_DIR = Path(__file__).parent / "hyperparams"
NORMALIZE_STEPS = 4096  # default of the hyperparameter normalize_steps
ALGOS = ("dqn", "ppo", "a2c", "sac", "ppo_lstm")
ON_POLICY = ("ppo", "a2c", "ppo_lstm")  # collect rollouts with the current policy, then update
RECURRENT = ("ppo_lstm",)  # policies with a memory: predict carries its state between steps
# Keys of ours, beside the SB3 algorithm's constructor arguments.
OWN_KEYS = {
    "n_timesteps": "total environment steps (the default of --total-timesteps)",
    "n_envs": "environment copies stepped together",
    "policy": "SB3 policy name: MlpPolicy or CnnPolicy (ppo_lstm: MlpLstmPolicy or CnnLstmPolicy)",
    "frame_stack": "stack the last k observations (SB3's VecFrameStack)",
    "vec_env": "dummy (one process), subproc (one process per env), local_workers (env 0 in the learner's process, "
               "stepped while the others step in theirs: every core emulates) or split (the envs in one block per "
               "core, the first in the learner's process: one round trip per core and step)",
    "double_dqn": "DQN only: Double DQN targets",
    "reward_scale": "multiply the training rewards by this (logged episode returns stay unscaled)",
    "eval_deterministic": "evaluation acts greedily (true, default) or samples the policy (false: RL Zoo's default for Atari games)",
    "cnn": "CnnPolicy's image encoder: nature (SB3's NatureCNN, default), small (the 2013 DQN paper's, a third of NatureCNN's arithmetic) or pair (small over Mario's frame pair stacked along channels)",
    "normalize_obs": "MlpPolicy: standardize each observation entry by its mean and std over random-action steps (and a --bc-demo's) before training, then frozen (baselines.networks.Standardize)",
    "normalize_steps": f"with normalize_obs: random-action env steps the statistics are fitted on (default {NORMALIZE_STEPS})",
    "unsupported": "this combination cannot be trained; the text says why",
}
# Valid ranges, checked for the files and --set alike before anything is written or trained:
# (low, high, integer, low_inclusive). A schedule ("lin_<start>") is checked by its start value.
RANGES: dict[str, tuple[float | None, float | None, bool, bool]] = {
    "n_timesteps": (1, None, False, True),
    "n_envs": (1, None, True, True),
    "frame_stack": (1, None, True, True),
    "n_steps": (1, None, True, True),
    "batch_size": (1, None, True, True),
    "n_epochs": (1, None, True, True),
    "learning_rate": (0, None, False, False),
    "gamma": (0, 1, False, True),
    "gae_lambda": (0, 1, False, True),
    "clip_range": (0, None, False, False),
    "clip_range_vf": (0, None, False, False),
    "ent_coef": (0, None, False, True),
    "vf_coef": (0, None, False, True),
    "max_grad_norm": (0, None, False, False),
    "target_kl": (0, None, False, False),
    "buffer_size": (1, None, True, True),
    "learning_starts": (0, None, True, True),
    "tau": (0, 1, False, False),
    "gradient_steps": (-1, None, True, True),
    "target_update_interval": (1, None, True, True),
    "exploration_fraction": (0, 1, False, True),
    "exploration_initial_eps": (0, 1, False, True),
    "exploration_final_eps": (0, 1, False, True),
    "reward_scale": (0, None, False, False),
    "normalize_steps": (1, None, True, True),
}
CHOICES = {"vec_env": ("dummy", "subproc", "local_workers", "split"), "policy": ("MlpPolicy", "CnnPolicy", "MlpLstmPolicy", "CnnLstmPolicy"),
           "cnn": ("nature", "small", "pair")}
BOOLS = ("double_dqn", "eval_deterministic", "normalize_obs", "normalize_advantage", "optimize_memory_usage", "use_sde")
# Constructor arguments the trainer sets itself.
RESERVED = {"self", "policy", "env", "seed", "device", "tensorboard_log", "verbose", "_init_setup_model"}


class ConfigError(ValueError):
    """A hyperparameter file or a training option that cannot be used, with the reason."""


def algo_class(algo: str) -> type:
    """The algorithm's class: Stable-Baselines3's (DQN with our Double DQN target), or sb3-contrib's
    RecurrentPPO for ``ppo_lstm``."""
    algo = check_choice("algo", algo, ALGOS)
    if algo == "dqn":
        return DQN
    import stable_baselines3  # heavy: only where a model is built or checked

    if algo == "ppo_lstm":
        from sb3_contrib import RecurrentPPO  # the 'baselines' extra

        return RecurrentPPO
    return {"ppo": stable_baselines3.PPO, "a2c": stable_baselines3.A2C, "sac": stable_baselines3.SAC}[algo]


def valid_keys(algo: str) -> set[str]:
    """Constructor arguments of the algorithm class and of the SB3 class it extends, plus ours."""
    names: set[str] = set()
    for cls in algo_class(algo).__mro__:
        if "__init__" in vars(cls) and cls.__module__.startswith(("stable_baselines3", "sb3_contrib", "baselines")):
            params = inspect.signature(vars(cls)["__init__"]).parameters.values()
            names |= {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
            if cls.__module__.startswith(("stable_baselines3", "sb3_contrib")):
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
    check_hyperparams(algo, params, f"{path} ({env_id})")
    if "unsupported" in params:
        raise ConfigError(f"{algo} on {env_id} with {env_kwargs or {}}: {params['unsupported']}")
    if algo != "dqn" and "double_dqn" in params:
        raise ConfigError(f"{path}: double_dqn is a DQN setting, not {algo}'s")
    return params


def check_hyperparams(algo: str, params: dict[str, Any], source: str) -> dict[str, Any]:
    """Every known key of ``params`` within its valid range; ConfigError naming ``source``, the key and the range."""
    unknown = sorted(set(params) - valid_keys(algo))
    if unknown:
        raise ConfigError(f"unknown {algo} hyperparameter(s) {unknown} in {source}; valid: "
                          f"{', '.join(sorted(valid_keys(algo)))}")
    for key, value in params.items():
        if key in CHOICES and value not in CHOICES[key]:
            raise ConfigError(f"{source}: {key} must be one of {', '.join(map(repr, CHOICES[key]))}; got {value!r}")
        if key in BOOLS and not isinstance(value, bool):
            raise ConfigError(f"{source}: {key} must be true or false; got {value!r}")
        if key == "frame_stack" and value is None:
            continue
        if key == "policy_kwargs":
            try:
                check_policy_kwargs(value, source)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        if key in RANGES:
            _check_range(key, value, source)
    return params


def _check_range(key: str, value: Any, source: str) -> None:
    low, high, integer, low_inclusive = RANGES[key]
    wanted = describe_range(low, high, low_inclusive, True) + (" (an integer)" if integer else "")
    number = value
    if key in SCHEDULED and isinstance(value, str) and value.startswith("lin_"):
        number = value[len("lin_"):]
    if key == "n_timesteps" and isinstance(number, str):  # YAML reads 1e6 as a string
        number = number.strip()
    try:
        ok_type = not isinstance(number, bool) and (isinstance(number, (int, float)) or
                                                      (isinstance(number, str) and key in (*SCHEDULED, "n_timesteps")))
        number = float(number) if ok_type else None
    except ValueError:
        number = None
    if number is None or not math.isfinite(number) or (integer and number != int(number)):
        raise ConfigError(f"{source}: {key} must be a number in {wanted}; got {value!r}")
    too_low = low is not None and (number < low if low_inclusive else number <= low)
    if too_low or (high is not None and number > high):
        raise ConfigError(f"{source}: {key} must be in {wanted}; got {value!r}")


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


IMAGE_POLICIES = ("CnnPolicy", "CnnLstmPolicy")
MULTIPROCESS_VEC_ENVS = ("subproc", "local_workers", "split")  # vec_env choices whose envs step in other processes


def check_policy_fits(policy: str, observation_space: Any, env: str) -> None:
    """An image policy needs image observations (a Box of at least 3 dimensions: an image, or a pair
    of them for the ``pair`` encoder): otherwise a ConfigError naming the policy, the env's
    observation and the policies that fit it (an MLP takes any Box).

    >>> import gymnasium as gym
    >>> check_policy_fits("CnnPolicy", gym.spaces.Box(0, 1, (1872,)), "RLEnvs/Mario-v0 with state='tiles'")
    Traceback (most recent call last):
    ...
    baselines.config.ConfigError: policy CnnPolicy reads images (a Box of at least 3 dimensions: height, width, channels), but RLEnvs/Mario-v0 with state='tiles' observes Box(0.0, 1.0, (1872,), float32); valid for it: MlpPolicy (and MlpLstmPolicy for ppo_lstm)
    """
    shape = getattr(observation_space, "shape", None) or ()
    if policy in IMAGE_POLICIES and len(shape) < 3:
        raise ConfigError(f"policy {policy} reads images (a Box of at least 3 dimensions: height, width, channels), "
                          f"but {env} observes {observation_space}; valid for it: MlpPolicy (and MlpLstmPolicy for ppo_lstm)")


def algo_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The SB3 constructor arguments among ``params``, schedules built."""
    kwargs = {k: v for k, v in params.items() if k not in OWN_KEYS or k == "double_dqn"}
    for key in SCHEDULED:
        if key in kwargs:
            kwargs[key] = schedule(kwargs[key])
    if "cnn" in params:
        if params.get("policy") not in ("CnnPolicy", "CnnLstmPolicy"):
            raise ConfigError(f"cnn chooses CnnPolicy's image encoder; this configuration's policy is {params.get('policy')}")
    if params.get("normalize_obs") and params.get("policy") not in ("MlpPolicy", "MlpLstmPolicy"):
        raise ConfigError(f"normalize_obs standardizes MlpPolicy's vector observations; this configuration's policy is "
                          f"{params.get('policy')} (images are scaled to [0, 1] already)")
    if "cnn" in params or params.get("normalize_obs") or "policy_kwargs" in params:
        try:
            kwargs["policy_kwargs"] = policy_kwargs(params)
        except ValueError as error:
            raise ConfigError(str(error)) from error
    return kwargs


def comma_values(flag: str, key: str, raw: Any) -> list[Any]:
    """``flag key=a,b``'s values, as :func:`rl_envs.cli_args.literal` reads them (``true``, ``4``,
    else strings); none empty, none twice.

    >>> comma_values("--per-env", "stage", "1-1,1-2")
    ['1-1', '1-2']
    >>> comma_values("--vary", "markov", (True, False))
    [True, False]
    """
    parts = list(raw) if isinstance(raw, (tuple, list)) else str(raw).split(",") if isinstance(raw, str) else [raw]
    values = []
    for part in parts:
        values.append(literal(part.strip()) if isinstance(part, str) else part)
    if not values or any(v == "" for v in values):
        raise ConfigError(f"{flag} {key}= needs values separated by commas, e.g. {flag} {key}=a,b")
    if len(set(map(repr, values))) != len(values):
        raise ConfigError(f"{flag} {key} lists a value twice: {values}")
    return values
