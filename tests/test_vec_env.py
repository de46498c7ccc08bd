"""baselines.vec_env.SplitVecEnv: the same trajectories as SB3's DummyVecEnv of the same envs and
seeds (same-step autoreset, terminal observations, reset infos), whatever the blocks."""

from __future__ import annotations

from functools import partial

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

import rl_envs  # noqa: F401
from baselines.factories import make_env
from baselines.vec_env import SplitVecEnv, blocks, local_and_workers


def rollout(venv, steps: int = 300) -> list:
    rng = np.random.default_rng(0)
    trace = [venv.reset().copy(), [dict(i) for i in venv.reset_infos]]
    for _ in range(steps):
        obs, rewards, dones, infos = venv.step(rng.integers(0, 2, venv.num_envs))
        terminal = [i.get("terminal_observation") for i in infos]
        trace.append((obs.copy(), rewards.copy(), dones.copy(), terminal))
    return trace


@pytest.mark.parametrize("n_envs, layout", [(3, local_and_workers), (5, partial(SplitVecEnv, processes=2)),
                                            (4, partial(SplitVecEnv, processes=3))])
def test_the_same_trajectories_as_a_dummy_vec_env(n_envs, layout):
    make = partial(make_env, "RLEnvs/CartPole-v0", {})  # a module the workers import: it registers the ids
    reference = make_vec_env(make, n_envs=n_envs, seed=7, vec_env_cls=DummyVecEnv)
    split = make_vec_env(make, n_envs=n_envs, seed=7, vec_env_cls=layout)
    try:
        expected, got = rollout(reference), rollout(split)
        assert sum(step[2].sum() for step in expected[2:]) > 5  # episodes ended and reset along the way
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[1] == expected[1]  # the reset infos, env by env
        for e, g in zip(expected[2:], got[2:], strict=True):
            for a, b in zip(e[:3], g[:3], strict=True):
                np.testing.assert_array_equal(a, b)
            for a, b in zip(e[3], g[3], strict=True):
                assert (a is None and b is None) or np.array_equal(a, b)
        assert split.get_attr("spec", indices=[0, n_envs - 1])[1].id == "RLEnvs/CartPole-v0"
        assert split.env_method("get_wrapper_attr", "np_random", indices=n_envs - 1)
        split.set_attr("marker", 3, indices=[n_envs - 1])
        assert split.get_attr("marker", indices=n_envs - 1) == [3]
        assert len(split.get_attr("render_mode")) == n_envs
    finally:
        reference.close()
        split.close()


def test_blocks_are_as_even_as_can_be():
    assert blocks(8, 2) == [4, 4] and blocks(5, 2) == [3, 2] and blocks(3, 8) == [1, 1, 1] and blocks(4, 1) == [4]


def test_one_env_is_all_local():
    venv = SplitVecEnv([partial(gym.make, "RLEnvs/CartPole-v0")])
    assert venv.workers == [] and venv.reset().shape == (1, 4)
    obs, rewards, dones, infos = venv.step(np.array([1]))
    assert obs.shape == (1, 4) and rewards.shape == (1,) and len(infos) == 1
    venv.close()
