"""Checkpoints written atomically and loaded without running pickled code.

An SB3 model file is a zip whose "data" entry is JSON, where some values (schedules, spaces,
the policy class) are cloudpickled: loading them would run code from the file. The loader
passes each of those from a freshly built model of the same configuration instead (SB3's
``custom_objects``), so only JSON and tensors (``torch.load(weights_only=True)``) are read.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt or does not fit the configuration."""


def atomic_write(path: Path, write: Any) -> None:
    """Write through ``write(file)`` into a temporary file, then rename it over ``path``.

    A kill at any moment leaves either the old file or the new one, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
    except (RuntimeError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"checkpoint {path} does not fit this configuration (corrupt, or another env/algo/"
                              f"network): {error}") from error
