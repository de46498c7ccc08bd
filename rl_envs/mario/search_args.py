"""``rl-envs mario-search``'s options, apart from the search (which needs the 'mario' extra), so
that the ``rl-envs`` command builds its parser without the emulator."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SearchArgs:
    """``rl-envs mario-search``'s options (flags built by :mod:`rl_envs.cli_args`)."""

    stage: str = field(default="1-1", metadata={"help": "the stage to clear, W-S"})
    beam: int = field(default=8, metadata={"help": "nodes kept per depth, >= 1 (widens by itself when stuck)"})
    hold: int = field(default=8, metadata={"help": "frames each macro holds its buttons, >= 1"})
    idle: int = field(default=0, metadata={
        "help": "frames with no button pressed before the search starts, >= 0 (demonstrations from the "
                "starts that noop_max=N evaluations play)"})
    max_minutes: float = field(default=30.0, metadata={"help": "give up (keeping the best partial demo) after this"})
    actions: str | None = field(default=None, metadata={
        "help": "press only this action design's combinations (e.g. simple, so that the demonstration "
                "can be cloned by a policy over that design); default: right, jumps, runs, left"})
    workers: int = field(default=1, metadata={
        "help": "processes expanding each depth, one emulator each, >= 1 (the demonstration does not depend on it)"})
    max_expansions: int | None = field(default=None, metadata={
        "help": "stop after this many expansions, >= 1 (a budget that does not depend on the machine's speed)"})
    out: str | None = field(default=None, metadata={"help": "file to write (default: mario_demo_{stage}.json)"})
