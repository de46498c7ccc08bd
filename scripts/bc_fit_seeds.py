"""How reliably the demonstration fit (``--bc-demo``) reaches the demonstration, seed by seed.

``.venv/bin/python scripts/bc_fit_seeds.py --state dqn --algo dqn --lr 0.001 0.00025 --seeds 0 1 2 3 4``
fits a fresh model of each seed to the 1-1 demonstration's (observation, action) pairs for
``--epochs`` epochs at each learning rate and prints its greedy accuracy and loss beside the share
of the demonstration's most frequent action (the accuracy of a fit that stalled there). The
figures are in docs/baselines.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baselines.args import BC_LEARNING_RATES, TrainArgs  # noqa: E402
from baselines.config import load_hyperparams  # noqa: E402
from baselines.demonstrations import demonstration_pairs, fit_new_model  # noqa: E402
from rl_envs.mario.states import shipped  # noqa: E402

ENV = "RLEnvs/Mario-v0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", default="dqn", help="the Mario state design (default: %(default)s)")
    parser.add_argument("--algo", default="dqn", choices=["ppo", "a2c", "dqn"])
    parser.add_argument("--lr", type=float, nargs="+", help="learning rates to try (default: the algorithm's --bc-lr default)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=TrainArgs.bc_epochs)
    parser.add_argument("--stage", default="1-1")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    kwargs = {"state": args.state}
    params = load_hyperparams(args.algo, ENV, kwargs)
    observations, actions = demonstration_pairs(ENV, kwargs, params, str(shipped(args.stage)))
    print(f"{args.algo} on state={args.state}: {len(actions)} pairs of {args.stage}, most frequent action's share "
          f"{np.bincount(actions).max() / len(actions):.3f}", flush=True)
    for lr in args.lr or [BC_LEARNING_RATES[args.algo]]:
        for seed in args.seeds:
            fitted = fit_new_model(args.algo, ENV, kwargs, params, (observations, actions), args.epochs, lr, seed)
            print(f"lr {lr:g} seed {seed}: greedy accuracy {fitted['greedy_accuracy']:.3f}, loss "
                  f"{fitted['loss_after']:.3f} ({fitted['seconds']:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
