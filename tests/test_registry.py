"""Every registered RLEnvs/* id, Markov and not, passes both env checkers and is deterministic."""

import subprocess
import sys
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import rl_envs
from tests.rollout import rollout

ENV_IDS = rl_envs.env_ids()
CASES = [(env_id, markov) for env_id in ENV_IDS for markov in (True, False)]


def test_every_table_row_is_registered():
    registered = {i for i in gym.registry if i.startswith("RLEnvs/")}
    assert registered == set(ENV_IDS)
    assert {"RLEnvs/GridWorld-v0", "RLEnvs/CheeseMaze-v0", "RLEnvs/CambridgePub-v0"} <= registered


@pytest.mark.parametrize("env_id,markov", CASES)
def test_gymnasium_check_env(env_id, markov):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker's warning is a failure, not a note
        if "CartPole" in env_id:  # unbounded velocities, exactly as Gymnasium's own CartPole-v1 declares them
            warnings.filterwarnings("ignore", message=r".*Box observation space (minimum|maximum) value is -?infinity")
        gym_check_env(gym.make(env_id, markov=markov).unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id,markov", CASES)
def test_sb3_check_env(env_id, markov):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(gym.make(env_id, markov=markov), warn=True)


@pytest.mark.parametrize("env_id,markov", CASES)
def test_same_seed_same_rollout(env_id, markov):
    first = rollout(env_id, seed=7, steps=300, markov=markov)
    assert first == rollout(env_id, seed=7, steps=300, markov=markov)
    assert first != rollout(env_id, seed=8, steps=300, markov=markov)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_time_limit_comes_from_registration(env_id):
    spec = gym.spec(env_id)
    assert spec.max_episode_steps is not None and spec.max_episode_steps > 0
    env = gym.make(env_id)
    assert any(w.class_name() == "TimeLimit" for w in _wrappers(env))


def _wrappers(env):
    while isinstance(env, gym.Wrapper):
        yield env
        env = env.env


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_markov_false_changes_only_the_observation(env_id):
    """Same seed, same actions: rewards and episode ends agree whatever ``markov`` is."""
    markov = rollout(env_id, seed=3, steps=300, markov=True)
    partial = rollout(env_id, seed=3, steps=300, markov=False)
    assert [t[1:] for t in markov] == [t[1:] for t in partial]
    assert gym.make(env_id, markov=False).observation_space != gym.make(env_id, markov=True).observation_space


@pytest.mark.parametrize("module_form", ["import rl_envs", "module_prefix", "register_envs"])
def test_three_ways_to_make(module_form):
    code = {
        "import rl_envs": "import gymnasium as gym, rl_envs; gym.make('RLEnvs/GridWorld-v0')",
        "module_prefix": "import gymnasium as gym; gym.make('rl_envs:RLEnvs/GridWorld-v0')",
        "register_envs": "import gymnasium as gym, rl_envs; gym.register_envs(rl_envs); gym.make('RLEnvs/CambridgePub-v0')",
    }[module_form]
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_is_light():
    """Importing rl_envs loads neither torch, pygame nor the emulator (the time is in scripts/bench_import.py)."""
    code = "import sys, rl_envs; print(sorted(m for m in ('torch', 'pygame', 'nes_py', 'stable_baselines3') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_reimport_does_not_reregister(recwarn):
    rl_envs.register_all()
    assert not [w for w in recwarn if "Overriding environment" in str(w.message)]


@pytest.mark.parametrize("env_id", rl_envs.env_ids())
def test_listed_reward_designs_are_the_ones_the_env_reports_and_accepts(env_id):
    from rl_envs.registry import entry, reward_designs

    designs = reward_designs(env_id)
    env = gym.make(env_id)
    env.reset(seed=0)
    info = env.step(env.action_space.sample())[-1]
    if not designs:
        assert "reward_designs" not in info and entry(env_id).compare_metric is None
        return
    assert tuple(info["reward_designs"]) == designs
    metric = entry(env_id).compare_metric
    assert metric.removeprefix("return/") in designs or metric in entry(env_id).task_metrics
    if env_id.startswith("RLEnvs/Mario"):
        return  # every Mario design is built and checked in tests/test_mario.py
    for design in designs:  # the reward paid is the design's entry of reward_designs
        env = gym.make(env_id, reward=design)
        env.reset(seed=0)
        _, reward, *_, info = env.step(env.action_space.sample())
        assert reward == info["reward_designs"][design]
