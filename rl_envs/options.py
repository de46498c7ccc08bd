"""Validation of constructor options: every error names the option and what it accepts.

Environments call these in ``__init__`` so that a bad option fails at ``gym.make``, before any
state is built.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable
from numbers import Integral, Real
from typing import Any


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool; raise TypeError naming ``name`` otherwise."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool (True or False), got {value!r} ({type(value).__name__})")
    return value


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; raise ValueError listing them otherwise."""
    choices = list(choices)
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        if value in choices:
            return value
    shown = ", ".join(repr(c) for c in choices)
    raise ValueError(f"{name} must be one of {shown}; got {value!r}")


def check_render_mode(render_mode: Any, modes: Iterable[str]) -> str | None:
    """Return ``render_mode`` if it is None or one of ``modes``; raise ValueError listing them otherwise."""
    modes = list(modes)
    if render_mode is not None and (not isinstance(render_mode, str) or render_mode not in modes):
        raise ValueError(f"render_mode must be one of {modes} or None; got {render_mode!r}")
    return render_mode


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> float | int:
    """Return ``value`` if it is a finite real (an int if ``integer``) within the given range.

    Raises TypeError for a wrong type and ValueError for a value out of range; both name ``name``
    and the valid range, e.g. ``slip must be in [0, 1], got 1.5``.
    """
    kind = "an integer" if integer else "a real number"
    wanted = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, wanted):
        raise TypeError(f"{name} must be {kind}, got {value!r} ({type(value).__name__})")
    if not integer and not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        raise ValueError(f"{name} must be in {describe_range(low, high, low_inclusive, high_inclusive)}, got {value!r}")
    return int(value) if integer else float(value)


def describe_range(low: float | None, high: float | None, low_inclusive: bool = True, high_inclusive: bool = True) -> str:
    """Interval notation, e.g. ``[0, 1]``, ``(0, inf)``."""
    left = "[" if low_inclusive and low is not None else "("
    right = "]" if high_inclusive and high is not None else ")"
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    return f"{left}{lo}, {hi}{right}"


def known_options(init: Callable) -> Callable:
    """Decorate an ``__init__`` (or a factory) so an unknown keyword names itself and the valid ones.

    Python's own message names the bad keyword but not the choices; users of ``gym.make`` need both.
    """
    parameters = [p for p in inspect.signature(init).parameters if p != "self"]
    owner = init.__qualname__.split(".")[0]

    @functools.wraps(init)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(kwargs) - set(parameters))
        if unknown:
            raise TypeError(f"unknown option {', '.join(map(repr, unknown))} for {owner}; valid options: {', '.join(parameters)}")
        return init(*args, **kwargs)

    return wrapper
