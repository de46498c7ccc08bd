"""Cart-pole physics (Barto, Sutton & Anderson 1983), as in Gymnasium's CartPole-v1.

One dynamics function serves the single and the vector environments. It is written with
arithmetic and ``xp.sin``/``xp.cos`` only, where ``xp`` is the array's namespace, so the same
code runs on numpy arrays (one env or a batch) and later on torch tensors on a GPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cached_property
from types import ModuleType
from typing import Any

import numpy as np

from rl_envs.options import check_number

# Defaults, with units; the same values as Gymnasium's CartPole-v1.
GRAVITY_M_S2 = 9.8
CART_MASS_KG = 1.0
POLE_MASS_KG = 0.1
POLE_HALF_LENGTH_M = 0.5  # "length" in Gymnasium: half the pole's length
FORCE_MAGNITUDE_N = 10.0
TIME_STEP_S = 0.02
# Failure thresholds.
X_THRESHOLD_M = 2.4
THETA_THRESHOLD_RAD = 12 * 2 * math.pi / 360
# Start: every state variable uniform in [-0.05, 0.05] (m, m/s, rad, rad/s).
START_BOUND = 0.05


@dataclass(frozen=True)
class Physics:
    """The physical constants; each is validated against a range of its own.

    ``gravity`` (m/s^2), ``masscart`` and ``masspole`` (kg), ``length`` (m, half the pole),
    ``force_mag`` (N), ``tau`` (s per step).
    """

    gravity: float = GRAVITY_M_S2
    masscart: float = CART_MASS_KG
    masspole: float = POLE_MASS_KG
    length: float = POLE_HALF_LENGTH_M
    force_mag: float = FORCE_MAGNITUDE_N
    tau: float = TIME_STEP_S

    # Valid ranges, both ends included: every value in them gives finite dynamics and bounds (a
    # gram of mass, a centimetre of pole, a tenth of a millisecond per step at the least; below
    # those the state bounds overflow), and small enough steps that one Euler step stays meaningful.
    RANGES = {
        "gravity": (0.0, 100.0),
        "masscart": (0.001, 100.0),
        "masspole": (0.001, 10.0),
        "length": (0.01, 10.0),
        "force_mag": (0.0, 1000.0),
        "tau": (0.0001, 0.1),
    }

    def __post_init__(self) -> None:
        for f in fields(self):
            low, high = self.RANGES[f.name]
            object.__setattr__(self, f.name, check_number(f.name, getattr(self, f.name), low=low, high=high))

    @cached_property
    def total_mass(self) -> float:
        return self.masspole + self.masscart

    @cached_property
    def polemass_length(self) -> float:
        return self.masspole * self.length


def position_bounds(p: Physics) -> tuple[float, float]:
    """Bounds on ``|x|`` (m) and ``|theta|`` (rad) that every observation keeps, the failing one included.

    With Gymnasium's physics: Gymnasium's own bounds, twice the failure thresholds (kept, so the
    spaces equal CartPole-v1's; the tests check its episodes stay inside). Other physics can move
    further in the failing step, so the bounds are derived: until that step x and theta stay within
    the thresholds, so every earlier step moved them by at most twice a threshold, which bounds
    the velocities (``|tau * x_dot| <= 2 X``); those bound the accelerations of the step before
    the failure, and so how far the failing step can go: ``3 X + tau^2 * max|x_acc|`` (likewise theta).
    """
    if p == Physics():
        return 2 * X_THRESHOLD_M, 2 * THETA_THRESHOLD_RAD
    omega = max(2 * THETA_THRESHOLD_RAD / p.tau, START_BOUND)  # |theta_dot| before the failing step
    sin_max = math.sin(THETA_THRESHOLD_RAD)
    temp = (p.force_mag + p.polemass_length * omega**2 * sin_max) / p.total_mass
    theta_acc = (p.gravity * sin_max + temp) / (p.length * (4.0 / 3.0 - p.masspole / p.total_mass))
    x_acc = temp + p.polemass_length * theta_acc / p.total_mass
    return (3 * X_THRESHOLD_M + p.tau**2 * x_acc, 3 * THETA_THRESHOLD_RAD + p.tau**2 * theta_acc)


def namespace(array: Any) -> ModuleType:
    """numpy for numpy arrays and scalars, torch for torch tensors (imported only then)."""
    if type(array).__module__.startswith("torch"):
        import torch  # heavy and optional: only for torch tensors

        return torch
    return np


def step_state(state: Any, force: Any, p: Physics) -> tuple[Any, Any, Any, Any]:
    """One explicit-Euler step of ``state`` ((4,) or (4, N): x, x_dot, theta, theta_dot).

    Returns the four new components (the caller stacks them: a tuple for one env, rows of a
    batch). The operations and their order are Gymnasium's, so results are bit-identical to
    CartPole-v1.
    """
    xp = namespace(state)
    x, x_dot, theta, theta_dot = state[0], state[1], state[2], state[3]
    costheta = xp.cos(theta)
    sintheta = xp.sin(theta)
    temp = (force + p.polemass_length * theta_dot**2 * sintheta) / p.total_mass
    thetaacc = (p.gravity * sintheta - costheta * temp) / (
        p.length * (4.0 / 3.0 - p.masspole * costheta**2 / p.total_mass)
    )
    xacc = temp - p.polemass_length * thetaacc * costheta / p.total_mass
    return x + p.tau * x_dot, x_dot + p.tau * xacc, theta + p.tau * theta_dot, theta_dot + p.tau * thetaacc


def failed(x: Any, theta: Any) -> Any:
    """The cart left the track or the pole passed 12 degrees."""
    return (x < -X_THRESHOLD_M) | (x > X_THRESHOLD_M) | (theta < -THETA_THRESHOLD_RAD) | (theta > THETA_THRESHOLD_RAD)
