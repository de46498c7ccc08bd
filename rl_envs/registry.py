"""The table of registered environments. Importing :mod:`rl_envs` registers each row.

Entry points are strings, so registering imports nothing heavy: an environment's module (and
pygame, torch or the emulator behind it) loads only when that environment is made.
"""

from __future__ import annotations

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

    @property
    def id(self) -> str:
        return f"{NAMESPACE}/{self.name}"


ENTRIES: tuple[Entry, ...] = (
    Entry("GridWorld-v0", "rl_envs.grid.env:GridWorldEnv", max_episode_steps=100),
    Entry(
        "CheeseMaze-v0",
        "rl_envs.grid.env:GridWorldEnv",
        max_episode_steps=200,
        kwargs={"layout": "cheese_maze", "step_reward": 0.0},
    ),
    Entry("CambridgePub-v0", "rl_envs.pub.env:CambridgePubEnv", max_episode_steps=50),
    *(
        Entry(name, "rl_envs.cartpole.env:CartPoleEnv", max_episode_steps=500, kwargs=kwargs,
              vector_entry_point="rl_envs.cartpole.vector:CartPoleVectorEnv")
        for name, kwargs in (
            ("CartPole-v0", {}),
            ("CartPoleNoVelocity-v0", {"markov": False}),
            ("CartPolePixels-v0", {"observation": "pixels"}),
            ("CartPoleContinuous-v0", {"continuous": True}),
        )
    ),
    Entry("Mario-v0", "rl_envs.mario.env:make_mario", max_episode_steps=10_000,
          vector_entry_point="rl_envs.mario.vector:make_vector", play_kwargs={"actions": "nes", "frame_skip": 1}),
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


def env_ids() -> list[str]:
    """Every registered ``RLEnvs/*`` id, in table order."""
    return [entry.id for entry in ENTRIES]
