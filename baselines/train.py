"""Train SB3's DQN or PPO on any RLEnvs/* environment.

``rl-envs-baselines train --algo ppo --env RLEnvs/CartPole-v0 [--env-kwarg markov=False] ...``
(or ``python -m baselines.train``; options: :class:`baselines.args.TrainArgs`). Reads top to
bottom: arguments -> environment -> model -> training loop (SB3's ``learn`` with checkpoint,
evaluation and logging callbacks). Runs land in
``runs/{env}__{algo}__{seed}__{time}/`` (the files: :mod:`baselines.rundir`); ``--resume RUN_DIR``
continues from the last checkpoint, refuses a directory another live process holds, and
changes nothing on a run that is already complete.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from baselines.args import BC_LEARNING_RATES, PROG, TrainArgs, TrainCommand, from_dict
from baselines.callbacks import (
    AtomicCheckpoint,
    EpisodeLog,
    KeepCloning,
    OneThreadWhileCollecting,
    ProgressFile,
    ResumableEval,
    StopAfter,
)
from baselines.checkpoint import CheckpointError, atomic_write, atomic_write_json, load_replay_buffer, safe_load
from baselines.config import (
    ALGOS,
    MULTIPROCESS_VEC_ENVS,
    NORMALIZE_STEPS,
    ON_POLICY,
    ConfigError,
    algo_class,
    check_hyperparams,
    comma_values,
    eval_deterministic,
    load_hyperparams,
)
from baselines.demonstrations import Cloner, behaviour_clone, demonstration_pairs
from baselines.factories import (
    build_model,
    copy_kwargs,
    env_description,
    evaluation_kwargs,
    machine,
    make_env,
    make_vec_env,
    resolve_device,
)
from baselines.networks import fit_standardizers
from baselines.rundir import (
    BEHAVIOUR_CLONING,
    CHECKPOINT_INFO,
    CHECKPOINT_MODEL,
    CONFIG,
    MODEL,
    REPLAY_ARRAYS,
    REPLAY_INFO,
    TENSORBOARD,
    RunDir,
    RunFileError,
)
from baselines.tb_names import CleanRLNames
from rl_envs.cli_args import parse
from rl_envs.options import check_choice, check_number
from rl_envs.registry import entry

PRINT_EVERY_SECONDS = 300  # a progress line in the log of a run without a progress bar
FIT_WARNING_ACCURACY = 0.9  # below it, the demonstration fit has likely not left its first plateau


def run_hyperparams(args: TrainArgs) -> dict[str, Any]:
    """The file's hyperparameters for this run, with ``--set`` overrides, every value range-checked."""
    params = load_hyperparams(args.algo, args.env, args.env_kwargs, args.hyperparams)
    check_hyperparams(args.algo, args.overrides, "--set")
    return check_hyperparams(args.algo, {**params, **args.overrides}, "--set")


def check_args(args: TrainArgs) -> None:
    """Every trainer option in range (the env's own options are checked by making it; the
    options that depend on the hyperparameters by :func:`check_budget`)."""
    args.algo = check_choice("algo", args.algo, ALGOS)
    entry(args.env)  # an unknown id: an error listing the registered ones
    check_number("seed", args.seed, low=0, integer=True)
    check_number("checkpoint_freq", args.checkpoint_freq, low=1, integer=True)
    check_number("eval_freq", args.eval_freq, low=0, integer=True)
    check_number("eval_episodes", args.eval_episodes, low=1, integer=True)
    if args.max_minutes is not None:
        check_number("max_minutes", args.max_minutes, low=0.0, low_inclusive=False)
    check_number("bc_epochs", args.bc_epochs, low=1, integer=True)
    check_number("bc_keep", args.bc_keep, low=0, integer=True)
    if args.bc_lr is not None:
        check_number("bc_lr", args.bc_lr, low=0.0, low_inclusive=False)
    check_number("bc_idle", args.bc_idle, low=0, high=1000, integer=True)
    if args.torch_threads is not None:
        check_number("torch_threads", args.torch_threads, low=1, integer=True)
    args.per_env = {key: comma_values("--per-env", key, raw) for key, raw in args.per_env.items()}
    if args.bc_keep and args.bc_demo is None:
        raise ConfigError("--bc-keep keeps fitting the --bc-demo demonstration during RL; give --bc-demo too")
    if args.bc_demo is not None and args.algo not in ("ppo", "dqn", "a2c"):
        raise ConfigError(f"--bc-demo fits a policy (ppo, a2c) or Q-values (dqn) to a demonstration; --algo {args.algo} "
                          "has neither without a memory or continuous actions: use ppo, a2c or dqn")


def check_budget(args: TrainArgs, params: dict[str, Any]) -> tuple[int, int]:
    """(total steps, envs): the arguments', or the hyperparameters' where the arguments give none."""
    total = check_number("total_timesteps", args.total_timesteps if args.total_timesteps is not None
                         else int(float(params["n_timesteps"])), low=0, integer=True)
    if total == 0 and args.bc_demo is None:
        raise ConfigError("--total-timesteps 0 trains nothing; it is only for --bc-demo (the demonstration fit "
                          "alone, no RL steps): give --bc-demo, or a number of steps >= 1")
    n_envs = check_number("n_envs", args.n_envs if args.n_envs is not None else int(params.get("n_envs", 1)),
                          low=1, integer=True)
    return total, n_envs


def check_env_copies(args: TrainArgs, n_envs: int) -> None:
    """Make one env of each distinct option set the copies get: a bad option fails with the env's
    own message, and copies whose spaces differ (``--per-env state=ram,tiles``) are refused."""
    first = None
    for kwargs in {repr(k): k for k in copy_kwargs(args.env_kwargs, args.per_env, n_envs)}.values():
        env = make_env(args.env, kwargs)
        spaces = (env.observation_space, env.action_space)
        env.close()
        if first is None:
            first = kwargs, spaces
        elif spaces != first[1]:
            raise ConfigError(f"--per-env: the env copies must share their observation and action spaces, but "
                              f"{env_description(args.env, first[0])} has {first[1]} and "
                              f"{env_description(args.env, kwargs)} has {spaces}")


def resume_args(run_dir: Path, total_timesteps: int | None = None, torch_threads: int | None = None) -> TrainArgs:
    """The arguments a run was started with (its config.json), for ``--resume``; ``total_timesteps``
    and ``torch_threads`` replace the recorded ones when given."""
    config = RunDir(run_dir).load_config()
    args = from_dict(TrainArgs, config["args"], f"{Path(run_dir) / CONFIG}: args")
    args.total_timesteps = total_timesteps if total_timesteps is not None else config["total_timesteps"]
    if torch_threads is not None:
        args.torch_threads = torch_threads
    return args


# What a resumed process may set; every other option comes from the run's config.json.
RESUME_OPTIONS = ("total_timesteps", "torch_threads", "max_minutes", "progress_bar", "device")


def resume_command_args(command: TrainCommand) -> TrainArgs:
    """``train --resume RUN_DIR``: the run's recorded arguments, with the resumed process's
    :data:`RESUME_OPTIONS` from ``command``. Another option given with a value other than the
    recorded one is refused, since the run would silently ignore it; given with the recorded
    value (the run's own command repeated with ``--resume``) it is accepted."""
    args = resume_args(Path(command.resume), command.total_timesteps, command.torch_threads)
    defaults = TrainArgs()
    ignored = [f.name for f in dataclasses.fields(TrainArgs)
               if f.name not in RESUME_OPTIONS and getattr(command, f.name) != getattr(defaults, f.name)
               and getattr(command, f.name) != getattr(args, f.name)]
    if ignored:
        given = ", ".join("--" + name.replace("_", "-") for name in ignored)
        valid = ", ".join("--" + name.replace("_", "-") for name in RESUME_OPTIONS)
        raise ConfigError(f"--resume: {given} differ from the run's {CONFIG}, and a resumed run keeps its "
                          f"recorded options; with --resume change only {valid}")
    args.max_minutes = command.max_minutes
    args.progress_bar = command.progress_bar
    args.device = command.device
    return args


def check_checkpoint(checkpoint: dict[str, Any], args: TrainArgs, model: Any) -> None:
    """A checkpoint from this run's algorithm, with the replay buffer the run saves."""
    manifest = checkpoint["dir"] / CHECKPOINT_INFO
    if checkpoint["algo"] != args.algo:
        raise CheckpointError(f"{manifest}: a {checkpoint['algo']} checkpoint, but this run trains {args.algo}")
    if args.save_replay_buffer and getattr(model, "replay_buffer", None) is not None and not checkpoint["replay_buffer"]:
        raise CheckpointError(f"{manifest} says it has no replay buffer, but this run saves one with every "
                              "checkpoint (a checkpoint from another run?)")


def random_observations(venv: Any, steps: int, seed: int) -> np.ndarray:
    """Observations of ``venv`` over about ``steps`` steps of uniformly random actions (all envs
    together): what ``normalize_obs`` fits its statistics on, from the run's own start states."""
    venv.action_space.seed(seed)
    observations = [venv.reset()]
    for _ in range(max(steps // venv.num_envs - 1, 0)):
        actions = np.array([venv.action_space.sample() for _ in range(venv.num_envs)])
        observations.append(venv.step(actions)[0])
    return np.concatenate(observations)


def default_run_dir(args: TrainArgs) -> Path:
    return Path("runs") / f"{args.env.replace('/', '_')}__{args.algo}__{args.seed}__{int(time.time())}"


def replay_buffer_summary(model: Any) -> str | None:
    buffer = getattr(model, "replay_buffer", None)
    if buffer is None:
        return None
    arrays = [buffer.observations] + ([] if buffer.optimize_memory_usage else [buffer.next_observations])
    gib = sum(a.nbytes for a in arrays) / 2**30
    mode = "memory-optimised (one copy of each observation)" if buffer.optimize_memory_usage else "two copies"
    return f"replay buffer: {buffer.buffer_size:,} transitions, {gib:.2f} GiB of observations, {mode}"


def configure_logger(model: Any, run_dir: RunDir) -> None:
    from stable_baselines3.common.logger import Logger, TensorBoardOutputFormat

    tensorboard = TensorBoardOutputFormat(str(run_dir / TENSORBOARD))
    model.set_logger(Logger(str(run_dir), [tensorboard, CleanRLNames(tensorboard)]))


def train(args: TrainArgs, resume: Path | None = None) -> Path:
    """Train (or resume) one run; returns its directory. Bad input fails before anything is written.

    A resumed run with no checkpoint yet starts again from step 0 in the same directory; one whose
    checkpoints are all unreadable is refused (nothing is deleted).
    """
    # --- arguments ------------------------------------------------------------------------------
    check_args(args)
    if args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    if resume is not None:
        run_dir = RunDir(resume)
        params = check_hyperparams(args.algo, run_dir.load_config()["hyperparams"], str(run_dir / CONFIG))
    else:
        run_dir = RunDir(args.run_dir or default_run_dir(args))
        params = run_hyperparams(args)
    total, n_envs = check_budget(args, params)
    device = resolve_device(args.device)
    check_env_copies(args, n_envs)  # bad env options fail here, with their own message
    if resume is None:
        if run_dir.has_config():
            raise ConfigError(f"{run_dir} already holds a run; use --resume {run_dir} to continue it")
        if run_dir.has_run_files():
            raise RunFileError(f"{run_dir / CONFIG} is missing, but {run_dir} holds a run's files; refusing to "
                               "train over them (move them away, or choose another --run-dir)")
        run_dir.path.mkdir(parents=True, exist_ok=True)
    with run_dir.lock("train --resume" if resume is not None else "train"):
        run_dir.remove_temporaries()
        try:
            return _train(args, params, run_dir, total, n_envs, device, resume is not None)
        except KeyboardInterrupt:
            raise Interrupted(interrupted_message(run_dir)) from None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during training, with what the run directory keeps and how to go on (still a
    KeyboardInterrupt: callers that stop on one, such as compare's workers, still do)."""


def interrupted_message(run_dir: RunDir) -> str:
    """What a Ctrl-C leaves: the run resumes from its last checkpoint (or from the start, with none yet)."""
    try:
        checkpoint = run_dir.latest_checkpoint()
    except CheckpointError:
        checkpoint = None
    resume = f"`{PROG} train --resume {run_dir.path}`"
    if checkpoint is None:
        return f"interrupted before the first checkpoint; {resume} starts the run again from step 0"
    return f"interrupted; {run_dir.path} keeps its last checkpoint (step {checkpoint['step']:,}): {resume} goes on from there"


def _train(args: TrainArgs, params: dict[str, Any], run_dir: RunDir, total: int, n_envs: int, device: str,
           resuming: bool) -> Path:
    state = run_dir.load_state() if resuming else None
    if state is not None and state["timesteps"] >= total:
        print(f"{run_dir} is complete ({state['timesteps']:,} of {total:,} steps); nothing to do "
              f"(--total-timesteps N continues it to N steps)")
        return run_dir.path
    checkpoint = run_dir.latest_checkpoint() if resuming else None
    venv = make_vec_env(args.env, args.env_kwargs, params, n_envs, args.seed, training=True, per_env=args.per_env)
    model = build_model(args.algo, params, venv, args.seed, device, env_description(args.env, args.env_kwargs))
    if checkpoint is not None:
        model = restore(model, checkpoint, args, venv, device, run_dir, total)
    pairs = None
    if args.bc_demo is not None and (checkpoint is None or args.bc_keep):  # a bad one fails before anything is written
        pairs = demonstration_pairs(args.env, args.env_kwargs, params, args.bc_demo, args.bc_idle)
    cloned = None
    if checkpoint is None:
        if params.get("normalize_obs"):
            standardize_observations(model, venv, params, args.seed, pairs)
        if pairs is not None:
            cloned = fit_demonstration(model, pairs, args)
    record(run_dir, args, params, total, n_envs, device, checkpoint, resuming, cloned)
    callbacks, episode_log, saver = training_callbacks(args, params, run_dir, model, total, n_envs, checkpoint, pairs)
    learn(model, callbacks, episode_log, saver, args, run_dir, total, n_envs, device)
    venv.close()
    print(f"done: {model.num_timesteps:,} steps; model in {run_dir / MODEL}")
    return run_dir.path


# --- the phases of a run, in the order _train takes them -------------------------------------------
def restore(model: Any, checkpoint: dict[str, Any], args: TrainArgs, venv: Any, device: str, run_dir: RunDir,
            total: int) -> Any:
    """The checkpoint's model (and replay buffer), checked against this run."""
    check_checkpoint(checkpoint, args, model)
    model = safe_load(algo_class(args.algo), checkpoint["dir"] / CHECKPOINT_MODEL, model, venv, device)
    if model.num_timesteps != checkpoint["step"]:
        raise CheckpointError(f"{checkpoint['dir']}: its model is at step {model.num_timesteps}, its manifest "
                              f"says {checkpoint['step']}; refusing to pair them")
    if checkpoint["replay_buffer"] and getattr(model, "replay_buffer", None) is not None:
        load_replay_buffer(model.replay_buffer, checkpoint["dir"] / REPLAY_ARRAYS, checkpoint["dir"] / REPLAY_INFO)
    print(f"resuming {run_dir} at step {model.num_timesteps:,} of {total:,}")
    return model


def standardize_observations(model: Any, venv: Any, params: dict[str, Any], seed: int,
                             pairs: tuple[np.ndarray, np.ndarray] | None) -> None:
    """``normalize_obs``: the network's standardizers fitted to random-action observations (and
    the demonstration's), once, before any update."""
    seen = random_observations(venv, int(params.get("normalize_steps", NORMALIZE_STEPS)), seed)
    fitted = fit_standardizers(model.policy, seen if pairs is None else np.concatenate([seen, pairs[0]]))
    print(f"observations standardized by the mean and std of {fitted['observations']:,} observations "
          f"(random actions{' and the demonstration' if pairs is not None else ''}; "
          f"{fitted['constant_features']} entries constant there)")


def bc_learning_rate(args: TrainArgs) -> float:
    return args.bc_lr if args.bc_lr is not None else BC_LEARNING_RATES[args.algo]


def fit_demonstration(model: Any, pairs: tuple[np.ndarray, np.ndarray], args: TrainArgs) -> dict[str, float]:
    """``--bc-demo``: the model fitted to the demonstration's pairs before RL; warns on a stalled fit."""
    cloned = behaviour_clone(model, *pairs, args.bc_epochs, learning_rate=bc_learning_rate(args), seed=args.seed)
    print(f"behaviour cloning: {cloned['pairs']} steps of {args.bc_demo}, {args.bc_epochs} epochs, loss "
          f"{cloned['loss_before']:.3f} -> {cloned['loss_after']:.3f}, greedy accuracy {cloned['greedy_accuracy']:.3f} "
          f"({cloned['seconds']:.0f} s)")
    if cloned["greedy_accuracy"] < FIT_WARNING_ACCURACY:
        print(f"warning: the fit ended at greedy accuracy {cloned['greedy_accuracy']:.2f}; a fit can sit on the "
              "plateau where it predicts only the demonstration's action frequencies for epochs before it "
              "tells the states apart; give more --bc-epochs", file=sys.stderr)
    return cloned


def record(run_dir: RunDir, args: TrainArgs, params: dict[str, Any], total: int, n_envs: int, device: str,
           checkpoint: dict[str, Any] | None, resuming: bool, cloned: dict[str, float] | None) -> None:
    """A new run's config.json (a resumed one keeps its own) and the demonstration fit's record."""
    if checkpoint is None and resuming:
        print(f"{run_dir} has no checkpoint yet; starting it again from step 0")
    elif checkpoint is None:
        run_dir.save_config({"args": dataclasses.asdict(args), "total_timesteps": total, "n_envs": n_envs,
                             "device": device, "hyperparams": params, "machine": machine()})
    if cloned is not None:
        atomic_write_json(run_dir / BEHAVIOUR_CLONING, cloned)


def training_callbacks(args: TrainArgs, params: dict[str, Any], run_dir: RunDir, model: Any, total: int, n_envs: int,
                       checkpoint: dict[str, Any] | None, pairs: tuple[np.ndarray, np.ndarray] | None
                       ) -> tuple[list, EpisodeLog, AtomicCheckpoint]:
    """The callbacks of the RL loop: episode log, progress, checkpoints, and what the options add."""
    episode_log = EpisodeLog(run_dir, args.env, n_envs, checkpoint["unfinished"] if checkpoint else None)
    saver = AtomicCheckpoint(run_dir, args.algo, args.checkpoint_freq, args.save_replay_buffer, episode_log,
                             checkpoint["wall_seconds"] if checkpoint else 0.0)
    callbacks: list = [episode_log, ProgressFile(run_dir, total, print_every=None if args.progress_bar else PRINT_EVERY_SECONDS), saver]
    if args.algo in ON_POLICY and params.get("vec_env") in MULTIPROCESS_VEC_ENVS and n_envs > 1:
        callbacks.append(OneThreadWhileCollecting())
    if args.bc_keep:
        callbacks.append(KeepCloning(Cloner(model, *pairs, learning_rate=bc_learning_rate(args), seed=args.seed), args.bc_keep))
    if args.max_minutes is not None:
        callbacks.append(StopAfter(args.max_minutes * 60))
    if args.eval_freq > 0:
        eval_env = make_vec_env(args.env, evaluation_kwargs(args.env, args.env_kwargs), params, 1, args.seed + 10_000,
                                evaluation=True)
        callbacks.append(ResumableEval(eval_env, run_dir, max(args.eval_freq // n_envs, 1), args.eval_episodes,
                                       eval_deterministic(params), model.num_timesteps))
    return callbacks, episode_log, saver


def learn(model: Any, callbacks: list, episode_log: EpisodeLog, saver: AtomicCheckpoint, args: TrainArgs,
          run_dir: RunDir, total: int, n_envs: int, device: str) -> None:
    """The RL steps left, then the closing files (the episode log, the final model, state.json)."""
    configure_logger(model, run_dir)
    summary = replay_buffer_summary(model)
    if summary:
        print(summary)
    remaining = total - model.num_timesteps
    if total == 0:
        print("--total-timesteps 0: the demonstration fit alone, no RL steps")
    elif remaining <= 0:
        print(f"{run_dir.path} is at step {model.num_timesteps:,} of {total:,}: nothing left to train; "
              "writing its closing files")
    else:
        print(f"training {args.algo} on {args.env} {args.env_kwargs or ''} for {remaining:,} steps on {device} "
              f"({n_envs} envs); logs: tensorboard --logdir {run_dir / TENSORBOARD}")
    if remaining > 0:
        model.learn(remaining, callback=callbacks, reset_num_timesteps=False, progress_bar=args.progress_bar)
        if saver.last != model.num_timesteps:
            saver.save()
    else:  # killed after its final checkpoint: only the closing files are missing
        episode_log.init_callback(model)
        episode_log.on_training_start({}, {})
    episode_log.close(model.num_timesteps)
    atomic_write(run_dir / MODEL, model.save)
    run_dir.save_state(model.num_timesteps, saver.wall_seconds())


def run(command: TrainCommand) -> int:
    """``rl-envs-baselines train``: a new run, or ``--resume RUN_DIR``."""
    try:
        if command.resume:
            train(resume_command_args(command), Path(command.resume))
        else:
            train(command.train_args())
    except (ConfigError, CheckpointError, ValueError, TypeError) as error:
        print(f"rl-envs-baselines train: error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"rl-envs-baselines train: {stop}", file=sys.stderr)
        return 130  # the shell's code for a command ended by Ctrl-C
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(parse(TrainCommand, argv, prog=f"{PROG} train", description=__doc__))


if __name__ == "__main__":
    sys.exit(main())
