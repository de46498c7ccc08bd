"""Plan while playing: model-predictive control with save states, the best a learner could do
with the emulator as its model (the reference row of the Mario results).

A :class:`Planner` plays a stage by following a plan (the pads of the coming agent steps,
starting from a demonstration) and keeps it true to the game it is in, sticky actions included:

- **Follow.** After every step it compares the game's RAM with the RAM its own emulator (the
  model, sticky actions off) predicted for that step. While they agree the game is where the
  plan said, and since the emulator is deterministic the rest of the plan holds.
- **Check.** When they differ (a sticky frame delayed a press) or the checked steps run out,
  it loads the game's state into the model and plays the plan ahead ``window`` frames, once on
  time and once with every change of pad ``delay`` frames late (what sticky actions do to a
  press): if Mario lives both times and keeps within :data:`LAG_PX` of where the plan expected
  him, the plan goes on.
- **Repair.** Otherwise a beam search from the game's state (:class:`rl_envs.mario.search.Expander`:
  the search's macros and cells, ``depth`` macros deep, ``beam`` wide) finds where Mario can
  get to; each of its ends, best first, is joined to the rest of the plan (from the step where
  the plan was as far right) and checked the same way; the first that holds becomes the plan
  (the plan shifted a step or two is tried first, a search twice as deep and wide last).

Every frame the model plays is counted (:attr:`Planner.frames_searched`). :class:`PlannerAgent`
wraps planners in SB3's ``predict`` so the learned agents' evaluation code plays it.

>>> import gymnasium as gym
>>> env = gym.make("RLEnvs/Mario-v0", state="ram", actions="simple", frame_skip=4)
>>> planner = Planner(env)
>>> _ = env.reset(seed=0)
>>> for _ in range(3):
...     _, _, terminated, _, info = env.step(planner.act())
>>> planner.steps, planner.checks, planner.repairs
(3, 1, 0)
>>> env.close(); planner.close()
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rl_envs.mario.actions import byte
from rl_envs.mario.demonstrations import DemonstrationError, actions_of, read
from rl_envs.mario.search import Expander, Task
from rl_envs.mario.states import MarioState
from rl_envs.options import check_number

SHIFTS = 4  # shifted plans a repair tries before it searches
LAG_PX = 48  # how far (3 blocks) behind the plan's x Mario may fall before the plan is repaired
Step = tuple[int, int]  # (the pad's controller byte, held one agent step; the x the plan expects after it)


class Planner:
    """Plays ``env`` (a ``RLEnvs/Mario-v0`` env, any state and discrete or button action design
    that can press the plan) by following and repairing a plan; see the module docstring.

    ``demo``: the demonstration the first plan comes from (None: the one shipped for the stage).
    ``window``: frames a check plays ahead (whole steps of the env's frame skip); ``delay``:
    frames late a check also tries every change of pad (0: on time only); ``depth``: macros a repair searches ahead
    (each ``hold`` frames, a multiple of the env's frame skip); ``beam``: nodes kept per depth.
    """

    def __init__(self, env: gym.Env, demo: str | Path | None = None, window: int = 192, depth: int = 8,
                 beam: int = 4, hold: int = 8, delay: int = 2) -> None:
        self.env = env.unwrapped
        self.depth = check_number("depth", depth, low=1, integer=True)
        self.delay = check_number("delay", delay, low=0, integer=True)
        self.beam = check_number("beam", beam, low=1, integer=True)
        self.skip = self.env.frame_skip
        self.window = check_number("window", window, low=self.skip, integer=True) // self.skip  # in steps
        hold = check_number("hold", hold, low=1, integer=True)
        if hold % self.skip:
            raise ValueError(f"hold must be a multiple of the env's frame_skip={self.skip}; got {hold}")
        source, demonstration = read(demo, self.env.stage)
        if demonstration.meta.get("idle", 0):
            raise DemonstrationError(f"{source}: it opens with {demonstration.meta['idle']} idle frames; the planner "
                                     "plays from the stage's start, so give a demonstration searched with --idle 0")
        actions_of(demonstration, env, source)  # a DemonstrationError when the env cannot press its frames
        self.action_of = {byte(tuple(buttons)): action
                          for buttons, action in self.env.action_design.actions_with_buttons().items()}
        design = self.env.action_design
        self.expander = Expander(self.env.stage, hold, design.name if design.table is not None else None, idle=0)
        self.model = self.expander.env
        self.frames_searched = 0
        pads = list(demonstration.frames[::self.skip])
        _, _, xs = self._play(self.expander.frontier[0], [(pad, 0) for pad in pads])
        self.opening: list[Step] = list(zip(pads, xs + [xs[-1]] * (len(pads) - len(xs))))
        self.steps = self.checks = self.repairs = 0
        self.reset()

    def reset(self) -> None:
        """A new episode from the stage's start: the demonstration's plan again."""
        self.plan: deque[Step] = deque(self.opening)
        self.predicted: deque[np.ndarray] = deque()  # the RAM after each checked step of the plan
        self.expected: np.ndarray | None = None  # the RAM the last step should have left

    def act(self) -> Any:
        """The env's action for the game's current state."""
        ram = self.env.emulator.ram
        if self.expected is None or not self.predicted or not np.array_equal(ram, self.expected):
            self._check(self.env.save_state())
        self.steps += 1
        if not self.plan:  # past the plan's end (the flag ends the episode first): stand
            self.expected = None
            return self.action_of[0]
        pad, _ = self.plan.popleft()
        self.expected = self.predicted.popleft() if self.predicted else None
        return self.action_of[pad]

    # --- the model ------------------------------------------------------------------------------
    def _play(self, state: MarioState, plan: list[Step], delay: int = 0) -> tuple[bool, list[np.ndarray], list[int]]:
        """Hold each step's pad from ``state`` in the model until the plan ends, Mario reaches the
        flag or loses a life: (the flag, the RAM after each step, the x after each step).
        ``delay``: every change of pad comes that many frames late, as sticky actions make it."""
        self.model.load_state(state, restore_rng=False)
        rams, xs = [], []
        held = state.env["last_byte"] if state.env else 0  # the pad of the frame before
        for pad, _ in plan:
            late = delay if pad != held else 0
            for frame in range(self.skip):
                held = held if frame < late else pad
                terminated, info = self.model.advance_frame(held)
                self.frames_searched += 1
                if terminated:  # the flag's step counts as played, a lost life's does not
                    if info["flag_get"]:
                        rams.append(self.model.emulator.ram.copy())
                        xs.append(int(info["x_pos"]))
                    return bool(info["flag_get"]), rams, xs
            rams.append(self.model.emulator.ram.copy())
            xs.append(int(info["x_pos"]))
        return False, rams, xs

    def _holds(self, plan: list[Step], state: MarioState) -> tuple[bool, bool, list[np.ndarray], int]:
        """Whether the window's next steps of ``plan`` take Mario from ``state`` to the flag, or
        through the window alive and within LAG_PX of the plan's x; whether he also lives through
        them with every change of pad ``delay`` frames late; the RAMs; the furthest x."""
        ahead = plan[: self.window]
        flag, rams, xs = self._play(state, ahead)
        alive = len(rams) == len(ahead) == self.window
        holds = flag or (alive and xs[-1] >= ahead[-1][1] - LAG_PX)
        robust = holds
        if holds and self.delay:
            late_flag, late_rams, _ = self._play(state, ahead, self.delay)
            robust = late_flag or len(late_rams) == len(ahead) == self.window
        return holds, robust, rams, max(xs, default=0)

    def _check(self, state: MarioState) -> None:
        self.checks += 1
        plan = list(self.plan)
        holds, robust, rams, _ = self._holds(plan, state)
        if not robust:
            self.repairs += 1
            plan, rams = self._repair(state, plan, (plan, rams) if holds else None)
        self.plan, self.predicted = deque(plan), deque(rams)

    def _repair(self, state: MarioState, plan: list[Step],
                holding: tuple[list[Step], list[np.ndarray]] | None) -> tuple[list[Step], list[np.ndarray]]:
        """The first mended plan that holds, late presses included: the plan shifted a step or
        two, then the search's ends (best first) joined to the plan, then (only if nothing held
        even on time) those of a search twice as deep and wide. Failing that, the first that holds
        on time (``holding``: the plan itself, when it does); then the one Mario survives longest
        (then gets furthest) in; if every branch dies, ``plan`` as it is."""
        best: tuple[tuple[int, int], list[Step], list[np.ndarray]] | None = None
        rounds = (itertools.chain(self._shifted(plan), self._searched(state, plan, self.depth, self.beam)),
                  self._searched(state, plan, 2 * self.depth, 2 * self.beam))
        for number, candidates in enumerate(rounds):
            if number and holding is not None:
                break
            for joined in candidates:
                holds, robust, rams, furthest = self._holds(joined, state)
                if robust:
                    return joined, rams
                if holds and holding is None:
                    holding = (joined, rams)
                if best is None or (len(rams), furthest) > best[0]:
                    best = ((len(rams), furthest), joined, rams)
        if holding is not None:
            return holding
        if best is None:
            _, rams, _ = self._play(state, plan[: self.window])
            return plan, rams
        return best[1], best[2]

    def _shifted(self, plan: list[Step]) -> list[list[Step]]:
        """The plan a step or two later or earlier: what mends most sticky delays, before any search."""
        if not plan:
            return []
        return [plan[1:], [plan[0]] + plan, plan[2:], [plan[0]] * 2 + plan][: SHIFTS]

    def _searched(self, state: MarioState, plan: list[Step], depth: int, beam: int) -> Iterator[list[Step]]:
        """Each of the search's paths joined to the rest of ``plan`` (searched only when asked for)."""
        for path in self._search(state, depth, beam):
            yield path + self._rest(plan, path[-1][1])

    def _rest(self, plan: list[Step], x: int) -> list[Step]:
        """``plan`` from the first step where it was at least as far right as ``x``."""
        for i, (_, planned_x) in enumerate(plan):
            if planned_x >= x:
                return plan[i:]
        return []

    def _search(self, state: MarioState, depth: int, beam: int) -> list[list[Step]]:
        """A beam search ``depth`` macros deep and ``beam`` wide from ``state``: the paths to its
        last depth's nodes, furthest right first (a path to the flag alone, if one gets there)."""
        expander = self.expander
        expander.frontier, paths = [state], [[]]
        before = expander.count()
        try:
            for _ in range(depth):
                tasks: list[Task] = [(node, macro) for node in range(len(paths)) for macro in range(len(expander.macros))]
                children = expander.expand(tasks)
                flags = [child for child in children if child.flag]
                if flags:
                    return [paths[flags[0].task[0]] + self._steps(flags[0].tail, flags[0].x)]
                ranked = sorted(children, key=lambda child: (child.x, child.y), reverse=True)[:beam]
                if not ranked:
                    return []
                expander.keep([child.task for child in ranked])
                paths = [paths[child.task[0]] + self._steps(child.tail, child.x) for child in ranked]
            return paths
        finally:
            self.frames_searched += expander.count() - before

    def _steps(self, tail: tuple[int, ...], x: int) -> list[Step]:
        return [(tail[i], x) for i in range(0, len(tail), self.skip)]  # shorter than a macro at the flag

    def close(self) -> None:
        self.expander.close()


class PlannerAgent:
    """One :class:`Planner` per env of a VecEnv of Mario envs (SB3's DummyVecEnv: ``envs``), with
    SB3's ``predict``: what ``baselines``' evaluation plays. Observations are not looked at."""

    def __init__(self, envs: list[gym.Env], **planner_options: Any) -> None:
        self.planners = [Planner(env, **planner_options) for env in envs]

    def predict(self, obs: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        starts = np.ones(len(self.planners), dtype=bool) if episode_start is None else episode_start
        actions = []
        for planner, start in zip(self.planners, starts):
            if start:
                planner.reset()
            actions.append(planner.act())
        return np.array(actions), None

    @property
    def frames_searched(self) -> int:
        return sum(planner.frames_searched for planner in self.planners)

    @property
    def steps(self) -> int:
        return sum(planner.steps for planner in self.planners)

    def close(self) -> None:
        for planner in self.planners:
            planner.close()
