"""The Cambridge pub's state: where you are, how keen, the weather, what you are doing (shared by
the env and its drawing)."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class Choice(IntEnum):
    """The two actions: head for the Cambridge Blue (or stay there), or go home."""

    PUB = 0
    HOME = 1


class Place(IntEnum):
    OFFICE = 0
    CAMBRIDGE_BLUE = 1
    HOME = 2


class Weather(IntEnum):
    DRY = 0
    RAIN = 1


class Activity(IntEnum):
    WORKING = 0  # at the office, the evening not yet decided
    DRINKING = 1  # at the Blue, a pint this step
    SHELTERING = 2  # at the Blue, no pint this step (too tired), waiting
    RESTING = 3  # home: the evening is over


MOTIVATIONS = (1, 2, 3)  # m: 1 tired, 3 keen


class State(NamedTuple):
    place: Place
    motivation: int
    weather: Weather
    activity: Activity
