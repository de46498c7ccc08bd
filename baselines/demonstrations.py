"""Behaviour cloning from a Mario demonstration before RL (the lectures' "learning from
demonstrations": supervised learning of the demonstrated action from the observation, then
offline + online RL from there). ``rl-envs-baselines train ... --bc-demo FILE``.

The demonstration (controller bytes per frame, :mod:`rl_envs.mario.states`) is replayed from the
level's start through the run's own pipeline (its state design, wrappers and frame stacking,
one env), which turns it into (observation, action) pairs in the run's action design; the
policy is then fitted to them by maximum likelihood (PPO's policy: minus the mean
log-probability of the demonstrated actions). Imitation libraries (``imitation``) pin older
Gymnasium releases, hence these few lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from baselines.config import ConfigError
from baselines.factories import evaluation_kwargs, make_vec_env
from rl_envs.mario.states import load


def demonstration_pairs(env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any],
                        path: str) -> tuple[np.ndarray, np.ndarray]:
    """(observations, actions) of the demonstration in the run's configuration, from the level's start."""
    if env_id != "RLEnvs/Mario-v0":
        raise ConfigError(f"--bc-demo clones Mario demonstrations; this run trains on {env_id}")
    demo = load(path)
    # The demonstration starts at the stage's start, frame 0: no idling, no sticky buttons.
    kwargs = {**evaluation_kwargs(env_kwargs), "noop_max": 0, "sticky_actions": 0.0}
    venv = make_vec_env(env_id, kwargs, {**params, "vec_env": "dummy"}, 1, seed=0)
    mario = venv.envs[0].unwrapped
    design, skip = mario.action_design, mario.frame_skip
    if design.table is None:
        raise ConfigError(f"--bc-demo needs a discrete action design; actions={design.name!r} is not one")
    action_of = {byte: i for i, byte in reversed(list(enumerate(design.table_bytes)))}
    observations, actions, info = [], [], {}
    obs = venv.reset()
    try:
        for start in range(0, len(demo.frames), skip):
            held = set(demo.frames[start:start + skip])
            if len(held) != 1 or next(iter(held)) not in action_of:
                raise ConfigError(f"{path}: frames {start}-{start + skip - 1} press {sorted(held)}, which "
                                  f"actions={design.name!r} with frame_skip={skip} cannot press (search with "
                                  f"rl-envs mario-search --actions {design.name} --hold a multiple of {skip})")
            observations.append(obs[0])
            actions.append(action_of[held.pop()])
            obs, _, done, infos = venv.step(np.array([actions[-1]]))
            info = infos[0]
            if done[0]:
                break
    finally:
        venv.close()
    if not info.get("flag_get"):
        raise ConfigError(f"{path} does not reach the flag when replayed in this run's configuration "
                          f"({kwargs}); it reached x {info.get('x_pos')}")
    return np.array(observations), np.array(actions)


def behaviour_clone(model: Any, observations: np.ndarray, actions: np.ndarray, epochs: int,
                    batch_size: int = 64, learning_rate: float = 1e-3, seed: int = 0) -> dict[str, float]:
    """Fit ``model.policy`` to the pairs; returns the loss before and after and the greedy accuracy."""
    policy = model.policy
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    rng = np.random.default_rng(seed)
    target = torch.as_tensor(actions, device=model.device)

    def loss_and_accuracy() -> tuple[float, float]:
        with torch.no_grad():
            obs, _ = policy.obs_to_tensor(observations)
            distribution = policy.get_distribution(obs)
            loss = -distribution.log_prob(target).mean().item()
            accuracy = (distribution.mode() == target).float().mean().item()
        return loss, accuracy

    before, _ = loss_and_accuracy()
    policy.set_training_mode(True)
    for _ in range(epochs):
        order = rng.permutation(len(actions))
        for i in range(0, len(order), batch_size):
            batch = order[i:i + batch_size]
            obs, _ = policy.obs_to_tensor(observations[batch])
            loss = -policy.get_distribution(obs).log_prob(target[batch]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    policy.set_training_mode(False)
    after, accuracy = loss_and_accuracy()
    return {"pairs": len(actions), "epochs": epochs, "loss_before": before, "loss_after": after,
            "greedy_accuracy": accuracy}
