"""Inputs that could end in a traceback, a message naming nothing, or a replaced file: each gets
an error naming the option or the file, and loses nothing."""

from __future__ import annotations

import itertools
import json
import warnings
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.error import ResetNeeded

import rl_envs  # noqa: F401
from baselines.checkpoint import CheckpointError
from baselines.config import ConfigError
from baselines.evaluate import evaluate, load_run
from baselines.evaluate import main as evaluate_main
from baselines.factories import make_vec_env
from baselines.rundir import RunDir, RunFileError
from baselines.train import main as train_main
from baselines.train import train
from baselines.watch import main as watch_main
from rl_envs.cartpole.physics import Physics
from rl_envs.wrappers import StallLimit
from tests.test_run_safety import copy_run, snapshot, tiny_args

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("ppo") / "run"
    train(tiny_args(run_dir, "ppo", total=256))
    return run_dir


# --- env options --------------------------------------------------------------------------------
def test_mario_reset_options_of_the_wrong_type_are_named():
    env = gym.make("RLEnvs/Mario-v0")
    with pytest.raises(TypeError, match="reset options must be a dict"):
        env.reset(seed=0, options="x")
    env.reset(seed=0)  # nothing was left half-done
    env.close()


def test_a_stage_given_as_an_array_is_named():
    with pytest.raises(ValueError, match="stage must be 'W-S'"):
        gym.make("RLEnvs/Mario-v0", stage=np.array([1, 1]))


@pytest.mark.parametrize("option, value", [("tau", 1e-300), ("length", 5e-324), ("masscart", 1e-320),
                                           ("masspole", 0.0), ("tau", 0.0)])
def test_cartpole_values_below_the_range_are_named(option, value):
    with pytest.raises(ValueError, match=f"{option} must be in"):
        gym.make("RLEnvs/CartPole-v0", **{option: value})


def test_every_corner_of_the_documented_physics_ranges_works():
    """Each option at either end of its documented range, in every combination: the env makes
    bounds without NaN (velocities are unbounded, as in Gymnasium) and its observations stay in them."""
    names = list(Physics.RANGES)
    for corner in itertools.product(*(Physics.RANGES[n] for n in names)):
        kwargs = dict(zip(names, corner))
        env = gym.make("RLEnvs/CartPole-v0", **kwargs)
        assert not np.any(np.isnan(env.observation_space.high)), kwargs
        obs, _ = env.reset(seed=0)
        for step in range(10):
            obs, _, terminated, truncated, _ = env.step(step % 2)
            assert env.observation_space.contains(obs), (kwargs, obs)
            if terminated or truncated:
                break


def test_stepping_mario_after_the_episode_ended_says_so():
    from rl_envs.mario.demonstrations import replay
    from rl_envs.mario.states import load, shipped

    env = gym.make("RLEnvs/Mario-v0", actions="nes", frame_skip=1)
    last = None
    for last in replay(load(shipped("1-1")), env):
        pass
    assert last is not None and last.terminated and last.info["flag_get"]
    with pytest.raises(ResetNeeded, match="the episode has ended"):
        env.step(env.action_space.sample())
    env.close()
    fresh = gym.make("RLEnvs/Mario-v0")
    with pytest.raises(ResetNeeded, match="before reset"):
        fresh.unwrapped.step(0)
    fresh.close()


# --- run files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("env_change", [{"env_kwargs": {"gravity": "x"}}, {"env": "RLEnvs/NoSuchEnv-v0"}])
def test_evaluate_and_watch_name_the_config_file_when_its_env_cannot_be_made(ppo_run, tmp_path, capsys, env_change):
    run = copy_run(ppo_run, tmp_path / "run")
    config = json.loads((run / "config.json").read_text())
    config["args"].update(env_change)
    (run / "config.json").write_text(json.dumps(config))
    before = snapshot(run)
    assert evaluate_main([str(run), "--episodes", "1", "--no-progress-bar"]) == 2
    assert watch_main([str(run)]) == 2
    err = capsys.readouterr().err
    assert err.count("config.json") >= 2 and "Traceback" not in err
    assert snapshot(run) == before


class _Anything:
    """A class: pickling an instance records a global, which weights_only loading refuses."""


def test_a_pickled_global_in_a_tensor_file_is_refused_naming_the_file(ppo_run, tmp_path, capsys):
    run = copy_run(ppo_run, tmp_path / "run")
    model = run / "model.zip"
    with zipfile.ZipFile(model) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    planted = tmp_path / "policy.pth"
    torch.save({"weights": _Anything()}, planted)
    members["policy.pth"] = planted.read_bytes()
    with zipfile.ZipFile(model, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(CheckpointError, match="model.zip holds a tensor file with pickled objects"):
        load_run(run)
    assert evaluate_main([str(run), "--episodes", "1", "--no-progress-bar"]) == 2
    assert "model.zip" in capsys.readouterr().err


def test_a_malformed_unfinished_list_names_the_file_and_the_key(ppo_run, tmp_path):
    run = copy_run(ppo_run, tmp_path / "run")
    checkpoint = RunDir(run).checkpoint_dirs()[-1] / "checkpoint.json"
    info = json.loads(checkpoint.read_text())
    info["unfinished"] = [3]
    checkpoint.write_text(json.dumps(info))
    with pytest.raises(RunFileError, match="checkpoint.json: 'unfinished' must be a list of episode records"):
        RunDir(run)._checkpoint(checkpoint.parent)


def test_policy_kwargs_naming_python_objects_are_refused_naming_the_option(tmp_path, capsys):
    for value, named in [("{'activation_fn': 'os.system'}", "activation_fn must be one of"),
                         ("{'net_arch': 'x'}", "net_arch must be a list"), ("{'features_extractor_class': 'x'}",
                                                                            "unknown keys")]:
        code = train_main(["--env", "RLEnvs/CartPole-v0", "--set", f"policy_kwargs={value}", "--total-timesteps", "64",
                           "--run-dir", str(tmp_path / "run"), "--no-progress-bar"])
        assert code == 2
        err = capsys.readouterr().err
        assert "policy_kwargs" in err and named in err, err
    assert not (tmp_path / "run").exists()


def test_policy_kwargs_activation_names_build_their_module(tmp_path):
    run = tmp_path / "run"
    train(tiny_args(run, "ppo", total=128, overrides={"n_steps": 64, "batch_size": 64, "n_epochs": 1,
                                                         "policy_kwargs": {"activation_fn": "relu", "net_arch": [8]}}))
    model, venv, _ = load_run(run)
    venv.close()
    assert any(isinstance(m, torch.nn.ReLU) for m in model.policy.modules())


def test_resume_keeps_an_unreadable_checkpoint_aside_instead_of_overwriting_it(tmp_path):
    run = tmp_path / "run"
    train(tiny_args(run, "ppo", total=384))  # checkpoints at 128 .. 384, two kept
    rundir = RunDir(run)
    newest = rundir.checkpoint_dirs()[-1]
    (newest / "checkpoint.json").write_text("{not json")
    (run / "checkpoints" / "latest.json").unlink()
    (run / "state.json").unlink()  # as if killed before the end: resume from the readable one
    kept_bytes = (newest / "model.zip").read_bytes()
    train_main(["--resume", str(run)])
    aside = list((run / "checkpoints").glob(f"unreadable_{newest.name}.*"))
    assert len(aside) == 1 and (aside[0] / "model.zip").read_bytes() == kept_bytes
    assert (aside[0] / "checkpoint.json").read_text() == "{not json"


def test_resume_refuses_an_option_it_would_ignore_and_honours_the_process_ones(tmp_path, capsys):
    run = tmp_path / "run"
    train(tiny_args(run, "ppo", total=128))
    before = snapshot(run)
    assert train_main(["--resume", str(run), "--seed", "3", "--total-timesteps", "256"]) == 2
    error = capsys.readouterr().err
    assert "--seed differ from the run's config.json" in error and "--max-minutes" in error
    assert snapshot(run) == before
    # The run's own option repeated with its recorded value is no change: a finished run says so.
    recorded = json.loads((run / "config.json").read_text())["args"]
    assert recorded["eval_freq"] != 10000
    assert train_main(["--resume", str(run), "--eval-freq", str(recorded["eval_freq"])]) == 0
    assert "complete" in capsys.readouterr().out
    assert snapshot(run) == before
    # --max-minutes and --no-progress-bar belong to the session: this one stops at its first step.
    assert train_main(["--resume", str(run), "--total-timesteps", "100000", "--max-minutes", "0.0001",
                       "--no-progress-bar"]) == 0
    assert json.loads((run / "state.json").read_text())["timesteps"] < 1000


@pytest.mark.parametrize("flags, message", [
    (["--per-env", "reward=alive,failure,alive"], "lists a value twice"),
    (["--per-env", "reward=alive,failure", "--n-envs", "1"], "give --n-envs 2 or more"),
    (["--per-env", "reward=alive,failure", "--env-kwarg", "reward=alive"], "give it one way"),
    (["--per-env", "markov=True,False"], "must share their observation and action spaces"),
    (["--per-env", "reward=alive,tip"], "reward"),
])
def test_per_env_options_are_checked_before_anything_is_written(tmp_path, capsys, flags, message):
    run = tmp_path / "run"
    argv = ["--algo", "ppo", "--n-envs", "2", "--total-timesteps", "128", "--run-dir", str(run), *flags]
    assert train_main(argv) == 2
    assert message in capsys.readouterr().err
    assert not run.exists()


# --- shipped agents -----------------------------------------------------------------------------
@pytest.mark.parametrize("agent", sorted(p.name for p in (ROOT / "agents").iterdir()))
def test_evaluating_a_shipped_agent_is_refused_and_leaves_agents_unchanged(agent, capsys):
    before = snapshot(ROOT / "agents")
    with pytest.raises(ConfigError, match="is a shipped agent, kept read only"):
        evaluate(ROOT / "agents" / agent, episodes=1)
    assert evaluate_main([str(ROOT / "agents" / agent), "--output", "mine.json"]) == 2
    assert "cp -r" in capsys.readouterr().err
    assert snapshot(ROOT / "agents") == before
    assert not list((ROOT / "agents").rglob(".lock"))


@pytest.mark.parametrize("agent", sorted(p.name for p in (ROOT / "agents").iterdir()))
def test_shipped_agents_load_without_warnings(agent):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, venv, _ = load_run(ROOT / "agents" / agent)
    venv.close()


# --- evaluations that stall ---------------------------------------------------------------------
def test_mario_evaluations_end_episodes_that_stall():
    venv = make_vec_env("RLEnvs/Mario-v0", {}, {}, 1, seed=0, evaluation=True)
    env = venv.envs[0]
    while not isinstance(env, StallLimit):
        env = env.env
    assert (env.key, env.steps) == ("x_pos", 1_000)
    env.steps = 50  # standing still: truncated after 50 steps, not at the clock's end
    env.reset(seed=0)
    for n in range(1, 51):
        *_, terminated, truncated, info = env.step(0)
        if truncated:
            break
    assert n == 50 and truncated and info["stalled"] and not terminated
    venv.close()
    training = make_vec_env("RLEnvs/Mario-v0", {}, {}, 1, seed=0)
    assert "StallLimit" not in repr(training.envs[0])
    training.close()


def test_the_evaluation_seed_reaches_the_envs(ppo_run):
    """Building the model seeds its envs with the run's training seed; load_run's seed wins."""
    for seed in (5, 1_000_000):
        _, venv, _ = load_run(ppo_run, seed=seed)
        assert venv._seeds == [seed]
        venv.close()
