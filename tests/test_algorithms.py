"""The lectures' other algorithms through the same trainer: A2C, SAC (continuous actions) and
recurrent PPO (sb3-contrib's RecurrentPPO, the memory baseline), each training, checkpointing,
resuming and evaluating like PPO and DQN."""

from __future__ import annotations

import json

import numpy as np
import pytest

from baselines.args import TrainArgs
from baselines.config import ConfigError, load_hyperparams
from baselines.episodes import run_episodes
from baselines.evaluate import evaluate, load_run
from baselines.train import main as train_main
from baselines.train import train

CASES = [("a2c", "RLEnvs/CartPoleNoVelocity-v0", {}), ("ppo_lstm", "RLEnvs/CartPoleNoVelocity-v0", {"n_steps": 32}),
         ("sac", "RLEnvs/CartPoleContinuous-v0", {"learning_starts": 64, "buffer_size": 1000})]


@pytest.mark.parametrize("algo, env, overrides", CASES, ids=[c[0] for c in CASES])
def test_each_algorithm_trains_resumes_and_evaluates(tmp_path, algo, env, overrides):
    run = tmp_path / algo
    args = TrainArgs(algo=algo, env=env, total_timesteps=512, checkpoint_freq=256, eval_freq=0, progress_bar=False,
                     run_dir=str(run), overrides=overrides, save_replay_buffer=algo == "sac", n_envs=2 if algo != "sac" else 1)
    train(args)
    first = json.loads((run / "state.json").read_text())["timesteps"]
    assert first >= 512
    assert train_main(["--resume", str(run), "--total-timesteps", "1024", "--no-progress-bar"]) == 0
    assert json.loads((run / "state.json").read_text())["timesteps"] >= 1024
    result = evaluate(run, episodes=2)
    assert result["episodes"] == 2 and result["algo"] == algo and all(length >= 1 for length in result["lengths"])


def test_a_recurrent_policy_keeps_its_memory_through_an_episode(tmp_path):
    """run_episodes hands predict its own state back and marks only episode starts."""
    run = tmp_path / "run"
    train(TrainArgs(algo="ppo_lstm", env="RLEnvs/CartPoleNoVelocity-v0", total_timesteps=256, checkpoint_freq=256,
                    eval_freq=0, progress_bar=False, run_dir=str(run), n_envs=1, overrides={"n_steps": 64, "batch_size": 64}))
    model, venv, _ = load_run(run)
    calls = []

    class Spy:
        def predict(self, obs, state=None, episode_start=None, deterministic=True):
            calls.append((state, np.array(episode_start)))
            action, new_state = model.predict(obs, state=state, episode_start=episode_start, deterministic=deterministic)
            return action, new_state

    run_episodes(Spy(), venv, episodes=2)
    venv.close()
    assert calls[0][0] is None and calls[0][1].all()  # the first step: no memory yet, an episode start
    later = [state for state, start in calls[1:] if not start.any()]
    assert later and all(state is not None for state in later)  # the LSTM's state carried step to step


def test_sac_needs_continuous_actions_and_demonstrations_need_a_policy_fit(tmp_path, capsys):
    with pytest.raises(ConfigError, match="SAC needs continuous actions"):
        load_hyperparams("sac", "RLEnvs/CartPole-v0")
    code = train_main(["--algo", "sac", "--env", "RLEnvs/Mario-v0", "--bc-demo", "rl_envs/mario/demos/1-1.json",
                       "--run-dir", str(tmp_path / "run"), "--no-progress-bar"])
    assert code == 2 and "--bc-demo fits a policy" in capsys.readouterr().err
    code = train_main(["--algo", "trpo", "--run-dir", str(tmp_path / "run"), "--no-progress-bar"])
    assert code == 2 and "algo must be one of 'dqn', 'ppo', 'a2c', 'sac', 'ppo_lstm'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
