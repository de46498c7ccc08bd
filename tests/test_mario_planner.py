"""The planner that plans while it plays: it follows the demonstration where the game agrees,
mends the plan where it does not, and is played by the learned agents' evaluation code."""

import gymnasium as gym
import numpy as np
import pytest

from baselines.evaluate import evaluate_planner
from rl_envs.cli import main
from rl_envs.mario.demonstrations import DemonstrationError, actions_of
from rl_envs.mario.planner import Planner
from rl_envs.mario.states import Demonstration, load, save, shipped
from rl_envs.play import play_planner


@pytest.fixture
def env():
    env = gym.make("RLEnvs/Mario-v0", state="ram", actions="simple", frame_skip=4)
    yield env
    env.close()


def play(env, planner, seed=0, detour=()):
    """One episode; ``detour``: (first step, actions) the env takes instead of the planner's."""
    env.reset(seed=seed)
    planner.reset()
    taken, info = [], {}
    for step in range(2000):
        action = planner.act()
        if detour and detour[0] <= step < detour[0] + len(detour[1]):
            action = detour[1][step - detour[0]]
        taken.append(action)
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return taken, info


def test_where_the_game_agrees_it_plays_the_demonstration_and_only_checks_each_window(env):
    planner = Planner(env, window=192, delay=0)  # frames: 48 steps of 4; late presses not tried
    taken, info = play(env, planner)
    demo = actions_of(load(shipped("1-1")), env)
    assert info["flag_get"] and taken == demo[: len(taken)]
    assert planner.repairs == 0 and planner.checks == -(-len(taken) // 48)


@pytest.mark.slow
def test_it_mends_a_plan_the_game_left_and_still_reaches_the_flag(env):
    # Ten steps standing still where the demonstration runs: the plan's timing is gone.
    planner = Planner(env)
    frames_before = planner.frames_searched
    taken, info = play(env, planner, detour=(40, [0] * 10))
    assert info["flag_get"]
    assert planner.repairs >= 1 and planner.frames_searched > frames_before
    assert taken[50:] != actions_of(load(shipped("1-1")), env)[50: len(taken)]


def test_its_options_and_demonstrations_are_checked(env, tmp_path):
    with pytest.raises(ValueError, match="window"):
        Planner(env, window=3)  # under one step of 4 frames
    with pytest.raises(ValueError, match="hold must be a multiple of the env's frame_skip=4"):
        Planner(env, hold=6)
    other = save(tmp_path / "other.json", load(shipped("1-2")))
    with pytest.raises(DemonstrationError, match="stage 1-2, but the env plays stage 1-1"):
        Planner(env, demo=other)
    demo = load(shipped("1-1"))
    idled = save(tmp_path / "idled.json", Demonstration("1-1", (0,) * 4 + demo.frames, {"idle": 4}))
    with pytest.raises(DemonstrationError, match="idle"):
        Planner(env, demo=idled)
    right_only = gym.make("RLEnvs/Mario-v0", state="ram", actions="right_only", frame_skip=4)
    try:
        with pytest.raises(DemonstrationError, match="right_only"):
            Planner(right_only)
    finally:
        right_only.close()


def test_the_learned_agents_evaluation_plays_it_and_counts_its_frames():
    on_time = evaluate_planner({"state": "tiles"}, episodes=1, delay=0)
    assert on_time["task"]["flag"] == 1.0 and on_time["episodes"] == 1 and on_time["planner"] == {"delay": 0}
    # The opening's replay of the demonstration, then the same frames again, one window at a time.
    assert on_time["frames_searched"] == 2 * len(load(shipped("1-1")).frames)
    assert np.isclose(on_time["frames_searched_per_step"], on_time["frames_searched"] / on_time["lengths"][0])
    # Trying every window with late presses too: still the flag, for more frames of search.
    late = evaluate_planner({"state": "tiles"}, episodes=1)
    assert late["task"]["flag"] == 1.0 and late["frames_searched"] > on_time["frames_searched"]


def test_rl_envs_play_lets_the_planner_play_in_the_window():
    env = gym.make("RLEnvs/Mario-v0", actions="nes", frame_skip=1, render_mode="rgb_array", sticky_actions=0.25)
    try:
        board = play_planner(env, seed=0, fps=10_000, max_frames=120)
    finally:
        env.close()
    assert board.steps == 120 and board.episode_return > 0  # progress to the right


@pytest.mark.parametrize("argv, message", [
    (["--planner", "--demo", "rl_envs/mario/demos/1-1.json"], "give one"),
    (["--planner", "--kwarg", "actions=right_only", "--kwarg", "frame_skip=4"], "right_only"),
])
def test_rl_envs_play_planner_refuses_what_it_cannot_play_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["play", "RLEnvs/Mario-v0", *argv])
    assert exit_.value.code == 2 and message in capsys.readouterr().err
