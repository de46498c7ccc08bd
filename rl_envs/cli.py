"""The ``rl-envs`` command: ``rl-envs list``, ``rl-envs play ENV_ID [--kwarg key=value ...]
[--demo FILE]`` and ``rl-envs mario-search --stage 1-1`` (a planner that writes a demonstration).

Agents (train, evaluate, watch, compare reward designs) are the baselines package's command,
``rl-envs-baselines`` (``pip install 'rl-envs[baselines]'``); this package never imports it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from rl_envs.cli_args import add_arguments, from_namespace
from rl_envs.extras import MissingExtraError
from rl_envs.mario.search_args import SearchArgs
from rl_envs.play import PlayArgs, make, run
from rl_envs.registry import env_ids

# Agent commands live in rl-envs-baselines (rl_envs never imports baselines): where to find them.
MOVED = {"compare": "rl-envs-baselines compare", "--agent": "rl-envs-baselines watch RUN_DIR"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rl-envs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered RLEnvs/* environments")
    add_arguments(sub.add_parser("play", help="play an environment with the keyboard"), PlayArgs)
    add_arguments(sub.add_parser("mario-search", help="plan through a Mario stage with save states; "
                                 "writes a demonstration"), SearchArgs)
    return parser


def moved(argv: list[str]) -> str | None:
    """The notice for a command that moved to ``rl-envs-baselines``, if ``argv`` asks for one."""
    for old, new in MOVED.items():
        if (old == "compare" and argv[:1] == [old]) or (old != "compare" and any(a.split("=")[0] == old for a in argv)):
            return f"rl-envs: {'rl-envs ' + old if old == 'compare' else 'rl-envs play ' + old} moved: use {new} " \
                   "(the baselines package: pip install 'rl-envs[baselines]')"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    notice = moved(argv)
    if notice:
        print(notice, file=sys.stderr)
        return 2
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.command == "list":
        for env_id in env_ids():
            print(env_id)
        return 0
    if ns.command == "mario-search":
        args = from_namespace(SearchArgs, ns, parser)
        try:  # loaded here: the search needs the 'mario' extra, listing and playing do not
            path = importlib.import_module("rl_envs.mario.search").run(args)
        except (TypeError, ValueError, MissingExtraError) as error:
            parser.error(str(error))
        print(f"demonstration written to {path}")
        return 0
    args = from_namespace(PlayArgs, ns, parser)
    try:
        env = make(args)
    except (TypeError, ValueError, MissingExtraError) as error:  # bad options, or a missing extra
        parser.error(str(error))
    try:
        board = run(args, env)
    except (TypeError, ValueError) as error:  # e.g. a demonstration the env cannot press
        parser.error(str(error))
    print(f"played {len(board.finished_returns)} complete episode(s); returns: {board.finished_returns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
