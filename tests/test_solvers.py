"""Value iteration, policy evaluation and Q-learning on the tabular environments."""

import gymnasium as gym
import numpy as np
import pytest

import rl_envs  # noqa: F401
from baselines.tabular import (
    ModelArrays,
    discounted_return,
    optimal_actions,
    policy_evaluation,
    q_learning,
    value_iteration,
)
from rl_envs.grid.env import GridWorldEnv


def reachable_states(env) -> set[int]:
    frontier = set(np.flatnonzero(env.initial_distribution).tolist())
    seen = set(frontier)
    while frontier:
        frontier = {s2 for s in frontier for a in range(env.nA) for _, s2, _, t in env.P[s][a] if not t} - seen
        seen |= frontier
    return seen


@pytest.mark.parametrize("env_id,gamma,episodes", [
    ("RLEnvs/GridWorld-v0", 1.0, 3000),
    ("RLEnvs/CambridgePub-v0", 0.95, 20000),
])
def test_q_learning_greedy_policy_matches_value_iteration(env_id, gamma, episodes):
    env = gym.make(env_id)
    exact = optimal_actions(value_iteration(env.unwrapped.P, gamma=gamma).Q)
    learned = q_learning(env, episodes=episodes, alpha=0.1, gamma=gamma, epsilon=0.3, seed=0)
    live = reachable_states(env.unwrapped)  # start states and those reached without terminating
    mismatched = [s for s in live if int(learned.policy[s]) not in exact[s]]
    assert len(live) >= 10 and not mismatched


def test_policy_evaluation_of_the_random_policy_is_worse_than_optimal():
    env = GridWorldEnv()
    optimal = value_iteration(env.P, gamma=1.0)
    random_policy = np.full((env.nS, env.nA), 1 / env.nA)
    V_random = policy_evaluation(env.P, random_policy, gamma=1.0)
    assert np.allclose(policy_evaluation(env.P, optimal.policy, gamma=1.0), optimal.V)
    live = ~env.layout.terminal.ravel()
    assert (V_random[live] < optimal.V[live]).all()


def test_random_policy_values_match_sutton_barto_example_4_1():
    """The 4x4 grid of Sutton & Barto's Example 4.1: the published values of the random policy."""
    env = GridWorldEnv(layout=["T...", "....", "....", "...T"])
    V = policy_evaluation(env.P, np.full((env.nS, env.nA), 0.25), gamma=1.0)
    published = [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]]
    assert V.reshape(4, 4) == pytest.approx(np.array(published, dtype=float))


def test_policy_evaluation_agrees_with_sampled_returns():
    env = gym.make("RLEnvs/CambridgePub-v0")
    policy = value_iteration(env.unwrapped.P, gamma=0.95).policy
    V = policy_evaluation(env.unwrapped.P, policy, gamma=0.95)
    returns = []
    for seed in range(3000):
        obs, _ = env.reset(seed=seed)
        rewards, done = [], False
        while not done:
            obs, r, term, trunc, _ = env.step(int(policy[obs]))
            rewards.append(r)
            done = term or trunc
        returns.append(discounted_return(rewards, 0.95))
    expected = float(env.unwrapped.initial_distribution @ V)
    assert np.mean(returns) == pytest.approx(expected, abs=3 * np.std(returns) / np.sqrt(len(returns)))


def test_return_of_reward_one_with_gamma_09_approaches_10():
    assert discounted_return(np.ones(500), 0.9) == pytest.approx(10.0, abs=1e-9)
    # And in an environment: +1 per step, no terminal cell, a long episode.
    env = gym.make("RLEnvs/GridWorld-v0", layout=["..", ".."], step_reward=1.0, max_episode_steps=300)
    env.reset(seed=0)
    rewards = []
    truncated = False
    while not truncated:
        _, r, terminated, truncated, _ = env.step(env.action_space.sample())
        assert not terminated
        rewards.append(r)
    assert len(rewards) == 300
    assert discounted_return(rewards, 0.9) == pytest.approx(10.0, abs=1e-9)
    assert value_iteration(env.unwrapped.P, gamma=0.9).V == pytest.approx(np.full(4, 10.0), abs=1e-6)


def test_model_arrays_continuation_excludes_terminal_outcomes():
    env = GridWorldEnv()
    arrays = ModelArrays.from_model(env.P)
    assert arrays.C[1, 1].sum() == 0.0 and arrays.R[1, 1] == -1.0  # left from cell 1 ends the episode
    assert arrays.C[5, 0].sum() == 1.0


def test_solver_arguments_are_checked():
    env = gym.make("RLEnvs/GridWorld-v0")
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\]"):
        value_iteration(env.unwrapped.P, gamma=1.5)
    with pytest.raises(ValueError, match="alpha must be in"):
        q_learning(env, alpha=0.0)
    with pytest.raises(TypeError, match="episodes must be an integer"):
        q_learning(env, episodes=1.5)
