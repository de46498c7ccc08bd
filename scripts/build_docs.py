"""Build the docs site: ``./dev docs [--out DIR]`` (default ``docs/_build``), then open
``DIR/html/index.html``.

The site is made from what the code already says, so it cannot drift from it: the hand-written
pages of ``docs/`` (home, lecture definitions), one page per registered id generated from the
registry and the env's docstring (spaces with ``markov`` True and False, reward designs, options,
version history) with an animated GIF of an episode, and the README's play, baselines and
comparison sections as guides. A new registry row gets its page and GIF with nothing written by
hand. Sphinx (MyST, Furo theme) builds it with warnings as errors.

GIFs: the tabular envs follow their optimal policy (value iteration, arrows drawn on the grid),
the cart-poles a random agent, Mario the shipped demonstration of its stage.
"""

from __future__ import annotations

import inspect
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image

import rl_envs  # noqa: F401  (registers the ids)
from baselines.tabular import value_iteration
from rl_envs.cli_args import parse
from rl_envs.mario.demonstrations import play_through
from rl_envs.mario.states import load, shipped
from rl_envs.registry import ENTRIES, Entry, reward_designs

ROOT = Path(__file__).resolve().parents[1]
GIF_WIDTH_PX = 256
GIF_MAX_FRAMES = 150
GALLERY_COLUMNS = 3
MARIO_FRAME_STRIDE = 8  # of the demonstration's 60 frames per second
README_GUIDES = {"play": "## Playing by hand", "baselines": "## Solvers and baselines",
                 "comparing": "## Comparing reward designs"}
ROLE = re.compile(r":(?:class|mod|func|meth|attr|data|obj):`~?([^`]+)`")


@dataclass
class DocsArgs:
    out: str = field(default="docs/_build", metadata={"help": "build folder (the site goes to OUT/html)"})
    gifs: bool = field(default=True, metadata={"help": "make the GIFs (--no-gifs: pages only, faster)"})


# --- pages ----------------------------------------------------------------------------------------
def markdown(docstring: str) -> str:
    """A Gymnasium-style docstring as MyST Markdown: roles as code, doctests fenced."""
    lines, out, i = ROLE.sub(r"`\1`", inspect.cleandoc(docstring)).splitlines(), [], 0
    while i < len(lines):
        if lines[i].startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            out += ["```pycon", *block, "```"]
        else:
            out.append(re.sub(r"::$", ":", lines[i]))
            i += 1
    return "\n".join(out)


def describe(space: gym.Space) -> str:
    """A space in one short line: a Box with per-entry bounds shows its shape, not its arrays."""
    if isinstance(space, gym.spaces.Box):
        low, high = np.unique(space.low), np.unique(space.high)
        bounds = f"{low[0]:g}, {high[0]:g}, " if len(low) == 1 and len(high) == 1 else "bounds per entry, "
        return f"`Box({bounds}{space.shape}, {space.dtype})`"
    return f"`{space}`"


def space_of(env_id: str, **kwargs) -> str:
    env = gym.make(env_id, **kwargs)
    try:
        return describe(env.observation_space)
    finally:
        env.close()


def env_page(entry: Entry) -> str:
    env = gym.make(entry.id)
    try:
        doc = type(env.unwrapped).__doc__ or ""
        action_space, default_reward = env.action_space, env.unwrapped.reward.name
    finally:
        env.close()
    designs = reward_designs(entry.id)
    module = __import__(entry.designs.partition(":")[0], fromlist=["DESIGNS"]) if entry.designs else None
    weights = "; ".join(f"`{d}`{' (default)' if d == default_reward else ''} = "
                        + " + ".join(f"{w:g} x {c}" for c, w in module.DESIGNS[d].items()) for d in designs)
    preset = ", ".join(f"`{k}={v!r}`" for k, v in entry.kwargs.items()) or "none"
    rows = [
        ("make", f'`gym.make("{entry.id}")`'),
        ("action space", describe(action_space)),
        ("observation space, `markov=True`", space_of(entry.id, markov=True)),
        ("observation space, `markov=False`", space_of(entry.id, markov=False)),
        ("reward designs (`reward=`)", weights or "one"),
        ("time limit", f"{entry.max_episode_steps:,} steps (`max_episode_steps` at registration)"),
        ("preset options", preset),
        ("vector version", f'`gym.make_vec("{entry.id}", num_envs=N, vectorization_mode="vector_entry_point")`'
         if entry.vector_entry_point else "Gymnasium's own vectorization"),
        ("entry point", f"`{entry.entry_point}`"),
    ]
    table = "\n".join(["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)])
    return (f"# {entry.id}\n\n![an episode of {entry.id}](../gifs/{entry.name}.gif)\n\n{gif_caption(entry)}\n\n"
            f"{table}\n\n{markdown(doc)}\n")


def gif_caption(entry: Entry) -> str:
    if entry.name.startswith("Mario"):
        return "*The shipped demonstration of stage 1-1 (found by `rl-envs mario-search`), every 8th frame.*"
    if entry.name.startswith("CartPole"):
        return "*A random agent.*"
    return "*The optimal policy (value iteration), its actions drawn as arrows.*"


def gallery() -> str:
    cells = [f"[![{e.id}](gifs/{e.name}.gif)](envs/{e.name}.md)<br>[{e.id}](envs/{e.name}.md)" for e in ENTRIES]
    rows = [cells[i:i + GALLERY_COLUMNS] for i in range(0, len(cells), GALLERY_COLUMNS)]
    header = "| " + " | ".join([" "] * GALLERY_COLUMNS) + " |\n|" + "---|" * GALLERY_COLUMNS
    return header + "\n" + "\n".join("| " + " | ".join(r + [" "] * (GALLERY_COLUMNS - len(r))) + " |" for r in rows)


def readme_section(heading: str) -> str:
    """A README section (up to the next ``## ``), as a page: its heading becomes the title."""
    text = (ROOT / "README.md").read_text()
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    section = text[start:end if end != -1 else len(text)]
    section = section.replace(heading, "# " + heading.removeprefix("## "), 1)
    section = re.sub(r"^### ", "## ", section, flags=re.M)
    section = re.sub(r"<!-- .*? -->\n?", "", section)
    return section.replace("](docs/", "](")


# --- GIFs -----------------------------------------------------------------------------------------
def episode_frames(entry: Entry) -> list[np.ndarray]:
    if entry.name.startswith("Mario"):
        pictures: list[np.ndarray] = []
        play_through(load(shipped("1-1")), pictures)
        return pictures[::MARIO_FRAME_STRIDE]
    env = gym.make(entry.id, render_mode="rgb_array")
    frames: list[np.ndarray] = []
    try:
        tabular = hasattr(env.unwrapped, "P")
        policy = value_iteration(env.unwrapped.P, gamma=0.99).policy if tabular else None
        if policy is not None and hasattr(env.unwrapped, "set_overlay"):
            env.unwrapped.set_overlay(policy=policy)
        env.action_space.seed(0)
        for seed in range(20):
            obs, info = env.reset(seed=seed)
            frames.append(env.render())
            done = False
            while not done and len(frames) < GIF_MAX_FRAMES:
                action = int(policy[info["state"]]) if policy is not None else env.action_space.sample()
                obs, _, terminated, truncated, info = env.step(action)
                frames.append(env.render())
                done = terminated or truncated
            if len(frames) >= (GIF_MAX_FRAMES if policy is None else 30):
                break
    finally:
        env.close()
    return frames


def write_gif(frames: list[np.ndarray], path: Path, frame_ms: int) -> None:
    height = round(frames[0].shape[0] * GIF_WIDTH_PX / frames[0].shape[1])
    images = [Image.fromarray(f).resize((GIF_WIDTH_PX, height), Image.Resampling.NEAREST) for f in frames]
    images = [im.convert("P", palette=Image.Palette.ADAPTIVE, colors=64) for im in images]
    images[0].save(path, save_all=True, append_images=images[1:], duration=frame_ms, loop=0, optimize=True)


def frame_ms(entry: Entry) -> int:
    if entry.name.startswith("Mario"):
        return round(1000 * MARIO_FRAME_STRIDE / 60)
    return 400 if entry.entry_point.startswith(("rl_envs.grid", "rl_envs.pub")) else 40


# --- build ----------------------------------------------------------------------------------------
def build(out: Path, gifs: bool = True) -> Path:
    """Write the sources into ``out/src`` and the site into ``out/html``; returns the latter."""
    from sphinx.cmd.build import build_main  # the 'docs' extra

    source = out / "src"
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(ROOT / "docs", source, ignore=shutil.ignore_patterns("_build", "*.py~"))
    (source / "envs").mkdir()
    (source / "gifs").mkdir()
    for entry in ENTRIES:
        (source / "envs" / f"{entry.name}.md").write_text(env_page(entry))
        gif = source / "gifs" / f"{entry.name}.gif"
        if gifs:
            write_gif(episode_frames(entry), gif, frame_ms(entry))
        else:
            write_gif([np.full((8, 8, 3), 255, np.uint8)], gif, 100)
    for name, heading in README_GUIDES.items():
        (source / f"{name}.md").write_text(readme_section(heading))
    index = (source / "index.md").read_text()
    index = index.replace("<!-- gallery -->", gallery())
    index = index.replace("<!-- env pages -->", "\n".join(f"envs/{e.name}" for e in ENTRIES))
    (source / "index.md").write_text(index)
    html = out / "html"
    code = build_main(["-W", "--keep-going", "-q", "-b", "html", str(source), str(html)])
    if code:
        raise SystemExit(f"sphinx-build failed (exit {code}); see its messages above")
    return html


def main(argv: list[str] | None = None) -> int:
    args = parse(DocsArgs, argv, prog="./dev docs", description=__doc__)
    html = build((ROOT / args.out) if not Path(args.out).is_absolute() else Path(args.out), args.gifs)
    print(f"site: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
