"""Compare reward designs: the same as ``rl-envs compare`` (see ``--help``).

    python scripts/compare_rewards.py --env RLEnvs/CartPole-v0 --designs alive,failure --seeds 3 --total-timesteps 20000
"""

import sys

from baselines.compare.cli import main

if __name__ == "__main__":
    sys.exit(main())
