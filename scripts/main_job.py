"""The main job (README's first command): solve the tabular environments and draw the results.

Short and CPU-only (under a minute and a half on 2 cores). It writes, under ``--out`` (default ``results/main``):
- ``gridworld_policies.png``: the lecture's contrast, random policy vs optimal policy, with V;
- ``cheese_maze.png``: what an exploiting and an exploring Q-learner learn in the mouse maze;
- ``summary.json``: values, policies and the agreement of Q-learning with value iteration;
- ``compare/``: a short reward-design comparison (PPO on the cart-pole, +1 per step alive vs -1 on
  failure, 3 seeds each, in parallel): learning curves, final bar chart, summary.csv/json.
  Run again, it reuses the finished runs (``--no-compare`` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import rl_envs  # noqa: E402,F401
from baselines.tabular import optimal_actions, policy_evaluation, q_learning, value_iteration  # noqa: E402
from rl_envs.pub.env import STATES, Activity, Choice, Place, Weather  # noqa: E402


def render_with(env_id: str, policy=None, values=None, value_style: str = "numbers", **kwargs) -> np.ndarray:
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    env.unwrapped.set_overlay(policy=policy, values=values, value_style=value_style)
    return env.unwrapped.render()  # not reset: the picture shows no agent


def save_panels(path: Path, panels: list[tuple[str, np.ndarray]], title: str) -> None:
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4))
    for ax, (caption, frame) in zip(np.atleast_1d(axes), panels):
        ax.imshow(frame)
        ax.set_title(caption, fontsize=10)
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def agreement(env_id: str, gamma: float, episodes: int, seed: int) -> dict:
    """Share of live states where Q-learning's greedy action is optimal under value iteration."""
    env = gym.make(env_id)
    exact = optimal_actions(value_iteration(env.unwrapped.P, gamma=gamma).Q)
    learned = q_learning(env, episodes=episodes, gamma=gamma, epsilon=0.3, seed=seed, progress=True)
    live = [s for s in range(env.unwrapped.nS) if learned.Q[s].any()]
    agree = sum(int(learned.policy[s]) in exact[s] for s in live)
    return {"env": env_id, "gamma": gamma, "episodes": episodes, "states_visited": len(live), "greedy_optimal": agree}


def grid_world(out: Path) -> dict:
    env = gym.make("RLEnvs/GridWorld-v0").unwrapped
    optimal = value_iteration(env.P, gamma=1.0)
    random_policy = np.full((env.nS, env.nA), 1 / env.nA)
    V_random = policy_evaluation(env.P, random_policy, gamma=1.0)
    save_panels(out / "gridworld_policies.png", [
        ("random policy, its V", render_with("RLEnvs/GridWorld-v0", random_policy, V_random)),
        ("optimal policy, V*", render_with("RLEnvs/GridWorld-v0", optimal.policy, optimal.V)),
        ("V* as heat", render_with("RLEnvs/GridWorld-v0", optimal.policy, optimal.V, "both")),
    ], "Grid world (-1 per step): random vs optimal policy")
    return {"V_optimal": optimal.V.reshape(env.nrow, env.ncol).tolist(),
            "V_random": np.round(V_random, 3).reshape(env.nrow, env.ncol).tolist()}


def cheese_maze(out: Path, seed: int) -> dict:
    env = gym.make("RLEnvs/CheeseMaze-v0")
    results, panels = {}, []
    for label, epsilon, epsilon_final in (("exploiting (epsilon 0.1)", 0.1, None),
                                          ("exploring (epsilon 1 -> 0)", 1.0, 0.0)):
        learned = q_learning(env, episodes=300, alpha=0.5, gamma=0.99, epsilon=epsilon, epsilon_final=epsilon_final,
                             seed=seed, progress=True)
        greedy_return = rollout_return(env, learned.policy, seed)
        results[label] = {"final_greedy_return": greedy_return, "mean_training_return": float(np.mean(learned.episode_returns))}
        panels.append((f"{label}: greedy return {greedy_return:.0f}",
                       render_with("RLEnvs/CheeseMaze-v0", learned.policy, learned.Q.max(axis=1), "heat")))
    save_panels(out / "cheese_maze.png", panels, "Mouse and cheese: exploitation farms +1, exploration finds +1000")
    return results


def rollout_return(env: gym.Env, policy: np.ndarray, seed: int) -> float:
    obs, _ = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(int(policy[obs]))
        total, done = total + reward, terminated or truncated
    return total


def pub(gamma: float = 0.95) -> dict:
    env = gym.make("RLEnvs/CambridgePub-v0").unwrapped
    solution = value_iteration(env.P, gamma=gamma)
    table = {}
    for s, state in enumerate(STATES):
        if state.place == Place.OFFICE and state.activity == Activity.WORKING:
            table[f"m={state.motivation}, {state.weather.name.lower()}"] = Choice(solution.policy[s]).name.lower()
    return {"gamma": gamma, "office_decision": table,
            "pub_when_tired": {w.name.lower(): Choice(solution.policy[STATES.index(
                (Place.CAMBRIDGE_BLUE, 1, w, Activity.DRINKING))]).name.lower() for w in Weather}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("results/main"), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-compare", action="store_true", help="skip the reward-design comparison")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    summary = {
        "grid_world": grid_world(args.out),
        "cheese_maze": cheese_maze(args.out, args.seed),
        "cambridge_pub": pub(),
        "q_learning_vs_value_iteration": [
            agreement("RLEnvs/GridWorld-v0", 1.0, 3000, args.seed),
            agreement("RLEnvs/CambridgePub-v0", 0.95, 20000, args.seed),
        ],
    }
    summary["seconds"] = round(time.perf_counter() - start, 1)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print("\nGrid world V* (rows top to bottom):", summary["grid_world"]["V_optimal"])
    print("Cambridge pub, leaving the office:", summary["cambridge_pub"]["office_decision"])
    for row in summary["q_learning_vs_value_iteration"]:
        print(f"Q-learning on {row['env']}: greedy action optimal in {row['greedy_optimal']}/{row['states_visited']} visited states")
    for label, r in summary["cheese_maze"].items():
        print(f"Cheese maze, {label}: greedy return {r['final_greedy_return']:.0f}")
    comparison = None
    if not args.no_compare:
        comparison = reward_comparison(args.out / "compare")
    print(f"\nDone in {round(time.perf_counter() - start, 1)} s. Results in {args.out.resolve()}/ "
          "(gridworld_policies.png, cheese_maze.png, summary.json)")
    if comparison is not None:
        print(f"Reward-design comparison plots: {comparison['files']['learning_curves']} and "
              f"{comparison['files']['final_metric']}")
    return 0


def reward_comparison(out: Path) -> dict:
    """PPO on the cart-pole with +1 per step vs -1 on failure: 3 seeds each, all cores."""
    from baselines.args import CompareArgs
    from baselines.compare.cli import compare

    print("\nReward designs on RLEnvs/CartPole-v0 (PPO, 3 seeds x 30k steps each):")
    return compare(CompareArgs(env="RLEnvs/CartPole-v0", designs=["alive", "failure"], algo="ppo", seeds=3,
                               total_timesteps=30_000, eval_episodes=5, out=str(out), device="cpu"))


if __name__ == "__main__":
    sys.exit(main())
