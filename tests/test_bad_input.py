"""Bad input gets a clear error naming the option; valid input never crashes (property-based)."""

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rl_envs
from rl_envs.errors import InvalidActionError
from rl_envs.grid.env import GridWorldEnv
from rl_envs.pub.env import CambridgePubEnv

GRID_IDS = ["RLEnvs/GridWorld-v0", "RLEnvs/CheeseMaze-v0"]
CELLS = [".", "#", "S", "T", "T+5", "T-2.5", "+1", "-3"]


@st.composite
def valid_layouts(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(1, 5))
    grid = [[draw(st.sampled_from(CELLS)) for _ in range(cols)] for _ in range(rows)]
    r, c = draw(st.integers(0, rows - 1)), draw(st.integers(0, cols - 1))
    grid[r][c] = "."  # at least one free, non-terminal cell
    return [" ".join(row) for row in grid]


def valid_grid_options():
    return st.fixed_dictionaries({}, optional={
        "layout": st.one_of(valid_layouts(), st.sampled_from(["lecture_3x4", "cheese_maze"])),
        "step_reward": st.floats(-10, 10, allow_nan=False),
        "slip": st.floats(0, 1),
        "markov": st.booleans(),
    })


# (option, bad value) pairs, each with the error type the docs promise.
INVALID_GRID_OPTIONS = st.one_of(
    st.tuples(st.just("slip"), st.one_of(st.floats(1.0001, 1e9), st.floats(-1e9, -0.0001)), st.just(ValueError)),
    st.tuples(st.just("slip"), st.sampled_from([math.nan, math.inf]), st.just(ValueError)),
    st.tuples(st.just("slip"), st.sampled_from(["0.1", None, [0.1]]), st.just(TypeError)),
    st.tuples(st.just("step_reward"), st.sampled_from([math.nan, -math.inf]), st.just(ValueError)),
    st.tuples(st.just("step_reward"), st.sampled_from(["-1", None, True]), st.just(TypeError)),
    st.tuples(st.just("markov"), st.sampled_from([0, 1, "yes", None]), st.just(TypeError)),
    st.tuples(st.just("layout"), st.sampled_from(["maze", "lecture"]), st.just(ValueError)),
    st.tuples(st.just("layout"), st.sampled_from([["T.X"], ["T..", ".."], [], ["TT", "##"], ["T ! ."]]), st.just(ValueError)),
    st.tuples(st.just("layout"), st.sampled_from([42, ["T.", 3], {"rows": 1}]), st.just(TypeError)),
)

INVALID_ACTIONS = st.one_of(
    st.integers(max_value=-1), st.integers(min_value=4, max_value=10**6),
    st.floats(allow_nan=True), st.sampled_from(["up", None, True, [0], np.array([1])]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(env_id=st.sampled_from(GRID_IDS), options=valid_grid_options(),
       actions=st.lists(st.one_of(st.integers(0, 3), INVALID_ACTIONS), max_size=40), seed=st.integers(0, 2**31))
def test_valid_grid_options_never_crash_and_bad_actions_lose_nothing(env_id, options, actions, seed):
    env = gym.make(env_id, **options)
    obs, _ = env.reset(seed=seed)
    for action in actions:
        state = env.unwrapped.s
        if isinstance(action, int) and not isinstance(action, bool) and 0 <= action < 4:
            obs, reward, terminated, truncated, _ = env.step(action)
            assert env.observation_space.contains(obs) and math.isfinite(reward)
            if terminated or truncated:
                obs, _ = env.reset()
        else:
            with pytest.raises(InvalidActionError, match=r"action must be one of 0=RIGHT, 1=LEFT, 2=UP, 3=DOWN"):
                env.step(action)
            assert env.unwrapped.s == state  # nothing lost: the episode goes on


@settings(max_examples=80, deadline=None)
@given(env_id=st.sampled_from(GRID_IDS), bad=INVALID_GRID_OPTIONS)
def test_invalid_grid_options_name_the_option(env_id, bad):
    option, value, error = bad
    with pytest.raises(error, match=option):
        gym.make(env_id, **{option: value})


@settings(max_examples=30, deadline=None)
@given(markov=st.one_of(st.booleans(), st.sampled_from([0, "no", None])),
       actions=st.lists(st.one_of(st.integers(0, 1), st.integers(2, 9), st.just(-1)), max_size=20))
def test_pub_options_and_actions(markov, actions):
    if not isinstance(markov, bool):
        with pytest.raises(TypeError, match="markov must be a bool"):
            gym.make("RLEnvs/CambridgePub-v0", markov=markov)
        return
    env = gym.make("RLEnvs/CambridgePub-v0", markov=markov)
    env.reset(seed=0)
    for action in actions:
        if action in (0, 1):
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        else:
            with pytest.raises(InvalidActionError, match="action must be one of 0=PUB, 1=HOME"):
                env.step(action)


@pytest.mark.parametrize("env_id", rl_envs.env_ids())
def test_unknown_option_lists_the_valid_ones(env_id):
    with pytest.raises(TypeError, match=r"unknown option 'colour' .*valid options: .*markov"):
        gym.make(env_id, colour="red")


@pytest.mark.parametrize("make", [lambda: GridWorldEnv(), lambda: CambridgePubEnv(),
                                  lambda: gym.make("RLEnvs/GridWorld-v0")])
def test_step_before_reset_is_an_error(make):
    with pytest.raises(ResetNeeded):
        make().step(0)


def test_bad_render_mode():
    with pytest.raises(ValueError, match="render_mode must be one of"):
        GridWorldEnv(render_mode="video")
