"""Exact and tabular solvers for any environment with an exact model ``P`` (FrozenLake format).

``P[s][a] = [(prob, next_state, reward, terminated), ...]``. Pure functions of the model, so
tests and notebooks call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
from tqdm import tqdm  # the text bar: tqdm.auto needs ipywidgets in a notebook

from rl_envs.options import check_number


@dataclass(frozen=True)
class ModelArrays:
    """``P`` as arrays: expected reward R[s, a] and continuation C[s, a, s'].

    ``C`` holds the probability of reaching ``s'`` *without* terminating, so a Bellman backup is
    ``Q = R + gamma * C @ V``: terminal outcomes contribute their reward and nothing after.
    """

    R: np.ndarray
    C: np.ndarray

    @classmethod
    def from_model(cls, P: list) -> ModelArrays:
        nS, nA = len(P), len(P[0])
        R = np.zeros((nS, nA))
        C = np.zeros((nS, nA, nS))
        for s in range(nS):
            for a in range(nA):
                for prob, s2, reward, terminated in P[s][a]:
                    R[s, a] += prob * reward
                    if not terminated:
                        C[s, a, s2] += prob
        return cls(R, C)


@dataclass(frozen=True)
class Solution:
    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    iterations: int


def _check_gamma(gamma: float) -> float:
    return check_number("gamma", gamma, low=0.0, high=1.0)


def value_iteration(P: list, gamma: float = 0.99, theta: float = 1e-10, max_iterations: int = 100_000) -> Solution:
    """Q_{i+1}(s, a) = E[r + gamma max_a' Q_i(s', a')] until the largest change is below ``theta``.

    ``policy`` is greedy in ``Q`` (lowest action index among ties); :func:`optimal_actions`
    gives every optimal action.
    """
    gamma = _check_gamma(gamma)
    m = ModelArrays.from_model(P)
    V = np.zeros(m.R.shape[0])
    for i in range(1, max_iterations + 1):
        Q = m.R + gamma * m.C @ V
        V_new = Q.max(axis=1)
        delta = np.abs(V_new - V).max()
        V = V_new
        if delta < theta:
            return Solution(V, Q, Q.argmax(axis=1), i)
    raise RuntimeError(f"value iteration did not converge in {max_iterations} iterations (last change {delta:g}); "
                       "with gamma=1 some policy may never terminate")


def policy_matrix(policy: np.ndarray, num_states: int, num_actions: int) -> np.ndarray:
    """(nS, nA) action probabilities from one action per state or from probabilities."""
    policy = np.asarray(policy)
    if policy.shape == (num_states,):
        return np.eye(num_actions)[policy.astype(int)]
    if policy.shape == (num_states, num_actions):
        return policy.astype(np.float64)
    raise ValueError(f"policy must have shape ({num_states},) or ({num_states}, {num_actions}); got {policy.shape}")


def policy_evaluation(P: list, policy: np.ndarray, gamma: float = 0.99) -> np.ndarray:
    """V^pi, solved exactly from V = R_pi + gamma C_pi V."""
    gamma = _check_gamma(gamma)
    m = ModelArrays.from_model(P)
    nS, nA = m.R.shape
    pi = policy_matrix(policy, nS, nA)
    R_pi = (pi * m.R).sum(axis=1)
    C_pi = np.einsum("sa,sat->st", pi, m.C)
    try:
        V = np.linalg.solve(np.eye(nS) - gamma * C_pi, R_pi)
    except np.linalg.LinAlgError:
        raise ValueError("the policy never terminates from some state, so its value is infinite with gamma=1") from None
    return V


def optimal_actions(Q: np.ndarray, atol: float = 1e-6) -> list[set[int]]:
    """For each state, every action within ``atol`` of the best."""
    return [set(np.flatnonzero(q >= q.max() - atol).tolist()) for q in Q]


def discounted_return(rewards: list[float] | np.ndarray, gamma: float) -> float:
    """G = sum_t gamma^t r_t."""
    rewards = np.asarray(rewards, dtype=np.float64)
    return float(np.sum(rewards * gamma ** np.arange(len(rewards))))


@dataclass
class QLearningResult:
    Q: np.ndarray
    episode_returns: list[float]

    @property
    def policy(self) -> np.ndarray:
        return self.Q.argmax(axis=1)


def epsilon_greedy(q: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """A random action with probability epsilon, else a greedy one (ties broken at random)."""
    if rng.random() < epsilon:
        return int(rng.integers(len(q)))
    return int(rng.choice(np.flatnonzero(q == q.max())))


def q_learning(
    env: gym.Env,
    episodes: int = 5_000,
    alpha: float = 0.1,
    gamma: float = 0.99,
    epsilon: float = 0.1,
    epsilon_final: float | None = None,
    seed: int = 0,
    progress: bool = False,
) -> QLearningResult:
    """Tabular Q-learning with epsilon-greedy exploration (the lecture's update rule).

    Q(s, a) <- Q(s, a) + alpha (r + gamma max_a' Q(s', a') - Q(s, a)), bootstrapping only when
    the episode did not terminate. ``epsilon`` decays linearly to ``epsilon_final`` (default:
    constant) over the episodes.
    """
    if not isinstance(env.observation_space, gym.spaces.Discrete) or not isinstance(env.action_space, gym.spaces.Discrete):
        raise TypeError("q_learning needs Discrete observation and action spaces, got "
                        f"{env.observation_space} and {env.action_space}")
    episodes = check_number("episodes", episodes, low=1, integer=True)
    alpha = check_number("alpha", alpha, low=0.0, high=1.0, low_inclusive=False)
    gamma = _check_gamma(gamma)
    epsilon = check_number("epsilon", epsilon, low=0.0, high=1.0)
    epsilon_final = epsilon if epsilon_final is None else check_number("epsilon_final", epsilon_final, low=0.0, high=1.0)
    rng = np.random.default_rng(seed)
    Q = np.zeros((env.observation_space.n, env.action_space.n))
    returns = []
    for episode in tqdm(range(episodes), desc="Q-learning", unit="ep", disable=not progress):
        eps = epsilon + (epsilon_final - epsilon) * episode / max(episodes - 1, 1)
        obs, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            a = epsilon_greedy(Q[obs], eps, rng)
            next_obs, reward, terminated, truncated, _ = env.step(a)
            target = reward + (0.0 if terminated else gamma * Q[next_obs].max())
            Q[obs, a] += alpha * (target - Q[obs, a])
            obs, total, done = next_obs, total + reward, terminated or truncated
        returns.append(total)
    return QLearningResult(Q, returns)
