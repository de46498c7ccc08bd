"""Errors every env family raises, and the check that an env has not been closed."""

from __future__ import annotations

from typing import Any

from gymnasium.error import ClosedEnvironmentError, InvalidAction


class InvalidActionError(InvalidAction, ValueError):
    """An action outside the action space: raised by ``step`` before anything changes, never clipped."""


def check_open(env: Any) -> None:
    """Raise ClosedEnvironmentError if ``env.close()`` was called (its ``closed`` flag)."""
    if getattr(env, "closed", False):
        raise ClosedEnvironmentError(f"{type(env).__name__} was closed; make a new one (gym.make) to reset, step "
                                     "or render again")
