"""The reward contract every env family follows.

Each family's ``rewards.py`` names its reward components (one side-effect-free function each)
and its built-in designs (named weightings of the components). Every env takes ``reward=``:

- a design name, e.g. ``"alive"`` (the family's ``DESIGNS``);
- a dict of weights over the family's components, e.g. ``{"alive": 1.0, "failure": 10.0}``;
- a callable of the components dict that returns the reward (any design you like; it must be a
  pure function, since the tabular envs fold it into ``P`` and cart-pole into a table).

Each step the env pays that reward and reports ``info["reward_components"]`` and what every
built-in design would have paid, ``info["reward_designs"]``, so one run can be scored under all.

>>> designs = {"lecture": {"beer": 1.0, "rain": 1.0}, "beer_only": {"beer": 1.0}}
>>> parts = {"beer": 100.0, "rain": -50.0}
>>> resolve("lecture", designs, parts)(parts), resolve({"rain": 2.0}, designs, parts)(parts)
(50.0, -100.0)
>>> resolve(lambda c: c["beer"] / 100, designs, parts).name
'custom'
>>> resolve("dry", designs, parts)
Traceback (most recent call last):
...
ValueError: reward must be one of 'lecture', 'beer_only', a dict of weights over beer, rain, or a callable of the components dict; got 'dry'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Union

Designs = Mapping[str, Mapping[str, float]]
RewardDesign = Union[str, Mapping[str, float], Callable[[dict[str, float]], float]]
CUSTOM = "custom"  # the name of a reward given as weights or a callable


def weigh(weights: Mapping[str, float], parts: Mapping[str, float]) -> float:
    return float(sum(w * parts[name] for name, w in weights.items()))


def design_values(designs: Designs, parts: Mapping[str, float]) -> dict[str, float]:
    """What every design in ``designs`` pays for these components."""
    return {name: weigh(weights, parts) for name, weights in designs.items()}


@dataclass(frozen=True)
class Reward:
    """A resolved ``reward=`` option: its name (a design's, or ``"custom"``) and its function of
    the components. Picklable whenever a given callable is."""

    name: str
    function: Callable[[Mapping[str, float]], float]

    def __call__(self, parts: Mapping[str, float]) -> float:
        return float(self.function(parts))


def resolve(reward: Any, designs: Designs, components: Iterable[str]) -> Reward:
    """The :class:`Reward` of a ``reward=`` option; errors name the option and what it accepts."""
    components = list(components)
    accepted = (f"one of {', '.join(map(repr, designs))}, a dict of weights over {', '.join(components)}, "
                "or a callable of the components dict")
    if isinstance(reward, str):
        if reward not in designs:
            raise ValueError(f"reward must be {accepted}; got {reward!r}")
        return Reward(reward, partial(weigh, dict(designs[reward])))
    if isinstance(reward, Mapping):
        unknown = sorted(set(map(str, reward)) - set(components))
        if unknown or not reward:
            raise ValueError(f"reward weights must name components among {', '.join(components)}; "
                             f"got {sorted(map(str, reward))}")
        bad = [k for k, w in reward.items() if isinstance(w, bool) or not isinstance(w, (int, float))]
        if bad:
            raise TypeError(f"reward weights must be numbers; those of {bad} are not")
        if not all(math.isfinite(w) for w in reward.values()):
            raise ValueError(f"reward weights must be finite; got {dict(reward)}")
        return Reward(CUSTOM, partial(weigh, {k: float(w) for k, w in reward.items()}))
    if callable(reward):
        return Reward(CUSTOM, reward)
    raise TypeError(f"reward must be {accepted}; got {reward!r} ({type(reward).__name__})")
