"""The grid-world engine: one class, every layout (see ``layouts.py``)."""

from __future__ import annotations

import numpy as np

from rl_envs.designs import RewardDesign, resolve
from rl_envs.grid import render, rewards
from rl_envs.grid.layout import Layout, parse_layout
from rl_envs.grid.layouts import LAYOUTS
from rl_envs.grid.moves import MOVE_OFFSET, PERPENDICULAR, Move
from rl_envs.options import check_bool, check_choice, check_number, known_options
from rl_envs.pygame_utils import pygame
from rl_envs.tabular import Model, TabularEnv, merge_outcomes

NUM_WALL_PATTERNS = 2 ** len(Move)  # markov=False observes one blocked/open bit per direction


class GridWorldEnv(TabularEnv):
    """
    ## Description
    The lecture's grid world: the agent moves between the cells of a small grid and must reach a
    terminal (greyed) cell in as few actions as possible. The default layout is the lecture's
    figure, 12 states in 3 rows x 4 columns with terminal cells in opposite corners::

        T . . .
        . . . .
        . . . T

    Any layout can be given (see :mod:`rl_envs.grid.layout` for the cell syntax: free cells,
    walls, start cells, terminal cells and reward cells). ``RLEnvs/CheeseMaze-v0`` is this engine
    with another layout.

    ## Action Space
    ``Discrete(4)``, the IntEnum :class:`Move`:

    | Num | Action |
    |-----|--------|
    | 0   | RIGHT  |
    | 1   | LEFT   |
    | 2   | UP     |
    | 3   | DOWN   |

    With probability ``1 - slip`` the agent moves as chosen; otherwise it slips to one of the two
    perpendicular directions (probability ``slip / 2`` each). A move into a wall or off the grid
    leaves it in place.

    ## Observation Space
    | markov | Space | Observation |
    |--------|-------|-------------|
    | True   | ``Discrete(rows * cols)`` | the cell, ``row * cols + col`` (rows from the top) |
    | False  | ``Discrete(16)`` | local sensing only: bit ``i`` is set when the neighbour in direction ``Move(i)`` is a wall or off the grid |

    With ``markov=False`` different cells look alike (every inner cell of the default grid
    observes 0), so the observation no longer determines the next state's distribution.
    Dynamics, rewards and episode ends are unchanged.

    ## Rewards (``reward=``)
    | Design | Pays |
    |--------|------|
    | ``"step_cost"`` (default) | ``step_reward`` (default -1) on every transition plus the reward of the cell it ends on (0 for plain cells, ``n`` for ``T+n`` and ``+n`` cells) |
    | ``"goal"`` | 1 on entering a terminal cell, 0 otherwise |

    ``info["reward_components"]`` is ``{"step": step_reward, "cell": cell reward, "goal": 0 or 1}``
    and ``info["reward_designs"]`` what every design pays for the step
    (see :mod:`rl_envs.grid.rewards`).

    ## Starting State
    Uniform over the ``S`` cells, or over every free non-terminal cell if the layout has none
    (the environment chooses; reproducible with ``reset(seed=...)``).

    ## Episode End
    - Termination: the agent enters a terminal cell.
    - Truncation: ``max_episode_steps`` set at registration (100 for ``RLEnvs/GridWorld-v0``);
      ``step`` itself always returns ``truncated=False``.

    ## Exact model
    ``env.unwrapped.P[s][a]`` is a list of ``(prob, next_state, reward, terminated)`` as in
    FrozenLake, for any layout and slip. Terminal cells and walls are absorbing with reward 0
    (walls are never reached).

    ## Arguments
    | Argument | Default | Meaning |
    |----------|---------|---------|
    | ``layout`` | ``"lecture_3x4"`` | list of row strings, or a name: ``"lecture_3x4"``, ``"cheese_maze"`` |
    | ``reward`` | ``"step_cost"`` | ``"step_cost"``, ``"goal"``, a dict of weights over ``step``, ``cell``, ``goal``, or a callable of the components dict (:mod:`rl_envs.designs`) |
    | ``step_reward`` | -1.0 | the ``step`` component: paid on every transition |
    | ``slip`` | 0.0 | probability in [0, 1] that a move goes sideways |
    | ``markov`` | True | observe the cell (True) or only the surrounding walls (False) |
    | ``render_mode`` | None | ``"ansi"``, ``"rgb_array"`` or ``"human"`` |

    ``env.unwrapped.set_overlay(policy=..., values=...)`` draws a policy (arrows) and a value
    function (numbers or heat) on later renders.

    >>> import gymnasium as gym, rl_envs
    >>> env = gym.make("RLEnvs/GridWorld-v0")
    >>> obs, info = env.reset(seed=0)
    >>> env.observation_space, env.action_space
    (Discrete(12), Discrete(4))
    >>> env.unwrapped.P[1][Move.LEFT]  # one step left of cell 1 is the terminal corner
    [(1.0, 0, -1.0, True)]
    >>> gym.make("RLEnvs/GridWorld-v0", reward="goal").unwrapped.P[1][Move.LEFT]  # +1 at the goal instead
    [(1.0, 0, 1.0, True)]
    >>> print(gym.make("RLEnvs/GridWorld-v0", render_mode="ansi").unwrapped.render())
    T . . .
    . . . .
    . . . T

    ## Version History
    - v0: initial version.
    """

    Actions = Move
    DESIGNS = rewards.DESIGNS

    @known_options
    def __init__(
        self,
        layout: list[str] | str | None = None,
        step_reward: float = -1.0,
        reward: RewardDesign = "step_cost",
        slip: float = 0.0,
        markov: bool = True,
        render_mode: str | None = None,
    ) -> None:
        if isinstance(layout, str):
            layout = LAYOUTS[check_choice("layout", layout, LAYOUTS)]
        self.layout: Layout = parse_layout(LAYOUTS["lecture_3x4"] if layout is None else layout)
        self.step_reward = check_number("step_reward", step_reward)
        self.reward = resolve(reward, rewards.DESIGNS, rewards.COMPONENTS)
        self.slip = check_number("slip", slip, low=0.0, high=1.0)
        self.markov = check_bool("markov", markov)
        self.nrow, self.ncol = self.layout.shape
        self._wall_pattern = np.array([self._blocked_bits(s) for s in range(self.layout.num_cells)])
        start = self.layout.start.ravel().astype(np.float64)
        super().__init__(
            P=self._build_model(),
            initial_distribution=start / start.sum(),
            num_observations=self.layout.num_cells if self.markov else NUM_WALL_PATTERNS,
            render_mode=render_mode,
        )
        self.overlay_policy: np.ndarray | None = None
        self.overlay_values: np.ndarray | None = None
        self.overlay_value_style = "numbers"

    # --- model ---------------------------------------------------------------------------------
    def to_cell(self, state: int) -> tuple[int, int]:
        return divmod(int(state), self.ncol)

    def to_state(self, row: int, col: int) -> int:
        return row * self.ncol + col

    def move(self, state: int, direction: Move) -> int:
        """The cell reached by a deterministic move (walls and edges leave the agent in place)."""
        row, col = self.to_cell(state)
        dr, dc = MOVE_OFFSET[direction]
        r, c = row + dr, col + dc
        if 0 <= r < self.nrow and 0 <= c < self.ncol and not self.layout.wall[r, c]:
            return self.to_state(r, c)
        return state

    def is_absorbing(self, state: int) -> bool:
        row, col = self.to_cell(state)
        return bool(self.layout.terminal[row, col] or self.layout.wall[row, col])

    def reward_components(self, state: int, action: int, next_state: int) -> dict[str, float]:
        if self.is_absorbing(state):
            return dict(rewards.ABSORBED)
        return rewards.components(self.step_reward, float(self.layout.cell_reward.flat[next_state]),
                                  bool(self.layout.terminal.flat[next_state]))

    def _build_model(self) -> Model:
        P: Model = []
        for s in range(self.layout.num_cells):
            if self.is_absorbing(s):
                P.append([[(1.0, s, 0.0, True)] for _ in Move])
                continue
            row = []
            for a in Move:
                intended = [(1.0 - self.slip, a)] + [(self.slip / 2, side) for side in PERPENDICULAR[a]]
                outcomes = []
                for prob, direction in intended:
                    s2 = self.move(s, direction)
                    reward = self.reward(self.reward_components(s, a, s2))
                    outcomes.append((prob, s2, reward, bool(self.layout.terminal.flat[s2])))
                row.append(merge_outcomes(outcomes))
            P.append(row)
        return P

    # --- observation ----------------------------------------------------------------------------
    def _blocked_bits(self, state: int) -> int:
        return sum(1 << int(d) for d in Move if self.move(state, d) == state)

    def observe(self, state: int) -> int:
        return int(state) if self.markov else int(self._wall_pattern[state])

    # --- rendering and play ----------------------------------------------------------------------
    def set_overlay(
        self,
        policy: np.ndarray | None = None,
        values: np.ndarray | None = None,
        value_style: str = "numbers",
    ) -> None:
        """Draw ``policy`` and ``values`` on later renders (``None`` clears them).

        ``policy`` is one action per state, shape (nS,), or action probabilities, shape (nS, nA):
        an arrow is drawn for every action with non-zero probability, its length proportional
        to the probability. ``values`` has shape (nS,); ``value_style`` is ``"numbers"``,
        ``"heat"`` or ``"both"``.
        """
        self.overlay_policy = None if policy is None else render.policy_probabilities(policy, self.nS, self.nA)
        self.overlay_values = None if values is None else render.check_values(values, self.nS)
        self.overlay_value_style = render.check_value_style(value_style)

    def render_ansi(self) -> str:
        return render.ansi(self)

    def render_rgb(self) -> np.ndarray:
        return render.rgb(self)

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Arrow keys, for ``rl-envs play`` and ``gymnasium.utils.play.play``."""
        pg = pygame()
        return {(pg.K_RIGHT,): Move.RIGHT, (pg.K_LEFT,): Move.LEFT, (pg.K_UP,): Move.UP, (pg.K_DOWN,): Move.DOWN}
