"""The Cambridge pub MDP: its model, its reward, and an optimal policy that depends on the state."""

import gymnasium as gym
import numpy as np
import pytest

import rl_envs  # noqa: F401
from baselines.tabular import value_iteration
from rl_envs.pub.env import (
    STATES,
    Activity,
    CambridgePubEnv,
    Choice,
    Place,
    State,
    Weather,
)
from rl_envs.pub.rewards import BEER_REWARD

GAMMA = 0.95


def index(place, m, weather, activity):
    return STATES.index(State(place, m, weather, activity))


@pytest.fixture(scope="module")
def solution():
    return value_iteration(CambridgePubEnv().P, gamma=GAMMA)


def test_model_is_a_distribution():
    env = CambridgePubEnv()
    for s in range(env.nS):
        for a in range(env.nA):
            assert abs(sum(p for p, *_ in env.P[s][a]) - 1.0) < 1e-12


def test_reward_is_beer_minus_rain_over_motivation():
    env = CambridgePubEnv()
    for m in (1, 2, 3):
        s = index(Place.OFFICE, m, Weather.RAIN, Activity.WORKING)
        rewards = {r for _, _, r, _ in env.P[s][Choice.PUB]}
        assert rewards == {BEER_REWARD - 200.0 / m}  # 2 km in the rain, then a pint
        assert env.P[s][Choice.HOME] == [(1.0, index(Place.HOME, m, Weather.RAIN, Activity.RESTING), -100.0 / m, True)]
        dry = index(Place.OFFICE, m, Weather.DRY, Activity.WORKING)
        assert {r for _, _, r, _ in env.P[dry][Choice.PUB]} == {BEER_REWARD}


def test_optimal_policy_depends_on_weather_and_motivation(solution):
    at_office = {(m, w): Choice(solution.policy[index(Place.OFFICE, m, w, Activity.WORKING)])
                 for m in (1, 2, 3) for w in Weather}
    # Pub when keen or dry; home when tired and wet.
    assert at_office[(1, Weather.RAIN)] == Choice.HOME
    assert all(at_office[(m, Weather.DRY)] == Choice.PUB for m in (1, 2, 3))
    assert at_office[(3, Weather.RAIN)] == Choice.PUB
    # At the Blue when too tired to drink: home while dry, wait out the rain.
    assert solution.policy[index(Place.CAMBRIDGE_BLUE, 1, Weather.DRY, Activity.DRINKING)] == Choice.HOME
    assert solution.policy[index(Place.CAMBRIDGE_BLUE, 1, Weather.RAIN, Activity.DRINKING)] == Choice.PUB
    # So the policy is not a function of place alone, nor of weather alone.
    assert len(set(at_office.values())) == 2
    assert at_office[(1, Weather.RAIN)] != at_office[(3, Weather.RAIN)]


def test_hidden_weather_observation():
    env = gym.make("RLEnvs/CambridgePub-v0", markov=False)
    assert env.observation_space == gym.spaces.Discrete(12)
    inner = env.unwrapped
    dry = index(Place.OFFICE, 2, Weather.DRY, Activity.WORKING)
    wet = index(Place.OFFICE, 2, Weather.RAIN, Activity.WORKING)
    assert inner.observe(dry) == inner.observe(wet)


def test_episode_ends_at_home_with_components():
    env = gym.make("RLEnvs/CambridgePub-v0")
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        assert env.unwrapped.decode(obs).place == Place.OFFICE
        obs, reward, terminated, truncated, info = env.step(Choice.HOME)
        assert terminated and not truncated and env.unwrapped.decode(obs).place == Place.HOME
        assert reward == sum(info["reward_components"].values())


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_renders(mode):
    env = gym.make("RLEnvs/CambridgePub-v0", render_mode=mode)
    env.reset(seed=0)
    before = env.render()
    env.step(Choice.PUB)
    after = env.render()
    if mode == "ansi":
        assert before.startswith("Office") and after.startswith("Cambridge Blue")
    else:
        assert before.shape == (240, 480, 3) and np.any(before != after)
