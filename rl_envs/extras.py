"""Optional dependencies: ``pip install rl-envs`` brings Gymnasium and NumPy, enough for every
tabular and cart-pole env; the rest come with extras, and a missing one is named in the error.

| extra | brings | needed for |
|-------|--------|------------|
| ``play`` | pygame | ``render_mode="rgb_array"``/``"human"`` of the grid worlds and the pub, windows, ``rl-envs play`` |
| ``mario`` | nes-py, gym-super-mario-bros, opencv | ``RLEnvs/Mario-v0`` |
| ``baselines`` | torch, Stable-Baselines3, TensorBoard, rich, matplotlib, PyYAML | ``rl-envs-baselines`` (train, evaluate, watch, compare) |
| ``ray`` | Ray | ``rl-envs-baselines compare --backend ray`` |
| ``all`` | all of the above | |

>>> require("json", "play", "drawing")  # present: the module itself
<module 'json' ...>
>>> require("no_such_module_here", "mario", "RLEnvs/Mario-v0")
Traceback (most recent call last):
...
rl_envs.extras.MissingExtraError: RLEnvs/Mario-v0 needs the 'mario' extra: pip install 'rl-envs[mario]' (module no_such_module_here is not installed)
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str, needed_for: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra`` and what needs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        # Only the module asked for (or a package of it) counts as missing; a broken
        # install of it raises its own error.
        if error.name is None or not module.startswith(error.name):
            raise
        raise missing(error.name, extra, needed_for) from None


def missing(module: str, extra: str, needed_for: str) -> MissingExtraError:
    return MissingExtraError(f"{needed_for} needs the {extra!r} extra: pip install 'rl-envs[{extra}]' "
                             f"(module {module} is not installed)")
