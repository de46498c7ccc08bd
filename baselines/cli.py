"""``rl-envs-baselines``: train, evaluate, watch and compare agents on the RLEnvs/* environments.

    rl-envs-baselines train --algo ppo --env RLEnvs/CartPole-v0 --seed 0
    rl-envs-baselines train --resume RUN_DIR
    rl-envs-baselines evaluate RUN_DIR --episodes 10
    rl-envs-baselines watch RUN_DIR
    rl-envs-baselines compare --env RLEnvs/CartPole-v0 --designs alive,failure --seeds 3

Every subcommand's options are the fields of its arguments dataclass (:mod:`baselines.args`,
:class:`~baselines.args.CompareArgs`), turned into flags by :mod:`rl_envs.cli_args`;
``rl-envs-baselines SUBCOMMAND --help`` lists them with their defaults. ``python -m
baselines.train`` (and ``.evaluate``, ``.watch``, ``.compare``) are the same subcommands.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
from pathlib import Path

from baselines.args import PROG, CompareArgs, EvaluateArgs, TrainCommand, WatchArgs
from rl_envs.cli_args import add_arguments, from_namespace

# name -> (arguments dataclass, module whose run(args) carries it out, one-line help). The
# modules load only for the subcommand that runs: they import torch and Stable-Baselines3.
COMMANDS = {
    "train": (TrainCommand, "baselines.train", "train DQN or PPO on an env, or resume a run"),
    "evaluate": (EvaluateArgs, "baselines.evaluate", "evaluate a run's model; writes the results into the run directory"),
    "watch": (WatchArgs, "baselines.watch", "watch a run's agent play in a window"),
    "compare": (CompareArgs, "baselines.compare.cli", "train and compare reward designs over seeds"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{" + ",".join(COMMANDS) + "}")
    for name, (cls, module, help_text) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=_doc(module),
                                     formatter_class=argparse.RawDescriptionHelpFormatter), cls)
    return parser


def _doc(module: str) -> str | None:
    """The module's docstring, read without importing it (importing loads torch)."""
    spec = importlib.util.find_spec(module)
    return ast.get_docstring(ast.parse(Path(spec.origin).read_text())) if spec and spec.origin else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cls, module, _ = COMMANDS[ns.command]
    args = from_namespace(cls, ns, parser)
    return importlib.import_module(module).run(args)


if __name__ == "__main__":
    sys.exit(main())
