"""The table of registered environments. Importing :mod:`rl_envs` registers each row.

Entry points are strings, so registering imports nothing heavy: an environment's module (and
pygame, torch or the emulator behind it) loads only when that environment is made.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

NAMESPACE = "RLEnvs"


@dataclass(frozen=True)
class Entry:
    name: str
    entry_point: str
    max_episode_steps: int | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    vector_entry_point: str | None = None
    play_kwargs: dict[str, Any] = field(default_factory=dict)  # defaults for `rl-envs play`
    # "module:NAME" of the env's reward designs (``reward=`` option), imported only when asked.
    designs: str | None = None
    # Task metrics read from the last step's info: name -> (info key, "max" over the episode or "last").
    task_metrics: dict[str, tuple[str, str]] = field(default_factory=dict)
    # What reward-design comparisons rank runs by: a task metric or "return/<design>".
    compare_metric: str | None = None
    # Options that shape training only (where episodes start); evaluations drop them and start
    # where results are reported from.
    training_only_options: tuple[str, ...] = ()
    # Whether the env plays demonstrations (``rl_envs.mario.demonstrations``), and the options
    # that make a replay exact (no random idling or sticky buttons).
    takes_demonstrations: bool = False
    deterministic_kwargs: dict[str, Any] = field(default_factory=dict)
    # Evaluations truncate an episode after this many steps without a new best of this info key
    # (``rl_envs.wrappers.StallLimit``): a policy that stands still costs bounded time.
    evaluation_stall_limit: tuple[str, int] | None = None

    @property
    def id(self) -> str:
        return f"{NAMESPACE}/{self.name}"


ENTRIES: tuple[Entry, ...] = (
    Entry("GridWorld-v0", "rl_envs.grid.env:GridWorldEnv", max_episode_steps=100,
          designs="rl_envs.grid.rewards:DESIGNS", compare_metric="return/step_cost"),
    Entry(
        "CheeseMaze-v0",
        "rl_envs.grid.env:GridWorldEnv",
        max_episode_steps=200,
        kwargs={"layout": "cheese_maze", "step_reward": 0.0},
        designs="rl_envs.grid.rewards:DESIGNS",
        compare_metric="return/step_cost",
    ),
    Entry("CambridgePub-v0", "rl_envs.pub.env:CambridgePubEnv", max_episode_steps=50,
          designs="rl_envs.pub.rewards:DESIGNS", compare_metric="return/beer_minus_rain"),
    *(
        Entry(name, "rl_envs.cartpole.env:CartPoleEnv", max_episode_steps=500, kwargs=kwargs,
              vector_entry_point="rl_envs.cartpole.vector:CartPoleVectorEnv",
              designs="rl_envs.cartpole.rewards:DESIGNS", compare_metric="return/alive")
        for name, kwargs in (
            ("CartPole-v0", {}),
            ("CartPoleNoVelocity-v0", {"markov": False}),
            ("CartPolePixels-v0", {"observation": "pixels"}),
            ("CartPoleContinuous-v0", {"continuous": True}),
        )
    ),
    Entry("Mario-v0", "rl_envs.mario.env:make_mario", max_episode_steps=10_000,
          vector_entry_point="rl_envs.mario.vector:make_vector", play_kwargs={"actions": "nes", "frame_skip": 1},
          designs="rl_envs.mario.rewards:DESIGNS", compare_metric="x_pos",
          task_metrics={"x_pos": ("x_pos", "max"), "flag": ("flag_get", "last"), "score": ("score", "last")},
          training_only_options=("start", "demo", "demo_schedule"), takes_demonstrations=True,
          deterministic_kwargs={"noop_max": 0, "sticky_actions": 0.0},
          evaluation_stall_limit=("x_pos", 1_000)),
)


def register_all() -> None:
    """Register every row of :data:`ENTRIES` (idempotent: a second import changes nothing)."""
    for entry in ENTRIES:
        if entry.id in gym.registry:
            continue
        gym.register(
            id=entry.id,
            entry_point=entry.entry_point,
            max_episode_steps=entry.max_episode_steps,
            kwargs=dict(entry.kwargs),
            vector_entry_point=entry.vector_entry_point,
        )


def play_kwargs(env_id: str) -> dict[str, Any]:
    """Options `rl-envs play` uses unless the player overrides them (e.g. Mario's whole NES pad)."""
    return next((dict(e.play_kwargs) for e in ENTRIES if e.id == env_id), {})


def entry(env_id: str) -> Entry:
    """The table row of ``env_id``; a ValueError listing the registered ids for any other."""
    for row in ENTRIES:
        if row.id == env_id:
            return row
    raise ValueError(f"unknown env {env_id!r}; registered: {', '.join(env_ids())}")


def reward_designs(env_id: str) -> tuple[str, ...]:
    """The built-in reward designs of ``env_id`` (its ``reward=`` choices); () for envs with one reward."""
    path = entry(env_id).designs
    if path is None:
        return ()
    module, _, name = path.partition(":")
    return tuple(getattr(importlib.import_module(module), name))


def env_ids() -> list[str]:
    """Every registered ``RLEnvs/*`` id, in table order."""
    return [entry.id for entry in ENTRIES]
