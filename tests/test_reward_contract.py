"""One reward contract for every env family, driven by the registry: ``reward=`` takes a design
name, a dict of weights or a callable of the components, and all three pay the same for the same
design; ``info`` names the components and what every design pays."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import rl_envs  # noqa: F401
from baselines.tabular import value_iteration
from rl_envs.pub.env import STATES, Choice, Place
from rl_envs.registry import ENTRIES, reward_designs

IDS = [e.id for e in ENTRIES]
STEPS = {"RLEnvs/Mario-v0": 40}
EXTRA = {"RLEnvs/Mario-v0": {"state": "ram", "actions": "simple"}}


def rollout(env_id: str, reward) -> tuple[list[float], list[dict]]:
    env = gym.make(env_id, reward=reward, **EXTRA.get(env_id, {}))
    env.reset(seed=3)
    env.action_space.seed(3)
    rewards, infos = [], []
    for _ in range(STEPS.get(env_id, 60)):
        _, r, terminated, truncated, info = env.step(env.action_space.sample())
        rewards.append(r)
        infos.append(info)
        if terminated or truncated:
            env.reset()
    env.close()
    return rewards, infos


def designs_module(env_id: str):
    entry = next(e for e in ENTRIES if e.id == env_id)
    module = __import__(entry.designs.partition(":")[0], fromlist=["DESIGNS"])
    return module


def test_every_family_has_designs():
    assert all(len(reward_designs(env_id)) >= 2 for env_id in IDS)


@pytest.mark.parametrize("env_id", IDS)
def test_name_weights_and_callable_pay_the_same(env_id):
    module = designs_module(env_id)
    for name, weights in module.DESIGNS.items():
        by_name, infos = rollout(env_id, name)
        by_weights, _ = rollout(env_id, dict(weights))
        by_callable, _ = rollout(env_id, lambda parts, w=dict(weights): sum(v * parts[k] for k, v in w.items()))
        assert by_name == by_weights == by_callable, name
        for reward, info in zip(by_name, infos):
            assert set(info["reward_components"]) == set(module.COMPONENTS)
            assert set(info["reward_designs"]) == set(module.DESIGNS)
            assert info["reward_designs"][name] == pytest.approx(reward)


@pytest.mark.parametrize("env_id", IDS)
def test_bad_reward_options_name_the_choices(env_id):
    module = designs_module(env_id)
    first = next(iter(module.DESIGNS))
    with pytest.raises(ValueError, match=f"reward must be one of '{first}'.*a dict of weights over"):
        gym.make(env_id, reward="no_such_design", **EXTRA.get(env_id, {}))
    with pytest.raises(ValueError, match="reward weights must name components among"):
        gym.make(env_id, reward={"no_such_component": 1.0}, **EXTRA.get(env_id, {}))
    with pytest.raises(TypeError, match="reward weights must be numbers"):
        gym.make(env_id, reward={list(module.COMPONENTS)[0]: "lots"}, **EXTRA.get(env_id, {}))
    with pytest.raises(TypeError, match="or a callable of the components dict"):
        gym.make(env_id, reward=3, **EXTRA.get(env_id, {}))


def test_the_pub_without_rain_always_goes_to_the_pub():
    """With ``beer_only`` the rain is not felt: the pub is optimal from the office in every weather
    and mood; with the lecture's design a tired walker in the rain goes home instead."""
    for design, pub_everywhere in (("beer_only", True), ("beer_minus_rain", False)):
        env = gym.make("RLEnvs/CambridgePub-v0", reward=design).unwrapped
        policy = value_iteration(env.P, gamma=0.95).policy
        at_office = [int(policy[i]) for i, s in enumerate(STATES) if s.place == Place.OFFICE]
        assert (set(at_office) == {Choice.PUB}) == pub_everywhere, design


def test_cart_pole_vector_env_takes_the_same_rewards():
    vector = gym.make_vec("RLEnvs/CartPole-v0", num_envs=2, vectorization_mode="vector_entry_point",
                          reward={"alive": 1.0, "failure": 10.0})
    vector.reset(seed=0)
    seen = set()
    for _ in range(200):
        _, reward, *_ = vector.step(np.array([0, 0]))
        seen |= set(reward.tolist())
    assert seen <= {1.0, -9.0, 0.0} and -9.0 in seen  # alive + 10 x failure on the falling step
