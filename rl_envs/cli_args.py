"""Command lines from the args dataclasses, one convention for every command of both packages
(``rl-envs`` here, ``rl-envs-baselines`` in the baselines package, which imports this module).

Each field becomes one flag, ``--field-name``, typed by its annotation, with its help from the
field's ``metadata["help"]`` and its default from the dataclass itself (shown in ``--help``,
never restated by hand). Annotations map to flags as follows:

| annotation | flag |
|------------|------|
| ``bool`` | ``--name`` / ``--no-name`` |
| ``int``, ``float``, ``str``, ``Path`` (or ``X | None``) | ``--name VALUE`` |
| ``list[str]`` | ``--name a,b,c`` |
| ``dict[str, Any]`` | repeatable ``KEY=VALUE`` (VALUE a Python literal or a plain string) |

``metadata`` may also give ``flag`` (another spelling, e.g. ``--set`` for ``overrides``),
``positional`` (a positional argument instead of a flag), ``choices`` and ``metavar``.

>>> from dataclasses import dataclass, field
>>> @dataclass
... class Args:
...     run_dir: str = field(default="", metadata={"help": "a run", "positional": True})
...     episodes: int = field(default=10, metadata={"help": "how many"})
...     greedy: bool = field(default=False, metadata={"help": "greedy actions"})
...     env_kwargs: dict = field(default_factory=dict, metadata={"help": "env options", "flag": "--env-kwarg"})
>>> parse(Args, ["runs/x", "--episodes", "3", "--env-kwarg", "slip=0.1", "--greedy"], prog="demo")
Args(run_dir='runs/x', episodes=3, greedy=True, env_kwargs={'slip': 0.1})
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import types
import typing
from pathlib import Path
from typing import Any


def literal(raw: str) -> Any:
    """A command-line value: a Python literal where it is one (``4``, ``0.1``, ``True``, ``['a']``),
    ``true``/``false`` in any case as booleans (as the YAML hyperparameter files write them), else
    the string itself.

    >>> [literal(v) for v in ("4", "true", "False", "1-1", "'x'")]
    [4, True, False, '1-1', 'x']
    """
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw


def parse_kwargs(pairs: list[str], flag: str = "--kwarg") -> dict[str, Any]:
    """``["slip=0.1", "layout=['T.', '..']"]`` -> kwargs; values as :func:`literal` reads them.

    >>> parse_kwargs(["slip=0.1", "layout=lecture_3x4", "markov=false"])
    {'slip': 0.1, 'layout': 'lecture_3x4', 'markov': False}
    """
    kwargs = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{flag} must look like key=value, got {pair!r}")
        kwargs[key.strip()] = literal(raw)
    return kwargs


def _base(kind: Any) -> Any:
    """``X`` of ``X | None``; ``kind`` itself otherwise."""
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        rest = [k for k in typing.get_args(kind) if k is not type(None)]
        return rest[0] if len(rest) == 1 else str
    return kind


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    return f.default_factory()  # type: ignore[misc]


def _flag(f: dataclasses.Field) -> str:
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """One argument per field of the dataclass ``cls`` (see the module docstring)."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = _base(hints[f.name])
        origin = typing.get_origin(kind) or kind
        default = _default(f)
        help_text = f.metadata.get("help", "")
        if f.metadata.get("positional"):
            parser.add_argument(f.name, type=kind, help=help_text)
        elif origin is bool:
            parser.add_argument(_flag(f), dest=f.name, action=argparse.BooleanOptionalAction, default=default,
                                help=help_text)
        elif origin is dict:
            parser.add_argument(_flag(f), dest=f.name, action="append", default=None, metavar="KEY=VALUE",
                                help=f"{help_text} (repeatable; VALUE is a Python literal or a string)")
        elif origin is list:
            shown = ",".join(default) if default else "none"
            parser.add_argument(_flag(f), dest=f.name, type=_comma_list, default=None, metavar="A,B,...",
                                help=f"{help_text}, comma-separated (default: {shown})")
        else:
            shown = "" if default is None else f" (default: {default})"
            parser.add_argument(_flag(f), dest=f.name, type=kind if kind in (int, float, Path) else str,
                                default=default, choices=f.metadata.get("choices"), metavar=f.metadata.get("metavar"),
                                help=help_text + shown)


def from_namespace(cls: type, ns: argparse.Namespace, parser: argparse.ArgumentParser) -> Any:
    """The dataclass ``cls`` from parsed arguments; a malformed KEY=VALUE is a usage error."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        value = getattr(ns, f.name)
        origin = typing.get_origin(_base(hints[f.name])) or _base(hints[f.name])
        if value is None and origin in (dict, list):
            value = _default(f)
        elif origin is dict:
            try:
                value = parse_kwargs(value, _flag(f))
            except ValueError as error:
                parser.error(str(error))
        values[f.name] = value
    return cls(**values)


def build_parser(cls: type, prog: str, description: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser, cls)
    return parser


def parse(cls: type, argv: list[str] | None, prog: str, description: str | None = None) -> Any:
    """Parse ``argv`` into the dataclass ``cls`` (see the module docstring)."""
    parser = build_parser(cls, prog, description)
    return from_namespace(cls, parser.parse_args(argv), parser)
