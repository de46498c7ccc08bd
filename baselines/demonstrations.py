"""Learning from Mario demonstrations (the lectures' "learning from demonstrations"):
supervised learning of the demonstrated action from the observation before RL, and, with
``--bc-keep``, during it. ``rl-envs-baselines train ... --bc-demo FILE``.

The demonstration (controller bytes per frame, :mod:`rl_envs.mario.states`) is replayed from the
level's start through the run's own pipeline (its state design, wrappers and frame stacking,
one env), which turns it into (observation, action) pairs in the run's action design; the
model is then fitted to them by :func:`imitation_loss` (PPO: maximum likelihood of the
demonstrated actions; DQN: DQfD's large-margin loss on its Q-values). Imitation libraries
(``imitation``) pin older Gymnasium releases and have no DQfD, hence these few lines.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from baselines.config import ConfigError
from baselines.evaluate import load_run
from baselines.factories import build_model, evaluation_kwargs, make_vec_env
from baselines.rundir import RunDir
from rl_envs import registry
from rl_envs.mario.demonstrations import DemonstrationError, actions_of, check_stage, opening_steps, read
from rl_envs.mario.states import load

DQFD_MARGIN = 0.8  # Hester et al. 2018's margin between the demonstrated action's Q and the others'


def demonstration_files(path: str) -> list[Path]:
    """``path`` itself, or every ``*.json`` in it when it is a directory (sorted by name)."""
    where = Path(path)
    files = sorted(where.glob("*.json")) if where.is_dir() else [where]
    if not files:
        raise ConfigError(f"--bc-demo {path}: a directory with no demonstration (*.json) in it")
    return files


def demonstration_pairs(env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any],
                        path: str, idle: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(observations, actions) of the demonstrations in ``path`` (a file or a directory of them)
    in the run's configuration, each replayed from the level's start after 0, 1, ..., ``idle``
    idle frames (the starts a ``noop_max=idle`` evaluation plays: the same buttons reach the
    flag from each, but the frames the agent sees differ). A demonstration's own opening idle
    frames are played but not cloned (:func:`rl_envs.mario.demonstrations.opening_steps`)."""
    if not registry.entry(env_id).takes_demonstrations:
        raise ConfigError(f"--bc-demo clones Mario demonstrations; this run trains on {env_id}")
    demos = [(str(file), load(file)) for file in demonstration_files(path)]
    # Each replay starts at the stage's start after exactly `before` idle frames; no sticky buttons.
    kwargs = {**evaluation_kwargs(env_id, env_kwargs), **registry.entry(env_id).deterministic_kwargs}
    venv = make_vec_env(env_id, kwargs, {**params, "vec_env": "dummy"}, 1, seed=0)
    env = venv.envs[0]  # the run's pipeline: its wrappers and the VecEnv's frame stack are SB3's own
    observations, actions = [], []
    try:
        for (source, demo), before in itertools.product(demos, range(idle + 1)):
            opening = opening_steps(demo, env, source)
            info: dict = {}
            venv.set_options({"idle": before})
            obs = venv.reset()
            for n, action in enumerate(actions_of(demo, env, source)):
                if n >= opening:
                    observations.append(obs[0])
                    actions.append(action)
                obs, _, done, infos = venv.step(np.array([action]))
                info = infos[0]
                if done[0]:
                    break
            if not info.get("flag_get"):
                raise ConfigError(f"{source} does not reach the flag when replayed in this run's configuration "
                                  f"({kwargs}) after {before} idle frames; it reached x {info.get('x_pos')}")
    except DemonstrationError as error:
        raise ConfigError(f"--bc-demo {error}") from None
    finally:
        venv.close()
    return np.array(observations), np.array(actions)


def imitation_loss(model: Any, observations: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """The supervised loss that makes the demonstrated actions the model's greedy ones. PPO:
    minus their mean log-probability (behaviour cloning). DQN: DQfD's large-margin loss,
    mean of max_a [Q(s, a) + margin (a != a_E)] - Q(s, a_E), which ranks a_E first by a margin
    and leaves the Q scale to the TD loss (Hester et al. 2018)."""
    q_net = getattr(model, "q_net", None)
    if q_net is None:
        return -model.policy.get_distribution(observations).log_prob(actions).mean()
    q = q_net(observations)
    margins = torch.full_like(q, DQFD_MARGIN).scatter_(1, actions[:, None], 0.0)
    return ((q + margins).max(dim=1).values - q.gather(1, actions[:, None]).squeeze(1)).mean()


def greedy_actions(model: Any, observations: torch.Tensor) -> torch.Tensor:
    q_net = getattr(model, "q_net", None)
    if q_net is None:
        return model.policy.get_distribution(observations).mode()
    return q_net(observations).argmax(dim=1)


class Cloner:
    """Minibatch gradient steps of :func:`imitation_loss` on (observation, action) pairs, with
    its own Adam (the algorithm's optimizer keeps its moments for the RL loss)."""

    def __init__(self, model: Any, observations: np.ndarray, actions: np.ndarray, *, learning_rate: float,
                 batch_size: int = 64, seed: int = 0) -> None:
        self.model, self.batch_size = model, batch_size
        self.observations, _ = model.policy.obs_to_tensor(observations)
        self.actions = torch.as_tensor(actions, device=model.device).long()
        self.optimizer = torch.optim.Adam(model.policy.parameters(), lr=learning_rate)
        self.rng = np.random.default_rng(seed)
        self.order: list[np.ndarray] = []
        self.sample: torch.Tensor | None = None

    def steps(self, n: int) -> None:
        """``n`` minibatches, drawn without replacement epoch after epoch."""
        self.model.policy.set_training_mode(True)
        for _ in range(n):
            if not self.order:
                permutation = self.rng.permutation(len(self.actions))
                self.order = [permutation[i:i + self.batch_size] for i in range(0, len(permutation), self.batch_size)]
            batch = torch.as_tensor(self.order.pop(), device=self.model.device)
            loss = imitation_loss(self.model, self.observations[batch], self.actions[batch])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.model.policy.set_training_mode(False)

    def epochs(self, n: int) -> None:
        self.order = []
        self.steps(n * -(-len(self.actions) // self.batch_size))

    def score(self, pairs: int | None = None) -> tuple[float, float]:
        """(imitation loss, share of pairs whose greedy action is the demonstrated one), over all
        pairs or a fixed random sample of ``pairs`` of them (images make all of them slow)."""
        if pairs is not None and pairs < len(self.actions):
            if self.sample is None or len(self.sample) != pairs:
                self.sample = torch.as_tensor(self.rng.choice(len(self.actions), pairs, replace=False),
                                              device=self.model.device)
            observations, actions = self.observations[self.sample], self.actions[self.sample]
        else:
            observations, actions = self.observations, self.actions
        with torch.no_grad():
            loss = imitation_loss(self.model, observations, actions).item()
            accuracy = (greedy_actions(self.model, observations) == actions).float().mean().item()
        return loss, accuracy


def behaviour_clone(model: Any, observations: np.ndarray, actions: np.ndarray, epochs: int, *,
                    learning_rate: float, batch_size: int = 64, seed: int = 0) -> dict[str, float]:
    """Fit ``model`` to the pairs (:func:`imitation_loss`); returns the loss before and after and
    the greedy accuracy and the fit's wall seconds. A DQN's target network is then synchronised
    with the fitted one."""
    start = time.perf_counter()
    cloner = Cloner(model, observations, actions, learning_rate=learning_rate, batch_size=batch_size, seed=seed)
    before, _ = cloner.score()
    cloner.epochs(epochs)
    after, accuracy = cloner.score()
    if getattr(model, "q_net_target", None) is not None:
        model.q_net_target.load_state_dict(model.q_net.state_dict())
    return {"pairs": len(actions), "epochs": epochs, "loss_before": before, "loss_after": after,
            "greedy_accuracy": accuracy, "seconds": time.perf_counter() - start}


def fit_new_model(algo: str, env_id: str, env_kwargs: dict[str, Any], params: dict[str, Any],
                  pairs: tuple[np.ndarray, np.ndarray], epochs: int, learning_rate: float, seed: int) -> dict[str, float]:
    """:func:`behaviour_clone` of a freshly built ``algo`` model of ``seed`` (on the CPU): how a
    fit from scratch ends, seed by seed."""
    venv = make_vec_env(env_id, env_kwargs, {**params, "vec_env": "dummy"}, 1, seed=seed)
    try:
        return behaviour_clone(build_model(algo, params, venv, seed, "cpu"), *pairs, epochs,
                               learning_rate=learning_rate, seed=seed)
    finally:
        venv.close()


def demonstration_agreement(run_dir: Path, demo_path: str | None = None) -> dict[str, Any]:
    """How far a run's greedy policy repeats the demonstration of its stage: one greedy episode
    from the stage's start with the replay-exact options (no idling, no sticky buttons), its
    controller bytes step by step against the demonstration's. ``identical``: every step the
    policy took is the demonstration's (the policy replays it rather than plays). Compared as
    controller bytes, the first frame's of each step, so any action design compares (one that
    cannot press the demonstration's buttons differs where it cannot)."""
    run = Path(run_dir)
    config = RunDir(run).load_config()
    env_id = config["args"]["env"]
    model, venv, _ = load_run(run, env_overrides=registry.entry(env_id).deterministic_kwargs)
    try:
        mario = venv.unwrapped.envs[0].unwrapped
        source, demo = read(demo_path, mario.stage)
        check_stage(demo, mario.stage, source)
        expected = list(demo.frames[::mario.frame_skip])
        obs, taken = venv.reset(), []
        for _ in expected:
            action, _ = model.predict(obs, deterministic=True)
            taken.append(mario.action_design.to_byte(action[0]))
            obs, _, done, _ = venv.step(action)
            if done[0]:
                break
    finally:
        venv.close()
    same = [a == b for a, b in zip(taken, expected)]
    first_difference = same.index(False) if False in same else None
    return {"demonstration": Path(source).name, "steps": len(taken), "demonstration_steps": len(expected),
            "same_steps": int(sum(same)), "first_difference": first_difference,
            "identical": first_difference is None}
