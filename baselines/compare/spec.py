"""What a comparison runs: its options (validated before anything trains) and its runs."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from baselines.args import CompareArgs, TrainArgs
from baselines.checkpoint import atomic_write_json
from baselines.config import ALGOS, ConfigError, comma_values
from baselines.factories import cpu_threads, make_env, resolve_device
from baselines.train import run_hyperparams
from rl_envs.extras import MissingExtraError, require
from rl_envs.options import check_choice, check_number
from rl_envs.registry import env_ids, reward_designs

BACKENDS = ("local", "ray")
MANIFEST = "compare.json"
# Settings every run of an output directory shares; designs and seeds may be added later.
SHARED = ("env", "algo", "total_timesteps", "env_kwargs", "overrides", "eval_episodes", "vary")


@dataclass(frozen=True)
class RunSpec:
    design: str  # the variant's label: the reward design, or "axis=value, ..." over every axis
    seed: int
    train: dict[str, Any]  # baselines.train.TrainArgs fields
    eval_episodes: int
    torch_threads: int

    @property
    def run_dir(self) -> str:
        return self.train["run_dir"]

    @property
    def name(self) -> str:
        return f"{self.design}/seed {self.seed}"




def envs_with_designs() -> list[str]:
    return [e for e in env_ids() if len(reward_designs(e)) > 1]


def axis_values(key: str, raw: Any) -> list[Any]:
    """``--vary key=a,b``'s values: parsed as Python literals where they are (``True``, ``4``), else strings."""
    return comma_values("--vary", key, raw)


def axes(args: CompareArgs) -> list[tuple[str, list[Any]]]:
    """The comparison's axes: ``reward`` (``--designs``) when compared, then each ``--vary``."""
    out = [("reward", list(args.designs))] if args.designs else []
    return out + [(key, values) for key, values in args.vary.items()]


def variants(args: CompareArgs) -> list[tuple[str, dict[str, Any]]]:
    """(label, {axis: value}) for every combination of the axes, in axis order. With the reward
    axis alone the label is the design's name, as plots and tables have always shown it."""
    named = axes(args)
    combos = itertools.product(*(values for _, values in named))
    out = []
    for combo in combos:
        values = dict(zip((key for key, _ in named), combo))
        label = str(combo[0]) if len(named) == 1 and named[0][0] == "reward" else \
            ", ".join(f"{key}={value}" for key, value in values.items())
        out.append((label, values))
    return out


def run_settings(args: CompareArgs, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(algo, env kwargs) of one variant."""
    kwargs = {**args.env_kwargs, **{k: v for k, v in values.items() if k != "algo"}}
    return values.get("algo", args.algo), kwargs


def validate(args: CompareArgs) -> CompareArgs:
    """Check every option; raises ConfigError / ValueError / TypeError naming the option and the valid choices."""
    args.algo = check_choice("algo", args.algo, ALGOS)
    valid = reward_designs(args.env)  # a ValueError listing the registered ids for an unknown env
    if not isinstance(args.vary, dict):
        raise ConfigError("--vary takes KEY=V1,V2 (an env option or algo, and its values)")
    if "reward" in args.vary:
        raise ConfigError("--vary reward=... is the reward axis: give it as --designs " + ",".join(map(str, valid)))
    for key in args.vary:
        if key in args.env_kwargs:
            raise ConfigError(f"--vary {key} and --env-kwarg {key} both set {key}; give it once")
    args.vary = {key: axis_values(key, raw) for key, raw in args.vary.items()}
    if "algo" in args.vary:
        for algo in args.vary["algo"]:
            check_choice("--vary algo", algo, ALGOS)
    if not args.vary and len(valid) < 2:
        raise ConfigError(f"{args.env} has a single reward; envs with several designs: {', '.join(envs_with_designs())}"
                          " (or compare other options with --vary)")
    args.designs = list(args.designs) or ([] if args.vary else list(valid))
    unknown = [d for d in args.designs if d not in valid]
    if unknown:
        raise ConfigError(f"--designs: {args.env} has no design {', '.join(map(repr, unknown))}; valid: {', '.join(valid)}")
    if len(set(args.designs)) != len(args.designs):
        raise ConfigError(f"--designs lists a design twice: {', '.join(args.designs)}")
    args.seeds = check_number("seeds", args.seeds, low=1, integer=True)
    args.eval_episodes = check_number("eval_episodes", args.eval_episodes, low=1, integer=True)
    if args.total_timesteps is not None:
        args.total_timesteps = check_number("total_timesteps", args.total_timesteps, low=1, integer=True)
    args.workers = check_number("workers", args.workers if args.workers is not None else os.cpu_count() or 1,
                                low=1, integer=True)
    args.backend = check_choice("backend", args.backend, BACKENDS)
    if args.address is not None and args.backend != "ray":
        raise ConfigError("--address is a Ray cluster address; it needs --backend ray")
    if args.backend == "ray":
        try:
            require("ray", "ray", "--backend ray")
        except MissingExtraError as error:
            raise ConfigError(str(error)) from None
    if "reward" in args.env_kwargs:
        raise ConfigError("--env-kwarg reward=... is what --designs sets; leave it out")
    check_runs_can_start(args)
    return args


def check_runs_can_start(args: CompareArgs) -> None:
    """Hyperparameters and env options of every variant, checked the way the trainer will; an
    error names the variant."""
    resolve_device(args.device)
    for label, values in variants(args):
        algo, kwargs = run_settings(args, values)
        try:
            run_hyperparams(TrainArgs(algo=algo, env=args.env, env_kwargs=kwargs, overrides=dict(args.overrides)))
            make_env(args.env, kwargs).close()
        except (ValueError, TypeError) as error:
            if len(variants(args)) == 1 or not args.vary:
                raise
            raise type(error)(f"variant {label}: {error}") from None


def out_dir(args: CompareArgs) -> Path:
    return Path(args.out) if args.out else Path("results") / "compare" / f"{args.env.replace('/', '_')}__{args.algo}"


def check_manifest(args: CompareArgs) -> Path:
    """The output directory, after checking that runs already in it were made with the same settings."""
    out = out_dir(args)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a directory; choose a directory for the comparison")
    path = out / MANIFEST
    wanted = json.loads(json.dumps({key: getattr(args, key) for key in SHARED}))  # as stored (tuples -> lists)
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError as error:
            raise ConfigError(f"{path} is not readable JSON ({error}); use another --out") from error
        stored.setdefault("vary", {})  # a manifest without the key compares reward designs only
        differ = [f"{k}: {stored.get(k)!r} there, {wanted[k]!r} now" for k in SHARED if stored.get(k) != wanted[k]]
        if differ:
            raise ConfigError(f"{out} holds a comparison with other settings ({'; '.join(differ)}); "
                              f"use another --out or the same settings")
    return out


def write_manifest(args: CompareArgs, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / MANIFEST, {key: getattr(args, key) for key in SHARED})


def runs(args: CompareArgs, out: Path) -> list[RunSpec]:
    """One run per (variant, seed), in variant order then seed order."""
    total = args.total_timesteps
    specs = []
    combos = variants(args)
    threads = max(1, cpu_threads() // min(args.workers, args.seeds * len(combos)))
    for label, values in combos:
        algo, kwargs = run_settings(args, values)
        name = label.replace(", ", "__").replace("=", "-")
        for seed in range(args.seeds):
            train = TrainArgs(algo=algo, env=args.env, env_kwargs=kwargs,
                              overrides=dict(args.overrides), total_timesteps=total, seed=seed, device=args.device,
                              run_dir=str(out / "runs" / f"{name}__seed{seed}"), eval_freq=0, progress_bar=False,
                              checkpoint_freq=checkpoint_every(total))
            specs.append(RunSpec(label, seed, asdict(train), args.eval_episodes, threads))
    return specs


def checkpoint_every(total: int | None) -> int:
    """Often enough that an interrupted short run resumes part-way (about five per run)."""
    return 10_000 if total is None else max(500, min(10_000, total // 5))
