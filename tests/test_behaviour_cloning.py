"""Behaviour cloning from a Mario demonstration before PPO (``--bc-demo``)."""

from __future__ import annotations

import json

import pytest

from baselines.args import TrainArgs
from baselines.config import ConfigError
from baselines.demonstrations import demonstration_pairs
from baselines.train import run_hyperparams, train
from rl_envs.mario.states import Demonstration, load, save, shipped

RAM = {"state": "ram", "actions": "simple", "frame_skip": 4}


def params_for(env_kwargs: dict) -> dict:
    return run_hyperparams(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=env_kwargs))


def test_the_demonstration_becomes_pairs_in_the_runs_own_design():
    observations, actions = demonstration_pairs("RLEnvs/Mario-v0", {**RAM, "start": "demo"}, params_for(RAM),
                                                str(shipped("1-1")))
    demo = load(shipped("1-1"))
    assert len(actions) == len(observations) == -(-len(demo.frames) // 4)  # one per 4 frames
    assert observations.shape[1:] == (96,) and set(actions.tolist()) <= set(range(7))


def test_demonstrations_the_design_cannot_press_or_that_miss_the_flag_are_refused(tmp_path):
    demo = load(shipped("1-1"))
    left_jump = save(tmp_path / "left_jump.json", Demonstration("1-1", (65,) * 8 + demo.frames[8:]))
    with pytest.raises(ConfigError, match=r"frames 0-3 press \[65\], which actions='simple'"):
        demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(left_jump))
    short = save(tmp_path / "short.json", Demonstration("1-1", demo.frames[:400]))
    with pytest.raises(ConfigError, match="does not reach the flag"):
        demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(short))
    with pytest.raises(ConfigError, match="needs a discrete action design"):
        demonstration_pairs("RLEnvs/Mario-v0", {**RAM, "actions": "multibinary"}, params_for(RAM), str(shipped("1-1")))


@pytest.mark.slow
def test_train_clones_before_rl_and_records_it(tmp_path):
    run_dir = tmp_path / "bc"
    train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_demo=str(shipped("1-1")), bc_epochs=20,
                    total_timesteps=64, n_envs=1, eval_freq=0, progress_bar=False, run_dir=str(run_dir),
                    overrides={"n_steps": 64, "batch_size": 32, "n_epochs": 1, "vec_env": "dummy"}))
    cloned = json.loads((run_dir / "behaviour_cloning.json").read_text())
    assert cloned["loss_after"] < cloned["loss_before"] and cloned["epochs"] == 20
    with pytest.raises(ConfigError, match="--bc-demo clones a demonstration into PPO's policy; this run trains dqn"):
        train(TrainArgs(algo="dqn", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_demo=str(shipped("1-1")),
                        run_dir=str(tmp_path / "never")))
    assert not (tmp_path / "never").exists()
