"""Save states of ``RLEnvs/Mario-v0``, and the file format of saved states and demonstrations.

:class:`MarioState` is what ``env.unwrapped.save_state()`` returns and ``load_state`` takes:
nes-py's own snapshot of the emulator (in memory, this process only), the Python side of the
emulator and of the env (the library's reward bookkeeping, the furthest x, the block and Goomba
memory, the sticky-action button), the random generator, and ``frames``: every controller byte
fed to the emulator since the stage started. The game is deterministic given those bytes, so
``frames`` alone gets back to the same moment in any process: a pickled state keeps everything
but the native snapshot and replays ``frames`` when loaded, and a state file (JSON, no pickle)
is just the stage and the frames.

A demonstration is a state file whose frames reach the flag (``rl-envs mario-search`` writes
them; ``rl_envs/mario/demos/`` ships some). Its frames are controller bytes, so it replays the
same way under every action design, frame skip and state design.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT = "rl-envs/mario-frames"
VERSION = 1
DEMOS = Path(__file__).resolve().parent / "demos"
MAX_FILE_BYTES = 16 * 2**20  # a whole game at 60 frames/s is far smaller


@dataclass(frozen=True)
class MarioState:
    """One moment of a Mario episode (see the module docstring). Picklable; the native snapshot
    is dropped by pickling and rebuilt from ``frames`` by ``load_state``."""

    stage: str
    frames: tuple[int, ...]
    emulator: dict[str, Any] = field(default_factory=dict)  # the emulator's Python fields
    env: dict[str, Any] | None = None  # the env's bookkeeping (None: rebuilt by replaying frames)
    rng: dict[str, Any] | None = None  # the env's generator state (None: left as it is)
    snapshot: Any = None  # nes-py's native snapshot, valid in this process only

    def __getstate__(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__dataclass_fields__}
        state["snapshot"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def portable(self) -> MarioState:
        """This state as a file holds it: the stage and the frames."""
        return replace(self, emulator={}, env=None, rng=None, snapshot=None)


@dataclass(frozen=True)
class Demonstration:
    """A file's content: the stage, the frames, and what its writer said about them."""

    stage: str
    frames: tuple[int, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def state(self) -> MarioState:
        return MarioState(stage=self.stage, frames=self.frames)


def save(path: str | Path, state: MarioState | Demonstration, meta: dict[str, Any] | None = None) -> Path:
    """Write a state or demonstration as JSON (stage, controller bytes per frame, ``meta``)."""
    path = Path(path)
    content = {"format": FORMAT, "version": VERSION, "stage": state.stage,
               "meta": {**getattr(state, "meta", {}), **(meta or {})}, "frames": list(state.frames)}
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(content, separators=(",", ":")))
    temporary.replace(path)
    return path


def load(path: str | Path) -> Demonstration:
    """Read a file written by :func:`save`; a ValueError naming the file for anything else."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
        content = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not a readable Mario state file: {error}") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT or content.get("version") != VERSION:
        raise ValueError(f"{path} is not a Mario state file (format {FORMAT!r}, version {VERSION})")
    frames, stage, meta = content.get("frames"), content.get("stage"), content.get("meta", {})
    if not isinstance(frames, list) or not all(isinstance(b, int) and 0 <= b <= 255 for b in frames):
        raise ValueError(f"{path}: frames must be a list of controller bytes (0-255)")
    if not isinstance(stage, str) or not isinstance(meta, dict):
        raise ValueError(f"{path}: stage must be a string and meta an object")
    return Demonstration(stage=stage, frames=tuple(frames), meta=meta)


def shipped(stage: str) -> Path:
    """The shipped demonstration of ``stage``; a ValueError listing the shipped ones otherwise."""
    path = DEMOS / f"{stage}.json"
    if not path.exists():
        have = sorted(p.stem for p in DEMOS.glob("*.json"))
        raise ValueError(f"no shipped demonstration for stage {stage!r}; shipped: {', '.join(have) or 'none'} "
                         "(write one with rl-envs mario-search, and pass it as demo=PATH)")
    return path
