"""The grid-world engine: the lecture's grid, the exact model, sensing, layouts, renders."""

from collections import deque

import gymnasium as gym
import numpy as np
import pytest

import rl_envs  # noqa: F401
from baselines.tabular import value_iteration
from rl_envs.grid.env import GridWorldEnv, Move


def steps_to_nearest_terminal(env: GridWorldEnv) -> np.ndarray:
    """Breadth-first search over deterministic moves, backwards from every terminal cell."""
    dist = np.full(env.nS, np.inf)
    queue = deque()
    for s in range(env.nS):
        if env.layout.terminal.flat[s]:
            dist[s] = 0
            queue.append(s)
    while queue:
        s2 = queue.popleft()
        for s in range(env.nS):
            if not env.is_absorbing(s) and dist[s] == np.inf and any(env.move(s, a) == s2 for a in Move):
                dist[s] = dist[s2] + 1
                queue.append(s)
    return dist


def test_default_is_the_lecture_grid():
    env = gym.make("RLEnvs/GridWorld-v0").unwrapped
    assert (env.nrow, env.ncol) == (3, 4) and env.nS == 12
    assert [int(a) for a in env.Actions] == [0, 1, 2, 3]
    assert [a.name for a in env.Actions] == ["RIGHT", "LEFT", "UP", "DOWN"]
    assert env.layout.terminal[0, 0] and env.layout.terminal[2, 3] and env.layout.terminal.sum() == 2
    # Start uniform over the 10 non-terminal cells.
    assert np.allclose(env.initial_distribution[env.initial_distribution > 0], 0.1)
    assert (env.initial_distribution > 0).sum() == 10


def test_start_is_uniform_and_seeded():
    env = gym.make("RLEnvs/GridWorld-v0")
    starts = [env.reset(seed=seed)[0] for seed in range(2000)]
    counts = np.bincount(starts, minlength=12)
    assert counts[0] == counts[11] == 0
    assert counts[counts > 0].min() > 150  # 200 expected per cell
    assert env.reset(seed=5)[0] == env.reset(seed=5)[0]


def test_optimal_value_is_minus_steps_to_nearest_terminal():
    env = gym.make("RLEnvs/GridWorld-v0").unwrapped
    solution = value_iteration(env.P, gamma=1.0)
    assert np.allclose(solution.V, -steps_to_nearest_terminal(env))
    assert solution.V.reshape(3, 4).tolist() == [[0, -1, -2, -2], [-1, -2, -2, -1], [-2, -2, -1, 0]]


def test_walls_change_the_distances():
    layout = ["T.#.", "..#.", "...T"]
    env = GridWorldEnv(layout=layout)
    solution = value_iteration(env.P, gamma=1.0)
    assert np.allclose(solution.V, np.where(env.layout.wall.ravel(), 0, -steps_to_nearest_terminal(env)))
    # A move into a wall stays put and still costs the step.
    s = env.to_state(0, 1)
    assert env.P[s][Move.RIGHT] == [(1.0, s, -1.0, False)]


@pytest.mark.parametrize("slip", [0.0, 0.2, 1.0])
def test_model_is_a_distribution_in_frozenlake_format(slip):
    env = GridWorldEnv(slip=slip, layout="cheese_maze")
    for s in range(env.nS):
        for a in range(env.nA):
            outcomes = env.P[s][a]
            assert abs(sum(p for p, *_ in outcomes) - 1.0) < 1e-12
            for prob, s2, reward, terminated in outcomes:
                assert 0 < prob <= 1 and 0 <= s2 < env.nS
                assert isinstance(terminated, bool) and isinstance(reward, float)


def test_slip_goes_sideways_with_the_stated_probabilities():
    env = GridWorldEnv(slip=0.2)
    s = env.to_state(1, 1)
    outcomes = {s2: p for p, s2, _, _ in env.P[s][Move.RIGHT]}
    assert outcomes == pytest.approx({env.to_state(1, 2): 0.8, env.to_state(0, 1): 0.1, env.to_state(2, 1): 0.1})
    # And the sampled steps follow the model.
    counts = {}
    for seed in range(3000):
        env.reset(seed=seed)
        env.s = s
        _, _, _, _, info = env.step(Move.RIGHT)
        counts[info["state"]] = counts.get(info["state"], 0) + 1
    assert counts[env.to_state(1, 2)] / 3000 == pytest.approx(0.8, abs=0.03)


def test_cell_rewards_and_components():
    env = GridWorldEnv(layout=["S +1 T+10"], step_reward=-0.5)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(Move.RIGHT)
    assert (reward, terminated, info["reward_components"]) == (0.5, False, {"step": -0.5, "cell": 1.0, "goal": 0.0})
    _, reward, _, _, _ = env.step(Move.DOWN)  # bump the edge: still on the cheese, paid again
    assert reward == 0.5
    _, reward, terminated, _, info = env.step(Move.RIGHT)
    assert (reward, terminated) == (9.5, True)
    assert info["reward_components"] == {"step": -0.5, "cell": 10.0, "goal": 1.0}
    assert info["reward_designs"] == {"step_cost": 9.5, "goal": 1.0}


def test_goal_design_pays_only_the_terminal_and_its_model_agrees():
    env = GridWorldEnv(layout=["S +1 T+10"], step_reward=-0.5, reward="goal")
    env.reset(seed=0)
    rewards = [env.step(Move.RIGHT)[1] for _ in range(2)]
    assert rewards == [0.0, 1.0]
    assert env.P[1][Move.RIGHT] == [(1.0, 2, 1.0, True)]
    assert env.P[0][Move.RIGHT] == [(1.0, 1, 0.0, False)]


def test_non_markov_observation_is_local_walls():
    env = gym.make("RLEnvs/GridWorld-v0", markov=False).unwrapped
    assert env.observation_space == gym.spaces.Discrete(16)
    observed = {s: env.observe(s) for s in range(env.nS)}
    assert observed[env.to_state(1, 1)] == observed[env.to_state(1, 2)] == 0  # inner cells look alike
    top_left = observed[env.to_state(0, 0)]
    assert top_left == (1 << Move.LEFT) | (1 << Move.UP)
    assert len(set(observed.values())) < env.nS


def test_cheese_maze_rewards_exploration():
    env = gym.make("RLEnvs/CheeseMaze-v0").unwrapped
    assert env.layout.cell_reward.max() == 1000 and env.layout.terminal.sum() == 1
    start = int(np.flatnonzero(env.initial_distribution)[0])
    far_sighted = value_iteration(env.P, gamma=0.99).policy
    short_sighted = value_iteration(env.P, gamma=0.5).policy

    def walk(policy, steps=30):
        s, total = start, 0.0
        for _ in range(steps):
            _, s, r, done = env.P[s][policy[s]][0]
            total += r
            if done:
                return total, True
        return total, False

    assert walk(far_sighted)[1]  # reaches the big cheese
    total, reached = walk(short_sighted)
    assert not reached and total > 0  # farms the small one


def test_ansi_render_marks_agent_and_policy():
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert text.count("A") == 1 and text.count("T") == 2
    env.unwrapped.set_overlay(policy=value_iteration(env.unwrapped.P, gamma=1.0).policy, values=np.zeros(12))
    lines = env.render().splitlines()
    assert lines[0].split()[1] == "<"  # next to the top-left terminal: go left


def test_rgb_render_and_overlays_change_the_picture():
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="rgb_array")
    env.reset(seed=0)
    plain = env.render()
    assert plain.shape == (240, 320, 3) and plain.dtype == np.uint8
    env.unwrapped.set_overlay(policy=np.full((12, 4), 0.25))
    arrows = env.render()
    env.unwrapped.set_overlay(values=np.arange(12.0), value_style="heat")
    heat = env.render()
    assert (plain != arrows).any() and (plain != heat).any() and (arrows != heat).any()
    with pytest.raises(ValueError, match="value_style must be one of"):
        env.unwrapped.set_overlay(values=np.zeros(12), value_style="3d")
    with pytest.raises(ValueError, match="policy must have shape"):
        env.unwrapped.set_overlay(policy=np.zeros(5, dtype=int))


def test_human_render_opens_a_window_headless():
    env = gym.make("RLEnvs/GridWorld-v0", render_mode="human")
    env.reset(seed=0)
    env.step(Move.UP)
    assert env.unwrapped._window is not None
    env.close()


def test_cheese_maze_exploitation_farms_and_exploration_finds_the_pile():
    from baselines.tabular import q_learning

    env = gym.make("RLEnvs/CheeseMaze-v0")

    def greedy_return(policy):
        obs, _ = env.reset(seed=0)
        total, done = 0.0, False
        while not done:
            obs, r, terminated, truncated, _ = env.step(int(policy[obs]))
            total, done = total + r, terminated or truncated
        return total

    exploiting = q_learning(env, episodes=300, alpha=0.5, gamma=0.99, epsilon=0.1, seed=0)
    exploring = q_learning(env, episodes=300, alpha=0.5, gamma=0.99, epsilon=1.0, epsilon_final=0.0, seed=0)
    assert max(exploiting.episode_returns) < 1000 and greedy_return(exploiting.policy) == 200  # +1 every step
    assert greedy_return(exploring.policy) == 1000
