"""Play any registered environment by hand: ``rl-envs play ENV_ID`` (:class:`PlayArgs`).

A pygame window shows the environment with the step reward, its components and the return so
far. Turn-based environments (``metadata["turn_based"]``) step once per key press; real-time
ones step every frame with the keys held (``metadata["noop_action"]`` when none is). Episodes
reset by themselves; Esc or closing the window quits. ``--ansi`` plays a tabular environment in
the terminal instead. Keys come from each environment's ``get_keys_to_action()``, the same map
Gymnasium's own ``gymnasium.utils.play.play`` reads.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import gymnasium as gym
import numpy as np

from rl_envs.mario.demonstrations import actions_of, replay
from rl_envs.mario.states import Demonstration, load
from rl_envs.pygame_utils import font, pygame
from rl_envs.registry import entry, play_kwargs

FONT_PX = 22
PANEL_LINE_PX = 24
# The panel keeps room for this many lines whatever it shows, and never shrinks, so the window
# keeps its size (and its place, and the keys held) over episodes: pygame re-creates a window
# to resize it.
PANEL_LINES = 6
MIN_WIDTH_PX = 640  # Mario's 256-pixel screen at 2.5x
IDLE_WAIT_MS = 50  # nothing to step (turn-based, or a paused cart-pole): sleep until a key, at most this
# Keys as a player names them.
KEY_WORDS = {"right": "->", "left": "<-", "up": "^", "down": "v", "return": "Enter", "right shift": "right Shift",
             "space": "Space"}
# Escape sequences of the arrow keys in a terminal (lower-cased), for --ansi play.
ARROW_SEQUENCES = {"\x1b[a": "up", "\x1b[b": "down", "\x1b[c": "right", "\x1b[d": "left"}


def signed(value: float, digits: int = 3) -> str:
    """``+1.5``, ``-2``, and ``+0`` for minus zero.

    >>> signed(-0.0), signed(-1e-12, 2), signed(2.5)
    ('+0', '-1e-12', '+2.5')
    """
    return f"{value + 0.0 if value else 0.0:+.{digits}g}"


@dataclass
class Scoreboard:
    """What the player sees besides the picture: the last step and the running episode."""

    episode: int = 1
    steps: int = 0
    last_reward: float = 0.0
    episode_return: float = 0.0
    components: dict[str, float] = field(default_factory=dict)
    design_returns: dict[str, float] = field(default_factory=dict)
    finished_returns: list[float] = field(default_factory=list)

    def record(self, reward: float, info: dict) -> None:
        self.steps += 1
        self.last_reward = float(reward)
        self.episode_return += float(reward)
        self.components = dict(info.get("reward_components", {}))
        # Envs with several reward designs report what each would have paid: keep their returns.
        for design, value in info.get("reward_designs", {}).items():
            self.design_returns[design] = self.design_returns.get(design, 0.0) + float(value)

    def end_episode(self) -> None:
        self.finished_returns.append(self.episode_return)
        self.episode += 1
        self.steps, self.episode_return, self.last_reward, self.components = 0, 0.0, 0.0, {}
        self.design_returns = {}

    def lines(self) -> list[str]:
        parts = ", ".join(f"{k} {signed(v)}" for k, v in self.components.items())
        last = f"last episode return {signed(self.finished_returns[-1])}" if self.finished_returns else ""
        lines = [
            f"episode {self.episode}  step {self.steps}  {last}",
            f"reward {signed(self.last_reward)}  return {signed(self.episode_return)}",
            parts,
        ]
        if self.design_returns:
            lines.append("return by design: " + ", ".join(f"{k} {signed(v, 4)}" for k, v in self.design_returns.items()))
        return lines


def key_names(keys_to_action: dict[tuple[int, ...], Any]) -> str:
    """``->: RIGHT  <-: LEFT``: each key combination and its action, keys named as a player says them."""
    name = pygame().key.name
    return "  ".join(f"{'+'.join(KEY_WORDS.get(name(k), name(k)) for k in keys)}: {action_label(a)}"
                     for keys, a in keys_to_action.items())


def key_help(env: gym.Env) -> str:
    """The help line: the env's own words where it has them (Mario: the NES pad), else the key map."""
    own = getattr(env.unwrapped, "key_help", None)
    return (own() if own else key_names(env.get_wrapper_attr("get_keys_to_action")())) + "  Esc: quit"


def wrap(lines: list[str], text_font: Any, width: int) -> list[str]:
    """Lines broken at ", " or double spaces so that each fits ``width`` pixels."""
    out = []
    for line in lines:
        current = ""
        for piece in line.replace(", ", ", \0").replace("  ", "  \0").split("\0"):
            if current and text_font.size(current + piece)[0] > width:
                out.append(current.rstrip(", "))
                current = piece
            else:
                current += piece
        out.append(current)
    return out


def action_label(action: Any) -> str:
    return getattr(action, "name", None) or str(action)


def play(env: gym.Env, *, seed: int | None = None, zoom: float = 1.0, fps: float | None = None,
         max_episodes: int | None = None, max_frames: int | None = None) -> Scoreboard:
    """Play ``env`` (made with ``render_mode="rgb_array"``) in a pygame window until Esc or close.

    ``max_episodes`` and ``max_frames`` end the session early (demos, tests).
    """
    pg = pygame()
    if env.render_mode != "rgb_array":
        raise ValueError(f"play needs an env made with render_mode='rgb_array', got {env.render_mode!r}")
    keys_to_action = env.get_wrapper_attr("get_keys_to_action")()
    turn_based = bool(env.metadata.get("turn_based", False))
    noop = env.metadata.get("noop_action")
    fps = fps or env.metadata.get("render_fps") or 30
    pg.display.init()
    pg.display.set_caption(f"rl-envs play: {env.spec.id if env.spec else type(env.unwrapped).__name__}")
    env.reset(seed=seed)
    board = Scoreboard()
    help_line = key_help(env)
    held: set[int] = set()
    clock, screen, running, frames, idle, dirty = pg.time.Clock(), None, True, 0, False, True
    def act(action: Any) -> bool:
        """Step once; False when the episode budget is spent."""
        _, reward, terminated, truncated, info = env.step(action)
        board.record(reward, info)
        if terminated or truncated:
            board.end_episode()
            env.reset()
        return max_episodes is None or len(board.finished_returns) < max_episodes

    while running:
        events = pg.event.get()
        if idle and not events:  # nothing will change until a key: sleep instead of redrawing
            waited = pg.event.wait(IDLE_WAIT_MS)
            events = [] if waited.type == pg.NOEVENT else [waited]
        for event in events:
            dirty = True
            if event.type == pg.QUIT or (event.type == pg.KEYDOWN and event.key == pg.K_ESCAPE):
                running = False
                break
            if event.type == pg.KEYDOWN:
                held.add(event.key)
                # Turn-based: every key press is one step, in the order pressed.
                if turn_based and (event.key,) in keys_to_action:
                    running = act(keys_to_action[(event.key,)])
            elif event.type == pg.KEYUP:
                held.discard(event.key)
        idle = turn_based
        if running and not turn_based:
            action = keys_to_action.get(tuple(sorted(held)), noop)
            idle = action is None
            if action is not None:
                running = act(action)
                dirty = True
        if dirty:
            screen = draw(pg, screen, env.render(), board.lines() + [help_line], zoom, font(FONT_PX))
            dirty = False
        if not idle:
            clock.tick(fps)
        frames += 1
        running = running and (max_frames is None or frames < max_frames)
    pg.display.quit()
    return board


def draw(pg: Any, screen: Any, frame: np.ndarray, lines: list[str], zoom: float, text_font: Any) -> Any:
    """Blit the frame (scaled) above a text panel wrapped to the window's width; returns the
    screen surface, created on the first call and re-created only to grow."""
    scale = max(zoom, MIN_WIDTH_PX / frame.shape[1])
    size = (int(frame.shape[1] * scale), int(frame.shape[0] * scale))
    lines = wrap(lines, text_font, size[0] - 12)
    panel = PANEL_LINE_PX * max(len(lines), PANEL_LINES) + 8
    if screen is None or screen.get_width() != size[0] or screen.get_height() < size[1] + panel:
        screen = pg.display.set_mode((size[0], size[1] + panel))
    picture = pg.surfarray.make_surface(np.transpose(frame, (1, 0, 2)))
    screen.fill((255, 255, 255))
    screen.blit(pg.transform.scale(picture, size), (0, 0))
    for i, line in enumerate(lines):
        screen.blit(text_font.render(line, True, (20, 20, 20)), (6, size[1] + 4 + i * PANEL_LINE_PX))
    pg.display.flip()
    return screen


def parse_action(text: str, actions: type) -> int:
    """An action from its number, its name or an unambiguous prefix of its name."""
    text = text.strip().lower()
    text = ARROW_SEQUENCES.get(text, text)
    if text.isdigit() and int(text) in {int(a) for a in actions}:
        return int(text)
    matches = [a for a in actions if a.name.lower().startswith(text)] if text else []
    if len(matches) != 1:
        valid = ", ".join(f"{int(a)}/{a.name.lower()}" for a in actions)
        raise ValueError(f"unknown action {text!r}; valid: {valid}")
    return int(matches[0])


def play_ansi(env: gym.Env, *, seed: int | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
              max_episodes: int | None = None) -> Scoreboard:
    """Play a tabular env (made with ``render_mode="ansi"``) in the terminal; ``q`` or end of input quits."""
    actions = getattr(env.unwrapped, "Actions", None)
    if actions is None or env.render_mode != "ansi":
        raise ValueError("--ansi play needs a tabular env (grid worlds, the pub) made with render_mode='ansi'")
    arrows = ", arrow keys too" if {"up", "down", "left", "right"} <= {a.name.lower() for a in actions} else ""
    prompt = ("action (" + ", ".join(f"{int(a)}/{a.name.lower()}" for a in actions)
              + f"; a number, a name or its first letters{arrows}; q to quit): ")
    env.reset(seed=seed)
    board = Scoreboard()
    while max_episodes is None or len(board.finished_returns) < max_episodes:
        print(env.render(), file=stdout)
        print(prompt, end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or line.strip().lower() in ("q", "quit"):
            break
        try:
            action = parse_action(line, actions)
        except ValueError as error:
            print(error, file=stdout)
            continue
        _, reward, terminated, truncated, info = env.step(action)
        board.record(reward, info)
        print(" | ".join(x for x in board.lines() if x), file=stdout)
        if terminated or truncated:
            print(f"episode over: return {board.episode_return:+.3g}; a new one starts", file=stdout)
            board.end_episode()
            env.reset()
    return board


@dataclass
class PlayArgs:
    """``rl-envs play``'s options (flags built by :mod:`rl_envs.cli_args`)."""

    env_id: str = field(default="", metadata={"help": "a registered id, e.g. RLEnvs/GridWorld-v0", "positional": True})
    kwarg: dict[str, Any] = field(default_factory=dict, metadata={"help": "environment option", "flag": "--kwarg"})
    ansi: bool = field(default=False, metadata={"help": "play in the terminal (tabular envs only)"})
    seed: int | None = field(default=None, metadata={"help": "seed of the first reset"})
    zoom: float = field(default=1.0, metadata={"help": "window scale"})
    fps: float | None = field(default=None, metadata={"help": "frames per second (default: the env's)"})
    demo: str | None = field(default=None, metadata={
        "help": "Mario: replay this demonstration (rl-envs mario-search writes them) instead of playing"})
    planner: bool = field(default=False, metadata={
        "help": "Mario: watch the planner play, mending its plan where the game leaves it (try --kwarg sticky_actions=0.25)"})


def make(args: PlayArgs) -> gym.Env:
    """The env to play, with ``rl-envs play``'s defaults for it (e.g. Mario's whole NES pad)."""
    entry(args.env_id)  # an unknown id: a ValueError listing the registered ones
    kwargs = {**play_kwargs(args.env_id), **args.kwarg}
    return gym.make(args.env_id, render_mode="ansi" if args.ansi else "rgb_array", **kwargs)


def run(args: PlayArgs, env: gym.Env) -> Scoreboard:
    """Play ``env`` (from :func:`make`) as ``args`` say, then close it."""
    try:
        if args.demo is not None and args.planner:
            raise ValueError("--demo replays a demonstration and --planner lets the planner play: give one")
        if args.demo is not None:
            return play_demo(env, load(args.demo), zoom=args.zoom, fps=args.fps)
        if args.planner:
            return play_planner(env, seed=args.seed, zoom=args.zoom, fps=args.fps)
        return play_ansi(env, seed=args.seed) if args.ansi else play(env, seed=args.seed, zoom=args.zoom, fps=args.fps)
    finally:
        env.close()


def play_demo(env: gym.Env, demo: Demonstration, *, zoom: float = 1.0, fps: float | None = None,
              max_frames: int | None = None) -> Scoreboard:
    """Replay a Mario demonstration in the window from the stage's start (Esc quits)."""
    if not hasattr(env.unwrapped, "action_for_byte"):
        raise ValueError("--demo replays Mario demonstrations; this env is not RLEnvs/Mario-v0")
    steps = replay(demo, env)
    total = len(actions_of(demo, env))

    def step(n: int) -> Shown | None:
        taken = next(steps, None)
        if taken is None:
            return None
        return Shown(taken.reward, taken.terminated, taken.info, env.render(),
                     f"demonstration: step {n + 1} of {total}; Esc: quit")

    return show(f"rl-envs: demonstration of stage {demo.stage}", step, fps=fps or env.metadata.get("render_fps") or 60,
                zoom=zoom, max_frames=max_frames, stop_at_episode_end=True)


def play_planner(env: gym.Env, *, seed: int | None = None, zoom: float = 1.0, fps: float | None = None,
                 max_frames: int | None = None) -> Scoreboard:
    """The planner (:mod:`rl_envs.mario.planner`) plays one episode in the window (Esc quits)."""
    if not hasattr(env.unwrapped, "action_for_byte"):
        raise ValueError("--planner plays Mario; this env is not RLEnvs/Mario-v0")
    planner = importlib.import_module("rl_envs.mario.planner").Planner(env)  # by name: it needs the 'mario' extra
    env.reset(seed=seed)

    def step(n: int) -> Shown:
        _, reward, terminated, truncated, info = env.step(planner.act())
        return Shown(float(reward), terminated or truncated, info, env.render(),
                     f"planner: step {n + 1}, {planner.checks} checks, {planner.repairs} repairs, "
                     f"{planner.frames_searched:,} frames searched; Esc: quit")

    try:
        return show(f"rl-envs: the planner plays stage {env.unwrapped.stage}", step,
                    fps=fps or env.metadata.get("render_fps") or 60, zoom=zoom, max_frames=max_frames,
                    stop_at_episode_end=True)
    finally:
        planner.close()


@dataclass
class Shown:
    """One step as a window that plays by itself shows it."""

    reward: float
    done: bool
    info: dict
    frame: np.ndarray
    status: str


def show(title: str, step: Callable[[int], Shown | None], *, fps: float, zoom: float = 1.0,
         max_frames: int | None = None, stop_at_episode_end: bool = False) -> Scoreboard:
    """A window that steps by itself (a demonstration, a trained agent): ``step(n)`` takes the
    n-th step (None: nothing more); the picture, the scoreboard and the step's status line are
    shown at ``fps`` until Esc, closing the window, ``max_frames``, or the end of the episode
    with ``stop_at_episode_end``."""
    pg = pygame()
    pg.display.init()
    pg.display.set_caption(title)
    board, clock, screen, n = Scoreboard(), pg.time.Clock(), None, 0
    try:
        while max_frames is None or n < max_frames:
            if any(e.type == pg.QUIT or (e.type == pg.KEYDOWN and e.key == pg.K_ESCAPE) for e in pg.event.get()):
                break
            shown = step(n)
            if shown is None:
                break
            board.record(shown.reward, shown.info)
            screen = draw(pg, screen, shown.frame, board.lines() + [shown.status], zoom, font(FONT_PX))
            clock.tick(fps)
            n += 1
            if shown.done:
                board.end_episode()
                if stop_at_episode_end:
                    break
    finally:
        pg.display.quit()
    return board
