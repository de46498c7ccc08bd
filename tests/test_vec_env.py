"""baselines.vec_env.LocalAndWorkersVecEnv: the same trajectories as SB3's DummyVecEnv of the same
envs and seeds (same-step autoreset, terminal observations, reset infos), with env 0 local."""

from __future__ import annotations

from functools import partial

import gymnasium as gym
import numpy as np
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

import rl_envs  # noqa: F401
from baselines.factories import make_env
from baselines.vec_env import LocalAndWorkersVecEnv


def rollout(venv, steps: int = 300) -> list:
    rng = np.random.default_rng(0)
    trace = [venv.reset().copy(), [dict(i) for i in venv.reset_infos]]
    for _ in range(steps):
        obs, rewards, dones, infos = venv.step(rng.integers(0, 2, venv.num_envs))
        terminal = [i.get("terminal_observation") for i in infos]
        trace.append((obs.copy(), rewards.copy(), dones.copy(), terminal))
    return trace


def test_the_same_trajectories_as_a_dummy_vec_env():
    make = partial(make_env, "RLEnvs/CartPole-v0", {})  # a module the workers import: it registers the ids
    reference = make_vec_env(make, n_envs=3, seed=7, vec_env_cls=DummyVecEnv)
    local = make_vec_env(make, n_envs=3, seed=7, vec_env_cls=LocalAndWorkersVecEnv)
    try:
        expected, got = rollout(reference), rollout(local)
        assert sum(step[2].sum() for step in expected[2:]) > 5  # episodes ended and reset along the way
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[1] == expected[1]  # the reset infos, env by env
        for e, g in zip(expected[2:], got[2:], strict=True):
            for a, b in zip(e[:3], g[:3], strict=True):
                np.testing.assert_array_equal(a, b)
            for a, b in zip(e[3], g[3], strict=True):
                assert (a is None and b is None) or np.array_equal(a, b)
        assert local.get_attr("spec", indices=[0, 2])[1].id == "RLEnvs/CartPole-v0"
        assert local.env_method("get_wrapper_attr", "np_random", indices=2)
        assert len(local.get_attr("render_mode")) == 3
    finally:
        reference.close()
        local.close()


def test_one_env_is_all_local():
    venv = LocalAndWorkersVecEnv([partial(gym.make, "RLEnvs/CartPole-v0")])
    assert venv.workers is None and venv.reset().shape == (1, 4)
    obs, rewards, dones, infos = venv.step(np.array([1]))
    assert obs.shape == (1, 4) and rewards.shape == (1,) and len(infos) == 1
    venv.close()
