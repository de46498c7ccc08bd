"""The Cambridge pub MDP: "how can you describe your behaviour with RL?"."""

from __future__ import annotations

from itertools import product

import numpy as np

from rl_envs.designs import RewardDesign, resolve
from rl_envs.options import check_bool, known_options
from rl_envs.pub import render, rewards
from rl_envs.pub.states import MOTIVATIONS, Activity, Choice, Place, State, Weather
from rl_envs.pygame_utils import pygame
from rl_envs.tabular import Model, TabularEnv, merge_outcomes

# Walking distances (km).
OFFICE_TO_PUB_KM = 2.0
OFFICE_TO_HOME_KM = 1.0
PUB_TO_HOME_KM = 1.5
# Stochastic weather: a two-state Markov chain, one step per decision.
RAIN_AFTER_RAIN = 0.7
RAIN_AFTER_DRY = 0.2
START_RAIN_PROB = 0.4
# At the Blue: each pint lowers motivation by one with this probability; pints need m >= 2.
PINT_TIRES_PROB = 0.5
MIN_MOTIVATION_TO_DRINK = 2
# Each step spent at the Blue, the landlord may call time and send everyone home.
CLOSING_PROB = 0.1


def _all_states() -> list[State]:
    activities = {
        Place.OFFICE: (Activity.WORKING,),
        Place.CAMBRIDGE_BLUE: (Activity.DRINKING, Activity.SHELTERING),
        Place.HOME: (Activity.RESTING,),
    }
    return [State(p, m, w, act) for p in Place for act in activities[p] for m, w in product(MOTIVATIONS, Weather)]


STATES: tuple[State, ...] = tuple(_all_states())
STATE_INDEX = {s: i for i, s in enumerate(STATES)}
# markov=False hides the weather: the observation is (place, motivation, activity).
HIDDEN_WEATHER_OBS = sorted({(s.place, s.motivation, s.activity) for s in STATES})
HIDDEN_WEATHER_INDEX = {o: i for i, o in enumerate(HIDDEN_WEATHER_OBS)}


def weather_transition(weather: Weather) -> dict[Weather, float]:
    rain = RAIN_AFTER_RAIN if weather == Weather.RAIN else RAIN_AFTER_DRY
    return {Weather.DRY: 1.0 - rain, Weather.RAIN: rain}


def drinks(next_state: State) -> bool:
    """Whether this step ends with a pint at the Blue (arriving, or staying with m >= 2)."""
    return next_state.activity == Activity.DRINKING


def km_in_rain(state: State, next_state: State) -> float:
    """The km walked this step if it is raining as you set off, else 0."""
    if state.weather != Weather.RAIN or next_state.place == state.place:
        return 0.0
    return {
        (Place.OFFICE, Place.CAMBRIDGE_BLUE): OFFICE_TO_PUB_KM,
        (Place.OFFICE, Place.HOME): OFFICE_TO_HOME_KM,
        (Place.CAMBRIDGE_BLUE, Place.HOME): PUB_TO_HOME_KM,
    }[(state.place, next_state.place)]


def outcomes(state: State, action: Choice) -> list[tuple[float, State]]:
    """The distribution of next states (before rewards): the transition rules of the docstring."""
    weather = weather_transition(state.weather)
    m = state.motivation
    if state.place == Place.HOME:
        return [(1.0, state)]
    if action == Choice.HOME:
        return [(1.0, State(Place.HOME, m, state.weather, Activity.RESTING))]
    if state.place == Place.OFFICE:
        return [(p, State(Place.CAMBRIDGE_BLUE, m, w, Activity.DRINKING)) for w, p in weather.items()]
    # Staying at the Blue: time may be called (home now, in the current weather); otherwise a
    # pint if keen enough (which may tire), or sheltering.
    result = [(CLOSING_PROB, State(Place.HOME, m, state.weather, Activity.RESTING))]
    stay = 1.0 - CLOSING_PROB
    if m >= MIN_MOTIVATION_TO_DRINK:
        tired = {m - 1: PINT_TIRES_PROB, m: 1.0 - PINT_TIRES_PROB}
        result += [(stay * pm * pw, State(Place.CAMBRIDGE_BLUE, m2, w, Activity.DRINKING))
                   for m2, pm in tired.items() for w, pw in weather.items()]
    else:
        result += [(stay * pw, State(Place.CAMBRIDGE_BLUE, m, w, Activity.SHELTERING)) for w, pw in weather.items()]
    return result


class CambridgePubEnv(TabularEnv):
    """
    ## Description
    The lecture's "pub after work" MDP, over one evening in Cambridge. You are at the office;
    each step you choose to head for the Cambridge Blue (a pub, 2 km away) or to go home (1 km).
    A pint is worth a lot, but walking in the rain hurts, and hurts more when you are tired:
    the reward is ``100 * drink_beer - (1 / m) * w_rain``. The weather and your motivation ``m``
    change at random. The optimal policy goes to the pub when keen or dry and home when tired and
    wet, and at the pub drinks while keen, then waits out the rain or walks home while it is dry.

    ## Action Space
    ``Discrete(2)``, the IntEnum :class:`Choice`:

    | Num | Action | At the office | At the Cambridge Blue |
    |-----|--------|---------------|-----------------------|
    | 0   | PUB    | walk to the Blue (2 km) and have a pint | stay: a pint if ``m >= 2``, else shelter |
    | 1   | HOME   | walk home (1 km) | walk home (1.5 km) |

    ## Observation Space
    ``Discrete(24)`` (markov=True): the index of the state in ``STATES``; ``decode(obs)`` gives
    the named tuple. The state is:

    | Component | Values |
    |-----------|--------|
    | place | OFFICE, CAMBRIDGE_BLUE, HOME |
    | motivation ``m`` | 1 (tired), 2, 3 (keen) |
    | weather | DRY, RAIN |
    | activity | WORKING (office), DRINKING or SHELTERING (Blue), RESTING (home) |

    With ``markov=False`` the weather is hidden: ``Discrete(12)``, the index of
    ``(place, motivation, activity)`` in ``HIDDEN_WEATHER_OBS``. The weather persists from step to
    step, so the past predicts it and the observation alone is not Markov. Dynamics, rewards and
    episode ends are unchanged.

    ## Transition rules
    - Weather: a Markov chain, rain after rain with probability 0.7, after a dry step 0.2;
      it rains at the start with probability 0.4. A walk happens in the weather you set off in.
    - Motivation: uniform on {1, 2, 3} at the start; each pint lowers it by one with
      probability 0.5. A pint needs ``m >= 2``; at ``m = 1`` staying at the Blue means sheltering.
    - Each step spent at the Blue, time is called with probability 0.1: you walk home (1.5 km)
      in the current weather, without a pint.

    ## Rewards (``reward=``)
    | Design | Pays |
    |--------|------|
    | ``"beer_minus_rain"`` (default) | the lecture's ``100 * drink_beer - (1 / m) * w_rain`` |
    | ``"beer_only"`` | ``100 * drink_beer``: the rain is not felt, so the pub always wins |

    ``m`` is the motivation when the step starts, ``drink_beer`` 1 when the step ends with a pint,
    and ``w_rain = 100 * km`` walked in the rain. ``info["reward_components"]`` is
    ``{"beer": 100 * drink_beer, "rain": -(1 / m) * w_rain}`` and ``info["reward_designs"]`` what
    every design pays (:mod:`rl_envs.pub.rewards`); ``reward=`` also takes a dict of weights over
    ``beer`` and ``rain`` or a callable of the components dict (:mod:`rl_envs.designs`).

    ## Starting State
    At the office, working; ``m`` uniform on {1, 2, 3}; rain with probability 0.4.

    ## Episode End
    - Termination: you reach home.
    - Truncation: ``max_episode_steps`` at registration (50); ``step`` never truncates.

    ## Arguments
    | Argument | Default | Meaning |
    |----------|---------|---------|
    | ``markov`` | True | observe the whole state (True) or hide the weather (False) |
    | ``reward`` | ``"beer_minus_rain"`` | ``"beer_minus_rain"``, ``"beer_only"``, a dict of weights over ``beer``, ``rain``, or a callable of the components dict |
    | ``render_mode`` | None | ``"ansi"``, ``"rgb_array"`` or ``"human"`` |

    >>> import gymnasium as gym, rl_envs
    >>> env = gym.make("RLEnvs/CambridgePub-v0", render_mode="ansi")
    >>> obs, info = env.reset(seed=2)
    >>> env.unwrapped.decode(obs)
    State(place=<Place.OFFICE: 0>, motivation=1, weather=<Weather.RAIN: 1>, activity=<Activity.WORKING: 0>)
    >>> obs, reward, terminated, truncated, info = env.step(Choice.HOME)
    >>> reward, terminated, info["reward_components"]
    (-100.0, True, {'beer': 0.0, 'rain': -100.0})
    >>> info["reward_designs"]
    {'beer_minus_rain': -100.0, 'beer_only': 0.0}

    ## Version History
    - v0: initial version.
    """

    Actions = Choice
    DESIGNS = rewards.DESIGNS

    @known_options
    def __init__(self, markov: bool = True, reward: RewardDesign = "beer_minus_rain",
                 render_mode: str | None = None) -> None:
        self.markov = check_bool("markov", markov)
        self.reward = resolve(reward, rewards.DESIGNS, rewards.COMPONENTS)
        start = np.array([
            (1.0 / len(MOTIVATIONS)) * (START_RAIN_PROB if s.weather == Weather.RAIN else 1.0 - START_RAIN_PROB)
            if s.place == Place.OFFICE else 0.0
            for s in STATES
        ])
        super().__init__(
            P=self._build_model(),
            initial_distribution=start,
            num_observations=len(STATES) if self.markov else len(HIDDEN_WEATHER_OBS),
            render_mode=render_mode,
        )

    @staticmethod
    def decode(state: int) -> State:
        return STATES[int(state)]

    def reward_components(self, state: int, action: int, next_state: int) -> dict[str, float]:
        s, s2 = STATES[state], STATES[next_state]
        if s.place == Place.HOME:
            return dict(rewards.ABSORBED)
        return rewards.components(drinks(s2), km_in_rain(s, s2), s.motivation)

    def _build_model(self) -> Model:
        P: Model = []
        for i, s in enumerate(STATES):
            if s.place == Place.HOME:
                P.append([[(1.0, i, 0.0, True)] for _ in Choice])
                continue
            row = []
            for a in Choice:
                transitions = []
                for prob, s2 in outcomes(s, a):
                    j = STATE_INDEX[s2]
                    reward = self.reward(self.reward_components(i, a, j))
                    transitions.append((prob, j, reward, s2.place == Place.HOME))
                row.append(merge_outcomes(transitions))
            P.append(row)
        return P

    def observe(self, state: int) -> int:
        if self.markov:
            return int(state)
        s = STATES[state]
        return HIDDEN_WEATHER_INDEX[(s.place, s.motivation, s.activity)]

    def render_ansi(self) -> str:
        return render.ansi(None if self.s is None else STATES[self.s])

    def render_rgb(self) -> np.ndarray:
        return render.rgb(None if self.s is None else STATES[self.s])

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """``p`` for the pub, ``h`` for home."""
        pg = pygame()
        return {(pg.K_p,): Choice.PUB, (pg.K_h,): Choice.HOME}
