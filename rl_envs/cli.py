"""The ``rl-envs`` command: ``rl-envs list``, ``rl-envs play ENV_ID [--kwarg key=value ...]``,
``rl-envs compare --env ENV_ID --designs a,b ...`` (see ``rl-envs compare --help``)."""

from __future__ import annotations

import argparse
import sys

import gymnasium as gym

import rl_envs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rl-envs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered RLEnvs/* environments")
    play = sub.add_parser("play", help="play an environment with the keyboard")
    play.add_argument("env_id", help="a registered id, e.g. RLEnvs/GridWorld-v0")
    play.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE",
                      help="environment option (repeatable); VALUE is a Python literal or a string")
    play.add_argument("--ansi", action="store_true", help="play in the terminal (tabular envs only)")
    play.add_argument("--seed", type=int, default=None, help="seed of the first reset")
    play.add_argument("--zoom", type=float, default=1.0, help="window scale")
    play.add_argument("--fps", type=float, default=None, help="frames per second (default: the env's)")
    play.add_argument("--agent", metavar="RUN_DIR", help="watch a trained agent (a baselines.train run) instead")
    sub.add_parser("compare", help="train and compare reward designs (rl-envs compare --help)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["compare"]:  # its own parser (baselines.compare.cli), options and help
        from baselines.compare.cli import main as compare_main

        return compare_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        for env_id in rl_envs.env_ids():
            print(env_id)
        return 0
    from rl_envs.play import parse_kwargs, play, play_ansi

    if args.env_id not in gym.registry:
        parser.error(f"unknown env {args.env_id!r}; registered: {', '.join(rl_envs.env_ids())}")
    if args.agent:
        from baselines.checkpoint import CheckpointError
        from baselines.watch import watch

        try:
            board = watch(args.agent, args.env_id, fps=args.fps, zoom=args.zoom)
        except (CheckpointError, ValueError) as error:
            parser.error(str(error))
        print(f"watched {len(board.finished_returns)} complete episode(s); returns: {board.finished_returns}")
        return 0
    try:
        kwargs = {**rl_envs.registry.play_kwargs(args.env_id), **parse_kwargs(args.kwarg)}
        env = gym.make(args.env_id, render_mode="ansi" if args.ansi else "rgb_array", **kwargs)
    except (TypeError, ValueError) as error:
        parser.error(str(error))
    try:
        board = play_ansi(env, seed=args.seed) if args.ansi else play(env, seed=args.seed, zoom=args.zoom, fps=args.fps)
    finally:
        env.close()
    print(f"played {len(board.finished_returns)} complete episode(s); returns: {board.finished_returns}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
