"""Keyboard play, headless: SDL's dummy video driver and synthetic key events."""

import io
import subprocess
import sys

import gymnasium as gym
import pytest

import rl_envs  # noqa: F401
from rl_envs.cli import main as cli_main
from rl_envs.cli_args import parse_kwargs
from rl_envs.play import parse_action, play, play_ansi
from rl_envs.pub.env import Choice
from rl_envs.pygame_utils import pygame


def post_keys(*keys):
    pg = pygame()
    pg.display.init()
    pg.event.clear()
    for key in keys:
        pg.event.post(pg.event.Event(pg.KEYDOWN, key=key))
        pg.event.post(pg.event.Event(pg.KEYUP, key=key))


def test_grid_world_played_with_arrow_keys():
    pg = pygame()
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="rgb_array")
    # Seed 0 starts on cell 7 (row 1, column 3): one step down reaches the terminal corner.
    assert env.reset(seed=0)[0] == 7
    post_keys(pg.K_LEFT, pg.K_RIGHT, pg.K_DOWN, pg.K_ESCAPE)
    board = play(env, seed=0, fps=1000)
    assert board.finished_returns == [-3.0]
    assert board.steps == 0  # a new episode has begun


def test_pub_played_with_two_keys_and_window_close():
    pg = pygame()
    env = gym.make("RLEnvs/CambridgePub-v0", render_mode="rgb_array")
    pg.display.init()
    pg.event.clear()
    pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_h))
    pg.event.post(pg.event.Event(pg.QUIT))
    board = play(env, seed=2, fps=1000)  # seed 2: tired, raining
    assert board.finished_returns == [-100.0]


def test_keys_to_action_works_with_gymnasium_play_map():
    pg = pygame()
    keys = gym.make("RLEnvs/CambridgePub-v0").unwrapped.get_keys_to_action()
    assert keys == {(pg.K_p,): Choice.PUB, (pg.K_h,): Choice.HOME}
    grid_keys = gym.make("RLEnvs/GridWorld-v0").unwrapped.get_keys_to_action()
    assert sorted(grid_keys.values()) == [0, 1, 2, 3]


def test_gymnasium_play_runs_on_our_env():
    from gymnasium.utils.play import play as gym_play

    pg = pygame()
    post_keys()
    pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_DOWN))  # held down until the first step is taken
    steps = []

    def after_step(before, after, action, reward, terminated, truncated, info):
        steps.append((action, info))
        pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_ESCAPE))  # then quit

    env = gym.make("RLEnvs/GridWorld-v0", render_mode="rgb_array")
    gym_play(env, wait_on_player=True, fps=1000, seed=0, callback=after_step)
    # our key map reached Gymnasium's loop: the down arrow pressed DOWN (3), which moved the agent
    assert steps, "gymnasium.utils.play took no step"
    action, info = steps[0]
    start = gym.make("RLEnvs/GridWorld-v0").reset(seed=0)[1]["state"]
    assert action == 3 and info["state"] != start


def test_ansi_play_in_the_terminal():
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="ansi")
    out = io.StringIO()
    board = play_ansi(env, seed=0, stdin=io.StringIO("sideways\nleft\nr\ndown\nq\n"), stdout=out)
    text = out.getvalue()
    assert "unknown action 'sideways'" in text and "episode over: return -3" in text
    assert board.finished_returns == [-3.0]


def test_parse_helpers():
    assert parse_kwargs(["slip=0.1", "layout=['T.', '..']", "name=plain"]) == {
        "slip": 0.1, "layout": ["T.", ".."], "name": "plain"}
    with pytest.raises(ValueError, match="key=value"):
        parse_kwargs(["slip"])
    assert parse_action("1", Choice) == parse_action("h", Choice) == parse_action("HOME", Choice) == Choice.HOME
    with pytest.raises(ValueError, match="valid: 0/pub, 1/home"):
        parse_action("x", Choice)


def test_cli_ansi_play_and_errors(capsys):
    result = subprocess.run([sys.executable, "-m", "rl_envs.cli", "play", "RLEnvs/CambridgePub-v0", "--ansi", "--seed", "2"],
                            input="home\nq\n", capture_output=True, text=True, check=True)
    assert "returns: [-100.0]" in result.stdout
    with pytest.raises(SystemExit):
        cli_main(["play", "RLEnvs/Nope-v0"])
    assert "unknown env 'RLEnvs/Nope-v0'; registered: RLEnvs/GridWorld-v0" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["play", "RLEnvs/GridWorld-v0", "--kwarg", "slip=3"])
    assert "slip must be in [0, 1], got 3" in capsys.readouterr().err
    assert cli_main(["list"]) == 0
    assert "RLEnvs/CambridgePub-v0" in capsys.readouterr().out


@pytest.mark.parametrize("argv,notice", [
    (["compare", "--env", "RLEnvs/CartPole-v0"], "rl-envs compare moved: use rl-envs-baselines compare"),
    (["play", "RLEnvs/CartPole-v0", "--agent", "runs/x"], "rl-envs play --agent moved: use rl-envs-baselines watch RUN_DIR"),
])
def test_agent_commands_moved_to_the_baselines_package(capsys, argv, notice):
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert notice in err and "pip install 'rl-envs[baselines]'" in err


def test_rendering_survives_pygame_quit():
    """gymnasium's play ends with pygame.quit(); our cached fonts must not outlive it."""
    env = gym.make("RLEnvs/CambridgePub-v0", render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    pygame().quit()
    assert (env.render() == first).all()


def count_windows(monkeypatch) -> dict:
    pg = pygame()
    calls = {"set_mode": 0}
    original = pg.display.set_mode

    def set_mode(*args, **kwargs):
        calls["set_mode"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(pg.display, "set_mode", set_mode)
    return calls


@pytest.mark.parametrize("env_id,kwargs", [("RLEnvs/CartPoleContinuous-v0", {}),
                                           ("RLEnvs/GridWorld-v0", {}),
                                           ("RLEnvs/Mario-v0", {"actions": "nes", "frame_skip": 4})])
def test_the_window_is_created_once_and_a_held_key_stays_held_across_resets(monkeypatch, env_id, kwargs):
    """Held right: the continuous cart runs off the track episode after episode; the grid agent
    walks into the right wall (turn-based: one press, one step); Mario runs on after each death."""
    pg = pygame()
    calls = count_windows(monkeypatch)
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    pg.display.init()
    pg.event.clear()
    pg.event.post(pg.event.Event(pg.KEYDOWN, key=pg.K_RIGHT))  # pressed once, never released
    turn_based = env.metadata.get("turn_based")
    board = play(env, seed=0, fps=100_000, max_frames=50 if turn_based else 1500,
                 max_episodes=None if turn_based else 3)
    assert calls["set_mode"] == 1
    if not turn_based:
        assert len(board.finished_returns) >= 2 or board.steps > 300  # still moving after the first end
    env.close()


def test_an_idle_window_sleeps_instead_of_redrawing(monkeypatch):
    pg = pygame()
    env = gym.make("RLEnvs/CartPole-v0", render_mode="rgb_array")  # no key held: paused
    renders = {"n": 0}
    original = env.render

    def render():
        renders["n"] += 1
        return original()

    monkeypatch.setattr(env, "render", render)
    pg.display.init()
    pg.event.clear()
    board = play(env, seed=0, fps=100_000, max_frames=20)
    assert board.steps == 0 and renders["n"] <= 3  # drawn once (again for window events), then asleep


def test_ansi_play_takes_arrow_keys_and_says_so():
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="ansi")
    out = io.StringIO()
    # Seed 0 starts on cell 7: the down arrow reaches the terminal corner.
    board = play_ansi(env, seed=0, stdin=io.StringIO("\x1b[B\nq\n"), stdout=out, max_episodes=1)
    assert board.finished_returns == [-1.0]
    assert "arrow keys too" in out.getvalue()


def test_panel_numbers_never_show_minus_zero():
    from rl_envs.play import Scoreboard

    board = Scoreboard()
    board.record(-0.0, {"reward_components": {"goal": -0.0}, "reward_designs": {"goal": -0.0}})
    assert "-0" not in " ".join(board.lines())
