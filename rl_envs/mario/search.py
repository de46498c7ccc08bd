"""Plan through a stage with the emulator itself (the lecture's "planning in the original
environment"): ``rl-envs mario-search --stage 1-1 [--workers N]`` or :func:`search`.

A beam search over held buttons. Each node is a save state; each expansion loads it, holds one
of :data:`MACROS` for ``hold`` frames and saves the result. Children that lose a life are
pruned, the rest are ranked by how far right Mario got (then how high he is, which clears
pipes), near-duplicates (same x and height bucket) are merged, and the best ``beam`` go on.
When the furthest x stalls the beam widens; when every child dies the search backs up a few
levels with a wider beam. It stops at the flag and writes a demonstration
(:mod:`rl_envs.mario.states`): the controller bytes of every frame from the stage's start,
which replay to the flag under any action design.

With ``workers`` > 1 each depth's expansions (node x macro) are split between processes, one
emulator each. nes-py's snapshots live in the process that made them, so every worker holds
every frontier node: each worker rebuilds the kept children that another worker found (one
macro from their parent, which it holds) at the start of the next depth, in the same message
as that depth's expansions, and a worker with more children to rebuild gets fewer expansions.
Expansions are merged in the single-process order, so the demonstration is the same whatever
the number of workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

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

Task = tuple[int, int]  # (frontier index, macro index): one expansion


@dataclass
class Node:
    frames: tuple[int, ...]  # from the stage's start: what the demonstration and a back-up replay
    x: int
    y: int


@dataclass
class Child:
    task: Task
    x: int
    y: int
    tail: tuple[int, ...]  # the frames the macro added
    flag: bool


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


class Expander:
    """One emulator and the save states of the current frontier (and of the children it found)."""

    def __init__(self, stage: str, hold: int, actions: str | None, idle: int) -> None:
        self.env = MarioEnv(state="ram", actions="nes", stage=stage, frame_skip=hold)
        self.macros = macros_of(actions)
        _, info = self.env.reset(seed=0)
        if idle:  # Mario stands still meanwhile: the reset's x and y stay his
            self.env.load_state(MarioState(stage=stage, frames=(0,) * idle))
        self.frontier = [self.env.save_state()]
        self.found: dict[Task, MarioState] = {}
        self.frames_run = 0
        self.root = Node(self.env.frames, info["x_pos"], info["y_pos"])

    def expand(self, tasks: list[Task]) -> list[Child]:
        """Play each task; children that lose a life are left out, and so is a child in the cell
        of one found before it. Stops at the first child that reaches the flag."""
        out, cells = [], set()
        self.found = {}
        for node, macro in tasks:
            parent = self.frontier[node]
            self.env.load_state(parent)
            _, _, terminated, _, info = self.env.step(self.macros[macro])
            self.frames_run += len(self.env.frames) - len(parent.frames)
            tail = self.env.frames[len(parent.frames):]
            if info["flag_get"]:
                out.append(Child((node, macro), info["x_pos"], info["y_pos"], tail, True))
                break
            cell = (info["x_pos"] // X_BUCKET_PX, info["y_pos"] // Y_BUCKET_PX)
            if terminated or cell in cells:
                continue
            cells.add(cell)
            self.found[(node, macro)] = self.env.save_state()
            out.append(Child((node, macro), info["x_pos"], info["y_pos"], tail, False))
        return out

    def keep_and_expand(self, message: tuple[list[Task] | None, list[Task]]) -> list[Child]:
        """One round trip of a worker: the kept children (if any), then the next depth's tasks."""
        kept, tasks = message
        if kept is not None:
            self.keep(kept)
        return self.expand(tasks)

    def keep(self, tasks: list[Task]) -> None:
        """The next frontier: these children, rebuilt from their parent where another worker found them."""
        frontier = []
        for task in tasks:
            if task not in self.found:
                parent = self.frontier[task[0]]
                self.env.load_state(parent)
                self.env.step(self.macros[task[1]])
                self.frames_run += len(self.env.frames) - len(parent.frames)
                self.found[task] = self.env.save_state()
            frontier.append(self.found[task])
        self.frontier, self.found = frontier, {}

    def restore(self, frames: list[tuple[int, ...]]) -> None:
        """The next frontier from frames alone (a back-up to an older depth): replayed."""
        frontier = []
        for node in frames:
            self.env.load_state(MarioState(stage=self.env.stage, frames=node))
            self.frames_run += len(node)
            frontier.append(self.env.save_state())
        self.frontier = frontier

    def count(self, _: Any = None) -> int:
        """Emulator frames run so far: expansions, rebuilt children and replays."""
        return self.frames_run

    def close(self) -> None:
        self.env.close()


def _serve(connection: Any, stage: str, hold: int, actions: str | None, idle: int) -> None:
    """A worker process: an Expander answering ``(method, argument)`` messages until ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the search's to handle; it ends the workers
    expander = Expander(stage, hold, actions, idle)
    connection.send(expander.root)
    try:
        while (message := connection.recv()) is not None:
            method, argument = message
            connection.send(getattr(expander, method)(argument))
    finally:
        expander.close()


def balanced_chunks(tasks: int, rebuilds: list[int]) -> list[int]:
    """How many of ``tasks`` expansions each worker plays, in worker order, so that with its
    ``rebuilds`` (children to rebuild first, each one expansion's work) each does about as much."""
    share = (tasks + sum(rebuilds)) / len(rebuilds)
    sizes, left = [], tasks
    for r in rebuilds[:-1]:
        sizes.append(min(left, max(0, round(share - r))))
        left -= sizes[-1]
    return [*sizes, left]


class Pool:
    """The search's emulators: one in this process (``workers`` 1), or one per worker process."""

    def __init__(self, workers: int, stage: str, hold: int, actions: str | None, idle: int) -> None:
        self.local = Expander(stage, hold, actions, idle) if workers == 1 else None
        self.connections, self.processes = [], []
        self.kept: list[Task] | None = None  # the frontier the workers rebuild before their next expansions
        self.finder: dict[Task, int] = {}  # child -> the worker that found it (and holds its state)
        if self.local is None:
            # fork where there is one: spawn would re-run a caller's script that lacks a main guard
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
            for _ in range(workers):
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, stage, hold, actions, idle), daemon=True)
                process.start()
                self.connections.append(ours)
                self.processes.append(process)
            roots = [connection.recv() for connection in self.connections]
        self.root: Node = self.local.root if self.local is not None else roots[0]

    def _all(self, method: str, arguments: list[Any]) -> list[Any]:
        for connection, argument in zip(self.connections, arguments):
            connection.send((method, argument))
        return [connection.recv() for connection in self.connections]

    def expand(self, tasks: list[Task]) -> list[Child]:
        """Every task's child, in task order, as one process finds them."""
        if self.local is not None:
            return self.local.expand(tasks)
        kept, self.kept = self.kept, None
        workers = range(len(self.connections))
        rebuilds = [sum(self.finder.get(task) != worker for task in kept or []) for worker in workers]
        bounds = np.cumsum([0, *balanced_chunks(len(tasks), rebuilds)])
        chunks = [tasks[bounds[i]:bounds[i + 1]] for i in workers]
        parts = self._all("keep_and_expand", [(kept, chunk) for chunk in chunks])
        self.finder = {child.task: worker for worker, part in enumerate(parts) for child in part}
        return [child for part in parts for child in part]

    def keep(self, tasks: list[Task]) -> None:
        """The next frontier; the workers rebuild it with the next depth's expansions."""
        if self.local is not None:
            return self.local.keep(tasks)
        self.kept = tasks

    def restore(self, frames: list[tuple[int, ...]]) -> None:
        if self.local is not None:
            return self.local.restore(frames)
        self.kept = None
        self._all("restore", [frames] * len(self.connections))

    def frames_run(self) -> int:
        """Emulator frames run so far, in every process."""
        if self.local is not None:
            return self.local.count()
        return sum(self._all("count", [None] * len(self.connections)))

    def close(self) -> None:
        if self.local is not None:
            self.local.close()
        for connection in self.connections:
            try:
                connection.send(None)
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


def search(stage: str = "1-1", beam: int = 8, hold: int = 8, max_minutes: float = 30.0,
           progress: TextIO | None = sys.stderr, actions: str | None = None, idle: int = 0,
           workers: int = 1, max_expansions: int | None = None) -> Demonstration:
    """A demonstration that reaches the flag of ``stage`` (``meta["flag"]`` False if the time or
    ``max_expansions`` ran out, or Ctrl-C stopped it: then the furthest the search got). ``idle``:
    frames with no button pressed before the search starts; they open the demonstration
    (``meta["idle"]``). ``workers``: processes expanding each depth (the result does not depend on it)."""
    parse_stage(stage)
    beam = check_number("beam", beam, low=1, integer=True)
    hold = check_number("hold", hold, low=1, integer=True)
    idle = check_number("idle", idle, low=0, integer=True)
    workers = check_number("workers", workers, low=1, integer=True)
    if max_expansions is not None:
        max_expansions = check_number("max_expansions", max_expansions, low=1, integer=True)
    check_number("max_minutes", max_minutes, low=0.0, low_inclusive=False)
    n_macros = len(macros_of(actions))
    start = time.time()
    pool = Pool(workers, stage, hold, actions, idle)
    history: list[list[Node]] = [[pool.root]]  # every depth's beam, for backing up
    frontier, best, width, stalled, expansions = [pool.root], pool.root, beam, 0, 0
    flag: tuple[int, ...] | None = None  # the frames that reach it
    frames_run = 0
    try:
        while flag is None and time.time() - start < max_minutes * 60:
            if max_expansions is not None and expansions >= max_expansions:
                break
            tasks = [(node, macro) for node in range(len(frontier)) for macro in range(n_macros)]
            children: dict[tuple[int, int], Child] = {}  # cell -> its first child in task order
            for child in pool.expand(tasks):
                if child.flag:
                    flag = frontier[child.task[0]].frames + child.tail
                    expansions += tasks.index(child.task) + 1
                    break
                children.setdefault((child.x // X_BUCKET_PX, child.y // Y_BUCKET_PX), child)
            if flag is not None:
                break
            expansions += len(tasks)
            if not children:  # every child died: back up with a wider beam
                back = max(len(history) - BACKUP_DEPTHS, 0)
                history, width = history[: back + 1], min(width * 2, MAX_BEAM)
                frontier = list(history[-1])
                pool.restore([n.frames for n in frontier])
                continue
            ranked = sorted(children.values(), key=lambda child: (child.x, child.y), reverse=True)[:width]
            pool.keep([child.task for child in ranked])
            frontier = [Node(frontier[c.task[0]].frames + c.tail, c.x, c.y) for c in ranked]
            if frontier[0].x > best.x:
                best, stalled, width = frontier[0], 0, max(beam, width // 2)
            else:
                stalled += 1
                if stalled >= STALL_DEPTHS:
                    width, stalled = min(width * 2, MAX_BEAM), 0
            history.append(frontier)
            if progress is not None:
                progress.write(f"\rsearching {stage}: depth {len(history) - 1:4d}  furthest x {best.x:5d}  "
                               f"beam {width:2d}  {expansions:6d} expansions  {time.time() - start:6.0f} s")
                progress.flush()
        frames_run = pool.frames_run()
    except KeyboardInterrupt:
        pass
    finally:
        pool.close()
    if progress is not None:
        progress.write("\n")
    frames = flag if flag is not None else best.frames
    return Demonstration(stage=stage, frames=frames, meta={
        "flag": flag is not None, "furthest_x": int(best.x), "frames": len(frames),
        "seconds": round(time.time() - start, 1), "beam": beam, "hold": hold, "expansions": expansions,
        "emulator_frames": frames_run, "workers": workers, "actions": actions, "idle": idle,
        "writer": "rl-envs mario-search"})


def run(args: SearchArgs) -> Path:
    """``rl-envs mario-search``: search, then write the demonstration."""
    demo = search(args.stage, args.beam, args.hold, args.max_minutes, actions=args.actions, idle=args.idle,
                  workers=args.workers, max_expansions=args.max_expansions)
    return save(Path(args.out or f"mario_demo_{args.stage}.json"), demo)
