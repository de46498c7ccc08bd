"""normalize_obs: observation statistics fitted once before training, frozen inside the network,
carried by the model file through evaluation and resumption."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import baselines.train
from baselines.args import TrainArgs
from baselines.config import ConfigError, algo_kwargs, check_hyperparams
from baselines.evaluate import load_run
from baselines.factories import make_vec_env
from baselines.networks import Standardize, fit_standardizers
from baselines.train import random_observations, resume_args, train


def test_standardize_centres_scales_and_clips():
    space = gym.spaces.Box(-1e6, 1e6, (3,), np.float32)
    extractor = Standardize(space)
    policy = torch.nn.Sequential(extractor)
    observations = np.array([[1000.0, 0.0, 5.0], [3000.0, 1.0, 5.0]])
    fitted = fit_standardizers(policy, observations)
    assert fitted == {"observations": 2, "extractors": 1, "constant_features": 1}
    out = extractor(torch.tensor([[2000.0, 1.0, 5.0], [1e6, 0.5, 7.0]]))
    np.testing.assert_allclose(out.numpy(), [[0.0, 1.0, 0.0], [Standardize.CLIP, 0.0, 2.0]], atol=1e-6)
    with pytest.raises(ValueError, match="no Standardize extractor"):
        fit_standardizers(torch.nn.Sequential(torch.nn.Flatten()), observations)


def test_normalize_obs_is_for_vector_observations():
    params = check_hyperparams("ppo", {"policy": "CnnPolicy", "normalize_obs": True}, "--set")
    with pytest.raises(ConfigError, match="normalize_obs standardizes MlpPolicy's vector observations; this "
                                          "configuration's policy is CnnPolicy"):
        algo_kwargs(params)
    with pytest.raises(ConfigError, match="normalize_steps"):
        check_hyperparams("ppo", {"normalize_steps": 0}, "--set")
    assert algo_kwargs({"policy": "MlpPolicy", "normalize_obs": True})["policy_kwargs"]["features_extractor_class"] is Standardize


def test_random_observations_cover_the_requested_steps():
    venv = make_vec_env("RLEnvs/CartPole-v0", {}, {}, 4, seed=0)
    observations = random_observations(venv, 100, seed=0)
    venv.close()
    assert observations.shape == (100, 4)


def extractor_stats(model) -> list[np.ndarray]:
    return [m.mean.cpu().numpy().copy() for m in model.policy.modules() if isinstance(m, Standardize)]


@pytest.mark.parametrize("algo", ["ppo", "dqn"])
def test_fitted_statistics_travel_with_the_model_and_survive_resumption(tmp_path, monkeypatch, algo):
    run_dir = tmp_path / algo
    args = TrainArgs(algo=algo, env="RLEnvs/CartPole-v0", overrides={"normalize_obs": True, "normalize_steps": 256},
                     total_timesteps=512, checkpoint_freq=256, eval_freq=0, progress_bar=False, run_dir=str(run_dir),
                     device="cpu")
    train(args)
    model, venv, _ = load_run(run_dir)
    venv.close()
    means = extractor_stats(model)
    assert len(means) == (2 if algo == "dqn" else 1)  # DQN: online and target networks
    assert all(np.abs(m).sum() > 0 for m in means)  # fitted, not the identity
    def refit(*_):
        raise AssertionError("a resumed run refitted its statistics")

    monkeypatch.setattr(baselines.train, "random_observations", refit)
    train(resume_args(run_dir, 1024), run_dir)  # resumption loads the statistics from the checkpoint
    resumed, venv, _ = load_run(run_dir)
    venv.close()
    assert resumed.num_timesteps >= 1024
    for before, after in zip(means, extractor_stats(resumed)):
        np.testing.assert_array_equal(before, after)
