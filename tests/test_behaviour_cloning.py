"""Fitting Mario demonstrations before and during RL (``--bc-demo``, ``--bc-idle``, ``--bc-keep``): PPO by
behaviour cloning, DQN by DQfD's margin loss."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from baselines.args import BC_LEARNING_RATES, TrainArgs
from baselines.callbacks import KeepCloning
from baselines.config import ConfigError, load_hyperparams
from baselines.demonstrations import DQFD_MARGIN, demonstration_pairs, fit_new_model, imitation_loss
from baselines.rundir import RunDir
from baselines.train import resume_args, run_hyperparams, train
from rl_envs.mario.states import Demonstration, load, save, shipped

RAM = {"state": "ram", "actions": "simple", "frame_skip": 4}
FEW_RANDOM_STEPS = {"normalize_steps": 64}  # the RAM designs standardize their inputs on random-action steps first


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


def test_a_directory_of_demonstrations_clones_each_but_not_its_opening_idle_frames(tmp_path):
    demo = load(shipped("1-1"))
    for name in ("a", "b"):
        save(tmp_path / f"{name}.json", demo)
    observations, actions = demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(tmp_path))
    once, _ = demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(shipped("1-1")))
    assert len(actions) == 2 * len(once) and (observations[: len(once)] == once).all()
    # --bc-idle 2: each demonstration replayed after 0, 1 and 2 idle frames, the same buttons each time
    observations, actions = demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(shipped("1-1")), idle=2)
    assert len(actions) == 3 * len(once) and (observations[: len(once)] == once).all()
    assert (actions.reshape(3, -1) == actions[: len(once)]).all()
    # What rl-envs mario-search --idle 8 writes (it finds the same buttons, 8 frames later).
    late = save(tmp_path / "late" / "idle_08.json", Demonstration("1-1", (0,) * 8 + demo.frames), meta={"idle": 8})
    observations, actions = demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(late))
    assert len(actions) == len(once)
    save(tmp_path / "odd.json", Demonstration("1-1", (0,) * 6 + demo.frames), meta={"idle": 6})
    with pytest.raises(ConfigError, match="multiple of frame_skip=4; got 6"):
        demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(tmp_path / "odd.json"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no demonstration"):
        demonstration_pairs("RLEnvs/Mario-v0", RAM, params_for(RAM), str(tmp_path / "empty"))


@pytest.mark.slow
def test_train_clones_before_rl_and_records_it_and_zero_steps_is_the_fit_alone(tmp_path, monkeypatch, capsys):
    run_dir = tmp_path / "bc"
    train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_demo=str(shipped("1-1")), bc_epochs=20,
                    total_timesteps=0, n_envs=1, eval_freq=0, progress_bar=False, run_dir=str(run_dir),
                    overrides={"n_steps": 64, "batch_size": 32, "n_epochs": 1, "vec_env": "dummy", **FEW_RANDOM_STEPS}))
    cloned = json.loads((run_dir / "behaviour_cloning.json").read_text())
    assert cloned["loss_after"] < cloned["loss_before"] and cloned["epochs"] == 20
    assert RunDir(run_dir).load_state()["timesteps"] == 0 and (run_dir / "model.zip").is_file()
    assert ("warning: the fit ended" in capsys.readouterr().err) == (cloned["greedy_accuracy"] < 0.9)
    stuck = {**cloned, "greedy_accuracy": 0.5}  # a fit still on its first plateau
    monkeypatch.setattr("baselines.train.behaviour_clone", lambda *args, **kwargs: stuck)
    train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_demo=str(shipped("1-1")), bc_epochs=1,
                    total_timesteps=0, n_envs=1, eval_freq=0, progress_bar=False, run_dir=str(tmp_path / "stuck"),
                    overrides=FEW_RANDOM_STEPS))
    assert "warning: the fit ended at greedy accuracy 0.50" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="--total-timesteps 0 trains nothing; it is only for --bc-demo"):
        train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=RAM, total_timesteps=0,
                        run_dir=str(tmp_path / "never")))
    with pytest.raises(ConfigError, match="--bc-keep keeps fitting the --bc-demo demonstration"):
        train(TrainArgs(algo="ppo", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_keep=10, run_dir=str(tmp_path / "never")))
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_dqn_fits_the_demonstration_by_its_margin_and_keeps_fitting_it_after_a_resume(tmp_path):
    run_dir = tmp_path / "dqfd"
    train(TrainArgs(algo="dqn", env="RLEnvs/Mario-v0", env_kwargs=RAM, bc_demo=str(shipped("1-1")), bc_epochs=20,
                    bc_keep=250, total_timesteps=96, n_envs=1, eval_freq=0, progress_bar=False, checkpoint_freq=48,
                    run_dir=str(run_dir), overrides={"learning_starts": 32, "buffer_size": 1000, **FEW_RANDOM_STEPS}))
    cloned = json.loads((run_dir / "behaviour_cloning.json").read_text())
    assert cloned["loss_after"] < cloned["loss_before"]
    train(resume_args(run_dir, 160), run_dir)  # the resumed run rebuilds the pairs it keeps fitting
    assert RunDir(run_dir).load_state()["timesteps"] == 160


def test_the_dqn_imitation_loss_is_dqfds_margin_and_vanishes_once_the_demonstrated_action_leads_by_it():
    def model_with(q_values):
        return SimpleNamespace(q_net=lambda observations: torch.tensor(q_values))

    action = torch.tensor([0])
    assert imitation_loss(model_with([[1.0, 0.5, 0.0]]), None, action).item() == pytest.approx(0.5 + DQFD_MARGIN - 1.0)
    assert imitation_loss(model_with([[2.0, 0.5, 0.0]]), None, action).item() == 0.0


def test_keep_cloning_takes_its_minibatches_in_proportion_to_env_steps():
    taken, records = [], {}
    cloner = SimpleNamespace(steps=taken.append, score=lambda pairs: (0.25, 1.0))
    model = SimpleNamespace(get_env=lambda: None, num_timesteps=0,
                            logger=SimpleNamespace(record=records.__setitem__))
    keep = KeepCloning(cloner, per_1000=32)
    keep.init_callback(model)
    keep.on_training_start({}, {})
    for steps in (4, 512, 1024, 1536, 2048):  # the env steps at each rollout's start
        keep.num_timesteps = steps
        keep.on_rollout_start()
    assert sum(taken) == 2048 * 32 // 1000 and all(n >= 1 for n in taken)
    assert records == {}  # scores are logged every SCORE_EVERY_STEPS env steps
    keep.num_timesteps = KeepCloning.SCORE_EVERY_STEPS
    keep.on_rollout_start()
    assert records == {"losses/imitation_loss": 0.25, "charts/demonstration_accuracy": 1.0}


@pytest.mark.parametrize("algo", ["ppo", "dqn"])
def test_the_fit_reaches_the_demonstration_on_every_seed(algo):
    # A fit that stalls predicts the demonstration's most frequent action everywhere (accuracy
    # ~0.50 on 1-1); every seed has to get past that plateau within half the default epochs.
    tiles = {"state": "tiles"}
    params = load_hyperparams(algo, "RLEnvs/Mario-v0", tiles)
    observations, actions = demonstration_pairs("RLEnvs/Mario-v0", tiles, params, str(shipped("1-1")))
    majority = np.bincount(actions).max() / len(actions)
    for seed in range(5):
        fitted = fit_new_model(algo, "RLEnvs/Mario-v0", tiles, params, (observations, actions), TrainArgs.bc_epochs // 2,
                               BC_LEARNING_RATES[algo], seed)
        assert fitted["greedy_accuracy"] >= 0.95 > majority, (seed, fitted)
