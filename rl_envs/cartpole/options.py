"""The cart-pole's options, checked once for the single env and the vector env alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rl_envs.cartpole import rewards
from rl_envs.cartpole.observation import ObservationConfig
from rl_envs.cartpole.physics import (
    CART_MASS_KG,
    FORCE_MAGNITUDE_N,
    GRAVITY_M_S2,
    POLE_HALF_LENGTH_M,
    POLE_MASS_KG,
    TIME_STEP_S,
    Physics,
    position_bounds,
)
from rl_envs.designs import RewardDesign, resolve
from rl_envs.options import check_bool


@dataclass(frozen=True)
class CartPoleOptions:
    """Every option of ``RLEnvs/CartPole-v0`` and its presets (the env docstring's Arguments
    table), validated on creation; ``physics``, ``config`` (the observation) and ``reward_fn``
    are what the envs step with.

    >>> CartPoleOptions(tau=0.01).physics.tau
    0.01
    >>> CartPoleOptions.of("CartPoleEnv", {"lenght": 1.0})
    Traceback (most recent call last):
    ...
    TypeError: unknown option 'lenght' for CartPoleEnv; valid options: markov, reward, observation, frame_stack, pixel_size, pixel_color, continuous, obs_noise, gravity, masscart, masspole, length, force_mag, tau, render_mode
    """

    markov: bool = True
    reward: RewardDesign = "alive"
    observation: str = "state"
    frame_stack: int | None = None
    pixel_size: Sequence[int] = (84, 84)
    pixel_color: bool = False
    continuous: bool = False
    obs_noise: float = 0.0
    gravity: float = GRAVITY_M_S2
    masscart: float = CART_MASS_KG
    masspole: float = POLE_MASS_KG
    length: float = POLE_HALF_LENGTH_M
    force_mag: float = FORCE_MAGNITUDE_N
    tau: float = TIME_STEP_S

    def __post_init__(self) -> None:
        physics = Physics(self.gravity, self.masscart, self.masspole, self.length, self.force_mag, self.tau)
        config = ObservationConfig.from_options(
            observation=self.observation, markov=self.markov, frame_stack=self.frame_stack, pixel_size=self.pixel_size,
            pixel_color=self.pixel_color, obs_noise=self.obs_noise, pole_length_m=2 * physics.length,
            position_high=position_bounds(physics))
        check_bool("continuous", self.continuous)
        object.__setattr__(self, "physics", physics)
        object.__setattr__(self, "config", config)
        object.__setattr__(self, "reward_fn", resolve(self.reward, rewards.DESIGNS, rewards.COMPONENTS))

    physics: Physics = dataclasses.field(init=False, repr=False, compare=False)
    config: ObservationConfig = dataclasses.field(init=False, repr=False, compare=False)
    reward_fn: Callable[[dict], float] = dataclasses.field(init=False, repr=False, compare=False)

    @classmethod
    def of(cls, owner: str, options: dict[str, Any], others: Sequence[str] = ("render_mode",)) -> CartPoleOptions:
        """``cls(**options)``; an unknown option is a TypeError naming it, ``owner`` and every valid one."""
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise TypeError(f"unknown option {', '.join(map(repr, unknown))} for {owner}; valid options: "
                            f"{', '.join([*names, *others])}")
        return cls(**options)
