"""The cart-pole family: Gymnasium equivalence, options, pixels, vector equivalence, bad input."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rl_envs  # noqa: F401
from rl_envs.cartpole.physics import Physics, step_state
from rl_envs.cartpole.raster import Canvas, rasterise
from rl_envs.errors import InvalidActionError


def balancing_action(obs) -> int:
    """A simple controller that keeps the pole up for the whole 500 steps (to reach truncation)."""
    return int(obs[2] + 0.5 * obs[3] + 0.01 * obs[0] + 0.1 * obs[1] > 0)


def test_same_as_gymnasium_cartpole_v1_for_thousands_of_steps():
    ours, theirs = gym.make("RLEnvs/CartPole-v0"), gym.make("CartPole-v1")
    rng = np.random.default_rng(0)
    steps = truncations = 0
    for episode in range(60):
        a, b = ours.reset(seed=episode), theirs.reset(seed=episode)
        assert np.array_equal(a[0], b[0])
        obs, controlled = a[0], episode % 6 == 0
        while True:
            action = balancing_action(obs) if controlled else int(rng.integers(2))
            a, b = ours.step(action), theirs.step(action)
            steps += 1
            assert np.array_equal(a[0], b[0]) and a[1:4] == b[1:4], (episode, steps)
            obs = a[0]
            if a[2] or a[3]:
                truncations += a[3]
                break
    assert steps > 5000 and truncations == 10


@pytest.mark.parametrize("kwargs", [
    {}, {"markov": False}, {"markov": False, "frame_stack": 3}, {"observation": "pixels"},
    {"observation": "pixels", "markov": False}, {"observation": "pixels", "pixel_color": True, "pixel_size": (40, 60)},
    {"continuous": True}, {"obs_noise": 0.05}, {"gravity": 3.7, "length": 1.0, "tau": 0.01},
    {"reward": "failure"},
])
def test_vector_env_equals_single_envs_step_for_step(kwargs):
    n = 4
    native = gym.make_vec("RLEnvs/CartPole-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    singles = gym.make_vec("RLEnvs/CartPole-v0", num_envs=n, vectorization_mode="sync", **kwargs)
    first_native, first_singles = native.reset(seed=11)[0], singles.reset(seed=11)[0]
    assert np.array_equal(first_native, first_singles)
    native.action_space.seed(1)
    ends = 0
    for _ in range(300):
        actions = native.action_space.sample()
        got, want = native.step(actions), singles.step(actions)
        for g, w in zip(got[:4], want[:4]):
            assert np.array_equal(g, w)
        ends += int(got[2].sum() + got[3].sum())
    assert ends >= 8  # autoresets happened and matched


def test_vector_truncates_at_the_registered_limit():
    envs = gym.make_vec("RLEnvs/CartPole-v0", num_envs=2, vectorization_mode="vector_entry_point")
    assert envs.max_episode_steps == 500
    obs, _ = envs.reset(seed=0)
    for t in range(1, 502):
        obs, reward, terminated, truncated, _ = envs.step(np.array([balancing_action(o) for o in obs]))
        if t == 500:
            assert truncated.all() and not terminated.any()
    assert (reward == 0).all() and not truncated.any()  # step 501: the autoreset step


def test_reward_designs_alive_and_failure():
    alive, failure = gym.make("RLEnvs/CartPole-v0"), gym.make("RLEnvs/CartPole-v0", reward="failure")
    alive.reset(seed=3), failure.reset(seed=3)
    paid_alive, paid_failure, designs = [], [], []
    terminated = False
    while not terminated:  # pushing left until the pole falls
        _, r_alive, terminated, _, info = alive.step(0)
        _, r_failure, *_ = failure.step(0)
        paid_alive.append(r_alive), paid_failure.append(r_failure), designs.append(info["reward_designs"])
    assert paid_alive == [1.0] * len(paid_alive)
    assert paid_failure == [0.0] * (len(paid_failure) - 1) + [-1.0]
    assert designs[-1] == {"alive": 1.0, "failure": -1.0} and designs[0] == {"alive": 1.0, "failure": 0.0}


@pytest.mark.parametrize("kwargs", [
    {"observation": "pixels", "markov": False}, {"observation": "pixels", "frame_stack": 4, "pixel_color": True},
    {"continuous": True, "markov": False}, {"obs_noise": 0.1, "frame_stack": 2},
])
def test_option_combinations_pass_both_checkers(kwargs):
    gym_check_env(gym.make("RLEnvs/CartPole-v0", **kwargs).unwrapped)
    sb3_check_env(gym.make("RLEnvs/CartPole-v0", **kwargs))


def test_observation_designs():
    state = gym.make("RLEnvs/CartPole-v0")
    partial = gym.make("RLEnvs/CartPoleNoVelocity-v0")
    full, _ = state.reset(seed=4)
    positions, _ = partial.reset(seed=4)
    assert np.array_equal(positions, full[[0, 2]])
    stacked = gym.make("RLEnvs/CartPole-v0", markov=False, frame_stack=3)
    obs, _ = stacked.reset(seed=4)
    assert np.array_equal(obs, np.tile(positions, 3))  # reset fills the stack with the first frame
    obs, *_ = stacked.step(1)
    after, *_ = partial.step(1)
    assert np.array_equal(obs[-2:], after) and np.array_equal(obs[:4], np.tile(positions, 2))


def test_pixel_stack_shows_motion_and_single_frame_does_not():
    env = gym.make("RLEnvs/CartPolePixels-v0")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (84, 84, 2) and obs.dtype == np.uint8
    assert np.array_equal(obs[..., 0], obs[..., 1])
    for _ in range(5):
        obs, *_ = env.step(1)
    assert not np.array_equal(obs[..., 0], obs[..., 1])  # two frames: motion is visible
    single = gym.make("RLEnvs/CartPolePixels-v0", markov=False)
    assert single.observation_space.shape == (84, 84, 1)


def test_rasteriser_draws_cart_and_tilted_pole():
    canvas = Canvas(84, 84)
    upright, tilted = rasterise(np.array([0.0, 0.0]), np.array([0.0, 0.2]), 1.0, canvas)
    pole_grey = int(canvas.palette[3, 0])
    top_row_upright = np.flatnonzero((upright[..., 0] == pole_grey).any(axis=1))[0]
    cols_upright = np.flatnonzero(upright[top_row_upright, :, 0] == pole_grey)
    cols_tilted = np.flatnonzero(tilted[top_row_upright + 2, :, 0] == pole_grey)
    assert cols_tilted.mean() >= cols_upright.mean() + 2  # leaning right: tan(0.2) * 0.9 m is ~3 px
    moved = rasterise(np.array([1.5]), np.array([0.0]), 1.0, canvas)[0]
    cart_cols = lambda img: np.flatnonzero((img[..., 0] == 0).sum(axis=0) > 3)  # noqa: E731
    assert cart_cols(moved).mean() > cart_cols(upright).mean() + 20
    colour = rasterise(np.array([0.0]), np.array([0.0]), 1.0, Canvas(30, 50, color=True))
    assert colour.shape == (1, 30, 50, 3)


def test_render_is_the_same_rasteriser_in_colour():
    env = gym.make("RLEnvs/CartPole-v0", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (400, 600, 3)
    assert (frame == (202, 152, 101)).all(axis=-1).sum() > 300  # the pole


def test_dynamics_and_rasteriser_run_on_torch_tensors():
    torch = pytest.importorskip("torch")
    physics = Physics()
    state = np.random.default_rng(0).uniform(-0.05, 0.05, size=(4, 16))
    force = np.where(np.arange(16) % 2, 10.0, -10.0)
    expected = np.stack(step_state(state, force, physics))
    got = torch.stack(step_state(torch.from_numpy(state), torch.from_numpy(force), physics))
    assert np.allclose(got.numpy(), expected, rtol=0, atol=1e-12)
    images = rasterise(torch.from_numpy(state[0]), torch.from_numpy(state[2]), 1.0, Canvas(84, 84))
    assert np.array_equal(images.numpy(), rasterise(state[0], state[2], 1.0, Canvas(84, 84)))


def test_physics_options_change_the_motion():
    def trajectory(**kwargs):
        env = gym.make("RLEnvs/CartPole-v0", **kwargs)
        env.reset(seed=0)
        return np.array([env.step(1)[0] for _ in range(10)])

    base = trajectory()
    for kwargs in ({"gravity": 20.0}, {"masscart": 2.0}, {"masspole": 0.5}, {"length": 1.0},
                   {"force_mag": 5.0}, {"tau": 0.01}):
        assert not np.allclose(trajectory(**kwargs), base), kwargs


def test_continuous_force_scales_and_matches_discrete_at_the_extremes():
    discrete, continuous = gym.make("RLEnvs/CartPole-v0"), gym.make("RLEnvs/CartPoleContinuous-v0")
    discrete.reset(seed=2)
    continuous.reset(seed=2)
    for a in (1, 0, 1, 1):
        assert np.array_equal(discrete.step(a)[0], continuous.step(np.array([2.0 * a - 1.0], np.float32))[0])
    half = gym.make("RLEnvs/CartPoleContinuous-v0")
    half.reset(seed=2)
    assert not np.array_equal(half.step(np.array([0.5], np.float32))[0], continuous.reset(seed=2) and
                              continuous.step(np.array([1.0], np.float32))[0])


def test_observation_noise_is_seeded_and_leaves_dynamics_alone():
    noisy = gym.make("RLEnvs/CartPole-v0", obs_noise=0.1)
    clean = gym.make("RLEnvs/CartPole-v0")
    a, _ = noisy.reset(seed=5)
    b, _ = clean.reset(seed=5)
    assert not np.array_equal(a, b) and np.abs(a - b).max() < 1.0
    assert np.array_equal(a, gym.make("RLEnvs/CartPole-v0", obs_noise=0.1).reset(seed=5)[0])
    assert noisy.unwrapped.state.tolist() == clean.unwrapped.state.tolist()


@pytest.mark.parametrize("kwargs,error,message", [
    ({"gravity": -1.0}, ValueError, r"gravity must be in \[0, 100\]"),
    ({"tau": 0.5}, ValueError, r"tau must be in \[0.0001, 0.1\]"),
    ({"masspole": float("nan")}, ValueError, "masspole must be finite"),
    ({"length": "long"}, TypeError, "length must be a real number"),
    ({"observation": "rgb"}, ValueError, "observation must be one of 'state', 'pixels'"),
    ({"frame_stack": 0}, ValueError, r"frame_stack must be in \[1, 64\]"),
    ({"frame_stack": 2.5}, TypeError, "frame_stack must be an integer"),
    ({"observation": "pixels", "frame_stack": 1}, ValueError, "frame_stack must be >= 2 with observation='pixels'"),
    ({"pixel_size": (84,)}, TypeError, "pixel_size must be"),
    ({"pixel_size": (4, 84)}, ValueError, "pixel_size height must be in"),
    ({"observation": "pixels", "obs_noise": 0.1}, ValueError, "obs_noise applies to observation='state'"),
    ({"obs_noise": -0.1}, ValueError, r"obs_noise must be in \[0, 10\]"),
    ({"continuous": "yes"}, TypeError, "continuous must be a bool"),
    ({"render_mode": "ansi"}, ValueError, "render_mode must be one of"),
    ({"friction": 0.1}, TypeError, "unknown option 'friction'.*valid options: .*markov, reward, observation"),
])
def test_bad_options_name_the_option_and_range(kwargs, error, message):
    with pytest.raises(error, match=message):
        gym.make("RLEnvs/CartPole-v0", **kwargs)
    with pytest.raises(error, match=message):
        gym.make_vec("RLEnvs/CartPole-v0", num_envs=2, vectorization_mode="vector_entry_point", **kwargs)


@pytest.mark.parametrize("action", [np.array([np.nan], np.float32), np.array([1.5], np.float32),
                                    np.array([0.1, 0.2], np.float32), "left", None])
def test_bad_continuous_actions_are_errors_not_clipped(action):
    env = gym.make("RLEnvs/CartPoleContinuous-v0")
    env.reset(seed=0)
    before = env.unwrapped.state.copy()
    with pytest.raises(InvalidActionError, match=r"finite array of shape \(1,\) in \[-1, 1\]"):
        env.step(action)
    assert np.array_equal(env.unwrapped.state, before)


@pytest.mark.parametrize("action", [2, -1, 1.0, True, "right"])
def test_bad_discrete_actions(action):
    env = gym.make("RLEnvs/CartPole-v0")
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="0=LEFT, 1=RIGHT"):
        env.step(action)


@pytest.mark.parametrize("actions", [np.array([0, 2]), np.array([0]), np.array([0.0, 1.0]), np.array([[0], [1]])])
def test_bad_vector_actions(actions):
    envs = gym.make_vec("RLEnvs/CartPole-v0", num_envs=2, vectorization_mode="vector_entry_point")
    envs.reset(seed=0)
    with pytest.raises(InvalidActionError, match=r"shape \(2,\) with values 0=LEFT, 1=RIGHT"):
        envs.step(actions)


def test_keyboard_play_holds_a_force():
    from rl_envs.play import play
    from rl_envs.pygame_utils import pygame

    pg = pygame()
    pg.display.init()
    env = gym.make("RLEnvs/CartPoleContinuous-v0", render_mode="rgb_array")
    pg.event.clear()
    pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_RIGHT))  # held: never released
    board = play(env, seed=0, fps=1000, max_frames=12)
    # One step per frame while held (+1 each), across the episode the constant push ends.
    assert sum(board.finished_returns) + board.episode_return == 12.0 and board.finished_returns
    assert env.unwrapped.state[1] > 0  # pushed right every step: the cart moves right
    # Discrete: nothing happens until a key is held.
    env = gym.make("RLEnvs/CartPole-v0", render_mode="rgb_array")
    pg.display.init()  # play() closed the display
    pg.event.clear()
    board = play(env, seed=0, fps=1000, max_frames=5)
    assert board.steps == 0
    keys = env.unwrapped.get_keys_to_action()
    assert keys == {(pg.K_LEFT,): 0, (pg.K_RIGHT,): 1}
