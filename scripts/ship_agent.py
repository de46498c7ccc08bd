"""Copy a finished run into ``agents/`` as a shipped agent: what ``watch`` and ``evaluate`` need,
and the model without the optimizer's moments.

``.venv/bin/python scripts/ship_agent.py ~/runs/mario_ppo_dqn_s0 agents/mario-1-1_ppo_dqn``
copies ``config.json``, ``state.json``, the evaluations (``eval*.json``) and
``behaviour_cloning.json``, marks the directory read only (``shipped.json``: ``evaluate``
refuses to write there), then loads the model with the safe loader and saves it again with a
freshly built optimizer: Adam's two moment buffers are twice the network's size and only a
resumed training would use them (the weights, hence every evaluation, are unchanged). Refuses
an agent over 10 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baselines.evaluate import load_run  # noqa: E402
from baselines.rundir import BEHAVIOUR_CLONING, CONFIG, MODEL, SHIPPED, STATE  # noqa: E402

MAX_AGENT_BYTES = 10 * 2**20


def ship(run_dir: Path, agent_dir: Path) -> int:
    """Write the agent directory; returns its size in bytes."""
    if not (run_dir / STATE).exists():
        raise SystemExit(f"{run_dir} has no {STATE}: ship a finished run")
    agent_dir.mkdir(parents=True, exist_ok=True)
    for name in [CONFIG, STATE, BEHAVIOUR_CLONING] + sorted(p.name for p in run_dir.glob("eval*.json")):
        if (run_dir / name).exists():
            shutil.copy2(run_dir / name, agent_dir / name)
    model, venv, _ = load_run(run_dir)
    venv.close()
    optimizer = model.policy.optimizer
    # The same parameters (DQN's optimizer holds the online network only), no moments.
    model.policy.optimizer = type(optimizer)(optimizer.param_groups[0]["params"], **optimizer.defaults)
    model.save(agent_dir / MODEL)
    (agent_dir / SHIPPED).write_text(json.dumps({"from": run_dir.name, "read_only": True}) + "\n")
    size = sum(p.stat().st_size for p in agent_dir.iterdir())
    if size > MAX_AGENT_BYTES:
        shutil.rmtree(agent_dir)
        raise SystemExit(f"{agent_dir} would take {size / 2**20:.1f} MB, over the {MAX_AGENT_BYTES // 2**20} MB limit")
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a finished run directory")
    parser.add_argument("agent_dir", type=Path, help="where the agent goes, e.g. agents/mario-1-1_ppo_dqn")
    args = parser.parse_args(argv)
    size = ship(args.run_dir, args.agent_dir)
    print(f"{args.agent_dir}: {size / 2**20:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
