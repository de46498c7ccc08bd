"""Plan through a stage with the emulator itself (the lecture's "planning in the original
environment"): ``rl-envs mario-search --stage 1-1`` or :func:`search`.

A beam search over held buttons. Each node is a save state; each expansion loads it, holds one
of :data:`MACROS` for ``hold`` frames and saves the result. Children that lose a life are
pruned, the rest are ranked by how far right Mario got (then how high he is, which clears
pipes), near-duplicates (same x and height bucket) are merged, and the best ``beam`` go on.
When the furthest x stalls the beam widens; when every child dies the search backs up a few
levels with a wider beam. It stops at the flag and writes a demonstration
(:mod:`rl_envs.mario.states`): the controller bytes of every frame from the stage's start,
which replay to the flag under any action design.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from rl_envs.mario.actions import ACTION_DESIGNS, PAD_BUTTONS
from rl_envs.mario.env import MarioEnv, parse_stage
from rl_envs.mario.search_args import SearchArgs
from rl_envs.mario.states import Demonstration, MarioState, save
from rl_envs.options import check_choice, check_number

# Held-button macros, as tuples of NES buttons: running and jumping right covers most of a
# stage; standing jumps, walking left and waiting get out of the rest.
MACROS = (("right",), ("right", "A"), ("right", "B"), ("right", "B", "A"), ("A",), (), ("left",), ("left", "A"))
STALL_DEPTHS = 12  # expansions without a new furthest x before the beam widens
MAX_BEAM = 64
BACKUP_DEPTHS = 6  # how far back the search restarts when every child died
X_BUCKET_PX, Y_BUCKET_PX = 4, 8


@dataclass
class Node:
    state: MarioState
    x: int
    y: int


def _pad(buttons: tuple[str, ...]) -> np.ndarray:
    return np.array([1 if b in buttons else 0 for b in PAD_BUTTONS], dtype=np.int8)


def macros_of(actions: str | None) -> list[np.ndarray]:
    """The "nes" pads the search may hold: :data:`MACROS`, or a discrete design's combinations."""
    if actions is None:
        return [_pad(m) for m in MACROS]
    design = ACTION_DESIGNS[check_choice("actions", actions, ACTION_DESIGNS)]
    if design.table is None:
        raise ValueError(f"actions={actions!r} is not a list of combinations; give a discrete design "
                         "(buttons, right_only, simple, complex)")
    return [_pad(buttons) for buttons in design.table]


def search(stage: str = "1-1", beam: int = 8, hold: int = 8, max_minutes: float = 30.0,
           progress: TextIO | None = sys.stderr, actions: str | None = None, idle: int = 0) -> Demonstration:
    """A demonstration that reaches the flag of ``stage`` (``meta["flag"]`` False if the time ran
    out or Ctrl-C stopped it: then the furthest the search got). ``idle``: frames with no button
    pressed before the search starts; they open the demonstration (``meta["idle"]``)."""
    parse_stage(stage)
    beam = check_number("beam", beam, low=1, integer=True)
    hold = check_number("hold", hold, low=1, integer=True)
    idle = check_number("idle", idle, low=0, integer=True)
    check_number("max_minutes", max_minutes, low=0.0, low_inclusive=False)
    env = MarioEnv(state="ram", actions="nes", stage=stage, frame_skip=hold)
    macros = macros_of(actions)
    start = time.time()
    _, info = env.reset(seed=0)
    if idle:  # Mario stands still meanwhile: the reset's x and y stay his
        env.load_state(MarioState(stage=stage, frames=(0,) * idle))
    root = Node(env.save_state(), info["x_pos"], info["y_pos"])
    history: list[list[Node]] = [[root]]  # portable states of every depth's beam, for backing up
    frontier, best, width, stalled, expansions = [root], root, beam, 0, 0
    flag: tuple[int, ...] | None = None  # the frames that reach it
    try:
        while flag is None and time.time() - start < max_minutes * 60:
            children: dict[tuple[int, int], Node] = {}
            for node in frontier:
                for pad in macros:
                    env.load_state(node.state)
                    _, _, terminated, _, info = env.step(pad)
                    expansions += 1
                    if info["flag_get"]:
                        flag = env.frames
                        break
                    if terminated:
                        continue  # a lost life
                    key = (info["x_pos"] // X_BUCKET_PX, info["y_pos"] // Y_BUCKET_PX)
                    if key not in children:
                        children[key] = Node(env.save_state(), info["x_pos"], info["y_pos"])
                if flag is not None:
                    break
            if flag is not None:
                break
            if not children:  # every child died: back up with a wider beam
                back = max(len(history) - BACKUP_DEPTHS, 0)
                history, width = history[: back + 1], min(width * 2, MAX_BEAM)
                frontier = [Node(n.state, n.x, n.y) for n in history[-1]]
                continue
            ranked = sorted(children.values(), key=lambda n: (n.x, n.y), reverse=True)
            frontier = ranked[:width]
            if frontier[0].x > best.x:
                best, stalled, width = frontier[0], 0, max(beam, width // 2)
            else:
                stalled += 1
                if stalled >= STALL_DEPTHS:
                    width, stalled = min(width * 2, MAX_BEAM), 0
            # Older depths keep only their frames (a native snapshot is ~250 KB).
            history.append([Node(n.state.portable(), n.x, n.y) for n in frontier])
            if progress is not None:
                progress.write(f"\rsearching {stage}: depth {len(history) - 1:4d}  furthest x {best.x:5d}  "
                               f"beam {width:2d}  {expansions:6d} expansions  {time.time() - start:6.0f} s")
                progress.flush()
    except KeyboardInterrupt:
        pass
    finally:
        env.close()
    if progress is not None:
        progress.write("\n")
    frames = flag if flag is not None else best.state.frames
    return Demonstration(stage=stage, frames=frames, meta={
        "flag": flag is not None, "furthest_x": int(best.x), "frames": len(frames),
        "seconds": round(time.time() - start, 1), "beam": beam, "hold": hold, "expansions": expansions,
        "actions": actions, "idle": idle,
        "writer": "rl-envs mario-search"})


def run(args: SearchArgs) -> Path:
    """``rl-envs mario-search``: search, then write the demonstration."""
    demo = search(args.stage, args.beam, args.hold, args.max_minutes, actions=args.actions, idle=args.idle)
    return save(Path(args.out or f"mario_demo_{args.stage}.json"), demo)
