"""Every Mario state design and the combination action designs train with PPO (smoke runs: the
trainer builds, learns for a few updates, checkpoints and evaluates from the level start)."""

from __future__ import annotations

import json

import pytest
import torch

from baselines.args import TrainArgs
from baselines.evaluate import evaluate, load_run
from baselines.train import train


def smoke(run_dir, **env_kwargs) -> dict:
    train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=env_kwargs, total_timesteps=128, n_envs=1,
                    checkpoint_freq=64, eval_freq=0, progress_bar=False, run_dir=str(run_dir),
                    overrides={"n_steps": 64, "batch_size": 32, "n_epochs": 1, "vec_env": "dummy", "normalize_steps": 64}))
    return json.loads((run_dir / "state.json").read_text())


def learned(run_dir, checkpoint: str) -> None:
    """The final model's weights differ from the checkpoint's (the updates after it changed the
    network), and the training episodes were logged with Mario's task metrics."""
    before, venv, _ = load_run(run_dir, checkpoint)
    venv.close()
    after, venv, _ = load_run(run_dir)
    venv.close()
    changed = [not torch.equal(a, b) for a, b in zip(before.policy.state_dict().values(), after.policy.state_dict().values())]
    assert any(changed), "training changed no weight"
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert records and all("x_pos" in r and r["length"] > 0 for r in records)


@pytest.mark.slow
@pytest.mark.parametrize("env_kwargs", [
    {"state": "pixels_pair"},  # the pair stacked along channels (PairCNN)
    {"state": "pixels_pair", "markov": False},  # one frame
    {"state": "ram", "actions": "multibinary"},
    {"state": "ram", "actions": "factored"},
    {"state": "ram", "start": "demo", "demo_schedule": "reverse"},
    {"state": "tiles", "sticky_actions": 0.25, "start": "demo"},
    {"state": "tiles", "markov": False},
])
def test_ppo_trains_on_every_design(tmp_path, env_kwargs):
    state = smoke(tmp_path / "run", **env_kwargs)
    assert state["timesteps"] >= 128
    learned(tmp_path / "run", "checkpoints/step_64")
    if env_kwargs.get("start") == "demo":  # evaluated from the level's start all the same
        result = evaluate(tmp_path / "run", episodes=1)
        assert result["episodes"] == 1 and "x_pos" in result["task"]


@pytest.mark.slow
def test_a_mario_run_evaluates_with_a_video(tmp_path):
    """Image observations (the "dqn" stack) recorded through the training wrappers."""
    smoke(tmp_path / "run", state="dqn", actions="right_only")
    result = evaluate(tmp_path / "run", episodes=1, video=True)
    assert result["episodes"] == 1
    assert list((tmp_path / "run" / "videos").glob("*.mp4"))


@pytest.mark.slow
@pytest.mark.parametrize("state", ["dqn", "ram"])
def test_double_dqn_trains_on_mario(tmp_path, state):
    """The lecture's miniproject: Double DQN with replay and a target network, on the lecture's
    state ("ram") and on Mnih et al.'s ("dqn"), learning from the 64th step on."""
    run_dir = tmp_path / state
    train(TrainArgs(algo="dqn", env="RLEnvs/Mario-v0", env_kwargs={"state": state, "frame_skip": 4},
                    total_timesteps=160, checkpoint_freq=80, eval_freq=0, progress_bar=False, run_dir=str(run_dir),
                    overrides={"buffer_size": 1000, "learning_starts": 64, "target_update_interval": 32,
                               "normalize_steps": 64}))
    config = json.loads((run_dir / "config.json").read_text())
    assert config["hyperparams"]["double_dqn"] is True
    assert json.loads((run_dir / "state.json").read_text())["timesteps"] == 160
    learned(run_dir, "checkpoints/step_80")  # 64 steps of replay first: updates from step 64 on
    assert evaluate(run_dir, episodes=1)["episodes"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("actions", ["buttons", "multibinary", "simple"])
def test_agreement_with_the_demonstration_compares_any_action_design(tmp_path, actions):
    """The policy's controller bytes against the demonstration's, step by step, whatever the
    design: one that cannot press the demonstration's buttons (one button at a time, while 1-1's
    demonstration holds right and B) differs at once rather than failing."""
    from baselines.demonstrations import demonstration_agreement

    smoke(tmp_path / "run", state="tiles", actions=actions)
    agreement = demonstration_agreement(tmp_path / "run")
    assert agreement["demonstration"] == "1-1.json" and agreement["demonstration_steps"] > 200
    assert 1 <= agreement["steps"] <= agreement["demonstration_steps"]
    assert agreement["same_steps"] <= agreement["steps"]
    if actions == "buttons":
        assert agreement["first_difference"] == 0 and not agreement["identical"]
