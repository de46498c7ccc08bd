"""Demonstrations of ``RLEnvs/Mario-v0``: checking one against an env, turning it into the env's
actions, replaying it, and replaying it blind under sticky actions (the reference row of every
Mario result).

A demonstration is a state file (:mod:`rl_envs.mario.states`) whose controller bytes reach the
flag from the stage's start (``rl-envs mario-search`` writes them; ``rl_envs/mario/demos/`` ships
one per cleared stage). Everything that plays one goes through this module: ``rl-envs play
--demo``, behaviour cloning in ``baselines``, the docs' GIF and the blind replay through
:func:`replay`, the start states of ``start="demo"`` through :func:`start_states`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rl_envs.mario.states import Demonstration, MarioState, load, shipped
from rl_envs.options import check_number


class DemonstrationError(ValueError):
    """A demonstration that does not fit the env it is played in; the message names the file."""


@dataclass(frozen=True)
class Step:
    """One env step of a replay: the observation the action was chosen from, the action, and
    what the step returned."""

    observation: Any
    action: Any
    reward: float
    terminated: bool
    info: dict


def check_stage(demo: Demonstration, stage: str, source: str) -> None:
    """A DemonstrationError naming ``source`` when ``demo`` is of another stage than ``stage``."""
    if demo.stage != stage:
        raise DemonstrationError(f"{source} is a demonstration of stage {demo.stage}, but the env plays stage {stage}")


def read(path: str | Path | None, stage: str) -> tuple[str, Demonstration]:
    """(its name, the demonstration) of ``path``, or of the one shipped for ``stage`` when None;
    a DemonstrationError when it is of another stage."""
    source = str(path) if path is not None else str(shipped(stage))
    demo = load(source)
    check_stage(demo, stage, source)
    return source, demo


def actions_of(demo: Demonstration, env: gym.Env, source: str = "the demonstration") -> list[Any]:
    """The env's actions that press ``demo``'s frames, one per ``frame_skip`` frames. A
    DemonstrationError naming the frames when the env's action design or frame skip cannot
    press them, or when the demonstration is of another stage."""
    mario = env.unwrapped
    check_stage(demo, mario.stage, source)
    design, skip = mario.action_design, mario.frame_skip
    if design.name == "nes" and skip == 1:
        return [mario.action_for_byte(byte) for byte in demo.frames]
    if design.table is None:
        raise DemonstrationError(f"{source}: replaying it needs a discrete action design or actions='nes' with "
                                 f"frame_skip=1; the env has actions={design.name!r}, frame_skip={skip}")
    action_of = {byte: i for i, byte in reversed(list(enumerate(design.table_bytes)))}
    actions = []
    for start in range(0, len(demo.frames), skip):
        held = set(demo.frames[start:start + skip])
        if len(held) != 1 or next(iter(held)) not in action_of:
            raise DemonstrationError(
                f"{source}: frames {start}-{start + skip - 1} press {sorted(held)}, which actions={design.name!r} with "
                f"frame_skip={skip} cannot press (search with rl-envs mario-search --actions {design.name} --hold a "
                f"multiple of {skip})")
        actions.append(action_of[held.pop()])
    return actions


def opening_steps(demo: Demonstration, env: gym.Env, source: str = "the demonstration") -> int:
    """How many env steps the demonstration's opening idle frames (``meta["idle"]``, written by
    ``rl-envs mario-search --idle``) take: they are how it got its start, not what to imitate."""
    opening, skip = demo.meta.get("idle", 0), env.unwrapped.frame_skip
    if type(opening) is not int or opening < 0 or opening % skip:
        raise DemonstrationError(f"{source}: meta.idle (frames idled before the demonstration) must be a whole "
                                 f"number >= 0 and a multiple of frame_skip={skip}; got {opening!r}")
    return opening // skip


def replay(demo: Demonstration, env: gym.Env, idle: int = 0, seed: int = 0, source: str = "the demonstration",
           pictures: list[np.ndarray] | None = None) -> Iterator[Step]:
    """Play ``demo`` in ``env`` (any state and action design that can press it) from the stage's
    start after ``idle`` frames with no button, step by step, until its frames or the episode
    end. The env must start at the level (``start="level"``). ``pictures``: a list to append
    ``env.render()`` to after the reset and after every step."""
    actions = actions_of(demo, env, source)
    observation, _ = env.reset(seed=seed, options={"idle": idle})
    if pictures is not None:
        pictures.append(env.render())
    for action in actions:
        observation_before = observation
        observation, reward, terminated, truncated, info = env.step(action)
        if pictures is not None:
            pictures.append(env.render())
        yield Step(observation_before, action, float(reward), bool(terminated), info)
        if terminated or truncated:
            return


def start_states(env: Any, frames: tuple[int, ...], spacing: int) -> list[MarioState]:
    """``env``'s save states along ``frames`` (a demonstration's): the stage's start, then every
    ``spacing`` frames, up to the frames that reach the flag (no start there). What
    ``start="demo"`` draws its episodes' starts from; no random state is kept in them."""
    mario = env.unwrapped
    mario.restart_stage()
    states = [replace(mario.save_state(), rng=None)]
    for n, byte in enumerate(frames[:-1], start=1):
        terminated, _ = mario.advance_frame(byte)
        if terminated:
            break
        if n % spacing == 0:
            states.append(replace(mario.save_state(), rng=None))
    return states


def play_through(demo: Demonstration, pictures: list[np.ndarray] | None = None) -> dict:
    """Play ``demo``'s frames from the stage's start in a fresh env; the last step's info
    (``flag_get``, ``x_pos``...). ``pictures``: a list to append every frame's picture to
    (videos, the docs' GIF)."""
    env = gym.make("RLEnvs/Mario-v0", actions="nes", stage=demo.stage, frame_skip=1,
                   render_mode=None if pictures is None else "rgb_array")
    info: dict = {}
    try:
        for step in replay(demo, env, pictures=pictures):
            info = step.info
    finally:
        env.close()
    return info


@dataclass(frozen=True)
class BlindResult:
    """The demonstration's buttons replayed blind (no observation used) under sticky actions."""

    episodes: int
    sticky_actions: float
    flag_rate: float
    mean_x: float
    flags: list[bool]
    furthest_x: list[int]


def replay_blind(demo: Demonstration, episodes: int = 100, sticky_actions: float = 0.25, seed: int = 1_000_000,
                 make: Callable[..., gym.Env] | None = None) -> BlindResult:
    """Replay ``demo``'s controller bytes frame by frame, whatever happens, ``episodes`` times from
    the stage's start under ``sticky_actions`` (episode i seeded ``seed + i``, as
    ``rl-envs-baselines evaluate`` seeds its episodes). What a learner must beat: a policy that
    clears no more often has learned nothing a recording does not do."""
    episodes = check_number("episodes", episodes, low=1, integer=True)
    sticky_actions = check_number("sticky_actions", sticky_actions, low=0.0, high=1.0, high_inclusive=False)
    env = (make or gym.make)("RLEnvs/Mario-v0", stage=demo.stage, actions="nes", frame_skip=1,
                             sticky_actions=sticky_actions)
    flags, xs = [], []
    try:
        for episode in range(episodes):
            furthest, flag = 0, False
            for step in replay(demo, env, seed=seed + episode):
                furthest, flag = max(furthest, int(step.info["x_pos"])), bool(step.info["flag_get"])
            flags.append(flag)
            xs.append(furthest)
    finally:
        env.close()
    return BlindResult(episodes, sticky_actions, float(np.mean(flags)), float(np.mean(xs)), flags, xs)
