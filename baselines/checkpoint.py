"""Checkpoints written atomically and loaded without running pickled code.

An SB3 model file is a zip whose "data" entry is JSON, where some values (schedules, spaces,
the policy class) are cloudpickled: loading them would run code from the file. The loader
passes each of those from a freshly built model of the same configuration instead (SB3's
``custom_objects``), so only JSON and tensors (``torch.load(weights_only=True)``) are read.

SB3 pickles replay buffers whole; :func:`save_replay_buffer` writes one as a numpy ``.npz`` of
its arrays plus a JSON of its position instead, and :func:`load_replay_buffer` reads them back
with ``allow_pickle=False`` into the fresh model's buffer, checking every shape and dtype.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

# The replay buffer's arrays and scalars (SB3's ReplayBuffer); next_observations only without
# optimize_memory_usage.
REPLAY_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")
REPLAY_SCALARS = {"pos": int, "full": bool, "buffer_size": int, "n_envs": int, "optimize_memory_usage": bool}


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt or does not fit the configuration."""


def atomic_write(path: Path, write: Any) -> None:
    """Write through ``write(file)`` into a temporary file, then rename it over ``path``.

    A kill at any moment leaves either the old file or the new one, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # a unique name
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (renames into it) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write(path, lambda f: f.write(json.dumps(data, indent=2, default=str).encode()))


def serialized_keys(path: Path) -> list[str]:
    """Keys of the model file's data that are pickled objects."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data"))
    except (OSError, zipfile.BadZipFile, KeyError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {path} is not a readable SB3 model file: {error}") from error
    return [key for key, value in data.items() if isinstance(value, dict) and ":serialized:" in value]


def safe_load(algo_cls: type, path: Path, fresh_model: Any, env: Any, device: str) -> Any:
    """Load ``path`` into a model like ``fresh_model``, without unpickling anything from the file."""
    keys = serialized_keys(path)
    custom = {key: getattr(fresh_model, key) for key in keys if hasattr(fresh_model, key)}
    unknown = sorted(set(keys) - set(custom))
    if unknown:
        raise CheckpointError(f"checkpoint {path} holds pickled objects {unknown} that this configuration does not "
                              "define; refusing to run code from the file")
    try:
        return algo_cls.load(path, env=env, device=device, custom_objects=custom, print_system_info=False)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"checkpoint {path} holds a tensor file with pickled objects other than tensors; "
                              f"refusing to run code from the file ({str(error).splitlines()[0]:.200})") from None
    except (RuntimeError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"checkpoint {path} does not fit this configuration (corrupt, or another env/algo/"
                              f"network): {error}") from error


def save_replay_buffer(buffer: Any, arrays_path: Path, info_path: Path) -> None:
    """An SB3 ReplayBuffer as ``arrays_path`` (.npz, no pickle) and ``info_path`` (JSON)."""
    arrays = {name: getattr(buffer, name) for name in REPLAY_ARRAYS if _stored(buffer, name)}
    with open(arrays_path, "wb") as f:
        np.savez(f, **arrays)
    info = {name: kind(getattr(buffer, name)) for name, kind in REPLAY_SCALARS.items()}
    info_path.write_text(json.dumps({**info, "arrays": sorted(arrays)}))


def _stored(buffer: Any, name: str) -> bool:
    return not (name == "next_observations" and buffer.optimize_memory_usage)


def load_npz(path: Path, names: list[str], what: str) -> dict[str, np.ndarray]:
    """Exactly the arrays ``names`` of an ``.npz`` file, never unpickling anything; CheckpointError
    naming the file when it is unreadable, holds object arrays or holds other arrays."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            if sorted(archive.files) != sorted(names):
                raise CheckpointError(f"{path} holds arrays {sorted(archive.files)}; a {what} has {sorted(names)}")
            return {name: archive[name] for name in names}
    except CheckpointError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"{path} is not a readable {what} (.npz): {error}") from None


def load_replay_buffer(buffer: Any, arrays_path: Path, info_path: Path) -> None:
    """Fill the fresh model's ``buffer`` from files written by :func:`save_replay_buffer`.

    Raises CheckpointError naming the file when either is unreadable or does not fit ``buffer``.
    """
    try:
        info = json.loads(info_path.read_text())
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{info_path} is not a readable replay-buffer description: {error}") from None
    wanted = {**REPLAY_SCALARS, "arrays": list}
    if not isinstance(info, dict) or set(info) != set(wanted) or any(
            not isinstance(info[k], t) or (t is int and isinstance(info[k], bool)) for k, t in wanted.items()):
        raise CheckpointError(f"{info_path} must hold {sorted(wanted)} with types "
                              f"{ {k: t.__name__ for k, t in wanted.items()} }; got {str(info)[:200]}")
    for name in ("buffer_size", "n_envs", "optimize_memory_usage"):
        if info[name] != getattr(buffer, name):
            raise CheckpointError(f"{info_path}: {name} is {info[name]!r}, but this run's buffer has "
                                  f"{getattr(buffer, name)!r} (a buffer from another configuration)")
    if not 0 <= info["pos"] < buffer.buffer_size:
        raise CheckpointError(f"{info_path}: pos {info['pos']} is outside the buffer (size {buffer.buffer_size})")
    expected = sorted(name for name in REPLAY_ARRAYS if _stored(buffer, name))
    if info["arrays"] != expected:
        raise CheckpointError(f"{info_path} lists arrays {info['arrays']}; this run's buffer has {expected}")
    loaded = load_npz(arrays_path, expected, "replay buffer")
    for name, array in loaded.items():
        target = getattr(buffer, name)
        if array.shape != target.shape or array.dtype != target.dtype:
            raise CheckpointError(f"{arrays_path}: {name} is {array.dtype}{list(array.shape)}, but this run's buffer "
                                  f"holds {target.dtype}{list(target.shape)} (a buffer from another configuration)")
    for name, array in loaded.items():
        getattr(buffer, name)[...] = array
    buffer.pos, buffer.full = info["pos"], info["full"]
