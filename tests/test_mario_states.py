"""Mario save states, state files, demonstrations, demonstration starts and the planner."""

from __future__ import annotations

import json
import math
import pickle

import gymnasium as gym
import numpy as np
import pytest

import rl_envs  # noqa: F401
from rl_envs.cli import main as cli_main
from rl_envs.mario.demonstrations import play_through
from rl_envs.mario.search import balanced_chunks, search
from rl_envs.mario.states import DEMOS, MarioState, load, save, shipped
from rl_envs.play import play_demo

# the last stage of the game without a shipped demonstration (8-4, the looping castle, so far)
UNSHIPPED = next(f"{w}-{s}" for w in range(8, 0, -1) for s in range(4, 0, -1) if not (DEMOS / f"{w}-{s}.json").exists())


def rollout(env: gym.Env, actions: list[int]) -> list[tuple]:
    return [env.step(a) for a in actions]


def same(a: list[tuple], b: list[tuple]) -> bool:
    return all(np.array_equal(x[0], y[0]) and x[1:4] == y[1:4] and x[4] == y[4] for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("state", ["ram", "pixels", "dqn"])
def test_load_state_then_the_same_actions_give_the_same_everything(state):
    env = gym.make("RLEnvs/Mario-v0", state=state, actions="simple", sticky_actions=0.25).unwrapped
    env.reset(seed=1)
    rng = np.random.default_rng(0)
    here = rollout(env, [int(rng.integers(7)) for _ in range(40)])[-1][0]
    saved = env.save_state()
    actions = [int(rng.integers(7)) for _ in range(40)]
    first = rollout(env, actions)
    assert np.array_equal(env.load_state(saved), here)
    assert same(first, rollout(env, actions))
    env.load_state(pickle.loads(pickle.dumps(saved)))  # native snapshot dropped: frames replayed
    assert same(first, rollout(env, actions))
    env.close()


def test_a_state_file_holds_frames_only_and_gets_back_to_the_same_place(tmp_path):
    env = gym.make("RLEnvs/Mario-v0", actions="right_only").unwrapped
    env.reset(seed=0)
    rollout(env, [3] * 60 + [4] * 10)
    saved = env.save_state()
    path = save(tmp_path / "here.json", saved)
    content = json.loads(path.read_text())
    assert set(content) == {"format", "version", "stage", "meta", "frames"} and len(content["frames"]) == 70
    other = gym.make("RLEnvs/Mario-v0", actions="right_only").unwrapped
    other.load_state(load(path).state())
    assert other._last_info["x_pos"] == env._last_info["x_pos"]
    assert np.array_equal(other._observe()[:4], env._observe()[:4])  # Mario's x, y and velocities
    starter = gym.make("RLEnvs/Mario-v0", actions="right_only", start=str(path))
    _, info = starter.reset(seed=0)
    assert info["start"] == {"kind": "file", "frame": 70, "x_pos": env._last_info["x_pos"]}
    for env_ in (env, other, starter):
        env_.close()


@pytest.mark.parametrize("kwargs,error,message", [
    ({"start": "nowhere"}, ValueError, "start must be one of 'level', 'demo' or a path to a state file"),
    ({"start": 3}, TypeError, "start must be one of 'level', 'demo'"),
    ({"demo": str(DEMOS / "1-1.json")}, ValueError, "give start='demo' too"),
    ({"start": "demo", "stage": UNSHIPPED}, ValueError, f"no shipped demonstration for stage '{UNSHIPPED}'; shipped: 1-1"),
    ({"start": "demo", "stage": "1-2", "demo": str(DEMOS / "1-1.json")}, ValueError,
     "1-1.json is a demonstration of stage 1-1, but the env plays stage 1-2"),
])
def test_bad_start_options_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        gym.make("RLEnvs/Mario-v0", **kwargs)


def test_loading_another_stage_or_another_object_is_refused():
    env = gym.make("RLEnvs/Mario-v0").unwrapped
    with pytest.raises(ValueError, match="stage 1-2, but this env plays stage 1-1"):
        env.load_state(MarioState(stage="1-2", frames=()))
    with pytest.raises(TypeError, match="load_state takes a MarioState"):
        env.load_state({"frames": []})
    with pytest.raises(gym.error.ResetNeeded):
        env.save_state()
    env.close()


@pytest.mark.parametrize("kwargs", [{"state": "ram", "markov": False}, {"state": "dqn"},
                                    {"state": "pixels_pair", "actions": "factored"}, {"actions": "nes"}])
def test_demonstration_starts_are_seeded_and_spread_along_the_level(kwargs):
    env = gym.make("RLEnvs/Mario-v0", start="demo", **kwargs)
    starts = [env.reset(seed=seed)[1]["start"] for seed in range(12)]
    assert all(s["kind"] == "demo" for s in starts)
    assert [env.reset(seed=seed)[1]["start"] for seed in range(12)] == starts  # the seed decides
    xs = [s["x_pos"] for s in starts]
    assert len(set(xs)) >= 6 and max(xs) > 2000 and min(xs) < 1500
    obs, *_ = env.step(env.action_space.sample())
    assert env.observation_space.contains(obs)
    env.close()


@pytest.mark.parametrize("path", sorted(DEMOS.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_demonstration_reaches_the_flag(path):
    demo = load(path)
    assert demo.meta["flag"] and demo.stage == path.stem and shipped(demo.stage) == path
    info = play_through(demo)
    assert info["flag_get"] and info["x_pos"] >= demo.meta["furthest_x"]


def test_the_planner_keeps_its_best_partial_demonstration_when_time_runs_out(tmp_path):
    out = tmp_path / "partial.json"
    assert cli_main(["mario-search", "--stage", "1-1", "--max-minutes", "0.05", "--out", str(out)]) == 0
    demo = load(out)
    assert not demo.meta["flag"] and demo.meta["furthest_x"] > 40 and demo.frames
    assert not play_through(demo).get("flag_get")
    with pytest.raises(ValueError, match="beam must be in"):
        search("1-1", beam=0)


def test_a_reset_option_idles_exactly_the_frames_it_asks_for():
    env = gym.make("RLEnvs/Mario-v0", noop_max=30)
    for idle in (7, 0, 30):
        _, info = env.reset(seed=0, options={"idle": idle})
        assert info["start"]["frame"] == idle and env.unwrapped.frames == (0,) * idle
    with pytest.raises(ValueError, match="idle must be"):
        env.reset(options={"idle": -1})
    env.close()
    along = gym.make("RLEnvs/Mario-v0", start="demo")
    with pytest.raises(ValueError, match="reset option idle idles at the stage's start; this env has start='demo'"):
        along.reset(options={"idle": 3})
    along.close()


def test_the_planner_can_start_after_idle_frames():
    demo = search("1-1", max_minutes=0.02, idle=8, progress=None)
    assert demo.meta["idle"] == 8 and demo.frames[:8] == (0,) * 8
    assert len(demo.frames) > 8 and demo.meta["furthest_x"] > 40
    with pytest.raises(ValueError, match="idle must be"):
        search("1-1", idle=-1)


def test_play_replays_a_demonstration_in_the_window():
    env = gym.make("RLEnvs/Mario-v0", render_mode="rgb_array", actions="nes", frame_skip=1)
    board = play_demo(env, load(shipped("1-1")), fps=10_000, max_frames=120)
    assert board.steps == 120
    env.close()
    simple = gym.make("RLEnvs/Mario-v0", render_mode="rgb_array", actions="simple", frame_skip=4)
    assert play_demo(simple, load(shipped("1-1")), fps=10_000, max_frames=30).steps == 30  # it was searched in 'simple'
    simple.close()
    wrong = gym.make("RLEnvs/Mario-v0", render_mode="rgb_array", actions="buttons")
    with pytest.raises(ValueError, match="actions='buttons' with frame_skip=1 cannot press"):
        play_demo(wrong, load(shipped("1-1")), fps=10_000, max_frames=2)
    wrong.close()


def test_a_reverse_curriculum_starts_at_the_flag_and_moves_back_as_the_flag_is_reached():
    env = gym.make("RLEnvs/Mario-v0", actions="nes", frame_skip=1, start="demo", demo_schedule="reverse").unwrapped
    demo = load(shipped("1-1"))
    _, info = env.reset(seed=0)
    last = info["start"]["frontier"]
    assert info["start"]["frame"] == max(s.frames.__len__() for s in env._start_states())
    frontiers, flags = [], 0
    for episode in range(40):  # follow the demonstration from wherever the episode starts
        _, info = env.reset(seed=episode)
        frontiers.append(info["start"]["frontier"])
        assert info["start"]["frame"] >= len(env._start_states()[frontiers[-1]].frames)  # never before it
        for byte in demo.frames[info["start"]["frame"]:]:
            _, _, terminated, _, step_info = env.step(env.action_for_byte(byte))
            if terminated:
                flags += bool(step_info["flag_get"])
                break
        if frontiers[-1] == last - 2:
            break
    assert flags == len(frontiers)  # the demonstration reaches the flag from every start
    assert frontiers[0] == last and frontiers[-1] == last - 2  # moved back twice, one state at a time
    assert all(a - b in (0, 1) for a, b in zip(frontiers, frontiers[1:]))
    with pytest.raises(ValueError, match="give start='demo' too"):
        gym.make("RLEnvs/Mario-v0", demo_schedule="reverse")
    with pytest.raises(ValueError, match="demo_schedule must be one of 'uniform', 'reverse'"):
        gym.make("RLEnvs/Mario-v0", start="demo", demo_schedule="forward")
    env.close()


@pytest.mark.parametrize("tasks, rebuilds", [(64, [0, 0]), (64, [2, 6]), (64, [6, 2]), (24, [0, 8, 8]),
                                             (8, [0, 40]), (0, [3, 1]), (65, [1, 1])])
def test_a_worker_with_more_children_to_rebuild_gets_fewer_expansions(tasks, rebuilds):
    sizes = balanced_chunks(tasks, rebuilds)
    assert sum(sizes) == tasks and min(sizes) >= 0
    # the depth lasts as long as its busiest worker: no split beats the larger of the most
    # rebuilds and an even share of all the work
    share = (tasks + sum(rebuilds)) / len(rebuilds)
    assert max(size + rebuild for size, rebuild in zip(sizes, rebuilds)) <= max(max(rebuilds), math.ceil(share)) + 1


def test_the_search_finds_the_same_demonstration_on_two_workers(capsys):
    """Each depth's expansions split between two emulator processes, merged in the one-process
    order: the same frames and expansions, whatever the number of workers."""
    one = search("1-1", max_expansions=600, progress=None)
    two = search("1-1", max_expansions=600, progress=None, workers=2)
    assert one.frames == two.frames and len(one.frames) > 60
    assert one.meta["expansions"] == two.meta["expansions"] >= 600
    assert one.meta["furthest_x"] == two.meta["furthest_x"] > 100
    # one process plays each expansion once; two also rebuild the kept children the other found
    assert one.meta["emulator_frames"] == one.meta["expansions"] * one.meta["hold"]
    assert two.meta["emulator_frames"] > one.meta["emulator_frames"]
    assert not play_through(two).get("flag_get")
    for flag, name in (("--workers", "workers"), ("--max-expansions", "max_expansions")):
        with pytest.raises(SystemExit) as exit_:
            cli_main(["mario-search", flag, "0"])
        assert exit_.value.code == 2 and f"{name} must be in [1, inf), got 0" in capsys.readouterr().err
