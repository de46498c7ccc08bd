"""Every Python example in the README runs, in order, in one namespace (as a reader pasting them
into one session would), and every shell command it shows names a command that exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from baselines.cli import COMMANDS
from rl_envs.cli import build_parser
from rl_envs.mario.states import DEMOS, load

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 5
    namespace: dict = {"__name__": "__readme__"}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102  (our own README)
    for name in ("env", "envs", "solution"):
        value = namespace.get(name)
        if hasattr(value, "close"):
            value.close()


@pytest.mark.parametrize("line", [line for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S)
                                  for line in block.splitlines() if line.startswith(".venv/bin/rl-envs")])
def test_shell_commands_name_real_subcommands(line):
    words = shlex.split(line.replace("\\", ""), comments=True)
    program, subcommand = Path(words[0]).name, words[1]
    if program == "rl-envs-baselines":
        assert subcommand in COMMANDS
    else:
        assert program == "rl-envs"
        assert subcommand in build_parser()._subparsers._group_actions[0].choices


def test_the_demonstrations_table_lists_every_shipped_demonstration_as_its_file_says():
    table = README.split("<!-- demos:start -->")[1].split("<!-- demos:end -->")[0]
    files = sorted(DEMOS.glob("*.json"))
    assert len(files) == len(re.findall(r"^\| \d-\d ", table, flags=re.M))
    for file in files:
        meta = load(file).meta
        row = f"| {file.stem} | {'yes' if meta['flag'] else 'no'} | {meta['frames']:,} | {meta['seconds']:.0f} | "
        assert row in table, f"README's demonstrations table lacks {row!r}"
