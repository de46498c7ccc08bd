"""A run directory: every file a training run reads or writes, its lock, and its checkpoints.

Nothing else in the project spells a run file's name. Every read checks the file (missing,
empty, truncated, not JSON, wrong types, unknown keys) and fails with one :class:`RunFileError`
naming the file and what is wrong; nothing read from a file is unpickled, and every path a file
names must stay inside the run directory.

| path | written by | what |
|------|------------|------|
| ``config.json`` | train, once | ``args`` (the trainer's arguments), ``total_timesteps``, ``n_envs``, ``device``, ``hyperparams``, ``machine`` |
| ``state.json`` | train, at the end | ``timesteps``, ``wall_seconds`` (summed over every resumption) |
| ``model.zip`` | train, at the end | the final model |
| ``best_model.zip``, ``evaluations.npz`` | evaluation during training | the best model so far; every evaluation's results (kept across resumptions) |
| ``checkpoints/step_N/`` | checkpoints | ``model.zip``, ``checkpoint.json``, with DQN's ``--save-replay-buffer`` ``replay_buffer.npz`` + ``replay_buffer.json`` |
| ``checkpoints/latest.json`` | checkpoints | ``{"step": N, "dir": "checkpoints/step_N"}``, written after that directory is complete |
| ``episodes.jsonl`` | train | one record per training episode (see :mod:`baselines.callbacks`) |
| ``progress.json`` | train | ``{"step", "total"}`` every few seconds |
| ``eval.json`` (or ``--output``) | evaluate | see :mod:`baselines.evaluate` |
| ``result.json`` | compare | a finished comparison run |
| ``tb/``, ``videos/`` | train, evaluate | TensorBoard logs, recorded episodes |
| ``.lock`` | every writer | an OS lock (``flock``) held while a process writes here, with its pid |
| ``shipped.json`` | ``scripts/ship_agent.py`` | marks a shipped agent (``agents/``): read only, ``evaluate`` refuses to write there |
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from baselines.checkpoint import CheckpointError, atomic_write_json, fsync_dir

CONFIG = "config.json"
STATE = "state.json"
MODEL = "model.zip"
BEST_MODEL = "best_model.zip"
EVALUATIONS = "evaluations.npz"
CHECKPOINTS = "checkpoints"
LATEST = "checkpoints/latest.json"
CHECKPOINT_INFO = "checkpoint.json"
CHECKPOINT_MODEL = "model.zip"
REPLAY_ARRAYS = "replay_buffer.npz"
REPLAY_INFO = "replay_buffer.json"
EPISODES = "episodes.jsonl"
PROGRESS = "progress.json"
EVAL = "eval.json"
RESULT = "result.json"
BEHAVIOUR_CLONING = "behaviour_cloning.json"
SHIPPED = "shipped.json"
TENSORBOARD = "tb"
VIDEOS = "videos"
LOCK = ".lock"
KEEP = 2  # checkpoints kept: the latest and the one before it

# Keys and types of each JSON file (float fields accept ints too).
CONFIG_KEYS = {"args": dict, "total_timesteps": int, "n_envs": int, "device": str, "hyperparams": dict,
               "machine": dict}
STATE_KEYS = {"timesteps": int, "wall_seconds": float}
LATEST_KEYS = {"step": int, "dir": str}
CHECKPOINT_KEYS = {"step": int, "algo": str, "wall_seconds": float, "replay_buffer": bool, "unfinished": list}


class RunFileError(CheckpointError):
    """A run file that is missing, corrupt, of the wrong shape, or points outside its run."""


class RunLockedError(RunFileError):
    """Another live process holds the run directory."""


class OutsideRunError(RunFileError):
    """A file names a path outside its run directory."""


def read_json(path: Path, keys: dict[str, type] | None = None, what: str = "") -> Any:
    """The JSON in ``path``, checked: an object with exactly ``keys`` (of those types) if given."""
    label = f"{path}{' (' + what + ')' if what else ''}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RunFileError(f"{label} is missing") from None
    except OSError as error:
        raise RunFileError(f"{label} cannot be read: {error.strerror}") from None
    if not raw.strip():
        raise RunFileError(f"{label} is empty")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise RunFileError(f"{label} is not valid JSON (truncated or corrupt: {error})") from None
    if keys is None:
        return data
    if not isinstance(data, dict):
        raise RunFileError(f"{label} must hold a JSON object, not {type(data).__name__}")
    missing, unknown = sorted(set(keys) - set(data)), sorted(set(data) - set(keys))
    if missing or unknown:
        parts = ([f"lacks {missing}"] if missing else []) + ([f"has unknown keys {unknown}"] if unknown else [])
        raise RunFileError(f"{label} {' and '.join(parts)} (expected {sorted(keys)})")
    for key, kind in keys.items():
        value = data[key]
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or (kind in (int, float) and isinstance(value, bool)):
            raise RunFileError(f"{label}: {key!r} must be {kind.__name__}, not {type(value).__name__} ({value!r:.60})")
    return data


_HELD: dict[Path, list[int]] = {}  # lock file -> [fd, depth], so one process may nest its own locks


class RunDir:
    """The files of one run directory (see the module's table)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    def __str__(self) -> str:
        return str(self.path)

    # --- paths named by files -----------------------------------------------------------------
    def inside(self, relative: str, named_in: str) -> Path:
        """``relative`` resolved inside the run directory; refuses absolute paths and escapes."""
        root = self.path.resolve()
        target = (root / relative).resolve()
        if Path(relative).is_absolute() or not target.is_relative_to(root):
            raise OutsideRunError(f"{named_in} names {relative!r}, which is outside the run directory {self.path}; "
                               "refusing to read it")
        return target

    # --- the lock -------------------------------------------------------------------------------
    @contextmanager
    def lock(self, purpose: str) -> Iterator[None]:
        """Hold the directory's OS lock (refused at once if another live process holds it).

        The kernel releases it when the process dies, so a kill never leaves a stale lock.
        The same process may take it again inside (a compare worker trains, then evaluates).
        """
        if not self.path.is_dir():
            raise RunFileError(f"{self.path} is not a run directory (it does not exist)")
        key = (self.path / LOCK).resolve()
        if key in _HELD:
            _HELD[key][1] += 1
            try:
                yield
            finally:
                _HELD[key][1] -= 1
            return
        fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = os.pread(fd, 256, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            pid, _, what = holder.partition(" ")
            raise RunLockedError(f"{self.path} is in use by process {pid} ({what or 'unknown'}); "
                                 "wait for it to finish or stop it, then try again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {purpose}\n".encode(), 0)
        _HELD[key] = [fd, 1]
        try:
            yield
        finally:
            _HELD.pop(key)
            os.close(fd)  # releases the lock

    def remove_temporaries(self) -> None:
        """Half-written files and checkpoint directories a killed writer left (call with the lock held)."""
        for pattern in (".*.tmp", f"{CHECKPOINTS}/.*.tmp", f"{CHECKPOINTS}/.step_*.tmp", f"{CHECKPOINTS}/.stale_*"):
            for path in self.path.glob(pattern):
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    # --- config and state -----------------------------------------------------------------------
    def has_config(self) -> bool:
        return (self.path / CONFIG).exists()

    def has_run_files(self) -> bool:
        """Whether the directory holds what a run writes (models, state, checkpoints, episodes)."""
        return any((self.path / name).exists() for name in (STATE, MODEL, CHECKPOINTS, EPISODES, RESULT))

    def load_config(self) -> dict[str, Any]:
        return read_json(self.path / CONFIG, CONFIG_KEYS, "the run's configuration")

    def save_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.path / CONFIG, config)

    def load_state(self) -> dict[str, Any] | None:
        """state.json (a finished run's steps and wall time), or None before the run first finished."""
        if not (self.path / STATE).exists():
            return None
        return read_json(self.path / STATE, STATE_KEYS, "the finished run's steps and wall time")

    def save_state(self, timesteps: int, wall_seconds: float) -> None:
        atomic_write_json(self.path / STATE, {"timesteps": int(timesteps), "wall_seconds": float(wall_seconds)})

    def model_path(self, name: str = "model") -> Path:
        """A model file of the run by name: ``model``, ``best_model`` or ``checkpoints/step_N[/model]``."""
        relative = name if name.endswith(".zip") else f"{name}.zip"
        candidate = self.path / name / CHECKPOINT_MODEL
        if name.startswith(CHECKPOINTS + "/") and candidate.exists():
            relative = f"{name}/{CHECKPOINT_MODEL}"
        path = self.inside(relative, "--model")
        if not path.is_file():
            models = sorted(p.name for p in self.path.glob("*.zip"))
            raise RunFileError(f"{path} does not exist (models here: {models}, or checkpoints/step_N)")
        return path

    # --- checkpoints ----------------------------------------------------------------------------
    def checkpoint_dirs(self) -> list[Path]:
        """Complete checkpoint directories (``step_N``), oldest first."""
        found = []
        for path in (self.path / CHECKPOINTS).glob("step_*"):
            step = path.name.removeprefix("step_")
            if path.is_dir() and step.isdigit():
                found.append((int(step), path))
        return [path for _, path in sorted(found)]

    def write_checkpoint(self, step: int, write_files: Any, info: dict[str, Any]) -> Path:
        """A checkpoint as one directory: ``write_files(tmp_dir)`` writes its files into a fresh
        temporary directory, which is renamed to ``checkpoints/step_N`` once complete; only then
        does latest.json point at it. Older checkpoints beyond :data:`KEEP` are removed."""
        root = self.path / CHECKPOINTS
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".step_{step}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        write_files(tmp)
        atomic_write_json(tmp / CHECKPOINT_INFO, {"step": int(step), **info})
        for file in tmp.iterdir():
            with open(file, "rb") as f:
                os.fsync(f.fileno())
        fsync_dir(tmp)
        final = root / f"step_{step}"
        if final.exists():  # left by a run that was killed after this step and resumed from an earlier one
            self._remove_checkpoint(final)
        tmp.rename(final)
        fsync_dir(root)
        atomic_write_json(self.path / LATEST, {"step": int(step), "dir": f"{CHECKPOINTS}/step_{step}"})
        dirs = [d for d in self.checkpoint_dirs() if int(d.name.removeprefix("step_")) <= step]
        for old in dirs[:-KEEP] + [d for d in self.checkpoint_dirs() if int(d.name.removeprefix("step_")) > step]:
            self._remove_checkpoint(old)
        return final

    def _remove_checkpoint(self, path: Path) -> None:
        """Delete a checkpoint directory this run has replaced; one that cannot be read is kept,
        renamed ``unreadable_step_N.<id>``, since nothing is deleted because it cannot be read."""
        try:
            self._checkpoint(path)
        except RunFileError as error:
            kept = path.with_name(f"unreadable_{path.name}.{uuid.uuid4().hex[:8]}")
            path.rename(kept)
            print(f"warning: {path} could not be read ({error}); kept as {kept}")
            return
        stale = path.with_name(f".stale_{path.name.removeprefix('step_')}.{uuid.uuid4().hex}")
        path.rename(stale)
        shutil.rmtree(stale)

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint to resume from, as its checkpoint.json plus ``dir`` (a Path); None if the
        run has none yet. latest.json names it; if latest.json is unreadable, the newest complete
        checkpoint directory is used instead. Raises RunFileError if checkpoints exist but none
        can be read (nothing is deleted)."""
        dirs = self.checkpoint_dirs()
        latest = self.path / LATEST
        if latest.exists():
            try:
                entry = read_json(latest, LATEST_KEYS, "the latest checkpoint")
                return self._checkpoint(self.inside(entry["dir"], str(latest)))
            except OutsideRunError:
                raise
            except RunFileError as error:
                problem = str(error)
        elif not dirs:
            return None
        else:
            problem = f"{latest} is missing"
        errors = [problem]
        for path in reversed(dirs):
            try:
                found = self._checkpoint(path)
            except RunFileError as error:
                errors.append(str(error))
                continue
            print(f"warning: {problem}; using the newest complete checkpoint, {path}")
            return found
        raise RunFileError(f"no usable checkpoint in {self.path}: " + "; ".join(errors) + " (nothing was changed)")

    def _checkpoint(self, path: Path) -> dict[str, Any]:
        info = read_json(path / CHECKPOINT_INFO, CHECKPOINT_KEYS, "a checkpoint's manifest")
        for record in info["unfinished"]:
            if not isinstance(record, dict) or not all(
                    isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
                    for k, v in record.items()):
                raise RunFileError(f"{path / CHECKPOINT_INFO}: 'unfinished' must be a list of episode records "
                                   f"(objects of numbers, e.g. {{\"return\": 1.0, \"length\": 3}}); got {record!r:.60}")
        if path.name != f"step_{info['step']}":
            raise RunFileError(f"{path / CHECKPOINT_INFO} says step {info['step']}, but its directory is {path.name}")
        if not (path / CHECKPOINT_MODEL).is_file():
            raise RunFileError(f"{path / CHECKPOINT_MODEL} is missing")
        if info["replay_buffer"] and not ((path / REPLAY_ARRAYS).is_file() and (path / REPLAY_INFO).is_file()):
            raise RunFileError(f"{path} lacks its replay buffer ({REPLAY_ARRAYS}, {REPLAY_INFO})")
        return {**info, "dir": path}
