"""The shipped agents (agents/*/): small, loadable with the safe loader by evaluate and watch, and
still playing the episode their eval_deterministic.json recorded (the game is deterministic from
the level's start, so any change to the env or the loader that alters their play shows here)."""

import json
import shutil
from pathlib import Path

import pytest

from baselines.evaluate import evaluate
from baselines.watch import watch

AGENTS = sorted(p for p in (Path(__file__).resolve().parents[1] / "agents").iterdir() if p.is_dir())
MAX_BYTES = 10 * 2**20


def working_copy(agent, to):
    """A copy to evaluate (evaluate writes into the directory it evaluates; a shipped agent is read only)."""
    copy = shutil.copytree(agent, to)
    (copy / "shipped.json").unlink()
    return copy


def test_agents_are_shipped():
    assert {p.name for p in AGENTS} >= {"mario-1-1_ppo_dqn", "mario-1-1_dqn_dqn", "mario-1-1_ppo_tiles"}


@pytest.mark.parametrize("agent", AGENTS, ids=[p.name for p in AGENTS])
def test_a_shipped_agent_replays_its_recorded_episode(tmp_path, agent):
    assert sum(f.stat().st_size for f in agent.rglob("*") if f.is_file()) <= MAX_BYTES
    recorded = json.loads((agent / "eval_deterministic.json").read_text())
    copy = working_copy(agent, tmp_path / agent.name)
    result = evaluate(copy, episodes=1, deterministic=True, output="replayed.json",
                      env_overrides=recorded.get("env_overrides") or {})  # as recorded (no sticky buttons)
    assert result["task"] == recorded["task"]
    assert result["returns"] == recorded["returns"]
    board = watch(copy, fps=10_000, max_frames=5)
    assert board.steps == 5


def test_shipping_a_run_keeps_its_play_and_drops_the_optimizers_moments(tmp_path, load_script):
    agent = min(AGENTS, key=lambda p: (p / "model.zip").stat().st_size)
    script = load_script("ship_agent")
    size = script.ship(agent, tmp_path / "shipped")
    assert size <= MAX_BYTES and (tmp_path / "shipped" / "model.zip").stat().st_size <= (agent / "model.zip").stat().st_size
    recorded = json.loads((agent / "eval_deterministic.json").read_text())
    assert json.loads((tmp_path / "shipped" / "shipped.json").read_text())["read_only"]
    result = evaluate(working_copy(tmp_path / "shipped", tmp_path / "copy"), episodes=1, deterministic=True,
                      output="replayed.json", env_overrides=recorded.get("env_overrides") or {})
    assert result["task"] == recorded["task"] and result["returns"] == recorded["returns"]
    with pytest.raises(SystemExit, match="has no state.json"):
        script.ship(tmp_path / "nowhere", tmp_path / "never")
