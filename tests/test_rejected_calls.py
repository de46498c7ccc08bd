"""A rejected call changes nothing; a closed env says so; every env pickles (registry-driven).

Property: for every registered env and vector env, any call that raises (a bad action, a bad
batch) leaves the env's next observations identical to those of an untouched twin.
"""

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ClosedEnvironmentError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rl_envs

MARIO_ACTIONS = ["simple", "multibinary", "factored", "nes"]
CASES = [(env_id, {}) for env_id in rl_envs.env_ids() if "Mario" not in env_id] + \
    [("RLEnvs/Mario-v0", {"actions": a}) for a in MARIO_ACTIONS]
IDS = [f"{e}-{kw.get('actions', '')}".rstrip("-") for e, kw in CASES]
REJECTED = (ValueError, TypeError, gym.error.InvalidAction)


def bad_actions(space: gym.Space) -> st.SearchStrategy:
    """Values outside ``space``, of every kind a user might pass."""
    junk = st.sampled_from(["right", None, "", {"a": 1}, [], 1.5, float("nan"), object()])
    if isinstance(space, gym.spaces.Discrete):
        return st.one_of(junk, st.booleans(), st.integers(max_value=-1), st.integers(min_value=int(space.n)),
                         st.floats(), st.lists(st.integers(0, 1), min_size=1, max_size=3).map(np.array))
    if isinstance(space, gym.spaces.Box):
        shape = space.shape
        outside = st.floats(1.0001, 1e6).map(lambda v: np.full(shape, v, np.float32))
        return st.one_of(junk, outside, st.sampled_from([np.full(shape, np.nan, np.float32), np.zeros(shape[0] + 1)]))
    n = space.shape[0]
    high = space.nvec if isinstance(space, gym.spaces.MultiDiscrete) else np.full(n, 2)
    overflowing = st.integers(0, n - 1).flatmap(lambda i: st.integers(int(high[i]), 40_000).map(
        lambda v, i=i: np.where(np.arange(n) == i, v, 0).astype(np.int32)))
    return st.one_of(junk, overflowing, st.just(np.array([512, -256] + [0] * (n - 2), np.int16)),
                     st.just(np.zeros(n + 1, np.int64)), st.just(np.full(n, -1)), st.just(np.zeros(n) + 0.5))


def twins(env_id: str, kwargs: dict, seed: int = 3, warmup: int = 5) -> tuple[gym.Env, gym.Env]:
    envs = []
    for _ in range(2):
        env = gym.make(env_id, **kwargs)
        env.reset(seed=seed)
        env.action_space.seed(seed)
        for _ in range(warmup):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
        envs.append(env)
    return envs[0], envs[1]


def same_future(a: gym.Env, b: gym.Env, steps: int = 5) -> None:
    a.action_space.seed(11)
    b.action_space.seed(11)
    for _ in range(steps):
        action = a.action_space.sample()
        assert np.array_equal(action, b.action_space.sample())
        out_a, out_b = a.step(action), b.step(action)
        assert np.array_equal(out_a[0], out_b[0]) and out_a[1:4] == out_b[1:4]
        if out_a[2] or out_a[3]:
            assert np.array_equal(a.reset()[0], b.reset()[0])


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=IDS)
def test_a_rejected_action_leaves_the_env_as_it_was(env_id, kwargs):
    space = gym.make(env_id, **kwargs).action_space
    examples = 3 if "Mario" in env_id else 40

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(bad=bad_actions(space))
    def check(bad):
        env, twin = twins(env_id, kwargs)
        with pytest.raises(REJECTED):
            env.step(bad)
        same_future(env, twin)
        env.close()
        twin.close()

    check()


VECTOR_CASES = [("RLEnvs/CartPole-v0", {}, 3), ("RLEnvs/CartPoleContinuous-v0", {}, 2),
                ("RLEnvs/Mario-v0", {"actions": "multibinary"}, 2)]


@pytest.mark.slow
@pytest.mark.parametrize("env_id, kwargs, n", VECTOR_CASES, ids=[c[0] for c in VECTOR_CASES])
def test_a_rejected_batch_leaves_every_vector_env_as_it_was(env_id, kwargs, n):
    single = gym.make(env_id, **kwargs).action_space

    @st.composite
    def bad_batches(draw):
        kind = draw(st.sampled_from(["junk", "short", "long", "one_bad"]))
        if kind == "junk":
            return draw(st.sampled_from(["right", None, 3, [[[0]]]]))
        good = [single.sample() for _ in range(n)]
        if kind == "short":
            return np.array(good[:-1])
        if kind == "long":
            return np.array(good + good[:1])
        i = draw(st.integers(0, n - 1))
        good[i] = draw(bad_actions(single).filter(lambda b: isinstance(b, np.ndarray) and b.shape == single.shape
                                                  or isinstance(b, int) and not isinstance(b, bool)))
        return good

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batches=st.lists(bad_batches(), min_size=4, max_size=6))
    def check(batches):
        envs = [gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs) for _ in range(2)]
        try:
            for env in envs:
                env.reset(seed=5)
            rng = np.random.default_rng(0)
            for bad in batches:
                with pytest.raises(REJECTED):
                    envs[0].step(bad)
                actions = np.array([single.sample() for _ in range(n)])
                if isinstance(single, gym.spaces.Discrete):
                    actions = rng.integers(0, single.n, n)
                a, b = envs[0].step(actions), envs[1].step(actions)
                for x, y in zip(a[:4], b[:4]):
                    assert np.array_equal(x, y)
        finally:
            for env in envs:
                env.close()

    check()


@pytest.mark.parametrize("env_id, kwargs", CASES, ids=IDS)
def test_a_closed_env_says_so(env_id, kwargs):
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    env.reset(seed=0)
    env.close()
    for call in (lambda: env.step(env.action_space.sample()), lambda: env.reset(), env.render):
        with pytest.raises(ClosedEnvironmentError, match="was closed; make a new one"):
            call()
    env.close()  # closing twice is harmless


def test_a_closed_vector_env_says_so():
    env = gym.make_vec("RLEnvs/CartPole-v0", num_envs=2, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    env.close()
    with pytest.raises(ClosedEnvironmentError, match="was closed"):
        env.step(np.zeros(2, np.int64))


@pytest.mark.parametrize("env_id, kwargs", CASES + [("RLEnvs/Mario-v0", {"state": "dqn", "noop_max": 30,
                                                                         "sticky_actions": 0.25})],
                         ids=IDS + ["RLEnvs/Mario-v0-dqn-sticky"])
def test_every_env_pickles_and_deep_copies_mid_episode(env_id, kwargs):
    env, _ = twins(env_id, kwargs, warmup=30)
    pickled, copied = pickle.loads(pickle.dumps(env)), copy.deepcopy(env)
    copy_of_copy = pickle.loads(pickle.dumps(copied))
    assert type(pickled.unwrapped) is type(copied.unwrapped) is type(env.unwrapped)
    same_future(env, pickled, steps=15)
    same_future(copied, copy_of_copy, steps=15)


@pytest.mark.parametrize("physics", [{"force_mag": 1000.0, "tau": 0.1}, {"masspole": 10.0, "length": 0.01, "tau": 0.1,
                                                                           "force_mag": 1000.0}, {}])
def test_cartpole_observations_stay_in_their_space_with_any_documented_physics(physics):
    env = gym.make("RLEnvs/CartPole-v0", **physics)
    rng = np.random.default_rng(0)
    for episode in range(150):
        obs, _ = env.reset(seed=episode)
        done = False
        while not done:
            action = episode % 2 if episode % 3 else int(rng.integers(2))  # hard left, hard right, random
            obs, _, terminated, truncated, _ = env.step(action)
            assert env.observation_space.contains(obs), (obs, env.observation_space)
            done = terminated or truncated
    if not physics:  # Gymnasium's physics: Gymnasium's bounds
        assert np.array_equal(env.observation_space.high, gym.make("CartPole-v1").observation_space.high)


@pytest.mark.parametrize("env_id, option", [("RLEnvs/GridWorld-v0", {"render_mode": np.array("ansi")}),
                                            ("RLEnvs/CartPole-v0", {"render_mode": np.array(["rgb_array"])}),
                                            ("RLEnvs/Mario-v0", {"render_mode": np.array("rgb_array")}),
                                            ("RLEnvs/Mario-v0", {"stage": np.array("1-1")})])
def test_options_given_as_numpy_arrays_get_the_named_error(env_id, option):
    name = next(iter(option))
    with pytest.raises(ValueError, match=f"{name} must be"):
        gym.make(env_id, **option)
