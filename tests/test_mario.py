"""RLEnvs/Mario-v0: designs, rewards on scripted inputs, RAM fields, episodes, bad input.

Emulation is kept short: each scripted run is a few hundred frames of stage 1-1.
"""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rl_envs  # noqa: F401
from rl_envs.mario.actions import ACTION_DESIGNS
from rl_envs.mario.env import STATE_DESIGNS
from rl_envs.mario.ram import ram_field_names
from rl_envs.mario.rewards import DESIGNS
from rl_envs.tabular import InvalidActionError

RIGHT = np.array([0, 0, 0, 0, 0, 1], np.int8)  # multibinary: A, B, up, down, left, right
RIGHT_A = np.array([1, 0, 0, 0, 0, 1], np.int8)
RIGHT_B = np.array([0, 1, 0, 0, 0, 1], np.int8)


def scripted(actions_at, frames, **kwargs):
    """Run multibinary actions ``actions_at(t)`` for up to ``frames`` steps; returns the trace."""
    env = gym.make("RLEnvs/Mario-v0", actions="multibinary", **kwargs)
    obs, info = env.reset(seed=0)
    trace = []
    for t in range(frames):
        obs, reward, terminated, truncated, info = env.step(actions_at(t))
        trace.append((obs, reward, terminated, info))
        if terminated or truncated:
            break
    return env, trace


@pytest.mark.parametrize("state", STATE_DESIGNS)
@pytest.mark.parametrize("actions", list(ACTION_DESIGNS))
def test_every_state_and_action_design_passes_both_checkers(state, actions):
    gym_check_env(gym.make("RLEnvs/Mario-v0", state=state, actions=actions).unwrapped)
    sb3_check_env(gym.make("RLEnvs/Mario-v0", state=state, actions=actions, frame_skip=2))


@pytest.mark.parametrize("state,markov,shape", [
    ("ram", True, (96,)), ("ram", False, (84,)), ("pixels", True, (240, 256, 3)), ("pixels", False, (240, 256, 3)),
    ("pixels_pair", True, (2, 240, 256, 3)), ("pixels_pair", False, (240, 256, 3)),
    ("dqn", True, (4, 84, 84)), ("dqn", False, (1, 84, 84)),
])
def test_state_design_shapes(state, markov, shape):
    env = gym.make("RLEnvs/Mario-v0", state=state, markov=markov)
    assert env.observation_space.shape == shape
    assert env.reset(seed=0)[0].shape == shape
    assert env.step(1)[0].shape == shape


def test_pixel_pair_holds_the_previous_frame():
    env = gym.make("RLEnvs/Mario-v0", state="pixels_pair", actions="right_only")
    env.reset(seed=0)
    for _ in range(30):
        obs, *_ = env.step(3)
    previous, *_ = env.step(3)
    obs, *_ = env.step(3)
    assert np.array_equal(obs[0], previous[1]) and not np.array_equal(obs[0], obs[1])


def test_holding_right_b_progresses_does_not_clear_and_dies():
    env, trace = scripted(lambda t: RIGHT_B, 400)
    totals = {name: sum(step[3]["reward_components"][name] for step in trace) for name in trace[0][3]["reward_components"]}
    assert totals["x_progress"] > 200 and totals["library"] > 0
    assert totals["clear"] == 0
    assert trace[-1][2]  # terminated: the first Goomba
    assert trace[-1][3]["reward_components"]["death"] == -1.0 and totals["death"] == -1.0
    assert trace[-1][3]["reward_designs"]["clear"] == 0.0


def test_designs_are_the_weighted_components():
    _, trace = scripted(lambda t: RIGHT_A if 104 <= t < 124 else RIGHT, 200, reward="clear_plus_score")
    paid = [step[1] for step in trace]
    parts = [step[3]["reward_components"] for step in trace]
    assert paid == [p["clear"] + 0.01 * p["score"] for p in parts]
    assert sum(p["score"] for p in parts) == 100  # one stomped Goomba
    designs = trace[-1][3]["reward_designs"]
    assert set(designs) == set(DESIGNS)
    assert designs["clear_plus_score"] == parts[-1]["clear"] + 0.01 * parts[-1]["score"]


@pytest.mark.parametrize("reward,expected", [
    ({"x_progress": 1.0, "death": 10.0}, lambda p: p["x_progress"] + 10 * p["death"]),
    (lambda parts: parts["score"] - parts["clock"], lambda p: p["score"] - p["clock"]),
    ("progress_unclipped", lambda p: p["library_unclipped"]),
])
def test_user_defined_designs(reward, expected):
    _, trace = scripted(lambda t: RIGHT_B, 120, reward=reward)
    assert [step[1] for step in trace] == [expected(step[3]["reward_components"]) for step in trace]


def test_ram_fields_agree_with_the_library_info():
    env, trace = scripted(lambda t: RIGHT_A if 104 <= t < 124 else RIGHT, 200)
    names = ram_field_names(True)
    for obs, _, _, info in trace[::20] + trace[-1:]:
        fields = dict(zip(names, obs))
        assert fields["mario_x"] == info["x_pos"]
        assert (fields["score"], fields["coins"], fields["time"]) == (info["score"], info["coins"], info["time"])
    moving = dict(zip(names, trace[50][0]))
    assert moving["mario_x_velocity"] > 0  # running right


def test_stomped_goomba_and_opened_block_set_their_bits():
    _, trace = scripted(lambda t: RIGHT_A if 104 <= t < 124 else RIGHT, 200)
    obs = trace[-1][0]
    assert trace[-1][3]["score"] == 100 and obs[-32:].nonzero()[0].tolist() == [0]  # first Goomba squished
    _, trace = scripted(lambda t: RIGHT_A if 123 <= t < 138 else RIGHT, 160)
    obs = trace[-1][0]
    assert trace[-1][3]["coins"] == 1 and obs[-64:-32].nonzero()[0].tolist() == [0]  # first "?" opened
    assert not obs[-32:].any()


def test_markov_false_drops_exactly_the_velocities():
    full, partial = ram_field_names(True), ram_field_names(False)
    assert [n for n in full if n not in partial] == [n for n in full if "velocity" in n]
    _, with_v = scripted(lambda t: RIGHT, 40)
    _, without = scripted(lambda t: RIGHT, 40, markov=False)
    keep = [full.index(n) for n in partial]
    assert all(np.array_equal(a[0][keep], b[0]) and a[1:3] == b[1:3] for a, b in zip(with_v, without))


def test_frame_skip_sums_rewards_over_frames():
    single = gym.make("RLEnvs/Mario-v0", actions="right_only", reward="progress_unclipped")
    skipped = gym.make("RLEnvs/Mario-v0", actions="right_only", reward="progress_unclipped", frame_skip=4)
    single.reset(seed=0)
    skipped.reset(seed=0)
    rewards = [single.step(3)[1] for _ in range(40)]
    grouped = [skipped.step(3) for _ in range(10)]
    assert all(step[4]["frames"] == 4 for step in grouped)
    assert [step[1] for step in grouped] == pytest.approx([sum(rewards[i:i + 4]) for i in range(0, 40, 4)])
    assert single.unwrapped.metadata["render_fps"] == 60 and skipped.unwrapped.metadata["render_fps"] == 15


def test_determinism_and_seeded_stochastic_starts():
    def run(seed, **kwargs):
        env = gym.make("RLEnvs/Mario-v0", actions="right_only", **kwargs)
        obs, _ = env.reset(seed=seed)
        return [obs.tolist()] + [env.step(t % 5)[0].tolist() for t in range(60)]

    assert run(0) == run(1)  # the emulator is deterministic: the seed changes nothing by default
    assert run(3, noop_max=30, sticky_actions=0.25) == run(3, noop_max=30, sticky_actions=0.25)
    assert run(3, noop_max=30, sticky_actions=0.25) != run(4, noop_max=30, sticky_actions=0.25)


def test_stages_and_game_over_episodes():
    env = gym.make("RLEnvs/Mario-v0", stage="1-2")
    _, info = env.reset(seed=0)
    assert (info["world"], info["stage"]) == (1, 2)
    env, trace = scripted(lambda t: RIGHT_B, 200, end_on="game_over")
    lives = [step[3]["life"] for step in trace]
    assert not any(step[2] for step in trace[:-1]) and min(lives) < lives[0]  # a life lost, still playing
    whole = gym.make("RLEnvs/Mario-v0", stage="all")
    assert whole.reset(seed=0)[1]["world"] == 1


def test_step_limit_is_real():
    assert gym.spec("RLEnvs/Mario-v0").max_episode_steps == 10_000


@pytest.mark.parametrize("kwargs,error,message", [
    ({"state": "ramm"}, ValueError, "state must be one of 'ram', 'tiles', 'pixels', 'pixels_pair', 'dqn'"),
    ({"actions": "all"}, ValueError, "actions must be one of 'buttons', 'multibinary', 'factored'"),
    ({"reward": "money"}, ValueError, "reward must be one of 'clear', 'score', 'clear_plus_score'"),
    ({"reward": {"coins": 1, "happiness": 2}}, ValueError, "reward weights must name components among clear"),
    ({"reward": 3}, TypeError, "reward must be one of 'clear', .* or a callable of the components dict; got 3"),
    ({"stage": "9-1"}, ValueError, "stage must be 'W-S' with world 1-8 and stage 1-4"),
    ({"stage": "1-1-1"}, ValueError, "stage must be 'W-S'"),
    ({"stage": 11}, ValueError, "stage must be 'W-S'"),
    ({"frame_skip": 0}, ValueError, r"frame_skip must be in \[1, inf\)"),
    ({"frame_skip": 2.0}, TypeError, "frame_skip must be an integer"),
    ({"end_on": "never"}, ValueError, "end_on must be one of 'life', 'game_over'"),
    ({"sticky_actions": 1.0}, ValueError, r"sticky_actions must be in \[0, 1\)"),
    ({"markov": "yes"}, TypeError, "markov must be a bool"),
    ({"level": "1-1"}, TypeError, "unknown option 'level' for MarioEnv; valid options: state, actions"),
])
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        gym.make("RLEnvs/Mario-v0", **kwargs)


@pytest.mark.parametrize("actions,bad", [
    ("simple", 7), ("simple", -1), ("simple", 1.0), ("buttons", None),
    ("multibinary", np.array([1, 0, 0])), ("multibinary", np.array([2, 0, 0, 0, 0, 0])),
    ("factored", np.array([5, 0])), ("factored", [0, 4]),
])
def test_actions_outside_the_space(actions, bad):
    env = gym.make("RLEnvs/Mario-v0", actions=actions)
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match=f"actions='{actions}'"):
        env.step(bad)
    env.step(env.action_space.sample())  # nothing lost: the episode goes on


def test_factored_and_buttons_press_the_right_buttons():
    factored, buttons = ACTION_DESIGNS["factored"], ACTION_DESIGNS["buttons"]
    assert factored.to_byte(np.array([4, 3])) == 0b10000011  # right + A + B
    assert factored.to_byte(np.array([0, 0])) == 0
    assert [buttons.to_byte(i) for i in range(6)] == [0b1, 0b10, 0b10000, 0b100000, 0b1000000, 0b10000000]


def test_keyboard_play_with_the_nes_pad():
    from rl_envs.play import play
    from rl_envs.pygame_utils import pygame

    pg = pygame()
    env = gym.make("RLEnvs/Mario-v0", actions="nes", render_mode="rgb_array")
    keys = env.unwrapped.get_keys_to_action()
    assert len(keys) == 255 and env.unwrapped.metadata["noop_action"].tolist() == [0] * 8
    pg.display.init()
    pg.event.clear()
    pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_RIGHT))
    board = play(env, seed=0, fps=1000, max_frames=40)
    assert board.steps == 40 and board.design_returns["progress"] > 0
    assert any("return by design" in line for line in board.lines())


def test_vector_env_equals_single_envs_step_for_step():
    kwargs = {"state": "dqn", "actions": "right_only", "noop_max": 8}
    envs = gym.make_vec("RLEnvs/Mario-v0", num_envs=3, **kwargs)
    singles = gym.make_vec("RLEnvs/Mario-v0", num_envs=3, vectorization_mode="sync", **kwargs)
    try:
        assert len(envs.processes) == 2  # env 0 steps in this process
        obs, info = envs.reset(seed=5)
        want, want_info = singles.reset(seed=5)
        assert obs.shape == (3, 4, 84, 84) and np.array_equal(obs, want)
        assert info["x_pos"].tolist() == want_info["x_pos"].tolist()
        ends = 0
        for t in range(60):  # right + B runs into the first Goomba: episodes end and restart
            actions = np.array([3, 3 if t % 7 else 0, 1])
            got, expected = envs.step(actions), singles.step(actions)
            for g, w in zip(got[:4], expected[:4]):
                assert np.array_equal(g, w)
            assert got[4]["x_pos"].tolist() == expected[4]["x_pos"].tolist()
            assert got[4]["_frames"].tolist() == expected[4]["_frames"].tolist()
            ends += int(got[2].sum())
        assert ends >= 1
    finally:
        envs.close()
        singles.close()
    with pytest.raises(ValueError, match="state must be one of"):
        gym.make_vec("RLEnvs/Mario-v0", num_envs=2, state="rgb")


@pytest.mark.parametrize("kwargs,message", [({"state": "rgb"}, "state must be one of"),
                                            ({"context": "thread"}, "context must be one of 'forkserver'"),
                                            ({"num_envs": 0}, r"num_envs must be in \[1, inf\)")])
def test_vector_bad_options_fail_before_any_process_starts(kwargs, message):
    kwargs = {"num_envs": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        gym.make_vec("RLEnvs/Mario-v0", **kwargs)


def test_combination_actions_take_whole_valued_floats_as_sb3_samples_them():
    from rl_envs.errors import InvalidActionError
    from rl_envs.mario.actions import ACTION_DESIGNS

    design = ACTION_DESIGNS["multibinary"]
    assert design.to_byte(np.array([0.0, 1.0, 0, 0, 0, 1.0], np.float32)) == design.to_byte(np.array([0, 1, 0, 0, 0, 1]))
    for bad in ([0.5, 0, 0, 0, 0, 0], [np.nan, 0, 0, 0, 0, 0], [2.0, 0, 0, 0, 0, 0]):
        with pytest.raises(InvalidActionError):
            design.to_byte(np.array(bad, np.float32))
    assert ACTION_DESIGNS["factored"].to_byte(np.array([4.0, 1.0])) == ACTION_DESIGNS["factored"].to_byte(np.array([4, 1]))


def test_the_looping_castle_sends_mario_back_without_an_x_leap():
    """4-4's wrong path: the game takes 4 pages off Mario's page at x 1,019, which goes below 0.
    The frames are the planner's, cut where it met the leap (tests/data/mario_4-4_wrong_path.json)."""
    from pathlib import Path

    from rl_envs.mario.demonstrations import replay
    from rl_envs.mario.states import load

    demo = load(Path(__file__).parent / "data" / "mario_4-4_wrong_path.json")
    env = gym.make("RLEnvs/Mario-v0", stage="4-4", actions="nes", frame_skip=1)
    ram = env.unwrapped.emulator.ram
    xs, unsigned, progress = [], [], []
    for step in replay(demo, env):
        xs.append(step.info["x_pos"])
        unsigned.append(int(ram[0x006D]) * 256 + int(ram[0x0086]))
        progress.append(step.info["reward_components"]["x_progress"])
    loop = int(np.argmax(np.abs(np.diff(xs)))) + 1
    assert max(unsigned) > 65_000, "the frames no longer reach the page wrap they were recorded for"
    assert xs[loop - 1] > 1_000 and -1_030 <= xs[loop] - xs[loop - 1] <= -1_000  # sent back 4 pages, less a few px
    assert max(xs) < 1_100 and xs[loop] < 0
    assert progress[loop] == xs[loop] - xs[loop - 1]  # x_progress sees the same step back
    assert env.unwrapped.emulator._x_position_max < 1_100  # the library's furthest x stays right: progress still pays
