"""Every Python example in the README runs, in order, in one namespace (as a reader pasting them
into one session would), and every shell command it shows names a command that exists."""

from __future__ import annotations

import re
import shlex
import subprocess
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
    guide = (ROOT / "docs" / "mario.md").read_text()
    table = guide.split("<!-- demos:start -->")[1].split("<!-- demos:end -->")[0]
    files = sorted(DEMOS.glob("*.json"))
    assert len(files) == len(re.findall(r"^\| \d-\d ", table, flags=re.M))
    for file in files:
        meta = load(file).meta
        row = f"| {file.stem} | {'yes' if meta['flag'] else 'no'} | {meta['frames']:,} | {meta['seconds']:.0f} | "
        assert row in table, f"docs/mario.md's demonstrations table lacks {row!r}"


# Phrases that date a text to a moment of the project's own development instead of saying what is
# and why; kept as word tuples so that this file does not itself contain them.
HISTORY_PHRASES = (("earlier", "runs?"), ("earlier", "rounds?"), ("earlier", "sessions?"), ("previous", "rounds?"),
                   ("previous", "sessions?"), ("this", "session"), ("last", "session"), ("first", "round"),
                   ("used", "to"), ("the", "next", "change"), ("this", "round"))
HISTORY = re.compile(r"\b(" + "|".join(r"\s+".join(words) for words in HISTORY_PHRASES) + r")\b", re.I)


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    kinds = (".md", ".py", ".yml", ".yaml", ".toml", ".cfg", ".txt", ".sh")
    return [ROOT / n for n in names if n.endswith(kinds)]


def test_no_tracked_text_tells_the_projects_own_history():
    files = tracked_text_files()
    assert len(files) > 50
    hits = [f"{f.relative_to(ROOT)}:{n}: {line.strip()}" for f in files
            for n, line in enumerate(f.read_text().splitlines(), 1) if HISTORY.search(line)]
    assert not hits, "\n".join(hits[:20])


def test_the_readme_is_short_and_its_links_resolve():
    assert len(README.splitlines()) <= 250
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
