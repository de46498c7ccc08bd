"""RLEnvs/Mario-v0: Super Mario Bros with configurable state, action and reward designs."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded
from gymnasium.wrappers import FrameStackObservation, ResizeObservation

from rl_envs.extras import missing

try:  # the 'mario' extra; without it, making the env says which extra to install
    import cv2  # noqa: F401  (Gymnasium's ResizeObservation, the "dqn" state)
    from gym_super_mario_bros import SuperMarioBrosEnv
    from nes_py.nes_env import (
        OBSERVATION_MODE_GRAYSCALE,
        OBSERVATION_MODE_RGB_ARRAY_CONTIGUOUS,
        SCREEN_SHAPE_24_BIT,
        SCREEN_SHAPE_GRAYSCALE,
    )
except ModuleNotFoundError as error:
    raise missing(error.name, "mario", "RLEnvs/Mario-v0") from None

from rl_envs.designs import RewardDesign, design_values, resolve
from rl_envs.errors import check_open
from rl_envs.mario import demonstrations, rewards
from rl_envs.mario.actions import ACTION_DESIGNS, BUTTON_BITS, PAD_BUTTONS
from rl_envs.mario.ram import MarioRAM, RamVector, StageMemory, ram_bounds, ram_field_names
from rl_envs.mario.rewards import Snapshot, components
from rl_envs.mario.starts import SCHEDULES, SPACING_FRAMES, StartSampler
from rl_envs.mario.states import MarioState, load
from rl_envs.mario.tiles import TileGrid
from rl_envs.options import check_bool, check_choice, check_number, check_render_mode, known_options
from rl_envs.pygame_utils import pygame
from rl_envs.window import close_window, show_human

STATE_DESIGNS = ("ram", "tiles", "pixels", "pixels_pair", "dqn")
END_ON = ("life", "game_over")
STAGE_PATTERN = re.compile(r"^([1-8])-([1-4])$")
NES_FPS = 60
DQN_SIZE = (84, 84)
DQN_STACK = 4
DQN_FRAME_SKIP = 4
MAX_NOOP_START = 1000
START_KINDS = ("level", "demo")  # or a path to a state file
# What info passes on from the library's (the emulator object has the rest).
LIBRARY_INFO_KEYS = ("x_pos", "y_pos", "score", "coins", "time", "life", "world", "stage", "flag_get", "status")


def parse_stage(stage: Any) -> tuple[int, int] | None:
    """``"W-S"`` -> (world, stage); ``"all"`` -> None (the whole game)."""
    if isinstance(stage, str) and stage == "all":
        return None
    match = STAGE_PATTERN.match(stage) if isinstance(stage, str) else None
    if match is None:
        raise ValueError(f"stage must be 'W-S' with world 1-8 and stage 1-4 (e.g. '1-1'), or 'all' for the whole "
                         f"game; got {stage!r}")
    return int(match[1]), int(match[2])


class Emulator(SuperMarioBrosEnv):
    """The library's env, with what it lacks: a single stage played until game over, and Mario's
    x read with a signed page (:attr:`MarioRAM.x_position`), which the library's ``info["x_pos"]``,
    its progress reward and its furthest-x bookkeeping all read through ``_x_position``."""

    def __init__(self, target: tuple[int, int] | None, end_on: str) -> None:
        self.end_on = end_on
        super().__init__(target=target)

    @property
    def _x_position(self) -> int:
        return MarioRAM(self.ram).x_position

    def _get_terminated(self) -> bool:
        cleared = self.is_single_stage_env and self._flag_get
        if self.end_on == "life":
            return self._is_dying or self._is_dead or cleared
        return self._is_game_over or cleared


class MarioEnv(gym.Env):
    """
    ## Description
    Super Mario Bros on the NES (gym-super-mario-bros 9 and nes-py 9), with the lecture's state,
    action and reward designs as options, so they can be compared on one game. Made through
    :func:`make_mario` (``gym.make("RLEnvs/Mario-v0", ...)``), which adds the Gymnasium
    wrappers the pixel designs need.

    ## Action Space (``actions=``)
    | design | space | actions |
    |--------|-------|---------|
    | ``"buttons"`` | ``Discrete(6)`` | one button at a time: 0 A, 1 B, 2 up, 3 down, 4 left, 5 right |
    | ``"multibinary"`` | ``MultiBinary(6)`` | any combination of A, B, up, down, left, right (in that order) |
    | ``"factored"`` | ``MultiDiscrete([5, 4])`` | {none, up, down, left, right} x {none, a, b, a+b} |
    | ``"right_only"`` | ``Discrete(5)`` | the library's RIGHT_ONLY: NOOP, right, right+A, right+B, right+A+B |
    | ``"simple"`` (default) | ``Discrete(7)`` | SIMPLE_MOVEMENT: RIGHT_ONLY + A, left |
    | ``"complex"`` | ``Discrete(12)`` | COMPLEX_MOVEMENT: SIMPLE + left+A, left+B, left+A+B, down, up |
    | ``"nes"`` | ``MultiBinary(8)`` | the whole pad: A, B, select, start, up, down, left, right (keyboard play) |

    ## Observation Space (``state=``)
    | design | markov=True | markov=False |
    |--------|-------------|--------------|
    | ``"ram"`` (default) | ``Box((96,), float32)``, the table below | ``Box((84,), float32)``: no velocities |
    | ``"tiles"`` | ``Box(0, 1, (1872,), float32)``: 9 x 13 x 16 cells, the screen's blocks, Mario, enemies, and both one step earlier | ``(1456,)``: 7 x 13 x 16, no earlier positions |
    | ``"pixels"`` | ``Box(0, 255, (240, 256, 3), uint8)``: the frame | the same (one frame is already non-Markov) |
    | ``"pixels_pair"`` | ``(2, 240, 256, 3)``: the last two frames | ``(240, 256, 3)``: one frame |
    | ``"dqn"`` | ``(4, 84, 84)``: grayscale, resized, last 4 frames | ``(1, 84, 84)``: one frame |

    "ram" entries (``rl_envs.mario.ram.ram_field_names(markov)``), read after each step:

    | entries | source (RAM address) | scale |
    |---------|----------------------|-------|
    | ``mario_x`` | page 0x006D (signed) * 256 + 0x0086 (``info["x_pos"]``) | level pixels |
    | ``mario_y`` | screen 0x00B5 * 256 + 0x00CE | pixels from the top |
    | ``mario_x_velocity`` | 0x0057, signed | 1/16 pixel per frame |
    | ``mario_y_velocity`` | 0x009F signed + 0x0433 / 256 | pixels per frame, + is down |
    | ``enemy{0-4}_present`` | 0x000F-0x0013 | 0 or 1 |
    | ``enemy{i}_x`` | 0x006E+i * 256 + 0x0087+i | level pixels (0 when absent) |
    | ``enemy{i}_y`` | 0x00B6+i * 256 + 0x00CF+i | pixels from the top |
    | ``enemy{i}_x_velocity`` | 0x0058+i, signed | 1/16 pixel per frame |
    | ``enemy{i}_y_velocity`` | 0x00A0+i, signed | pixels per frame |
    | ``score``, ``coins``, ``time`` | 0x07DE (6 digits), 0x07ED (2), 0x07F8 (3), via the library | points, coins, clock ticks |
    | ``question_block_{0-31}_opened`` | metatiles 0x0500-0x069F: a "?" (0xC0/0xC1) turned empty (0xC4) | 0 or 1 |
    | ``goomba_{0-31}_squished`` | enemy type 0x0016+i = 0x06, state 0x001E+i = 0x04 | 0 or 1 |

    Blocks and Goombas are numbered in order of appearance in the stage (see
    :class:`rl_envs.mario.ram.StageMemory`): the lecture's S = {R4, R4, ..., Z+, Z+, Z+, {0,1}^k}.

    "tiles" (:mod:`rl_envs.mario.tiles`): the visible screen as 13 rows x 16 columns of 16-pixel
    blocks, read from the block buffer 0x0500-0x069F (a ring of two 16-column pages; the first
    column is the one under the screen's left edge, (0x071A * 256 + 0x071C) // 16; row r is screen
    pixels 32 + 16 r onwards), flattened; ``obs.reshape(env.unwrapped.tile_grid.shape)`` gives
    (channels, 13, 16). Each channel is 0 or 1 per cell:

    | channel | what | source |
    |---------|------|--------|
    | ``solid`` | ground, stairs, used blocks, bridges, cannons | metatiles the game treats as solid |
    | ``block`` | bricks and "?" blocks (what Mario's head hits) | 0x51-0x5E (not 0x54), 0xC0, 0xC1 |
    | ``pipe`` | pipes, up or sideways | 0x10-0x15, 0x1C-0x21, 0x6B, 0x6C |
    | ``coin`` | coins | 0xC2, 0xC3 |
    | ``climb`` | flagpole, vines, the axe | each palette group's climbable range, 0xC5 |
    | ``mario`` | Mario's cell (two when big) | x 0x006D/0x0086, y 0x00CE (on screen when 0x00B5 = 1), size 0x0754 |
    | ``enemies`` | each enemy slot's cell | 0x000F-0x0013 present, x 0x006E/0x0087+i, y 0x00CF+i |
    | ``mario_previous``, ``enemies_previous`` | the same one step earlier (``markov=True`` only): the motion | |

    Hidden blocks (0x5F, 0x60) read as empty, as the screen shows them. The grid alone cannot tell
    which way Mario moves; ``markov=True`` adds where he and the enemies were a step earlier.

    ## Rewards (``reward=``)
    | design | per step |
    |--------|----------|
    | ``"clear"`` | 1 when the level is beaten, else 0 |
    | ``"score"`` | the change in game score (the return is the final score) |
    | ``"clear_plus_score"`` | clear + 0.01 * score change |
    | ``"progress"`` (default) | the library's shaped reward (x progress, clock, death, score, coins, power-up, completion), clipped per frame to [-15, 15] |
    | ``"progress_unclipped"`` | the same, unclipped |
    | a dict | weights over the components: ``clear``, ``score``, ``x_progress``, ``clock``, ``death``, ``coins``, ``library``, ``library_unclipped`` |
    | a callable | ``f(components: dict) -> float`` |

    Whatever the design, ``info`` has ``reward_components`` and ``reward_designs`` (what every
    built-in design paid this step), ``x_progress``, ``frames`` (emulated this step), and from the
    library's info ``x_pos``, ``y_pos``, ``score``, ``coins``, ``time``, ``life``, ``world``,
    ``stage``, ``flag_get``, ``status``, so runs with different designs share metrics. ``x_pos``
    reads Mario's page signed: where a looping castle (4-4, 7-4, 8-4) sends Mario back 4 pages
    from the first 4, x goes below 0 instead of leaping to ~65,000 (and so do ``x_progress`` and
    the library's furthest x, which ``progress`` pays from).

    ## Starting State
    ``start="level"`` (default): the stage's start, after the library skips the title screen.
    Deterministic by default; ``noop_max=n`` idles a uniform 0..n frames first and
    ``sticky_actions=p`` repeats the previous frame's buttons with probability p each frame
    (Machado et al. 2018), both drawn from ``reset(seed=...)``'s generator.
    ``reset(options={"idle": k})`` idles exactly k frames instead (0 to 1000), e.g. to replay a
    demonstration from each start a ``noop_max`` evaluation plays.

    ``start="demo"``: each reset starts at a state along a demonstration (``demo=PATH``, or the
    one shipped for the stage in ``rl_envs/mario/demos/``), drawn uniformly from
    ``reset(seed=...)``'s generator among the states every 32 frames: a curriculum of starts
    that makes the far end of the level, and the sparse designs' rewards, reachable early.
    ``demo_schedule="mixed"`` starts half the episodes at the stage's start (where evaluations
    start) and the others as ``"uniform"``. ``demo_schedule="reverse"`` is a reverse curriculum
    instead (Salimans & Chen 2018): starts are drawn among the demonstration's states from a
    frontier to the flag; the frontier begins
    at the last state and moves one state back after 3 flags reached from it
    (``info["start"]["frontier"]``; each env of a vector env keeps its own).
    ``start=PATH``: every episode starts at that state file. ``info["start"]`` at reset says where
    (``kind``, ``frame`` since the stage's start, ``x_pos``). Evaluations and reported results
    start at ``"level"``.

    ``env.unwrapped.save_state()`` and ``load_state(state)`` go back to any moment
    (:mod:`rl_envs.mario.states`): the same actions then give the same observations, rewards and
    info, bit for bit. States pickle, and save to JSON files of controller bytes (no pickle).

    ## Episode End
    - Termination: the level is beaten (a single stage), or a life is lost (``end_on="life"``,
      default) or the game is over (``end_on="game_over"``).
    - Truncation: ``max_episode_steps`` at registration (10,000 agent steps, more than the
      in-game clock allows at ``frame_skip=1``); ``step`` never truncates.

    ## Arguments
    | Argument | Default | Valid |
    |----------|---------|-------|
    | ``state`` | ``"ram"`` | ``"ram"``, ``"tiles"``, ``"pixels"``, ``"pixels_pair"``, ``"dqn"`` |
    | ``actions`` | ``"simple"`` | the table above |
    | ``reward`` | ``"progress"`` | the table above |
    | ``markov`` | True | bool |
    | ``stage`` | ``"1-1"`` | ``"W-S"`` (W 1-8, S 1-4) or ``"all"`` |
    | ``frame_skip`` | 4 for ``"dqn"`` and ``"tiles"``, else 1 | integer >= 1: frames each action is held (rewards summed) |
    | ``end_on`` | ``"life"`` | ``"life"``, ``"game_over"`` |
    | ``noop_max`` | 0 | 0 to 1000 |
    | ``sticky_actions`` | 0.0 | [0, 1) |
    | ``start`` | ``"level"`` | ``"level"``, ``"demo"``, or a path to a state file of the stage |
    | ``demo`` | None | with ``start="demo"``: a demonstration file of the stage (None: the shipped one) |
    | ``demo_schedule`` | ``"uniform"`` | with ``start="demo"``: ``"uniform"``, ``"mixed"`` or ``"reverse"`` |
    | ``render_mode`` | None | ``"rgb_array"``, ``"human"`` |

    >>> import gymnasium as gym, rl_envs
    >>> env = gym.make("RLEnvs/Mario-v0", actions="right_only", reward="clear_plus_score")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, env.action_space
    ((96,), Discrete(5))
    >>> obs, reward, terminated, truncated, info = env.step(3)  # right + B
    >>> sorted(info["reward_designs"])
    ['clear', 'clear_plus_score', 'progress', 'progress_unclipped', 'score']
    >>> tiles = gym.make("RLEnvs/Mario-v0", state="tiles")
    >>> obs, info = tiles.reset(seed=0)
    >>> grid = obs.reshape(tiles.unwrapped.tile_grid.shape)
    >>> grid.shape, tiles.unwrapped.tile_grid.channels[:5]
    ((9, 13, 16), ('solid', 'block', 'pipe', 'coin', 'climb'))
    >>> int(grid[0, 11:].sum())  # the two rows of ground under Mario at the start of 1-1
    32

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array", "human"], "render_fps": NES_FPS, "turn_based": False}

    @known_options
    def __init__(
        self,
        state: str = "ram",
        actions: str = "simple",
        reward: RewardDesign = "progress",
        markov: bool = True,
        stage: str = "1-1",
        frame_skip: int | None = None,
        end_on: str = "life",
        noop_max: int = 0,
        sticky_actions: float = 0.0,
        start: str = "level",
        demo: str | None = None,
        demo_schedule: str = "uniform",
        render_mode: str | None = None,
    ) -> None:
        # What pickling rebuilds the env from (see __getstate__).
        self._options = {"state": state, "actions": actions, "reward": reward, "markov": markov, "stage": stage,
                         "frame_skip": frame_skip, "end_on": end_on, "noop_max": noop_max,
                         "sticky_actions": sticky_actions, "start": start, "demo": demo,
                         "demo_schedule": demo_schedule, "render_mode": render_mode}
        self.state_design = check_choice("state", state, STATE_DESIGNS)
        self.action_design = ACTION_DESIGNS[check_choice("actions", actions, ACTION_DESIGNS)]
        self.reward = resolve(reward, rewards.DESIGNS, rewards.COMPONENTS)
        self.markov = check_bool("markov", markov)
        self.target = parse_stage(stage)
        if frame_skip is None:
            frame_skip = DQN_FRAME_SKIP if self.state_design in ("dqn", "tiles") else 1
        self.frame_skip = check_number("frame_skip", frame_skip, low=1, integer=True)
        self.end_on = check_choice("end_on", end_on, END_ON)
        self.noop_max = check_number("noop_max", noop_max, low=0, high=MAX_NOOP_START, integer=True)
        self.sticky_actions = check_number("sticky_actions", sticky_actions, low=0.0, high=1.0, high_inclusive=False)
        self.start, self._start_frames = self._check_start(start, demo, stage)
        self._starts: list[MarioState] | None = None  # built at the first reset that needs them
        self.demo_schedule = check_choice("demo_schedule", demo_schedule, SCHEDULES)
        if self.demo_schedule != "uniform" and self.start != "demo":
            raise ValueError("demo_schedule orders starts along a demonstration; give start='demo' too")
        self._sampler: StartSampler | None = None  # built with the start states
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.action_space = copy.deepcopy(self.action_design.space)  # its own sampling generator
        self.ram_fields = ram_field_names(self.markov)
        self.emulator = Emulator(self.target, self.end_on)
        self.memory_ram = MarioRAM(self.emulator.ram)
        self.tile_grid = TileGrid(self.memory_ram, self.markov) if self.state_design == "tiles" else None
        self.ram_vector = RamVector(self.memory_ram, self.markov)
        self._tile_previous: np.ndarray | None = None  # "tiles", Markov: the sprites one step earlier
        if self.state_design == "ram":
            low, high = ram_bounds(self.ram_fields)
            self.observation_space = spaces.Box(low, high, dtype=np.float32)
        elif self.tile_grid is not None:
            # Flat: checkers and SB3 take any 3-d Box for a picture; reshape(tile_grid.shape) gives the grid.
            self.observation_space = spaces.Box(0.0, 1.0, (int(np.prod(self.tile_grid.shape)),), dtype=np.float32)
        elif self.state_design == "dqn":
            self.observation_space = spaces.Box(0, 255, SCREEN_SHAPE_GRAYSCALE, dtype=np.uint8)
        else:
            self.observation_space = spaces.Box(0, 255, SCREEN_SHAPE_24_BIT, dtype=np.uint8)
        noop = self.action_design.actions_with_buttons().get(frozenset())
        self.metadata = {**self.metadata, "render_fps": NES_FPS / self.frame_skip, "noop_action": noop}
        self._before: Snapshot | None = None
        self._library = self._library_unclipped = 0.0
        self._memory = StageMemory()
        self._memory_key: tuple | None = None
        self._last_info: dict = {}
        self._last_byte = 0
        self._window = None
        self._ended = False  # the last step terminated the episode
        self._frames: list[int] = []  # every controller byte fed to the emulator since the stage started

    # --- episode ----------------------------------------------------------------------------------
    @staticmethod
    def _check_start(start: Any, demo: Any, stage: Any) -> tuple[str, tuple[int, ...] | None]:
        """("level" | "demo" | "file", the frames to start along or at)."""
        if not isinstance(start, str) or not start:
            raise TypeError(f"start must be one of {', '.join(map(repr, START_KINDS))} or a path to a state file; "
                            f"got {start!r}")
        if demo is not None and start != "demo":
            raise ValueError("demo= is the demonstration that start='demo' starts along; give start='demo' too")
        if start == "level":
            return "level", None
        if start == "demo":
            if demo is not None and not isinstance(demo, str):
                raise TypeError(f"demo must be a path to a demonstration file or None (the shipped one); got {demo!r}")
            return "demo", demonstrations.read(demo, stage)[1].frames
        else:
            if not Path(start).is_file():
                raise ValueError(f"start must be one of {', '.join(map(repr, START_KINDS))} or a path to a state "
                                 f"file; {start!r} is neither")
            content = load(start)
        if content.stage != stage:
            raise ValueError(f"{demo or start} is a state of stage {content.stage}, but this env plays stage {stage}")
        return ("demo" if start == "demo" else "file"), content.frames

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        check_open(self)
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"reset options must be a dict or None (e.g. {{'idle': 30}}); got {options!r:.60} "
                            f"({type(options).__name__})")
        super().reset(seed=seed)
        self._ended = False
        idle = (options or {}).get("idle")
        if idle is not None:
            if self.start != "level":
                raise ValueError(f"reset option idle idles at the stage's start; this env has start={self.start!r}")
            check_number("idle", idle, low=0, high=MAX_NOOP_START, integer=True)
        if self.start == "level":
            return self._start_episode(idle)
        starts = self._start_states()
        if self.start == "file":
            index = 0
        else:
            if self._sampler is None:
                self._sampler = StartSampler(self.demo_schedule, len(starts))
            index = self._sampler.choose(self.np_random)
        self.load_state(starts[index], restore_rng=False)
        where = {"kind": self.start, "frame": len(starts[index].frames)}
        if self._sampler is not None and self._sampler.frontier is not None:
            where["frontier"] = self._sampler.frontier
        return self._begin_here(where)

    def _reset_emulator(self) -> dict:
        """The stage's start, with the bookkeeping of frames and returns emptied; the library's info."""
        self._frames = []
        _, info = self.emulator.reset()
        self._library = self._library_unclipped = 0.0
        self._last_byte, self._memory_key = 0, None
        return info

    def _start_episode(self, idle: int | None = None) -> tuple[Any, dict]:
        info = self._reset_emulator()
        if idle is None:
            idle = int(self.np_random.integers(0, self.noop_max + 1)) if self.noop_max else 0
        for _ in range(idle):
            _, _, terminated, _, info = self.emulator.step(0)
            self._frames.append(0)
            if terminated:  # idling cannot end a stage start; if it ever did, start again plainly
                info = self._reset_emulator()
                break
        self._remember(info)
        return self._begin_here({"kind": "level", "frame": len(self._frames)})

    def _begin_here(self, start: dict[str, Any]) -> tuple[Any, dict]:
        """An episode starts at the emulator's present moment: returns count from here."""
        self._library = self._library_unclipped = 0.0
        self._before = self._snapshot(self._last_info)
        self._tile_previous = self._sprites()
        info = self._info(self._last_info, {name: 0.0 for name in components(self._before, self._before)})
        info["start"] = {**start, "x_pos": int(self._last_info["x_pos"])}
        return self._observe(), info

    def _start_states(self) -> list[MarioState]:
        """The states an episode may start at: along the demonstration, every SPACING_FRAMES
        frames (:func:`rl_envs.mario.demonstrations.start_states`), or the state file's one
        (replayed once, then kept)."""
        if self._starts is None:
            if self.start == "demo":
                self._starts = demonstrations.start_states(self, self._start_frames, SPACING_FRAMES)
            else:
                try:
                    self._replay(self._start_frames)
                except ValueError:
                    raise ValueError(f"{self._options['start']}: the episode ends before its last frame") from None
                self._starts = [replace(self.save_state(), rng=None)]
        return self._starts

    def advance_frame(self, byte: int) -> tuple[bool, dict]:
        """One emulated frame with ``byte`` on the pad, through the env's bookkeeping (returns,
        stage memory, the snapshot the next reward starts from) but no observation: what replays
        frames into save states. (terminated, the library's info)."""
        terminated, info = self._advance(byte)
        self._remember(info)
        self._before = self._snapshot(info)
        return terminated, info

    def restart_stage(self) -> None:
        """The stage's start, through the env's bookkeeping (the first of :meth:`advance_frame`'s frames)."""
        self._replay(())

    # --- save states ------------------------------------------------------------------------------
    def action_for_byte(self, byte: int) -> Any:
        """The action that puts ``byte`` on the pad for one frame: what replays a demonstration
        (``actions="nes"`` and ``frame_skip=1`` only: other designs cannot press every combination)."""
        if self.action_design.name != "nes" or self.frame_skip != 1:
            raise ValueError("replaying controller bytes needs actions='nes' and frame_skip=1 (rl-envs play's "
                             f"defaults for Mario); this env has actions={self.action_design.name!r}, "
                             f"frame_skip={self.frame_skip}")
        return np.array([1 if byte & BUTTON_BITS[b] else 0 for b in PAD_BUTTONS], dtype=np.int8)

    @property
    def stage(self) -> str:
        """The stage played, as given (``"W-S"`` or ``"all"``)."""
        return self._options["stage"]

    @property
    def frames(self) -> tuple[int, ...]:
        """Every controller byte fed to the emulator since the stage started (what a state file holds)."""
        return tuple(self._frames)

    def save_state(self) -> MarioState:
        """This moment of the episode (:class:`rl_envs.mario.states.MarioState`): loading it
        and taking the same actions gives the same observations, rewards and info, bit for bit.
        Wrappers keep their own buffers: a frame stack (``state="dqn"``) refills after 4 steps."""
        check_open(self)
        if self._before is None:
            raise ResetNeeded("save_state() needs a running episode: call reset() first")
        fields = {k: copy.deepcopy(v) for k, v in vars(self.emulator).items()
                  if isinstance(v, (bool, int, float, str, dict))}
        bookkeeping = {"library": self._library, "library_unclipped": self._library_unclipped,
                       "memory": copy.deepcopy(self._memory), "memory_key": self._memory_key,
                       "last_info": copy.deepcopy(self._last_info), "last_byte": self._last_byte,
                       "before": self._before, "tile_previous": copy.deepcopy(self._tile_previous)}
        return MarioState(stage=self._options["stage"], frames=tuple(self._frames), emulator=fields,
                          env=bookkeeping, rng=copy.deepcopy(self.np_random.bit_generator.state),
                          snapshot=self.emulator.dump_state())

    def load_state(self, state: MarioState, restore_rng: bool = True) -> Any:
        """Go back to ``state`` (from :meth:`save_state`, a pickle of one, or a state file's
        :meth:`~rl_envs.mario.states.Demonstration.state`); returns the observation there."""
        check_open(self)
        if not isinstance(state, MarioState):
            raise TypeError(f"load_state takes a MarioState (from save_state), not {type(state).__name__}")
        if state.stage != self._options["stage"]:
            raise ValueError(f"the state is of stage {state.stage}, but this env plays stage {self._options['stage']}")
        if state.env is None:  # a file's: only frames, the rest is rebuilt by playing them
            self._replay(state.frames)
            self._tile_previous = self._sprites()
        else:
            if state.snapshot is not None:
                self.emulator.load_state(state.snapshot)
            else:  # unpickled: the native snapshot stayed in its process
                self.emulator.reset()
                for byte in state.frames:
                    self.emulator.step(byte)
            for name, value in state.emulator.items():
                setattr(self.emulator, name, copy.deepcopy(value))
            self._frames = list(state.frames)
            saved = state.env
            self._library, self._library_unclipped = saved["library"], saved["library_unclipped"]
            self._memory, self._memory_key = copy.deepcopy(saved["memory"]), saved["memory_key"]
            self._last_info, self._last_byte = copy.deepcopy(saved["last_info"]), saved["last_byte"]
            self._before = saved["before"]
            self._tile_previous = copy.deepcopy(saved.get("tile_previous"))
        if restore_rng and state.rng is not None:
            self.np_random.bit_generator.state = copy.deepcopy(state.rng)
        return self._observe()

    def _advance(self, byte: int) -> tuple[bool, dict]:
        """One emulated frame with ``byte`` on the pad, and the library's rewards of it."""
        _, clipped, terminated, _, info = self.emulator.step(byte)
        self._frames.append(byte)
        self._library += clipped
        self._library_unclipped += info["reward_total_unclipped"]
        return terminated, info

    def _replay(self, frames: tuple[int, ...]) -> None:
        """The stage's start, then ``frames``, through this env's bookkeeping."""
        info = self._reset_emulator()
        self._remember(info)
        for byte in frames:
            terminated, info = self._advance(byte)
            self._remember(info)
            if terminated:
                raise ValueError(f"the state's frames end the episode after {len(self._frames)} of {len(frames)}")
        self._last_byte = frames[-1] if frames else 0
        self._before = self._snapshot(info)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        check_open(self)
        if self._before is None:
            if self._ended:
                raise ResetNeeded("the episode has ended (step returned terminated=True): call reset() to start "
                                  "another before step()")
            raise ResetNeeded("Cannot call step() before reset()")
        pressed = self.action_design.to_byte(action)  # an invalid action raises here, before any change
        self._tile_previous = self._sprites()
        terminated, frames = False, 0
        for _ in range(self.frame_skip):
            sticky = self.sticky_actions and self.np_random.random() < self.sticky_actions
            self._last_byte = self._last_byte if sticky else pressed
            terminated, info = self._advance(self._last_byte)
            frames += 1
            if self.render_mode == "human":
                self.render()
            if terminated:
                break
        after = self._snapshot(info)
        parts = components(self._before, after)
        self._before = after
        self._remember(info)
        info = self._info(info, parts)
        info["frames"] = frames
        if terminated:
            self._before, self._ended = None, True  # the emulator refuses steps after the end: reset first
            if self._sampler is not None:
                self._sampler.episode_ended(bool(info["flag_get"]))
        return self._observe(), self.reward(parts), terminated, False, info

    def _snapshot(self, info: dict) -> Snapshot:
        return Snapshot(x=info["x_pos"], score=info["score"], coins=info["coins"], time=info["time"],
                        flag=bool(info["flag_get"]), dying=bool(info["is_dying"] or info["is_dead"]),
                        library=self._library, library_unclipped=self._library_unclipped)

    def _remember(self, info: dict) -> None:
        self._last_info = info
        if self.state_design != "ram":
            return
        # A new stage or a lost life (the stage restarts) starts a new memory.
        key = (info["world"], info["stage"], info["life"])
        if key != self._memory_key:
            self._memory, self._memory_key = StageMemory(), key
        self._memory.update(self.memory_ram)

    def _info(self, info: dict, parts: dict[str, float]) -> dict:
        # A lean info: vector envs merge every key of every step in the main process.
        out = {key: info[key] for key in LIBRARY_INFO_KEYS}
        out["reward_components"] = parts
        out["reward_designs"] = design_values(rewards.DESIGNS, parts)
        out["x_progress"] = parts["x_progress"]
        return out

    # --- observation ------------------------------------------------------------------------------
    def _sprites(self) -> np.ndarray | None:
        """Mario's and the enemies' cells ("tiles", Markov: the next observation's motion channels)."""
        if self.tile_grid is None or not self.markov or not self._last_info:
            return None
        return self.tile_grid.sprites(int(self._last_info["x_pos"]))

    def _observe(self) -> np.ndarray:
        if self.state_design == "ram":
            return self.ram_vector.observe(self._last_info, self._memory)
        if self.tile_grid is not None:
            previous = self._tile_previous if self._tile_previous is not None else self._sprites()
            return self.tile_grid.observe(int(self._last_info["x_pos"]), previous).reshape(-1)
        if self.state_design == "dqn":
            return self.emulator.observation(OBSERVATION_MODE_GRAYSCALE)
        return self.emulator.observation(OBSERVATION_MODE_RGB_ARRAY_CONTIGUOUS)

    # --- rendering and play -----------------------------------------------------------------------
    def render(self) -> np.ndarray | None:
        check_open(self)
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='rgb_array' or 'human'")
            return None
        frame = self.emulator.observation(OBSERVATION_MODE_RGB_ARRAY_CONTIGUOUS)
        if self.render_mode == "rgb_array":
            return frame
        show_human(self, frame, "rl-envs: Super Mario Bros", NES_FPS)
        return None

    def close(self) -> None:
        close_window(self)
        if self.emulator._env is not None:  # nes-py refuses to close twice
            self.emulator.close()
        self.closed = True

    # --- pickling and copying ---------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The emulator lives in C memory, so a pickle holds the options and a save state, whose
        frames :meth:`__setstate__` replays into a fresh emulator (the game is deterministic)."""
        running = not getattr(self, "closed", False) and self._before is not None
        return {"options": self._options, "state": self.save_state() if running else None,
                "np_random": self.np_random.bit_generator.state if self._np_random is not None else None,
                "np_random_seed": getattr(self, "_np_random_seed", None), "closed": getattr(self, "closed", False)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["options"])
        if state["closed"]:
            self.close()
            return
        if state["np_random"] is not None:
            generator = np.random.Generator(getattr(np.random, state["np_random"]["bit_generator"])())
            generator.bit_generator.state = state["np_random"]
            self._np_random, self._np_random_seed = generator, state["np_random_seed"]
        if state["state"] is not None:
            self.load_state(state["state"])

    def key_help(self) -> str:
        """The keys of :meth:`get_keys_to_action`, as the play window's help line says them."""
        return "arrows: move  x: A (jump)  z: B (run)  Enter: start  right Shift: select"

    def get_keys_to_action(self) -> dict[tuple[int, ...], Any]:
        """NES pad on the keyboard: arrows, x = A (jump), z = B (run), Enter = start, right Shift = select.

        Only combinations the action design has are mapped; no key is the design's NOOP, if any.
        """
        pg = pygame()
        keys = {"A": pg.K_x, "B": pg.K_z, "start": pg.K_RETURN, "select": pg.K_RSHIFT,
                "up": pg.K_UP, "down": pg.K_DOWN, "left": pg.K_LEFT, "right": pg.K_RIGHT}
        return {tuple(sorted(keys[b] for b in buttons)): action
                for buttons, action in self.action_design.actions_with_buttons().items() if buttons}


class Resize(ResizeObservation):
    """Gymnasium's ResizeObservation, picklable: its transform is a lambda, so a pickle holds the
    wrapped env and the size, and the wrapper is built again from them."""

    def __reduce__(self) -> tuple:
        return (type(self), (self.env, self.shape))


def make_mario(**options: Any) -> gym.Env:
    """The entry point of RLEnvs/Mario-v0: :class:`MarioEnv` (whose docstring lists the options)
    plus Gymnasium's wrappers for the pixel designs (``ResizeObservation`` to 84x84 and
    ``FrameStackObservation``)."""
    base = MarioEnv(**options)
    if base.state_design == "pixels_pair" and base.markov:
        return FrameStackObservation(base, 2)
    if base.state_design == "dqn":
        return FrameStackObservation(Resize(base, DQN_SIZE), DQN_STACK if base.markov else 1)
    return base
