"""Cambridge pub reward components and designs.

Components of a step that starts with motivation ``m`` (both 0 once home, which is absorbing):

- ``beer``: ``BEER_REWARD`` (100) when the step ends with a pint, else 0;
- ``rain``: ``-(1 / m) * RAIN_COST_PER_KM * km`` walked in the rain (a walk is made in the
  weather you set off in), so the same shower hurts a tired walker more.
"""

from __future__ import annotations

BEER_REWARD = 100.0  # per pint
RAIN_COST_PER_KM = 100.0  # w_rain per km walked in the rain, before dividing by motivation

COMPONENTS = ("beer", "rain")

DESIGNS: dict[str, dict[str, float]] = {
    # The lecture's: 100 * drink_beer - (1 / m) * w_rain.
    "beer_minus_rain": {"beer": 1.0, "rain": 1.0},
    # Only the pint counts: the rain is not felt, so the optimal policy always heads for the pub.
    "beer_only": {"beer": 1.0},
}


def beer(pint: bool) -> float:
    return BEER_REWARD if pint else 0.0


def rain(km_in_rain: float, motivation: int) -> float:
    return -RAIN_COST_PER_KM * km_in_rain / motivation


def components(pint: bool, km_in_rain: float, motivation: int) -> dict[str, float]:
    return {"beer": beer(pint), "rain": rain(km_in_rain, motivation)}


ABSORBED = {"beer": 0.0, "rain": 0.0}
